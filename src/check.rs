//! The trace checker: replays a log of calls (the JSON Lines format of
//! `tracefile`) against the protocol and reports diagnostics, each with its
//! rule id, the provider mistake when one applies, a severity, the line,
//! the objects involved, a one-line message and the page behind the rule.
//!
//! The checker only observes calls: it does not run the model. That makes
//! cross-validation meaningful: a simulated run with well-behaved providers
//! must give no diagnostic, and a run with a provider fault switched on
//! must give exactly that fault's mistake (tests/check.rs).
//!
//! It streams: memory grows with the number of objects in the log, not the
//! number of lines, and at most [`MAX_DIAGNOSTICS`] diagnostics are kept
//! (the rest are counted).

use crate::error::InputError;
use crate::fingerprint::BuildFingerprint;
use crate::flags::{StoreLogoffFlag, StoreLogoffOutFlags, TransportNotifyFlags};
use crate::hresult::HResult;
use crate::rules::RuleId::{self, *};
use crate::tracefile::{Call, Line, ObjectKind, ObjectRef, parse_line};
use serde::Serialize;
use std::collections::HashMap;
use std::hash::Hash;

/// Diagnostics kept in a report; more are counted in `omitted`.
pub const MAX_DIAGNOSTICS: usize = 10_000;

crate::json::string_enum! {
    pub enum Severity {
        Error = "error",
        Warning = "warning",
        Info = "info",
    }
}

/// One finding.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    /// The rule (S1..T9, I1..I6); `None` for lines that are not usable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleId>,
    /// The provider mistake (M1..M11) behind it, when one applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mistake: Option<RuleId>,
    pub severity: Severity,
    /// `malformedLine`, `notUnderstood`, or the rule id.
    pub code: String,
    /// 1-based line of the call that showed the problem.
    pub line: u64,
    /// Other lines involved (the call that started what went wrong).
    pub related: Vec<u64>,
    pub objects: Vec<String>,
    pub message: String,
    /// The documentation page behind the rule (or the mistake).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc_url: Option<String>,
}

#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub lines: u64,
    pub calls: u64,
    pub errors: u64,
    pub warnings: u64,
    /// Diagnostics past [`MAX_DIAGNOSTICS`], counted but not kept.
    pub omitted: u64,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }
}

#[derive(Default)]
struct StoreTrack {
    saved_flag: Option<u32>,
    /// StoreLogoffTransports calls that ended this shutdown: COMPLETE,
    /// MAPI_E_NO_SUPPORT, or a veto during the final release.
    completions: u32,
    first_flags: Option<u32>,
    last_result: Option<HResult>,
    /// COMPLETE was returned: only Release/AddRef/QueryInterface may follow.
    invalid_since: Option<u64>,
    final_release: Option<u64>,
    /// A StoreLogoffTransports call before the final release was vetoed:
    /// "a call has occurred" (S14), so none at the release also conforms.
    vetoed_before_release: bool,
    /// The completing call was made inside the final release (S14's ABORT).
    completed_in_release: bool,
    support_released: bool,
    destroyed: bool,
    /// Opened by (process, profile) pairs (S8).
    openers: Vec<(u64, String)>,
}

#[derive(Default)]
struct SessionTrack {
    provider: Option<String>,
    address_types_block: Option<u64>,
    logoff_line: Option<u64>,
    logoff_failed: bool,
    traffic_ended: bool,
    /// The spooler discarded the AddressTypes (T2): the array may go now.
    address_types_discarded: bool,
    support_released_at: Option<u64>,
    cleanup_after_support_reported: bool,
    invalid: bool,
    released_at: Option<u64>,
    in_flight: Vec<u64>,
}

#[derive(Default)]
struct BlockTrack {
    owner: String,
    parent: Option<u64>,
    freed: bool,
    /// Allocated by a logon that was already released.
    late: bool,
}

/// Objects of one kind by their id in the log, in the order they first
/// appeared: lookups are hashed, iteration is deterministic without sorting.
struct Table<K, T> {
    index: HashMap<K, usize, BuildFingerprint>,
    items: Vec<(K, T)>,
}

