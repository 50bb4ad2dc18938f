//! Executable specification of the store rules S1-S17 of
//! `docs/protocol.md` (the logoff reference): one or more tests per rule,
//! named after it. Every expectation here (HRESULT, out flags, state, the
//! calls in the trace) was written from the reference, not read back from
//! the engine.

use mapi_logoff::Change;
use mapi_logoff::engine::Direction;
use mapi_logoff::engine::StateValue;
use mapi_logoff::state::{ProviderPhase, SpoolerLogon, StorePhase, SupportKind};
use mapi_logoff::{Action, ErrorCode, HResult, Outcome, RuleId, Simulation, StoreLogoffFlag, StoreLogoffOutFlags, Trace};

// ---- input flags (exact header values) ----
const NO_WAIT: u32 = 0x01;
const ORDERLY: u32 = 0x02;
const PURGE: u32 = 0x04;
const ABORT: u32 = 0x08;
const QUIET: u32 = 0x10;

// ---- output flags ----
const COMPLETE: StoreLogoffOutFlags = StoreLogoffOutFlags::LOGOFF_COMPLETE;
const INBOUND: StoreLogoffOutFlags = StoreLogoffOutFlags::LOGOFF_INBOUND;
const OUTBOUND: StoreLogoffOutFlags = StoreLogoffOutFlags::LOGOFF_OUTBOUND;
const QUEUE: StoreLogoffOutFlags = StoreLogoffOutFlags::LOGOFF_OUTBOUND_QUEUE;

/// An empty queue or folder.
const NO_MESSAGES: [u16; 0] = [];

// ---- readings ----
/// The SDK sample's deferred reading (S13): the tests written for it name it.
const DEFERRED: &str = r#""storeLogoffTransports": "atFinalRelease""#;
/// The default readings of protocol revision 2: immediate, stop-then-release.
const DEFAULT_READINGS: &str = "";
const VETO_WHILE_BUSY_DEFERRED: &str = r#""abortReading": "vetoWhileBusy", "storeLogoffTransports": "atFinalRelease""#;
const VETO_WHILE_BUSY: &str = r#""abortReading": "vetoWhileBusy""#;
const IMMEDIATE: &str = r#""storeLogoffTransports": "immediate""#;

// ---- helpers ----

fn sim(json: &str) -> Simulation {
    Simulation::from_json(json).unwrap_or_else(|e| panic!("scenario does not load: {e}"))
}

/// The usual profile: the store "Mailbox" holds the default Inbox and has
/// `queued` messages in its outbound queue (ids 0..queued); the transport
/// "Internet" has one session "smtp" for SMTP that holds `inbound` messages
/// for the Inbox (ids queued..queued+inbound). Every transfer takes 1 step.
fn mailbox(queued: usize, inbound: usize, settings: &str) -> Simulation {
    let queue = vec![r#"{ "addressType": "SMTP", "steps": 1 }"#; queued].join(", ");
    let held = vec![r#"{ "steps": 1 }"#; inbound].join(", ");
    sim(&format!(
        r#"{{ "version": 1, "settings": {{ {settings} }},
              "stores": [{{ "name": "Mailbox", "defaultInbox": true, "outboundQueue": [{queue}] }}],
              "transports": [{{ "name": "Internet",
                               "sessions": [{{ "name": "smtp", "addressTypes": ["SMTP"], "inbound": [{held}] }}] }}] }}"#
    ))
}

/// IMAPISupport::StoreLogoffTransports on the store's message-store support object.
fn slt(store: u16, flags: u32) -> Action {
    Action::StoreLogoffTransports { store, flags, support: SupportKind::MessageStore }
}

fn store_logoff(store: u16, flags: u32) -> Action {
    Action::StoreLogoff { store, flags }
}

fn release(store: u16) -> Action {
    Action::Release { store }
}

fn begin_send() -> Action {
    Action::BeginSend { session: 0 }
}

fn begin_receive() -> Action {
    Action::BeginReceive { session: 0 }
}

fn progress(direction: Direction) -> Action {
    Action::Progress { session: 0, direction }
}

fn submit(store: u16) -> Action {
    Action::SubmitMessage { store, address_type: 0, steps: 1 }
}

fn apply(sim: &mut Simulation, action: Action) -> Outcome {
    let what = format!("{action:?}");
    sim.apply(action).unwrap_or_else(|e| panic!("{what} was refused as input: {e}"))
}

/// Asserts that a spooler/transport step cannot happen now.
fn not_enabled(sim: &mut Simulation, action: Action) {
    let what = format!("{action:?}");
    match sim.apply(action) {
        Err(e) => assert_eq!(e.code, ErrorCode::NotEnabled, "{what}: {e}"),
        Ok(o) => panic!("{what} should not be possible now, but it ran: {}", o.explanation),
    }
}

/// The calls one action made, one line each, indented by nesting, without
/// the sequence numbers, the rule ids and the notes:
/// `store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_QUIET) = S_OK, LOGOFF_COMPLETE`.
fn calls(sim: &Simulation, o: &Outcome) -> Vec<String> {
    let start = o.first_event as usize;
    let events = &sim.trace()[start..start + o.event_count as usize];
    Trace::to_text(events)
        .lines()
        .map(|line| {
            let body = line.split_once("] ").expect("`seq [step] ` prefix").1;
            let body = body.split("  [").next().unwrap_or(body);
            let body = body.split("  #").next().unwrap_or(body);
            body.trim_end().to_string()
        })
        .collect()
}

fn clean(sim: &Simulation) {
    let v = sim.violations();
    assert!(v.is_empty(), "unexpected violations: {v:#?}");
}

/// The calls of the S16 release of the store `name`'s support object while
/// its provider still has a logon (another store's support object, or the
/// spooler's logon on one of its stores), at nesting depth 1 (under
/// Release): no IMSProvider::Shutdown.
fn support_release(name: &str) -> Vec<String> {
    vec![
        format!("  store {name} -> MAPI: IMAPISupport::Release() = S_OK"),
        "    MAPI: MAPI::RemoveStatusRow()".to_string(),
        format!("    MAPI -> store {name}: IMSLogon::Logoff(ulFlags=0) = S_OK"),
        format!("    MAPI -> store {name}: IMSLogon::Release() = S_OK"),
    ]
}

/// The support release of store `name` while the spooler still holds its
/// own logon on it (a veto, or a NO_WAIT/ORDERLY drain): MAPI keeps the
/// logon alive, so IMSLogon::Logoff comes only when the spooler lets go (S16, S9).
fn support_release_kept(name: &str) -> Vec<String> {
    support_release(name).into_iter().take(2).collect()
}

/// The calls of a complete S16 teardown of the store `name` whose provider
/// `provider` has no other logon (the spooler has released its logon on
/// every store of it), at nesting depth 1 (under Release).
fn support_release_with_shutdown(name: &str, provider: &str) -> Vec<String> {
    let mut calls = support_release(name);
    calls.push(format!("    MAPI -> store provider {provider}: IMSProvider::Shutdown(lpulFlags=0) = S_OK"));
    calls.push(format!("    MAPI -> store provider {provider}: IMSProvider::Release() = S_OK"));
    calls
}

fn lines(first: &[&str], rest: Vec<String>) -> Vec<String> {
    first.iter().map(|s| s.to_string()).chain(rest).collect()
}

// =====================================================================
// S1: exactly one input flag; bad input fails and changes nothing.
// =====================================================================

/// Every bad flag value of S1 with the HRESULT the reference gives it.
const BAD_FLAGS: &[(u32, HResult, &str)] = &[
    (0, HResult::MAPI_E_INVALID_PARAMETER, "no input flag"),
    (NO_WAIT | ORDERLY, HResult::MAPI_E_INVALID_PARAMETER, "two input flags"),
    (PURGE | ABORT, HResult::MAPI_E_INVALID_PARAMETER, "two input flags"),
    (0x1F, HResult::MAPI_E_INVALID_PARAMETER, "all five input flags"),
    (0x0001_0000, HResult::MAPI_E_INVALID_PARAMETER, "only LOGOFF_COMPLETE (an output flag)"),
    (QUIET | 0x0001_0000, HResult::MAPI_E_INVALID_PARAMETER, "LOGOFF_QUIET with LOGOFF_COMPLETE left from a reused variable"),
    (ORDERLY | 0x0008_0000, HResult::MAPI_E_INVALID_PARAMETER, "LOGOFF_ORDERLY with LOGOFF_OUTBOUND_QUEUE"),
    (0x000F_0000, HResult::MAPI_E_INVALID_PARAMETER, "all output flags"),
    (0x20, HResult::MAPI_E_UNKNOWN_FLAGS, "the bit above LOGOFF_QUIET"),
    (0x100, HResult::MAPI_E_UNKNOWN_FLAGS, "an undefined bit"),
    (ORDERLY | 0x100, HResult::MAPI_E_UNKNOWN_FLAGS, "one input flag with an undefined bit"),
    (PURGE | ABORT | 0x100, HResult::MAPI_E_UNKNOWN_FLAGS, "an undefined bit wins over two input flags"),
    (0x0010_0000, HResult::MAPI_E_UNKNOWN_FLAGS, "the bit above LOGOFF_OUTBOUND_QUEUE"),
    (0x8000_0000, HResult::MAPI_E_UNKNOWN_FLAGS, "the top bit"),
];

