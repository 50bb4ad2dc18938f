//! The MAPI spooler: routes queued mail to sessions by address type, moves
//! transfers forward, delivers inbound mail into the default-Inbox store,
//! and does the background part of NO_WAIT and ORDERLY (S5, S6) and the
//! synchronous flush of PURGE (S7).
//!
//! Spooler work comes in small units ([`Work`]) so that the explorer can
//! interleave them with everything else; a spooler step is the first unit
//! that is possible, in a fixed order.

use crate::engine::{Action, Answer, Ctx, Direction, Who};
use crate::flags::{FlagSet, FlushFlags, SpoolerNotifyFlags, TransportNotifyFlags};
use crate::rules::RuleId::{self, *};
use crate::state::{SpoolerLogon, State, Topology, Transfer};
use crate::trace::Recorder;
use crate::trace::{MessageList, Method, arg};
use std::cell::Cell;

/// A bound on RunUntilIdle. Every unit moves a message or ends a drain,
/// so a scenario within the limits goes idle long before this.
const IDLE_LIMIT: usize = 4_000_000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Work {
    Progress(usize, Direction),
    BeginSend(usize),
    BeginReceive(usize),
    EndFlush(usize),
    FinishStoreLogoff(usize),
}

impl Work {
    pub fn from_action(a: &Action) -> Option<Work> {
        Some(match *a {
            Action::Progress { session, direction } => Work::Progress(session.into(), direction),
            Action::BeginSend { session } => Work::BeginSend(session.into()),
            Action::BeginReceive { session } => Work::BeginReceive(session.into()),
            Action::EndFlush { session } => Work::EndFlush(session.into()),
            Action::FinishStoreLogoff { store } => Work::FinishStoreLogoff(store.into()),
            _ => return None,
        })
    }

    pub fn to_action(self) -> Action {
        match self {
            Work::Progress(s, direction) => Action::Progress { session: s as u16, direction },
            Work::BeginSend(s) => Action::BeginSend { session: s as u16 },
            Work::BeginReceive(s) => Action::BeginReceive { session: s as u16 },
            Work::EndFlush(s) => Action::EndFlush { session: s as u16 },
            Work::FinishStoreLogoff(s) => Action::FinishStoreLogoff { store: s as u16 },
        }
    }
}

/// Where in each store's queue each session's search for mail may start:
/// for session `i` and store `st`, no message before position
/// `at[i * stores + st]` is of an address type the session handles. Kept
/// for one action, so that choosing the next unit of work does not rescan
/// the mail every session has already looked past: RunUntilIdle then costs
/// in proportion to the mail it moves, not to the mail times the units.
///
/// It stays true because the queue changes only in three ways: appending
/// (SubmitMessage; the prefix is untouched), the removal of a message
/// handed to a session (`removed`), and a message put back at the front
/// (`reset`). Empty (and unused) until the spooler's first choice.
#[derive(Debug, Default)]
pub(crate) struct Cursors {
    stores: usize,
    at: Vec<Cell<u32>>,
}

impl Cursors {
    fn size_for(&mut self, sessions: usize, stores: usize) {
        if self.at.is_empty() {
            self.stores = stores;
            self.at = (0..sessions * stores).map(|_| Cell::new(0)).collect();
        }
    }

    fn get(&self, session: usize, store: usize) -> Option<&Cell<u32>> {
        self.at.get(session * self.stores + store)
    }

    /// The message at `pos` of the store's queue was removed.
    fn removed(&self, store: usize, pos: usize) {
        let mut k = store;
        while let Some(c) = self.at.get(k) {
            if c.get() as usize > pos {
                c.set(c.get() - 1);
            }
            k += self.stores;
        }
    }

    /// A message was put in front of the store's queue.
    fn reset(&self, store: usize) {
        let mut k = store;
        while let Some(c) = self.at.get(k) {
            c.set(0);
            k += self.stores;
        }
    }
}

