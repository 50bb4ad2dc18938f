//! The explorer: breadth-first search over every interleaving of a
//! scenario's enabled actions (client calls, spooler work, transport
//! logoffs, provider shutdowns, new mail), deduplicating states, bounded by
//! depth and by a state budget, checking I1-I6 and the chosen properties in
//! every state, and keeping the shortest path to each failure.
//!
//! It runs in increments (`step(budget)`), so a page can show progress and
//! stop at any time; it has no clock (callers time it).
//!
//! Like stateright and TLC, states are deduplicated by a 64-bit fingerprint
//! (a well-mixed hash of the state): two distinct states sharing one is
//! possible in principle (about n²/2^65 for n states: below 10^-7 for a
//! million) and would merge them. Nodes are kept in breadth-first order, so
//! the frontier is a cursor into that list; a node keeps its state only
//! until it is expanded, and paths are rebuilt from parents and actions,
//! because the engine is deterministic.

use crate::engine::{Action, apply, enabled_actions};
use crate::error::{ErrorCode, InputError};
use crate::fingerprint::{BuildFingerprint, fingerprint};
use crate::flags::{FlagSet, StoreLogoffFlag, StoreLogoffOutFlags};
use crate::hresult::HResult;
use crate::invariants::{check_invariants, invariants_hold, messages_conserved};
use crate::json::{self, Fields};
use crate::rules::RuleId;
use crate::scenario::{Scenario, Settings};
use crate::state::{SpoolerLogon, State, StorePhase, SupportKind, Topology};
use crate::trace::{Arg, CallHandle, Method, Party, Recorder};
use serde::Serialize;
use std::collections::HashMap;

json::string_enum! {
    /// Which call of the logoff an outcome or a reachability goal is about.
    pub enum LogoffCall {
        /// IMsgStore::StoreLogoff, as the client sees it.
        StoreLogoff = "storeLogoff",
        /// IMAPISupport::StoreLogoffTransports: the spooler's answer.
        StoreLogoffTransports = "storeLogoffTransports",
    }
}

/// "This outcome is reachable": a call with this flag that returns this.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(not(target_arch = "wasm32"), ts(rename = "ReportedOutcomeGoal"))]
pub struct OutcomeGoal {
    pub call: LogoffCall,
    pub flag: StoreLogoffFlag,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub hresult: Option<HResult>,
    /// Exact out flags wanted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub out_flags: Option<StoreLogoffOutFlags>,
}

/// A property checked in every state (or looked for, for `Reachable`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Property {
    /// I1-I6 and the rule breaches the engine records.
    Invariants,
    /// Every store the spooler was asked to release (StoreLogoffTransports
    /// completed, or the store was destroyed) is released by the time the
    /// spooler has nothing left to do (S3-S7, S14).
    StoresReleased,
    /// No message is lost or duplicated (I1).
    NoMessageLost,
    /// StoreLogoffTransports is called exactly once per store shutdown
    /// (I5, S10, S14).
    StoreLogoffTransportsOnce,
    /// The outcome can happen from this scenario.
    Reachable(OutcomeGoal),
}

impl Property {
    pub fn describe(&self) -> String {
        match self {
            Property::Invariants => "I1-I6 hold in every state".into(),
            Property::StoresReleased => "every store that was logged off is eventually released by the spooler".into(),
            Property::NoMessageLost => "no message is ever lost or duplicated".into(),
            Property::StoreLogoffTransportsOnce => "StoreLogoffTransports is called exactly once per store shutdown".into(),
            Property::Reachable(g) => {
                let mut s = format!("{} with {} can return", g.call.as_str(), g.flag.name());
                if let Some(hr) = g.hresult {
                    s.push_str(&format!(" {}", hr.text()));
                }
                if let Some(out) = g.out_flags {
                    s.push_str(&format!(" {}", out.text()));
                }
                s
            }
        }
    }
}

// In TypeScript, the options as a caller writes them: every field optional.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ExploreOptions {
    /// Actions beyond the scenario's own.
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub max_depth: u32,
    /// Unique states at most.
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub max_states: usize,
    /// Treat identical stores (same settings, faults and support kind, each
    /// with its own provider) as interchangeable.
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub symmetry: bool,
    /// Also let the client call StoreLogoff on a store after it returned
    /// LOGOFF_COMPLETE (a client mistake, S9): it shows how a store answers.
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub client_misuse: bool,
    /// Checked besides the invariants (I1-I6), which are always checked.
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<Vec<crate::typescript::PropertyInput>>", optional))]
    pub properties: Vec<Property>,
}

