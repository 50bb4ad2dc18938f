//! The client's calls on a message store and the store provider's side of
//! the logoff: StoreLogoff (S12-S17), the final release (S13, S14, S16) and
//! IMAPISupport::StoreLogoffTransports as MAPI answers it (S1-S11).

use crate::engine::{Answer, Ctx, Direction, Who};
use crate::faults::StoreFault;
use crate::flags::{FlagSet, SpoolerNotifyFlags, StoreLogoffFlag, StoreLogoffOutFlags, TransportNotifyFlags};
use crate::hresult::HResult;
use crate::rules::RuleId::{self, *};
use crate::scenario::{AbortReading, StoreLogoffTransportsTiming};
use crate::state::{Breach, Message, MessageId, ProviderPhase, SpoolerLogon, StorePhase, Subject, SupportKind};
use crate::trace::Recorder;
use crate::trace::{Method, arg};

/// Who calls StoreLogoffTransports: the store from its own shutdown path,
/// or a store provider's code called directly (an action).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Caller {
    /// From IMsgStore::StoreLogoff (immediate reading).
    StoreLogoff,
    /// From the final Release: the store is being destroyed either way.
    FinalRelease,
    /// Called directly by the store provider.
    Provider,
}

const COMPLETE: StoreLogoffOutFlags = StoreLogoffOutFlags::LOGOFF_COMPLETE;

