//! Provider faults (mistakes M1-M11 of the reference, section 6) and the
//! invariants I1-I6 (section 5).
//!
//! For every fault: a scenario that exercises it, the exact violations it
//! causes (rule id and mistake id), and the same scenario without the fault
//! with no violation. Then one test per invariant showing what breaks it.

use RuleId::*;
use mapi_logoff::faults::{StoreFaults, TransportFaults};
use mapi_logoff::scenario::Scenario;
use mapi_logoff::state::{ProviderPhase, SessionPhase, SpoolerLogon, StorePhase, Transfer};
use mapi_logoff::trace::{Method, PartyKind};
use mapi_logoff::{Action, HResult, RuleId, Simulation, StoreFault, Trace, TransportFault, Violation};

type Ids = Vec<(RuleId, Option<RuleId>)>;

/// Mailbox (default Inbox) with message 0 queued for SMTP; provider
/// Internet with session smtp, which owns block 0 (its AddressTypes array),
/// blocks 1 and 2 (roots) and block 3 (a child of block 1).
/// The faults' scenarios follow the SDK sample's deferred reading, where
/// every store fault shows at the final release (set explicitly: the
/// default is the immediate reading since protocol revision 2).
const BASE: &str = r#"{
  "version": 1,
  "settings": { "storeLogoffTransports": "atFinalRelease" },
  "stores": [{ "name": "Mailbox", "defaultInbox": true, "outboundQueue": [{ "addressType": "SMTP" }] }],
  "transports": [{ "name": "Internet",
                   "sessions": [{ "name": "smtp", "addressTypes": ["SMTP"], "memoryBlocks": 2, "childBlocks": 1 }] }]
}"#;

fn base() -> Scenario {
    Scenario::from_json(BASE).expect("valid base scenario")
}

fn ids(violations: &[Violation]) -> Ids {
    violations.iter().map(|v| (v.rule, v.mistake)).collect()
}

fn run(scenario: &Scenario) -> Simulation {
    Simulation::new(scenario).expect("the scenario and its actions are valid")
}

fn store_logoff_and_release(flags: u32) -> Vec<Action> {
    vec![Action::StoreLogoff { store: 0, flags }, Action::Release { store: 0 }]
}

const NO_WAIT: u32 = 0x1;
const QUIET: u32 = 0x10;

/// A scenario that exercises a store fault, with the fault switched on or off.
fn store_scenario(fault: StoreFault, on: bool) -> Scenario {
    let mut s = base();
    s.actions = match fault {
        StoreFault::AcceptCallsAfterComplete => vec![
            Action::StoreLogoff { store: 0, flags: NO_WAIT },
            Action::SubmitMessage { store: 0, address_type: 0, steps: 1 },
            Action::Release { store: 0 },
        ],
        _ => store_logoff_and_release(NO_WAIT),
    };
    if fault == StoreFault::TreatNoSupportAsFatal {
        s.stores[0].support_kind = mapi_logoff::state::SupportKind::Transport;
    }
    s.stores[0].faults = if on { StoreFaults::default().with(fault) } else { StoreFaults::default() };
    s
}

/// A scenario that exercises a transport fault, with the fault switched on or off.
fn transport_scenario(fault: TransportFault, on: bool) -> Scenario {
    let mut s = base();
    s.actions = match fault {
        TransportFault::LogoffNotIdempotent => vec![Action::ShutdownProvider { transport: 0, flags: 0x1 }],
        TransportFault::RejectReservedLogoffFlags => vec![Action::LogoffSession { session: 0, flags: 0x1 }],
        TransportFault::PassReservedLogoffFlags => vec![Action::ReleaseSession { session: 0 }],
        _ => vec![Action::BeginSend { session: 0 }, Action::LogoffSession { session: 0, flags: 0 }],
    };
    s.transports[0].faults = if on { TransportFaults::default().with(fault) } else { TransportFaults::default() };
    s
}