impl Default for ExploreOptions {
    fn default() -> Self {
        ExploreOptions { max_depth: 12, max_states: 200_000, symmetry: false, client_misuse: false, properties: Vec::new() }
    }
}

impl ExploreOptions {
    pub fn from_json(text: &str) -> Result<ExploreOptions, InputError> {
        ExploreOptions::from_value(&json::parse(text, ErrorCode::InvalidJson)?)
    }

    pub(crate) fn from_value(v: &serde_json::Value) -> Result<ExploreOptions, InputError> {
        const CODE: ErrorCode = ErrorCode::InvalidJson;
        let d = ExploreOptions::default();
        let f = Fields::of(v, "", CODE, "explore options", &["maxDepth", "maxStates", "symmetry", "clientMisuse", "properties"])?;
        let max_states = f.or("maxStates", d.max_states as u32, json::u32_)? as usize;
        if max_states == 0 || max_states > 20_000_000 {
            return Err(InputError::new(ErrorCode::TooLarge, "maxStates", format!("{max_states} is out of range: 1 to 20000000")));
        }
        let max_depth = f.or("maxDepth", d.max_depth, json::u32_)?;
        if max_depth > 1_000 {
            return Err(InputError::new(ErrorCode::TooLarge, "maxDepth", format!("{max_depth} is out of range: 0 to 1000")));
        }
        Ok(ExploreOptions {
            max_depth,
            max_states,
            symmetry: f.or("symmetry", false, json::boolean)?,
            client_misuse: f.or("clientMisuse", false, json::boolean)?,
            properties: f.or("properties", Vec::new(), |v, p, c| json::list(v, p, c, read_property))?,
        })
    }
}

fn read_property(v: &serde_json::Value, path: &str, code: ErrorCode) -> Result<Property, InputError> {
    const NAMES: &[(&str, Property)] = &[
        ("invariants", Property::Invariants),
        ("storesReleased", Property::StoresReleased),
        ("noMessageLost", Property::NoMessageLost),
        ("storeLogoffTransportsOnce", Property::StoreLogoffTransportsOnce),
    ];
    if v.is_string() {
        return json::name(v, path, code, NAMES);
    }
    let f = Fields::of(v, path, code, "a property (a name, or { reachable: ... })", &["reachable"])?;
    f.required("reachable", |v, p, c| {
        let g = Fields::of(v, p, c, "an outcome goal", &["call", "flag", "hresult", "outFlags"])?;
        let flag_bits = g.required("flag", |v, p, c| json::flags(v, p, c, FlagSet::StoreLogoff))?;
        let flag = StoreLogoffFlag::from_raw(flag_bits).map_err(|_| {
            InputError::new(c, json::join(p, "flag"), "expected exactly one input flag, such as \"LOGOFF_QUIET\"".to_string())
        })?;
        Ok(Property::Reachable(OutcomeGoal {
            call: g.or("call", LogoffCall::StoreLogoffTransports, |v, p, c| json::name(v, p, c, LogoffCall::NAMES))?,
            flag,
            hresult: g.optional("hresult", |v, p, c| match v {
                serde_json::Value::String(s) => HResult::parse(s).ok_or_else(|| InputError::new(c, p, format!("{s:?} is not an HRESULT"))),
                _ => json::u32_(v, p, c).map(HResult),
            })?,
            out_flags: g.optional("outFlags", |v, p, c| json::flags(v, p, c, FlagSet::StoreLogoff).map(StoreLogoffOutFlags))?,
        }))
    })
}

/// A shortest path to a failure (or to a reachable outcome), as a scenario
/// that replays it in a Simulation.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Counterexample {
    /// The actions after the scenario's own.
    pub path: Vec<Action>,
    /// The scenario with those actions appended.
    pub scenario: Scenario,
    /// What is wrong (or what was reached) at the end of the path.
    pub message: String,
}