#[test]
fn s1_store_logoff_transports_refuses_zero_several_and_output_flags_with_invalid_parameter_and_undefined_bits_with_unknown_flags() {
    for &(flags, expected, why) in BAD_FLAGS {
        let mut sim = mailbox(1, 1, DEFERRED);
        apply(&mut sim, begin_receive());
        let before = sim.state().clone();
        let o = apply(&mut sim, slt(0, flags));
        assert_eq!(o.hresult, expected, "{why} (0x{flags:08X})");
        assert_eq!(o.out_flags, None, "{why}: a refused call writes no out flags");
        assert_eq!(o.event_count, 1, "{why}: the refused call makes no further call");
        assert_eq!(sim.trace()[o.first_event as usize].hresult, Some(expected));
        // The store, the spooler's logon, the queues and the transfers are as before.
        let (now, was) = (&sim.state().stores[0], &before.stores[0]);
        assert_eq!(
            (now.refs, now.phase, now.saved_flag, now.spooler, &now.queue, &now.inbox, &now.sent),
            (was.refs, was.phase, was.saved_flag, was.spooler, &was.queue, &was.inbox, &was.sent),
            "{why}"
        );
        assert_eq!(sim.state().sessions, before.sessions, "{why}");
        assert_eq!(now.spooler, SpoolerLogon::Serving, "{why}");
        assert!(o.rules.contains(&RuleId::S1), "{why}: {:?}", o.rules);
        // The store provider passed the flags: that is mistake M3.
        let v = sim.violations();
        assert_eq!(v.iter().map(|v| (v.rule, v.mistake)).collect::<Vec<_>>(), [(RuleId::S1, Some(RuleId::M3))], "{why}");
    }
}

#[test]
fn s1_refused_store_logoff_transports_changes_nothing() {
    for &(flags, _, why) in BAD_FLAGS {
        let mut sim = mailbox(1, 1, DEFERRED);
        apply(&mut sim, begin_receive());
        let before = sim.state().clone();
        let o = apply(&mut sim, slt(0, flags));
        assert_eq!(o.changes, [], "{why} (0x{flags:08X}): the call fails and changes nothing (S1)");
        // Only the audit record of StoreLogoffTransports calls (kept for the
        // I5 check, not protocol state) notes the refusal.
        let mut now = sim.state().clone();
        assert_eq!(now.stores[0].store_logoff_transports.refusals, 1, "{why}: the refusal is on record for I5");
        now.stores[0].store_logoff_transports = before.stores[0].store_logoff_transports;
        // ... and the breach log, which reports the store provider's M3.
        assert_eq!(now.errors.len(), 1, "{why}");
        now.errors.clear();
        assert_eq!(now, before, "{why} (0x{flags:08X})");
    }
}

#[test]
fn s1_refused_store_logoff_transports_leaves_the_store_able_to_log_off() {
    let mut sim = mailbox(0, 0, DEFERRED);
    assert_eq!(apply(&mut sim, slt(0, NO_WAIT | QUIET)).hresult, HResult::MAPI_E_INVALID_PARAMETER);
    let o = apply(&mut sim, slt(0, QUIET));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)));
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Released);
    let v = sim.violations();
    assert_eq!(v.iter().map(|v| (v.rule, v.mistake)).collect::<Vec<_>>(), [(RuleId::S1, Some(RuleId::M3))], "only the bad call");
}

#[test]
fn s1_store_logoff_checks_its_flag_the_same_way_and_changes_nothing() {
    for settings in [DEFERRED, IMMEDIATE] {
        for &(flags, expected, why) in BAD_FLAGS {
            let mut sim = mailbox(1, 0, settings);
            let before = sim.state().clone();
            let o = apply(&mut sim, store_logoff(0, flags));
            assert_eq!(o.hresult, expected, "{settings} {why} (0x{flags:08X})");
            assert_eq!(o.out_flags, None, "{why}");
            assert_eq!(o.changes, [], "{why}: nothing changes");
            let mut after = sim.state().clone();
            after.errors.clear();
            assert_eq!(&after, &before, "{why}: only the breach log records the call");
            assert_eq!(sim.state().stores[0].phase, StorePhase::Open, "{why}: the store stays usable");
            assert_eq!(sim.state().stores[0].saved_flag, None, "{why}: no flag is saved");
            // StoreLogoff refuses by itself: StoreLogoffTransports is not called.
            assert_eq!(o.event_count, 1, "{why}");
            // "A caller must specify only one flag per call": the client's M3.
            let v = sim.violations();
            assert_eq!(v.iter().map(|v| (v.rule, v.mistake)).collect::<Vec<_>>(), [(RuleId::S1, Some(RuleId::M3))], "{why}");
            assert!(v[0].message.starts_with("the client passed"), "{}", v[0].message);
        }
    }
}

#[test]
fn s1_refused_store_logoff_keeps_the_flag_saved_before() {
    // Immediate reading: a vetoed LOGOFF_QUIET leaves the store open with
    // LOGOFF_QUIET saved; a bad second call must not overwrite it.
    let mut sim = mailbox(1, 0, IMMEDIATE);
    let veto = apply(&mut sim, store_logoff(0, QUIET));
    assert_eq!((veto.hresult, veto.out_flags), (HResult::S_OK, Some(QUEUE)));
    let o = apply(&mut sim, store_logoff(0, QUIET | ABORT));
    assert_eq!(o.hresult, HResult::MAPI_E_INVALID_PARAMETER);
    assert_eq!(o.changes, []);
    assert_eq!(sim.state().stores[0].saved_flag, Some(StoreLogoffFlag::Quiet));
    // The bad call is the client's mistake (M3); nothing else is wrong.
    let v = sim.violations();
    assert_eq!(v.iter().map(|v| (v.rule, v.mistake)).collect::<Vec<_>>(), [(RuleId::S1, Some(RuleId::M3))]);
}

#[test]
fn s1_store_reusing_its_in_out_variable_is_refused_at_the_final_release() {
    // M3: the store passes LOGOFF_ORDERLY | LOGOFF_COMPLETE back as input.
    let mut sim = sim(r#"{ "version": 1, "settings": { "storeLogoffTransports": "atFinalRelease" },
        "stores": [{ "name": "Mailbox", "faults": ["reuseFlagsVariable"] }] }"#);
    apply(&mut sim, store_logoff(0, ORDERLY));
    let o = apply(&mut sim, release(0));
    let slt_event =
        sim.trace()[o.first_event as usize..].iter().find(|e| e.method.as_str() == "IMAPISupport::StoreLogoffTransports").unwrap();
    assert_eq!(slt_event.args[0].value, ORDERLY | COMPLETE.bits());
    assert_eq!(slt_event.hresult, Some(HResult::MAPI_E_INVALID_PARAMETER));
    assert_eq!(slt_event.out_flags, None);
    // The spooler's logoff never happened; the trace check names I5 and M3.
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Serving);
    // M3 at the refused call (S1) and at the shutdown it broke (I5).
    let v = sim.violations();
    assert_eq!(
        v.iter().map(|v| (v.rule, v.mistake)).collect::<Vec<_>>(),
        [(RuleId::S1, Some(RuleId::M3)), (RuleId::I5, Some(RuleId::M3))],
        "{v:#?}"
    );
}

// =====================================================================
// S2: the out flags report state.
// =====================================================================

#[test]
fn s2_out_flags_report_inbound_outbound_and_queued_mail_together() {
    // Message 0 is being sent, message 1 waits in the queue, message 2 is
    // coming into the default Inbox.
    let mut sim = mailbox(2, 1, DEFERRED);
    apply(&mut sim, begin_send());
    apply(&mut sim, begin_receive());
    let o = apply(&mut sim, slt(0, QUIET));
    assert_eq!(o.hresult, HResult::S_OK);
    assert_eq!(o.out_flags, Some(INBOUND | OUTBOUND | QUEUE));
    assert_eq!(o.out_flags.unwrap().bits(), 0x000E_0000);
    assert_eq!(
        calls(&sim, &o),
        [
            "store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_QUIET) = S_OK, LOGOFF_INBOUND | LOGOFF_OUTBOUND | LOGOFF_OUTBOUND_QUEUE"
        ]
    );
    clean(&sim);
}

#[test]
fn s2_inbound_is_reported_only_for_the_store_that_receives() {
    // Archive does not hold the default Inbox: mail coming in is not its activity.
    let mut sim = sim(r#"{ "version": 1,
        "stores": [{ "name": "Mailbox", "defaultInbox": true }, { "name": "Archive" }],
        "transports": [{ "name": "Internet", "sessions": [{ "name": "smtp", "addressTypes": ["SMTP"], "inbound": [{}] }] }] }"#);
    apply(&mut sim, begin_receive());
    let archive = apply(&mut sim, slt(1, QUIET));
    assert_eq!((archive.hresult, archive.out_flags), (HResult::S_OK, Some(COMPLETE)));
    assert_eq!(sim.state().stores[1].spooler, SpoolerLogon::Released);
    let mailbox = apply(&mut sim, slt(0, QUIET));
    assert_eq!((mailbox.hresult, mailbox.out_flags), (HResult::S_OK, Some(INBOUND)));
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Serving);
    clean(&sim);
}

