//! Executable specification of the transport rules T1-T9
//! (`docs/protocol.md`, section 4).
//!
//! Every test applies actions to a small scenario and checks the exact
//! HRESULT, the state change, the trace events of the action in order (as
//! text written by hand from the spec) and the violations.

use mapi_logoff::memory::BlockKind;
use mapi_logoff::state::{ProviderPhase, SessionPhase};
use mapi_logoff::trace::{Method, PartyKind};
use mapi_logoff::{Action, Direction, ErrorCode, HResult, Outcome, RuleId, Simulation, Trace, Violation};

/// Mailbox (default Inbox) with messages 0 and 1 queued for SMTP; provider
/// Internet with two SMTP sessions. Session smtp holds inbound messages 2
/// and 3 and owns block 0 (its AddressTypes array), block 1 (a root) and
/// block 2 (a child of block 1); session backup owns block 3 (its
/// AddressTypes array).
const TWO_SESSIONS: &str = r#"{
  "version": 1,
  "stores": [{ "name": "Mailbox", "defaultInbox": true,
               "outboundQueue": [{ "addressType": "SMTP" }, { "addressType": "SMTP" }] }],
  "transports": [{ "name": "Internet", "faults": [],
    "sessions": [
      { "name": "smtp", "addressTypes": ["SMTP"], "memoryBlocks": 1, "childBlocks": 1, "inbound": [{}, {}] },
      { "name": "backup", "addressTypes": ["SMTP"] }
    ] }]
}"#;

fn sim(json: &str) -> Simulation {
    Simulation::from_json(json).expect("the test scenario is valid")
}