json::string_enum! {
    pub enum Verdict {
        /// Holds in every state explored (and the exploration was complete).
        Holds = "holds",
        /// Holds in every state explored, but the exploration stopped early.
        HoldsSoFar = "holdsSoFar",
        Fails = "fails",
        Reachable = "reachable",
        Unreachable = "unreachable",
        /// Not found before the exploration stopped early.
        NotFoundSoFar = "notFoundSoFar",
    }
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PropertyResult {
    pub property: Property,
    pub description: String,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub counterexample: Option<Counterexample>,
}

/// One logoff outcome the scenario can produce.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReachableOutcome {
    pub hresult: HResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub out_flags: Option<StoreLogoffOutFlags>,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct OutcomeSummary {
    pub call: LogoffCall,
    pub flag: StoreLogoffFlag,
    pub outcomes: Vec<ReachableOutcome>,
}

json::string_enum! {
    pub enum StopReason {
        /// Every reachable state within the depth bound was explored.
        Complete = "complete",
        /// The state budget ran out.
        StateBudget = "stateBudget",
    }
}

/// Where an exploration is; also its final report.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ExploreReport {
    pub done: bool,
    /// Why the exploration stopped; present once done.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub stopped: Option<StopReason>,
    /// States whose successors were computed.
    pub states_explored: u64,
    pub unique_states: u64,
    /// Transitions followed (including to states already seen).
    pub transitions: u64,
    /// Deepest state found, in actions after the scenario's own.
    pub max_depth: u32,
    /// States at the depth bound, which were not expanded.
    pub depth_bound_hits: u64,
    pub properties: Vec<PropertyResult>,
    pub outcomes: Vec<OutcomeSummary>,
}

struct Node {
    /// Until the node is expanded (boxed: most nodes no longer have one).
    state: Option<Box<State>>,
    parent: u32,
    action: Option<Action>,
    depth: u32,
}

const NONE: u32 = u32::MAX;

/// Where a property first failed (or a goal was reached).
#[derive(Clone)]
struct Found {
    node: u32,
    /// For a goal: the action from `node` that gave the outcome.
    last: Option<Action>,
    message: String,
    /// Built on the first report that needs it and kept: a finding never
    /// changes, and every progress report carries it.
    counterexample: std::cell::OnceCell<Counterexample>,
}

impl Found {
    fn new(node: u32, last: Option<Action>, message: String) -> Found {
        Found { node, last, message, counterexample: std::cell::OnceCell::new() }
    }
}

/// One answer of StoreLogoff or StoreLogoffTransports.
struct Answer {
    call: LogoffCall,
    /// The input flags passed (the first argument).
    flags: u32,
    outcome: ReachableOutcome,
}

/// The explorer's recorder: keeps the answers to the logoff calls and
/// nothing else, so the engine builds no events for it.
#[derive(Default)]
struct Answers(Vec<Answer>);

impl Recorder for Answers {
    fn call(
        &mut self,
        _: impl FnOnce() -> Party,
        _: impl FnOnce() -> Party,
        method: Method,
        args: impl FnOnce() -> Vec<Arg>,
    ) -> CallHandle {
        let call = match method {
            Method::StoreLogoff => LogoffCall::StoreLogoff,
            Method::StoreLogoffTransports => LogoffCall::StoreLogoffTransports,
            _ => return CallHandle(None),
        };
        let flags = args().first().map_or(0, |a| a.value);
        self.0.push(Answer { call, flags, outcome: ReachableOutcome { hresult: HResult::default(), out_flags: None } });
        CallHandle(Some(self.0.len() - 1))
    }

    fn ret(&mut self, handle: CallHandle, hresult: HResult, out_flags: Option<StoreLogoffOutFlags>, _: &[RuleId]) {
        if let Some(i) = handle.0 {
            self.0[i].outcome = ReachableOutcome { hresult, out_flags };
        }
    }

    fn annotate(&mut self, _: CallHandle, _: impl FnOnce() -> String) {}

    fn internal(&mut self, _: impl FnOnce() -> Party, _: Method, _: impl FnOnce() -> Vec<Arg>, _: &[RuleId], _: impl FnOnce() -> String) {}
}

