//! Every input flag against each kind of activity and a shared store, as a
//! table written by hand from the reference (S2-S8, S17), checked against
//! StoreLogoffTransports, against StoreLogoff under the immediate reading,
//! and against the crate's own outcome matrix.

use mapi_logoff::matrix::{Situation, outcome_matrix};
use mapi_logoff::scenario::{AbortReading, Settings, StoreLogoffTransportsTiming};
use mapi_logoff::state::{SpoolerLogon, StorePhase, SupportKind};
use mapi_logoff::{Action, HResult, Simulation, StoreLogoffFlag, StoreLogoffOutFlags};

use Activity::*;
use StoreLogoffFlag::{Abort, NoWait, Orderly, Purge, Quiet};

const COMPLETE: StoreLogoffOutFlags = StoreLogoffOutFlags::LOGOFF_COMPLETE;
const INBOUND: StoreLogoffOutFlags = StoreLogoffOutFlags::LOGOFF_INBOUND;
const OUTBOUND: StoreLogoffOutFlags = StoreLogoffOutFlags::LOGOFF_OUTBOUND;
const QUEUE: StoreLogoffOutFlags = StoreLogoffOutFlags::LOGOFF_OUTBOUND_QUEUE;
const ALL_ACTIVITY: StoreLogoffOutFlags = INBOUND.union(OUTBOUND).union(QUEUE);
const OK: HResult = HResult::S_OK;

/// What is going on for the store "Mailbox" (it holds the default Inbox)
/// when the logoff call comes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Activity {
    /// Nothing: no transfer, nothing queued.
    Idle,
    /// A message is coming into the store (beginReceive).
    Inbound,
    /// A message of the store is being sent (beginSend).
    Outbound,
    /// A message waits in the store's outbound queue.
    Queued,
    /// All three at once.
    Busy,
    /// Idle, but another process of the profile has the store open (S8).
    Shared,
    /// All three at once, and shared (S8 comes before the flag's behaviour).
    SharedBusy,
}

const ACTIVITIES: [Activity; 7] = [Idle, Inbound, Outbound, Queued, Busy, Shared, SharedBusy];

impl Activity {
    fn inbound(self) -> bool {
        matches!(self, Inbound | Busy | SharedBusy)
    }
    fn outbound(self) -> bool {
        matches!(self, Outbound | Busy | SharedBusy)
    }
    fn queued(self) -> bool {
        matches!(self, Queued | Busy | SharedBusy)
    }
    fn shared(self) -> bool {
        matches!(self, Shared | SharedBusy)
    }

    /// The same situation as the outcome matrix names it.
    fn situation(self) -> Situation {
        Situation { inbound: self.inbound(), outbound: self.outbound(), queued: self.queued(), shared: self.shared() }
    }

    /// Builds the situation with the scenario's parts and actions: queued
    /// mail in `outboundQueue`, inbound mail in the session's `inbound`, and
    /// beginSend / beginReceive on the session.
    fn build(self, settings: &str) -> Simulation {
        let messages = usize::from(self.outbound()) + usize::from(self.queued());
        let queue = vec![r#"{ "addressType": "SMTP" }"#; messages].join(", ");
        let inbound = if self.inbound() { "{}" } else { "" };
        let json = format!(
            r#"{{ "version": 1, "settings": {{ {settings} }},
                  "stores": [{{ "name": "Mailbox", "defaultInbox": true, "sharedWithOtherProcess": {shared},
                               "outboundQueue": [{queue}] }}],
                  "transports": [{{ "name": "Internet",
                                   "sessions": [{{ "name": "smtp", "addressTypes": ["SMTP"], "inbound": [{inbound}] }}] }}] }}"#,
            shared = self.shared()
        );
        let mut sim = Simulation::from_json(&json).unwrap_or_else(|e| panic!("{self:?}: {e}"));
        if self.outbound() {
            sim.apply(Action::BeginSend { session: 0 }).expect("the send starts");
        }
        if self.inbound() {
            sim.apply(Action::BeginReceive { session: 0 }).expect("the receive starts");
        }
        assert!(sim.violations().is_empty());
        sim
    }
}

