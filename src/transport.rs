//! Transport providers and their logon sessions: the spooler's logoff of a
//! session (T2-T7), the provider's cleanup (T4-T6), Release and Shutdown
//! without a prior logoff (T8), FlushQueues, and the MAPI allocator calls
//! a provider makes (T5, T9).

use crate::engine::{Answer, Ctx, Direction, Who};
use crate::faults::TransportFault;
use crate::flags::{DeinitFlags, FlagSet, FlushFlags, TransportLogoffFlags, TransportNotifyFlags};
use crate::hresult::HResult;
use crate::memory::BlockKind;
use crate::rules::RuleId::*;
use crate::state::{Breach, Message, MessageId, ProviderPhase, SessionPhase, Subject};
use crate::trace::Recorder;
use crate::trace::{Method, arg};

impl<R: Recorder> Ctx<'_, R> {
    fn transport_of(&self, i: usize) -> usize {
        usize::from(self.topo.sessions[i].transport)
    }

    fn has_fault(&self, i: usize, fault: TransportFault) -> bool {
        self.topo.transports[self.transport_of(i)].faults.has(fault)
    }

    /// A call to a session the spooler already released (I3).
    fn refuse_released_session(&mut self, i: usize, method: Method) -> Option<Answer> {
        if self.state.sessions[i].phase == SessionPhase::Released {
            self.state.breach(I3, Subject::Session(i as u8), Breach::CallOnReleased { method });
            return Some(Answer::fail(HResult::MAPI_E_INVALID_OBJECT, &[I3], "The session was released: no call may reach it"));
        }
        None
    }

    /// T2: the spooler forgets the session's AddressTypes; nothing is routed
    /// to it any more.
    fn discard_address_types(&mut self, i: usize) {
        if self.state.sessions[i].routing {
            self.state.sessions[i].routing = false;
            let name = &self.topo.sessions[i].name;
            self.note(
                Who::Spooler,
                Method::DiscardAddressTypes,
                || vec![arg::count("session", i as u32)],
                &[T2],
                || format!("no message is routed to {name} any more"),
            );
        }
    }

    /// The spooler's logoff of a session: T2, T3, TransportLogoff (T4-T6),
    /// then Release whatever TransportLogoff returned (T7).
    pub(crate) fn logoff_session(&mut self, i: usize, flags: u32) -> Answer {
        if self.state.sessions[i].phase != SessionPhase::LoggedOn {
            let h = self.call(Who::Spooler, Who::Session(i), Method::TransportLogoff, || {
                vec![arg::flags("ulFlags", FlagSet::TransportLogoff, flags)]
            });
            let refusal = self
                .refuse_released_session(i, Method::TransportLogoff)
                .unwrap_or_else(|| Answer::fail(HResult::MAPI_E_INVALID_OBJECT, &[T7], "The session is already logged off"));
            return self.ret(h, refusal);
        }
        self.end_traffic(i);
        self.discard_address_types(i);
        let answer = self.transport_logoff(i, Who::Spooler, flags);
        self.state.sessions[i].phase = SessionPhase::LoggedOff;
        self.take_back_transfers(i);
        self.spooler_releases_session(i);
        Answer { rules: &[T3, T2, T4, T5, T6, T7], why: logoff_why(answer.hresult), ..answer }
    }

    /// T7: whatever TransportLogoff returned, the session is gone for the
    /// spooler, which owns submitted mail: a transfer the provider did not
    /// stop goes back where it came from (T4), so nothing is stranded on a
    /// released logon.
    fn take_back_transfers(&mut self, i: usize) {
        self.requeue(i, Direction::Send, &[T7, T4, I1]);
        self.requeue(i, Direction::Receive, &[T7, T4, I1]);
    }

    /// T3: TransportNotify(NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND), with the
    /// END_*_FLUSH bits of a flush that is running.
    fn end_traffic(&mut self, i: usize) {
        let session = &self.state.sessions[i];
        let mut flags = TransportNotifyFlags::NOTIFY_END_INBOUND | TransportNotifyFlags::NOTIFY_END_OUTBOUND;
        if u32::from(session.flushing) & FlushFlags::FLUSH_DOWNLOAD.bits() != 0 {
            flags |= TransportNotifyFlags::NOTIFY_END_INBOUND_FLUSH;
        }
        if u32::from(session.flushing) & FlushFlags::FLUSH_UPLOAD.bits() != 0 {
            flags |= TransportNotifyFlags::NOTIFY_END_OUTBOUND_FLUSH;
        }
        let h = self.call(Who::Spooler, Who::Session(i), Method::TransportNotify, || {
            vec![arg::flags("ulFlags", FlagSet::TransportNotify, flags.bits())]
        });
        let session = &mut self.state.sessions[i];
        session.inbound_enabled = false;
        session.outbound_enabled = false;
        session.flushing = 0;
        if self.has_fault(i, TransportFault::FreeAddressTypesEarly) {
            let block = self.state.sessions[i].address_types_block;
            self.free_call(i, Some(block));
        }
        self.ret(h, Answer::ok(&[T3], "The spooler disables the session's traffic before logging it off"));
    }

    /// IXPLogon::TransportLogoff as the provider handles it. ulFlags is
    /// "Reserved; must be zero" (T1): non-zero flags are the caller's
    /// mistake (M11). A well-behaved provider cleans up whatever it gets:
    /// it ignores LOGOFF_NORMAL/LOGOFF_HURRY, and answers undefined bits with
    /// MAPI_E_UNKNOWN_FLAGS after its cleanup, since "if anything other than
    /// S_OK is returned, the provider is logged off" (T7).
    fn transport_logoff(&mut self, i: usize, caller: Who, flags: u32) -> Answer {
        let h =
            self.call(caller, Who::Session(i), Method::TransportLogoff, || vec![arg::flags("ulFlags", FlagSet::TransportLogoff, flags)]);
        if self.state.sessions[i].invalid {
            self.state.breach(I3, Subject::Session(i as u8), Breach::CallOnInvalid { method: Method::TransportLogoff });
            return self.ret(h, Answer::fail(HResult::MAPI_E_INVALID_OBJECT, &[T6, I3], "The logon was invalidated by MakeInvalid"));
        }
        if flags != 0 {
            let by_provider = caller != Who::Spooler;
            self.state.breach(T1, Subject::Session(i as u8), Breach::ReservedTransportLogoffFlags { flags, by_provider });
            if self.has_fault(i, TransportFault::RejectReservedLogoffFlags) {
                self.state.sessions[i].cleanup_skipped = Some(TransportFault::RejectReservedLogoffFlags);
                self.check_memory_at_logoff_end(i);
                return self.ret(
                    h,
                    Answer::fail(
                        HResult::MAPI_E_UNKNOWN_FLAGS,
                        &[T1, T7],
                        "The provider refuses the reserved flags and skips its cleanup; the session is logged off anyway",
                    ),
                );
            }
        }
        if self.has_fault(i, TransportFault::FailTransportLogoff) {
            self.state.sessions[i].cleanup_skipped = Some(TransportFault::FailTransportLogoff);
            self.check_memory_at_logoff_end(i);
            return self.ret(
                h,
                Answer::fail(HResult::MAPI_E_CALL_FAILED, &[T7], "The provider fails TransportLogoff; the session is logged off anyway"),
            );
        }
        self.provider_cleanup(i);
        self.check_memory_at_logoff_end(i);
        let answer = if flags & !TransportLogoffFlags::DEFINED != 0 {
            Answer::fail(
                HResult::MAPI_E_UNKNOWN_FLAGS,
                &[T1, T5, T6, T7],
                "The provider cleans up, then answers MAPI_E_UNKNOWN_FLAGS for the undefined bits; the session is logged off either way",
            )
        } else if flags != 0 {
            Answer::ok(
                &[T1, T4, T5, T6],
                "The provider ignores the reserved flags and cleans up: MakeInvalid, its memory, the support object last",
            )
        } else {
            Answer::ok(
                &[T4, T5, T6],
                "The provider invalidates its logon, stops its transfers, frees its memory and releases its support object last",
            )
        };
        self.ret(h, answer)
    }

    /// T5: memory the session still holds when TransportLogoff returns was
    /// not freed "during" it, whether it is freed later or never. Recorded
    /// now, the earliest moment the breach is certain.
    fn check_memory_at_logoff_end(&mut self, i: usize) {
        let mut left = self.state.memory.live_roots(i as u8);
        if let Some(first) = left.next() {
            let count = 1 + left.count() as u16;
            let cause = self.state.sessions[i].cleanup_skipped.map_or(crate::rules::RuleId::M7, |f| f.mistake());
            self.state.breach(T5, Subject::Session(i as u8), Breach::MemoryLeftAtLogoff { first, count, cause });
        }
    }

    /// The provider's logoff work (T4, T5, T6), with its faults. T6:
    /// "a provider should first invalidate its logon object by calling
    /// IMAPISupport::MakeInvalid" and "must release the support object
    /// last"; the session's transfers and memory go in between.
    fn provider_cleanup(&mut self, i: usize) {
        let support_first = self.has_fault(i, TransportFault::ReleaseSupportFirst);
        if support_first {
            self.release_session_support(i);
        } else {
            self.make_invalid(i);
        }
        self.requeue(i, Direction::Send, &[T4, I1]);
        self.requeue(i, Direction::Receive, &[T4, I1]);
        if self.has_fault(i, TransportFault::FreeChildBlock) {
            let children: Vec<_> = self.state.memory.live_children(i as u8).collect();
            for child in children {
                self.free_call(i, Some(child));
            }
        }
        let mut roots: Vec<_> = self.state.memory.live_roots(i as u8).collect();
        if self.has_fault(i, TransportFault::LeakMemory) {
            self.state.sessions[i].cleanup_leaked = roots.pop();
        }
        for root in roots {
            self.free_call(i, Some(root));
        }
        if support_first {
            // M6: the cleanup goes on after the support object is gone.
            self.make_invalid(i);
        } else {
            self.release_session_support(i);
        }
    }

    /// IMAPISupport::MakeInvalid on the session's logon object (T6).
    fn make_invalid(&mut self, i: usize) {
        let h =
            self.call(Who::Session(i), Who::Mapi, Method::MakeInvalid, || vec![arg::count("ulFlags", 0), arg::count("lpObject", i as u32)]);
        let answer = if self.state.sessions[i].support_released {
            self.state.breach(I3, Subject::SessionSupport(i as u8), Breach::CallOnReleased { method: Method::MakeInvalid });
            Answer::fail(HResult::MAPI_E_INVALID_OBJECT, &[T6, I3], "MakeInvalid on a support object the provider already released")
        } else {
            self.state.sessions[i].invalid = true;
            Answer::ok(&[T6], "From now on only AddRef, Release and QueryInterface reach the logon")
        };
        self.ret(h, answer);
    }

    fn release_session_support(&mut self, i: usize) {
        let h = self.call(Who::Session(i), Who::Mapi, Method::SupportRelease, Vec::new);
        if self.state.sessions[i].support_released {
            self.state.breach(I4, Subject::SessionSupport(i as u8), Breach::OverRelease);
            self.ret(h, Answer::fail(HResult::MAPI_E_INVALID_OBJECT, &[I4], "The support object was already released"));
            return;
        }
        self.state.sessions[i].support_released = true;
        self.ret(h, Answer::ok(&[T6], "The provider releases its support object last"));
    }

    /// IXPLogon::Release from the spooler. A logon that never completed its
    /// logoff work does it now (T8), unless the provider is faulty.
    fn spooler_releases_session(&mut self, i: usize) {
        let h = self.call(Who::Spooler, Who::Session(i), Method::XpLogonRelease, Vec::new);
        let pending = !self.state.sessions[i].support_released;
        // M9: a provider whose TransportLogoff failed believes it is still
        // logged on; M10: a provider that never does logoff work at Release.
        let believes_alive = matches!(
            self.state.sessions[i].cleanup_skipped,
            Some(TransportFault::FailTransportLogoff | TransportFault::RejectReservedLogoffFlags)
        );
        let not_idempotent = self.has_fault(i, TransportFault::LogoffNotIdempotent);
        let skips = believes_alive || not_idempotent;
        if pending && not_idempotent && !believes_alive {
            // The first fault that stopped the cleanup is the one to blame.
            self.state.sessions[i].cleanup_skipped.get_or_insert(TransportFault::LogoffNotIdempotent);
        }
        if pending && !skips {
            // T1, T8: a well-behaved provider passes 0 to its own TransportLogoff.
            let flags =
                if self.has_fault(i, TransportFault::PassReservedLogoffFlags) { TransportLogoffFlags::LOGOFF_HURRY.bits() } else { 0 };
            self.transport_logoff(i, Who::Session(i), flags);
        }
        self.state.sessions[i].phase = SessionPhase::Released;
        let answer = match (pending, skips) {
            (true, false) => Answer::ok(&[T8], "The logon had not done its logoff work: Release does it first"),
            (true, true) => Answer::ok(&[T8], "The provider skips its logoff work at Release, which T8 requires"),
            (false, _) => Answer::ok(&[T7], "The spooler releases the logon"),
        };
        self.ret(h, answer);
        self.shutdown_if_last_logon(self.transport_of(i));
    }

    /// MAPI shuts a transport provider down once its last logon is released
    /// (T6, I6).
    fn shutdown_if_last_logon(&mut self, t: usize) {
        if self.state.transports[t] != ProviderPhase::Active {
            return;
        }
        let mut sessions = self.topo.sessions.iter().enumerate().filter(|(_, s)| usize::from(s.transport) == t);
        if sessions.all(|(i, _)| self.state.sessions[i].phase == SessionPhase::Released) {
            let h = self.call(Who::Mapi, Who::Transport(t), Method::XpProviderShutdown, || {
                vec![arg::flags("ulFlags", FlagSet::Deinit, DeinitFlags::DEINIT_NORMAL.bits())]
            });
            self.ret(h, Answer::ok(&[T6, I6], "The provider's last logon is released"));
            let r = self.call(Who::Mapi, Who::Transport(t), Method::XpProviderRelease, Vec::new);
            self.ret(r, Answer::ok(&[T6], "MAPI releases the provider"));
            self.state.transports[t] = ProviderPhase::ShutDown;
        }
    }

    /// The spooler releases a logon without TransportLogoff first (T8).
    pub(crate) fn release_session_without_logoff(&mut self, i: usize) -> Answer {
        if self.state.sessions[i].phase == SessionPhase::Released {
            let h = self.call(Who::Spooler, Who::Session(i), Method::XpLogonRelease, Vec::new);
            self.state.breach(I4, Subject::Session(i as u8), Breach::OverRelease);
            return self.ret(h, Answer::fail(HResult::MAPI_E_INVALID_OBJECT, &[I4, I3], "Release on a logon with no reference left"));
        }
        self.discard_address_types(i);
        self.state.sessions[i].phase = SessionPhase::LoggedOff;
        self.spooler_releases_session(i);
        self.take_back_transfers(i);
        Answer::ok(&[T8], "A final Release without TransportLogoff behaves as TransportLogoff followed by Release")
    }

    /// IXPProvider::Shutdown: a well-behaved provider logs its open sessions
    /// off and releases them first (T8), so I6 holds.
    pub(crate) fn shutdown_provider(&mut self, t: usize, flags: u32) -> Answer {
        let h =
            self.call(Who::Spooler, Who::Transport(t), Method::XpProviderShutdown, || vec![arg::flags("ulFlags", FlagSet::Deinit, flags)]);
        if self.state.transports[t] == ProviderPhase::ShutDown {
            self.state.breach(I3, Subject::Transport(t as u8), Breach::CallOnReleased { method: Method::XpProviderShutdown });
            return self.ret(h, Answer::fail(HResult::MAPI_E_INVALID_OBJECT, &[I3], "The provider was already shut down"));
        }
        if flags & !DeinitFlags::DEFINED != 0 {
            return self.ret(h, Answer::fail(HResult::MAPI_E_UNKNOWN_FLAGS, &[T1], "Undefined bits in ulFlags: nothing is shut down"));
        }
        // T1, T8: a well-behaved provider logs its sessions off with 0; the
        // faulty one maps DEINIT_HURRY/DEINIT_NORMAL onto the reserved flags.
        let hurry = flags & DeinitFlags::DEINIT_HURRY.bits() != 0;
        let logoff_flags = match (self.topo.transports[t].faults.has(TransportFault::PassReservedLogoffFlags), hurry) {
            (false, _) => 0,
            (true, true) => TransportLogoffFlags::LOGOFF_HURRY.bits(),
            (true, false) => TransportLogoffFlags::LOGOFF_NORMAL.bits(),
        };
        let faulty = self.topo.transports[t].faults.has(TransportFault::LogoffNotIdempotent);
        for i in 0..self.topo.sessions.len() {
            if self.transport_of(i) != t || self.state.sessions[i].phase == SessionPhase::Released {
                continue;
            }
            if faulty {
                // The open logon outlives its provider; check_invariants reports I6.
                continue;
            }
            if self.state.sessions[i].phase == SessionPhase::LoggedOn {
                self.end_traffic(i);
                self.discard_address_types(i);
                self.transport_logoff(i, Who::Transport(t), logoff_flags);
            }
            self.discard_address_types(i);
            self.state.sessions[i].phase = SessionPhase::LoggedOff;
            self.take_back_transfers(i);
            self.state.sessions[i].phase = SessionPhase::Released;
            let r = self.call(Who::Transport(t), Who::Session(i), Method::XpLogonRelease, Vec::new);
            self.ret(r, Answer::ok(&[T8], "The provider releases its logon before it finishes shutting down"));
        }
        self.state.transports[t] = ProviderPhase::ShutDown;
        self.ret(h, Answer::ok(&[T8, I6], "Shutdown logs every open session off first"));
        let r = self.call(Who::Mapi, Who::Transport(t), Method::XpProviderRelease, Vec::new);
        self.ret(r, Answer::ok(&[T8], "MAPI releases the provider"));
        let why = if faulty { "The provider shut down with sessions still open" } else { "Shutdown logs every open session off first" };
        Answer::ok(&[T8, I6], why)
    }

    pub(crate) fn flush_queues(&mut self, i: usize, flags: u32) -> Answer {
        if let Some(refusal) = self.refuse_released_session(i, Method::FlushQueues) {
            let h =
                self.call(Who::Spooler, Who::Session(i), Method::FlushQueues, || vec![arg::flags("ulFlags", FlagSet::FlushQueues, flags)]);
            return self.ret(h, refusal);
        }
        self.flush_queues_call(i, flags, &[S7])
    }

    /// IXPLogon::FlushQueues: the session starts flushing in the directions
    /// asked; the spooler ends the flush with TransportNotify when done.
    pub(crate) fn flush_queues_call(&mut self, i: usize, flags: u32, rules: &'static [crate::rules::RuleId]) -> Answer {
        let h = self.call(Who::Spooler, Who::Session(i), Method::FlushQueues, || vec![arg::flags("ulFlags", FlagSet::FlushQueues, flags)]);
        let answer = if flags & !FlushFlags::DEFINED != 0 {
            Answer::fail(HResult::MAPI_E_UNKNOWN_FLAGS, &[], "Undefined bits in ulFlags")
        } else if !self.state.sessions[i].is_live() {
            Answer::fail(HResult::MAPI_E_INVALID_OBJECT, &[T7], "The session is logged off")
        } else {
            let directions = flags & (FlushFlags::FLUSH_UPLOAD | FlushFlags::FLUSH_DOWNLOAD).bits();
            self.state.sessions[i].flushing |= directions as u8;
            Answer::ok(rules, "The session flushes its queues")
        };
        self.ret(h, answer)
    }

    pub(crate) fn mail_arrives(&mut self, i: usize, steps: u8) -> Answer {
        if self.state.messages.len() >= crate::scenario::limits::MESSAGES {
            return Answer::fail(HResult::MAPI_E_NOT_ENOUGH_MEMORY, &[], "The model caps a scenario at 20000 messages");
        }
        let mask = self.topo.sessions[i].address_types;
        let address_type = (0..32).find(|b| mask & (1 << b) != 0).unwrap_or(0) as u8;
        self.state.messages.push(Message { origin: None, address_type, steps });
        let id = (self.state.messages.len() - 1) as MessageId;
        self.state.sessions[i].held.push(id);
        Answer::ok(&[], "New mail waits at the transport")
    }

    /// MAPIAllocateBuffer / MAPIAllocateMore.
    pub(crate) fn allocate(&mut self, i: usize, parent: Option<u16>) -> Answer {
        let owner = i as u8;
        if self.state.sessions[i].phase == SessionPhase::Released {
            self.state.breach(I3, Subject::Session(i as u8), Breach::AllocationByReleasedLogon);
        }
        if self.state.memory.blocks.len() >= crate::scenario::limits::BLOCKS {
            let h = self.call(Who::Session(i), Who::Mapi, Method::AllocateBuffer, || vec![arg::count("cbSize", 64)]);
            return self.ret(h, Answer::fail(HResult::MAPI_E_NOT_ENOUGH_MEMORY, &[], "The model caps a scenario at 60000 memory blocks"));
        }
        match parent {
            None => {
                let h = self.call(Who::Session(i), Who::Mapi, Method::AllocateBuffer, || vec![arg::count("cbSize", 64)]);
                let block = self.state.memory.allocate(owner, BlockKind::Data);
                self.trace.annotate(h, || format!("block {block}"));
                self.ret(h, Answer::ok(&[T5], "A root block the session must free by TransportLogoff"))
            }
            Some(p) => {
                let h = self.call(Who::Session(i), Who::Mapi, Method::AllocateMore, || {
                    vec![arg::count("cbSize", 64), arg::block("lpObject", Some(p))]
                });
                let answer = match self.state.memory.allocate_more(owner, p) {
                    Ok(block) => {
                        self.trace.annotate(h, || format!("block {block}"));
                        Answer::ok(&[T5], "A child block, freed with its root")
                    }
                    Err(misuse) => {
                        self.state.breach(T9, Subject::Block(p), Breach::MemoryMisuse { misuse });
                        Answer::fail(HResult::MAPI_E_INVALID_PARAMETER, &[T9], "MAPIAllocateMore needs a live root block")
                    }
                };
                self.ret(h, answer)
            }
        }
    }

    pub(crate) fn free(&mut self, i: usize, block: Option<u16>) -> Answer {
        self.free_call(i, block)
    }

    /// MAPIFreeBuffer; misuse is recorded (T9) and the heap is unchanged.
    /// Freeing an AddressTypes array while the spooler still routes by it
    /// (before T2, so before TransportLogoff) breaks T5.
    fn free_call(&mut self, i: usize, block: Option<u16>) -> Answer {
        let h = self.call(Who::Session(i), Who::Mapi, Method::FreeBuffer, || vec![arg::block("lpBuffer", block)]);
        let routed_by = block
            .and_then(|b| self.state.memory.blocks.get(usize::from(b)))
            .filter(|b| !b.freed && b.kind == BlockKind::AddressTypes)
            .map(|b| usize::from(b.owner));
        if let (Some(owner), Some(b)) = (routed_by, block)
            && self.state.sessions[owner].routing
        {
            self.state.breach(T5, Subject::Block(b), Breach::AddressTypesFreedEarly);
        }
        let answer = match self.state.memory.free(block) {
            Ok(()) if block.is_none() => Answer::ok(&[], "MAPIFreeBuffer(NULL) does nothing"),
            Ok(()) => Answer::ok(&[T5], "The block and its children are freed"),
            Err(misuse) => {
                self.state.breach(T9, Subject::Block(block.unwrap_or(u16::MAX)), Breach::MemoryMisuse { misuse });
                Answer::fail(HResult::MAPI_E_INVALID_PARAMETER, &[T9], misuse.describe())
            }
        };
        self.ret(h, answer)
    }
}

fn logoff_why(hr: HResult) -> &'static str {
    if hr.is_success() {
        "The spooler discarded the AddressTypes, ended traffic, logged the session off and released it"
    } else {
        "TransportLogoff failed, but a failure never vetoes: the spooler released the session anyway"
    }
}