#[test]
fn s2_outbound_is_reported_only_for_the_store_whose_mail_is_sent() {
    let mut sim = sim(r#"{ "version": 1,
        "stores": [{ "name": "Mailbox", "defaultInbox": true },
                   { "name": "Archive", "outboundQueue": [{ "addressType": "SMTP" }] }],
        "transports": [{ "name": "Internet", "sessions": [{ "name": "smtp", "addressTypes": ["SMTP"] }] }] }"#);
    apply(&mut sim, begin_send());
    let mailbox = apply(&mut sim, slt(0, QUIET));
    assert_eq!((mailbox.hresult, mailbox.out_flags), (HResult::S_OK, Some(COMPLETE)));
    let archive = apply(&mut sim, slt(1, QUIET));
    assert_eq!((archive.hresult, archive.out_flags), (HResult::S_OK, Some(OUTBOUND)));
    clean(&sim);
}

// =====================================================================
// S3: LOGOFF_QUIET.
// =====================================================================

#[test]
fn s3_quiet_vetoes_while_outbound_queue_has_mail() {
    let mut sim = mailbox(1, 0, DEFERRED);
    let before = sim.state().clone();
    let o = apply(&mut sim, slt(0, QUIET));
    assert_eq!(o.hresult, HResult::S_OK);
    assert_eq!(o.out_flags, Some(QUEUE), "the activity bits, without COMPLETE");
    assert_eq!(
        calls(&sim, &o),
        ["store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_QUIET) = S_OK, LOGOFF_OUTBOUND_QUEUE"]
    );
    assert_eq!(o.changes, [], "a veto changes nothing");
    assert_eq!(sim.state(), &before);
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Serving);
    assert!(o.rules.contains(&RuleId::S3));
    clean(&sim);
    // The activity goes on: the spooler still sends the mail.
    apply(&mut sim, begin_send());
    apply(&mut sim, progress(Direction::Send));
    assert_eq!(sim.state().stores[0].sent, [0]);
}

#[test]
fn s3_quiet_vetoes_while_a_send_is_in_progress() {
    let mut sim = mailbox(1, 0, DEFERRED);
    apply(&mut sim, begin_send());
    let o = apply(&mut sim, slt(0, QUIET));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(OUTBOUND)));
    assert_eq!(o.changes, []);
    assert_eq!(o.event_count, 1);
    assert!(sim.state().sessions[0].sending.is_some());
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Serving);
    clean(&sim);
}

#[test]
fn s3_quiet_vetoes_while_mail_is_coming_in() {
    let mut sim = mailbox(0, 1, DEFERRED);
    apply(&mut sim, begin_receive());
    let o = apply(&mut sim, slt(0, QUIET));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(INBOUND)));
    assert_eq!(o.changes, []);
    assert_eq!(o.event_count, 1);
    assert!(sim.state().sessions[0].receiving.is_some());
    assert!(sim.state().sessions[0].inbound_enabled, "reception goes on");
    clean(&sim);
}

#[test]
fn s3_quiet_without_activity_releases_the_store_with_complete() {
    // Held mail that has not started coming in is not activity (S2).
    let mut sim = mailbox(0, 1, DEFERRED);
    let o = apply(&mut sim, slt(0, QUIET));
    assert_eq!(o.hresult, HResult::S_OK);
    assert_eq!(o.out_flags, Some(COMPLETE));
    assert_eq!(
        calls(&sim, &o),
        [
            "store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_QUIET) = S_OK, LOGOFF_COMPLETE",
            "  spooler: Spooler::ReleaseStoreLogon(store=0)",
            "  spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND) = S_OK",
        ]
    );
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Released);
    assert!(!sim.state().sessions[0].inbound_enabled, "no store receives mail any more");
    assert_eq!(sim.state().sessions[0].held, [0], "the held message stays with the transport");
    clean(&sim);
}

// =====================================================================
// S4: LOGOFF_ABORT, both readings.
// =====================================================================

#[test]
fn s4_abort_sample_store_reading_cancels_transfers_and_releases_the_store() {
    // Message 0 is being sent, message 1 is queued, message 2 is coming in.
    let mut sim = mailbox(2, 1, DEFERRED);
    apply(&mut sim, begin_send());
    apply(&mut sim, begin_receive());
    let o = apply(&mut sim, slt(0, ABORT));
    assert_eq!(o.hresult, HResult::S_OK);
    assert_eq!(o.out_flags, Some(COMPLETE));
    assert_eq!(
        calls(&sim, &o),
        [
            "store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ABORT) = S_OK, LOGOFF_COMPLETE",
            "  spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_CANCEL_MESSAGE, lpulMsgRef=message 0) = S_OK",
            "  spooler: Spooler::RequeueMessage(message=message 0)",
            "  spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_CANCEL_MESSAGE, lpulMsgRef=message 2) = S_OK",
            "  spooler: Spooler::RequeueMessage(message=message 2)",
            "  spooler: Spooler::ReleaseStoreLogon(store=0)",
            "  spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND) = S_OK",
        ]
    );
    let state = sim.state();
    assert_eq!(state.stores[0].spooler, SpoolerLogon::Released);
    assert_eq!(state.sessions[0].sending, None);
    assert_eq!(state.sessions[0].receiving, None);
    assert_eq!(state.stores[0].queue, [0, 1], "the cancelled send goes back to the store's queue");
    assert_eq!(state.sessions[0].held, [2], "the cancelled receive stays with the transport");
    assert_eq!(state.stores[0].inbox, NO_MESSAGES);
    assert!(o.rules.contains(&RuleId::S4));
    clean(&sim); // I1: nothing lost, nothing duplicated
}

#[test]
fn s4_abort_without_activity_releases_at_once() {
    let mut sim = mailbox(0, 0, DEFERRED);
    let o = apply(&mut sim, slt(0, ABORT));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)));
    assert_eq!(
        calls(&sim, &o),
        [
            "store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ABORT) = S_OK, LOGOFF_COMPLETE",
            "  spooler: Spooler::ReleaseStoreLogon(store=0)",
            "  spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND) = S_OK",
        ]
    );
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Released);
    clean(&sim);
}

#[test]
fn s4_abort_literal_reading_vetoes_while_busy_like_quiet() {
    let mut sim = mailbox(2, 1, VETO_WHILE_BUSY_DEFERRED);
    apply(&mut sim, begin_send());
    apply(&mut sim, begin_receive());
    let before = sim.state().clone();
    let o = apply(&mut sim, slt(0, ABORT));
    assert_eq!(o.hresult, HResult::S_OK);
    assert_eq!(o.out_flags, Some(INBOUND | OUTBOUND | QUEUE));
    assert_eq!(
        calls(&sim, &o),
        [
            "store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ABORT) = S_OK, LOGOFF_INBOUND | LOGOFF_OUTBOUND | LOGOFF_OUTBOUND_QUEUE"
        ]
    );
    assert_eq!(o.changes, []);
    assert_eq!(sim.state(), &before, "nothing is cancelled, the spooler keeps its logon");
    assert!(o.rules.contains(&RuleId::S4));
    clean(&sim);
}

#[test]
fn s4_abort_literal_reading_releases_an_idle_store_with_complete() {
    let mut sim = mailbox(0, 0, VETO_WHILE_BUSY_DEFERRED);
    let o = apply(&mut sim, slt(0, ABORT));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)));
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Released);
    clean(&sim);
}

// =====================================================================
// S5: LOGOFF_NO_WAIT.
// =====================================================================

#[test]
fn s5_no_wait_returns_complete_at_once_sends_ready_mail_finishes_the_receive_then_releases() {
    // Messages 0 and 1 are queued; message 2 is coming in, message 3 waits
    // at the transport.
    let mut sim = mailbox(2, 2, DEFERRED);
    apply(&mut sim, begin_receive());
    let o = apply(&mut sim, slt(0, NO_WAIT));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)));
    assert_eq!(
        calls(&sim, &o),
        ["store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_NO_WAIT) = S_OK, LOGOFF_COMPLETE"],
        "returns at once: nothing is sent or received inside the call"
    );
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::DrainingNoWait, "not released yet");
    assert_eq!(sim.state().stores[0].queue, [0, 1]);
    assert!(o.rules.contains(&RuleId::S5));

    // Ready mail is still sent.
    not_enabled(&mut sim, Action::FinishStoreLogoff { store: 0 });
    apply(&mut sim, begin_send());
    apply(&mut sim, progress(Direction::Send));
    apply(&mut sim, begin_send());
    apply(&mut sim, progress(Direction::Send));
    assert_eq!(sim.state().stores[0].sent, [0, 1]);
    // The receive in progress finishes; no new one starts.
    not_enabled(&mut sim, Action::FinishStoreLogoff { store: 0 });
    let received = apply(&mut sim, progress(Direction::Receive));
    assert_eq!(calls(&sim, &received), ["spooler -> store Mailbox: IMsgStore::NotifyNewMail(lpNotification=message 2) = S_OK"]);
    assert_eq!(sim.state().stores[0].inbox, [2]);
    not_enabled(&mut sim, begin_receive());

    // Then the spooler releases the store and reception ends.
    let finish = apply(&mut sim, Action::FinishStoreLogoff { store: 0 });
    assert_eq!((finish.hresult, finish.out_flags), (HResult::S_OK, None));
    assert_eq!(
        calls(&sim, &finish),
        [
            "spooler: Spooler::ReleaseStoreLogon(store=0)",
            "spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND) = S_OK"
        ]
    );
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Released);
    assert!(!sim.state().sessions[0].inbound_enabled);
    assert_eq!(sim.state().sessions[0].held, [3], "mail not started stays with the transport");
    clean(&sim);
}

