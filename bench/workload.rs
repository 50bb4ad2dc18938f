//! Writes the benchmarks' reference workload (`mapi_logoff::workload`) as one
//! scenario document, actions included, so that the wasm benchmark under
//! Node runs exactly what `cargo bench --bench engine` runs. Built by
//! scripts/bench.sh as a small binary crate next to the real one (under
//! target/), so the package exports nothing just for benchmarks.
//!
//! usage: workload MESSAGES ROUNDS > workload.json

use mapi_logoff::{Scenario, Simulation, workload};

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("MESSAGES and ROUNDS are counts")).collect();
    let [messages, rounds] = args[..] else { panic!("usage: workload MESSAGES ROUNDS") };
    let scenario = Scenario { actions: workload::busy_actions(rounds), ..workload::busy_scenario(messages) };
    let json = scenario.to_json();
    // The document must mean exactly the workload: it reads back equal and runs.
    assert!(Scenario::from_json(&json).expect("the workload reads back") == scenario, "the workload does not read back equal");
    Simulation::new(&scenario).expect("the workload runs");
    print!("{json}");
}
