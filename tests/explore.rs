//! The explorer: state counts worked out by hand, a counterexample for
//! every provider fault that replays in a Simulation, no false alarm on a
//! well-behaved scenario, reachability, symmetry and increments.

use mapi_logoff::explore::{ExploreOptions, Explorer, LogoffCall, OutcomeGoal, Property, StopReason, Verdict, explore};
use mapi_logoff::{HResult, RuleId, Scenario, Simulation, StoreFault, StoreLogoffFlag, StoreLogoffOutFlags, TransportFault};

fn scenario(json: &str) -> Scenario {
    Scenario::from_json(json).expect("test scenario is valid")
}

fn options(properties: Vec<Property>) -> ExploreOptions {
    ExploreOptions { max_depth: 40, properties, ..ExploreOptions::default() }
}

/// The hand-worked counts below follow the deferred reading (the SDK
/// sample's: StoreLogoff only saves the flag), set explicitly since the
/// default became the immediate one in protocol revision 2.
const IDLE_STORE: &str =
    r#"{ "version": 1, "settings": { "storeLogoffTransports": "atFinalRelease" }, "stores": [{ "name": "Mailbox" }] }"#;

/// One idle store, no transports. From the start the client can release
/// the store (1 state: destroyed, StoreLogoffTransports(ABORT), S14) or
/// call StoreLogoff with one of five flags (5 logged-off states). From
/// each of those only Release is possible: QUIET, ABORT and PURGE end in a
/// destroyed, released state (3); NO_WAIT and ORDERLY leave the spooler
/// draining (2), and FinishStoreLogoff releases it (2).
/// 1 + 1 + 5 + 3 + 2 + 2 = 14, at most 3 actions deep.
#[test]
fn an_idle_store_has_14_states() {
    let r = explore(&scenario(IDLE_STORE), options(vec![])).unwrap();
    assert_eq!((r.unique_states, r.max_depth, r.stopped), (14, 3, Some(StopReason::Complete)));
    assert_eq!(r.states_explored, 14, "every state expanded");
}

/// The store of the previous test and, independently, one transport
/// session with no mail: the session is logged on, or gone (LogoffSession
/// and IXPProvider::Shutdown reach the same state: logged off, cleaned up,
/// released, provider shut down). Nothing ties the two (no default Inbox):
/// 14 x 2 = 28.
#[test]
fn a_store_and_an_independent_session_have_28_states() {
    let s = scenario(
        r#"{ "version": 1, "settings": { "storeLogoffTransports": "atFinalRelease" }, "stores": [{ "name": "Mailbox" }],
             "transports": [{ "name": "Internet", "sessions": [{ "name": "smtp", "addressTypes": ["SMTP"] }] }] }"#,
    );
    let r = explore(&s, options(vec![])).unwrap();
    assert_eq!((r.unique_states, r.stopped), (28, Some(StopReason::Complete)));
}

/// Two identical stores, each with its own provider: 14 x 14 = 196 states;
/// with symmetry the order of the two does not matter: 14 x 15 / 2 = 105.
#[test]
fn symmetry_counts_identical_stores_once() {
    let s = scenario(
        r#"{ "version": 1, "settings": { "storeLogoffTransports": "atFinalRelease" }, "stores": [{ "name": "A" }, { "name": "B" }] }"#,
    );
    let plain = explore(&s, options(vec![Property::StoresReleased])).unwrap();
    let sym = explore(&s, ExploreOptions { symmetry: true, ..options(vec![Property::StoresReleased]) }).unwrap();
    assert_eq!(plain.unique_states, 196);
    assert_eq!(sym.unique_states, 105);
    let verdicts = |r: &mapi_logoff::explore::ExploreReport| r.properties.iter().map(|p| p.verdict).collect::<Vec<_>>();
    assert_eq!(verdicts(&plain), verdicts(&sym));
    assert_eq!(plain.outcomes, sym.outcomes, "the same outcomes are reachable");
}

const BUSY: &str = r#"{ "version": 1,
    "stores": [{ "name": "Mailbox", "defaultInbox": true, "outboundQueue": [{ "addressType": "SMTP", "steps": 1 }] }],
    "transports": [{ "name": "Internet", "sessions": [{ "name": "smtp", "addressTypes": ["SMTP"], "memoryBlocks": 1, "childBlocks": 1, "inbound": [{ "steps": 1 }] }] }] }"#;