/// The violations each store fault causes in its scenario.
fn store_expected(fault: StoreFault) -> Ids {
    match fault {
        StoreFault::SkipStoreLogoffTransports => vec![(S14, Some(M1))],
        StoreFault::StoreLogoffTransportsTwice => vec![(S10, Some(M2))],
        // M3 at the refused call (S1) and at the shutdown it broke (I5).
        StoreFault::ReuseFlagsVariable => vec![(S1, Some(M3)), (I5, Some(M3))],
        StoreFault::TreatNoSupportAsFatal => vec![(S11, Some(M4))],
        StoreFault::AcceptCallsAfterComplete => vec![(S9, Some(M5))],
    }
}

/// The violations each transport fault causes in its scenario.
fn transport_expected(fault: TransportFault) -> Ids {
    match fault {
        TransportFault::ReleaseSupportFirst => vec![(I3, Some(M6))],
        // T5 when TransportLogoff returns with the block, I2 while it stays.
        TransportFault::LeakMemory => vec![(I2, Some(M7)), (T5, Some(M7))],
        TransportFault::FreeChildBlock => vec![(T9, Some(M7))],
        TransportFault::FreeAddressTypesEarly => vec![(T5, Some(M8))],
        TransportFault::FailTransportLogoff => vec![(I2, Some(M9)), (I2, Some(M9)), (T5, Some(M9))],
        TransportFault::LogoffNotIdempotent => vec![(I6, Some(M10))],
        // The caller's reserved flags (M11), then the provider's refusal that
        // skipped its cleanup (M9: a refused logoff still logs off, T7).
        TransportFault::RejectReservedLogoffFlags => vec![(I2, Some(M9)), (I2, Some(M9)), (T1, Some(M11)), (T5, Some(M9))],
        TransportFault::PassReservedLogoffFlags => vec![(T1, Some(M11))],
    }
}

/// Runs a store fault's scenario with and without the fault.
fn check_store_fault(fault: StoreFault) -> Simulation {
    let with = run(&store_scenario(fault, true));
    assert_eq!(ids(&with.violations()), store_expected(fault), "{fault:?}:\n{}", with.trace_text());
    let without = run(&store_scenario(fault, false));
    let expected_without: Ids = match fault {
        // The client's call after COMPLETE is itself mistake M5; a correct
        // store refuses it (S9) and the call is reported under I3.
        StoreFault::AcceptCallsAfterComplete => vec![(I3, Some(M5))],
        _ => vec![],
    };
    assert_eq!(ids(&without.violations()), expected_without, "{fault:?} switched off:\n{}", without.trace_text());
    with
}

/// Runs a transport fault's scenario with and without the fault.
fn check_transport_fault(fault: TransportFault) -> Simulation {
    let with = run(&transport_scenario(fault, true));
    assert_eq!(ids(&with.violations()), transport_expected(fault), "{fault:?}:\n{}", with.trace_text());
    let without = run(&transport_scenario(fault, false));
    let expected_without: Ids = match fault {
        // The spooler's LOGOFF_NORMAL is the caller's mistake whatever the
        // provider does (T1); a provider that cleans up anyway leaves no other.
        TransportFault::RejectReservedLogoffFlags => vec![(T1, Some(M11))],
        _ => vec![],
    };
    assert_eq!(ids(&without.violations()), expected_without, "{fault:?} switched off:\n{}", without.trace_text());
    with
}

fn methods(sim: &Simulation) -> Vec<Method> {
    sim.trace().iter().map(|e| e.method).collect()
}

#[test]
fn every_store_fault_has_a_scenario_that_shows_it() {
    assert_eq!(StoreFault::ALL.len(), 5);
    for &fault in StoreFault::ALL {
        let sim = check_store_fault(fault);
        let v = sim.violations();
        assert!(v.iter().any(|v| v.mistake == Some(fault.mistake())), "{fault:?} is attributed to {}", fault.mistake());
    }
}

#[test]
fn every_transport_fault_has_a_scenario_that_shows_it() {
    assert_eq!(TransportFault::ALL.len(), 8);
    for &fault in TransportFault::ALL {
        let sim = check_transport_fault(fault);
        assert!(!sim.violations().is_empty(), "{fault:?}");
    }
}