impl<K, T> Default for Table<K, T> {
    fn default() -> Self {
        Table { index: HashMap::default(), items: Vec::new() }
    }
}

impl<K: Hash + Eq + Clone, T: Default> Table<K, T> {
    fn entry(&mut self, key: &K) -> &mut T {
        let at = match self.index.get(key) {
            Some(&at) => at,
            None => {
                self.index.insert(key.clone(), self.items.len());
                self.items.push((key.clone(), T::default()));
                self.items.len() - 1
            }
        };
        &mut self.items[at].1
    }

    fn get(&self, key: &K) -> Option<&T> {
        self.index.get(key).map(|&at| &self.items[at].1)
    }

    fn get_mut(&mut self, key: &K) -> Option<&mut T> {
        self.index.get(key).map(|&at| &mut self.items[at].1)
    }

    fn iter(&self) -> impl Iterator<Item = &(K, T)> {
        self.items.iter()
    }

    fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.items.iter_mut().map(|(_, t)| t)
    }
}

/// The checker. Feed it lines (or chunks of text), then call `finish`.
#[derive(Default)]
pub struct Checker {
    report: Report,
    stores: Table<String, StoreTrack>,
    sessions: Table<String, SessionTrack>,
    blocks: Table<u64, BlockTrack>,
    saw_allocations: bool,
    /// Transport providers shut down, with the line.
    providers_shut_down: Table<String, u64>,
    not_understood: Vec<String>,
    /// Text after the last newline of the last chunk.
    partial: String,
}

/// The methods of IXPLogon, for calls that need only the I3 check.
const IXPLOGON: &[&str] = &[
    "IXPLogon::AddressTypes",
    "IXPLogon::RegisterOptions",
    "IXPLogon::Idle",
    "IXPLogon::Poll",
    "IXPLogon::OpenStatusEntry",
    "IXPLogon::ValidateState",
    "IXPLogon::FlushQueues",
    "IXPLogon::AddRef",
    "IXPLogon::QueryInterface",
];

const KNOWN_OTHER: &[&str] = &[
    "IMSLogon::Logoff",
    "IMSLogon::Release",
    "IMSProvider::Shutdown",
    "IMSProvider::Release",
    "IXPProvider::Release",
    "IXPLogon::FlushQueues",
    "IXPLogon::AddressTypes",
    "IXPLogon::Poll",
    "IUnknown::QueryInterface",
    "IUnknown::AddRef",
    "MAPI::RemoveStatusRow",
    "Spooler::ReleaseStoreLogon",
];

impl Checker {
    pub fn new() -> Checker {
        Checker::default()
    }

    /// Feeds a chunk of text; lines may span chunks.
    pub fn feed(&mut self, chunk: &str) {
        let mut text = std::mem::take(&mut self.partial);
        text.push_str(chunk);
        let mut rest = text.as_str();
        while let Some(at) = rest.find('\n') {
            self.line(rest[..at].trim_end_matches('\r'));
            rest = &rest[at + 1..];
        }
        self.partial = rest.to_string();
    }

    /// Checks one line of the file.
    pub fn line(&mut self, text: &str) {
        self.report.lines += 1;
        let number = self.report.lines;
        match parse_line(text, number) {
            Ok(Line::Call(call)) => {
                self.report.calls += 1;
                self.call(&call);
            }
            Ok(_) => {}
            Err(e) => self.malformed(number, e),
        }
    }

    fn malformed(&mut self, line: u64, e: InputError) {
        self.push(Diagnostic {
            rule: None,
            mistake: None,
            severity: Severity::Error,
            code: "malformedLine".into(),
            line,
            related: Vec::new(),
            objects: Vec::new(),
            message: format!("line {line} is not a call: {e}"),
            doc_url: None,
        });
    }

    fn push(&mut self, d: Diagnostic) {
        match d.severity {
            Severity::Error => self.report.errors += 1,
            Severity::Warning => self.report.warnings += 1,
            Severity::Info => {}
        }
        if self.report.diagnostics.len() < MAX_DIAGNOSTICS {
            self.report.diagnostics.push(d);
        } else {
            self.report.omitted += 1;
        }
    }