fn all_properties() -> Vec<Property> {
    vec![Property::StoresReleased, Property::NoMessageLost, Property::StoreLogoffTransportsOnce]
}

#[test]
fn a_well_behaved_scenario_has_no_failure() {
    let r = explore(&scenario(BUSY), options(all_properties())).unwrap();
    assert_eq!(r.stopped, Some(StopReason::Complete));
    assert!(r.unique_states > 100, "{}", r.unique_states);
    for p in &r.properties {
        assert_eq!(p.verdict, Verdict::Holds, "{}: {:?}", p.description, p.counterexample);
    }
}

#[test]
fn client_misuse_is_a_client_mistake_even_with_a_well_behaved_store() {
    let r = explore(&scenario(BUSY), ExploreOptions { client_misuse: true, ..options(vec![]) }).unwrap();
    let ce = r.properties[0].counterexample.as_ref().expect("the client's call after COMPLETE is found");
    assert!(ce.message.starts_with("I3 store Mailbox") && ce.message.contains("M5"), "{}", ce.message);
    assert_eq!(ce.path.len(), 2, "StoreLogoff, then StoreLogoff again: {:?}", ce.path);
}

#[test]
fn quiet_can_return_outbound_here_and_the_witness_replays() {
    let goal = OutcomeGoal {
        call: LogoffCall::StoreLogoffTransports,
        flag: StoreLogoffFlag::Quiet,
        hresult: Some(HResult::S_OK),
        out_flags: Some(StoreLogoffOutFlags::LOGOFF_OUTBOUND),
    };
    let never = OutcomeGoal { hresult: Some(HResult::MAPI_E_INVALID_OBJECT), out_flags: None, ..goal };
    let r = explore(&scenario(BUSY), options(vec![Property::Reachable(goal), Property::Reachable(never)])).unwrap();
    let reached = &r.properties[1];
    assert_eq!(reached.verdict, Verdict::Reachable);
    let witness = reached.counterexample.as_ref().unwrap();
    let sim = Simulation::new(&witness.scenario).unwrap();
    let last = sim.trace().iter().rev().find(|e| e.method.as_str() == "IMAPISupport::StoreLogoffTransports").unwrap();
    assert_eq!((last.hresult, last.out_flags), (Some(HResult::S_OK), Some(StoreLogoffOutFlags::LOGOFF_OUTBOUND)));
    // Immediate reading (the default): StoreLogoff calls StoreLogoffTransports at once.
    assert_eq!(witness.path.len(), 2, "shortest: begin the send, StoreLogoff(QUIET): {:?}", witness.path);
    assert_eq!(r.properties[2].verdict, Verdict::Unreachable);
    let quiet = r.outcomes.iter().find(|o| o.call == LogoffCall::StoreLogoffTransports && o.flag == StoreLogoffFlag::Quiet).unwrap();
    assert!(quiet.outcomes.len() >= 4, "QUIET answers COMPLETE or the activity bits: {:?}", quiet.outcomes);
}