#[test]
fn fault_mistake_and_rule_ids_follow_the_reference() {
    let store: Vec<_> = StoreFault::ALL.iter().map(|f| (f.mistake(), f.rule())).collect();
    assert_eq!(store, [(M1, S14), (M2, S10), (M3, S1), (M4, S11), (M5, S9)]);
    let transport: Vec<_> = TransportFault::ALL.iter().map(|f| (f.mistake(), f.rule())).collect();
    assert_eq!(transport, [(M6, T6), (M7, T5), (M7, T9), (M8, T5), (M9, T7), (M10, T8), (M9, T7), (M11, T1)]);
}

// ------------------------------------------------------------ store faults

#[test]
fn m1_skip_store_logoff_transports_breaks_i5_s14() {
    let sim = check_store_fault(StoreFault::SkipStoreLogoffTransports);
    assert!(!methods(&sim).contains(&Method::StoreLogoffTransports));
    let v = &sim.violations()[0];
    assert_eq!(v.subject, "store Mailbox");
    assert!(v.message.contains("should have passed LOGOFF_NO_WAIT"), "{}", v.message);
    // The spooler never heard of the shutdown and keeps its logon.
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Serving);
}

#[test]
fn m2_store_logoff_transports_twice_breaks_s10() {
    let sim = check_store_fault(StoreFault::StoreLogoffTransportsTwice);
    let calls: Vec<_> = sim.trace().iter().filter(|e| e.method == Method::StoreLogoffTransports).collect();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].hresult, Some(HResult::S_OK));
    assert_eq!(calls[1].hresult, Some(HResult::MAPI_E_INVALID_OBJECT));
    assert_eq!(calls[1].rules, [S10]);
}

#[test]
fn m3_reused_flags_variable_breaks_s1_and_i5() {
    let sim = check_store_fault(StoreFault::ReuseFlagsVariable);
    let call = sim.trace().iter().find(|e| e.method == Method::StoreLogoffTransports).unwrap();
    assert_eq!(call.args[0].value, 0x1 | 0x1_0000);
    assert_eq!(call.args[0].text, "LOGOFF_NO_WAIT | LOGOFF_COMPLETE");
    assert_eq!((call.hresult, call.rules), (Some(HResult::MAPI_E_INVALID_PARAMETER), &[S1][..]));
    // The refusal means the spooler's logoff never happened.
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Serving);
}

#[test]
fn m3_several_input_flags_from_a_store_provider_are_refused() {
    let mut sim = run(&base());
    let o = sim.apply(Action::StoreLogoffTransports { store: 0, flags: 0x1 | 0x8, support: Default::default() }).unwrap();
    assert_eq!(o.hresult, HResult::MAPI_E_INVALID_PARAMETER);
    assert_eq!(o.out_flags, None);
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Serving, "nothing changes");
}

#[test]
fn m4_treating_no_support_as_fatal_breaks_s11() {
    let sim = check_store_fault(StoreFault::TreatNoSupportAsFatal);
    let m = methods(&sim);
    assert!(m.contains(&Method::StoreLogoffTransports));
    assert!(!m.contains(&Method::SupportRelease), "the store keeps its support object: {m:?}");
    assert!(!m.contains(&Method::MsLogonLogoff), "so MAPI never logs it off (S16)");
    assert_eq!(sim.state().store_providers[0], ProviderPhase::Active);
}

#[test]
fn m5_accepting_calls_after_complete_breaks_s9() {
    let sim = check_store_fault(StoreFault::AcceptCallsAfterComplete);
    let submit = sim.trace().iter().find(|e| e.method == Method::SubmitMessage).unwrap();
    assert_eq!(submit.hresult, Some(HResult::S_OK), "the faulty store accepts the call");
    let correct = run(&store_scenario(StoreFault::AcceptCallsAfterComplete, false));
    let submit = correct.trace().iter().find(|e| e.method == Method::SubmitMessage).unwrap();
    assert_eq!(submit.hresult, Some(HResult::MAPI_E_INVALID_OBJECT), "a correct store refuses it");
    assert_eq!(submit.rules, [S9, I3]);
}

