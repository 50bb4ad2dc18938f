//! The engine: every operation is one value of the closed [`Action`] enum,
//! applied through one entry point that returns an [`Outcome`] (HRESULT,
//! out flags, rules, what changed) or an [`InputError`]. Protocol refusals
//! are outcomes; only malformed input is an error, and it changes nothing.

use crate::error::{ErrorCode, InputError};
use crate::flags::{FlagSet, StatusFlags, StoreLogoffFlag, StoreLogoffOutFlags, raw};
use crate::hresult::HResult;
use crate::invariants::{Violation, check_invariants};
use crate::json;
use crate::memory::BlockId;
use crate::rules::RuleId;
use crate::scenario::{Scenario, Settings};
use crate::state::{State, SupportKind, Topology};
use crate::trace::{Arg, CallHandle, Event, Method, Party, PartyKind, Recorder, Trace};
use serde::Serialize;

crate::json::string_enum! {
    /// Which half of a session's traffic.
    pub enum Direction {
        Send = "send",
        Receive = "receive",
    }
}

/// Everything that can happen. Indexes refer to the scenario's lists
/// (`store: 0` is `stores[0]`; sessions are numbered across transports in
/// order). Flags are raw `u32` wherever a caller passes flags (in JSON, a
/// number or text such as `"LOGOFF_ORDERLY"`), so bad flags are
/// representable and get the protocol's answer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Action {
    // ---- the client ----
    /// IMAPISession::OpenMsgStore: one more reference, or a new logon on a
    /// store that was destroyed.
    OpenStore {
        store: u16,
    },
    AddRef {
        store: u16,
    },
    Release {
        store: u16,
    },
    /// IMsgStore::StoreLogoff (S12-S17).
    StoreLogoff {
        store: u16,
        #[serde(serialize_with = "raw::store_logoff")]
        #[cfg_attr(not(target_arch = "wasm32"), ts(as = "crate::typescript::FlagInput"))]
        flags: u32,
    },
    /// IMessage::SubmitMessage: queue new outbound mail in the store.
    SubmitMessage {
        store: u16,
        #[cfg_attr(not(target_arch = "wasm32"), ts(as = "crate::typescript::AddressTypeInput"))]
        address_type: u8,
        #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
        steps: u8,
    },
    // ---- the store provider ----
    /// IMAPISupport::StoreLogoffTransports, called by the store provider on
    /// a support object of the given kind (S1-S11).
    StoreLogoffTransports {
        store: u16,
        #[serde(serialize_with = "raw::store_logoff")]
        #[cfg_attr(not(target_arch = "wasm32"), ts(as = "crate::typescript::FlagInput"))]
        flags: u32,
        #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
        support: SupportKind,
    },
    // ---- the spooler ----
    /// The first unit of spooler work that is possible, in a fixed order.
    SpoolerStep,
    /// Spooler steps until nothing is left to do.
    RunUntilIdle,
    /// Hand the next routable queued message to the session.
    BeginSend {
        session: u16,
    },
    /// Start receiving the next message the session holds.
    BeginReceive {
        session: u16,
    },
    /// One step of a transfer in progress.
    Progress {
        session: u16,
        direction: Direction,
    },
    /// The background part of NO_WAIT / ORDERLY is done: release the store.
    FinishStoreLogoff {
        store: u16,
    },
    /// A FlushQueues has nothing left to move: TransportNotify(END_*_FLUSH).
    EndFlush {
        session: u16,
    },
    /// The spooler logs a session off: T3, T2, TransportLogoff, Release.
    LogoffSession {
        session: u16,
        #[serde(serialize_with = "raw::transport_logoff")]
        #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<crate::typescript::FlagInput>", optional))]
        flags: u32,
    },
    /// IXPLogon::Release without TransportLogoff first (T8).
    ReleaseSession {
        session: u16,
    },
    /// IXPProvider::Shutdown while sessions may be open (T8).
    ShutdownProvider {
        transport: u16,
        #[serde(serialize_with = "raw::deinit")]
        #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<crate::typescript::FlagInput>", optional))]
        flags: u32,
    },
    /// IXPLogon::FlushQueues.
    FlushQueues {
        session: u16,
        #[serde(serialize_with = "raw::flush")]
        #[cfg_attr(not(target_arch = "wasm32"), ts(as = "crate::typescript::FlagInput"))]
        flags: u32,
    },
    // ---- transports and the outside world ----
    /// New inbound mail reaches the transport's server.
    MailArrives {
        session: u16,
        #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
        steps: u8,
    },
    /// MAPIAllocateBuffer, or MAPIAllocateMore when `parent` is given.
    Allocate {
        session: u16,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
        parent: Option<u16>,
    },
    /// MAPIFreeBuffer; no block is MAPIFreeBuffer(NULL).
    Free {
        session: u16,
        #[cfg_attr(not(target_arch = "wasm32"), ts(optional = nullable))]
        block: Option<u16>,
    },
}

