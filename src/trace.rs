//! The trace: every call between parts, in order, with arguments by name,
//! the HRESULT and the out flags. It is the model's observable behaviour:
//! golden tests compare it, the playground draws it as a sequence diagram
//! and the trace checker reads the same shape from real providers.

use crate::flags::{FlagSet, StoreLogoffOutFlags};
use crate::hresult::HResult;
use crate::rules::RuleId;
use crate::state::Name;
use serde::Serialize;
use std::fmt::{self, Write as _};

crate::json::string_enum! {
    /// The kinds of part that make and receive calls. Each is one lane of the
    /// sequence diagram (stores, sessions and providers one lane per object).
    pub enum PartyKind {
        Client = "client",
        Store = "store",
        /// MAPI itself: support objects, the allocator, provider management.
        Mapi = "mapi",
        Spooler = "spooler",
        /// A transport logon session (IXPLogon).
        Session = "session",
        /// A transport provider (IXPProvider).
        Transport = "transport",
        /// A message store provider (IMSProvider).
        StoreProvider = "storeProvider",
    }
}

/// One side of a call: a kind, an index among parts of that kind, and the
/// scenario's name for it.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Party {
    pub kind: PartyKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub index: Option<u16>,
    pub name: Name,
}

impl Party {
    pub fn client() -> Self {
        Party { kind: PartyKind::Client, index: None, name: Name::fixed("client") }
    }
    pub fn mapi() -> Self {
        Party { kind: PartyKind::Mapi, index: None, name: Name::fixed("MAPI") }
    }
    pub fn spooler() -> Self {
        Party { kind: PartyKind::Spooler, index: None, name: Name::fixed("spooler") }
    }
    pub fn indexed(kind: PartyKind, index: usize, name: &Name) -> Self {
        Party { kind, index: Some(index as u16), name: name.clone() }
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PartyKind::Client | PartyKind::Mapi | PartyKind::Spooler => f.write_str(&self.name),
            PartyKind::Store => write!(f, "store {}", self.name),
            PartyKind::Session => write!(f, "session {}", self.name),
            PartyKind::Transport => write!(f, "transport {}", self.name),
            PartyKind::StoreProvider => write!(f, "store provider {}", self.name),
        }
    }
}

macro_rules! methods {
    ($($variant:ident => $text:literal,)*) => {
        /// `Interface::Method` of every call the model makes. The few
        /// `Spooler::`/`MAPI::` entries are internal steps with no COM call
        /// behind them, recorded because the rules order them (T2, T4, S16).
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
        pub enum Method { $($variant),* }

        impl Method {
            pub const ALL: &'static [Method] = &[$(Method::$variant),*];
            pub const fn as_str(self) -> &'static str {
                match self { $(Method::$variant => $text),* }
            }
        }
    };
}

methods! {
    OpenMsgStore => "IMAPISession::OpenMsgStore",
    StoreAddRef => "IMsgStore::AddRef",
    StoreRelease => "IMsgStore::Release",
    StoreLogoff => "IMsgStore::StoreLogoff",
    SubmitMessage => "IMessage::SubmitMessage",
    NotifyNewMail => "IMsgStore::NotifyNewMail",
    StoreLogoffTransports => "IMAPISupport::StoreLogoffTransports",
    SpoolerNotify => "IMAPISupport::SpoolerNotify",
    MakeInvalid => "IMAPISupport::MakeInvalid",
    SupportRelease => "IMAPISupport::Release",
    MsLogonLogoff => "IMSLogon::Logoff",
    MsLogonRelease => "IMSLogon::Release",
    MsProviderShutdown => "IMSProvider::Shutdown",
    MsProviderRelease => "IMSProvider::Release",
    TransportNotify => "IXPLogon::TransportNotify",
    TransportLogoff => "IXPLogon::TransportLogoff",
    FlushQueues => "IXPLogon::FlushQueues",
    XpSubmitMessage => "IXPLogon::SubmitMessage",
    EndMessage => "IXPLogon::EndMessage",
    StartMessage => "IXPLogon::StartMessage",
    XpLogonRelease => "IXPLogon::Release",
    XpProviderShutdown => "IXPProvider::Shutdown",
    XpProviderRelease => "IXPProvider::Release",
    AllocateBuffer => "MAPIAllocateBuffer",
    AllocateMore => "MAPIAllocateMore",
    FreeBuffer => "MAPIFreeBuffer",
    DiscardAddressTypes => "Spooler::DiscardAddressTypes",
    RequeueMessage => "Spooler::RequeueMessage",
    ReleaseStoreLogon => "Spooler::ReleaseStoreLogon",
    RemoveStatusRow => "MAPI::RemoveStatusRow",
}