/// Every provider fault: the explorer finds a violation, the shortest path
/// to it replays in a Simulation, and the replay shows the fault's mistake.
#[test]
fn every_fault_yields_a_counterexample_that_replays() {
    let store = |fault: StoreFault, support: &str| {
        format!(r#"{{ "version": 1, "stores": [{{ "name": "Mailbox", "supportKind": "{support}", "faults": ["{}"] }}] }}"#, fault.as_str())
    };
    let transport = |fault: &str| {
        format!(
            r#"{{ "version": 1, "transports": [{{ "name": "Internet", "faults": ["{fault}"],
                "sessions": [{{ "name": "smtp", "addressTypes": ["SMTP"], "memoryBlocks": 1, "childBlocks": 1 }}] }}] }}"#
        )
    };
    let mut cases: Vec<(String, RuleId)> = Vec::new();
    for &f in StoreFault::ALL {
        let support = if f == StoreFault::TreatNoSupportAsFatal { "transport" } else { "messageStore" };
        cases.push((store(f, support), f.mistake()));
    }
    for &f in TransportFault::ALL {
        // The spooler passes 0 (T1), so a provider that refuses reserved
        // flags shows its mistake only when they reach it: from its own
        // TransportLogoff call with LOGOFF_HURRY, as the SDK sample does.
        let faults = if f == TransportFault::RejectReservedLogoffFlags {
            format!("{}\", \"{}", f.as_str(), TransportFault::PassReservedLogoffFlags.as_str())
        } else {
            f.as_str().to_string()
        };
        cases.push((transport(&faults), f.mistake()));
    }
    for (json, mistake) in cases {
        let s = scenario(&json);
        let r = explore(&s, ExploreOptions { client_misuse: true, ..options(all_properties()) }).unwrap();
        let invariants = &r.properties[0];
        assert_eq!(invariants.verdict, Verdict::Fails, "{json}");
        let ce = invariants.counterexample.as_ref().unwrap();
        let sim = Simulation::new(&ce.scenario).unwrap();
        let violations = sim.violations();
        assert!(violations.iter().any(|v| v.mistake == Some(mistake)), "{json}: replay shows {violations:#?}\n{}", sim.trace_text());
        // Shortest: one action fewer shows nothing.
        let mut shorter = ce.scenario.clone();
        shorter.actions.pop();
        assert!(Simulation::new(&shorter).unwrap().violations().is_empty(), "{json}: {:?} is not the shortest", ce.path);
        // Without the fault the same exploration finds nothing (but the
        // client's own call after COMPLETE, for the accept-calls fault).
        let mut clean = s.clone();
        clean.stores.iter_mut().for_each(|s| s.faults = Default::default());
        clean.transports.iter_mut().for_each(|t| t.faults = Default::default());
        let misuse = json.contains("acceptCallsAfterComplete");
        let r = explore(&clean, ExploreOptions { client_misuse: misuse, ..options(all_properties()) }).unwrap();
        if !misuse {
            assert!(r.properties.iter().all(|p| p.verdict == Verdict::Holds), "{json} without its fault: {:#?}", r.properties);
        }
    }
}

