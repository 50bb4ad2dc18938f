//! What the model knows: the fixed [`Topology`] of a scenario (names, who
//! holds the default Inbox, address types, faults) and the changing
//! [`State`] (reference counts, queues, messages in flight, memory, rule
//! breaches). State is compact and `Clone + Eq + Hash` because the explorer
//! stores millions of them; names live in the topology, not in the state.

use crate::faults::{StoreFaults, TransportFaults};
use crate::flags::{StatusFlags, StoreLogoffFlag, StoreLogoffOutFlags};
use crate::hresult::HResult;
use crate::memory::{Allocator, BlockId, MemoryMisuse};
use crate::rules::RuleId;
use crate::trace::Method;
use serde::Serialize;
use std::fmt;
use std::sync::Arc;

pub type MessageId = u16;

/// The name of a part, as the topology holds it and every trace event that
/// names the part repeats it. Shared (`Arc`, so a topology stays `Send` for
/// the parallel explorer) or static, so that naming a party costs no
/// allocation: a copy per event was most of the traced engine's time.
#[derive(Clone)]
pub struct Name(NameRepr);

#[derive(Clone)]
enum NameRepr {
    Fixed(&'static str),
    Shared(Arc<str>),
}

impl Name {
    pub const fn fixed(name: &'static str) -> Name {
        Name(NameRepr::Fixed(name))
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            NameRepr::Fixed(s) => s,
            NameRepr::Shared(s) => s,
        }
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Name {
    fn from(name: &str) -> Name {
        Name(NameRepr::Shared(name.into()))
    }
}

impl From<String> for Name {
    fn from(name: String) -> Name {
        Name(NameRepr::Shared(name.into()))
    }
}

// By the text: a fixed and a shared name that read the same are equal.
impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

crate::json::ts_as!(Name => String);

crate::json::string_enum! {
    /// Which kind of support object a call goes to. Only a message-store
    /// support object implements StoreLogoffTransports (S11).
    #[derive(Default)]
    pub enum SupportKind {
        #[default]
        MessageStore = "messageStore",
        Transport = "transport",
        AddressBook = "addressBook",
        Configuration = "configuration",
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StoreInfo {
    pub name: Name,
    pub default_inbox: bool,
    /// Opened by another process of the same profile (S8).
    pub shared_with_other_process: bool,
    /// The support object MAPI handed the store (S11).
    pub support_kind: SupportKind,
    pub provider: u8,
    pub faults: StoreFaults,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TransportInfo {
    pub name: Name,
    pub faults: TransportFaults,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub name: Name,
    pub transport: u8,
    /// The address types it carries: a bit mask over the topology's list
    /// ([`Topology::address_types`]), bit i for the i-th.
    pub address_types: u32,
}

/// Everything about a scenario that no action changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Topology {
    pub stores: Vec<StoreInfo>,
    pub store_providers: Vec<Name>,
    pub transports: Vec<TransportInfo>,
    pub sessions: Vec<SessionInfo>,
    pub address_types: Vec<String>,
}

impl Topology {
    pub fn default_inbox(&self) -> Option<usize> {
        self.stores.iter().position(|s| s.default_inbox)
    }

    pub fn session_handles(&self, session: usize, address_type: u8) -> bool {
        self.sessions[session].address_types & (1 << address_type) != 0
    }
}

crate::json::string_enum! {
    pub enum StorePhase {
        /// Usable.
        Open = "open",
        /// StoreLogoff returned LOGOFF_COMPLETE: the store object is invalid
        /// for its clients, for whom only Release, AddRef and QueryInterface
        /// remain valid (S9). Named for the clients' side: the spooler may
        /// still hold its own logon on the store ([`SpoolerLogon`]), and
        /// MAPI logs the store off only when the spooler lets go (S16).
        Invalidated = "invalidated",
        /// The last client reference is gone.
        Destroyed = "destroyed",
    }
}

crate::json::string_enum! {
    /// The spooler's own logon on a store (S3-S7): "the spooler releases the
    /// store" means this goes to `Released`.
    pub enum SpoolerLogon {
        Serving = "serving",
        /// LOGOFF_NO_WAIT: send what is ready, finish the receive, then release (S5).
        DrainingNoWait = "drainingNoWait",
        /// LOGOFF_ORDERLY: finish what is in progress, start nothing, then release (S6).
        DrainingOrderly = "drainingOrderly",
        Released = "released",
    }
}

impl SpoolerLogon {
    /// The spooler serves stores that MAPI gave a message-store support
    /// object; a store with another kind (S11) is not one it holds a logon on.
    pub fn initial(support: SupportKind) -> SpoolerLogon {
        if support == SupportKind::MessageStore { SpoolerLogon::Serving } else { SpoolerLogon::Released }
    }
}

/// What StoreLogoffTransports calls on this store's support object did in
/// the current shutdown; read when the store is destroyed to check I5.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, PartialOrd, Ord, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StoreLogoffTransportsRecord {
    /// Calls that ended the spooler's part of the shutdown (COMPLETE, S8,
    /// or a veto at the final release, after which the store is gone).
    pub completions: u8,
    /// Calls MAPI refused (bad flags, S1; again after COMPLETE, S10).
    pub refusals: u8,
    /// The flags of the first completing call.
    pub flags: u32,
    pub last_refusal: HResult,
    /// The last call was a veto: before the final release (the store stays
    /// usable, and "a call has occurred" for S14), or at it (the call that
    /// ended the shutdown). Either way the spooler keeps its logon by design.
    pub vetoed: bool,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StoreState {
    /// Client references (the spooler's logon is counted apart).
    pub refs: u16,
    pub phase: StorePhase,
    /// The flag of the last StoreLogoff (S12).
    pub saved_flag: Option<StoreLogoffFlag>,
    pub store_logoff_transports: StoreLogoffTransportsRecord,
    pub spooler: SpoolerLogon,
    pub support_released: bool,
    /// Outbound queue (the Outbox).
    pub queue: Vec<MessageId>,
    /// Received mail (only the default-Inbox store receives).
    pub inbox: Vec<MessageId>,
    /// Mail a transport finished sending.
    pub sent: Vec<MessageId>,
}

crate::json::string_enum! {
    pub enum ProviderPhase {
        Active = "active",
        ShutDown = "shutDown",
    }
}

crate::json::string_enum! {
    pub enum SessionPhase {
        LoggedOn = "loggedOn",
        /// TransportLogoff returned (whatever it returned, T7).
        LoggedOff = "loggedOff",
        /// The spooler released the logon object.
        Released = "released",
    }
}

/// A message being sent or received, and how many steps it still needs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Transfer {
    pub message: MessageId,
    pub remaining: u8,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SessionState {
    pub phase: SessionPhase,
    /// The spooler routes by this session's AddressTypes (cleared by T2).
    pub routing: bool,
    pub inbound_enabled: bool,
    pub outbound_enabled: bool,
    /// FLUSH_UPLOAD / FLUSH_DOWNLOAD while a FlushQueues runs.
    pub flushing: u8,
    pub sending: Option<Transfer>,
    pub receiving: Option<Transfer>,
    /// Inbound mail the transport holds and has not delivered yet.
    pub held: Vec<MessageId>,
    /// MakeInvalid was called on the logon object.
    pub invalid: bool,
    pub support_released: bool,
    /// The AddressTypes array, allocated at logon (T5).
    pub address_types_block: BlockId,
    /// The provider fault that stopped this logon's cleanup, if one did: it
    /// names the mistake behind an I2 violation.
    #[serde(skip)]
    pub cleanup_skipped: Option<crate::faults::TransportFault>,
    /// The block the cleanup left behind (the leaking provider, M7).
    #[serde(skip)]
    pub cleanup_leaked: Option<BlockId>,
}

impl SessionState {
    pub fn is_live(&self) -> bool {
        self.phase == SessionPhase::LoggedOn
    }

    /// PR_STATUS_CODE of the session's status row, derived from its state.
    pub fn status(&self) -> StatusFlags {
        if !self.is_live() {
            return StatusFlags::empty();
        }
        let mut s = StatusFlags::STATUS_AVAILABLE;
        let on = |c: bool, f: StatusFlags| if c { f } else { StatusFlags::empty() };
        s |= on(self.inbound_enabled, StatusFlags::STATUS_INBOUND_ENABLED);
        s |= on(self.outbound_enabled, StatusFlags::STATUS_OUTBOUND_ENABLED);
        s |= on(self.receiving.is_some(), StatusFlags::STATUS_INBOUND_ACTIVE);
        s |= on(self.sending.is_some(), StatusFlags::STATUS_OUTBOUND_ACTIVE);
        s |= on(self.flushing & 0x04 != 0, StatusFlags::STATUS_INBOUND_FLUSH);
        s |= on(self.flushing & 0x02 != 0, StatusFlags::STATUS_OUTBOUND_FLUSH);
        s
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// The store whose outbound queue it came from; none (null) for inbound mail.
    pub origin: Option<u8>,
    pub address_type: u8,
    /// Steps a transport needs to send or receive it.
    pub steps: u8,
}

/// The object a rule breach concerns.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Subject {
    Store(u8),
    StoreSupport(u8),
    StoreProvider(u8),
    Session(u8),
    SessionSupport(u8),
    Transport(u8),
    Block(BlockId),
}

/// A broken rule, recorded at the moment it happened. Breaches that no
/// state predicate can see afterwards (a call that reached a released
/// object, a double free) are kept here so that the invariant check stays a
/// pure function of the state.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Breach {
    /// I3: a call reached a released object.
    CallOnReleased { method: Method },
    /// I3: a call other than Release reached an invalidated object.
    CallOnInvalid { method: Method },
    /// S9: the store accepted a call after COMPLETE.
    AcceptedAfterComplete { method: Method },
    /// I4: Release on an object with no references left.
    OverRelease,
    /// I5 / S14: the store was destroyed and never called StoreLogoffTransports.
    StoreLogoffTransportsMissing { expected: u32 },
    /// I5 / S10: StoreLogoffTransports more than once in one shutdown.
    StoreLogoffTransportsRepeated { calls: u8 },
    /// I5 / S1: the store's only StoreLogoffTransports was refused.
    StoreLogoffTransportsRefused { hresult: HResult, flags: u32 },
    /// I5 / S12: called with another flag than the client gave.
    StoreLogoffTransportsWrongFlag { given: u32, expected: u32 },
    /// S1: the store provider passed StoreLogoffTransports bad flags.
    BadStoreLogoffTransportsFlags { flags: u32 },
    /// S1: the client passed StoreLogoff bad flags (the store refused them).
    ClientBadStoreLogoffFlags { flags: u32 },
    /// I3: a released logon's provider code called MAPIAllocateBuffer.
    AllocationByReleasedLogon,
    /// S11: MAPI_E_NO_SUPPORT aborted the store's teardown.
    NoSupportTreatedAsFatal,
    /// T9.
    MemoryMisuse { misuse: MemoryMisuse },
    /// T5: the AddressTypes array was freed before TransportLogoff.
    AddressTypesFreedEarly,
    /// T5: TransportLogoff returned with `count` root blocks of the session
    /// still allocated; `cause` is the mistake that explains it.
    MemoryLeftAtLogoff { first: BlockId, count: u16, cause: RuleId },
    /// T1, M11: a caller passed non-zero ulFlags to TransportLogoff, which
    /// are reserved and must be zero. The caller's mistake, never the
    /// provider's: `by_provider` when the provider called its own
    /// TransportLogoff (from Release or Shutdown), else the spooler.
    ReservedTransportLogoffFlags { flags: u32, by_provider: bool },
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ProtocolError {
    pub rule: RuleId,
    pub subject: Subject,
    pub breach: Breach,
}

/// Everything that changes.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct State {
    pub stores: Vec<StoreState>,
    pub store_providers: Vec<ProviderPhase>,
    pub transports: Vec<ProviderPhase>,
    pub sessions: Vec<SessionState>,
    pub messages: Vec<Message>,
    pub memory: Allocator,
    /// The breach log: read through `check_invariants`, which turns it into
    /// worded violations; not part of the JSON form of the state.
    #[serde(skip)]
    pub errors: Vec<ProtocolError>,
}

impl State {
    /// S2: the activity bits of a store: a receive into it, a send of its
    /// mail, mail in its outbound queue.
    pub fn activity(&self, topo: &Topology, store: usize) -> StoreLogoffOutFlags {
        let mut out = StoreLogoffOutFlags::empty();
        if topo.stores[store].default_inbox && self.sessions.iter().any(|s| s.receiving.is_some()) {
            out |= StoreLogoffOutFlags::LOGOFF_INBOUND;
        }
        if self.sessions.iter().filter_map(|s| s.sending).any(|t| self.messages[t.message as usize].origin == Some(store as u8)) {
            out |= StoreLogoffOutFlags::LOGOFF_OUTBOUND;
        }
        if !self.stores[store].queue.is_empty() {
            out |= StoreLogoffOutFlags::LOGOFF_OUTBOUND_QUEUE;
        }
        out
    }

    pub(crate) fn breach(&mut self, rule: RuleId, subject: Subject, breach: Breach) {
        self.errors.push(ProtocolError { rule, subject, breach });
    }
}