impl Method {
    pub fn parse(text: &str) -> Option<Method> {
        Self::ALL.iter().copied().find(|m| m.as_str() == text.trim())
    }

    /// Internal steps are drawn as notes, not arrows.
    pub fn is_internal(self) -> bool {
        matches!(self, Self::DiscardAddressTypes | Self::RequeueMessage | Self::ReleaseStoreLogon | Self::RemoveStatusRow)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Method {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

crate::json::ts_string_union!(
    Method,
    "MethodName",
    "`Interface::Method` of every call the model makes; `Spooler::` and `MAPI::` name internal steps.",
    Method::ALL.iter().map(|m| m.as_str())
);

/// An argument: its name in the SDK signature, its raw value and how it
/// reads (`{ "name": "ulFlags", "value": 2, "text": "LOGOFF_ORDERLY" }`).
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Arg {
    pub name: &'static str,
    pub value: u32,
    pub text: ArgText,
}

/// How an argument reads. Kept as what to write, not the text: most events
/// are never shown, and formatting each one's arguments up front was a
/// third of the traced engine's allocations. JSON and `Display` write the
/// text (`"LOGOFF_ORDERLY"`, `"block 3"`, `"NULL"`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ArgText {
    /// Flag names joined with " | ", undefined bits in hex, "0" for none.
    Flags(FlagSet, u32),
    /// `block N`, or `NULL` for none.
    Block(Option<u16>),
    Message(u16),
    Count(u32),
}

impl fmt::Display for ArgText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ArgText::Flags(set, bits) => crate::flags::write_bits(f, bits, set.table()),
            ArgText::Block(Some(b)) => write!(f, "block {b}"),
            ArgText::Block(None) => f.write_str("NULL"),
            ArgText::Message(id) => write!(f, "message {id}"),
            ArgText::Count(n) => write!(f, "{n}"),
        }
    }
}

// Tests and tools compare an argument with the text they expect.
impl PartialEq<str> for ArgText {
    fn eq(&self, other: &str) -> bool {
        // Matched piece by piece as it is written, so no text is built.
        struct Rest<'a>(&'a str);
        impl fmt::Write for Rest<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.0 = self.0.strip_prefix(s).ok_or(fmt::Error)?;
                Ok(())
            }
        }
        let mut rest = Rest(other);
        write!(rest, "{self}").is_ok() && rest.0.is_empty()
    }
}

impl PartialEq<&str> for ArgText {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl Serialize for ArgText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

crate::json::ts_as!(ArgText => String);

/// One call (or internal step) in the trace.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(not(target_arch = "wasm32"), ts(rename = "TraceEvent"))]
pub struct Event {
    /// Position in the whole trace, from 0.
    pub seq: u32,
    /// The action that caused it, from 1 (the n-th applied action).
    pub step: u32,
    /// Call nesting: 0 for the call the action made, 1 for calls made
    /// inside it, and so on.
    pub depth: u8,
    pub caller: Party,
    pub callee: Party,
    pub method: Method,
    pub args: Vec<Arg>,
    /// What the callee returned; none (null) for internal steps (the
    /// methods named `Spooler::` or `MAPI::`).
    pub hresult: Option<HResult>,
    /// The out flags of StoreLogoff and StoreLogoffTransports.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub out_flags: Option<StoreLogoffOutFlags>,
    /// The rules that decided this call's behaviour.
    // The engine's own static lists: an event does not copy them.
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Vec<RuleId>"))]
    pub rules: &'static [RuleId],
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub note: Option<String>,
}

/// Where the engine reports the calls it makes. The engine is generic over
/// it, so each recorder is its own compiled copy of the engine: [`Trace`]
/// keeps every event; [`NoTrace`] keeps nothing, and in its copy the
/// closures that would build events (parties, arguments, notes) are never
/// called, so they cost neither time nor, in a wasm module that uses only
/// that copy, code size. The explorer has a recorder of its own that keeps
/// only the answers to the calls it watches.
pub trait Recorder {
    /// Opens a call; calls recorded before the matching `ret` nest under it.
    fn call(
        &mut self,
        caller: impl FnOnce() -> Party,
        callee: impl FnOnce() -> Party,
        method: Method,
        args: impl FnOnce() -> Vec<Arg>,
    ) -> CallHandle;