// -------------------------------------------------------- transport faults

#[test]
fn m6_releasing_the_support_object_first_breaks_t6_and_i3() {
    let sim = check_transport_fault(TransportFault::ReleaseSupportFirst);
    let inside: Vec<Method> = sim.trace().iter().filter(|e| e.depth == 1).map(|e| e.method).collect();
    assert_eq!(inside.first(), Some(&Method::SupportRelease), "{inside:?}");
    let make_invalid = sim.trace().iter().find(|e| e.method == Method::MakeInvalid).unwrap();
    assert_eq!(make_invalid.hresult, Some(HResult::MAPI_E_INVALID_OBJECT));
    assert_eq!(sim.violations()[0].subject, "support object of session smtp");
}

#[test]
fn m7_leaking_memory_breaks_t5_and_i2() {
    let sim = check_transport_fault(TransportFault::LeakMemory);
    let v = &sim.violations()[0];
    assert_eq!(v.subject, "session smtp");
    assert_eq!(v.message, "logged off with memory still allocated: block 2");
    assert_eq!(sim.state().memory.leaked_by(0), [2], "the newest root block is never freed");
}

#[test]
fn m7_freeing_a_child_block_breaks_t9() {
    let sim = check_transport_fault(TransportFault::FreeChildBlock);
    let v = &sim.violations()[0];
    assert_eq!(v.subject, "block 3");
    // The child is freed with its root afterwards: nothing leaks.
    assert!(sim.state().memory.leaked_by(0).is_empty());
}

#[test]
fn m8_freeing_address_types_early_breaks_t5() {
    let sim = check_transport_fault(TransportFault::FreeAddressTypesEarly);
    let free = sim.trace().iter().position(|e| e.method == Method::FreeBuffer).unwrap();
    let logoff = sim.trace().iter().position(|e| e.method == Method::TransportLogoff).unwrap();
    assert!(free < logoff, "the array is freed before TransportLogoff");
    assert_eq!(sim.trace()[free - 1].method, Method::TransportNotify, "inside TransportNotify");
    assert_eq!(sim.violations()[0].subject, "block 0");
}

#[test]
fn m9_failing_transport_logoff_breaks_t7_cleanup_and_i2() {
    let sim = check_transport_fault(TransportFault::FailTransportLogoff);
    let logoff = sim.trace().iter().find(|e| e.method == Method::TransportLogoff).unwrap();
    assert_eq!(logoff.hresult, Some(HResult::MAPI_E_CALL_FAILED));
    assert_eq!(sim.state().sessions[0].phase, SessionPhase::Released, "T7: logged off anyway");
    let v = sim.violations();
    assert_eq!(v[0].message, "logged off with memory still allocated: block 0, 1, 2, 3");
    assert_eq!(v[1].message, "logged off without releasing its support object");
}

#[test]
fn m10_logoff_not_idempotent_on_shutdown_breaks_t8_and_i6() {
    let sim = check_transport_fault(TransportFault::LogoffNotIdempotent);
    assert_eq!(methods(&sim), [Method::XpProviderShutdown, Method::XpProviderRelease]);
    assert_eq!(sim.state().sessions[0].phase, SessionPhase::LoggedOn);
    assert_eq!(sim.violations()[0].subject, "transport Internet");
}

#[test]
fn m10_logoff_not_idempotent_on_release_breaks_t8_and_i2() {
    let mut scenario = transport_scenario(TransportFault::LogoffNotIdempotent, true);
    scenario.actions = vec![Action::ReleaseSession { session: 0 }];
    let sim = run(&scenario);
    assert!(!methods(&sim).contains(&Method::TransportLogoff), "Release did no logoff work");
    assert_eq!(ids(&sim.violations()), [(I2, Some(M10)), (I2, Some(M10))]);
    scenario.transports[0].faults = TransportFaults::default();
    assert_eq!(run(&scenario).violations(), []);
}

