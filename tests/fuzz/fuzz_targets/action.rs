//! Actions (one, or a list, as `apply` and `run` take them) applied to a
//! simulation with every kind of part; the simulation that results must
//! still write a scenario that reads back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mapi_logoff::{Action, Scenario, Simulation};

const BASE: &str = r#"{
  "version": 1,
  "stores": [
    { "name": "Mailbox", "defaultInbox": true, "outboundQueue": [{ "addressType": "SMTP" }] },
    { "name": "Archive" }
  ],
  "transports": [{ "name": "Internet", "sessions": [{ "name": "smtp", "addressTypes": ["SMTP"] }] }]
}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut sim = Simulation::from_json(BASE).expect("the base scenario is valid");
    let actions = match Action::list_from_json(text) {
        Ok(list) => list,
        Err(_) => match Action::from_json(text) {
            Ok(action) => vec![action],
            Err(_) => return,
        },
    };
    for action in actions {
        let _ = sim.apply(action);
    }
    let _ = sim.enabled_actions();
    let again = sim.to_scenario().to_json();
    if let Err(e) = Scenario::from_json(&again) {
        panic!("a simulation's scenario does not read back: {e}\n{again}");
    }
});