/// The JSON `type` of every action and the fields it takes (besides
/// `type`), in declaration order.
const ACTION_FIELDS: &[(&str, &[&str])] = &[
    ("openStore", &["store"]),
    ("addRef", &["store"]),
    ("release", &["store"]),
    ("storeLogoff", &["store", "flags"]),
    ("submitMessage", &["store", "addressType", "steps"]),
    ("storeLogoffTransports", &["store", "flags", "support"]),
    ("spoolerStep", &[]),
    ("runUntilIdle", &[]),
    ("beginSend", &["session"]),
    ("beginReceive", &["session"]),
    ("progress", &["session", "direction"]),
    ("finishStoreLogoff", &["store"]),
    ("endFlush", &["session"]),
    ("logoffSession", &["session", "flags"]),
    ("releaseSession", &["session"]),
    ("shutdownProvider", &["transport", "flags"]),
    ("flushQueues", &["session", "flags"]),
    ("mailArrives", &["session", "steps"]),
    ("allocate", &["session", "parent"]),
    ("free", &["session", "block"]),
];

impl Action {
    /// The JSON `type` of every action, in declaration order.
    pub fn types() -> impl Iterator<Item = &'static str> {
        ACTION_FIELDS.iter().map(|(t, _)| *t)
    }

    /// The camelCase `type` of the action, as in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::OpenStore { .. } => "openStore",
            Action::AddRef { .. } => "addRef",
            Action::Release { .. } => "release",
            Action::StoreLogoff { .. } => "storeLogoff",
            Action::SubmitMessage { .. } => "submitMessage",
            Action::StoreLogoffTransports { .. } => "storeLogoffTransports",
            Action::SpoolerStep => "spoolerStep",
            Action::RunUntilIdle => "runUntilIdle",
            Action::BeginSend { .. } => "beginSend",
            Action::BeginReceive { .. } => "beginReceive",
            Action::Progress { .. } => "progress",
            Action::FinishStoreLogoff { .. } => "finishStoreLogoff",
            Action::EndFlush { .. } => "endFlush",
            Action::LogoffSession { .. } => "logoffSession",
            Action::ReleaseSession { .. } => "releaseSession",
            Action::ShutdownProvider { .. } => "shutdownProvider",
            Action::FlushQueues { .. } => "flushQueues",
            Action::MailArrives { .. } => "mailArrives",
            Action::Allocate { .. } => "allocate",
            Action::Free { .. } => "free",
        }
    }

    /// Parses one action from JSON text. A `submitMessage` names its
    /// address type by index here; [`Simulation::action_from_json`] also
    /// takes its name.
    pub fn from_json(text: &str) -> Result<Action, InputError> {
        Action::from_value(&json::parse(text, ErrorCode::InvalidAction)?, "", &[])
    }

    /// Parses a JSON array of actions; error paths start with the index.
    pub fn list_from_json(text: &str) -> Result<Vec<Action>, InputError> {
        Action::list_from_value(&json::parse(text, ErrorCode::InvalidAction)?, &[])
    }

    /// Reads a JSON array of actions; error paths start with the index.
    /// `address_types`: the names a `submitMessage` may give (see [`Action::from_value`]).
    pub(crate) fn list_from_value(v: &serde_json::Value, address_types: &[String]) -> Result<Vec<Action>, InputError> {
        json::list(v, "", ErrorCode::InvalidAction, |v, p, _| Action::from_value(v, p, address_types))
    }

    /// Reads an action from a JSON tree at `path` (for error messages). A
    /// `submitMessage` gives its `addressType` by name (`"SMTP"`, any case),
    /// one of `address_types`, or by its index in that list.
    pub(crate) fn from_value(v: &serde_json::Value, path: &str, address_types: &[String]) -> Result<Action, InputError> {
        use json::{flags, u8_, u16_};
        const CODE: ErrorCode = ErrorCode::InvalidAction;
        let types = || ACTION_FIELDS.iter().map(|(t, _)| *t).collect::<Vec<_>>().join(", ");
        if !v.is_object() {
            // Not "missing field `type`": the value is not an action at all.
            return Err(InputError::new(CODE, path, format!("expected an action (an object), got {}", json::kind(v))));
        }
        let type_path = json::join(path, "type");
        let ty = match v.get("type") {
            None => return Err(InputError::new(CODE, type_path, format!("missing field `type`: an action needs one of {}", types()))),
            Some(t) => json::string(t, &type_path, CODE)?,
        };
        let Some((ty, fields)) = ACTION_FIELDS.iter().find(|(t, _)| *t == ty) else {
            return Err(InputError::new(CODE, type_path, format!("unknown action type {ty:?}; expected one of {}", types())));
        };
        let known: Vec<&str> = std::iter::once("type").chain(fields.iter().copied()).collect();
        let f = json::Fields::of(v, path, CODE, &format!("a {ty} action"), &known)?;
        let store = || f.required("store", u16_);
        let session = || f.required("session", u16_);
        let steps = || f.or("steps", 2, u8_);
        let flag_field = |set| f.required("flags", |v, p, c| flags(v, p, c, set));
        let optional_flags = |set| f.or("flags", 0, |v, p, c| flags(v, p, c, set));
        Ok(match *ty {
            "openStore" => Action::OpenStore { store: store()? },
            "addRef" => Action::AddRef { store: store()? },
            "release" => Action::Release { store: store()? },
            "storeLogoff" => Action::StoreLogoff { store: store()?, flags: flag_field(FlagSet::StoreLogoff)? },
            "submitMessage" => Action::SubmitMessage {
                store: store()?,
                address_type: f.required("addressType", |v, p, c| address_type(v, p, c, address_types))?,
                steps: steps()?,
            },
            "storeLogoffTransports" => Action::StoreLogoffTransports {
                store: store()?,
                flags: flag_field(FlagSet::StoreLogoff)?,
                support: f.or("support", SupportKind::MessageStore, |v, p, c| json::name(v, p, c, SupportKind::NAMES))?,
            },
            "spoolerStep" => Action::SpoolerStep,
            "runUntilIdle" => Action::RunUntilIdle,
            "beginSend" => Action::BeginSend { session: session()? },
            "beginReceive" => Action::BeginReceive { session: session()? },
            "progress" => Action::Progress {
                session: session()?,
                direction: f.required("direction", |v, p, c| json::name(v, p, c, Direction::NAMES))?,
            },
            "finishStoreLogoff" => Action::FinishStoreLogoff { store: store()? },
            "endFlush" => Action::EndFlush { session: session()? },
            "logoffSession" => Action::LogoffSession { session: session()?, flags: optional_flags(FlagSet::TransportLogoff)? },
            "releaseSession" => Action::ReleaseSession { session: session()? },
            "shutdownProvider" => {
                Action::ShutdownProvider { transport: f.required("transport", u16_)?, flags: optional_flags(FlagSet::Deinit)? }
            }
            "flushQueues" => Action::FlushQueues { session: session()?, flags: flag_field(FlagSet::FlushQueues)? },
            "mailArrives" => Action::MailArrives { session: session()?, steps: steps()? },
            "allocate" => Action::Allocate { session: session()?, parent: f.optional("parent", u16_)? },
            "free" => Action::Free { session: session()?, block: f.optional("block", u16_)? },
            // ACTION_FIELDS and this match list the same types (a unit test checks).
            other => return Err(InputError::new(CODE, type_path, format!("action type {other:?} is not supported"))),
        })
    }
}