    fn diag(&mut self, rule: RuleId, mistake: Option<RuleId>, line: u64, related: Vec<u64>, objects: Vec<String>, message: String) {
        let doc = mistake.unwrap_or(rule);
        self.push(Diagnostic {
            rule: Some(rule),
            mistake,
            severity: Severity::Error,
            code: rule.as_str().into(),
            line,
            related,
            objects,
            message,
            doc_url: doc.doc_url(),
        });
    }

    fn call(&mut self, c: &Call) {
        use ObjectKind as K;
        let method = c.method.as_str();
        let ok = c.hresult.is_none_or(HResult::is_success);
        match (c.object.kind, method) {
            (K::Store, "IMAPISession::OpenMsgStore") => self.open_store(c),
            (K::Store, "IMsgStore::StoreLogoff") => self.store_logoff(c, ok),
            (K::Store, "IMessage::SubmitMessage") => {
                self.store_call_after_complete(c, ok);
            }
            (K::Store, "IMsgStore::AddRef") => {
                self.store_call_on_destroyed(c);
            }
            (K::Store, "IMsgStore::Release") => self.store_release(c),
            (K::Store, "IMsgStore::NotifyNewMail") => self.end_transfer(c),
            (K::StoreSupport, "IMAPISupport::StoreLogoffTransports") => self.store_logoff_transports(c, ok),
            (K::StoreSupport, "IMAPISupport::Release") => self.store_support_release(c),
            (K::StoreSupport, _) => self.call_on_store_support(c),
            (K::Session, "IXPLogon::TransportNotify") => self.transport_notify(c),
            (K::Session, "IXPLogon::TransportLogoff") => self.transport_logoff(c, ok),
            (K::Session, "IXPLogon::Release") => self.session_release(c),
            (K::Session, "IXPLogon::SubmitMessage" | "IXPLogon::StartMessage") => {
                let _ = self.session_call(c);
                if let Some(m) = c.message {
                    let in_flight = &mut self.sessions.entry(&c.object.id).in_flight;
                    if !in_flight.contains(&m) {
                        in_flight.push(m);
                    }
                }
            }
            (K::Session, "IXPLogon::EndMessage") => {
                let _ = self.session_call(c);
                self.end_transfer(c);
            }
            (K::Session, "Spooler::RequeueMessage") | (_, "Spooler::RequeueMessage") => self.end_transfer(c),
            (K::Session, "Spooler::DiscardAddressTypes") => {
                self.session(c).address_types_discarded = true;
            }
            (K::Session, _) if IXPLOGON.contains(&method) || method.starts_with("Spooler::") => {
                let _ = self.session_call(c);
            }
            (K::SessionSupport, "IMAPISupport::Release") => self.session_support_release(c),
            (K::SessionSupport, _) => self.call_on_session_support(c),
            (K::Block, "MAPIAllocateBuffer" | "MAPIAllocateMore") => self.allocate(c),
            (K::Block, "MAPIFreeBuffer") => self.free(c),
            (K::Transport, "IXPProvider::Shutdown") => self.provider_shutdown(c),
            _ if KNOWN_OTHER.contains(&method) => {}
            _ => {
                if !self.not_understood.iter().any(|m| m == method) {
                    self.not_understood.push(method.to_string());
                    self.push(Diagnostic {
                        rule: None,
                        mistake: None,
                        severity: Severity::Info,
                        code: "notUnderstood".into(),
                        line: c.line,
                        related: Vec::new(),
                        objects: vec![c.object.to_string()],
                        message: format!(
                            "{method} on a {} is not a call this checker understands; such lines are skipped",
                            c.object.kind.as_str()
                        ),
                        doc_url: None,
                    });
                }
            }
        }
        if let Some(caller) = &c.caller {
            self.check_session_cleanup_order(caller, c);
        }
    }

    // ---- stores --------------------------------------------------------

    fn open_store(&mut self, c: &Call) {
        let store = self.stores.entry(&c.object.id);
        if store.destroyed {
            *store = StoreTrack::default();
        }
        if let (Some(process), Some(profile)) = (c.process, &c.profile) {
            if !store.openers.iter().any(|(p, f)| *p == process && f == profile) {
                store.openers.push((process, profile.clone()));
            }
        }
    }