/// Read-only questions about what the spooler can do. `purging` is the
/// store whose LOGOFF_PURGE is running: only its work counts, and it
/// accepts new transfers although it is logging off.
struct Spooler<'a> {
    topo: &'a Topology,
    state: &'a State,
    purging: Option<usize>,
    cursors: Option<&'a Cursors>,
}

impl Spooler<'_> {
    fn store_sends(&self, st: usize) -> bool {
        match self.purging {
            Some(p) => p == st,
            None => matches!(self.state.stores[st].spooler, SpoolerLogon::Serving | SpoolerLogon::DrainingNoWait),
        }
    }

    /// Whether a new reception may start. Never during a purge: PURGE
    /// "works the same as the LOGOFF_NO_WAIT flag", which finishes the
    /// message in progress and disables further reception (S5, S7).
    fn inbox_receives(&self) -> bool {
        match (self.topo.default_inbox(), self.purging) {
            (_, Some(_)) => false,
            (Some(d), None) => self.state.stores[d].spooler == SpoolerLogon::Serving,
            (None, None) => false,
        }
    }

    fn can_carry(&self, i: usize) -> bool {
        let s = &self.state.sessions[i];
        s.is_live() && s.routing && s.outbound_enabled
    }

    /// The first queued message (store order, then queue order) that session
    /// `i` handles: `(store, position in its queue)`.
    fn next_for(&self, i: usize) -> Option<(usize, usize)> {
        (0..self.state.stores.len()).filter(|&st| self.store_sends(st)).find_map(|st| self.first_in(i, st).map(|pos| (st, pos)))
    }

    /// The position of the first message in store `st`'s queue that session
    /// `i` handles, searched from the session's cursor when there is one.
    fn first_in(&self, i: usize, st: usize) -> Option<usize> {
        let queue = &self.state.stores[st].queue;
        let handles = |m: &crate::state::MessageId| self.topo.session_handles(i, self.state.messages[*m as usize].address_type);
        match self.cursors.and_then(|c| c.get(i, st)) {
            Some(cursor) => {
                let from = (cursor.get() as usize).min(queue.len());
                let found = queue[from..].iter().position(handles).map(|p| from + p);
                cursor.set(found.unwrap_or(queue.len()) as u32);
                found
            }
            None => queue.iter().position(handles),
        }
    }

    fn sending_store(&self, i: usize) -> Option<usize> {
        self.state.sessions[i].sending.and_then(|t| self.state.messages[t.message as usize].origin).map(usize::from)
    }

    /// Whether some session that can carry mail handles a message queued in
    /// the store.
    fn deliverable(&self, st: usize) -> bool {
        (0..self.state.sessions.len()).any(|i| self.can_carry(i) && self.first_in(i, st).is_some())
    }

    fn possible(&self, work: Work) -> Result<(), &'static str> {
        let check = |ok: bool, reason| if ok { Ok(()) } else { Err(reason) };
        match work {
            Work::Progress(i, Direction::Send) => {
                check(self.state.sessions[i].is_live(), "the session is logged off")?;
                check(self.state.sessions[i].sending.is_some(), "the session is not sending")?;
                check(self.purging.is_none() || self.sending_store(i) == self.purging, "the message belongs to another store")
            }
            Work::Progress(i, Direction::Receive) => {
                check(self.state.sessions[i].is_live(), "the session is logged off")?;
                check(self.state.sessions[i].receiving.is_some(), "the session is not receiving")?;
                check(self.purging.is_none() || self.purging == self.topo.default_inbox(), "the purge is for a store that does not receive")
            }
            Work::BeginSend(i) => {
                check(self.can_carry(i), "the session is logged off or its outbound traffic is disabled")?;
                check(self.state.sessions[i].sending.is_none(), "the session is already sending")?;
                check(self.next_for(i).is_some(), "no store the spooler serves has queued mail of this session's address types")
            }
            Work::BeginReceive(i) => {
                let s = &self.state.sessions[i];
                check(s.is_live() && s.inbound_enabled, "the session is logged off or its reception is disabled")?;
                check(s.receiving.is_none(), "the session is already receiving")?;
                check(!s.held.is_empty(), "the session holds no inbound mail")?;
                check(self.inbox_receives(), "no default-Inbox store is served by the spooler")
            }
            Work::EndFlush(i) => {
                let s = &self.state.sessions[i];
                check(s.is_live() && s.flushing != 0, "the session is not flushing")?;
                let upload_left = s.flushing & FlushFlags::FLUSH_UPLOAD.bits() as u8 != 0
                    && (s.sending.is_some() || (self.can_carry(i) && self.next_for(i).is_some()));
                let download_left = s.flushing & FlushFlags::FLUSH_DOWNLOAD.bits() as u8 != 0
                    && (s.receiving.is_some() || (s.inbound_enabled && !s.held.is_empty() && self.inbox_receives()));
                check(!upload_left && !download_left, "the flush still has mail to move")
            }
            Work::FinishStoreLogoff(st) => {
                check(self.purging.is_none(), "a purge is running")?;
                let logon = self.state.stores[st].spooler;
                check(
                    matches!(logon, SpoolerLogon::DrainingNoWait | SpoolerLogon::DrainingOrderly),
                    "the store is not being logged off in the background",
                )?;
                check(
                    !(0..self.state.sessions.len()).any(|i| self.sending_store(i) == Some(st)),
                    "a message of the store is still being sent",
                )?;
                let receiving = self.state.sessions.iter().any(|s| s.receiving.is_some());
                check(!(self.topo.stores[st].default_inbox && receiving), "a message is still coming into the store")?;
                check(logon == SpoolerLogon::DrainingOrderly || !self.deliverable(st), "LOGOFF_NO_WAIT: queued mail can still be sent")
            }
        }
    }

    /// Visits every unit of work in the fixed order (transfers in progress,
    /// new sends, new receptions, ended flushes, finished background
    /// logoffs) until `visit` returns true. Plain loops: this runs for every
    /// spooler choice, and iterator chains cost the wasm module more code.
    fn each(&self, mut visit: impl FnMut(Work) -> bool) {
        let n = self.state.sessions.len();
        for i in 0..n {
            if visit(Work::Progress(i, Direction::Send)) || visit(Work::Progress(i, Direction::Receive)) {
                return;
            }
        }
        let kinds: [fn(usize) -> Work; 3] = [Work::BeginSend, Work::BeginReceive, Work::EndFlush];
        for kind in kinds {
            for i in 0..n {
                if visit(kind(i)) {
                    return;
                }
            }
        }
        for st in 0..self.state.stores.len() {
            if visit(Work::FinishStoreLogoff(st)) {
                return;
            }
        }
    }

    fn all(&self) -> Vec<Work> {
        let mut out = Vec::new();
        self.each(|w| {
            if self.possible(w).is_ok() {
                out.push(w);
            }
            false
        });
        out
    }

    /// The first of [`Spooler::all`], without asking about the rest.
    fn first(&self) -> Option<Work> {
        let mut found = None;
        self.each(|w| {
            found = self.possible(w).is_ok().then_some(w);
            found.is_some()
        });
        found
    }
}