    /// Closes a call with its result and the rules that decided it.
    fn ret(&mut self, handle: CallHandle, hresult: HResult, out_flags: Option<StoreLogoffOutFlags>, rules: &'static [RuleId]);

    /// Adds a note to an open or closed call.
    fn annotate(&mut self, handle: CallHandle, note: impl FnOnce() -> String);

    /// Records an internal step (no COM call, no result).
    fn internal(
        &mut self,
        party: impl FnOnce() -> Party,
        method: Method,
        args: impl FnOnce() -> Vec<Arg>,
        rules: &'static [RuleId],
        note: impl FnOnce() -> String,
    );

    /// Told just before the engine edits a message list other than by
    /// appending to it (`items` is the list as it is now). Only
    /// `Simulation::apply` listens, through [`Trace`]'s journal, to word what
    /// changed from the lists an action touched instead of diffing every list.
    fn before_edit(&mut self, _list: MessageList, _items: &[u16]) {}
}

/// A message list the engine edits other than by appending.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MessageList {
    /// A store's outbound queue.
    Queue(usize),
    /// The inbound mail a session holds.
    Held(usize),
}

/// The lists one action edited, each as it was before the action's first
/// edit of it (appends made earlier in the action included).
#[derive(Clone, Debug, Default)]
pub(crate) struct Journal {
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub lists: Vec<(MessageList, Vec<u16>)>,
}

/// The recorder that records nothing: the engine at full speed.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoTrace;

impl Recorder for NoTrace {
    fn call(&mut self, _: impl FnOnce() -> Party, _: impl FnOnce() -> Party, _: Method, _: impl FnOnce() -> Vec<Arg>) -> CallHandle {
        CallHandle(None)
    }
    fn ret(&mut self, _: CallHandle, _: HResult, _: Option<StoreLogoffOutFlags>, _: &'static [RuleId]) {}
    fn annotate(&mut self, _: CallHandle, _: impl FnOnce() -> String) {}
    fn internal(
        &mut self,
        _: impl FnOnce() -> Party,
        _: Method,
        _: impl FnOnce() -> Vec<Arg>,
        _: &'static [RuleId],
        _: impl FnOnce() -> String,
    ) {
    }
}

/// The recorder that keeps every call, with its parties, arguments,
/// result, rules and notes.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    events: Vec<Event>,
    depth: u8,
    step: u32,
    /// On while `Simulation::apply` runs one action (native builds only:
    /// see `before_edit`).
    #[cfg(not(target_arch = "wasm32"))]
    journal: Option<Journal>,
}

/// Handle to a call opened with [`Recorder::call`], closed with
/// [`Recorder::ret`]: an index the recorder chose, or none.
#[derive(Clone, Copy, Debug)]
#[must_use]
pub struct CallHandle(pub Option<usize>);

impl Trace {
    pub fn new() -> Self {
        Trace::default()
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub(crate) fn start_journal(&mut self) {
        #[cfg(not(target_arch = "wasm32"))]
        {
            self.journal = Some(Journal::default());
        }
    }

    pub(crate) fn take_journal(&mut self) -> Journal {
        #[cfg(not(target_arch = "wasm32"))]
        return self.journal.take().unwrap_or_default();
        #[cfg(target_arch = "wasm32")]
        Journal::default()
    }

    pub(crate) fn set_step(&mut self, step: u32) {
        self.step = step;
        self.depth = 0;
    }

    /// Appends an event at the current step and depth; returns its index.
    fn push(
        &mut self,
        caller: Party,
        callee: Party,
        method: Method,
        args: Vec<Arg>,
        rules: &'static [RuleId],
        note: Option<String>,
    ) -> usize {
        let seq = self.events.len();
        self.events.push(Event {
            seq: seq as u32,
            step: self.step,
            depth: self.depth,
            caller,
            callee,
            method,
            args,
            hresult: None,
            out_flags: None,
            rules,
            note,
        });
        seq
    }
}

impl Recorder for Trace {
    fn call(
        &mut self,
        caller: impl FnOnce() -> Party,
        callee: impl FnOnce() -> Party,
        method: Method,
        args: impl FnOnce() -> Vec<Arg>,
    ) -> CallHandle {
        let seq = self.push(caller(), callee(), method, args(), &[], None);
        self.depth = self.depth.saturating_add(1);
        CallHandle(Some(seq))
    }