/// What one operation answered: the HRESULT, the out flags where the method
/// has them, the rules that decided it and one sentence saying why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Answer {
    pub hresult: HResult,
    pub out_flags: Option<StoreLogoffOutFlags>,
    pub rules: &'static [RuleId],
    pub why: &'static str,
}

impl Answer {
    pub fn ok(rules: &'static [RuleId], why: &'static str) -> Self {
        Answer { hresult: HResult::S_OK, out_flags: None, rules, why }
    }
    pub fn fail(hresult: HResult, rules: &'static [RuleId], why: &'static str) -> Self {
        Answer { hresult, out_flags: None, rules, why }
    }
    pub fn with_flags(self, out: StoreLogoffOutFlags) -> Self {
        Answer { out_flags: Some(out), ..self }
    }
}

/// A part, cheap to copy; turned into a named [`Party`] only when tracing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Who {
    Client,
    Mapi,
    Spooler,
    Store(usize),
    Session(usize),
    Transport(usize),
    StoreProvider(usize),
}

impl Who {
    fn party(self, topo: &Topology) -> Party {
        match self {
            Who::Client => Party::client(),
            Who::Mapi => Party::mapi(),
            Who::Spooler => Party::spooler(),
            Who::Store(i) => Party::indexed(PartyKind::Store, i, &topo.stores[i].name),
            Who::Session(i) => Party::indexed(PartyKind::Session, i, &topo.sessions[i].name),
            Who::Transport(i) => Party::indexed(PartyKind::Transport, i, &topo.transports[i].name),
            Who::StoreProvider(i) => Party::indexed(PartyKind::StoreProvider, i, &topo.store_providers[i]),
        }
    }
}

