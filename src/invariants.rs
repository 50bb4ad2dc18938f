//! The invariants I1-I6, checked by one pure function of the state. Rule
//! breaches that leave no trace in the state (a call on a released object,
//! a double free) were recorded when they happened and are reported here
//! with their rule too.

use crate::flags::FlagSet;
use crate::hresult::HResult;
use crate::rules::RuleId::{self, *};
use crate::state::{Breach, ProtocolError, ProviderPhase, SessionPhase, State, Subject, Topology};
use serde::Serialize;

/// A broken invariant or rule. For violations seen in the state (I1, I2,
/// I6), `mistake` names the provider fault that explains them when the
/// scenario switched that kind of fault on.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    pub rule: RuleId,
    /// The provider mistake (M1-M11) this is a symptom of, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub mistake: Option<RuleId>,
    /// The object concerned, by name (`session smtp`, `block 3`).
    pub subject: String,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.rule, self.subject, self.message)?;
        if let Some(m) = self.mistake {
            // "(M5: a call other than Release after COMPLETE)": the id already says it is a mistake.
            let title = m.title();
            write!(f, " ({m}: {})", title.strip_prefix("Mistake: ").unwrap_or(title))?;
        }
        Ok(())
    }
}

fn subject_name(topo: &Topology, subject: Subject) -> String {
    match subject {
        Subject::Store(i) => format!("store {}", topo.stores[usize::from(i)].name),
        Subject::StoreSupport(i) => format!("support object of store {}", topo.stores[usize::from(i)].name),
        Subject::StoreProvider(i) => format!("store provider {}", topo.store_providers[usize::from(i)]),
        Subject::Session(i) => format!("session {}", topo.sessions[usize::from(i)].name),
        Subject::SessionSupport(i) => format!("support object of session {}", topo.sessions[usize::from(i)].name),
        Subject::Transport(i) => format!("transport {}", topo.transports[usize::from(i)].name),
        Subject::Block(u16::MAX) => "a foreign pointer".to_string(),
        Subject::Block(b) => format!("block {b}"),
    }
}

fn describe(e: &ProtocolError) -> (String, Option<RuleId>) {
    let flags = |v: u32| FlagSet::StoreLogoff.format(v);
    match e.breach {
        Breach::CallOnReleased { method } => {
            let mistake = matches!(e.subject, Subject::SessionSupport(_)).then_some(M6);
            (format!("{method} reached an object that was already released"), mistake)
        }
        Breach::CallOnInvalid { method } => {
            (format!("{method} reached an object after LOGOFF_COMPLETE / MakeInvalid; only Release may"), Some(M5))
        }
        Breach::AcceptedAfterComplete { method } => {
            (format!("the store accepted {method} after returning LOGOFF_COMPLETE instead of MAPI_E_INVALID_OBJECT"), Some(M5))
        }
        Breach::OverRelease => ("Release with no reference left: the count would go below zero".into(), None),
        Breach::StoreLogoffTransportsMissing { expected } => {
            (format!("the store was destroyed without calling StoreLogoffTransports (it should have passed {})", flags(expected)), Some(M1))
        }
        Breach::StoreLogoffTransportsRepeated { calls } => {
            (format!("StoreLogoffTransports was called {calls} times in one shutdown; MAPI answered MAPI_E_INVALID_OBJECT"), Some(M2))
        }
        Breach::StoreLogoffTransportsRefused { hresult, flags: f } => {
            let mistake = (hresult == HResult::MAPI_E_INVALID_PARAMETER || hresult == HResult::MAPI_E_UNKNOWN_FLAGS).then_some(M3);
            (
                format!(
                    "the store's StoreLogoffTransports({}) was refused with {}, so the spooler's logoff never happened",
                    flags(f),
                    hresult.text()
                ),
                mistake,
            )
        }
        Breach::StoreLogoffTransportsWrongFlag { given, expected } => {
            (format!("StoreLogoffTransports got {} but the client gave {}", flags(given), flags(expected)), None)
        }
        Breach::BadStoreLogoffTransportsFlags { flags: f } => {
            let reused = f & crate::flags::StoreLogoffOutFlags::DEFINED != 0;
            let why = if reused { "output bits passed back as input" } else { "not exactly one input flag" };
            (format!("the store passed {} to StoreLogoffTransports: {why}", flags(f)), Some(M3))
        }
        Breach::ClientBadStoreLogoffFlags { flags: f } => {
            let reused = f & crate::flags::StoreLogoffOutFlags::DEFINED != 0;
            let why = if reused { "output bits passed back as input" } else { "not exactly one input flag" };
            (format!("the client passed {} to StoreLogoff: {why}; the store refused it", flags(f)), Some(M3))
        }
        Breach::AllocationByReleasedLogon => ("MAPIAllocateBuffer was called for a logon the spooler had already released".into(), None),
        Breach::NoSupportTreatedAsFatal => (
            "MAPI_E_NO_SUPPORT stopped the store's teardown: its support object is never released, so MAPI never logs it off (S16)".into(),
            Some(M4),
        ),
        Breach::MemoryMisuse { misuse } => (misuse.describe().to_string(), Some(M7)),
        Breach::AddressTypesFreedEarly => ("the AddressTypes array was freed before TransportLogoff".into(), Some(M8)),
        Breach::MemoryLeftAtLogoff { first, count, cause } => {
            let more = if count > 1 { format!(" and {} more", count - 1) } else { String::new() };
            (
                format!(
                    "TransportLogoff returned with block {first}{more} still allocated; it must free its memory during TransportLogoff"
                ),
                Some(cause),
            )
        }
        Breach::ReservedTransportLogoffFlags { flags: f, by_provider } => {
            let caller = if by_provider { "the provider called its own TransportLogoff" } else { "the spooler called TransportLogoff" };
            (
                format!(
                    "{caller} with ulFlags {}; ulFlags is reserved and must be zero (the caller's mistake, not the session's)",
                    FlagSet::TransportLogoff.format(f)
                ),
                Some(M11),
            )
        }
    }
}

