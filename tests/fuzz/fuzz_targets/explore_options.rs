//! Explore options, then a bounded exploration under them of a small
//! scenario: the reader's limits must hold and stepping must stay within
//! its budget.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mapi_logoff::Scenario;
use mapi_logoff::explore::{ExploreOptions, Explorer};

const BASE: &str = r#"{
  "version": 1,
  "stores": [{ "name": "A" }, { "name": "B" }],
  "transports": [{ "name": "Internet", "sessions": [{ "name": "smtp", "addressTypes": ["SMTP"] }] }]
}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(mut options) = ExploreOptions::from_json(text) else { return };
    // Each case stays small: the bounds themselves are what is fuzzed.
    options.max_states = options.max_states.min(2_000);
    options.max_depth = options.max_depth.min(8);
    let scenario = Scenario::from_json(BASE).expect("the base scenario is valid");
    let mut explorer = Explorer::new(&scenario, options).expect("the base scenario explores");
    let mut steps = 0;
    while !explorer.is_done() && steps < 10_000 {
        let before = explorer.report().transitions;
        let report = explorer.step(64);
        assert!(report.transitions - before <= 64, "step(64) made {} transitions", report.transitions - before);
        steps += 1;
    }
    assert!(explorer.is_done(), "2,000 states were not explored in 10,000 steps");
});