#[test]
fn s5_no_wait_finishes_a_send_in_progress_before_releasing() {
    let mut sim = mailbox(1, 0, DEFERRED);
    apply(&mut sim, begin_send());
    let o = apply(&mut sim, slt(0, NO_WAIT));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)));
    assert!(sim.state().sessions[0].sending.is_some());
    not_enabled(&mut sim, Action::FinishStoreLogoff { store: 0 });
    apply(&mut sim, progress(Direction::Send));
    assert_eq!(sim.state().stores[0].sent, [0]);
    apply(&mut sim, Action::FinishStoreLogoff { store: 0 });
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Released);
    clean(&sim);
}

// =====================================================================
// S6: LOGOFF_ORDERLY.
// =====================================================================

#[test]
fn s6_orderly_returns_complete_at_once_finishes_transfers_and_starts_no_new_mail() {
    // Message 0 is being sent, message 1 is queued; message 2 is coming in,
    // message 3 waits at the transport.
    let mut sim = mailbox(2, 2, DEFERRED);
    apply(&mut sim, begin_send());
    apply(&mut sim, begin_receive());
    let o = apply(&mut sim, slt(0, ORDERLY));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)));
    assert_eq!(
        calls(&sim, &o),
        ["store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ORDERLY) = S_OK, LOGOFF_COMPLETE"]
    );
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::DrainingOrderly);
    assert!(o.rules.contains(&RuleId::S6));

    not_enabled(&mut sim, Action::FinishStoreLogoff { store: 0 });
    let sent = apply(&mut sim, progress(Direction::Send));
    assert_eq!(calls(&sim, &sent), ["spooler -> session smtp: IXPLogon::EndMessage(ulMsgRef=message 0) = S_OK"]);
    not_enabled(&mut sim, begin_send()); // message 1 is not started
    not_enabled(&mut sim, Action::FinishStoreLogoff { store: 0 });
    apply(&mut sim, progress(Direction::Receive));
    not_enabled(&mut sim, begin_receive()); // message 3 is not started

    let finish = apply(&mut sim, Action::FinishStoreLogoff { store: 0 });
    assert_eq!(
        calls(&sim, &finish),
        [
            "spooler: Spooler::ReleaseStoreLogon(store=0)",
            "spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND) = S_OK"
        ]
    );
    let state = sim.state();
    assert_eq!(state.stores[0].spooler, SpoolerLogon::Released);
    assert_eq!(state.stores[0].sent, [0]);
    assert_eq!(state.stores[0].inbox, [2]);
    assert_eq!(state.stores[0].queue, [1], "queued mail stays in the store, not lost");
    assert_eq!(state.sessions[0].held, [3]);
    clean(&sim);
}

#[test]
fn s6_orderly_with_only_queued_mail_releases_in_a_later_step_and_keeps_the_mail() {
    let mut sim = mailbox(1, 0, DEFERRED);
    let o = apply(&mut sim, slt(0, ORDERLY));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)));
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::DrainingOrderly);
    not_enabled(&mut sim, begin_send());
    apply(&mut sim, Action::FinishStoreLogoff { store: 0 });
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Released);
    assert_eq!(sim.state().stores[0].queue, [0]);
    assert_eq!(sim.state().stores[0].sent, NO_MESSAGES);
    clean(&sim);
}

// =====================================================================
// S7: LOGOFF_PURGE.
// =====================================================================

#[test]
fn s7_purge_works_as_no_wait_flushes_upload_only_and_returns_when_all_moved() {
    // "Works the same as the LOGOFF_NO_WAIT flag": message 0 is being sent,
    // message 1 is queued, message 2 is being received and message 3 waits
    // at the transport. The ready mail is sent, the receive in progress
    // finishes, and no new reception starts (no FLUSH_DOWNLOAD).
    let mut sim = mailbox(2, 2, DEFAULT_READINGS);
    apply(&mut sim, begin_send());
    apply(&mut sim, begin_receive());
    let o = apply(&mut sim, slt(0, PURGE));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)));
    assert_eq!(
        calls(&sim, &o),
        [
            "store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_PURGE) = S_OK, LOGOFF_COMPLETE",
            "  spooler -> session smtp: IXPLogon::FlushQueues(ulFlags=FLUSH_UPLOAD) = S_OK",
            "  spooler -> session smtp: IXPLogon::EndMessage(ulMsgRef=message 0) = S_OK",
            "  spooler -> store Mailbox: IMsgStore::NotifyNewMail(lpNotification=message 2) = S_OK",
            "  spooler -> session smtp: IXPLogon::SubmitMessage(lpMessage=message 1) = S_OK",
            "  spooler -> session smtp: IXPLogon::EndMessage(ulMsgRef=message 1) = S_OK",
            "  spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_OUTBOUND_FLUSH) = S_OK",
            "  spooler: Spooler::ReleaseStoreLogon(store=0)",
            "  spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND) = S_OK",
        ]
    );
    assert!(!calls(&sim, &o).iter().any(|c| c.contains("FLUSH_DOWNLOAD") || c.contains("StartMessage")), "no new inbound work");
    let state = sim.state();
    assert_eq!(state.stores[0].sent, [0, 1], "everything was sent before returning");
    assert_eq!(state.stores[0].inbox, [2], "the message in progress was received before returning");
    assert_eq!(state.sessions[0].held, [3], "no new reception: the transport keeps it");
    assert_eq!(state.stores[0].queue, NO_MESSAGES);
    assert_eq!(state.sessions[0].flushing, 0, "the flush ended");
    assert!(!state.sessions[0].inbound_enabled, "further reception is disabled");
    assert_eq!(state.stores[0].spooler, SpoolerLogon::Released);
    assert!(o.rules.contains(&RuleId::S7));
    clean(&sim);
}

#[test]
fn s7_purge_of_a_store_without_the_default_inbox_flushes_upload_only() {
    // Mailbox (default Inbox) has message 0 queued, Archive has message 1;
    // the transport holds message 2 for the Inbox.
    let mut sim = sim(r#"{ "version": 1,
        "stores": [{ "name": "Mailbox", "defaultInbox": true, "outboundQueue": [{ "addressType": "SMTP", "steps": 1 }] },
                   { "name": "Archive", "outboundQueue": [{ "addressType": "SMTP", "steps": 1 }] }],
        "transports": [{ "name": "Internet", "sessions": [{ "name": "smtp", "addressTypes": ["SMTP"], "inbound": [{ "steps": 1 }] }] }] }"#);
    let o = apply(&mut sim, slt(1, PURGE));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)));
    assert_eq!(
        calls(&sim, &o),
        [
            "store Archive -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_PURGE) = S_OK, LOGOFF_COMPLETE",
            "  spooler -> session smtp: IXPLogon::FlushQueues(ulFlags=FLUSH_UPLOAD) = S_OK",
            "  spooler -> session smtp: IXPLogon::SubmitMessage(lpMessage=message 1) = S_OK",
            "  spooler -> session smtp: IXPLogon::EndMessage(ulMsgRef=message 1) = S_OK",
            "  spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_OUTBOUND_FLUSH) = S_OK",
            "  spooler: Spooler::ReleaseStoreLogon(store=1)",
        ]
    );
    let state = sim.state();
    assert_eq!(state.stores[1].sent, [1]);
    assert_eq!(state.stores[1].spooler, SpoolerLogon::Released);
    assert_eq!(state.stores[0].queue, [0], "the other store's mail is not part of this purge");
    assert_eq!(state.stores[0].spooler, SpoolerLogon::Serving);
    assert_eq!(state.sessions[0].held, [2], "no download for a store that does not receive");
    assert!(state.sessions[0].inbound_enabled);
    clean(&sim);
}

// =====================================================================
// S8: a store another process of the profile has open.
// =====================================================================

const SHARED_BUSY: &str = r#"{ "version": 1,
    "stores": [{ "name": "Mailbox", "defaultInbox": true, "sharedWithOtherProcess": true,
                 "outboundQueue": [{ "addressType": "SMTP" }, { "addressType": "SMTP" }] }],
    "transports": [{ "name": "Internet", "sessions": [{ "name": "smtp", "addressTypes": ["SMTP"], "inbound": [{}] }] }] }"#;

#[test]
fn s8_shared_store_is_ignored_with_complete() {
    for flag in StoreLogoffFlag::ALL {
        // Message 0 is being sent, message 1 is queued, message 2 is coming in.
        let mut sim = sim(SHARED_BUSY);
        apply(&mut sim, begin_send());
        apply(&mut sim, begin_receive());
        let before = sim.state().clone();
        let o = apply(&mut sim, slt(0, flag.bits()));
        assert_eq!(o.hresult, HResult::S_OK, "{flag}");
        assert_eq!(o.out_flags, Some(COMPLETE), "{flag}: exactly LOGOFF_COMPLETE, whatever the activity");
        assert_eq!(
            calls(&sim, &o),
            [format!("store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags={flag}) = S_OK, LOGOFF_COMPLETE")],
            "{flag}: MAPI makes no call"
        );
        let state = sim.state();
        assert_eq!(state.stores[0].spooler, SpoolerLogon::Serving, "{flag}: the spooler keeps its logon");
        assert_eq!(state.stores[0].queue, before.stores[0].queue, "{flag}");
        assert_eq!(state.sessions, before.sessions, "{flag}: transfers, reception, flushes unchanged");
        assert!(o.rules.contains(&RuleId::S8), "{flag}");
        clean(&sim);
    }
}