/// Calls `f` with the message in every place a message can be (I1 counts
/// them): the stores' queues, Inboxes and sent lists, and the sessions'
/// held mail and transfers.
pub(crate) fn for_each_place(state: &State, mut f: impl FnMut(u16)) {
    for s in &state.stores {
        s.queue.iter().chain(&s.inbox).chain(&s.sent).copied().for_each(&mut f);
    }
    for s in &state.sessions {
        s.held.iter().copied().chain(s.sending.map(|t| t.message)).chain(s.receiving.map(|t| t.message)).for_each(&mut f);
    }
}

/// Every violation in a state, in a stable order: I1, I2, I6, then the
/// recorded breaches in the order they happened.
pub fn check_invariants(topo: &Topology, state: &State) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut seen = vec![0u8; state.messages.len()];
    for_each_place(state, |id| {
        if let Some(c) = seen.get_mut(usize::from(id)) {
            *c = c.saturating_add(1);
        }
    });
    for (id, &n) in seen.iter().enumerate() {
        if n != 1 {
            out.push(message_violation(id, n));
        }
    }
    part_violations(topo, state, &mut out);
    for e in &state.errors {
        out.push(breach_violation(topo, e));
    }
    out
}

/// I1 for one message found in `n` places (`n != 1`). Its own function so
/// that `Simulation::apply` can word the violations of the messages an
/// action moved without counting every message.
pub(crate) fn message_violation(id: usize, n: u8) -> Violation {
    let message = if n == 0 {
        format!("message {id} is lost: it is in no queue, transfer, holding or folder")
    } else {
        format!("message {id} is in {n} places at once")
    };
    Violation { rule: I1, mistake: None, subject: format!("message {id}"), message }
}