/// One cell: what the reference says the call returns, and whether the
/// spooler has released the store when it returns.
#[derive(Clone, Copy, Debug)]
struct Cell {
    flag: StoreLogoffFlag,
    activity: Activity,
    hresult: HResult,
    out_flags: StoreLogoffOutFlags,
    released_at_return: bool,
}

const fn cell(flag: StoreLogoffFlag, activity: Activity, out_flags: StoreLogoffOutFlags, released_at_return: bool) -> Cell {
    Cell { flag, activity, hresult: OK, out_flags, released_at_return }
}

/// Released when the call returns.
const NOW: bool = true;
/// Not released when the call returns: later (NO_WAIT, ORDERLY), or not
/// at all (a veto, or S8 ignoring the call).
const NOT_YET: bool = false;

/// The default readings (ABORT as the SDK sample store does it).
#[rustfmt::skip]
const TABLE: [Cell; 35] = [
    // S5 LOGOFF_NO_WAIT: COMPLETE at once; the spooler sends, finishes the
    // receive, and releases the store in later steps.
    cell(NoWait,  Idle,       COMPLETE,     NOT_YET),
    cell(NoWait,  Inbound,    COMPLETE,     NOT_YET),
    cell(NoWait,  Outbound,   COMPLETE,     NOT_YET),
    cell(NoWait,  Queued,     COMPLETE,     NOT_YET),
    cell(NoWait,  Busy,       COMPLETE,     NOT_YET),
    cell(NoWait,  Shared,     COMPLETE,     NOT_YET), // S8: ignored
    cell(NoWait,  SharedBusy, COMPLETE,     NOT_YET), // S8: ignored
    // S6 LOGOFF_ORDERLY: COMPLETE at once; transfers finish, then release.
    cell(Orderly, Idle,       COMPLETE,     NOT_YET),
    cell(Orderly, Inbound,    COMPLETE,     NOT_YET),
    cell(Orderly, Outbound,   COMPLETE,     NOT_YET),
    cell(Orderly, Queued,     COMPLETE,     NOT_YET),
    cell(Orderly, Busy,       COMPLETE,     NOT_YET),
    cell(Orderly, Shared,     COMPLETE,     NOT_YET),
    cell(Orderly, SharedBusy, COMPLETE,     NOT_YET),
    // S7 LOGOFF_PURGE: everything moves before the call returns, released.
    cell(Purge,   Idle,       COMPLETE,     NOW),
    cell(Purge,   Inbound,    COMPLETE,     NOW),
    cell(Purge,   Outbound,   COMPLETE,     NOW),
    cell(Purge,   Queued,     COMPLETE,     NOW),
    cell(Purge,   Busy,       COMPLETE,     NOW),
    cell(Purge,   Shared,     COMPLETE,     NOT_YET),
    cell(Purge,   SharedBusy, COMPLETE,     NOT_YET),
    // S4 LOGOFF_ABORT (sample store): activity cancelled, released, COMPLETE.
    cell(Abort,   Idle,       COMPLETE,     NOW),
    cell(Abort,   Inbound,    COMPLETE,     NOW),
    cell(Abort,   Outbound,   COMPLETE,     NOW),
    cell(Abort,   Queued,     COMPLETE,     NOW),
    cell(Abort,   Busy,       COMPLETE,     NOW),
    cell(Abort,   Shared,     COMPLETE,     NOT_YET),
    cell(Abort,   SharedBusy, COMPLETE,     NOT_YET),
    // S3 LOGOFF_QUIET: a veto reporting the activity, or release + COMPLETE.
    cell(Quiet,   Idle,       COMPLETE,     NOW),
    cell(Quiet,   Inbound,    INBOUND,      NOT_YET),
    cell(Quiet,   Outbound,   OUTBOUND,     NOT_YET),
    cell(Quiet,   Queued,     QUEUE,        NOT_YET),
    cell(Quiet,   Busy,       ALL_ACTIVITY, NOT_YET),
    cell(Quiet,   Shared,     COMPLETE,     NOT_YET),
    cell(Quiet,   SharedBusy, COMPLETE,     NOT_YET), // S8 before S3
];