#[test]
fn s8_ignored_call_changes_nothing_but_the_callers_own_store_object() {
    for flag in StoreLogoffFlag::ALL {
        let mut sim = sim(SHARED_BUSY);
        apply(&mut sim, begin_send());
        let o = apply(&mut sim, slt(0, flag.bits()));
        // Nothing changes on MAPI's side; the store provider was told
        // COMPLETE, so S9 makes its own object invalid (docs/protocol.md,
        // reading 13).
        assert_eq!(
            o.changes,
            [Change { path: "stores[0].phase".into(), before: StateValue("open".into()), after: StateValue("invalidated".into()) }],
            "{flag}: S8 says no change anywhere else"
        );
    }
}

#[test]
fn s8_is_decided_before_the_flags_are_checked() {
    // MAPI ignores the call whatever it carries: S_OK with COMPLETE. The bad
    // flags are still the store provider's mistake (M3), reported once.
    for bad in [QUIET | ABORT, 0x100, 0, QUIET | COMPLETE.bits()] {
        let mut sim = sim(SHARED_BUSY);
        let o = apply(&mut sim, slt(0, bad));
        assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)), "{bad:#x}");
        assert!(o.rules.contains(&RuleId::S8));
        let v = sim.violations();
        assert_eq!(v.iter().map(|v| (v.rule, v.mistake)).collect::<Vec<_>>(), [(RuleId::S1, Some(RuleId::M3))], "{bad:#x}");
    }
    // The client's bad StoreLogoff is refused by the store itself (S1),
    // before any StoreLogoffTransports call: the client's mistake (M3).
    let mut sim = sim(SHARED_BUSY);
    let o = apply(&mut sim, store_logoff(0, 0));
    assert_eq!((o.hresult, o.out_flags), (HResult::MAPI_E_INVALID_PARAMETER, None));
    let v = sim.violations();
    assert_eq!(v.iter().map(|v| (v.rule, v.mistake)).collect::<Vec<_>>(), [(RuleId::S1, Some(RuleId::M3))]);
}

// =====================================================================
// S9: after COMPLETE only Release (AddRef, QueryInterface); after a veto
// the store stays usable.
// =====================================================================

#[test]
fn s9_calls_after_complete_get_invalid_object_and_record_an_i3_violation() {
    let mut sim = mailbox(0, 0, DEFERRED);
    let o = apply(&mut sim, store_logoff(0, NO_WAIT));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)));
    assert_eq!(sim.state().stores[0].phase, StorePhase::Invalidated);

    let submit = apply(&mut sim, submit(0));
    assert_eq!((submit.hresult, submit.out_flags), (HResult::MAPI_E_INVALID_OBJECT, None));
    assert_eq!(calls(&sim, &submit), ["client -> store Mailbox: IMessage::SubmitMessage(addressType=0) = MAPI_E_INVALID_OBJECT"]);
    assert_eq!(sim.state().stores[0].queue, NO_MESSAGES, "the refused message is not queued");
    assert_eq!(submit.new_violations.len(), 1, "{:#?}", submit.new_violations);
    assert_eq!(submit.new_violations[0].rule, RuleId::I3);
    assert_eq!(submit.new_violations[0].mistake, Some(RuleId::M5));

    let again = apply(&mut sim, store_logoff(0, ORDERLY));
    assert_eq!((again.hresult, again.out_flags), (HResult::MAPI_E_INVALID_OBJECT, None));
    assert_eq!(again.new_violations.len(), 1);
    assert_eq!(again.new_violations[0].rule, RuleId::I3);
    assert_eq!(sim.state().stores[0].saved_flag, Some(StoreLogoffFlag::NoWait), "the refused call saves nothing");
}

#[test]
fn s9_add_ref_and_release_still_work_after_complete() {
    let mut sim = mailbox(0, 0, DEFERRED);
    apply(&mut sim, store_logoff(0, QUIET));
    let add = apply(&mut sim, Action::AddRef { store: 0 });
    assert_eq!(add.hresult, HResult::S_OK);
    assert_eq!(calls(&sim, &add), ["client -> store Mailbox: IMsgStore::AddRef() = S_OK"]);
    assert_eq!(sim.state().stores[0].refs, 2);
    let first = apply(&mut sim, release(0));
    assert_eq!(first.hresult, HResult::S_OK);
    assert_eq!(calls(&sim, &first), ["client -> store Mailbox: IMsgStore::Release() = S_OK"]);
    assert_eq!(sim.state().stores[0].refs, 1);
    let last = apply(&mut sim, release(0));
    assert_eq!(last.hresult, HResult::S_OK);
    assert_eq!(sim.state().stores[0].refs, 0);
    assert_eq!(sim.state().stores[0].phase, StorePhase::Destroyed);
    clean(&sim);
}

#[test]
fn s9_after_a_veto_the_store_stays_usable_and_may_try_again() {
    let mut sim = mailbox(1, 0, IMMEDIATE);
    let veto = apply(&mut sim, store_logoff(0, QUIET));
    assert_eq!((veto.hresult, veto.out_flags), (HResult::S_OK, Some(QUEUE)));
    assert_eq!(sim.state().stores[0].phase, StorePhase::Open);

    let s = apply(&mut sim, submit(0));
    assert_eq!(s.hresult, HResult::S_OK, "a vetoed store accepts calls");
    assert_eq!(sim.state().stores[0].queue, [0, 1]);

    // Once the mail is gone, the same logoff succeeds.
    for _ in 0..2 {
        apply(&mut sim, begin_send());
        apply(&mut sim, progress(Direction::Send));
    }
    let retry = apply(&mut sim, store_logoff(0, QUIET));
    assert_eq!((retry.hresult, retry.out_flags), (HResult::S_OK, Some(COMPLETE)));
    assert_eq!(sim.state().stores[0].phase, StorePhase::Invalidated);
    clean(&sim);
}

#[test]
fn s9_store_logoff_transports_veto_leaves_the_store_usable() {
    let mut sim = mailbox(1, 0, DEFERRED);
    let veto = apply(&mut sim, slt(0, QUIET));
    assert_eq!((veto.hresult, veto.out_flags), (HResult::S_OK, Some(QUEUE)));
    assert_eq!(apply(&mut sim, submit(0)).hresult, HResult::S_OK);
    assert_eq!(apply(&mut sim, store_logoff(0, ORDERLY)).out_flags, Some(COMPLETE));
    clean(&sim);
}

#[test]
fn s9_store_object_is_invalid_after_store_logoff_transports_returned_complete() {
    // S2: COMPLETE means "the store may now only be released"; S9: after a
    // return with COMPLETE every method but Release fails.
    let mut sim = mailbox(0, 0, DEFERRED);
    let o = apply(&mut sim, slt(0, QUIET));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)));
    let s = apply(&mut sim, submit(0));
    assert_eq!(s.hresult, HResult::MAPI_E_INVALID_OBJECT, "SubmitMessage after StoreLogoffTransports returned COMPLETE");
    assert_eq!(sim.state().stores[0].queue, NO_MESSAGES);
}

// =====================================================================
// S10: StoreLogoffTransports exactly once per completed shutdown.
// =====================================================================

#[test]
fn s10_second_store_logoff_transports_after_complete_is_invalid_object() {
    let mut sim = mailbox(0, 0, DEFERRED);
    let first = apply(&mut sim, slt(0, NO_WAIT));
    assert_eq!((first.hresult, first.out_flags), (HResult::S_OK, Some(COMPLETE)));
    let before = sim.state().stores[0].spooler;
    let second = apply(&mut sim, slt(0, ABORT));
    assert_eq!((second.hresult, second.out_flags), (HResult::MAPI_E_INVALID_OBJECT, None));
    assert_eq!(
        calls(&sim, &second),
        ["store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ABORT) = MAPI_E_INVALID_OBJECT"],
        "nothing is cancelled or released"
    );
    assert_eq!(sim.state().stores[0].spooler, before);
    assert_eq!(second.new_violations.len(), 1, "{:#?}", second.new_violations);
    assert_eq!((second.new_violations[0].rule, second.new_violations[0].mistake), (RuleId::S10, Some(RuleId::M2)));
}

#[test]
fn s10_store_logoff_transports_runs_once_per_shutdown_in_either_reading() {
    for settings in [DEFERRED, IMMEDIATE] {
        let mut sim = mailbox(0, 0, settings);
        apply(&mut sim, store_logoff(0, PURGE));
        apply(&mut sim, release(0));
        let count = sim.trace().iter().filter(|e| e.method.as_str() == "IMAPISupport::StoreLogoffTransports").count();
        assert_eq!(count, 1, "{settings}");
        assert_eq!(sim.state().stores[0].phase, StorePhase::Destroyed);
        clean(&sim);
    }
}

