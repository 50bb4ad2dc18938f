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
//! million) and would merge them. States are numbered in breadth-first
//! order; the explorer keeps a fingerprint (`visited.rs`) and a parent link
//! (8 bytes) per state, and a state itself only until it is expanded
//! (`frontier.rs`: natively packed). Paths are rebuilt by replaying the
//! parent links' action indexes, because the engine is deterministic.
//! Successors are built in reused scratch (`successor.rs`). Natively, `run`
//! can expand on several threads with the same result (`parallel.rs`,
//! docs/parallel-explorer.md).

mod frontier;
#[cfg(not(target_arch = "wasm32"))]
mod parallel;
mod successor;
mod visited;

use crate::engine::{Action, apply};
use crate::error::{ErrorCode, InputError};
use crate::flags::{FlagSet, StoreLogoffFlag, StoreLogoffOutFlags};
use crate::hresult::HResult;
use crate::json::{self, Fields};
use crate::rules::RuleId;
use crate::scenario::Scenario;
use crate::state::{State, Topology};
use crate::trace::{Arg, CallHandle, Method, Party, Recorder};
use frontier::Frontier;
use serde::Serialize;
use successor::{Model, Worker, kind_bit, state_fingerprint};
use visited::FingerprintSet;

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
    /// Threads [`Explorer::run`] expands states on, natively (0: one per
    /// core). Any number gives the same report; wasm runs on one. Not part
    /// of the JSON options.
    #[serde(skip)]
    pub threads: usize,
}