/// Everything an operation may read or change, passed down the call chain.
pub(crate) struct Ctx<'a, R: Recorder> {
    pub topo: &'a Topology,
    pub settings: &'a Settings,
    pub state: &'a mut State,
    pub trace: &'a mut R,
    /// The spooler's search positions for this action (see [`crate::spooler::Cursors`]).
    pub cursors: crate::spooler::Cursors,
}

impl<R: Recorder> Ctx<'_, R> {
    pub fn call(&mut self, from: Who, to: Who, method: Method, args: impl FnOnce() -> Vec<Arg>) -> CallHandle {
        let topo = self.topo;
        self.trace.call(|| from.party(topo), || to.party(topo), method, args)
    }

    pub fn ret(&mut self, handle: CallHandle, answer: Answer) -> Answer {
        self.trace.ret(handle, answer.hresult, answer.out_flags, answer.rules);
        answer
    }

    pub fn note(
        &mut self,
        who: Who,
        method: Method,
        args: impl FnOnce() -> Vec<Arg>,
        rules: &'static [RuleId],
        note: impl FnOnce() -> String,
    ) {
        let topo = self.topo;
        self.trace.internal(|| who.party(topo), method, args, rules, note);
    }

    fn dispatch(&mut self, action: &Action) -> Result<Answer, InputError> {
        validate(self.topo, action)?;
        Ok(match *action {
            Action::OpenStore { store } => self.open_store(store as usize),
            Action::AddRef { store } => self.add_ref(store as usize),
            Action::Release { store } => self.release(store as usize),
            Action::StoreLogoff { store, flags } => self.store_logoff(store as usize, flags),
            Action::SubmitMessage { store, address_type, steps } => self.submit_message(store as usize, address_type, steps),
            Action::StoreLogoffTransports { store, flags, support } => {
                self.store_logoff_transports(store as usize, flags, support, crate::store::Caller::Provider)
            }
            Action::SpoolerStep => self.spooler_step(),
            Action::RunUntilIdle => self.run_until_idle(),
            Action::BeginSend { .. }
            | Action::BeginReceive { .. }
            | Action::Progress { .. }
            | Action::FinishStoreLogoff { .. }
            | Action::EndFlush { .. } => {
                let work = crate::spooler::Work::from_action(action).expect("matched spooler work");
                if let Err(reason) = self.work_possible(work) {
                    return Err(InputError::new(ErrorCode::NotEnabled, "", format!("{} cannot happen now: {reason}", action.kind())));
                }
                self.do_work(work)
            }
            Action::LogoffSession { session, flags } => self.logoff_session(session as usize, flags),
            Action::ReleaseSession { session } => self.release_session_without_logoff(session as usize),
            Action::ShutdownProvider { transport, flags } => self.shutdown_provider(transport as usize, flags),
            Action::FlushQueues { session, flags } => self.flush_queues(session as usize, flags),
            Action::MailArrives { session, steps } => self.mail_arrives(session as usize, steps),
            Action::Allocate { session, parent } => self.allocate(session as usize, parent),
            Action::Free { session, block } => self.free(session as usize, block),
        })
    }
}