/// An exploration in progress.
pub struct Explorer {
    topology: Topology,
    settings: Settings,
    base: Scenario,
    options: ExploreOptions,
    nodes: Vec<Node>,
    seen: HashMap<u64, u32, BuildFingerprint>,
    cursor: usize,
    explored: u64,
    transitions: u64,
    depth_bound_hits: u64,
    /// Per property: where it first failed or was reached.
    found: Vec<Option<Found>>,
    /// Outcomes seen per (call, flag), each list in order.
    outcomes: Vec<((LogoffCall, StoreLogoffFlag), Vec<ReachableOutcome>)>,
    /// For symmetry: classes of interchangeable stores.
    store_classes: Vec<Vec<usize>>,
    /// The state the scenario's actions lead to, before canonicalisation:
    /// counterexample paths are replayed from it.
    start: State,
    answers: Answers,
    /// The node being expanded, when a step's budget ran out part way
    /// through its successors.
    pending: Option<Expansion>,
    /// Units of work done so far (see [`Explorer::step`]).
    work: u64,
}

/// A node whose successors are being computed, one action at a time.
struct Expansion {
    index: u32,
    depth: u32,
    state: Box<State>,
    actions: Vec<Action>,
    next: usize,
}

impl Explorer {
    /// Starts from the state the scenario's actions lead to.
    pub fn new(scenario: &Scenario, options: ExploreOptions) -> Result<Explorer, InputError> {
        // The scenario's own actions, applied as a Simulation would (same
        // errors). Every call of the engine here uses the one recorder, so a
        // wasm module of the explorer holds one copy of the engine.
        let (topology, mut start) = scenario.build()?;
        for (i, action) in scenario.actions.iter().enumerate() {
            apply(&topology, &scenario.settings, &mut start, &mut Answers::default(), action)
                .map_err(|e| e.within(&format!("actions[{i}]")))?;
        }
        let mut properties = vec![Property::Invariants];
        properties.extend(options.properties.iter().copied().filter(|p| *p != Property::Invariants));
        let options = ExploreOptions { properties, ..options };
        let store_classes = if options.symmetry { symmetric_stores(&topology) } else { Vec::new() };
        let mut explorer = Explorer {
            settings: scenario.settings,
            base: scenario.clone(),
            found: vec![None; options.properties.len()],
            options,
            nodes: Vec::new(),
            seen: HashMap::default(),
            cursor: 0,
            explored: 0,
            transitions: 0,
            depth_bound_hits: 0,
            outcomes: Vec::new(),
            store_classes,
            answers: Answers::default(),
            topology,
            start: start.clone(),
            pending: None,
            work: 0,
        };
        let mut root = start;
        explorer.canonicalize(&mut root);
        explorer.insert(root, NONE, None, 0);
        Ok(explorer)
    }

    pub fn is_done(&self) -> bool {
        (self.cursor >= self.nodes.len() && self.pending.is_none()) || self.budget_spent()
    }

    fn budget_spent(&self) -> bool {
        self.nodes.len() >= self.options.max_states
    }

    /// Does up to `budget` units of work (at least 1, unless done) and
    /// returns the progress report. A unit is one node taken from the
    /// frontier or one successor computed (an action applied to a copy of
    /// a state), so a step is bounded however many actions a state
    /// enables: a node's successors may span steps. Each unit costs time
    /// linear in the size of the state (its messages and blocks).
    pub fn step(&mut self, budget: usize) -> ExploreReport {
        self.advance(budget);
        self.report()
    }

    /// [`Explorer::step`] without building the report; returns the units
    /// of work done.
    pub fn advance(&mut self, budget: usize) -> usize {
        let mut done = 0;
        while done < budget.max(1) && !self.is_done() {
            done += 1;
            match self.pending.take() {
                None => self.start_expansion(),
                Some(mut expansion) => {
                    let action = expansion.actions[expansion.next];
                    expansion.next += 1;
                    self.successor(&expansion, action);
                    if expansion.next < expansion.actions.len() {
                        self.pending = Some(expansion);
                    }
                }
            }
        }
        self.work += done as u64;
        done
    }

    /// Units of work done so far: never more than the budgets of the steps
    /// taken, and at least `statesExplored + depthBoundHits + transitions`.
    pub fn work(&self) -> u64 {
        self.work
    }