#[test]
fn s10_a_vetoed_call_does_not_count_as_the_shutdown() {
    let mut sim = mailbox(1, 0, DEFERRED);
    assert_eq!(apply(&mut sim, slt(0, QUIET)).out_flags, Some(QUEUE));
    apply(&mut sim, begin_send());
    apply(&mut sim, progress(Direction::Send));
    let o = apply(&mut sim, slt(0, QUIET));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)));
    clean(&sim);
}

#[test]
fn s10_store_calling_store_logoff_transports_twice_gets_invalid_object() {
    let mut sim = sim(r#"{ "version": 1, "settings": { "storeLogoffTransports": "atFinalRelease" },
        "stores": [{ "name": "Mailbox", "faults": ["storeLogoffTransportsTwice"] }] }"#);
    apply(&mut sim, store_logoff(0, ORDERLY));
    let o = apply(&mut sim, release(0));
    assert_eq!(
        calls(&sim, &o),
        lines(
            &[
                "client -> store Mailbox: IMsgStore::Release() = S_OK",
                "  store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ORDERLY) = S_OK, LOGOFF_COMPLETE",
                "  store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ORDERLY) = MAPI_E_INVALID_OBJECT",
            ],
            support_release_kept("Mailbox"),
        ),
        "the spooler still holds its logon (ORDERLY): no IMSProvider::Shutdown yet (S16)"
    );
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::DrainingOrderly);
    assert_eq!(sim.state().store_providers, [ProviderPhase::Active]);
    let v = sim.violations();
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!((v[0].rule, v[0].mistake), (RuleId::S10, Some(RuleId::M2)));
}

// =====================================================================
// S11: non-store support objects answer MAPI_E_NO_SUPPORT.
// =====================================================================

#[test]
fn s11_non_store_support_objects_answer_no_support_and_change_nothing() {
    for support in [SupportKind::Transport, SupportKind::AddressBook, SupportKind::Configuration] {
        let mut sim = mailbox(1, 0, DEFERRED);
        let before = sim.state().clone();
        let o = apply(&mut sim, Action::StoreLogoffTransports { store: 0, flags: QUIET, support });
        assert_eq!((o.hresult, o.out_flags), (HResult::MAPI_E_NO_SUPPORT, None), "{support:?}");
        assert_eq!(
            calls(&sim, &o),
            ["store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_QUIET) = MAPI_E_NO_SUPPORT"],
            "{support:?}"
        );
        assert_eq!(o.changes, [], "{support:?}");
        assert_eq!(sim.state(), &before, "{support:?}");
        assert!(o.rules.contains(&RuleId::S11));
        clean(&sim);
    }
}

#[test]
fn s11_no_support_comes_before_any_other_check() {
    let mut sim = mailbox(0, 0, DEFERRED);
    // Before S1: bad flags on a transport support object.
    for flags in [0, QUIET | ABORT, 0x100] {
        let o = apply(&mut sim, Action::StoreLogoffTransports { store: 0, flags, support: SupportKind::Transport });
        assert_eq!(o.hresult, HResult::MAPI_E_NO_SUPPORT, "0x{flags:X}");
    }
    // Before S10: after COMPLETE on the message-store support object.
    assert_eq!(apply(&mut sim, slt(0, QUIET)).out_flags, Some(COMPLETE));
    let o = apply(&mut sim, Action::StoreLogoffTransports { store: 0, flags: QUIET, support: SupportKind::AddressBook });
    assert_eq!(o.hresult, HResult::MAPI_E_NO_SUPPORT);
    // Before S8.
    let mut shared = sim_shared_idle();
    let o = apply(&mut shared, Action::StoreLogoffTransports { store: 0, flags: QUIET, support: SupportKind::Configuration });
    assert_eq!((o.hresult, o.out_flags), (HResult::MAPI_E_NO_SUPPORT, None));
    clean(&sim);
}

fn sim_shared_idle() -> Simulation {
    sim(r#"{ "version": 1, "stores": [{ "name": "Mailbox", "sharedWithOtherProcess": true }] }"#)
}

#[test]
fn s11_store_treats_no_support_as_normal_and_finishes_its_teardown() {
    let mut sim = sim(
        r#"{ "version": 1, "settings": { "storeLogoffTransports": "atFinalRelease" }, "stores": [{ "name": "Mailbox", "supportKind": "transport" }] }"#,
    );
    let o = apply(&mut sim, store_logoff(0, ORDERLY));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)));
    let o = apply(&mut sim, release(0));
    assert_eq!(o.hresult, HResult::S_OK);
    assert_eq!(
        calls(&sim, &o),
        lines(
            &[
                "client -> store Mailbox: IMsgStore::Release() = S_OK",
                "  store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ORDERLY) = MAPI_E_NO_SUPPORT",
            ],
            support_release_with_shutdown("Mailbox", "Mailbox"),
        )
    );
    assert_eq!(sim.state().stores[0].phase, StorePhase::Destroyed);
    assert!(sim.state().stores[0].support_released);
    // A store with another kind of support object is not one the spooler
    // serves (docs/protocol.md, reading 16): no spooler logon holds the
    // provider, so it shuts down with its last store (S16).
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Released);
    assert_eq!(sim.state().store_providers[0], ProviderPhase::ShutDown);
    clean(&sim);
}

// =====================================================================
// S12: StoreLogoff saves the flag; the last one wins; it is passed unchanged.
// =====================================================================

#[test]
fn s12_final_release_passes_the_saved_flag_unchanged() {
    for flag in StoreLogoffFlag::ALL {
        let mut sim = mailbox(0, 0, DEFERRED);
        apply(&mut sim, store_logoff(0, flag.bits()));
        assert_eq!(sim.state().stores[0].saved_flag, Some(flag));
        let o = apply(&mut sim, release(0));
        let e = &sim.trace()[o.first_event as usize + 1];
        assert_eq!(e.method.as_str(), "IMAPISupport::StoreLogoffTransports", "{flag}");
        assert_eq!(e.args[0].value, flag.bits(), "{flag}: the saved flag, unchanged");
        assert_eq!((e.hresult, e.out_flags), (Some(HResult::S_OK), Some(COMPLETE)), "{flag}");
        assert_eq!(sim.state().stores[0].store_logoff_transports.flags, flag.bits());
        clean(&sim);
    }
}

#[test]
fn s12_second_store_logoff_overwrites_the_saved_flag() {
    // Immediate reading with the literal ABORT: both calls are vetoed by the
    // queued mail, so the store stays open and the client calls again.
    let settings = format!("{IMMEDIATE}, {VETO_WHILE_BUSY}");
    let mut sim = mailbox(1, 0, &settings);
    let quiet = apply(&mut sim, store_logoff(0, QUIET));
    assert_eq!((quiet.hresult, quiet.out_flags), (HResult::S_OK, Some(QUEUE)));
    assert_eq!(sim.state().stores[0].saved_flag, Some(StoreLogoffFlag::Quiet));
    let abort = apply(&mut sim, store_logoff(0, ABORT));
    assert_eq!((abort.hresult, abort.out_flags), (HResult::S_OK, Some(QUEUE)));
    assert_eq!(sim.state().stores[0].saved_flag, Some(StoreLogoffFlag::Abort), "the second call overwrites the first");

    // The final release passes LOGOFF_ABORT, not LOGOFF_QUIET.
    let o = apply(&mut sim, release(0));
    assert_eq!(
        calls(&sim, &o),
        lines(
            &[
                "client -> store Mailbox: IMsgStore::Release() = S_OK",
                "  store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ABORT) = S_OK, LOGOFF_OUTBOUND_QUEUE",
            ],
            support_release_kept("Mailbox"),
        ),
        "the veto leaves the spooler's logon in place: no IMSProvider::Shutdown (S16)"
    );
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Serving);
    assert_eq!(sim.state().store_providers, [ProviderPhase::Active]);
    clean(&sim);
}

// =====================================================================
// S13: when StoreLogoffTransports is called.
// =====================================================================

#[test]
fn s13_at_final_release_reading_calls_store_logoff_transports_just_before_the_support_release() {
    let mut sim = mailbox(0, 0, DEFERRED);
    let o = apply(&mut sim, store_logoff(0, ORDERLY));
    assert_eq!(
        calls(&sim, &o),
        ["client -> store Mailbox: IMsgStore::StoreLogoff(ulFlags=LOGOFF_ORDERLY) = S_OK, LOGOFF_COMPLETE"],
        "nothing is called yet"
    );
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Serving);
    assert_eq!(sim.state().stores[0].store_logoff_transports.completions, 0);

    let o = apply(&mut sim, release(0));
    assert_eq!(
        calls(&sim, &o),
        lines(
            &[
                "client -> store Mailbox: IMsgStore::Release() = S_OK",
                "  store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ORDERLY) = S_OK, LOGOFF_COMPLETE",
            ],
            support_release_kept("Mailbox"),
        ),
        "the spooler still holds its logon (ORDERLY): no IMSProvider::Shutdown yet (S16)"
    );
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::DrainingOrderly);
    assert_eq!(sim.state().store_providers, [ProviderPhase::Active]);
    assert!(o.rules.contains(&RuleId::S13));
    clean(&sim);
}