/// Every unit of spooler work possible now, in the fixed order.
pub(crate) fn enabled_work(topo: &Topology, state: &State, purging: Option<usize>) -> Vec<Work> {
    Spooler { topo, state, purging, cursors: None }.all()
}

impl<R: Recorder> Ctx<'_, R> {
    fn spooler(&self, purging: Option<usize>) -> Spooler<'_> {
        let cursors = (!self.cursors.at.is_empty()).then_some(&self.cursors);
        Spooler { topo: self.topo, state: self.state, purging, cursors }
    }

    /// Whether every cursor is true: no message before it is of a type
    /// its session handles. Checked after each unit in debug builds.
    fn cursors_hold(&self) -> bool {
        let (sessions, stores) = (self.state.sessions.len(), self.state.stores.len());
        (0..sessions).all(|i| {
            (0..stores).all(|st| {
                let Some(c) = self.cursors.get(i, st) else { return true };
                let queue = &self.state.stores[st].queue;
                !queue[..(c.get() as usize).min(queue.len())]
                    .iter()
                    .any(|&m| self.topo.session_handles(i, self.state.messages[m as usize].address_type))
            })
        })
    }

    /// The spooler is about to choose work: keep its cursors from now on.
    fn keep_cursors(&mut self) {
        self.cursors.size_for(self.state.sessions.len(), self.state.stores.len());
    }

    pub(crate) fn work_possible(&self, work: Work) -> Result<(), &'static str> {
        self.spooler(None).possible(work)
    }

    pub(crate) fn spooler_step(&mut self) -> Answer {
        self.keep_cursors();
        let next = self.spooler(None).first();
        match next {
            Some(work) => self.do_work(work),
            None => Answer::ok(&[], "The spooler has nothing to do"),
        }
    }

    pub(crate) fn run_until_idle(&mut self) -> Answer {
        self.keep_cursors();
        for _ in 0..IDLE_LIMIT {
            let next = self.spooler(None).first();
            match next {
                Some(work) => {
                    self.do_work(work);
                    debug_assert!(self.cursors_hold(), "a spooler cursor skips mail after {work:?}");
                }
                None => return Answer::ok(&[], "The spooler worked until nothing was left to do"),
            }
        }
        Answer::ok(&[], "The spooler stopped at its step limit")
    }

    pub(crate) fn do_work(&mut self, work: Work) -> Answer {
        self.do_work_in(work, None)
    }

    fn do_work_in(&mut self, work: Work, purging: Option<usize>) -> Answer {
        match work {
            Work::Progress(i, direction) => self.progress(i, direction),
            Work::BeginSend(i) => {
                let (st, pos) = self.spooler(purging).next_for(i).expect("checked by possible()");
                self.trace.before_edit(MessageList::Queue(st), &self.state.stores[st].queue);
                let message = self.state.stores[st].queue.remove(pos);
                self.cursors.removed(st, pos);
                let steps = self.state.messages[message as usize].steps;
                let h = self.call(Who::Spooler, Who::Session(i), Method::XpSubmitMessage, || vec![arg::message("lpMessage", message)]);
                self.state.sessions[i].sending = Some(Transfer { message, remaining: steps });
                self.ret(h, Answer::ok(&[S2], "The spooler hands queued mail to the session that handles its address type"))
            }
            Work::BeginReceive(i) => {
                self.trace.before_edit(MessageList::Held(i), &self.state.sessions[i].held);
                let message = self.state.sessions[i].held.remove(0);
                let steps = self.state.messages[message as usize].steps;
                let n = self.call(Who::Session(i), Who::Mapi, Method::SpoolerNotify, || {
                    vec![arg::flags("ulFlags", FlagSet::SpoolerNotify, SpoolerNotifyFlags::NOTIFY_NEWMAIL.bits())]
                });
                self.ret(n, Answer::ok(&[], "The transport has new mail"));
                let h = self.call(Who::Spooler, Who::Session(i), Method::StartMessage, || vec![arg::message("lpulMsgRef", message)]);
                self.state.sessions[i].receiving = Some(Transfer { message, remaining: steps });
                self.ret(h, Answer::ok(&[S2], "The transport starts delivering into the default Inbox"))
            }
            Work::EndFlush(i) => {
                let flushing = u32::from(self.state.sessions[i].flushing);
                let mut flags = TransportNotifyFlags::empty();
                if flushing & FlushFlags::FLUSH_UPLOAD.bits() != 0 {
                    flags |= TransportNotifyFlags::NOTIFY_END_OUTBOUND_FLUSH;
                }
                if flushing & FlushFlags::FLUSH_DOWNLOAD.bits() != 0 {
                    flags |= TransportNotifyFlags::NOTIFY_END_INBOUND_FLUSH;
                }
                let h = self.call(Who::Spooler, Who::Session(i), Method::TransportNotify, || {
                    vec![arg::flags("ulFlags", FlagSet::TransportNotify, flags.bits())]
                });
                self.state.sessions[i].flushing = 0;
                self.ret(h, Answer::ok(&[S7], "The flush has moved everything it could"))
            }
            Work::FinishStoreLogoff(st) => {
                let rules: &'static [RuleId] = if self.state.stores[st].spooler == SpoolerLogon::DrainingNoWait { &[S5] } else { &[S6] };
                self.release_store_logon(st, rules);
                Answer::ok(rules, "The background work of the logoff is done: the spooler releases the store")
            }
        }
    }

    fn progress(&mut self, i: usize, direction: Direction) -> Answer {
        let session = &mut self.state.sessions[i];
        let slot = match direction {
            Direction::Send => &mut session.sending,
            Direction::Receive => &mut session.receiving,
        };
        let mut transfer = slot.expect("checked by possible()");
        if transfer.remaining > 1 {
            transfer.remaining -= 1;
            *slot = Some(transfer);
            return Answer::ok(&[S2], "One step of the transfer");
        }
        *slot = None;
        let message = transfer.message;
        match direction {
            Direction::Send => {
                let st = usize::from(self.state.messages[message as usize].origin.expect("outbound mail has a store"));
                let h = self.call(Who::Spooler, Who::Session(i), Method::EndMessage, || vec![arg::message("ulMsgRef", message)]);
                self.state.stores[st].sent.push(message);
                self.ret(h, Answer::ok(&[S2], "The send is finished"))
            }
            Direction::Receive => match self.topo.default_inbox() {
                Some(d) => {
                    self.state.stores[d].inbox.push(message);
                    let h = self.call(Who::Spooler, Who::Store(d), Method::NotifyNewMail, || vec![arg::message("lpNotification", message)]);
                    self.ret(h, Answer::ok(&[S2], "The message is in the default Inbox"))
                }
                None => {
                    self.trace.before_edit(MessageList::Held(i), &self.state.sessions[i].held);
                    self.state.sessions[i].held.insert(0, message);
                    Answer::ok(&[I1], "No store holds the default Inbox: the transport keeps the message")
                }
            },
        }
    }

    /// A transfer stops: outbound mail goes back to the front of its
    /// store's queue, inbound mail stays with the transport (T4, S4).
    pub(crate) fn requeue(&mut self, i: usize, direction: Direction, rules: &'static [RuleId]) {
        let session = &mut self.state.sessions[i];
        let taken = match direction {
            Direction::Send => session.sending.take(),
            Direction::Receive => session.receiving.take(),
        };
        let Some(transfer) = taken else { return };
        let message = transfer.message;
        match self.state.messages[message as usize].origin {
            Some(st) => {
                self.trace.before_edit(MessageList::Queue(usize::from(st)), &self.state.stores[usize::from(st)].queue);
                self.state.stores[usize::from(st)].queue.insert(0, message);
                self.cursors.reset(usize::from(st));
                let name = &self.topo.stores[usize::from(st)].name;
                self.note(
                    Who::Spooler,
                    Method::RequeueMessage,
                    || vec![arg::message("message", message)],
                    rules,
                    || format!("message {message} goes back to the front of {name}'s outbound queue"),
                );
            }
            None => {
                self.trace.before_edit(MessageList::Held(i), &self.state.sessions[i].held);
                self.state.sessions[i].held.insert(0, message);
                self.note(
                    Who::Spooler,
                    Method::RequeueMessage,
                    || vec![arg::message("message", message)],
                    rules,
                    || format!("message {message} stays with the transport for later delivery"),
                );
            }
        }
    }

    /// S7: the same work as NO_WAIT (the store's ready mail is sent; for
    /// the default-Inbox store the message being received is received and
    /// no new reception starts), done before the call returns. The spooler
    /// pushes the outbound mail with FlushQueues(FLUSH_UPLOAD), the call the
    /// page links; it starts no new inbound work, so no FLUSH_DOWNLOAD.
    pub(crate) fn purge(&mut self, s: usize) {
        self.keep_cursors();
        for i in 0..self.state.sessions.len() {
            let sp = self.spooler(Some(s));
            if sp.can_carry(i) && (sp.sending_store(i) == Some(s) || sp.next_for(i).is_some()) {
                self.flush_queues_call(i, FlushFlags::FLUSH_UPLOAD.bits(), &[S7]);
            }
        }
        loop {
            let next = self.spooler(Some(s)).first();
            let Some(work) = next else { break };
            self.do_work_in(work, Some(s));
            debug_assert!(self.cursors_hold(), "a spooler cursor skips mail after {work:?} in a purge");
        }
        self.release_store_logon(s, &[S7]);
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{Action, apply};
    use crate::state::State;
    use crate::trace::{Event, Trace};
    use crate::workload;

    /// What a run did, without the step numbers that differ between one
    /// RunUntilIdle and many SpoolerSteps.
    fn calls(trace: &Trace) -> Vec<Event> {
        trace.events().iter().map(|e| Event { step: 0, seq: 0, ..e.clone() }).collect()
    }

    /// Runs `prefix`, then the spooler to idle in one action (which keeps its
    /// search positions) and step by step (each step searching afresh).
    fn both_ways(scenario: &crate::Scenario, prefix: &[Action]) -> ((State, Vec<Event>), (State, Vec<Event>)) {
        let (topo, state) = scenario.build().unwrap();
        let run = |one_action: bool| {
            let mut state = state.clone();
            let mut trace = Trace::new();
            for a in prefix {
                apply(&topo, &scenario.settings, &mut state, &mut trace, a).unwrap();
            }
            if one_action {
                apply(&topo, &scenario.settings, &mut state, &mut trace, &Action::RunUntilIdle).unwrap();
            } else {
                while !crate::spooler::enabled_work(&topo, &state, None).is_empty() {
                    apply(&topo, &scenario.settings, &mut state, &mut trace, &Action::SpoolerStep).unwrap();
                }
            }
            (state, calls(&trace))
        };
        (run(true), run(false))
    }

    #[test]
    fn run_until_idle_does_the_work_of_the_steps_in_their_order() {
        let (idle, steps) = both_ways(&workload::spooler_scenario(300), &[]);
        assert!(idle.1.len() > 500, "the spooler worked: {} events", idle.1.len());
        assert_eq!(idle, steps);
        // Logoffs and flushes in flight: draining stores, a requeue, new mail.
        let busy = workload::busy_scenario(60);
        let actions = workload::busy_actions(40);
        for cut in [10, 45, 120, 200, actions.len() - 6] {
            let (idle, steps) = both_ways(&busy, &actions[..cut]);
            assert_eq!(idle, steps, "after {cut} actions of the busy workload");
        }
    }

    /// A purge looks at every session's mail before its loop, so cursors
    /// of sessions that did not send yet must follow the removals of the
    /// others (debug builds check every cursor after every unit).
    #[test]
    fn a_purge_keeps_the_cursors_true() {
        let scenario = workload::spooler_scenario(400);
        let (topo, mut state) = scenario.build().unwrap();
        let mut trace = Trace::new();
        let purge = crate::flags::StoreLogoffFlag::Purge.bits();
        for action in [Action::SpoolerStep, Action::SpoolerStep, Action::SpoolerStep]
            .into_iter()
            .chain((0..4).map(|store| Action::StoreLogoffTransports { store, flags: purge, support: Default::default() }))
        {
            apply(&topo, &scenario.settings, &mut state, &mut trace, &action).unwrap();
        }
        for store in 0..4 {
            assert!(
                state.stores[store].queue.iter().all(|&m| state.messages[m as usize].address_type == 16),
                "store {store}: only the mail nobody carries is left"
            );
        }
    }
}