/// LOGOFF_ABORT under the literal reading: a veto like LOGOFF_QUIET.
#[rustfmt::skip]
const ABORT_LITERAL: [Cell; 7] = [
    cell(Abort,   Idle,       COMPLETE,     NOW),
    cell(Abort,   Inbound,    INBOUND,      NOT_YET),
    cell(Abort,   Outbound,   OUTBOUND,     NOT_YET),
    cell(Abort,   Queued,     QUEUE,        NOT_YET),
    cell(Abort,   Busy,       ALL_ACTIVITY, NOT_YET),
    cell(Abort,   Shared,     COMPLETE,     NOT_YET),
    cell(Abort,   SharedBusy, COMPLETE,     NOT_YET),
];

/// The table for the literal reading: ABORT rows replaced.
fn literal_table() -> Vec<Cell> {
    TABLE.iter().filter(|c| c.flag != Abort).chain(ABORT_LITERAL.iter()).copied().collect()
}

fn vetoed(c: &Cell) -> bool {
    !c.out_flags.contains(COMPLETE)
}

/// Runs StoreLogoffTransports on the message-store support object in the
/// cell's situation and checks it against the cell.
fn check_store_logoff_transports(c: &Cell, settings: &str) {
    let what = format!("StoreLogoffTransports({}) on a store that is {:?} [{settings}]", c.flag, c.activity);
    let mut sim = c.activity.build(settings);
    let before = sim.state().clone();
    let o = sim
        .apply(Action::StoreLogoffTransports { store: 0, flags: c.flag.bits(), support: SupportKind::MessageStore })
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(o.hresult, c.hresult, "{what}");
    assert_eq!(o.out_flags, Some(c.out_flags), "{what}");
    assert_eq!(sim.state().stores[0].spooler == SpoolerLogon::Released, c.released_at_return, "{what}: released at return");
    let call = &sim.trace()[o.first_event as usize];
    assert_eq!(call.method.as_str(), "IMAPISupport::StoreLogoffTransports", "{what}");
    assert_eq!((call.hresult, call.out_flags), (Some(c.hresult), Some(c.out_flags)), "{what}: the trace records the answer");
    if vetoed(c) {
        assert_eq!(sim.state(), &before, "{what}: a veto changes nothing");
    }
    if c.activity.shared() {
        assert_eq!(o.event_count, 1, "{what}: S8 ignores the call");
        assert_eq!(sim.state().stores[0].queue, before.stores[0].queue, "{what}");
        assert_eq!(sim.state().sessions, before.sessions, "{what}");
    }
    let v = sim.violations();
    assert!(v.is_empty(), "{what}: {v:#?}");
}

#[test]
fn store_logoff_transports_follows_the_hand_table() {
    for c in &TABLE {
        check_store_logoff_transports(c, "");
    }
}