#[test]
fn skipping_store_logoff_transports_leaves_the_store_held() {
    let s = scenario(r#"{ "version": 1, "stores": [{ "name": "Mailbox", "faults": ["skipStoreLogoffTransports"] }] }"#);
    let r = explore(&s, options(all_properties())).unwrap();
    let released = r.properties.iter().find(|p| p.property == Property::StoresReleased).unwrap();
    assert_eq!(released.verdict, Verdict::Fails);
    let ce = released.counterexample.as_ref().unwrap();
    assert_eq!(ce.message, "store Mailbox is still held by the spooler, which has nothing left to do");
    assert_eq!(ce.path.len(), 1, "Release alone: {:?}", ce.path);
    let once = r.properties.iter().find(|p| p.property == Property::StoreLogoffTransportsOnce).unwrap();
    assert_eq!(once.verdict, Verdict::Fails);
}

#[test]
fn increments_give_the_same_result_as_one_run() {
    let s = scenario(BUSY);
    let whole = explore(&s, options(all_properties())).unwrap();
    let mut explorer = Explorer::new(&s, options(all_properties())).unwrap();
    let mut last = 0;
    while !explorer.is_done() {
        let progress = explorer.step(7);
        assert!(progress.unique_states >= last, "progress only grows");
        last = progress.unique_states;
    }
    assert_eq!(explorer.report(), whole);
}

#[test]
fn the_state_budget_stops_early_and_says_so() {
    let r = explore(&scenario(BUSY), ExploreOptions { max_states: 20, ..options(all_properties()) }).unwrap();
    assert_eq!((r.unique_states, r.stopped), (20, Some(StopReason::StateBudget)));
    assert!(r.properties.iter().all(|p| p.verdict == Verdict::HoldsSoFar), "{:#?}", r.properties);
}

#[test]
fn the_depth_bound_stops_expansion() {
    let r = explore(&scenario(IDLE_STORE), ExploreOptions { max_depth: 1, ..options(vec![]) }).unwrap();
    assert_eq!((r.unique_states, r.max_depth), (7, 1), "the start, and one state per action");
    assert_eq!(r.depth_bound_hits, 6);
}

#[test]
fn options_read_from_json_with_paths_in_errors() {
    let o = ExploreOptions::from_json(r#"{ "maxDepth": 5, "symmetry": true, "properties": ["storesReleased", { "reachable": { "flag": "LOGOFF_QUIET", "outFlags": "LOGOFF_OUTBOUND" } }] }"#).unwrap();
    assert_eq!((o.max_depth, o.symmetry, o.properties.len()), (5, true, 2));
    let e = ExploreOptions::from_json(r#"{ "properties": ["everythingFine"] }"#).unwrap_err();
    assert_eq!(e.path, "properties[0]");
    let e = ExploreOptions::from_json(r#"{ "properties": [{ "reachable": { "flag": "LOGOFF_QUIET | LOGOFF_ABORT" } }] }"#).unwrap_err();
    assert_eq!(e.path, "properties[0].reachable.flag");
    let e = ExploreOptions::from_json(r#"{ "maxStates": 0 }"#).unwrap_err();
    assert_eq!(e.path, "maxStates");
}

/// "Eventually released" does not apply where the spooler keeps the store
/// by design: a store another process has open (S8: MAPI ignores the
/// logoff, so the spooler keeps serving it), and a store whose support
/// object is not a message store's (S11: there is no spooler work to stop).
/// The property holds for both.
#[test]
fn stores_released_exempts_shared_stores_s8_and_other_support_kinds_s11() {
    use mapi_logoff::state::SpoolerLogon;
    for store in [r#"{ "name": "Mailbox", "sharedWithOtherProcess": true }"#, r#"{ "name": "Mailbox", "supportKind": "transport" }"#] {
        let json = format!(r#"{{ "version": 1, "stores": [{store}] }}"#);
        let r = explore(&scenario(&json), options(vec![Property::StoresReleased])).unwrap();
        assert_eq!(r.stopped, Some(StopReason::Complete));
        let released = r.properties.iter().find(|p| p.property == Property::StoresReleased).unwrap();
        assert_eq!(released.verdict, Verdict::Holds, "{json}: {:?}", released.counterexample);
    }
    // The S8 exemption matters: logged off and released, the shared store is still served.
    let mut sim =
        Simulation::new(&scenario(r#"{ "version": 1, "stores": [{ "name": "Mailbox", "sharedWithOtherProcess": true }] }"#)).unwrap();
    sim.apply(mapi_logoff::Action::StoreLogoff { store: 0, flags: StoreLogoffFlag::Quiet.bits() }).unwrap();
    sim.apply(mapi_logoff::Action::Release { store: 0 }).unwrap();
    assert_ne!(sim.state().stores[0].spooler, SpoolerLogon::Released);
}

/// The benchmarks' reference scenario (204,739 states without bounds).
const REFERENCE: &str = include_str!("../bench/explore-reference.json");

/// The reference scenario with `faults` on its second store and second
/// transport (`""` for none).
fn reference_with(store_fault: &str, transport_fault: &str) -> Scenario {
    let mut json: serde_json::Value = serde_json::from_str(REFERENCE).unwrap();
    if !store_fault.is_empty() {
        json["stores"][1]["faults"] = serde_json::json!([store_fault]);
    }
    if !transport_fault.is_empty() {
        json["transports"][1]["faults"] = serde_json::json!([transport_fault]);
    }
    Scenario::from_json(&json.to_string()).unwrap()
}

fn quiet_outbound_goal() -> Property {
    Property::Reachable(OutcomeGoal {
        call: LogoffCall::StoreLogoffTransports,
        flag: StoreLogoffFlag::Quiet,
        hresult: Some(HResult::S_OK),
        out_flags: Some(StoreLogoffOutFlags::LOGOFF_OUTBOUND),
    })
}

fn never_goal() -> Property {
    Property::Reachable(OutcomeGoal {
        call: LogoffCall::StoreLogoff,
        flag: StoreLogoffFlag::Abort,
        hresult: Some(HResult::MAPI_E_INVALID_OBJECT),
        out_flags: None,
    })
}

/// On 1, 2 and 4 threads `run` gives the serial explorer's report, equal in
/// every field: counts, verdicts, counterexamples (paths, scenarios,
/// messages) and outcomes; on scenarios that hold, that fail (a store
/// fault, a transport fault, the client's misuse), with reachability
/// goals, symmetry, the depth bound and a state budget that stops part way
/// through a batch. The states expanded in parallel are the frontiers of
/// more than a few hundred states, so the cases are bounded but large.
#[test]
fn threads_give_the_serial_report() {
    let (quiet_outbound, never) = (quiet_outbound_goal(), never_goal());
    let bounded =
        |max_depth, max_states| ExploreOptions { max_depth, max_states, properties: all_properties(), ..ExploreOptions::default() };
    let two_stores = r#"{ "version": 1, "settings": { "storeLogoffTransports": "atFinalRelease" },
        "stores": [{ "name": "A", "outboundQueue": [{ "addressType": "SMTP" }] }, { "name": "B", "outboundQueue": [{ "addressType": "SMTP" }] }, { "name": "C", "defaultInbox": true }],
        "transports": [{ "name": "Internet", "sessions": [{ "name": "smtp", "addressTypes": ["SMTP"], "inbound": [{ "steps": 1 }] }] }] }"#;
    let cases: Vec<(&str, Scenario, ExploreOptions)> = vec![
        (
            "reference, goals",
            reference_with("", ""),
            ExploreOptions { properties: [all_properties(), vec![quiet_outbound, never]].concat(), ..bounded(6, 1_000_000) },
        ),
        ("reference, budget mid-batch", reference_with("", ""), bounded(40, 9_001)),
        ("store fault", reference_with("skipStoreLogoffTransports", ""), bounded(6, 1_000_000)),
        ("store fault twice", reference_with("storeLogoffTransportsTwice", ""), bounded(6, 1_000_000)),
        ("transport fault", reference_with("", "leakMemory"), bounded(6, 1_000_000)),
        ("client misuse", reference_with("acceptCallsAfterComplete", ""), ExploreOptions { client_misuse: true, ..bounded(5, 1_000_000) }),
        ("symmetry", scenario(two_stores), ExploreOptions { symmetry: true, ..bounded(6, 1_000_000) }),
        ("small", scenario(BUSY), options(all_properties())),
    ];
    for (name, s, o) in cases {
        let serial = explore(&s, o.clone()).unwrap();
        assert!(serial.unique_states > 20, "{name}: {}", serial.unique_states);
        for threads in [1, 2, 4] {
            let parallel = explore(&s, ExploreOptions { threads, ..o.clone() }).unwrap();
            assert_eq!(parallel, serial, "{name} on {threads} threads");
        }
    }
}

/// The cases above do fail and stop where they should, so that the
/// comparison covers counterexamples and the budget.
#[test]
fn the_parallel_cases_cover_failures_goals_and_budgets() {
    let o = ExploreOptions { max_depth: 6, max_states: 1_000_000, properties: all_properties(), threads: 2, ..ExploreOptions::default() };
    let r = explore(&reference_with("skipStoreLogoffTransports", ""), o.clone()).unwrap();
    let verdicts: Vec<Verdict> = r.properties.iter().map(|p| p.verdict).collect();
    assert_eq!(verdicts, [Verdict::Fails, Verdict::Fails, Verdict::Holds, Verdict::Fails], "{:#?}", r.properties);
    assert!(r.unique_states > 10_000, "{}", r.unique_states);
    let goals =
        explore(&reference_with("", ""), ExploreOptions { properties: vec![quiet_outbound_goal(), never_goal()], ..o.clone() }).unwrap();
    let verdicts: Vec<Verdict> = goals.properties.iter().map(|p| p.verdict).collect();
    assert_eq!(verdicts, [Verdict::Holds, Verdict::Reachable, Verdict::Unreachable]);
    let r = explore(&reference_with("", ""), ExploreOptions { max_depth: 40, max_states: 9_001, ..o }).unwrap();
    assert_eq!((r.unique_states, r.stopped), (9_001, Some(StopReason::StateBudget)));
}

/// Steps taken one unit at a time, then `run` on 2 threads, end where one
/// serial run ends.
#[test]
fn steps_then_a_parallel_run_give_the_serial_report() {
    let s = reference_with("storeLogoffTransportsTwice", "");
    let o = ExploreOptions { max_depth: 6, properties: all_properties(), ..ExploreOptions::default() };
    let serial = explore(&s, o.clone()).unwrap();
    let mut explorer = Explorer::new(&s, ExploreOptions { threads: 2, ..o }).unwrap();
    explorer.step(1_003);
    assert_eq!(explorer.run(), serial);
    assert!(explorer.work() >= serial.states_explored + serial.depth_bound_hits + serial.transitions);
}

/// The memory figures: a fingerprint and a parent link per state.
#[test]
fn memory_per_state_is_a_fingerprint_and_a_link() {
    let mut explorer = Explorer::new(&reference_with("", ""), ExploreOptions { max_depth: 7, ..ExploreOptions::default() }).unwrap();
    let r = explorer.run();
    let m = explorer.memory();
    assert_eq!(m.unique_states as u64, r.unique_states);
    assert!(m.kept_per_state() <= 45, "{m:?}");
    assert!(m.peak_frontier > 0 && m.peak_per_state() > m.kept_per_state(), "{m:?}");
}