#[test]
fn t1_refusing_reserved_flags_is_allowed_but_skipping_the_cleanup_is_m9() {
    let sim = check_transport_fault(TransportFault::RejectReservedLogoffFlags);
    let calls: Vec<_> = sim
        .trace()
        .iter()
        .filter(|e| e.method == Method::TransportLogoff)
        .map(|e| (e.args[0].text.to_string(), e.hresult.unwrap()))
        .collect();
    assert_eq!(calls, [("LOGOFF_NORMAL".to_string(), HResult::MAPI_E_UNKNOWN_FLAGS)], "the refusal is the provider's right (T1)");
    assert_eq!(sim.state().sessions[0].phase, SessionPhase::Released, "T7: logged off anyway");
    let m11 = sim.violations().into_iter().find(|v| v.mistake == Some(M11)).expect("the caller's mistake");
    assert!(m11.message.contains("the spooler called TransportLogoff"), "M11 names the caller: {}", m11.message);
}

#[test]
fn t1_a_well_behaved_provider_ignores_reserved_flags_and_cleans_up() {
    let mut scenario = transport_scenario(TransportFault::RejectReservedLogoffFlags, false);
    scenario.actions = vec![Action::LogoffSession { session: 0, flags: 0x8000_0000 }];
    let sim = run(&scenario);
    let logoff = sim.trace().iter().find(|e| e.method == Method::TransportLogoff).unwrap();
    assert_eq!(logoff.hresult, Some(HResult::S_OK));
    assert!(sim.state().sessions[0].support_released);
    assert_eq!(ids(&sim.violations()), [(T1, Some(M11))], "only the caller's mistake");
}

#[test]
fn t1_undefined_flags_are_refused_after_the_cleanup_and_blamed_on_the_caller() {
    let mut scenario = base();
    scenario.actions = vec![Action::LogoffSession { session: 0, flags: 0x4 }];
    let sim = run(&scenario);
    let logoff = sim.trace().iter().find(|e| e.method == Method::TransportLogoff).unwrap();
    assert_eq!(logoff.hresult, Some(HResult::MAPI_E_UNKNOWN_FLAGS));
    assert!(sim.state().sessions[0].support_released, "T7: it cleans up either way");
    assert_eq!(ids(&sim.violations()), [(T1, Some(M11))]);
}

#[test]
fn t1_t8_a_provider_calling_its_own_transport_logoff_passes_zero() {
    let mut scenario = transport_scenario(TransportFault::PassReservedLogoffFlags, false);
    let sim = run(&scenario);
    let flags: Vec<_> = sim.trace().iter().filter(|e| e.method == Method::TransportLogoff).map(|e| e.args[0].value).collect();
    assert_eq!(flags, [0]);
    scenario.transports[0].faults = TransportFaults::default().with(TransportFault::PassReservedLogoffFlags);
    let sim = run(&scenario);
    let flags: Vec<_> = sim.trace().iter().filter(|e| e.method == Method::TransportLogoff).map(|e| e.args[0].text).collect();
    assert_eq!(flags, ["LOGOFF_HURRY"], "as the SDK sample transport does");
    let m11 = sim.violations().into_iter().find(|v| v.mistake == Some(M11)).expect("M11");
    assert!(m11.message.contains("the provider called its own TransportLogoff"), "{}", m11.message);
}

// -------------------------------------------------------------- invariants

