//! Issue 12, part 3, natively: what a first-time user tripped over. The
//! package's tests (tests/js/first-use.test.mjs) check the same through JS.

use mapi_logoff::engine::StateValue;
use mapi_logoff::state::StorePhase;
use mapi_logoff::{Action, Scenario, Simulation};

const MAILBOX: &str = r#"{"version":1,
  "stores":[{"name":"Mailbox","defaultInbox":true,"outboundQueue":[{"addressType":"SMTP"}]}],
  "transports":[{"name":"Internet","sessions":[{"name":"smtp","addressTypes":["SMTP","X400"],"memoryBlocks":1}]}]}"#;

#[test]
fn submit_message_names_its_address_type_as_the_outbound_queue_does() {
    let sim = Simulation::from_json(MAILBOX).unwrap();
    assert_eq!(sim.topology().address_types, ["SMTP", "X400"]);
    let by_name = sim.action_from_json(r#"{"type":"submitMessage","store":0,"addressType":"x400"}"#).unwrap();
    let by_index = sim.action_from_json(r#"{"type":"submitMessage","store":0,"addressType":1}"#).unwrap();
    assert_eq!(by_name, by_index);
    assert_eq!(by_name, Action::SubmitMessage { store: 0, address_type: 1, steps: 2 });
    let e = sim.action_from_json(r#"{"type":"submitMessage","store":0,"addressType":"FAX"}"#).unwrap_err();
    assert_eq!(e.path, "addressType");
    assert!(e.to_string().contains(r#"unknown address type "FAX"; this scenario has SMTP, X400"#), "{e}");
    // A scenario's actions name them by the scenario's own declarations.
    let text = MAILBOX.replace("}]}]}", r#"}]}],"actions":[{"type":"submitMessage","store":0,"addressType":"X400"}]}"#);
    let scenario = Scenario::from_json(&text).unwrap();
    assert_eq!(scenario.actions, [Action::SubmitMessage { store: 0, address_type: 1, steps: 2 }]);
    assert_eq!(scenario.address_types(), Simulation::new(&scenario).unwrap().topology().address_types);
    // Without a topology, Action::from_json reads indexes only, and says so.
    let e = Action::from_json(r#"{"type":"submitMessage","store":0,"addressType":"SMTP"}"#).unwrap_err();
    assert_eq!(e.path, "addressType");
}

#[test]
fn allocate_reports_its_block_and_changes_are_json_values() {
    let mut sim = Simulation::from_json(MAILBOX).unwrap();
    let root = sim.apply(Action::Allocate { session: 0, parent: None }).unwrap();
    let block = root.block.expect("allocate reports the block it made");
    assert!(!sim.state().memory.blocks[block as usize].freed);
    let child = sim.apply(Action::Allocate { session: 0, parent: Some(block) }).unwrap();
    assert_eq!(sim.state().memory.blocks[child.block.unwrap() as usize].parent, Some(block));
    assert_eq!(sim.apply(Action::Free { session: 0, block: Some(block) }).unwrap().block, None);
    let send = sim.apply(Action::BeginSend { session: 0 }).unwrap();
    let sending = send.changes.iter().find(|c| c.path == "sessions[0].sending").expect("the send shows");
    assert_eq!(sending.before, StateValue(serde_json::Value::Null));
    assert_eq!(sending.after, StateValue(serde_json::json!({"message": 0, "remaining": 2})));
    let text = serde_json::to_string(sending).unwrap();
    assert_eq!(text, r#"{"path":"sessions[0].sending","before":null,"after":{"message":0,"remaining":2}}"#);
}

#[test]
fn a_store_invalid_for_its_clients_but_held_by_the_spooler_reads_invalidated() {
    let mut sim = Simulation::from_json(MAILBOX).unwrap();
    sim.apply(Action::BeginSend { session: 0 }).unwrap();
    let o = sim.apply(Action::StoreLogoff { store: 0, flags: 0x1 }).unwrap();
    assert_eq!(sim.state().stores[0].phase, StorePhase::Invalidated);
    assert_ne!(sim.state().stores[0].spooler, mapi_logoff::state::SpoolerLogon::Released);
    assert!(o.changes.iter().any(|c| c.path == "stores[0].phase" && c.after == StateValue("invalidated".into())));
}