    fn ret(&mut self, handle: CallHandle, hresult: HResult, out_flags: Option<StoreLogoffOutFlags>, rules: &'static [RuleId]) {
        if let Some(i) = handle.0 {
            self.depth = self.depth.saturating_sub(1);
            let e = &mut self.events[i];
            e.hresult = Some(hresult);
            e.out_flags = out_flags;
            e.rules = rules;
        }
    }

    fn annotate(&mut self, handle: CallHandle, note: impl FnOnce() -> String) {
        if let Some(i) = handle.0 {
            self.events[i].note = Some(note());
        }
    }

    fn internal(
        &mut self,
        party: impl FnOnce() -> Party,
        method: Method,
        args: impl FnOnce() -> Vec<Arg>,
        rules: &'static [RuleId],
        note: impl FnOnce() -> String,
    ) {
        let party = party();
        self.push(party.clone(), party, method, args(), rules, Some(note()));
    }

    // The wasm module words outcomes from the whole state (src/delta.rs)
    // and keeps no journal: its code would only cost size there.
    #[cfg(not(target_arch = "wasm32"))]
    fn before_edit(&mut self, list: MessageList, items: &[u16]) {
        if let Some(journal) = &mut self.journal {
            if !journal.lists.iter().any(|(l, _)| *l == list) {
                journal.lists.push((list, items.to_vec()));
            }
        }
    }
}

impl Trace {
    /// One line per event, indented by nesting: the form golden tests and
    /// `mapi-logoff run --format text` use.
    pub fn to_text(events: &[Event]) -> String {
        let mut out = String::new();
        for e in events {
            let indent = "  ".repeat(e.depth as usize);
            let args = e.args.iter().map(|a| format!("{}={}", a.name, a.text)).collect::<Vec<_>>().join(", ");
            let _ = write!(out, "{:>3} [{}] {indent}", e.seq, e.step);
            if e.method.is_internal() {
                let _ = write!(out, "{}: {}({args})", e.caller, e.method);
            } else {
                let _ = write!(out, "{} -> {}: {}({args})", e.caller, e.callee, e.method);
            }
            if let Some(hr) = e.hresult {
                let _ = write!(out, " = {}", hr.text());
            }
            if let Some(flags) = e.out_flags {
                let _ = write!(out, ", {}", flags.text());
            }
            if !e.rules.is_empty() {
                let ids = e.rules.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" ");
                let _ = write!(out, "  [{ids}]");
            }
            if let Some(note) = &e.note {
                let _ = write!(out, "  # {note}");
            }
            out.push('\n');
        }
        out
    }
}

/// Builders for arguments, so call sites stay one line.
pub(crate) mod arg {
    use super::{Arg, ArgText};
    use crate::flags::FlagSet;

    pub fn flags(name: &'static str, set: FlagSet, value: u32) -> Arg {
        Arg { name, value, text: ArgText::Flags(set, value) }
    }
    pub fn block(name: &'static str, block: Option<u16>) -> Arg {
        Arg { name, value: block.map_or(0, u32::from), text: ArgText::Block(block) }
    }
    pub fn message(name: &'static str, id: u16) -> Arg {
        Arg { name, value: u32::from(id), text: ArgText::Message(id) }
    }
    pub fn count(name: &'static str, n: u32) -> Arg {
        Arg { name, value: n, text: ArgText::Count(n) }
    }
}