#[test]
fn i1_spooler_takes_back_a_transfer_the_failing_provider_did_not_stop() {
    // M9: TransportLogoff fails mid-send and mid-receive and the provider
    // stops neither transfer (T4). The session is logged off anyway (T7),
    // and the spooler takes both transfers back right after TransportLogoff
    // returns: message 0 goes back to the front of Mailbox's queue, message
    // 1 stays with the transport. Nothing is stranded on the released
    // session, so I1 holds; only the provider's missing cleanup (I2) is
    // reported.
    let mut scenario = transport_scenario(TransportFault::FailTransportLogoff, true);
    scenario.transports[0].sessions[0].inbound = vec![mapi_logoff::scenario::InboundSpec { steps: 1 }];
    scenario.actions = vec![Action::BeginSend { session: 0 }, Action::BeginReceive { session: 0 }];
    let mut sim = run(&scenario);
    let o = sim.apply(Action::LogoffSession { session: 0, flags: 0 }).unwrap();
    assert_eq!(o.hresult, HResult::MAPI_E_CALL_FAILED);
    let start = o.first_event as usize;
    assert_eq!(
        Trace::to_text(&sim.trace()[start..start + o.event_count as usize]),
        "  3 [3] spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND) = S_OK  [T3]
  4 [3] spooler: Spooler::DiscardAddressTypes(session=0)  [T2]  # no message is routed to smtp any more
  5 [3] spooler -> session smtp: IXPLogon::TransportLogoff(ulFlags=0) = MAPI_E_CALL_FAILED  [T7]
  6 [3] spooler: Spooler::RequeueMessage(message=message 0)  [T7 T4 I1]  # message 0 goes back to the front of Mailbox's outbound queue
  7 [3] spooler: Spooler::RequeueMessage(message=message 1)  [T7 T4 I1]  # message 1 stays with the transport for later delivery
  8 [3] spooler -> session smtp: IXPLogon::Release() = S_OK  [T8]
  9 [3] MAPI -> transport Internet: IXPProvider::Shutdown(ulFlags=DEINIT_NORMAL) = S_OK  [T6 I6]
 10 [3] MAPI -> transport Internet: IXPProvider::Release() = S_OK  [T6]
"
    );
    let state = sim.state();
    assert_eq!(state.sessions[0].phase, SessionPhase::Released);
    assert_eq!((state.sessions[0].sending, state.sessions[0].receiving), (None, None), "no transfer is left on the session");
    assert_eq!(state.stores[0].queue, [0], "message 0 was requeued");
    assert_eq!(state.sessions[0].held, [1], "message 1 is back with the transport's held inbound mail");
    assert_eq!(ids(&sim.violations()), [(I2, Some(M9)), (I2, Some(M9)), (T5, Some(M9))], "no I1: nothing is lost or stranded");
    // No transfer step is possible on the released session.
    for direction in [mapi_logoff::Direction::Send, mapi_logoff::Direction::Receive] {
        let progress = Action::Progress { session: 0, direction };
        assert!(!sim.enabled_actions().contains(&progress), "{direction:?}");
        assert_eq!(sim.apply(progress).unwrap_err().code, mapi_logoff::ErrorCode::NotEnabled, "{direction:?}");
    }
}

/// Mailbox holds messages 0 and 1 in its queue, Archive message 2; provider
/// Internet with session smtp, which the spooler has logged off cleanly.
fn two_stores_after_a_clean_logoff() -> Simulation {
    let mut sim = Simulation::from_json(
        r#"{ "version": 1,
        "stores": [{ "name": "Mailbox", "outboundQueue": [{ "addressType": "SMTP" }, { "addressType": "SMTP" }] },
                   { "name": "Archive", "outboundQueue": [{ "addressType": "SMTP" }] }],
        "transports": [{ "name": "Internet", "sessions": [{ "name": "smtp", "addressTypes": ["SMTP"] }] }] }"#,
    )
    .expect("valid scenario");
    sim.apply(Action::LogoffSession { session: 0, flags: 0 }).unwrap();
    assert_eq!((sim.state().stores[0].queue.as_slice(), sim.state().stores[1].queue.as_slice()), (&[0, 1][..], &[2][..]));
    assert_eq!(mapi_logoff::check_invariants(sim.topology(), sim.state()), []);
    sim
}