    /// Explores until done.
    pub fn run(&mut self) -> ExploreReport {
        while !self.is_done() {
            self.advance(4096);
        }
        self.report()
    }

    /// Takes the next node from the frontier: at the depth bound it is
    /// only counted, otherwise its enabled actions are listed.
    fn start_expansion(&mut self) {
        let index = self.cursor;
        self.cursor += 1;
        let depth = self.nodes[index].depth;
        if depth >= self.options.max_depth {
            self.depth_bound_hits += 1;
            self.nodes[index].state = None;
            return;
        }
        self.explored += 1;
        let state = self.nodes[index].state.take().expect("a node is expanded once");
        let mut actions = enabled_actions(&self.topology, &self.settings, &state);
        if self.options.client_misuse {
            let misuse = (0..state.stores.len()).filter(|&s| state.stores[s].phase == StorePhase::Invalidated);
            actions.extend(misuse.map(|s| Action::StoreLogoff { store: s as u16, flags: StoreLogoffFlag::Quiet.bits() }));
        }
        if !actions.is_empty() {
            self.pending = Some(Expansion { index: index as u32, depth, state, actions, next: 0 });
        }
    }

    fn successor(&mut self, from: &Expansion, action: Action) {
        let mut next = State::clone(&from.state);
        self.answers.0.clear();
        if apply(&self.topology, &self.settings, &mut next, &mut self.answers, &action).is_err() {
            return;
        }
        self.transitions += 1;
        self.observe_outcomes(from.index, action);
        self.canonicalize(&mut next);
        self.insert(next, from.index, Some(action), from.depth + 1);
    }

    /// Records the StoreLogoff / StoreLogoffTransports answers the last
    /// transition produced, and checks the reachability goals.
    fn observe_outcomes(&mut self, from: u32, action: Action) {
        for &Answer { call, flags, outcome } in &self.answers.0 {
            let Ok(flag) = StoreLogoffFlag::from_raw(flags) else { continue };
            for (i, p) in self.options.properties.iter().enumerate() {
                if let Property::Reachable(g) = p
                    && self.found[i].is_none()
                    && g.call == call
                    && g.flag == flag
                    && g.hresult.is_none_or(|h| h == outcome.hresult)
                    && g.out_flags.is_none_or(|o| Some(o) == outcome.out_flags)
                {
                    let method = match call {
                        LogoffCall::StoreLogoff => Method::StoreLogoff,
                        LogoffCall::StoreLogoffTransports => Method::StoreLogoffTransports,
                    };
                    let message = format!(
                        "{} returned {}{}",
                        method,
                        outcome.hresult.text(),
                        outcome.out_flags.map(|o| format!(", {}", o.text())).unwrap_or_default()
                    );
                    self.found[i] = Some(Found::new(from, Some(action), message));
                }
            }
            match self.outcomes.iter_mut().find(|(key, _)| *key == (call, flag)) {
                // Kept ordered by insertion, so reports compare across runs.
                Some((_, seen)) => {
                    if let Err(at) = seen.binary_search(&outcome) {
                        seen.insert(at, outcome);
                    }
                }
                None => self.outcomes.push(((call, flag), vec![outcome])),
            }
        }
    }

    fn insert(&mut self, state: State, parent: u32, action: Option<Action>, depth: u32) {
        let index = self.nodes.len() as u32;
        if let std::collections::hash_map::Entry::Vacant(slot) = self.seen.entry(fingerprint(&state)) {
            slot.insert(index);
            self.check_properties(index, &state);
            self.nodes.push(Node { state: Some(Box::new(state)), parent, action, depth });
        }
    }

    fn check_properties(&mut self, index: u32, state: &State) {
        for i in 0..self.options.properties.len() {
            if self.found[i].is_some() {
                continue;
            }
            // The fast predicates decide; the worded violation is built only
            // for the first failure of each property.
            let failure = match self.options.properties[i] {
                Property::Invariants if invariants_hold(&self.topology, state) => None,
                Property::Invariants => check_invariants(&self.topology, state).first().map(|v| v.to_string()),
                Property::NoMessageLost if messages_conserved(state) => None,
                Property::NoMessageLost => {
                    check_invariants(&self.topology, state).into_iter().find(|v| v.rule == crate::RuleId::I1).map(|v| v.to_string())
                }
                Property::StoreLogoffTransportsOnce
                    if !state.errors.iter().any(|e| matches!(e.rule, crate::RuleId::I5 | crate::RuleId::S10 | crate::RuleId::S14)) =>
                {
                    None
                }
                Property::StoreLogoffTransportsOnce => check_invariants(&self.topology, state)
                    .into_iter()
                    .find(|v| matches!(v.rule, crate::RuleId::I5 | crate::RuleId::S10 | crate::RuleId::S14))
                    .map(|v| v.to_string()),
                Property::StoresReleased => self.unreleased_store(state),
                Property::Reachable(_) => None,
            };
            if let Some(message) = failure {
                self.found[i] = Some(Found::new(index, None, message));
            }
        }
    }