/// The same scenario with faults switched on for the transport provider.
fn faulty(faults: &str) -> Simulation {
    sim(&TWO_SESSIONS.replace(r#""faults": []"#, &format!(r#""faults": [{faults}]"#)))
}

fn apply(sim: &mut Simulation, action: Action) -> Outcome {
    sim.apply(action).unwrap_or_else(|e| panic!("{action:?} is well formed and enabled: {e}"))
}

fn logoff(session: u16, flags: u32) -> Action {
    Action::LogoffSession { session, flags }
}

/// The trace of one action as text.
fn text(sim: &Simulation, o: &Outcome) -> String {
    let start = o.first_event as usize;
    Trace::to_text(&sim.trace()[start..start + o.event_count as usize])
}

fn methods(sim: &Simulation, o: &Outcome) -> Vec<Method> {
    let start = o.first_event as usize;
    sim.trace()[start..start + o.event_count as usize].iter().map(|e| e.method).collect()
}

fn ids(violations: &[Violation]) -> Vec<(RuleId, Option<RuleId>)> {
    violations.iter().map(|v| (v.rule, v.mistake)).collect()
}

#[track_caller]
fn assert_text(actual: &str, expected: &str) {
    assert!(actual == expected, "trace differs\n--- expected\n{expected}--- actual\n{actual}");
}

#[track_caller]
fn assert_no_violations(sim: &Simulation) {
    let v = sim.violations();
    assert!(v.is_empty(), "unexpected violations: {v:#?}");
}

/// Every block the session ever owned has been freed (T5, I2).
#[track_caller]
fn assert_session_memory_freed(sim: &Simulation, session: u8) {
    assert_eq!(sim.state().memory.leaked_by(session), Vec::<u16>::new(), "session {session} still owns blocks");
}

// ---------------------------------------------------------------- T1

#[test]
fn t1_spooler_passes_zero_and_the_session_is_logged_off() {
    let mut sim = sim(TWO_SESSIONS);
    let o = apply(&mut sim, logoff(0, 0));
    assert_eq!(o.hresult, HResult::S_OK);
    assert_eq!(o.out_flags, None);
    assert_eq!(o.rules, [RuleId::T3, RuleId::T2, RuleId::T4, RuleId::T5, RuleId::T6, RuleId::T7]);
    assert_text(
        &text(&sim, &o),
        "  0 [1] spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND) = S_OK  [T3]
  1 [1] spooler: Spooler::DiscardAddressTypes(session=0)  [T2]  # no message is routed to smtp any more
  2 [1] spooler -> session smtp: IXPLogon::TransportLogoff(ulFlags=0) = S_OK  [T4 T5 T6]
  3 [1]   session smtp -> MAPI: IMAPISupport::MakeInvalid(ulFlags=0, lpObject=0) = S_OK  [T6]
  4 [1]   session smtp -> MAPI: MAPIFreeBuffer(lpBuffer=block 0) = S_OK  [T5]
  5 [1]   session smtp -> MAPI: MAPIFreeBuffer(lpBuffer=block 1) = S_OK  [T5]
  6 [1]   session smtp -> MAPI: IMAPISupport::Release() = S_OK  [T6]
  7 [1] spooler -> session smtp: IXPLogon::Release() = S_OK  [T7]
",
    );
    let s = &sim.state().sessions[0];
    assert_eq!(s.phase, SessionPhase::Released);
    assert!(!s.routing && !s.inbound_enabled && !s.outbound_enabled);
    assert!(s.invalid && s.support_released);
    assert_eq!(s.held, [2, 3], "inbound mail not yet started stays with the transport");
    assert_session_memory_freed(&sim, 0);
    assert_eq!(sim.state().sessions[1].phase, SessionPhase::LoggedOn, "the other session is untouched");
    assert_eq!(sim.state().transports[0], ProviderPhase::Active, "backup is still logged on");
    assert_no_violations(&sim);
}

#[test]
fn t1_normal_and_hurry_are_the_callers_mistake_and_the_provider_cleans_up_anyway() {
    for (flags, shown) in [(0x0000_0001, "LOGOFF_NORMAL"), (0x8000_0000, "LOGOFF_HURRY"), (0x8000_0001, "LOGOFF_NORMAL | LOGOFF_HURRY")] {
        let mut sim = sim(TWO_SESSIONS);
        let o = apply(&mut sim, logoff(0, flags));
        assert_eq!(o.hresult, HResult::S_OK, "{shown}");
        let call = &sim.trace()[o.first_event as usize + 2];
        assert_eq!(call.method, Method::TransportLogoff);
        assert_eq!(call.args[0].value, flags);
        assert_eq!(call.args[0].text, shown);
        assert_eq!(call.hresult, Some(HResult::S_OK), "{shown}: a well-behaved provider ignores reserved bits");
        assert_eq!(
            methods(&sim, &o),
            [
                Method::TransportNotify,
                Method::DiscardAddressTypes,
                Method::TransportLogoff,
                Method::MakeInvalid,
                Method::FreeBuffer,
                Method::FreeBuffer,
                Method::SupportRelease,
                Method::XpLogonRelease,
            ],
            "{shown}"
        );
        assert_eq!(sim.state().sessions[0].phase, SessionPhase::Released);
        assert_session_memory_freed(&sim, 0);
        // The caller's mistake (M11), never the session's.
        assert_eq!(ids(&sim.violations()), [(RuleId::T1, Some(RuleId::M11))], "{shown}");
    }
}

#[test]
fn t1_undefined_flags_get_unknown_flags_and_session_is_logged_off_anyway() {
    let mut sim = sim(TWO_SESSIONS);
    let o = apply(&mut sim, logoff(0, 0x2));
    assert_eq!(o.hresult, HResult::MAPI_E_UNKNOWN_FLAGS);
    // T1: the provider refuses; T7: the spooler releases the session anyway,
    // and the final Release does the logoff work the refusal skipped (T8).
    assert_text(
        &text(&sim, &o),
        "  0 [1] spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND) = S_OK  [T3]
  1 [1] spooler: Spooler::DiscardAddressTypes(session=0)  [T2]  # no message is routed to smtp any more
  2 [1] spooler -> session smtp: IXPLogon::TransportLogoff(ulFlags=0x00000002) = MAPI_E_UNKNOWN_FLAGS  [T1 T5 T6 T7]
  3 [1]   session smtp -> MAPI: IMAPISupport::MakeInvalid(ulFlags=0, lpObject=0) = S_OK  [T6]
  4 [1]   session smtp -> MAPI: MAPIFreeBuffer(lpBuffer=block 0) = S_OK  [T5]
  5 [1]   session smtp -> MAPI: MAPIFreeBuffer(lpBuffer=block 1) = S_OK  [T5]
  6 [1]   session smtp -> MAPI: IMAPISupport::Release() = S_OK  [T6]
  7 [1] spooler -> session smtp: IXPLogon::Release() = S_OK  [T7]
",
    );
    let s = &sim.state().sessions[0];
    assert_eq!(s.phase, SessionPhase::Released);
    assert!(s.support_released && s.invalid);
    assert_session_memory_freed(&sim, 0);
    // Passing undefined bits is the caller's mistake M11, reported under T1.
    let v = sim.violations();
    assert_eq!(ids(&v), [(RuleId::T1, Some(RuleId::M11))]);
    assert_eq!(v[0].subject, "session smtp");
    assert_eq!(o.new_violations, v);
}

#[test]
fn t1_undefined_bits_next_to_defined_ones_are_refused_too() {
    let mut sim = sim(TWO_SESSIONS);
    let o = apply(&mut sim, logoff(0, 0x8000_0100));
    assert_eq!(o.hresult, HResult::MAPI_E_UNKNOWN_FLAGS);
    assert_eq!(sim.trace()[o.first_event as usize + 2].args[0].text, "LOGOFF_HURRY | 0x00000100");
    assert_eq!(sim.state().sessions[0].phase, SessionPhase::Released, "T7: logged off anyway");
    assert_session_memory_freed(&sim, 0);
    assert_eq!(ids(&sim.violations()), [(RuleId::T1, Some(RuleId::M11))]);
}

// ---------------------------------------------------------------- T2

#[test]
fn t2_address_types_are_discarded_before_transport_logoff_and_nothing_is_routed_after() {
    let mut sim = sim(TWO_SESSIONS);
    let o = apply(&mut sim, logoff(0, 0));
    let m = methods(&sim, &o);
    let discard = m.iter().position(|&x| x == Method::DiscardAddressTypes).expect("T2 step recorded");
    let logoff_at = m.iter().position(|&x| x == Method::TransportLogoff).expect("TransportLogoff called");
    assert!(discard < logoff_at, "T2: AddressTypes discarded before TransportLogoff: {m:?}");
    let e = &sim.trace()[o.first_event as usize + discard];
    assert_eq!(e.rules, [RuleId::T2]);
    assert_eq!((e.caller.kind, e.hresult), (PartyKind::Spooler, None));
    assert!(!sim.state().sessions[0].routing);

    // Queued SMTP mail goes to the session that is still logged on.
    let refused = sim.apply(Action::BeginSend { session: 0 }).expect_err("nothing is routed to a logged-off session");
    assert_eq!(refused.code, ErrorCode::NotEnabled);
    assert!(!sim.enabled_actions().contains(&Action::BeginSend { session: 0 }));
    apply(&mut sim, Action::BeginSend { session: 1 });
    assert_eq!(sim.state().sessions[1].sending.map(|t| t.message), Some(0));
    assert_no_violations(&sim);
}

// ---------------------------------------------------------------- T3

#[test]
fn t3_traffic_is_disabled_before_transport_logoff() {
    let mut sim = sim(TWO_SESSIONS);
    let o = apply(&mut sim, logoff(0, 0));
    let m = methods(&sim, &o);
    let notify = m.iter().position(|&x| x == Method::TransportNotify).expect("T3 notification");
    let discard = m.iter().position(|&x| x == Method::DiscardAddressTypes).expect("T2 step recorded");
    let logoff_at = m.iter().position(|&x| x == Method::TransportLogoff).expect("TransportLogoff called");
    assert!(notify < discard && discard < logoff_at, "T3 comes before T2, which comes before TransportLogoff: {m:?}");
    let e = &sim.trace()[o.first_event as usize + notify];
    assert_eq!(e.args[0].value, 0x0001_0000 | 0x0002_0000);
    assert_eq!(e.args[0].text, "NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND");
    assert_eq!((e.caller.kind, e.callee.kind, e.hresult), (PartyKind::Spooler, PartyKind::Session, Some(HResult::S_OK)));
    assert_eq!(e.rules, [RuleId::T3]);
    assert_no_violations(&sim);
}

#[test]
fn t3_a_running_flush_is_ended_too() {
    let mut sim = sim(TWO_SESSIONS);
    let f = apply(&mut sim, Action::FlushQueues { session: 0, flags: 0x02 | 0x04 });
    assert_eq!(f.hresult, HResult::S_OK);
    assert_eq!(sim.state().sessions[0].flushing, 0x06);
    let o = apply(&mut sim, logoff(0, 0));
    assert_text(
        &Trace::to_text(&sim.trace()[o.first_event as usize..o.first_event as usize + 2]),
        "  1 [2] spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND | NOTIFY_END_INBOUND_FLUSH | NOTIFY_END_OUTBOUND_FLUSH) = S_OK  [T3]
  2 [2] spooler: Spooler::DiscardAddressTypes(session=0)  [T2]  # no message is routed to smtp any more
",
    );
    assert_eq!(sim.state().sessions[0].flushing, 0);
    assert_no_violations(&sim);
}

// ---------------------------------------------------------------- T4

#[test]
fn t4_logoff_mid_send_returns_message_to_its_queue() {
    let mut sim = sim(TWO_SESSIONS);
    apply(&mut sim, Action::BeginSend { session: 0 });
    assert_eq!(sim.state().stores[0].queue, [1]);
    let o = apply(&mut sim, logoff(0, 0));
    assert_eq!(o.hresult, HResult::S_OK);
    assert_text(
        &text(&sim, &o),
        "  1 [2] spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND) = S_OK  [T3]
  2 [2] spooler: Spooler::DiscardAddressTypes(session=0)  [T2]  # no message is routed to smtp any more
  3 [2] spooler -> session smtp: IXPLogon::TransportLogoff(ulFlags=0) = S_OK  [T4 T5 T6]
  4 [2]   session smtp -> MAPI: IMAPISupport::MakeInvalid(ulFlags=0, lpObject=0) = S_OK  [T6]
  5 [2]   spooler: Spooler::RequeueMessage(message=message 0)  [T4 I1]  # message 0 goes back to the front of Mailbox's outbound queue
  6 [2]   session smtp -> MAPI: MAPIFreeBuffer(lpBuffer=block 0) = S_OK  [T5]
  7 [2]   session smtp -> MAPI: MAPIFreeBuffer(lpBuffer=block 1) = S_OK  [T5]
  8 [2]   session smtp -> MAPI: IMAPISupport::Release() = S_OK  [T6]
  9 [2] spooler -> session smtp: IXPLogon::Release() = S_OK  [T7]
",
    );
    let state = sim.state();
    assert_eq!(state.stores[0].queue, [0, 1], "message 0 is back at the front of the queue it came from");
    assert_eq!(state.sessions[0].sending, None);
    assert!(state.stores[0].sent.is_empty(), "the stopped send did not count as sent");
    assert_no_violations(&sim);

    // Not lost: the other SMTP session sends it.
    apply(&mut sim, Action::RunUntilIdle);
    assert_eq!(sim.state().stores[0].sent, [0, 1]);
    assert_no_violations(&sim);
}

#[test]
fn t4_logoff_mid_receive_keeps_the_message_with_the_transport() {
    let mut sim = sim(TWO_SESSIONS);
    apply(&mut sim, Action::BeginReceive { session: 0 });
    assert_eq!(sim.state().sessions[0].receiving.map(|t| t.message), Some(2));
    let o = apply(&mut sim, logoff(0, 0));
    assert_eq!(o.hresult, HResult::S_OK);
    let requeue: Vec<_> = sim.trace()[o.first_event as usize..].iter().filter(|e| e.method == Method::RequeueMessage).collect();
    assert_eq!(requeue.len(), 1);
    assert_eq!(requeue[0].rules, [RuleId::T4, RuleId::I1]);
    assert_eq!(requeue[0].note.as_deref(), Some("message 2 stays with the transport for later delivery"));
    let state = sim.state();
    assert_eq!(state.sessions[0].receiving, None);
    assert_eq!(state.sessions[0].held, [2, 3], "the abandoned message is kept, first in line");
    assert!(state.stores[0].inbox.is_empty());
    assert_no_violations(&sim);
}

#[test]
fn t4_logoff_after_a_transfer_step_still_returns_the_message() {
    let mut sim = sim(TWO_SESSIONS);
    apply(&mut sim, Action::BeginSend { session: 0 });
    let step = apply(&mut sim, Action::Progress { session: 0, direction: Direction::Send });
    assert_eq!(step.event_count, 0, "an intermediate step of a two-step transfer makes no call");
    assert_eq!(sim.state().sessions[0].sending.map(|t| t.remaining), Some(1));
    apply(&mut sim, logoff(0, 0));
    assert_eq!(sim.state().stores[0].queue, [0, 1]);
    assert_eq!(sim.state().messages[0].steps, 2, "the message is sent from scratch later");
    assert_no_violations(&sim);
}

// ---------------------------------------------------------------- T5

#[test]
fn t5_every_block_is_freed_at_transport_logoff() {
    let mut sim = sim(TWO_SESSIONS);
    let a = apply(&mut sim, Action::Allocate { session: 0, parent: None });
    assert_text(&text(&sim, &a), "  0 [1] session smtp -> MAPI: MAPIAllocateBuffer(cbSize=64) = S_OK  [T5]  # block 4\n");
    let m = apply(&mut sim, Action::Allocate { session: 0, parent: Some(4) });
    assert_text(&text(&sim, &m), "  1 [2] session smtp -> MAPI: MAPIAllocateMore(cbSize=64, lpObject=block 4) = S_OK  [T5]  # block 5\n");
    assert_eq!(sim.state().memory.leaked_by(0), [0, 1, 2, 4, 5]);
    assert_eq!(sim.state().memory.blocks[0].kind, BlockKind::AddressTypes);

    // Until TransportLogoff the AddressTypes array stays allocated.
    let o = apply(&mut sim, logoff(0, 0));
    let events = &sim.trace()[o.first_event as usize..];
    let logoff_at = events.iter().position(|e| e.method == Method::TransportLogoff).unwrap();
    let frees: Vec<(usize, String, u8)> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.method == Method::FreeBuffer)
        .map(|(i, e)| (i, e.args[0].text.to_string(), e.depth))
        .collect();
    // Roots are freed one by one; children go with their roots (T5).
    assert_eq!(frees.iter().map(|f| f.1.as_str()).collect::<Vec<_>>(), ["block 0", "block 1", "block 4"]);
    assert!(frees.iter().all(|&(i, _, depth)| i > logoff_at && depth == 1), "freed inside TransportLogoff: {frees:?}");
    assert_session_memory_freed(&sim, 0);
    assert_eq!(sim.state().memory.leaked_by(1), [3], "the other session's array is untouched");
    assert_no_violations(&sim);
}

// ---------------------------------------------------------------- T6

#[test]
fn t6_the_logon_is_invalidated_and_the_support_object_released_last() {
    let mut sim = sim(TWO_SESSIONS);
    let o = apply(&mut sim, logoff(0, 0));
    let events = &sim.trace()[o.first_event as usize..(o.first_event + o.event_count) as usize];
    let inside: Vec<Method> = events.iter().filter(|e| e.depth == 1).map(|e| e.method).collect();
    // T6: MakeInvalid first, then the session's memory, the support object last.
    assert_eq!(inside, [Method::MakeInvalid, Method::FreeBuffer, Method::FreeBuffer, Method::SupportRelease]);
    let make_invalid = events.iter().find(|e| e.method == Method::MakeInvalid).unwrap();
    assert_eq!((make_invalid.caller.kind, make_invalid.callee.kind), (PartyKind::Session, PartyKind::Mapi));
    assert_eq!(make_invalid.rules, [RuleId::T6]);
    let s = &sim.state().sessions[0];
    assert!(s.invalid && s.support_released);
    // The provider still has a logon: no shutdown yet.
    assert!(!events.iter().any(|e| e.method == Method::XpProviderShutdown));
    assert_eq!(sim.state().transports[0], ProviderPhase::Active);
    assert_no_violations(&sim);
}

#[test]
fn t6_releasing_the_last_logon_shuts_the_provider_down() {
    let mut sim = sim(TWO_SESSIONS);
    apply(&mut sim, logoff(0, 0));
    let o = apply(&mut sim, logoff(1, 0));
    assert_eq!(o.hresult, HResult::S_OK);
    assert_text(
        &text(&sim, &o),
        "  8 [2] spooler -> session backup: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND) = S_OK  [T3]
  9 [2] spooler: Spooler::DiscardAddressTypes(session=1)  [T2]  # no message is routed to backup any more
 10 [2] spooler -> session backup: IXPLogon::TransportLogoff(ulFlags=0) = S_OK  [T4 T5 T6]
 11 [2]   session backup -> MAPI: IMAPISupport::MakeInvalid(ulFlags=0, lpObject=1) = S_OK  [T6]
 12 [2]   session backup -> MAPI: MAPIFreeBuffer(lpBuffer=block 3) = S_OK  [T5]
 13 [2]   session backup -> MAPI: IMAPISupport::Release() = S_OK  [T6]
 14 [2] spooler -> session backup: IXPLogon::Release() = S_OK  [T7]
 15 [2] MAPI -> transport Internet: IXPProvider::Shutdown(ulFlags=DEINIT_NORMAL) = S_OK  [T6 I6]
 16 [2] MAPI -> transport Internet: IXPProvider::Release() = S_OK  [T6]
",
    );
    assert_eq!(sim.state().transports[0], ProviderPhase::ShutDown);
    assert!(sim.state().sessions.iter().all(|s| s.phase == SessionPhase::Released));
    assert!(!sim.enabled_actions().iter().any(|a| matches!(a, Action::ShutdownProvider { .. })));
    assert_no_violations(&sim);
}

// ---------------------------------------------------------------- T7

#[test]
fn t7_failing_transport_logoff_still_logs_the_session_off() {
    let mut sim = faulty(r#""failTransportLogoff""#);
    let o = apply(&mut sim, logoff(0, 0));
    assert_eq!(o.hresult, HResult::MAPI_E_CALL_FAILED);
    assert!(o.explanation.contains("never vetoes"), "{}", o.explanation);
    assert_text(
        &text(&sim, &o),
        "  0 [1] spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND) = S_OK  [T3]
  1 [1] spooler: Spooler::DiscardAddressTypes(session=0)  [T2]  # no message is routed to smtp any more
  2 [1] spooler -> session smtp: IXPLogon::TransportLogoff(ulFlags=0) = MAPI_E_CALL_FAILED  [T7]
  3 [1] spooler -> session smtp: IXPLogon::Release() = S_OK  [T8]
",
    );
    let s = &sim.state().sessions[0];
    assert_eq!(s.phase, SessionPhase::Released, "a failure return never vetoes the logoff");
    assert!(!s.routing);
    assert!(!sim.enabled_actions().contains(&logoff(0, 0)));
    // The faulty provider (M9) did none of its cleanup: I2 reports it,
    // attributed to the fault.
    let v = sim.violations();
    assert_eq!(ids(&v), [(RuleId::I2, Some(RuleId::M9)), (RuleId::I2, Some(RuleId::M9)), (RuleId::T5, Some(RuleId::M9))]);
    assert_eq!(v[0].message, "logged off with memory still allocated: block 0, 1, 2");
    assert_eq!(v[1].message, "logged off without releasing its support object");
    assert_eq!(
        v[2].message,
        "TransportLogoff returned with block 0 and 1 more still allocated; it must free its memory during TransportLogoff"
    );
}

#[test]
fn t7_the_spooler_makes_no_call_on_a_session_it_released() {
    // The session fails TransportLogoff in the middle of a send; the
    // spooler treats it as gone and releases it (T7). From then on no call
    // may reach the released logon (I3): no EndMessage, no StartMessage.
    let mut sim = faulty(r#""failTransportLogoff""#);
    apply(&mut sim, Action::BeginSend { session: 0 });
    apply(&mut sim, Action::BeginReceive { session: 0 });
    let o = apply(&mut sim, logoff(0, 0));
    assert_eq!(sim.state().sessions[0].phase, SessionPhase::Released);
    let after = (o.first_event + o.event_count) as usize;
    apply(&mut sim, Action::RunUntilIdle);
    let calls: Vec<_> =
        sim.trace()[after..].iter().filter(|e| e.callee.kind == PartyKind::Session && e.callee.index == Some(0)).cloned().collect();
    assert!(calls.is_empty(), "calls reached the released session smtp:\n{}", Trace::to_text(&calls));
    let offered: Vec<Action> = sim
        .enabled_actions()
        .into_iter()
        .filter(|a| {
            matches!(
                a,
                Action::Progress { session: 0, .. }
                    | Action::BeginSend { session: 0 }
                    | Action::BeginReceive { session: 0 }
                    | Action::EndFlush { session: 0 }
            )
        })
        .collect();
    assert!(offered.is_empty(), "work offered on the released session: {offered:?}");
}

#[test]
fn t7_a_released_session_refuses_another_logoff() {
    let mut sim = sim(TWO_SESSIONS);
    apply(&mut sim, logoff(0, 0));
    let o = apply(&mut sim, logoff(0, 0));
    assert_eq!(o.hresult, HResult::MAPI_E_INVALID_OBJECT);
    assert_text(&text(&sim, &o), "  8 [2] spooler -> session smtp: IXPLogon::TransportLogoff(ulFlags=0) = MAPI_E_INVALID_OBJECT  [I3]\n");
    assert_eq!(ids(&sim.violations()), [(RuleId::I3, None)]);
}

// ---------------------------------------------------------------- T8

#[test]
fn t8_release_without_logoff_does_the_logoff_work() {
    let mut sim = sim(TWO_SESSIONS);
    apply(&mut sim, Action::BeginSend { session: 0 });
    let o = apply(&mut sim, Action::ReleaseSession { session: 0 });
    assert_eq!(o.hresult, HResult::S_OK);
    assert_eq!(o.rules, [RuleId::T8]);
    assert_text(
        &text(&sim, &o),
        "  1 [2] spooler: Spooler::DiscardAddressTypes(session=0)  [T2]  # no message is routed to smtp any more
  2 [2] spooler -> session smtp: IXPLogon::Release() = S_OK  [T8]
  3 [2]   session smtp -> session smtp: IXPLogon::TransportLogoff(ulFlags=0) = S_OK  [T4 T5 T6]
  4 [2]     session smtp -> MAPI: IMAPISupport::MakeInvalid(ulFlags=0, lpObject=0) = S_OK  [T6]
  5 [2]     spooler: Spooler::RequeueMessage(message=message 0)  [T4 I1]  # message 0 goes back to the front of Mailbox's outbound queue
  6 [2]     session smtp -> MAPI: MAPIFreeBuffer(lpBuffer=block 0) = S_OK  [T5]
  7 [2]     session smtp -> MAPI: MAPIFreeBuffer(lpBuffer=block 1) = S_OK  [T5]
  8 [2]     session smtp -> MAPI: IMAPISupport::Release() = S_OK  [T6]
",
    );
    let state = sim.state();
    assert_eq!(state.sessions[0].phase, SessionPhase::Released);
    assert!(state.sessions[0].support_released && state.sessions[0].invalid);
    assert_eq!(state.stores[0].queue, [0, 1]);
    assert_session_memory_freed(&sim, 0);
    assert_no_violations(&sim);
}

#[test]
fn t8_release_of_the_last_logon_without_logoff_shuts_the_provider_down() {
    let mut sim = sim(TWO_SESSIONS);
    apply(&mut sim, Action::ReleaseSession { session: 1 });
    assert_eq!(sim.state().transports[0], ProviderPhase::Active);
    let o = apply(&mut sim, Action::ReleaseSession { session: 0 });
    let m = methods(&sim, &o);
    assert_eq!(&m[m.len() - 2..], [Method::XpProviderShutdown, Method::XpProviderRelease]);
    assert_eq!(sim.state().transports[0], ProviderPhase::ShutDown);
    assert_session_memory_freed(&sim, 0);
    assert_session_memory_freed(&sim, 1);
    assert_no_violations(&sim);
}

#[test]
fn t8_shutdown_logs_open_sessions_off_first() {
    let mut sim = sim(TWO_SESSIONS);
    apply(&mut sim, Action::BeginSend { session: 0 });
    let o = apply(&mut sim, Action::ShutdownProvider { transport: 0, flags: 0x8000_0000 });
    assert_eq!(o.hresult, HResult::S_OK);
    assert_eq!(o.rules, [RuleId::T8, RuleId::I6]);
    assert_text(
        &text(&sim, &o),
        "  1 [2] spooler -> transport Internet: IXPProvider::Shutdown(ulFlags=DEINIT_HURRY) = S_OK  [T8 I6]
  2 [2]   spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND) = S_OK  [T3]
  3 [2]   spooler: Spooler::DiscardAddressTypes(session=0)  [T2]  # no message is routed to smtp any more
  4 [2]   transport Internet -> session smtp: IXPLogon::TransportLogoff(ulFlags=0) = S_OK  [T4 T5 T6]
  5 [2]     session smtp -> MAPI: IMAPISupport::MakeInvalid(ulFlags=0, lpObject=0) = S_OK  [T6]
  6 [2]     spooler: Spooler::RequeueMessage(message=message 0)  [T4 I1]  # message 0 goes back to the front of Mailbox's outbound queue
  7 [2]     session smtp -> MAPI: MAPIFreeBuffer(lpBuffer=block 0) = S_OK  [T5]
  8 [2]     session smtp -> MAPI: MAPIFreeBuffer(lpBuffer=block 1) = S_OK  [T5]
  9 [2]     session smtp -> MAPI: IMAPISupport::Release() = S_OK  [T6]
 10 [2]   transport Internet -> session smtp: IXPLogon::Release() = S_OK  [T8]
 11 [2]   spooler -> session backup: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND) = S_OK  [T3]
 12 [2]   spooler: Spooler::DiscardAddressTypes(session=1)  [T2]  # no message is routed to backup any more
 13 [2]   transport Internet -> session backup: IXPLogon::TransportLogoff(ulFlags=0) = S_OK  [T4 T5 T6]
 14 [2]     session backup -> MAPI: IMAPISupport::MakeInvalid(ulFlags=0, lpObject=1) = S_OK  [T6]
 15 [2]     session backup -> MAPI: MAPIFreeBuffer(lpBuffer=block 3) = S_OK  [T5]
 16 [2]     session backup -> MAPI: IMAPISupport::Release() = S_OK  [T6]
 17 [2]   transport Internet -> session backup: IXPLogon::Release() = S_OK  [T8]
 18 [2] MAPI -> transport Internet: IXPProvider::Release() = S_OK  [T8]
",
    );
    let state = sim.state();
    assert_eq!(state.transports[0], ProviderPhase::ShutDown);
    assert!(state.sessions.iter().all(|s| s.phase == SessionPhase::Released && s.support_released));
    assert_eq!(state.stores[0].queue, [0, 1]);
    assert_session_memory_freed(&sim, 0);
    assert_session_memory_freed(&sim, 1);
    assert_no_violations(&sim);
}

#[test]
fn t8_shutdown_logs_open_sessions_off_with_zero_flags_and_skips_released_sessions() {
    let mut sim = sim(TWO_SESSIONS);
    apply(&mut sim, logoff(1, 0));
    let o = apply(&mut sim, Action::ShutdownProvider { transport: 0, flags: 0x1 });
    assert_eq!(o.hresult, HResult::S_OK);
    let events = &sim.trace()[o.first_event as usize..];
    let logoffs: Vec<(&str, String)> = events
        .iter()
        .filter(|e| e.method == Method::TransportLogoff)
        .map(|e| (e.callee.name.as_str(), e.args[0].text.to_string()))
        .collect();
    assert_eq!(logoffs, [("smtp", "0".to_string())], "only the open session is logged off, with the reserved ulFlags zero (T1)");
    assert!(!events.iter().any(|e| e.callee.name == "backup"), "no call reaches the released session");
    assert_eq!(sim.state().transports[0], ProviderPhase::ShutDown);
    assert_no_violations(&sim);
}

// ---------------------------------------------------------------- T9

#[test]
fn t9_free_child_block_is_reported() {
    let mut sim = sim(TWO_SESSIONS);
    let heap = sim.state().memory.clone();
    let o = apply(&mut sim, Action::Free { session: 0, block: Some(2) });
    assert_eq!(o.hresult, HResult::MAPI_E_INVALID_PARAMETER);
    assert_text(&text(&sim, &o), "  0 [1] session smtp -> MAPI: MAPIFreeBuffer(lpBuffer=block 2) = MAPI_E_INVALID_PARAMETER  [T9]\n");
    assert_eq!(sim.state().memory, heap, "the misuse is reported, never acted on");
    let v = sim.violations();
    assert_eq!(ids(&v), [(RuleId::T9, Some(RuleId::M7))]);
    assert_eq!(v[0].subject, "block 2");
    assert!(v[0].message.contains("child block"), "{}", v[0].message);
}

#[test]
fn t9_double_free_is_reported() {
    let mut sim = sim(TWO_SESSIONS);
    let first = apply(&mut sim, Action::Free { session: 0, block: Some(1) });
    assert_eq!(first.hresult, HResult::S_OK);
    assert_eq!(sim.state().memory.leaked_by(0), [0], "the root went with its child");
    let heap = sim.state().memory.clone();
    let again = apply(&mut sim, Action::Free { session: 0, block: Some(1) });
    assert_eq!(again.hresult, HResult::MAPI_E_INVALID_PARAMETER);
    assert_text(&text(&sim, &again), "  1 [2] session smtp -> MAPI: MAPIFreeBuffer(lpBuffer=block 1) = MAPI_E_INVALID_PARAMETER  [T9]\n");
    assert_eq!(sim.state().memory, heap);
    let v = sim.violations();
    assert_eq!(ids(&v), [(RuleId::T9, Some(RuleId::M7))]);
    assert!(v[0].message.contains("already freed"), "{}", v[0].message);
}

#[test]
fn t9_foreign_pointer_is_reported() {
    let mut sim = sim(TWO_SESSIONS);
    let heap = sim.state().memory.clone();
    let o = apply(&mut sim, Action::Free { session: 0, block: Some(999) });
    assert_eq!(o.hresult, HResult::MAPI_E_INVALID_PARAMETER);
    assert_eq!(sim.state().memory, heap);
    let v = sim.violations();
    assert_eq!(ids(&v), [(RuleId::T9, Some(RuleId::M7))]);
    assert!(v[0].message.contains("never allocated"), "{}", v[0].message);
}

#[test]
fn t9_allocate_more_on_a_child_is_reported() {
    let mut sim = sim(TWO_SESSIONS);
    let heap = sim.state().memory.clone();
    let o = apply(&mut sim, Action::Allocate { session: 0, parent: Some(2) });
    assert_eq!(o.hresult, HResult::MAPI_E_INVALID_PARAMETER);
    assert_text(
        &text(&sim, &o),
        "  0 [1] session smtp -> MAPI: MAPIAllocateMore(cbSize=64, lpObject=block 2) = MAPI_E_INVALID_PARAMETER  [T9]\n",
    );
    assert_eq!(sim.state().memory, heap);
    assert_eq!(ids(&sim.violations()), [(RuleId::T9, Some(RuleId::M7))]);
}

#[test]
fn t9_free_null_does_nothing() {
    let mut sim = sim(TWO_SESSIONS);
    let heap = sim.state().memory.clone();
    let o = apply(&mut sim, Action::Free { session: 0, block: None });
    assert_eq!(o.hresult, HResult::S_OK);
    assert_text(&text(&sim, &o), "  0 [1] session smtp -> MAPI: MAPIFreeBuffer(lpBuffer=NULL) = S_OK\n");
    assert_eq!(o.explanation, "MAPIFreeBuffer(NULL) does nothing", "not \"the block and its children are freed\"");
    assert_eq!(sim.state().memory, heap);
    assert!(o.changes.is_empty());
    assert_no_violations(&sim);
}