#[test]
fn i1_check_invariants_reports_a_lost_and_a_duplicated_message() {
    let sim = two_stores_after_a_clean_logoff();
    let mut state = sim.state().clone();
    // Message 0 vanishes from Mailbox's queue; message 1 also turns up in
    // Archive's sent items.
    state.stores[0].queue.retain(|&m| m != 0);
    state.stores[1].sent.push(1);
    let v = mapi_logoff::check_invariants(sim.topology(), &state);
    assert_eq!(
        v,
        [
            Violation {
                rule: I1,
                mistake: None,
                subject: "message 0".into(),
                message: "message 0 is lost: it is in no queue, transfer, holding or folder".into(),
            },
            Violation { rule: I1, mistake: None, subject: "message 1".into(), message: "message 1 is in 2 places at once".into() },
        ]
    );
}

#[test]
fn i1_check_invariants_reports_a_transfer_stranded_on_a_logged_off_session() {
    let sim = two_stores_after_a_clean_logoff();
    let mut state = sim.state().clone();
    // Message 0 leaves Mailbox's queue for a send on smtp, which is logged
    // off: it is in exactly one place, but one no one will ever move it from.
    state.stores[0].queue.retain(|&m| m != 0);
    state.sessions[0].phase = SessionPhase::Released;
    state.sessions[0].sending = Some(Transfer { message: 0, remaining: 1 });
    let v = mapi_logoff::check_invariants(sim.topology(), &state);
    assert_eq!(
        v,
        [Violation {
            rule: I1,
            mistake: None,
            subject: "message 0".into(),
            message: "stranded in a transfer on session smtp, which is logged off".into(),
        }]
    );
}

#[test]
fn i1_holds_when_a_well_behaved_provider_stops_its_transfers() {
    let mut scenario = base();
    scenario.transports[0].sessions[0].inbound = vec![mapi_logoff::scenario::InboundSpec { steps: 2 }];
    scenario.actions =
        vec![Action::BeginSend { session: 0 }, Action::BeginReceive { session: 0 }, Action::LogoffSession { session: 0, flags: 0 }];
    let sim = run(&scenario);
    assert_eq!(sim.state().stores[0].queue, [0]);
    assert_eq!(sim.state().sessions[0].held, [1]);
    assert_eq!(sim.violations(), []);
}

#[test]
fn i2_memory_left_after_logoff_breaks_i2() {
    let sim = run(&transport_scenario(TransportFault::LeakMemory, true));
    assert_eq!(ids(&sim.violations()), [(I2, Some(M7)), (T5, Some(M7))]);
    let sim = run(&transport_scenario(TransportFault::FailTransportLogoff, true));
    let v = sim.violations();
    // I2 twice, and T5 when TransportLogoff returned with the memory.
    assert_eq!(v.iter().map(|v| v.rule).collect::<Vec<_>>(), [I2, I2, T5], "{v:#?}");
    assert!(v.iter().any(|v| v.message.contains("support object")));
}

#[test]
fn i3_client_call_after_complete_breaks_i3() {
    let mut sim = run(&base());
    let logoff = sim.apply(Action::StoreLogoff { store: 0, flags: QUIET }).unwrap();
    assert_eq!(logoff.out_flags.map(|f| f.bits()), Some(0x1_0000), "deferred reading: COMPLETE at once");
    let o = sim.apply(Action::StoreLogoff { store: 0, flags: QUIET }).unwrap();
    assert_eq!(o.hresult, HResult::MAPI_E_INVALID_OBJECT);
    assert_eq!(o.rules, [S9, I3]);
    assert_eq!(ids(&o.new_violations), [(I3, Some(M5))]);
    // Release stays valid (S9) and adds nothing.
    let r = sim.apply(Action::Release { store: 0 }).unwrap();
    assert_eq!(r.hresult, HResult::S_OK);
    assert!(r.new_violations.is_empty());
    assert_eq!(ids(&sim.violations()), [(I3, Some(M5))]);
}

#[test]
fn i3_call_on_a_released_store_breaks_i3() {
    let mut sim = run(&base());
    sim.apply(Action::Release { store: 0 }).unwrap();
    let o = sim.apply(Action::SubmitMessage { store: 0, address_type: 0, steps: 1 }).unwrap();
    assert_eq!(o.hresult, HResult::MAPI_E_INVALID_OBJECT);
    assert_eq!(ids(&sim.violations()), [(I3, None)]);
}