    fn store_call_on_destroyed(&mut self, c: &Call) -> bool {
        let destroyed = self.stores.get(&c.object.id).is_some_and(|s| s.destroyed);
        if destroyed {
            self.diag(
                I3,
                None,
                c.line,
                vec![],
                vec![c.object.to_string()],
                format!("{} reached store {} after its last reference was released", c.method, c.object.id),
            );
        }
        destroyed
    }

    /// S9: after COMPLETE only Release, AddRef and QueryInterface. Returns
    /// whether the call came after COMPLETE.
    fn store_call_after_complete(&mut self, c: &Call, ok: bool) -> bool {
        if self.store_call_on_destroyed(c) {
            return true;
        }
        let Some(since) = self.stores.get(&c.object.id).and_then(|s| s.invalid_since) else { return false };
        let (rule, message) = if ok {
            (
                S9,
                format!(
                    "store {} accepted {} after returning LOGOFF_COMPLETE; it must answer MAPI_E_INVALID_OBJECT",
                    c.object.id, c.method
                ),
            )
        } else {
            (I3, format!("{} was called on store {} after LOGOFF_COMPLETE; only Release may follow", c.method, c.object.id))
        };
        self.diag(rule, Some(M5), c.line, vec![since], vec![c.object.to_string()], message);
        true
    }

    fn store_logoff(&mut self, c: &Call, ok: bool) {
        // A store that wrongly accepts StoreLogoff after COMPLETE (M5) still
        // saved the new flag, so go on recording it.
        if self.store_call_after_complete(c, ok) && !ok {
            return;
        }
        if c.hresult == Some(HResult::MAPI_E_NO_SUPPORT) {
            let message = format!(
                "store {} passed MAPI_E_NO_SUPPORT from StoreLogoffTransports on to its caller; it must treat it as normal",
                c.object.id
            );
            self.diag(S11, Some(M4), c.line, vec![], vec![c.object.to_string()], message);
            return;
        }
        let flags = c.flags.unwrap_or(0);
        let valid = StoreLogoffFlag::from_raw(flags).is_ok();
        if !valid && ok {
            let message = format!(
                "store {} accepted StoreLogoff with {}; exactly one input flag is allowed",
                c.object.id,
                crate::flags::FlagSet::StoreLogoff.format(flags)
            );
            self.diag(S1, Some(M3), c.line, vec![], vec![c.object.to_string()], message);
            return;
        }
        if !valid || !ok {
            return;
        }
        let store = self.stores.entry(&c.object.id);
        store.saved_flag = Some(flags);
        if c.out_flags.is_some_and(|f| f & StoreLogoffOutFlags::LOGOFF_COMPLETE.bits() != 0) {
            store.invalid_since = Some(c.line);
        }
    }

    fn store_release(&mut self, c: &Call) {
        let store = self.stores.entry(&c.object.id);
        if store.destroyed {
            let message = format!("Release on store {} after its last reference was released", c.object.id);
            self.diag(I4, None, c.line, vec![], vec![c.object.to_string()], message);
            return;
        }
        if c.ref_count == Some(0) {
            store.final_release = Some(c.line);
            store.destroyed = true;
        }
    }