/// Input checks that need the topology: every index names a part, every
/// count is in range. Runs before anything changes.
fn validate(topo: &Topology, action: &Action) -> Result<(), InputError> {
    fn index(field: &str, i: u16, n: usize, what: &str) -> Result<(), InputError> {
        if (i as usize) < n {
            Ok(())
        } else if n == 0 {
            Err(InputError::new(ErrorCode::InvalidAction, field, format!("no {what} {i}: the scenario has no {what}s")))
        } else {
            Err(InputError::new(
                ErrorCode::InvalidAction,
                field,
                format!("no {what} {i}: the scenario has {n} {what}s, numbered 0 to {}", n - 1),
            ))
        }
    }
    fn steps(s: u8) -> Result<(), InputError> {
        if s == 0 || s > crate::scenario::limits::STEPS {
            return Err(InputError::new(
                ErrorCode::InvalidAction,
                "steps",
                format!("{s} is out of range: a transfer takes 1 to {} steps", crate::scenario::limits::STEPS),
            ));
        }
        Ok(())
    }
    let stores = topo.stores.len();
    let sessions = topo.sessions.len();
    match *action {
        Action::OpenStore { store }
        | Action::AddRef { store }
        | Action::Release { store }
        | Action::StoreLogoff { store, .. }
        | Action::StoreLogoffTransports { store, .. }
        | Action::FinishStoreLogoff { store } => index("store", store, stores, "store"),
        Action::SubmitMessage { store, address_type, steps: s } => {
            index("store", store, stores, "store")?;
            index("addressType", u16::from(address_type), topo.address_types.len(), "address type")?;
            steps(s)
        }
        Action::BeginSend { session }
        | Action::BeginReceive { session }
        | Action::Progress { session, .. }
        | Action::EndFlush { session }
        | Action::LogoffSession { session, .. }
        | Action::ReleaseSession { session }
        | Action::FlushQueues { session, .. }
        | Action::Allocate { session, .. }
        | Action::Free { session, .. } => index("session", session, sessions, "session"),
        Action::MailArrives { session, steps: s } => {
            index("session", session, sessions, "session")?;
            steps(s)
        }
        Action::ShutdownProvider { transport, .. } => index("transport", transport, topo.transports.len(), "transport"),
        Action::SpoolerStep | Action::RunUntilIdle => Ok(()),
    }
}

/// Applies one action to a state. This is the whole engine; [`Simulation`]
/// adds history, and the explorer calls it with a recorder that keeps only
/// the logoff answers (pass [`crate::trace::NoTrace`] to record nothing).
pub fn apply<R: Recorder>(
    topo: &Topology,
    settings: &Settings,
    state: &mut State,
    trace: &mut R,
    action: &Action,
) -> Result<(HResult, Option<StoreLogoffOutFlags>), InputError> {
    let mut ctx = Ctx { topo, settings, state, trace, cursors: Default::default() };
    ctx.dispatch(action).map(|a| (a.hresult, a.out_flags))
}

/// Messages the explorer may create: only while under the scenario's limit.
fn may_create_message(settings: &Settings, state: &State) -> bool {
    state.messages.len() < usize::from(settings.new_message_limit)
}