#[test]
fn i4_over_release_breaks_i4() {
    let mut sim = run(&base());
    let last = sim.apply(Action::Release { store: 0 }).unwrap();
    assert_eq!(last.hresult, HResult::S_OK);
    assert_eq!(sim.state().stores[0].phase, StorePhase::Destroyed);
    assert_eq!(sim.state().stores[0].refs, 0);
    let o = sim.apply(Action::Release { store: 0 }).unwrap();
    assert_eq!(o.hresult, HResult::MAPI_E_INVALID_OBJECT);
    assert_eq!(sim.state().stores[0].refs, 0, "never below zero");
    let v = sim.violations();
    assert_eq!(ids(&v), [(I4, None)]);
    assert_eq!(v[0].subject, "store Mailbox");
}

#[test]
fn i4_second_spooler_release_of_a_session_breaks_i4() {
    // The spooler's Release is its only reference on the logon: a second
    // one is an over-release, answered like a store's (reading 12).
    let mut sim = run(&base());
    assert_eq!(sim.apply(Action::ReleaseSession { session: 0 }).unwrap().hresult, HResult::S_OK);
    let o = sim.apply(Action::ReleaseSession { session: 0 }).unwrap();
    assert_eq!(o.hresult, HResult::MAPI_E_INVALID_OBJECT);
    assert_eq!(o.rules, [I4, I3]);
    let start = o.first_event as usize;
    assert_eq!(
        Trace::to_text(&sim.trace()[start..start + o.event_count as usize]),
        " 10 [2] spooler -> session smtp: IXPLogon::Release() = MAPI_E_INVALID_OBJECT  [I4 I3]\n"
    );
    assert_eq!(o.changes, []);
    let v = sim.violations();
    assert_eq!(ids(&v), [(I4, None)]);
    assert_eq!(v[0].subject, "session smtp");
    assert_eq!(v[0].message, "Release with no reference left: the count would go below zero");
}

#[test]
fn i5_refused_store_logoff_transports_breaks_i5() {
    let sim = run(&store_scenario(StoreFault::ReuseFlagsVariable, true));
    let v = sim.violations();
    assert_eq!(ids(&v), [(S1, Some(M3)), (I5, Some(M3))]);
    assert!(v[0].message.contains("output bits passed back as input"), "{}", v[0].message);
    assert!(v[1].message.contains("MAPI_E_INVALID_PARAMETER"), "{}", v[1].message);
}

#[test]
fn i6_shutdown_with_an_open_session_breaks_i6() {
    let sim = run(&transport_scenario(TransportFault::LogoffNotIdempotent, true));
    assert_eq!(sim.state().transports[0], ProviderPhase::ShutDown);
    assert_eq!(sim.state().sessions[0].phase, SessionPhase::LoggedOn);
    let v = sim.violations();
    assert_eq!(ids(&v), [(I6, Some(M10))]);
    assert_eq!(v[0].message, "shut down while its logon smtp was still open");
}

#[test]
fn i6_store_provider_is_not_shut_down_while_the_spooler_keeps_its_logon() {
    // S3 veto at the final release: the store object goes away, but the
    // spooler keeps its own logon on the store and the send goes on
    // (section 2). The store provider still has that logon, so MAPI must
    // not shut it down (S16, I6).
    let mut scenario = base();
    scenario.actions = vec![Action::BeginSend { session: 0 }];
    scenario.actions.extend(store_logoff_and_release(QUIET));
    let sim = run(&scenario);
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Serving, "the veto left the spooler's logon in place");
    let shutdowns: Vec<_> = sim.trace().iter().filter(|e| e.callee.kind == PartyKind::StoreProvider).cloned().collect();
    assert!(
        shutdowns.is_empty() && sim.state().store_providers[0] == ProviderPhase::Active,
        "the store provider was shut down while the spooler still held a logon on Mailbox:\n{}",
        Trace::to_text(&shutdowns)
    );
}