    /// At a state where the spooler has nothing left to do, a store it was
    /// asked to release and still holds.
    fn unreleased_store(&self, state: &State) -> Option<String> {
        if !crate::spooler::enabled_work(&self.topology, state, None).is_empty() {
            return None;
        }
        state.stores.iter().enumerate().find_map(|(i, s)| {
            let info = &self.topology.stores[i];
            let record = s.store_logoff_transports;
            let asked = (record.completions > 0 || s.phase == StorePhase::Destroyed) && !record.vetoed;
            let exempt = info.shared_with_other_process || info.support_kind != SupportKind::MessageStore;
            (asked && !exempt && s.spooler != SpoolerLogon::Released)
                .then(|| format!("store {} is still held by the spooler, which has nothing left to do", info.name))
        })
    }

    fn path_to(&self, mut index: u32) -> Vec<Action> {
        let mut path = Vec::new();
        while index != NONE {
            let node = &self.nodes[index as usize];
            if let Some(a) = node.action {
                path.push(a);
            }
            index = node.parent;
        }
        path.reverse();
        path
    }

    /// With symmetry on, states are stored in a canonical store order, so a
    /// path read back from parents may name permuted stores. The
    /// counterexample is therefore re-found by replaying: each step picks
    /// the action whose canonical result has the next node's fingerprint.
    fn replayable_path(&self, index: u32) -> Vec<Action> {
        if self.store_classes.is_empty() {
            return self.path_to(index);
        }
        let mut canonical = self.start.clone();
        self.canonicalize(&mut canonical);
        let mut real = self.start.clone();
        let mut path = Vec::new();
        for step in self.path_to(index) {
            apply(&self.topology, &self.settings, &mut canonical, &mut Answers::default(), &step).expect("the path was explored");
            self.canonicalize(&mut canonical);
            let target = fingerprint(&canonical);
            let mut candidates = enabled_actions(&self.topology, &self.settings, &real);
            if self.options.client_misuse {
                let misuse = (0..real.stores.len()).filter(|&s| real.stores[s].phase == StorePhase::Invalidated);
                candidates.extend(misuse.map(|s| Action::StoreLogoff { store: s as u16, flags: StoreLogoffFlag::Quiet.bits() }));
            }
            let found = candidates.into_iter().find_map(|a| {
                let mut s = real.clone();
                apply(&self.topology, &self.settings, &mut s, &mut Answers::default(), &a).ok()?;
                let mut canon = s.clone();
                self.canonicalize(&mut canon);
                (fingerprint(&canon) == target).then_some((a, s))
            });
            let Some((action, after)) = found else { break };
            path.push(action);
            real = after;
        }
        path
    }

    fn counterexample(&self, index: u32, last: Option<Action>, message: &str) -> Counterexample {
        let mut path = self.replayable_path(index);
        path.extend(last);
        let mut scenario = self.base.clone();
        scenario.actions.extend(path.iter().copied());
        Counterexample { path, scenario, message: message.to_string() }
    }

