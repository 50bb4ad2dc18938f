//! The engine: every operation is one value of the closed [`Action`] enum,
//! applied through one entry point that returns an [`Outcome`] (HRESULT,
//! out flags, rules, what changed) or an [`InputError`]. Protocol refusals
//! are outcomes; only malformed input is an error, and it changes nothing.

use crate::error::{ErrorCode, InputError};
use crate::flags::{FlagSet, StatusFlags, StoreLogoffFlag, StoreLogoffOutFlags, raw};
use crate::hresult::HResult;
use crate::invariants::{Violation, check_invariants};
use crate::json;
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

    /// Parses one action from JSON text.
    pub fn from_json(text: &str) -> Result<Action, InputError> {
        Action::from_value(&json::parse(text, ErrorCode::InvalidAction)?, "")
    }

    /// Parses a JSON array of actions; error paths start with the index.
    pub fn list_from_json(text: &str) -> Result<Vec<Action>, InputError> {
        json::list(&json::parse(text, ErrorCode::InvalidAction)?, "", ErrorCode::InvalidAction, |v, p, _| Action::from_value(v, p))
    }

    /// Reads an action from a JSON tree at `path` (for error messages).
    pub(crate) fn from_value(v: &serde_json::Value, path: &str) -> Result<Action, InputError> {
        use json::{flags, u8_, u16_};
        const CODE: ErrorCode = ErrorCode::InvalidAction;
        let types = || ACTION_FIELDS.iter().map(|(t, _)| *t).collect::<Vec<_>>().join(", ");
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
            "submitMessage" => Action::SubmitMessage { store: store()?, address_type: f.required("addressType", u8_)?, steps: steps()? },
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

    pub fn note(&mut self, who: Who, method: Method, args: impl FnOnce() -> Vec<Arg>, rules: &[RuleId], note: impl FnOnce() -> String) {
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
    let mut ctx = Ctx { topo, settings, state, trace };
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

/// One field that an action changed, as text (`stores[0].phase`:
/// `open` -> `loggedOff`).
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub path: String,
    pub before: String,
    pub after: String,
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
    /// The current state's JSON tree and violations, kept from the last
    /// `apply` for the next one: each action then serialises the state once,
    /// not twice. `None` after any change made another way.
    last: Option<(serde_json::Value, Vec<Violation>)>,
}

// By hand: a clone starts without the cache, which is recomputed on demand
// (cloning a JSON tree would also cost the wasm module the code to do it).
impl Clone for Simulation {
    fn clone(&self) -> Self {
        Simulation {
            scenario: self.scenario.clone(),
            topology: self.topology.clone(),
            state: self.state.clone(),
            trace: self.trace.clone(),
            applied: self.applied.clone(),
            last: None,
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
            last: None,
        };
        for (i, action) in scenario.actions.iter().enumerate() {
            sim.apply_quiet(action).map_err(|e| e.within(&format!("actions[{i}]")))?;
        }
        Ok(sim)
    }

    pub fn from_json(text: &str) -> Result<Simulation, InputError> {
        Simulation::new(&Scenario::from_json(text)?)
    }

    fn apply_quiet(&mut self, action: &Action) -> Result<(HResult, Option<StoreLogoffOutFlags>), InputError> {
        self.trace.set_step(self.applied.len() as u32 + 1);
        self.last = None;
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
        let (before_state, before_violations) = match self.last.take() {
            Some(last) => last,
            None => (state_value(&self.state), self.violations()),
        };
        let first_event = self.trace.len() as u32;
        self.trace.set_step(self.applied.len() as u32 + 1);
        let mut ctx = Ctx { topo: &self.topology, settings: &self.scenario.settings, state: &mut self.state, trace: &mut self.trace };
        let answer = match ctx.dispatch(&action) {
            Ok(answer) => answer,
            Err(e) => {
                // Nothing changed: what was computed still holds.
                self.last = Some((before_state, before_violations));
                return Err(e);
            }
        };
        self.applied.push(action);
        let after_state = state_value(&self.state);
        let mut changes = Vec::new();
        diff("", &before_state, &after_state, &mut changes);
        let after_violations = self.violations();
        let new_violations = after_violations.iter().filter(|v| !before_violations.contains(v)).cloned().collect();
        self.last = Some((after_state, after_violations));
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
        serde_json::to_string(self.trace()).expect("trace serialises")
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

/// State fields that record what happened for the invariant check rather
/// than describe the protocol's state.
const AUDIT_FIELDS: [&str; 2] = ["storeLogoffTransports", "errors"];

/// The state as a JSON tree for diffing. Going through text reuses the
/// serializer every output already needs instead of instantiating
/// `serde_json::to_value` for every state type (it matters for wasm size).
fn state_value(state: &State) -> serde_json::Value {
    let text = serde_json::to_string(state).expect("state serialises");
    serde_json::from_str(&text).expect("serde_json reads what it wrote")
}

fn render(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "none".into(),
        serde_json::Value::String(s) => s.clone(),
        other => {
            let mut out = String::new();
            write_compact(other, &mut out);
            out
        }
    }
}

/// Compact JSON, as `Value`'s Display writes it, for the integers-only
/// values of a state. Written here rather than with Display because that
/// serialiser also formats floats, which would put a float formatter and its
/// tables in the wasm module for numbers the state never holds.
fn write_compact(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => out.push_str(&u.to_string()),
            (None, Some(i)) => out.push_str(&i.to_string()),
            // Unreachable: no field of a state is a float.
            (None, None) => out.push_str("NaN"),
        },
        Value::String(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_compact(item, out);
            }
            out.push(']');
        }
        Value::Object(fields) => {
            out.push('{');
            for (i, (k, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push(':');
                write_compact(item, out);
            }
            out.push('}');
        }
    }
}

/// Field-level differences between two JSON values. Arrays of scalars
/// (queues) and arrays that changed length are reported whole: a message
/// moving from one list to another reads better as two lists than as a
/// cascade of shifted indexes.
fn diff(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<Change>) {
    use serde_json::Value;
    if a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x.iter().filter(|(k, _)| !AUDIT_FIELDS.contains(&k.as_str())) {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                diff(&p, va, y.get(k).unwrap_or(&Value::Null), out);
            }
            for (k, vb) in y.iter().filter(|(k, _)| !x.contains_key(*k)) {
                diff(&format!("{path}.{k}"), &Value::Null, vb, out);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() && x.iter().any(|v| v.is_object()) => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                diff(&format!("{path}[{i}]"), va, vb, out);
            }
        }
        _ => out.push(Change { path: path.to_string(), before: render(a), after: render(b) }),
    }
}