#[test]
fn s13_immediate_reading_calls_store_logoff_transports_from_store_logoff() {
    let mut sim = mailbox(0, 0, IMMEDIATE);
    let o = apply(&mut sim, store_logoff(0, ORDERLY));
    assert_eq!(
        calls(&sim, &o),
        [
            "client -> store Mailbox: IMsgStore::StoreLogoff(ulFlags=LOGOFF_ORDERLY) = S_OK, LOGOFF_COMPLETE",
            "  store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ORDERLY) = S_OK, LOGOFF_COMPLETE",
        ]
    );
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::DrainingOrderly);

    // The final release does not call it again (S10). The spooler still
    // holds its logon (ORDERLY), so the provider is not shut down yet (S16).
    let o = apply(&mut sim, release(0));
    assert_eq!(calls(&sim, &o), lines(&["client -> store Mailbox: IMsgStore::Release() = S_OK"], support_release_kept("Mailbox")));
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::DrainingOrderly);
    assert_eq!(sim.state().store_providers, [ProviderPhase::Active]);
    clean(&sim);
}

// =====================================================================
// S14: release to zero without StoreLogoff.
// =====================================================================

#[test]
fn s14_release_without_store_logoff_calls_slt_with_abort() {
    let mut sim = mailbox(0, 0, DEFERRED);
    let o = apply(&mut sim, release(0));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, None));
    assert_eq!(
        calls(&sim, &o),
        lines(
            &[
                "client -> store Mailbox: IMsgStore::Release() = S_OK",
                "  store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ABORT) = S_OK, LOGOFF_COMPLETE",
                "    spooler: Spooler::ReleaseStoreLogon(store=0)",
                "    spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND) = S_OK",
            ],
            support_release_with_shutdown("Mailbox", "Mailbox"),
        )
    );
    assert_eq!(sim.state().stores[0].phase, StorePhase::Destroyed);
    assert_eq!(sim.state().stores[0].store_logoff_transports.flags, ABORT);
    assert!(o.rules.contains(&RuleId::S14));
    clean(&sim);
}

#[test]
fn s14_abort_at_release_stops_the_stores_activity_without_losing_mail() {
    let mut sim = mailbox(1, 0, DEFERRED);
    apply(&mut sim, begin_send());
    let o = apply(&mut sim, release(0));
    assert_eq!(
        calls(&sim, &o)[..4],
        [
            "client -> store Mailbox: IMsgStore::Release() = S_OK",
            "  store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ABORT) = S_OK, LOGOFF_COMPLETE",
            "    spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_CANCEL_MESSAGE, lpulMsgRef=message 0) = S_OK",
            "    spooler: Spooler::RequeueMessage(message=message 0)",
        ]
    );
    assert_eq!(sim.state().sessions[0].sending, None);
    assert_eq!(sim.state().stores[0].queue, [0]);
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Released);
    clean(&sim);
}

// =====================================================================
// S15: StoreLogoff while other clients hold the store.
// =====================================================================

#[test]
fn s15_store_logoff_with_other_references_returns_complete_at_once_and_uses_the_flag_at_the_final_release() {
    let mut sim = sim(r#"{ "version": 1, "settings": { "storeLogoffTransports": "atFinalRelease" },
        "stores": [{ "name": "Mailbox", "defaultInbox": true, "references": 2 }],
        "transports": [{ "name": "Internet", "sessions": [{ "name": "smtp", "addressTypes": ["SMTP"] }] }] }"#);
    let o = apply(&mut sim, store_logoff(0, NO_WAIT));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)));
    assert_eq!(calls(&sim, &o), ["client -> store Mailbox: IMsgStore::StoreLogoff(ulFlags=LOGOFF_NO_WAIT) = S_OK, LOGOFF_COMPLETE"]);
    assert_eq!(sim.state().stores[0].refs, 2);
    assert_eq!(sim.state().stores[0].saved_flag, Some(StoreLogoffFlag::NoWait));
    assert!(o.rules.contains(&RuleId::S15), "{:?}", o.rules);

    let first = apply(&mut sim, release(0));
    assert_eq!(calls(&sim, &first), ["client -> store Mailbox: IMsgStore::Release() = S_OK"], "another client still holds it");
    assert_eq!(sim.state().stores[0].refs, 1);
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Serving);

    let last = apply(&mut sim, release(0));
    assert_eq!(
        calls(&sim, &last),
        lines(
            &[
                "client -> store Mailbox: IMsgStore::Release() = S_OK",
                "  store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_NO_WAIT) = S_OK, LOGOFF_COMPLETE",
            ],
            support_release_kept("Mailbox"),
        ),
        "the spooler still holds its logon (NO_WAIT): no IMSProvider::Shutdown yet (S16)"
    );
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::DrainingNoWait);
    assert_eq!(sim.state().store_providers, [ProviderPhase::Active]);
    clean(&sim);
}

// =====================================================================
// S16: releasing the store's support object.
// =====================================================================

#[test]
fn s16_support_release_removes_the_status_row_logs_off_and_shuts_the_provider_down() {
    let mut sim = sim(r#"{ "version": 1, "settings": { "storeLogoffTransports": "atFinalRelease" }, "stores": [{ "name": "Mailbox" }] }"#);
    apply(&mut sim, store_logoff(0, QUIET));
    let o = apply(&mut sim, release(0));
    assert_eq!(
        calls(&sim, &o),
        lines(
            &[
                "client -> store Mailbox: IMsgStore::Release() = S_OK",
                "  store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_QUIET) = S_OK, LOGOFF_COMPLETE",
                "    spooler: Spooler::ReleaseStoreLogon(store=0)",
            ],
            support_release_with_shutdown("Mailbox", "Mailbox"),
        )
    );
    assert!(sim.state().stores[0].support_released);
    assert_eq!(sim.state().store_providers, [ProviderPhase::ShutDown]);
    assert!(o.rules.contains(&RuleId::S16));
    clean(&sim);
}

#[test]
fn s16_provider_is_shut_down_only_when_its_last_store_is_gone() {
    let mut sim = sim(r#"{ "version": 1, "settings": { "storeLogoffTransports": "atFinalRelease" },
        "stores": [{ "name": "Mailbox", "provider": "same" }, { "name": "Archive", "provider": "same" }] }"#);
    assert_eq!(sim.topology().store_providers, ["same"]);
    apply(&mut sim, store_logoff(0, ORDERLY));
    let first = apply(&mut sim, release(0));
    assert_eq!(
        calls(&sim, &first),
        [
            "client -> store Mailbox: IMsgStore::Release() = S_OK",
            "  store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ORDERLY) = S_OK, LOGOFF_COMPLETE",
            "  store Mailbox -> MAPI: IMAPISupport::Release() = S_OK",
            "    MAPI: MAPI::RemoveStatusRow()",
        ],
        "Archive still uses the provider: no Shutdown; the spooler still holds Mailbox's logon (ORDERLY), so MAPI keeps it"
    );
    assert_eq!(sim.state().store_providers, [ProviderPhase::Active]);

    apply(&mut sim, store_logoff(1, ORDERLY));
    let second = apply(&mut sim, release(1));
    assert_eq!(
        calls(&sim, &second),
        lines(
            &[
                "client -> store Archive: IMsgStore::Release() = S_OK",
                "  store Archive -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ORDERLY) = S_OK, LOGOFF_COMPLETE",
            ],
            support_release_kept("Archive"),
        ),
        "the spooler still holds its logons on both stores (ORDERLY): no Shutdown yet, and MAPI keeps both logons"
    );
    assert_eq!(sim.state().store_providers, [ProviderPhase::Active]);

    // The spooler finishes the ORDERLY logoffs; the provider is shut down
    // right after the spooler gives up its last logon on a store of it.
    // MAPI logs each logon off when the spooler lets go of it (S16).
    let step = apply(&mut sim, Action::SpoolerStep);
    assert_eq!(
        calls(&sim, &step),
        [
            "spooler: Spooler::ReleaseStoreLogon(store=0)",
            "MAPI -> store Mailbox: IMSLogon::Logoff(ulFlags=0) = S_OK",
            "MAPI -> store Mailbox: IMSLogon::Release() = S_OK",
        ],
        "Archive still has the spooler's logon"
    );
    assert_eq!(sim.state().store_providers, [ProviderPhase::Active]);
    let step = apply(&mut sim, Action::SpoolerStep);
    assert_eq!(
        calls(&sim, &step),
        [
            "spooler: Spooler::ReleaseStoreLogon(store=1)",
            "MAPI -> store Archive: IMSLogon::Logoff(ulFlags=0) = S_OK",
            "MAPI -> store Archive: IMSLogon::Release() = S_OK",
            "MAPI -> store provider same: IMSProvider::Shutdown(lpulFlags=0) = S_OK",
            "MAPI -> store provider same: IMSProvider::Release() = S_OK",
        ]
    );
    assert_eq!(sim.state().store_providers, [ProviderPhase::ShutDown]);
    clean(&sim);
}

// =====================================================================
// S17: what StoreLogoff itself returns.
// =====================================================================

#[test]
fn s17_at_final_release_reading_returns_complete_even_when_busy_and_the_veto_comes_at_release() {
    let mut sim = mailbox(1, 0, DEFERRED);
    let o = apply(&mut sim, store_logoff(0, QUIET));
    assert_eq!(o.hresult, HResult::S_OK);
    assert_eq!(o.out_flags, Some(COMPLETE), "exactly LOGOFF_COMPLETE, not the activity");
    assert!(o.rules.contains(&RuleId::S17));

    // The spooler's real answer comes at the final release: a veto. The
    // store is destroyed anyway; the spooler keeps its logon.
    let o = apply(&mut sim, release(0));
    assert_eq!(
        calls(&sim, &o),
        lines(
            &[
                "client -> store Mailbox: IMsgStore::Release() = S_OK",
                "  store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_QUIET) = S_OK, LOGOFF_OUTBOUND_QUEUE",
            ],
            support_release_kept("Mailbox"),
        ),
        "the spooler keeps its logon: its provider is not shut down (S16)"
    );
    assert_eq!(sim.state().stores[0].phase, StorePhase::Destroyed);
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Serving);
    assert_eq!(sim.state().store_providers, [ProviderPhase::Active]);
    clean(&sim);
    // The activity goes on after the store object is gone.
    apply(&mut sim, begin_send());
    apply(&mut sim, progress(Direction::Send));
    assert_eq!(sim.state().stores[0].sent, [0]);
    clean(&sim);
}