#[test]
fn store_logoff_transports_follows_the_hand_table_under_the_literal_abort_reading() {
    for c in &literal_table() {
        check_store_logoff_transports(c, r#""abortReading": "literal""#);
    }
}

/// Under the immediate reading StoreLogoff calls StoreLogoffTransports at
/// once and returns exactly what it returned (S17): the same table. The
/// store is invalid after COMPLETE and stays open after a veto (S9).
fn check_immediate_store_logoff(c: &Cell, settings: &str) {
    let what = format!("StoreLogoff({}) on a store that is {:?} [{settings}]", c.flag, c.activity);
    let mut sim = c.activity.build(settings);
    let o = sim.apply(Action::StoreLogoff { store: 0, flags: c.flag.bits() }).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(o.hresult, c.hresult, "{what}");
    assert_eq!(o.out_flags, Some(c.out_flags), "{what}");
    assert_eq!(sim.state().stores[0].spooler == SpoolerLogon::Released, c.released_at_return, "{what}: released at return");
    let expected_phase = if vetoed(c) { StorePhase::Open } else { StorePhase::Invalidated };
    assert_eq!(sim.state().stores[0].phase, expected_phase, "{what}");
    assert_eq!(sim.state().stores[0].saved_flag, Some(c.flag), "{what}");
    let events = &sim.trace()[o.first_event as usize..(o.first_event + o.event_count) as usize];
    assert_eq!(events[0].method.as_str(), "IMsgStore::StoreLogoff", "{what}");
    assert_eq!(events[1].method.as_str(), "IMAPISupport::StoreLogoffTransports", "{what}");
    assert_eq!(events[1].depth, events[0].depth + 1, "{what}: called from StoreLogoff");
    assert_eq!(events[1].args[0].value, c.flag.bits(), "{what}: the flag, unchanged");
    for e in &events[..2] {
        assert_eq!((e.hresult, e.out_flags), (Some(c.hresult), Some(c.out_flags)), "{what}: {}", e.method);
    }
    let v = sim.violations();
    assert!(v.is_empty(), "{what}: {v:#?}");
}

#[test]
fn store_logoff_under_the_immediate_reading_follows_the_hand_table() {
    for c in &TABLE {
        check_immediate_store_logoff(c, r#""storeLogoffTransports": "immediate""#);
    }
}

#[test]
fn store_logoff_under_the_immediate_and_literal_readings_follows_the_hand_table() {
    for c in &literal_table() {
        check_immediate_store_logoff(c, r#""storeLogoffTransports": "immediate", "abortReading": "literal""#);
    }
}

/// The crate's outcome matrix must agree with the hand table in every cell
/// the table covers.
fn check_matrix(settings: Settings, table: &[Cell]) {
    let matrix = outcome_matrix(settings);
    assert_eq!(matrix.len(), 5 * 16, "five flags against sixteen situations");
    for c in table {
        let situation = c.activity.situation();
        let found: Vec<_> = matrix.iter().filter(|m| m.flag == c.flag && m.situation == situation).collect();
        assert_eq!(found.len(), 1, "{:?} {:?}", c.flag, c.activity);
        let m = found[0];
        let what = format!("matrix cell {} / {:?} ({})", c.flag, c.activity, m.scenario.name);
        assert_eq!(m.hresult, c.hresult, "{what}");
        assert_eq!(m.out_flags, Some(c.out_flags), "{what}");
        assert_eq!(m.released_at_return, c.released_at_return, "{what}");
    }
}

#[test]
fn outcome_matrix_agrees_with_the_hand_table() {
    check_matrix(Settings::default(), &TABLE);
}

#[test]
fn outcome_matrix_agrees_with_the_hand_table_under_the_literal_abort_reading() {
    let settings = Settings { abort_reading: AbortReading::VetoWhileBusy, ..Settings::default() };
    check_matrix(settings, &literal_table());
}

#[test]
fn outcome_matrix_does_not_depend_on_when_the_store_calls_store_logoff_transports() {
    // The matrix calls StoreLogoffTransports directly; S13's timing is about
    // when the store calls it, so the direct answers are the same.
    let settings = Settings { store_logoff_transports: StoreLogoffTransportsTiming::Immediate, ..Settings::default() };
    check_matrix(settings, &TABLE);
}

#[test]
fn the_hand_table_covers_every_flag_against_every_activity_once() {
    for table in [TABLE.to_vec(), literal_table()] {
        for flag in StoreLogoffFlag::ALL {
            for activity in ACTIVITIES {
                let n = table.iter().filter(|c| c.flag == flag && c.activity == activity).count();
                assert_eq!(n, 1, "{flag} / {activity:?}");
            }
        }
    }
}