    fn store_logoff_transports(&mut self, c: &Call, ok: bool) {
        let id = c.object.id.clone();
        let objects = vec![format!("store {id}")];
        let store = self.stores.entry(&id);
        if store.support_released {
            self.diag(
                I3,
                None,
                c.line,
                vec![],
                objects,
                format!("StoreLogoffTransports on the support object of store {id}, which was already released"),
            );
            return;
        }
        let flags = c.flags.unwrap_or(0);
        let result = c.hresult;
        store.last_result = result;
        if result == Some(HResult::MAPI_E_NO_SUPPORT) {
            store.completions += 1;
            return;
        }
        if store.completions > 0 {
            let message =
                format!("StoreLogoffTransports called again for store {id} after it completed; MAPI answers MAPI_E_INVALID_OBJECT");
            self.diag(S10, Some(M2), c.line, vec![], objects, message);
            return;
        }
        if StoreLogoffFlag::from_raw(flags).is_err() {
            let output_bits = flags & StoreLogoffOutFlags::DEFINED != 0;
            let message = format!(
                "store {id} passed {} to StoreLogoffTransports{}",
                crate::flags::FlagSet::StoreLogoff.format(flags),
                if output_bits {
                    ": output bits passed back as input (a reused in/out variable)"
                } else {
                    "; exactly one input flag is allowed"
                }
            );
            self.diag(S1, Some(M3), c.line, vec![], objects.clone(), message);
            // S8 comes first: a call MAPI ignored ended the shutdown anyway.
            let ignored = ok && c.out_flags == Some(StoreLogoffOutFlags::LOGOFF_COMPLETE.bits());
            if !ignored {
                return;
            }
        }
        let out = c.out_flags.unwrap_or(0);
        let complete = ok && out & StoreLogoffOutFlags::LOGOFF_COMPLETE.bits() != 0;
        let shared = self.stores.get(&id).is_some_and(|s| {
            let profiles: Vec<&String> = s.openers.iter().map(|(_, p)| p).collect();
            s.openers.len() > 1 && profiles.windows(2).any(|w| w[0] == w[1])
        });
        if shared && !(ok && out == StoreLogoffOutFlags::LOGOFF_COMPLETE.bits()) {
            let message = format!(
                "store {id} is open in another process of the same profile, so MAPI must ignore the call with S_OK and exactly LOGOFF_COMPLETE"
            );
            self.diag(S8, None, c.line, vec![], objects.clone(), message);
        }
        let store = self.stores.get_mut(&id).expect("inserted above");
        // A veto during the final release still ends this shutdown: the
        // store goes away either way (S17), so another call is a repeat.
        if complete || (ok && store.final_release.is_some()) {
            store.completions += 1;
            store.first_flags.get_or_insert(flags);
            store.invalid_since.get_or_insert(c.line);
            store.completed_in_release = store.final_release.is_some();
        } else if ok {
            store.vetoed_before_release = true;
        }
    }

    /// The store releases its support object: the end of its shutdown
    /// (S13): StoreLogoffTransports must have run exactly once, with the
    /// client's flag or LOGOFF_ABORT (I5, S12, S14).
    fn store_support_release(&mut self, c: &Call) {
        let id = c.object.id.clone();
        let objects = vec![format!("store {id}")];
        let store = self.stores.entry(&id);
        if store.support_released {
            self.diag(I4, None, c.line, vec![], objects, format!("the support object of store {id} was released twice"));
            return;
        }
        store.support_released = true;
        let expected = store.saved_flag.unwrap_or(StoreLogoffFlag::Abort.bits());
        let fmt = |f: u32| crate::flags::FlagSet::StoreLogoff.format(f);
        let (completions, first, last) = (store.completions, store.first_flags, store.last_result);
        let (vetoed, in_release) = (store.vetoed_before_release, store.completed_in_release);
        // S14: after a veto before the final release "a call has occurred":
        // a second call with LOGOFF_ABORT and none at all both conform.
        if completions == 0 {
            let refused = last.is_some_and(|r| !r.is_success());
            if !refused && !vetoed {
                let message = format!(
                    "store {id} released its support object without calling StoreLogoffTransports (it should have passed {})",
                    fmt(expected)
                );
                self.diag(S14, Some(M1), c.line, vec![], objects, message);
            }
        } else if let Some(first) = first
            && last != Some(HResult::MAPI_E_NO_SUPPORT)
            && first != expected
            && !(in_release && first == StoreLogoffFlag::Abort.bits())
            && StoreLogoffFlag::from_raw(first).is_ok()
        {
            let message = format!("store {id} called StoreLogoffTransports with {} but the client gave {}", fmt(first), fmt(expected));
            self.diag(I5, None, c.line, vec![], objects, message);
        }
    }

    fn call_on_store_support(&mut self, c: &Call) {
        if self.stores.get(&c.object.id).is_some_and(|s| s.support_released) {
            let message = format!("{} on the support object of store {}, which was already released", c.method, c.object.id);
            self.diag(I3, None, c.line, vec![], vec![format!("store {}", c.object.id)], message);
        }
    }