/// The violations seen in the sessions and providers (stranded transfers,
/// I2, I6), in `check_invariants` order; their cost follows the number of
/// sessions, transports and blocks, not of messages.
pub(crate) fn part_violations(topo: &Topology, state: &State, out: &mut Vec<Violation>) {
    for (i, s) in state.sessions.iter().enumerate() {
        if s.phase == SessionPhase::LoggedOn {
            continue;
        }
        let name = &topo.sessions[i].name;
        for transfer in s.sending.iter().chain(&s.receiving) {
            out.push(Violation {
                rule: I1,
                mistake: None,
                subject: format!("message {}", transfer.message),
                message: format!("stranded in a transfer on session {name}, which is logged off"),
            });
        }
        // The fault that stopped the cleanup names the mistake; memory left
        // by a cleanup that ran is a leaking provider's (M7).
        let skipped = s.cleanup_skipped.map(|f| f.mistake());
        let leaked = state.memory.leaked_by(i as u8);
        let left_behind = s.cleanup_leaked.is_some_and(|b| leaked.contains(&b));
        let leak_cause = skipped.or(left_behind.then_some(RuleId::M7));
        if !leaked.is_empty() {
            let list = leaked.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(", ");
            out.push(Violation {
                rule: I2,
                mistake: leak_cause,
                subject: format!("session {name}"),
                message: format!("logged off with memory still allocated: block {list}"),
            });
        }
        if !s.support_released {
            out.push(Violation {
                rule: I2,
                mistake: skipped,
                subject: format!("session {name}"),
                message: "logged off without releasing its support object".into(),
            });
        }
    }
    for (t, phase) in state.transports.iter().enumerate() {
        if *phase != ProviderPhase::ShutDown {
            continue;
        }
        for (i, info) in topo.sessions.iter().enumerate() {
            if usize::from(info.transport) == t && state.sessions[i].phase == SessionPhase::LoggedOn {
                out.push(Violation {
                    rule: I6,
                    mistake: Some(M10),
                    subject: format!("transport {}", topo.transports[t].name),
                    message: format!("shut down while its logon {} was still open", info.name),
                });
            }
        }
    }
}

/// The violation a recorded breach reports.
pub(crate) fn breach_violation(topo: &Topology, e: &ProtocolError) -> Violation {
    let (message, mistake) = describe(e);
    Violation { rule: e.rule, mistake, subject: subject_name(topo, e.subject), message }
}

/// Whether every message is in exactly one place (I1), without
/// allocating for scenarios of up to 512 messages: the explorer asks this
/// of every state it finds.
pub fn messages_conserved(state: &State) -> bool {
    let mut small = [0u8; 512];
    let mut large;
    let seen: &mut [u8] = if state.messages.len() <= small.len() {
        &mut small[..state.messages.len()]
    } else {
        large = vec![0u8; state.messages.len()];
        &mut large
    };
    let mut count = |id: u16| match seen.get_mut(usize::from(id)) {
        Some(c) if *c == 0 => {
            *c = 1;
            true
        }
        _ => false,
    };
    for s in &state.stores {
        if !s.queue.iter().chain(&s.inbox).chain(&s.sent).all(|&m| count(m)) {
            return false;
        }
    }
    for s in &state.sessions {
        let live = s.phase == SessionPhase::LoggedOn;
        let transfers = s.sending.iter().chain(&s.receiving);
        if (!live && transfers.clone().next().is_some()) || !s.held.iter().copied().chain(transfers.map(|t| t.message)).all(&mut count) {
            return false;
        }
    }
    seen.iter().all(|&c| c == 1)
}

/// `check_invariants(topo, state).is_empty()`, without building any
/// message: the fast path for the explorer and the benchmarks.
pub fn invariants_hold(topo: &Topology, state: &State) -> bool {
    if !state.errors.is_empty() || !messages_conserved(state) {
        return false;
    }
    let sessions_clean = state.sessions.iter().enumerate().all(|(i, s)| {
        s.phase == SessionPhase::LoggedOn
            || (s.support_released && !state.memory.blocks.iter().any(|b| usize::from(b.owner) == i && !b.freed))
    });
    let providers_clean = state.transports.iter().enumerate().all(|(t, phase)| {
        *phase != ProviderPhase::ShutDown
            || topo
                .sessions
                .iter()
                .enumerate()
                .all(|(i, info)| usize::from(info.transport) != t || state.sessions[i].phase != SessionPhase::LoggedOn)
    });
    sessions_clean && providers_clean
}