    pub fn report(&self) -> ExploreReport {
        let done = self.is_done();
        let complete = self.cursor >= self.nodes.len() && self.pending.is_none() && !self.budget_spent();
        let properties = self
            .options
            .properties
            .iter()
            .zip(&self.found)
            .map(|(p, found)| {
                let verdict = match (p, found, done && complete) {
                    (Property::Reachable(_), Some(_), _) => Verdict::Reachable,
                    (Property::Reachable(_), None, true) => Verdict::Unreachable,
                    (Property::Reachable(_), None, false) => Verdict::NotFoundSoFar,
                    (_, Some(_), _) => Verdict::Fails,
                    (_, None, true) => Verdict::Holds,
                    (_, None, false) => Verdict::HoldsSoFar,
                };
                PropertyResult {
                    property: *p,
                    description: p.describe(),
                    verdict,
                    counterexample: found
                        .as_ref()
                        .map(|f| f.counterexample.get_or_init(|| self.counterexample(f.node, f.last, &f.message)).clone()),
                }
            })
            .collect();
        // Calls, then flags, in their declaration order.
        let outcomes = LogoffCall::NAMES
            .iter()
            .flat_map(|(_, call)| StoreLogoffFlag::ALL.iter().map(move |flag| (*call, *flag)))
            .filter_map(|key| self.outcomes.iter().find(|(k, _)| *k == key))
            .map(|((call, flag), seen)| OutcomeSummary { call: *call, flag: *flag, outcomes: seen.clone() })
            .collect();
        ExploreReport {
            done,
            stopped: done.then_some(if complete { StopReason::Complete } else { StopReason::StateBudget }),
            states_explored: self.explored,
            unique_states: self.nodes.len() as u64,
            transitions: self.transitions,
            max_depth: self.nodes.last().map_or(0, |n| n.depth),
            depth_bound_hits: self.depth_bound_hits,
            properties,
            outcomes,
        }
    }

    /// Puts interchangeable stores in a canonical order (by their state),
    /// renumbering the message origins and providers that point at them.
    fn canonicalize(&self, state: &mut State) {
        for class in &self.store_classes {
            let mut order: Vec<usize> = class.clone();
            order.sort_by(|&a, &b| state.stores[a].cmp(&state.stores[b]));
            if order == *class {
                continue;
            }
            // Position class[k] receives the store that was at order[k].
            let old_stores = state.stores.clone();
            let old_providers = state.store_providers.clone();
            let mut renumber = vec![0u8; state.stores.len()];
            for (k, &from) in order.iter().enumerate() {
                let to = class[k];
                state.stores[to] = old_stores[from].clone();
                let (pf, pt) = (usize::from(self.topology.stores[from].provider), usize::from(self.topology.stores[to].provider));
                state.store_providers[pt] = old_providers[pf];
                renumber[from] = to as u8;
            }
            for m in &mut state.messages {
                if let Some(origin) = m.origin
                    && class.contains(&usize::from(origin))
                {
                    m.origin = Some(renumber[usize::from(origin)]);
                }
            }
        }
    }
}

/// Classes of stores that behave identically: same settings, faults and
/// support kind, each with a provider of its own, none holding the default
/// Inbox (whose reception ties it to the transports).
fn symmetric_stores(topo: &Topology) -> Vec<Vec<usize>> {
    let own_provider = |i: usize| topo.stores.iter().filter(|s| s.provider == topo.stores[i].provider).count() == 1;
    let mut classes: Vec<Vec<usize>> = Vec::new();
    for i in 0..topo.stores.len() {
        let a = &topo.stores[i];
        if a.default_inbox || !own_provider(i) {
            continue;
        }
        let same = |j: usize| {
            let b = &topo.stores[j];
            (a.shared_with_other_process, a.support_kind, a.faults) == (b.shared_with_other_process, b.support_kind, b.faults)
        };
        match classes.iter_mut().find(|c| same(c[0])) {
            Some(c) => c.push(i),
            None => classes.push(vec![i]),
        }
    }
    classes.retain(|c| c.len() > 1);
    classes
}

/// Explores a scenario to the end (or its bounds).
pub fn explore(scenario: &Scenario, options: ExploreOptions) -> Result<ExploreReport, InputError> {
    Ok(Explorer::new(scenario, options)?.run())
}

/// Bytes the explorer keeps per unique state once the exploration is
/// complete (node and fingerprint entry; expanded states are dropped), for
/// the benchmark.
pub fn bytes_per_state(explorer: &Explorer) -> usize {
    let n = explorer.nodes.len().max(1);
    let nodes = explorer.nodes.capacity() * std::mem::size_of::<Node>();
    let index = explorer.seen.capacity() * (std::mem::size_of::<u64>() + std::mem::size_of::<u32>() + 1);
    (nodes + index) / n
}