    // ---- sessions ------------------------------------------------------

    fn session(&mut self, c: &Call) -> &mut SessionTrack {
        let s = self.sessions.entry(&c.object.id);
        if s.provider.is_none() {
            s.provider = c.provider.clone().or_else(|| c.object.provider.clone());
        }
        s
    }

    /// Calls that may not reach a released or invalidated logon (I3).
    /// Returns whether the call reached a logon that was already released.
    fn session_call(&mut self, c: &Call) -> bool {
        let released = self.session(c).released_at;
        let invalid = self.session(c).invalid;
        // A logon's calls on itself (the T8 logoff inside its own Release)
        // are part of the call that released it, not calls reaching it.
        let self_call = c.caller.as_ref().is_some_and(|r| r.kind == ObjectKind::Session && r.id == c.object.id);
        if let (Some(at), false) = (released, self_call) {
            self.diag(
                I3,
                None,
                c.line,
                vec![at],
                vec![c.object.to_string()],
                format!("{} reached session {} after it was released", c.method, c.object.id),
            );
            return true;
        } else if invalid && !self_call && !c.method.starts_with("Spooler::") {
            let message =
                format!("{} reached session {} after MakeInvalid; only AddRef, Release and QueryInterface may", c.method, c.object.id);
            self.diag(I3, None, c.line, vec![], vec![c.object.to_string()], message);
        }
        false
    }

    fn transport_notify(&mut self, c: &Call) {
        if self.session_call(c) {
            return;
        }
        let end = (TransportNotifyFlags::NOTIFY_END_INBOUND | TransportNotifyFlags::NOTIFY_END_OUTBOUND).bits();
        if c.flags.unwrap_or(0) & end == end {
            self.session(c).traffic_ended = true;
        }
    }

    fn transport_logoff(&mut self, c: &Call, ok: bool) {
        if self.session_call(c) {
            return;
        }
        let flags = c.flags.unwrap_or(0);
        let from_spooler = c.caller.as_ref().is_some_and(|r| r.kind == ObjectKind::Spooler);
        let objects = vec![c.object.to_string()];
        // T1: ulFlags is "Reserved; must be zero". Anything else is the
        // caller's mistake (M11), never the provider's; the provider may
        // ignore the bits or refuse them, and must clean up either way (T7).
        if flags != 0 {
            let caller = match &c.caller {
                Some(r) if r.kind == ObjectKind::Spooler => "the spooler".to_string(),
                Some(r) if r.kind == ObjectKind::Session && r.id == c.object.id => format!("session {} itself", c.object.id),
                Some(r) => r.to_string(),
                None => "its caller".to_string(),
            };
            let message = format!(
                "{caller} called TransportLogoff on session {} with ulFlags {}; ulFlags is reserved and must be zero (the caller's mistake)",
                c.object.id,
                crate::flags::FlagSet::TransportLogoff.format(flags)
            );
            self.diag(T1, Some(M11), c.line, vec![], objects.clone(), message);
        }
        if from_spooler && !self.session(c).traffic_ended {
            let message = format!(
                "the spooler called TransportLogoff on session {} without first ending its traffic with TransportNotify",
                c.object.id
            );
            self.push(Diagnostic {
                rule: Some(T3),
                mistake: None,
                severity: Severity::Warning,
                code: "T3".into(),
                line: c.line,
                related: Vec::new(),
                objects,
                message,
                doc_url: T3.doc_url(),
            });
        }
        let s = self.session(c);
        // A failure (or a refusal of reserved flags) logs the session off
        // all the same (T7): whether the provider cleaned up shows later.
        s.logoff_line.get_or_insert(c.line);
        if !ok {
            s.logoff_failed = true;
        }
    }

    fn session_release(&mut self, c: &Call) {
        let s = self.session(c);
        if let Some(at) = s.released_at {
            let message = format!("Release on session {} after it was released", c.object.id);
            self.diag(I4, None, c.line, vec![at], vec![c.object.to_string()], message);
            return;
        }
        s.released_at = Some(c.line);
    }

