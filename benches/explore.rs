//! The explorer benchmark: a reference scenario explored to completion by
//! this crate's explorer and, through a small adapter over the same state
//! and actions, by stateright's breadth-first checker. Both run on one
//! thread; they must find the same number of unique states. Reports the
//! median of several runs: states per second, bytes per unique state, and
//! the ratio of the two checkers' times.
//!
//! `cargo bench --bench explore` (part of `npm run bench`).

use mapi_logoff::explore::{ExploreOptions, Explorer, bytes_per_state};
use mapi_logoff::invariants::invariants_hold;
use mapi_logoff::scenario::Settings;
use mapi_logoff::state::{State, Topology};
use mapi_logoff::{Action, NoTrace, Scenario, Simulation, apply, enabled_actions};
use stateright::{Checker, Model, Property};
use std::time::{Duration, Instant};

/// Two stores (one holds the default Inbox), two transports with one
/// session each, queued and inbound mail: every interleaving of client
/// logoffs, spooler work and transport logoffs. The wasm half of the
/// benchmark (bench/explore-wasm.mjs) explores the same file.
pub const REFERENCE: &str = include_str!("../bench/explore-reference.json");

/// The same model for stateright: states, enabled actions and transitions
/// come from the engine; the property is I1-I6.
struct Adapter {
    topology: Topology,
    settings: Settings,
    init: State,
}

impl Model for Adapter {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        vec![self.init.clone()]
    }

    fn actions(&self, state: &State, actions: &mut Vec<Action>) {
        actions.extend(enabled_actions(&self.topology, &self.settings, state));
    }

    fn next_state(&self, last: &State, action: Action) -> Option<State> {
        let mut next = last.clone();
        apply(&self.topology, &self.settings, &mut next, &mut NoTrace, &action).ok()?;
        Some(next)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![Property::always("I1-I6", |m: &Adapter, s: &State| invariants_hold(&m.topology, s))]
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes --bench; anything else is a filter we ignore.
    let scenario = Scenario::from_json(REFERENCE).expect("reference scenario is valid");
    let options = ExploreOptions { max_depth: 1_000, max_states: 20_000_000, ..ExploreOptions::default() };
    let runs = 3;

    let mut ours = Vec::new();
    let mut unique = 0;
    let mut bytes = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let mut explorer = Explorer::new(&scenario, options.clone()).expect("explorer starts");
        let report = explorer.run();
        ours.push(start.elapsed());
        assert_eq!(report.stopped, Some(mapi_logoff::explore::StopReason::Complete), "the reference is explored completely");
        assert!(report.properties.iter().all(|p| p.counterexample.is_none()), "the reference scenario is well behaved");
        unique = report.unique_states;
        bytes = bytes_per_state(&explorer);
    }

    let sim = Simulation::new(&scenario).expect("reference runs");
    let adapter = Adapter { topology: sim.topology().clone(), settings: *sim.settings(), init: sim.state().clone() };
    let mut theirs = Vec::new();
    let mut their_unique = 0;
    for _ in 0..runs {
        let model = Adapter { topology: adapter.topology.clone(), settings: adapter.settings, init: adapter.init.clone() };
        let start = Instant::now();
        let checker = model.checker().threads(1).spawn_bfs().join();
        theirs.push(start.elapsed());
        their_unique = checker.unique_state_count();
        assert!(checker.discovery("I1-I6").is_none(), "stateright finds no violation either");
    }
    assert_eq!(unique as usize, their_unique, "both checkers find the same unique states");

    let (ours, theirs) = (median(ours), median(theirs));
    let rate = |d: Duration| unique as f64 / d.as_secs_f64();
    println!("explorer reference scenario: {unique} unique states (both checkers), {runs} runs each, medians:");
    println!("  mapi-logoff explorer  {:>8.3} s  {:>10.0} states/s  {bytes} bytes/state", ours.as_secs_f64(), rate(ours));
    println!("  stateright BFS (1 thread) {:>8.3} s  {:>10.0} states/s", theirs.as_secs_f64(), rate(theirs));
    println!("  ratio: mapi-logoff is {:.2}x the speed of stateright", theirs.as_secs_f64() / ours.as_secs_f64());

    // For bench/explore-wasm.mjs, which reports the wasm/native ratio.
    if let Some(path) = std::env::var_os("EXPLORE_BENCH_OUT") {
        let json = format!(
            "{{\"uniqueStates\":{unique},\"nativeMedianSeconds\":{},\"statesPerSecond\":{:.0},\"bytesPerState\":{bytes},\"staterightMedianSeconds\":{}}}\n",
            ours.as_secs_f64(),
            rate(ours),
            theirs.as_secs_f64()
        );
        std::fs::write(&path, json).expect("EXPLORE_BENCH_OUT is writable");
    }
}