/// What can happen next, in a stable order: client calls, spooler work,
/// transport logoffs, provider shutdowns, new mail. Macro actions
/// (SpoolerStep, RunUntilIdle) and store-provider-internal calls are left
/// out: they are compositions of these.
pub fn enabled_actions(topo: &Topology, settings: &Settings, state: &State) -> Vec<Action> {
    use crate::state::StorePhase;
    let mut out = Vec::new();
    for (i, s) in state.stores.iter().enumerate() {
        let store = i as u16;
        if s.phase == StorePhase::Open {
            for flag in StoreLogoffFlag::ALL {
                out.push(Action::StoreLogoff { store, flags: flag.bits() });
            }
            if may_create_message(settings, state) {
                for at in 0..topo.address_types.len() {
                    out.push(Action::SubmitMessage { store, address_type: at as u8, steps: 1 });
                }
            }
        }
        if s.phase != StorePhase::Destroyed {
            out.push(Action::Release { store });
        }
    }
    for work in crate::spooler::enabled_work(topo, state, None) {
        out.push(work.to_action());
    }
    for (i, s) in state.sessions.iter().enumerate() {
        if s.is_live() {
            out.push(Action::LogoffSession { session: i as u16, flags: 0 });
        }
    }
    for (i, t) in state.transports.iter().enumerate() {
        if *t == crate::state::ProviderPhase::Active && topo.sessions.iter().any(|s| usize::from(s.transport) == i) {
            out.push(Action::ShutdownProvider { transport: i as u16, flags: crate::flags::DeinitFlags::DEINIT_NORMAL.bits() });
        }
    }
    if may_create_message(settings, state) {
        for (i, s) in state.sessions.iter().enumerate() {
            if s.is_live() && topo.sessions[i].address_types != 0 {
                out.push(Action::MailArrives { session: i as u16, steps: 1 });
            }
        }
    }
    out
}

/// An address type by name (any case) or by index.
fn address_type(v: &serde_json::Value, path: &str, code: ErrorCode, names: &[String]) -> Result<u8, InputError> {
    let Some(name) = v.as_str() else { return json::u8_(v, path, code) };
    match names.iter().position(|a| a.eq_ignore_ascii_case(name.trim())) {
        Some(i) => Ok(i as u8),
        None if names.is_empty() => {
            Err(InputError::new(code, path, format!("unknown address type {name:?}: this scenario's sessions declare none")))
        }
        None => Err(InputError::new(code, path, format!("unknown address type {name:?}; this scenario has {}", names.join(", ")))),
    }
}

/// One field that an action changed: its path in [`StateView::state`]
/// (`stores[0].phase`) and its value before and after, as JSON values
/// (`"open"` -> `"invalidated"`; `null` for a field that was or became absent).
///
/// An item added at the end of a list is a change of its own, `null`
/// before: a new message is `messages[1200]`, a message queued is
/// `stores[0].queue[49]`. Any other edit of a message list (the spooler
/// taking a message from a queue) gives the list whole, before and after.
/// So an outcome's size follows what the action did, not how many messages
/// the scenario holds.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub path: String,
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "serde_json::Value"))]
    pub before: StateValue,
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "serde_json::Value"))]
    pub after: StateValue,
}

/// A part of the state as a JSON value. Serialised by hand: a state holds
/// only integers, and `serde_json::Value`'s own impl would also bring a
/// float formatter into the wasm module.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StateValue(pub serde_json::Value);

impl Serialize for StateValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        IntegerJson(&self.0).serialize(s)
    }
}

struct IntegerJson<'a>(&'a serde_json::Value);

impl Serialize for IntegerJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        use serde_json::Value;
        match self.0 {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => match n.as_u64() {
                Some(u) => s.serialize_u64(u),
                // No field of a state is negative or a float.
                None => s.serialize_i64(n.as_i64().unwrap_or_default()),
            },
            Value::String(text) => s.serialize_str(text),
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&IntegerJson(item))?;
                }
                seq.end()
            }
            Value::Object(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, item) in fields {
                    map.serialize_entry(k, &IntegerJson(item))?;
                }
                map.end()
            }
        }
    }
}

/// What one action did.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// 1 for the first action applied.
    pub step: u32,
    pub action: Action,
    pub hresult: HResult,
    /// Out flags of StoreLogoff / StoreLogoffTransports; absent when the
    /// method has none or refused the call before writing them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub out_flags: Option<StoreLogoffOutFlags>,
    pub rules: Vec<RuleId>,
    /// One sentence on why, citing the rules.
    pub explanation: String,
    /// The trace events this action produced: `trace[firstEvent..firstEvent + eventCount]`.
    pub first_event: u32,
    pub event_count: u32,
    /// The id of the block an `allocate` action made (MAPIAllocateBuffer
    /// or MAPIAllocateMore succeeded): pass it to `free` or as a `parent`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub block: Option<BlockId>,
    /// What changed in the protocol state. The StoreLogoffTransports
    /// record and the breach log are audit data, not protocol state: they
    /// show up as violations, not here.
    pub changes: Vec<Change>,
    /// Violations present after this action that were not present before.
    pub new_violations: Vec<Violation>,
}