#[test]
fn s17_immediate_reading_returns_what_slt_returned() {
    // A veto: the activity bits, without COMPLETE; the store stays open.
    let mut sim = mailbox(1, 1, IMMEDIATE);
    apply(&mut sim, begin_receive());
    let o = apply(&mut sim, store_logoff(0, QUIET));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(INBOUND | QUEUE)));
    assert_eq!(
        calls(&sim, &o),
        [
            "client -> store Mailbox: IMsgStore::StoreLogoff(ulFlags=LOGOFF_QUIET) = S_OK, LOGOFF_INBOUND | LOGOFF_OUTBOUND_QUEUE",
            "  store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_QUIET) = S_OK, LOGOFF_INBOUND | LOGOFF_OUTBOUND_QUEUE",
        ]
    );
    assert_eq!(sim.state().stores[0].phase, StorePhase::Open);
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Serving);

    // COMPLETE: the cancel and the release happen inside StoreLogoff.
    let o = apply(&mut sim, store_logoff(0, ABORT));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)));
    assert_eq!(
        calls(&sim, &o),
        [
            "client -> store Mailbox: IMsgStore::StoreLogoff(ulFlags=LOGOFF_ABORT) = S_OK, LOGOFF_COMPLETE",
            "  store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ABORT) = S_OK, LOGOFF_COMPLETE",
            "    spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_CANCEL_MESSAGE, lpulMsgRef=message 1) = S_OK",
            "    spooler: Spooler::RequeueMessage(message=message 1)",
            "    spooler: Spooler::ReleaseStoreLogon(store=0)",
            "    spooler -> session smtp: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_INBOUND) = S_OK",
        ]
    );
    assert_eq!(sim.state().stores[0].phase, StorePhase::Invalidated);
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Released);
    clean(&sim);
}

// =====================================================================
// Protocol revision 2: the rules that changed, each named after its rule.
// =====================================================================

#[test]
fn s13_s17_immediate_is_the_default_and_quiet_on_a_busy_store_returns_the_activity() {
    let mut sim = mailbox(1, 0, DEFAULT_READINGS);
    apply(&mut sim, begin_send());
    let o = apply(&mut sim, store_logoff(0, QUIET));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(OUTBOUND)), "the activity flags, no COMPLETE (S3, S17)");
    assert_eq!(sim.state().stores[0].phase, StorePhase::Open, "the store stays usable (S9)");
    let o = apply(&mut sim, store_logoff(0, NO_WAIT));
    assert_eq!((o.hresult, o.out_flags), (HResult::S_OK, Some(COMPLETE)), "the client tries again");
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::DrainingNoWait);
    clean(&sim);
}

#[test]
fn s14_immediate_reading_calls_abort_at_the_final_release_after_a_veto() {
    let mut sim = mailbox(1, 0, DEFAULT_READINGS);
    apply(&mut sim, store_logoff(0, QUIET));
    let o = apply(&mut sim, release(0));
    let slt_calls: Vec<String> =
        calls(&sim, &o).into_iter().filter(|c| c.contains("StoreLogoffTransports")).map(|c| c.trim().to_string()).collect();
    assert_eq!(
        slt_calls,
        ["store Mailbox -> MAPI: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_ABORT) = S_OK, LOGOFF_COMPLETE"],
        "LOGOFF_ABORT, not the saved LOGOFF_QUIET"
    );
    assert!(o.rules.contains(&RuleId::S14));
    assert_eq!(sim.state().stores[0].spooler, SpoolerLogon::Released, "stop-then-release: the spooler lets go");
    assert_eq!(sim.state().stores[0].queue, [0], "the queued message stays in the store, not lost");
    clean(&sim);
}

#[test]
fn s14_immediate_reading_with_a_completed_call_makes_no_second_one() {
    let mut sim = mailbox(0, 0, DEFAULT_READINGS);
    apply(&mut sim, store_logoff(0, QUIET));
    let o = apply(&mut sim, release(0));
    assert!(!calls(&sim, &o).iter().any(|c| c.contains("StoreLogoffTransports")), "S10: once per shutdown");
    clean(&sim);
}

#[test]
fn s14_after_a_veto_no_second_call_also_conforms() {
    // A store that makes no second call after its vetoed one is not M1.
    let mut sim = sim(r#"{ "version": 1,
        "stores": [{ "name": "Mailbox", "outboundQueue": [{ "addressType": "SMTP" }], "faults": ["skipStoreLogoffTransports"] }] }"#);
    apply(&mut sim, store_logoff(0, QUIET));
    apply(&mut sim, release(0));
    assert_eq!(sim.violations(), [], "a call has occurred: the page asks for none at the release");
}

#[test]
fn s9_s16_no_delivery_reaches_a_store_whose_logon_was_logged_off() {
    // ORDERLY with a receive in progress: the new mail is delivered before
    // MAPI logs the store's logon off, never after.
    let mut sim = mailbox(0, 1, DEFAULT_READINGS);
    apply(&mut sim, begin_receive());
    apply(&mut sim, store_logoff(0, ORDERLY));
    apply(&mut sim, release(0));
    apply(&mut sim, Action::RunUntilIdle);
    let methods: Vec<&str> = sim.trace().iter().map(|e| e.method.as_str()).collect();
    let delivered = methods.iter().position(|m| *m == "IMsgStore::NotifyNewMail").expect("the receive finished");
    let logged_off = methods.iter().position(|m| *m == "IMSLogon::Logoff").expect("MAPI logs the logon off");
    assert!(delivered < logged_off, "{methods:?}");
    assert_eq!(sim.state().stores[0].inbox, [0]);
    clean(&sim);
}

#[test]
fn readings_of_revision_1_still_load_under_their_old_names() {
    for (old, new) in [("sampleStore", "stopThenRelease"), ("literal", "vetoWhileBusy")] {
        let sim = mailbox(0, 0, &format!(r#""abortReading": "{old}""#));
        let saved = sim.to_scenario().to_json();
        assert!(saved.contains(&format!(r#""abortReading": "{new}""#)), "{old} is written as {new}: {saved}");
        assert!(!saved.contains(old));
    }
    let e = Simulation::from_json(r#"{ "version": 1, "settings": { "abortReading": "sample" } }"#).unwrap_err();
    assert_eq!(e.path, "settings.abortReading");
    assert!(e.message.contains("\"stopThenRelease\", \"vetoWhileBusy\""), "only current names are offered: {}", e.message);
}

#[test]
fn every_string_of_a_scenario_is_bounded() {
    let long = "x".repeat(65);
    let cases = [
        (format!(r#"{{ "version": 1, "stores": [{{ "name": "M", "provider": "{long}" }}] }}"#), "stores[0].provider"),
        (
            format!(r#"{{ "version": 1, "stores": [{{ "name": "M", "outboundQueue": [{{ "addressType": "{long}" }}] }}] }}"#),
            "stores[0].outboundQueue[0].addressType",
        ),
        (
            format!(
                r#"{{ "version": 1, "transports": [{{ "name": "T", "sessions": [{{ "name": "s", "addressTypes": ["{long}"] }}] }}] }}"#
            ),
            "transports[0].sessions[0].addressTypes[0]",
        ),
        (format!(r#"{{ "version": 1, "stores": [{{ "name": "{long}" }}] }}"#), "stores[0].name"),
        (format!(r#"{{ "version": 1, "name": "{}" }}"#, "n".repeat(201)), "name"),
        (format!(r#"{{ "version": 1, "description": "{}" }}"#, "d".repeat(4097)), "description"),
    ];
    for (json, path) in cases {
        let e = Simulation::from_json(&json).unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (ErrorCode::TooLarge, path), "{}", e.message);
    }
    // At the limits, everything loads and what is saved loads again.
    let at = format!(
        r#"{{ "version": 1, "name": "{}", "description": "{}", "stores": [{{ "name": "M", "provider": "{}" }}] }}"#,
        "n".repeat(200),
        "d".repeat(4096),
        "p".repeat(64)
    );
    let sim = Simulation::from_json(&at).unwrap();
    Simulation::new(&sim.to_scenario()).unwrap();
}