impl Default for ExploreOptions {
    fn default() -> Self {
        ExploreOptions { max_depth: 12, max_states: 200_000, symmetry: false, client_misuse: false, properties: Vec::new(), threads: 1 }
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
            threads: d.threads,
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

/// The parent link of a unique state: enough to rebuild the path to it by
/// replaying, because the engine is deterministic.
#[derive(Clone, Copy)]
struct Link {
    /// `NONE` for the start.
    parent: u32,
    /// The action's index in the parent's list (`Model::actions`).
    action: u16,
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
#[derive(Clone, Copy)]
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

impl Answers {
    /// Out of line: the engine calls `call` from many places, each its own
    /// copy of it, and only two methods are recorded.
    #[inline(never)]
    fn record(&mut self, call: LogoffCall, args: Vec<Arg>) -> CallHandle {
        let flags = args.first().map_or(0, |a| a.value);
        self.0.push(Answer { call, flags, outcome: ReachableOutcome { hresult: HResult::default(), out_flags: None } });
        CallHandle(Some(self.0.len() - 1))
    }
}

impl Recorder for Answers {
    fn call(
        &mut self,
        _: impl FnOnce() -> Party,
        _: impl FnOnce() -> Party,
        method: Method,
        args: impl FnOnce() -> Vec<Arg>,
    ) -> CallHandle {
        match method {
            Method::StoreLogoff => self.record(LogoffCall::StoreLogoff, args()),
            Method::StoreLogoffTransports => self.record(LogoffCall::StoreLogoffTransports, args()),
            _ => CallHandle(None),
        }
    }

    fn ret(&mut self, handle: CallHandle, hresult: HResult, out_flags: Option<StoreLogoffOutFlags>, _: &'static [RuleId]) {
        if let Some(i) = handle.0 {
            self.0[i].outcome = ReachableOutcome { hresult, out_flags };
        }
    }

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

/// An exploration in progress.
///
/// Unique states are numbered in breadth-first order. For each the
/// explorer keeps its fingerprint (in `seen`) and its parent link; the
/// states themselves only while they wait in the frontier (states
/// `cursor..` in order). Paths are rebuilt by replaying from the start.
pub struct Explorer {
    model: Model,
    base: Scenario,
    seen: FingerprintSet,
    links: Vec<Link>,
    /// `levels[d]`: the first state at depth `d` (depth never decreases
    /// along the numbering).
    levels: Vec<u32>,
    /// The states of `cursor..links.len()`, not yet expanded.
    frontier: Frontier,
    cursor: usize,
    explored: u64,
    transitions: u64,
    depth_bound_hits: u64,
    /// Per property: where it first failed or was reached.
    found: Vec<Option<Found>>,
    /// Outcomes seen per (call, flag), each list in order.
    outcomes: Vec<((LogoffCall, StoreLogoffFlag), Vec<ReachableOutcome>)>,
    /// The state the scenario's actions lead to, before canonicalisation:
    /// counterexample paths are replayed from it.
    start: State,
    worker: Worker,
    /// The state being expanded, when a step's budget ran out part way
    /// through its successors.
    pending: Option<Expansion>,
    /// Units of work done so far (see [`Explorer::step`]).
    work: u64,
}

/// A state whose successors are being computed, one action at a time.
struct Expansion {
    index: u32,
    depth: u32,
    state: State,
    actions: Vec<Action>,
    next: usize,
}

/// Memory an exploration holds, in bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MemoryUse {
    /// The visited fingerprints.
    pub visited: usize,
    /// Parent links and depth boundaries.
    pub links: usize,
    /// The frontier's states (buffers included) at its largest.
    pub peak_frontier: usize,
    pub unique_states: usize,
}

impl MemoryUse {
    /// Bytes per unique state kept once the exploration is over
    /// (fingerprint and parent link; expanded states are dropped).
    pub fn kept_per_state(&self) -> usize {
        (self.visited + self.links) / self.unique_states.max(1)
    }

    /// The same with the frontier at its largest added: the peak.
    pub fn peak_per_state(&self) -> usize {
        (self.visited + self.links + self.peak_frontier) / self.unique_states.max(1)
    }
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
            base: scenario.clone(),
            found: vec![None; options.properties.len()],
            model: Model { topology, settings: scenario.settings, options, store_classes },
            seen: FingerprintSet::new(),
            links: Vec::new(),
            levels: vec![0],
            frontier: Frontier::default(),
            cursor: 0,
            explored: 0,
            transitions: 0,
            depth_bound_hits: 0,
            outcomes: Vec::new(),
            start: start.clone(),
            worker: Worker::new(),
            pending: None,
            work: 0,
        };
        let mut root = start;
        explorer.model.canonicalize(&mut root);
        explorer.seen.insert(state_fingerprint(&root));
        explorer.number(Link { parent: NONE, action: 0 }, 0);
        check_properties(&explorer.model, &mut explorer.found, 0, &root, None);
        explorer.frontier.push(&root);
        Ok(explorer)
    }

    pub fn is_done(&self) -> bool {
        (self.cursor >= self.links.len() && self.pending.is_none()) || self.budget_spent()
    }

    fn budget_spent(&self) -> bool {
        self.links.len() >= self.model.options.max_states
    }

    /// Does up to `budget` units of work (at least 1, unless done) and
    /// returns the progress report. A unit is one state taken from the
    /// frontier or one successor computed (an action applied to a copy of
    /// a state), so a step is bounded however many actions a state
    /// enables: a state's successors may span steps. Each unit costs time
    /// linear in the size of the state (its messages and blocks). Steps
    /// run on the calling thread, whatever `threads` says.
    pub fn step(&mut self, budget: usize) -> ExploreReport {
        self.advance(budget);
        self.report()
    }

    /// [`Explorer::step`] without building the report; returns the units
    /// of work done.
    pub fn advance(&mut self, budget: usize) -> usize {
        let (budget, mut done) = (budget.max(1), 0);
        while done < budget && !self.is_done() {
            let Some(mut expansion) = self.pending.take() else {
                done += 1;
                self.start_expansion();
                continue;
            };
            // The state's successors, as many as the budget allows (the
            // expansion moves out of `pending` and back once, not once a
            // successor).
            // (Only the state budget can end the exploration part way.)
            while expansion.next < expansion.actions.len() && done < budget && !self.budget_spent() {
                done += 1;
                expansion.next += 1;
                self.successor(&expansion, expansion.next - 1);
            }
            if expansion.next < expansion.actions.len() {
                self.pending = Some(expansion);
            } else {
                self.worker.recycle(expansion.state);
            }
        }
        self.work += done as u64;
        if self.is_done() {
            self.release_frontier();
        }
        done
    }

    /// Units of work done so far: never more than the budgets of the steps
    /// taken, and at least `statesExplored + depthBoundHits + transitions`
    /// (with `threads` above 1, `run` counts the same units).
    pub fn work(&self) -> u64 {
        self.work
    }

    /// Explores until done: on `options.threads` threads natively (the
    /// same result as on one, see `explore/parallel.rs`), on the calling
    /// thread in wasm.
    pub fn run(&mut self) -> ExploreReport {
        #[cfg(not(target_arch = "wasm32"))]
        if self.model.options.threads != 1 {
            parallel::run(self);
            return self.report();
        }
        while !self.is_done() {
            self.advance(4096);
        }
        self.report()
    }

    /// Once done, the frontier's memory goes back (a budget can stop the
    /// exploration with states still waiting).
    fn release_frontier(&mut self) {
        self.frontier.release();
        self.worker.spare = Vec::new();
    }

    fn depth_of(&self, index: usize) -> u32 {
        (self.levels.partition_point(|&first| first as usize <= index) - 1) as u32
    }

    /// Takes the next state from the frontier: at the depth bound it is
    /// only counted, otherwise its actions are listed.
    fn start_expansion(&mut self) {
        let index = self.cursor;
        self.cursor += 1;
        let depth = self.depth_of(index);
        let state = self.pop_frontier();
        if depth >= self.model.options.max_depth {
            self.depth_bound_hits += 1;
            self.worker.recycle(state);
            return;
        }
        self.explored += 1;
        let actions = self.model.actions(&state);
        if actions.is_empty() {
            self.worker.recycle(state);
        } else {
            self.pending = Some(Expansion { index: index as u32, depth, state, actions, next: 0 });
        }
    }

    fn pop_frontier(&mut self) -> State {
        self.frontier.pop(&mut self.worker)
    }

    fn successor(&mut self, from: &Expansion, k: usize) {
        let action = from.actions[k];
        let Some(fp) = self.worker.successor(&self.model, &from.state, &action) else { return };
        self.transitions += 1;
        if !self.worker.answers.0.is_empty() {
            let answers = self.worker.take_answers();
            self.observe_outcomes(from.index, action, &answers);
            self.worker.answers.0 = answers;
        }
        if self.seen.insert(fp) {
            let index = self.number(Link { parent: from.index, action: k as u16 }, from.depth + 1);
            check_properties(&self.model, &mut self.found, index, &self.worker.next, None);
            self.frontier.push_next(&mut self.worker);
        }
    }

    /// Numbers a new unique state.
    fn number(&mut self, link: Link, depth: u32) -> u32 {
        let index = self.links.len() as u32;
        self.links.push(link);
        if depth as usize == self.levels.len() {
            self.levels.push(index);
        }
        index
    }

    /// Records the StoreLogoff / StoreLogoffTransports answers of a
    /// transition, and checks the reachability goals.
    fn observe_outcomes(&mut self, from: u32, action: Action, answers: &[Answer]) {
        for &Answer { call, flags, outcome } in answers {
            let Ok(flag) = StoreLogoffFlag::from_raw(flags) else { continue };
            for (i, p) in self.model.options.properties.iter().enumerate() {
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

    /// The actions from the start to state `index`, found by replaying its
    /// parent links (in canonical terms, with symmetry).
    fn path_to(&self, index: u32) -> Vec<Action> {
        let mut steps = Vec::new();
        let mut i = index;
        while i != NONE {
            let link = self.links[i as usize];
            if link.parent != NONE {
                steps.push(link.action);
            }
            i = link.parent;
        }
        let mut state = self.start.clone();
        self.model.canonicalize(&mut state);
        steps
            .iter()
            .rev()
            .map(|&k| {
                let action = self.model.actions(&state)[usize::from(k)];
                apply(&self.model.topology, &self.model.settings, &mut state, &mut Answers::default(), &action)
                    .expect("the path was explored");
                self.model.canonicalize(&mut state);
                action
            })
            .collect()
    }

    /// With symmetry on, states are stored in a canonical store order, so a
    /// path read back from parents may name permuted stores. The
    /// counterexample is therefore re-found by replaying: each step picks
    /// the action whose canonical result has the next state's fingerprint.
    fn replayable_path(&self, index: u32) -> Vec<Action> {
        if self.model.store_classes.is_empty() {
            return self.path_to(index);
        }
        let model = &self.model;
        let mut canonical = self.start.clone();
        model.canonicalize(&mut canonical);
        let mut real = self.start.clone();
        let mut path = Vec::new();
        for step in self.path_to(index) {
            apply(&model.topology, &model.settings, &mut canonical, &mut Answers::default(), &step).expect("the path was explored");
            model.canonicalize(&mut canonical);
            let target = state_fingerprint(&canonical);
            let found = model.actions(&real).into_iter().find_map(|a| {
                let mut s = real.clone();
                apply(&model.topology, &model.settings, &mut s, &mut Answers::default(), &a).ok()?;
                let mut canon = s.clone();
                model.canonicalize(&mut canon);
                (state_fingerprint(&canon) == target).then_some((a, s))
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
        let complete = self.cursor >= self.links.len() && self.pending.is_none() && !self.budget_spent();
        let properties = self
            .model
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
            unique_states: self.links.len() as u64,
            transitions: self.transitions,
            max_depth: (self.levels.len() - 1) as u32,
            depth_bound_hits: self.depth_bound_hits,
            properties,
            outcomes,
        }
    }

    /// The memory this exploration holds (see [`MemoryUse`]).
    pub fn memory(&self) -> MemoryUse {
        MemoryUse {
            visited: self.seen.bytes(),
            links: self.links.capacity() * std::mem::size_of::<Link>() + self.levels.capacity() * 4,
            peak_frontier: self.frontier.peak(),
            unique_states: self.seen.len(),
        }
    }
}

/// Checks the properties not yet found in new state `index`; `violated`
/// is what [`Model::violations`] already said of it, if it was asked.
fn check_properties(model: &Model, found: &mut [Option<Found>], index: u32, state: &State, violated: Option<u8>) {
    for (i, &p) in model.options.properties.iter().enumerate() {
        if found[i].is_none()
            && violated.map_or_else(|| model.violates(p, state), |mask| mask & kind_bit(p) != 0)
            && let Some(message) = model.failure(p, state)
        {
            found[i] = Some(Found::new(index, None, message));
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
/// complete (fingerprint and parent link; expanded states are dropped), for
/// the benchmark. [`Explorer::memory`] has the peak too.
pub fn bytes_per_state(explorer: &Explorer) -> usize {
    explorer.memory().kept_per_state()
}