impl<R: Recorder> Ctx<'_, R> {
    /// A client call other than AddRef/Release on a store that is gone or
    /// logged off (I3, S9). `None` when the call may proceed.
    fn refuse_if_unusable(&mut self, s: usize, method: Method) -> Option<Answer> {
        match self.state.stores[s].phase {
            StorePhase::Open => None,
            StorePhase::Destroyed => {
                self.state.breach(I3, Subject::Store(s as u8), Breach::CallOnReleased { method });
                Some(Answer::fail(HResult::MAPI_E_INVALID_OBJECT, &[I3], "The store object was released: no call may reach it"))
            }
            StorePhase::Invalidated if self.topo.stores[s].faults.has(StoreFault::AcceptCallsAfterComplete) => {
                self.state.breach(S9, Subject::Store(s as u8), Breach::AcceptedAfterComplete { method });
                None
            }
            StorePhase::Invalidated => {
                self.state.breach(I3, Subject::Store(s as u8), Breach::CallOnInvalid { method });
                Some(Answer::fail(
                    HResult::MAPI_E_INVALID_OBJECT,
                    &[S9, I3],
                    "After LOGOFF_COMPLETE only Release, AddRef and QueryInterface are valid",
                ))
            }
        }
    }

    pub(crate) fn open_store(&mut self, s: usize) -> Answer {
        let h = self.call(Who::Client, Who::Mapi, Method::OpenMsgStore, || vec![arg::count("store", s as u32)]);
        let store = &mut self.state.stores[s];
        let answer = if store.phase != StorePhase::Destroyed && store.refs == crate::scenario::limits::REFERENCES {
            Answer::fail(HResult::MAPI_E_NOT_ENOUGH_MEMORY, &[], "The model caps client references at 1000")
        } else if store.phase != StorePhase::Destroyed {
            store.refs += 1;
            Answer::ok(&[], "MAPI hands out the open store object again with one more reference")
        } else {
            *store = crate::state::StoreState {
                refs: 1,
                phase: StorePhase::Open,
                saved_flag: None,
                store_logoff_transports: Default::default(),
                spooler: SpoolerLogon::initial(self.topo.stores[s].support_kind),
                support_released: false,
                queue: std::mem::take(&mut store.queue),
                inbox: std::mem::take(&mut store.inbox),
                sent: std::mem::take(&mut store.sent),
            };
            let p = usize::from(self.topo.stores[s].provider);
            self.state.store_providers[p] = ProviderPhase::Active;
            if self.topo.stores[s].default_inbox {
                self.set_reception(true, &[S16]);
            }
            Answer::ok(&[], "A new logon on the store: new support object, the spooler serves it again")
        };
        self.ret(h, answer)
    }

    pub(crate) fn add_ref(&mut self, s: usize) -> Answer {
        let h = self.call(Who::Client, Who::Store(s), Method::StoreAddRef, Vec::new);
        let store = &mut self.state.stores[s];
        let answer = if store.phase == StorePhase::Destroyed {
            self.state.breach(I3, Subject::Store(s as u8), Breach::CallOnReleased { method: Method::StoreAddRef });
            Answer::fail(HResult::MAPI_E_INVALID_OBJECT, &[I3], "The store object was released: no call may reach it")
        } else if store.refs == crate::scenario::limits::REFERENCES {
            Answer::fail(HResult::MAPI_E_NOT_ENOUGH_MEMORY, &[], "The model caps client references at 1000")
        } else {
            store.refs += 1;
            Answer::ok(&[S9], "AddRef stays valid even after LOGOFF_COMPLETE")
        };
        self.ret(h, answer)
    }

    pub(crate) fn release(&mut self, s: usize) -> Answer {
        let h = self.call(Who::Client, Who::Store(s), Method::StoreRelease, Vec::new);
        if self.state.stores[s].phase == StorePhase::Destroyed {
            self.state.breach(I4, Subject::Store(s as u8), Breach::OverRelease);
            return self.ret(h, Answer::fail(HResult::MAPI_E_INVALID_OBJECT, &[I4, I3], "Release on a store with no references left"));
        }
        self.state.stores[s].refs -= 1;
        if self.state.stores[s].refs > 0 {
            return self.ret(h, Answer::ok(&[S15], "Other clients still hold the store; nothing is shut down yet"));
        }
        let rules = self.final_release(s);
        self.ret(h, Answer::ok(rules, "The last reference: the store shuts down and releases its support object"))
    }

    pub(crate) fn submit_message(&mut self, s: usize, address_type: u8, steps: u8) -> Answer {
        let h = self.call(Who::Client, Who::Store(s), Method::SubmitMessage, || vec![arg::count("addressType", u32::from(address_type))]);
        if let Some(refusal) = self.refuse_if_unusable(s, Method::SubmitMessage) {
            return self.ret(h, refusal);
        }
        if self.state.messages.len() >= crate::scenario::limits::MESSAGES {
            return self.ret(h, Answer::fail(HResult::MAPI_E_NOT_ENOUGH_MEMORY, &[], "The model caps a scenario at 20000 messages"));
        }
        self.state.messages.push(Message { origin: Some(s as u8), address_type, steps });
        let id = (self.state.messages.len() - 1) as MessageId;
        self.state.stores[s].queue.push(id);
        let n = self.call(Who::Store(s), Who::Mapi, Method::SpoolerNotify, || {
            vec![arg::flags("ulFlags", FlagSet::SpoolerNotify, SpoolerNotifyFlags::NOTIFY_READYTOSEND.bits())]
        });
        self.ret(n, Answer::ok(&[], "The store tells the spooler that mail is ready to send"));
        self.ret(h, Answer::ok(&[S2], "The message waits in the store's outbound queue"))
    }

    /// IMsgStore::StoreLogoff (S12, S13, S15, S17).
    pub(crate) fn store_logoff(&mut self, s: usize, raw: u32) -> Answer {
        let h = self.call(Who::Client, Who::Store(s), Method::StoreLogoff, || vec![arg::flags("ulFlags", FlagSet::StoreLogoff, raw)]);
        if let Some(refusal) = self.refuse_if_unusable(s, Method::StoreLogoff) {
            return self.ret(h, refusal);
        }
        let flag = match StoreLogoffFlag::from_raw(raw) {
            Ok(flag) => flag,
            Err(hr) => {
                // "A caller must specify only one flag per call": the
                // client's mistake (M3), which the store rightly refuses.
                self.state.breach(S1, Subject::Store(s as u8), Breach::ClientBadStoreLogoffFlags { flags: raw });
                return self.ret(h, Answer::fail(hr, &[S1], bad_flags_why(hr)));
            }
        };
        self.state.stores[s].saved_flag = Some(flag);
        let answer = match self.settings.store_logoff_transports {
            StoreLogoffTransportsTiming::AtFinalRelease => {
                self.state.stores[s].phase = StorePhase::Invalidated;
                let shared = self.state.stores[s].refs > 1;
                Answer::ok(
                    if shared { &[S12, S15, S17] } else { &[S12, S13, S17] },
                    "The store saves the flag and returns COMPLETE; StoreLogoffTransports runs with it at the final release",
                )
                .with_flags(COMPLETE)
            }
            StoreLogoffTransportsTiming::Immediate => {
                let passed = self.flags_the_store_passes(s, flag);
                let inner = self.store_logoff_transports(s, passed, self.topo.stores[s].support_kind, Caller::StoreLogoff);
                if inner.hresult == HResult::MAPI_E_NO_SUPPORT {
                    if self.topo.stores[s].faults.has(StoreFault::TreatNoSupportAsFatal) {
                        self.state.breach(S11, Subject::Store(s as u8), Breach::NoSupportTreatedAsFatal);
                        Answer { rules: &[S11, S17], why: "The store passes MAPI_E_NO_SUPPORT on as a failure", ..inner }
                    } else {
                        self.state.stores[s].phase = StorePhase::Invalidated;
                        Answer::ok(&[S11, S17], "MAPI_E_NO_SUPPORT is normal: there is no spooler work to stop, so the logoff is complete")
                            .with_flags(COMPLETE)
                    }
                } else {
                    Answer {
                        rules: &[S12, S17],
                        why: "Immediate reading: StoreLogoff returns exactly what StoreLogoffTransports returned",
                        ..inner
                    }
                }
            }
        };
        self.ret(h, answer)
    }

    /// The flags a store passes on: the saved flag, unchanged (S12), unless
    /// the store reuses its in/out variable (M3).
    fn flags_the_store_passes(&self, s: usize, flag: StoreLogoffFlag) -> u32 {
        if self.topo.stores[s].faults.has(StoreFault::ReuseFlagsVariable) { flag.bits() | COMPLETE.bits() } else { flag.bits() }
    }

    /// The flag the store passes at its final Release (S13, S14). Deferred
    /// reading: the saved flag, or LOGOFF_ABORT when the client never called
    /// StoreLogoff. Immediate reading: a store whose StoreLogoffTransports
    /// never returned COMPLETE makes the page's "if a call has not occurred,
    /// call StoreLogoffTransports with the LOGOFF_ABORT flag set" call; after
    /// a veto both a second call and none conform, and the model makes it so
    /// that under the stop-then-release reading the spooler lets go.
    fn final_release_flag(&self, s: usize) -> (StoreLogoffFlag, &'static [RuleId]) {
        match (self.settings.store_logoff_transports, self.state.stores[s].saved_flag) {
            (StoreLogoffTransportsTiming::AtFinalRelease, Some(saved)) => (saved, &[S13, S12, S16]),
            _ => (StoreLogoffFlag::Abort, &[S13, S14, S16]),
        }
    }

    /// The last client reference is gone: StoreLogoffTransports (unless it
    /// already completed), then the support object is released (S13, S14,
    /// S16). Returns the rules that applied.
    fn final_release(&mut self, s: usize) -> &'static [RuleId] {
        let faults = self.topo.stores[s].faults;
        let store = &self.state.stores[s];
        let already = store.store_logoff_transports.completions > 0;
        let (flag, rules) = self.final_release_flag(s);
        let rules: &'static [RuleId] = if already { &[S13, S16] } else { rules };
        let calls = match (faults.has(StoreFault::SkipStoreLogoffTransports), already, faults.has(StoreFault::StoreLogoffTransportsTwice)) {
            (true, _, _) => 0,
            (false, false, false) => 1,
            (false, false, true) => 2,
            (false, true, twice) => usize::from(twice),
        };
        let passed = self.flags_the_store_passes(s, flag);
        let kind = self.topo.stores[s].support_kind;
        for _ in 0..calls {
            let answer = self.store_logoff_transports(s, passed, kind, Caller::FinalRelease);
            if answer.hresult == HResult::MAPI_E_NO_SUPPORT && faults.has(StoreFault::TreatNoSupportAsFatal) {
                // The store gives up its teardown and keeps the support object.
                self.state.stores[s].phase = StorePhase::Destroyed;
                self.state.breach(S11, Subject::Store(s as u8), Breach::NoSupportTreatedAsFatal);
                return &[S11, S13];
            }
        }
        self.release_store_support(s);
        self.state.stores[s].phase = StorePhase::Destroyed;
        self.check_shutdown_record(s);
        rules
    }

    /// I5 at the moment a store is destroyed.
    fn check_shutdown_record(&mut self, s: usize) {
        let store = &self.state.stores[s];
        let record = store.store_logoff_transports;
        let expected = self.final_release_flag(s).0.bits();
        // I5: the client's flag, or LOGOFF_ABORT where S14 says so. Under the
        // immediate reading the completing call came either from StoreLogoff
        // (the client's flag) or from the final Release (ABORT).
        let acceptable = |flags: u32| {
            // Bad flags under S8 were reported as S1 when they were passed.
            StoreLogoffFlag::from_raw(flags).is_err()
                || flags == expected
                || (self.settings.store_logoff_transports == StoreLogoffTransportsTiming::Immediate
                    && store.saved_flag.is_some_and(|f| f.bits() == flags))
        };
        let subject = Subject::Store(s as u8);
        let breach = match (record.completions, record.refusals) {
            (0, 0) if record.vetoed => None,
            (0, 0) => Some((S14, Breach::StoreLogoffTransportsMissing { expected })),
            (0, _) => Some((I5, Breach::StoreLogoffTransportsRefused { hresult: record.last_refusal, flags: record.flags })),
            (1, _) if self.topo.stores[s].support_kind == SupportKind::MessageStore && !acceptable(record.flags) => {
                Some((I5, Breach::StoreLogoffTransportsWrongFlag { given: record.flags, expected }))
            }
            _ => None,
        };
        if let Some((rule, breach)) = breach {
            self.state.breach(rule, subject, breach);
        }
    }

    /// S16: the store releases its support object; MAPI removes its status
    /// row, logs the logon off and, with no logons left, shuts the store
    /// provider down.
    fn release_store_support(&mut self, s: usize) {
        let h = self.call(Who::Store(s), Who::Mapi, Method::SupportRelease, Vec::new);
        self.state.stores[s].support_released = true;
        self.note(Who::Mapi, Method::RemoveStatusRow, Vec::new, &[S16], || "MAPI removes the store's MAPIUIDs and status row".into());
        // S16, S9: while the spooler still holds its own logon (a veto, or a
        // NO_WAIT/ORDERLY drain), MAPI keeps the logon alive for it and logs
        // it off when the spooler lets go: no delivery reaches a logged-off store.
        let answer = if self.state.stores[s].spooler == SpoolerLogon::Released {
            self.log_off_store_logon(s);
            Answer::ok(&[S16, S13], "The support object goes last")
        } else {
            Answer::ok(&[S16, S13, S9], "The support object goes last; MAPI keeps the store's logon until the spooler lets go of it")
        };
        self.ret(h, answer);
    }

    /// S16: IMSLogon::Logoff and the logon's release, then the provider's
    /// shutdown when it has no logon left.
    fn log_off_store_logon(&mut self, s: usize) {
        let l = self.call(Who::Mapi, Who::Store(s), Method::MsLogonLogoff, || vec![arg::count("ulFlags", 0)]);
        self.ret(l, Answer::ok(&[S16], "IMSLogon::Logoff"));
        let r = self.call(Who::Mapi, Who::Store(s), Method::MsLogonRelease, Vec::new);
        self.ret(r, Answer::ok(&[S16], "MAPI releases the logon"));
        self.shutdown_store_provider_if_unused(usize::from(self.topo.stores[s].provider));
    }

    /// S16: MAPI shuts a store provider down once it has no logon left: no
    /// store of it still has its support object, and the spooler holds no
    /// logon on any of them (section 2: the spooler's logon is a logon too).
    fn shutdown_store_provider_if_unused(&mut self, p: usize) {
        let in_use = self.topo.stores.iter().enumerate().filter(|(_, info)| usize::from(info.provider) == p).any(|(i, _)| {
            let store = &self.state.stores[i];
            !store.support_released || store.spooler != SpoolerLogon::Released
        });
        if in_use || self.state.store_providers[p] != ProviderPhase::Active {
            return;
        }
        let sd = self.call(Who::Mapi, Who::StoreProvider(p), Method::MsProviderShutdown, || vec![arg::count("lpulFlags", 0)]);
        self.ret(sd, Answer::ok(&[S16, I6], "The provider's last logon is gone"));
        let rl = self.call(Who::Mapi, Who::StoreProvider(p), Method::MsProviderRelease, Vec::new);
        self.ret(rl, Answer::ok(&[S16], "MAPI releases the store provider"));
        self.state.store_providers[p] = ProviderPhase::ShutDown;
    }

    /// IMAPISupport::StoreLogoffTransports as MAPI answers it (S1-S11).
    pub(crate) fn store_logoff_transports(&mut self, s: usize, raw: u32, support: SupportKind, caller: Caller) -> Answer {
        let h =
            self.call(Who::Store(s), Who::Mapi, Method::StoreLogoffTransports, || vec![arg::flags("ulFlags", FlagSet::StoreLogoff, raw)]);
        if support != SupportKind::MessageStore {
            if support == self.topo.stores[s].support_kind && caller != Caller::Provider {
                // The store did its part; MAPI has nothing to stop (S11).
                self.record_completion(s, raw);
            }
            let answer = Answer::fail(
                HResult::MAPI_E_NO_SUPPORT,
                &[S11],
                "Only a message-store support object implements StoreLogoffTransports; the store must treat this as normal",
            );
            return self.ret(h, answer);
        }
        let store = &self.state.stores[s];
        if store.support_released {
            self.state.breach(I3, Subject::StoreSupport(s as u8), Breach::CallOnReleased { method: Method::StoreLogoffTransports });
            return self.ret(h, Answer::fail(HResult::MAPI_E_INVALID_OBJECT, &[I3], "The store's support object was already released"));
        }
        if store.store_logoff_transports.completions > 0 {
            let record = &mut self.state.stores[s].store_logoff_transports;
            record.refusals = record.refusals.saturating_add(1);
            record.last_refusal = HResult::MAPI_E_INVALID_OBJECT;
            let calls = record.completions.saturating_add(record.refusals);
            self.state.breach(S10, Subject::Store(s as u8), Breach::StoreLogoffTransportsRepeated { calls });
            return self
                .ret(h, Answer::fail(HResult::MAPI_E_INVALID_OBJECT, &[S10], "StoreLogoffTransports already completed for this shutdown"));
        }
        if self.topo.stores[s].shared_with_other_process {
            // S8 before S1: MAPI ignores the call whatever it carries. Bad
            // flags are still the store provider's mistake (M3), recorded
            // against it, but they change nothing in MAPI's answer.
            if StoreLogoffFlag::from_raw(raw).is_err() {
                self.state.breach(S1, Subject::Store(s as u8), Breach::BadStoreLogoffTransportsFlags { flags: raw });
            }
            self.record_completion(s, raw);
            if self.state.stores[s].phase == StorePhase::Open {
                self.state.stores[s].phase = StorePhase::Invalidated;
            }
            let answer =
                Answer::ok(&[S8, S9], "Another process of this profile has the store open: MAPI ignores the call").with_flags(COMPLETE);
            return self.ret(h, answer);
        }
        let flag = match StoreLogoffFlag::from_raw(raw) {
            Ok(flag) => flag,
            Err(hr) => {
                let record = &mut self.state.stores[s].store_logoff_transports;
                record.refusals = record.refusals.saturating_add(1);
                record.last_refusal = hr;
                record.flags = raw;
                // The store provider passed these flags: that is its mistake (M3).
                self.state.breach(S1, Subject::Store(s as u8), Breach::BadStoreLogoffTransportsFlags { flags: raw });
                return self.ret(h, Answer::fail(hr, &[S1], bad_flags_why(hr)));
            }
        };
        let activity = self.state.activity(self.topo, s);
        let veto = |why| Answer::ok(&[S3, S2, S9], why).with_flags(activity);
        let answer = match flag {
            StoreLogoffFlag::Quiet if !activity.is_empty() => veto("LOGOFF_QUIET with activity: no logoff, the activity is reported"),
            StoreLogoffFlag::Abort if !activity.is_empty() && self.settings.abort_reading == AbortReading::VetoWhileBusy => {
                Answer { rules: &[S4, S3, S2, S9], ..veto("LOGOFF_ABORT, veto-while-busy reading: activity vetoes the logoff") }
            }
            StoreLogoffFlag::Quiet => {
                self.release_store_logon(s, &[S3]);
                Answer::ok(&[S3], "LOGOFF_QUIET with no activity: the spooler releases the store").with_flags(COMPLETE)
            }
            StoreLogoffFlag::Abort => {
                self.cancel_store_activity(s);
                self.release_store_logon(s, &[S4]);
                Answer::ok(&[S4], "LOGOFF_ABORT: the store's transfers are cancelled (nothing is lost) and the spooler releases it")
                    .with_flags(COMPLETE)
            }
            StoreLogoffFlag::NoWait => {
                self.state.stores[s].spooler = SpoolerLogon::DrainingNoWait;
                Answer::ok(&[S5], "LOGOFF_NO_WAIT: returns at once; the spooler sends ready mail, finishes the receive, then releases")
                    .with_flags(COMPLETE)
            }
            StoreLogoffFlag::Orderly => {
                self.state.stores[s].spooler = SpoolerLogon::DrainingOrderly;
                Answer::ok(
                    &[S6],
                    "LOGOFF_ORDERLY: returns at once; transfers in progress finish, nothing new starts, then the spooler releases",
                )
                .with_flags(COMPLETE)
            }
            StoreLogoffFlag::Purge => {
                self.purge(s);
                Answer::ok(&[S7], "LOGOFF_PURGE: the transports' queues were flushed and everything completed before returning")
                    .with_flags(COMPLETE)
            }
        };
        let vetoed = !answer.out_flags.is_some_and(|f| f.contains(COMPLETE));
        if !vetoed || caller == Caller::FinalRelease {
            self.record_completion(s, raw);
            let record = &mut self.state.stores[s].store_logoff_transports;
            record.vetoed = vetoed && record.completions == 1;
        } else if caller == Caller::StoreLogoff {
            // The store's own call from StoreLogoff was vetoed: "a call has
            // occurred" (S14), so a store that makes no second call at its
            // final Release still conforms.
            self.state.stores[s].store_logoff_transports.vetoed = true;
        }
        if !vetoed && self.state.stores[s].phase == StorePhase::Open {
            // S9: a store provider invalidates its store object once
            // StoreLogoffTransports returned COMPLETE, whoever called it.
            self.state.stores[s].phase = StorePhase::Invalidated;
        }
        self.ret(h, answer)
    }

    fn record_completion(&mut self, s: usize, raw: u32) {
        let record = &mut self.state.stores[s].store_logoff_transports;
        if record.completions == 0 {
            record.flags = raw;
        }
        record.completions = record.completions.saturating_add(1);
    }

    /// S4 (sample-store reading): cancel the store's transfers. A cancelled
    /// send goes back to the front of its queue; a cancelled receive stays
    /// with the transport for later redelivery.
    fn cancel_store_activity(&mut self, s: usize) {
        let inbox = self.topo.stores[s].default_inbox;
        for i in 0..self.state.sessions.len() {
            let session = &self.state.sessions[i];
            let send =
                session.sending.filter(|t| self.state.messages[t.message as usize].origin == Some(s as u8)).map(|t| (t, Direction::Send));
            let receive = session.receiving.filter(|_| inbox).map(|t| (t, Direction::Receive));
            for (transfer, direction) in [send, receive].into_iter().flatten() {
                let h = self.call(Who::Spooler, Who::Session(i), Method::TransportNotify, || {
                    vec![
                        arg::flags("ulFlags", FlagSet::TransportNotify, TransportNotifyFlags::NOTIFY_CANCEL_MESSAGE.bits()),
                        arg::message("lpulMsgRef", transfer.message),
                    ]
                });
                self.ret(h, Answer::ok(&[S4, T4], "The transport cancels the message"));
                self.requeue(i, direction, &[S4, I1]);
            }
        }
    }

    /// The spooler gives up its logon on the store (S3-S7). Releasing the
    /// default-Inbox store ends reception on every session.
    pub(crate) fn release_store_logon(&mut self, s: usize, rules: &'static [RuleId]) {
        self.state.stores[s].spooler = SpoolerLogon::Released;
        self.note(
            Who::Spooler,
            Method::ReleaseStoreLogon,
            || vec![arg::count("store", s as u32)],
            rules,
            || "the spooler releases its logon on the store".into(),
        );
        if self.topo.stores[s].default_inbox {
            self.set_reception(false, rules);
        }
        if self.state.stores[s].support_released {
            // The store released its support object while the spooler still
            // held its logon: MAPI logs the logon off now (S16).
            self.log_off_store_logon(s);
        }
    }

    /// Turns reception on every live session on or off with TransportNotify,
    /// citing the rule that caused it (the logoff flag's, or S16 on reopen).
    pub(crate) fn set_reception(&mut self, on: bool, rules: &'static [RuleId]) {
        let flag = if on { TransportNotifyFlags::NOTIFY_BEGIN_INBOUND } else { TransportNotifyFlags::NOTIFY_END_INBOUND };
        for i in 0..self.state.sessions.len() {
            let session = &self.state.sessions[i];
            if session.is_live() && session.inbound_enabled != on {
                let h = self.call(Who::Spooler, Who::Session(i), Method::TransportNotify, || {
                    vec![arg::flags("ulFlags", FlagSet::TransportNotify, flag.bits())]
                });
                self.state.sessions[i].inbound_enabled = on;
                self.trace.ret(h, HResult::S_OK, None, rules);
            }
        }
    }
}

fn bad_flags_why(hr: HResult) -> &'static str {
    if hr == HResult::MAPI_E_UNKNOWN_FLAGS {
        "A bit outside every LOGOFF_ flag: the call fails and nothing changes"
    } else {
        "Not exactly one input flag (none, several, or an output flag passed as input): the call fails and nothing changes"
    }
}