    fn session_support_release(&mut self, c: &Call) {
        let s = self.sessions.entry(&c.object.id);
        if let Some(at) = s.support_released_at {
            let message = format!("the support object of session {} was released twice", c.object.id);
            self.diag(I4, None, c.line, vec![at], vec![format!("session {}", c.object.id)], message);
            return;
        }
        s.support_released_at = Some(c.line);
    }

    fn call_on_session_support(&mut self, c: &Call) {
        let s = self.sessions.entry(&c.object.id);
        if c.method == "IMAPISupport::MakeInvalid" {
            s.invalid = true;
        }
        if let Some(at) = s.support_released_at {
            let message = format!("{} on the support object of session {}, which it already released", c.method, c.object.id);
            self.diag(I3, Some(M6), c.line, vec![at], vec![format!("session {}", c.object.id)], message);
        }
    }

    /// T6: the support object goes last. A session that keeps cleaning up
    /// (freeing memory) after releasing it made mistake M6.
    fn check_session_cleanup_order(&mut self, caller: &ObjectRef, c: &Call) {
        if caller.kind != ObjectKind::Session || c.object.kind != ObjectKind::Block {
            return;
        }
        let Some(s) = self.sessions.get_mut(&caller.id) else { return };
        if let (Some(at), false) = (s.support_released_at, s.cleanup_after_support_reported) {
            if s.released_at.is_none() {
                s.cleanup_after_support_reported = true;
                let message = format!(
                    "session {} went on cleaning up ({}) after releasing its support object, which must go last",
                    caller.id, c.method
                );
                self.diag(T6, Some(M6), c.line, vec![at], vec![format!("session {}", caller.id)], message);
            }
        }
    }

    fn end_transfer(&mut self, c: &Call) {
        if let Some(m) = c.message {
            for s in self.sessions.values_mut() {
                s.in_flight.retain(|&x| x != m);
            }
        }
    }

    // ---- memory --------------------------------------------------------

    fn allocate(&mut self, c: &Call) {
        let Some(Some(id)) = c.block else { return };
        self.saw_allocations = true;
        let owner = c.caller.as_ref().map(|r| r.id.clone()).unwrap_or_default();
        if c.purpose.as_deref() == Some("addressTypes") {
            self.sessions.entry(&owner).address_types_block = Some(id);
        }
        if let Some(caller) = &c.caller
            && caller.kind == ObjectKind::Session
        {
            let s = self.sessions.entry(&caller.id);
            s.provider = s.provider.take().or_else(|| caller.provider.clone());
        }
        let released = self.sessions.get(&owner).and_then(|s| s.released_at);
        if let Some(at) = released {
            let message = format!("{} was called for session {owner} after the spooler released it", c.method);
            self.diag(I3, None, c.line, vec![at], vec![format!("session {owner}")], message);
        }
        *self.blocks.entry(&id) = BlockTrack { owner, parent: c.parent, freed: false, late: released.is_some() };
    }

    fn free(&mut self, c: &Call) {
        let Some(Some(id)) = c.block else { return };
        let objects = vec![format!("block {id}")];
        let Some(block) = self.blocks.get(&id) else {
            if self.saw_allocations {
                self.diag(T9, Some(M7), c.line, vec![], objects, format!("MAPIFreeBuffer on {id}, which MAPI never allocated in this log"));
            }
            return;
        };
        if block.freed {
            self.diag(T9, Some(M7), c.line, vec![], objects, format!("MAPIFreeBuffer on block {id}, which was already freed"));
            return;
        }
        if block.parent.is_some() {
            self.diag(
                T9,
                Some(M7),
                c.line,
                vec![],
                objects,
                format!("MAPIFreeBuffer on block {id}, a MAPIAllocateMore child; free its root instead"),
            );
            return;
        }
        let owner = block.owner.clone();
        if let Some(s) = self.sessions.get(&owner)
            && s.address_types_block == Some(id)
            && !s.address_types_discarded
            && s.logoff_line.is_none()
            && s.released_at.is_none()
        {
            let message = format!("session {owner} freed its AddressTypes array (block {id}) before TransportLogoff");
            self.diag(T5, Some(M8), c.line, vec![], objects, message);
        }
        for b in self.blocks.values_mut().filter(|b| b.parent == Some(id)) {
            b.freed = true;
        }
        if let Some(b) = self.blocks.get_mut(&id) {
            b.freed = true;
        }
    }