/// A scenario being run: topology, settings, state, trace and the actions
/// applied so far.
#[derive(Debug)]
pub struct Simulation {
    scenario: Scenario,
    topology: Topology,
    state: State,
    trace: Trace,
    applied: Vec<Action>,
    /// What the last `apply` kept of the state to word the next action's
    /// changes and new violations from what that action touched. `None`
    /// after any change made another way (rebuilt on demand).
    shadow: Option<crate::delta::Shadow>,
    /// Fields and list items the last `apply` read to word its outcome.
    outcome_work: usize,
}

// By hand: a clone starts without the shadow, which is rebuilt on demand.
impl Clone for Simulation {
    fn clone(&self) -> Self {
        Simulation {
            scenario: self.scenario.clone(),
            topology: self.topology.clone(),
            state: self.state.clone(),
            trace: self.trace.clone(),
            applied: self.applied.clone(),
            shadow: None,
            outcome_work: 0,
        }
    }
}

/// The state as the playground and the JS API show it: the state itself
/// plus what is derived from it (status rows, store activity, violations).
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StateView<'a> {
    pub step: u32,
    pub topology: &'a Topology,
    pub state: &'a State,
    /// PR_STATUS_CODE of each session's status row.
    pub session_status: Vec<StatusFlags>,
    /// S2 activity bits of each store.
    pub store_activity: Vec<StoreLogoffOutFlags>,
    pub violations: Vec<Violation>,
}

impl Simulation {
    /// Builds the scenario's parts and applies its actions. An action that
    /// is malformed fails the whole scenario, naming `actions[i]`.
    pub fn new(scenario: &Scenario) -> Result<Simulation, InputError> {
        let (topology, state) = scenario.build()?;
        let mut sim = Simulation {
            scenario: Scenario { actions: Vec::new(), ..scenario.clone() },
            topology,
            state,
            trace: Trace::new(),
            applied: Vec::new(),
            shadow: None,
            outcome_work: 0,
        };
        for (i, action) in scenario.actions.iter().enumerate() {
            sim.apply_quiet(action).map_err(|e| e.within(&format!("actions[{i}]")))?;
        }
        Ok(sim)
    }

    pub fn from_json(text: &str) -> Result<Simulation, InputError> {
        Simulation::new(&Scenario::from_json(text)?)
    }

    /// Parses an action for this simulation: a `submitMessage` may name
    /// its address type (`"SMTP"`) as well as give its index in
    /// `topology().address_types`.
    pub fn action_from_json(&self, text: &str) -> Result<Action, InputError> {
        self.action_from_value(&json::parse(text, ErrorCode::InvalidAction)?)
    }

    pub(crate) fn action_from_value(&self, v: &serde_json::Value) -> Result<Action, InputError> {
        Action::from_value(v, "", &self.topology.address_types)
    }

    /// A JSON array of actions for this simulation (see [`Simulation::action_from_json`]).
    pub fn actions_from_json(&self, text: &str) -> Result<Vec<Action>, InputError> {
        self.actions_from_value(&json::parse(text, ErrorCode::InvalidAction)?)
    }

    pub(crate) fn actions_from_value(&self, v: &serde_json::Value) -> Result<Vec<Action>, InputError> {
        Action::list_from_value(v, &self.topology.address_types)
    }

    fn apply_quiet(&mut self, action: &Action) -> Result<(HResult, Option<StoreLogoffOutFlags>), InputError> {
        self.trace.set_step(self.applied.len() as u32 + 1);
        self.shadow = None;
        let r = apply(&self.topology, &self.scenario.settings, &mut self.state, &mut self.trace, action)?;
        self.applied.push(*action);
        Ok(r)
    }

