//! A scenario document: read, built, run. Whatever the reader accepts must
//! build and run without a panic, and the scenario a run leads to
//! (`to_scenario`) must read back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mapi_logoff::{Scenario, Simulation};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(scenario) = Scenario::from_json(text) else { return };
    let Ok(sim) = Simulation::new(&scenario) else { return };
    let again = sim.to_scenario().to_json();
    if let Err(e) = Scenario::from_json(&again) {
        panic!("an accepted scenario does not read back: {e}\n{again}");
    }
    let _ = sim.view();
    let _ = sim.trace_jsonl();
});