    fn provider_shutdown(&mut self, c: &Call) {
        if let Some(at) = self.providers_shut_down.get(&c.object.id) {
            let message = format!("IXPProvider::Shutdown on transport {} after it was shut down", c.object.id);
            self.diag(I3, None, c.line, vec![*at], vec![c.object.to_string()], message);
            return;
        }
        *self.providers_shut_down.entry(&c.object.id) = c.line;
    }

    /// Ends the check: what can only be judged once every call was seen.
    pub fn finish(mut self) -> Report {
        if !self.partial.trim().is_empty() {
            let rest = std::mem::take(&mut self.partial);
            self.line(&rest);
        }
        self.finish_stores();
        self.finish_sessions();
        self.report
    }

    fn finish_stores(&mut self) {
        let mut found = Vec::new();
        for (id, s) in self.stores.iter() {
            if let Some(line) = s.final_release
                && !s.support_released
            {
                let (mistake, rule, message) = if s.last_result == Some(HResult::MAPI_E_NO_SUPPORT) {
                    (
                        Some(M4),
                        S11,
                        format!(
                            "store {id} stopped its teardown at MAPI_E_NO_SUPPORT and never released its support object, so MAPI never logs it off"
                        ),
                    )
                } else {
                    (None, S16, format!("store {id} was released to zero but never released its support object"))
                };
                found.push((rule, mistake, line, id.clone(), message));
            }
        }
        for (rule, mistake, line, id, message) in found {
            self.diag(rule, mistake, line, vec![], vec![format!("store {id}")], message);
        }
    }

    fn finish_sessions(&mut self) {
        let mut found = Vec::new();
        for (id, s) in self.sessions.iter() {
            // Why the cleanup did not happen, when it did not (support never
            // released): refused flags it must take, a failed logoff it
            // believed kept the session, or no logoff work at all.
            let cause = if s.support_released_at.is_some() {
                None
            } else if s.logoff_failed {
                Some(M9)
            } else if s.logoff_line.is_none() {
                Some(M10)
            } else {
                None
            };
            if let Some(released) = s.released_at {
                let leaked: Vec<(u64, bool)> =
                    self.blocks.iter().filter(|(_, b)| b.owner == *id && !b.freed).map(|(b, t)| (*b, t.late)).collect();
                if !leaked.is_empty() {
                    let list = leaked.iter().map(|(b, _)| b.to_string()).collect::<Vec<_>>().join(", ");
                    // Memory the logon had at TransportLogoff is M7 unless a
                    // failed or skipped logoff explains it; memory allocated
                    // after the release was already reported (I3).
                    let before_release = leaked.iter().any(|(_, late)| !late);
                    let mistake = cause.or(before_release.then_some(M7));
                    found.push((
                        I2,
                        mistake,
                        released,
                        id.clone(),
                        format!("session {id} was logged off with memory still allocated: block {list}"),
                    ));
                }
                if s.support_released_at.is_none() {
                    found.push((
                        I2,
                        cause,
                        released,
                        id.clone(),
                        format!("session {id} was logged off without releasing its support object"),
                    ));
                }
                for &m in &s.in_flight {
                    found.push((
                        I1,
                        None,
                        released,
                        id.clone(),
                        format!("message {m} was still in transfer on session {id} when it was released"),
                    ));
                }
            } else if let Some(provider) = &s.provider
                && let Some(&line) = self.providers_shut_down.get(provider)
            {
                found.push((
                    I6,
                    Some(M10),
                    line,
                    id.clone(),
                    format!("transport {provider} was shut down while its logon {id} was still open"),
                ));
            }
        }
        for (rule, mistake, line, id, message) in found {
            self.diag(rule, mistake, line, vec![], vec![format!("session {id}")], message);
        }
    }
}

/// Checks a whole trace text.
pub fn check_trace(text: &str) -> Report {
    let mut checker = Checker::new();
    checker.feed(text);
    checker.finish()
}