    /// Applies one action and reports what it did. On an input error
    /// nothing changed.
    pub fn apply(&mut self, action: Action) -> Result<Outcome, InputError> {
        // So that `to_scenario()` of any simulation is a scenario that loads.
        if self.applied.len() >= crate::scenario::limits::ACTIONS {
            let most = crate::scenario::limits::ACTIONS;
            return Err(InputError::new(
                ErrorCode::TooLarge,
                "",
                format!("the simulation holds {most} actions, the most a scenario may hold"),
            ));
        }
        let mut shadow = match self.shadow.take() {
            Some(shadow) => shadow,
            None => crate::delta::Shadow::of(&self.topology, &self.state),
        };
        let first_event = self.trace.len() as u32;
        self.trace.set_step(self.applied.len() as u32 + 1);
        self.trace.start_journal();
        let mut ctx = Ctx {
            topo: &self.topology,
            settings: &self.scenario.settings,
            state: &mut self.state,
            trace: &mut self.trace,
            cursors: Default::default(),
        };
        let dispatched = ctx.dispatch(&action);
        let journal = self.trace.take_journal();
        let answer = match dispatched {
            Ok(answer) => answer,
            Err(e) => {
                // Nothing changed: the shadow still holds.
                self.shadow = Some(shadow);
                return Err(e);
            }
        };
        self.applied.push(action);
        let mut work = 0;
        let (changes, new_violations) = shadow.advance(&self.topology, &self.state, &journal, &mut work);
        self.shadow = Some(shadow);
        self.outcome_work = work;
        let block = match action {
            // Blocks are never reused: a new one is the last.
            Action::Allocate { .. } if answer.hresult == HResult::S_OK => {
                self.state.memory.blocks.len().checked_sub(1).map(|b| b as BlockId)
            }
            _ => None,
        };
        let rules = answer.rules.to_vec();
        let cited = rules.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
        let explanation = if cited.is_empty() { answer.why.to_string() } else { format!("{} ({cited})", answer.why) };
        Ok(Outcome {
            step: self.applied.len() as u32,
            action,
            hresult: answer.hresult,
            out_flags: answer.out_flags,
            rules,
            explanation,
            first_event,
            event_count: self.trace.len() as u32 - first_event,
            block,
            changes,
            new_violations,
        })
    }

    /// Applies actions in order, stopping at the first malformed one (whose
    /// error path starts with its index).
    pub fn run(&mut self, actions: impl IntoIterator<Item = Action>) -> Result<Vec<Outcome>, InputError> {
        actions.into_iter().enumerate().map(|(i, a)| self.apply(a).map_err(|e| e.within(&format!("[{i}]")))).collect()
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// The fields and list items the last [`Simulation::apply`] read to
    /// word its outcome: the measure by which tests check that an action's
    /// cost follows what it changed, not the size of the scenario.
    pub fn outcome_work(&self) -> usize {
        self.outcome_work
    }

    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    pub fn settings(&self) -> &Settings {
        &self.scenario.settings
    }

    pub fn trace(&self) -> &[Event] {
        self.trace.events()
    }

    pub fn applied(&self) -> &[Action] {
        &self.applied
    }

    pub fn violations(&self) -> Vec<Violation> {
        check_invariants(&self.topology, &self.state)
    }

    pub fn enabled_actions(&self) -> Vec<Action> {
        enabled_actions(&self.topology, &self.scenario.settings, &self.state)
    }

    pub fn view(&self) -> StateView<'_> {
        StateView {
            step: self.applied.len() as u32,
            topology: &self.topology,
            state: &self.state,
            session_status: self.state.sessions.iter().map(|s| s.status()).collect(),
            store_activity: (0..self.state.stores.len()).map(|i| self.state.activity(&self.topology, i)).collect(),
            violations: self.violations(),
        }
    }

    /// The scenario that reproduces this simulation: the original parts and
    /// settings with every action applied so far.
    pub fn to_scenario(&self) -> Scenario {
        Scenario { actions: self.applied.clone(), ..self.scenario.clone() }
    }

    pub fn trace_json(&self) -> String {
        crate::json::to_text(self.trace())
    }

    pub fn trace_text(&self) -> String {
        Trace::to_text(self.trace())
    }

    /// The trace in the JSON Lines file format the checker reads.
    pub fn trace_jsonl(&self) -> String {
        crate::tracefile::export(self)
    }
}

/// The result of running a whole scenario.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    pub state: State,
    pub trace: Vec<Event>,
    pub violations: Vec<Violation>,
}

/// Runs a scenario from start to end.
pub fn run_scenario(scenario: &Scenario) -> Result<RunReport, InputError> {
    let sim = Simulation::new(scenario)?;
    Ok(RunReport { violations: sim.violations(), trace: sim.trace().to_vec(), state: sim.state })
}
