//! The explorer benchmark: a reference scenario explored to completion by
//! this crate's explorer on one thread and on two, and, through a small
//! adapter over the same state and actions, by stateright's breadth-first
//! checker on one thread; all must find the same number of unique states.
//! Reports the median of several runs (EXPLORE_BENCH_RUNS, default 5),
//! taken in rounds so that a shared machine's load weighs on every row
//! alike: states per second, bytes per unique state (kept, and at the
//! peak with the frontier), the 2-thread speedup and the ratio to
//! stateright. A run takes about a second, so this is a plain harness
//! rather than criterion's, whose statistics would want minutes per row.
//!
//! `cargo bench --bench explore` (part of `npm run bench`).

use mapi_logoff::explore::{ExploreOptions, Explorer, MemoryUse};
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

/// One complete exploration of the reference: its time, unique states and
/// memory.
fn ours(scenario: &Scenario, threads: usize) -> (Duration, u64, MemoryUse) {
    let options = ExploreOptions { max_depth: 1_000, max_states: 20_000_000, threads, ..ExploreOptions::default() };
    let start = Instant::now();
    let mut explorer = Explorer::new(scenario, options).expect("explorer starts");
    let report = explorer.run();
    let elapsed = start.elapsed();
    assert_eq!(report.stopped, Some(mapi_logoff::explore::StopReason::Complete), "the reference is explored completely");
    assert!(report.properties.iter().all(|p| p.counterexample.is_none()), "the reference scenario is well behaved");
    (elapsed, report.unique_states, explorer.memory())
}

fn main() {
    // `cargo bench` passes --bench; anything else is a filter we ignore.
    let scenario = Scenario::from_json(REFERENCE).expect("reference scenario is valid");
    let runs: usize = std::env::var("EXPLORE_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let sim = Simulation::new(&scenario).expect("reference runs");

    // Rounds of one run each, so that the load of a shared machine weighs
    // on every row alike.
    let (mut serial, mut parallel, mut theirs) = (Vec::new(), Vec::new(), Vec::new());
    let (mut unique, mut memory) = (0, None);
    let mut their_unique = 0;
    for _ in 0..runs {
        let (t, n, m) = ours(&scenario, 1);
        serial.push(t);
        (unique, memory) = (n, Some(m));
        let (t, n, _) = ours(&scenario, 2);
        parallel.push(t);
        assert_eq!(n, unique, "2 threads find the serial explorer's states");

        let model = Adapter { topology: sim.topology().clone(), settings: *sim.settings(), init: sim.state().clone() };
        let start = Instant::now();
        let checker = model.checker().threads(1).spawn_bfs().join();
        theirs.push(start.elapsed());
        their_unique = checker.unique_state_count();
        assert!(checker.discovery("I1-I6").is_none(), "stateright finds no violation either");
    }
    assert_eq!(unique as usize, their_unique, "both checkers find the same unique states");
    let memory = memory.expect("at least one run");

    let (serial, parallel, theirs) = (median(serial), median(parallel), median(theirs));
    let rate = |d: Duration| unique as f64 / d.as_secs_f64();
    println!("explorer reference scenario: {unique} unique states (every checker), {runs} runs each, medians:");
    println!(
        "  mapi-logoff explorer, 1 thread   {:>8.3} s  {:>10.0} states/s  {} bytes/state kept, {} at the peak (frontier included)",
        serial.as_secs_f64(),
        rate(serial),
        memory.kept_per_state(),
        memory.peak_per_state()
    );
    println!(
        "  mapi-logoff explorer, 2 threads  {:>8.3} s  {:>10.0} states/s  {:.2}x the speed of 1 thread ({} cores here)",
        parallel.as_secs_f64(),
        rate(parallel),
        serial.as_secs_f64() / parallel.as_secs_f64(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("  stateright BFS (1 thread)        {:>8.3} s  {:>10.0} states/s", theirs.as_secs_f64(), rate(theirs));
    println!("  ratio: mapi-logoff (1 thread) is {:.2}x the speed of stateright", theirs.as_secs_f64() / serial.as_secs_f64());

    // For bench/explore-wasm.mjs, which reports the wasm/native ratio.
    if let Some(path) = std::env::var_os("EXPLORE_BENCH_OUT") {
        let json = format!(
            "{{\"uniqueStates\":{unique},\"nativeMedianSeconds\":{},\"statesPerSecond\":{:.0},\"bytesPerState\":{},\"peakBytesPerState\":{},\"parallelThreads\":2,\"parallelMedianSeconds\":{},\"staterightMedianSeconds\":{}}}\n",
            serial.as_secs_f64(),
            rate(serial),
            memory.kept_per_state(),
            memory.peak_per_state(),
            parallel.as_secs_f64(),
            theirs.as_secs_f64()
        );
        std::fs::write(&path, json).expect("EXPLORE_BENCH_OUT is writable");
    }
}
