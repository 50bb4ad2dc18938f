//! What it takes to compute one successor, shared by the serial explorer
//! and the parallel one: the fixed [`Model`] (read by every worker) and a
//! [`Worker`]'s scratch (its own): the state being built, the logoff
//! answers of the last transition, spare states.
//!
//! Two costs of the first explorer are gone here. A successor is built in a
//! scratch state that keeps its buffers (`copy_state` copies a state into
//! another without allocating once the buffers have grown), so a
//! transition to a state already seen (five in six, on the reference
//! scenario) allocates nothing, and a new state is kept as it is, the
//! buffers of one already expanded becoming the scratch. And a state is fingerprinted from its fields
//! packed into words (`state_fingerprint`): about 35 rounds of the crate's
//! hasher instead of the 130 that the derived `Hash` makes (one per field).

use super::{Answer, Answers, ExploreOptions, Property};
use crate::engine::{Action, apply, enabled_actions};
use crate::fingerprint::{Fingerprint, fingerprint};
use crate::flags::StoreLogoffFlag;
use crate::invariants::{check_invariants, invariants_hold, messages_conserved};
use crate::memory::{Allocator, Block};
use crate::rules::RuleId;
use crate::scenario::Settings;
use crate::state::{
    Message, SessionState, SpoolerLogon, State, StoreLogoffTransportsRecord, StorePhase, StoreState, SupportKind, Topology, Transfer,
};
use std::hash::Hasher;

/// Everything an exploration holds fixed: read, never written, by the
/// workers.
#[derive(Clone)]
pub(crate) struct Model {
    pub(crate) topology: Topology,
    pub(crate) settings: Settings,
    /// With `Invariants` first.
    pub(crate) options: ExploreOptions,
    /// For symmetry: classes of interchangeable stores.
    pub(crate) store_classes: Vec<Vec<usize>>,
}

impl Model {
    /// The actions explored from a state, in their stable order: the
    /// engine's enabled actions, then the client's misuse if asked for.
    pub(crate) fn actions(&self, state: &State) -> Vec<Action> {
        let mut actions = enabled_actions(&self.topology, &self.settings, state);
        if self.options.client_misuse {
            let misuse = (0..state.stores.len()).filter(|&s| state.stores[s].phase == StorePhase::Invalidated);
            actions.extend(misuse.map(|s| Action::StoreLogoff { store: s as u16, flags: StoreLogoffFlag::Quiet.bits() }));
        }
        actions
    }

    /// Puts interchangeable stores in a canonical order (by their state),
    /// renumbering the message origins and providers that point at them.
    pub(crate) fn canonicalize(&self, state: &mut State) {
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

    /// The fast test: does `state` break property `p`? Decides alone
    /// whether [`Model::failure`] needs to be asked.
    pub(crate) fn violates(&self, p: Property, state: &State) -> bool {
        match p {
            Property::Invariants => !invariants_hold(&self.topology, state),
            Property::NoMessageLost => !messages_conserved(state),
            Property::StoreLogoffTransportsOnce => state.errors.iter().any(|e| Self::about_once(e.rule)),
            Property::StoresReleased => self.unreleased_store(state).is_some(),
            Property::Reachable(_) => false,
        }
    }

    /// The worded failure of property `p` in a state that
    /// [`violates`](Model::violates) it (`None` if there is none to word).
    pub(crate) fn failure(&self, p: Property, state: &State) -> Option<String> {
        match p {
            Property::Invariants => check_invariants(&self.topology, state).first().map(|v| v.to_string()),
            Property::NoMessageLost => {
                check_invariants(&self.topology, state).into_iter().find(|v| v.rule == RuleId::I1).map(|v| v.to_string())
            }
            Property::StoreLogoffTransportsOnce => {
                check_invariants(&self.topology, state).into_iter().find(|v| Self::about_once(v.rule)).map(|v| v.to_string())
            }
            Property::StoresReleased => self
                .unreleased_store(state)
                .map(|i| format!("store {} is still held by the spooler, which has nothing left to do", self.topology.stores[i].name)),
            Property::Reachable(_) => None,
        }
    }

    fn about_once(rule: RuleId) -> bool {
        matches!(rule, RuleId::I5 | RuleId::S10 | RuleId::S14)
    }

    /// At a state where the spooler has nothing left to do, a store it was
    /// asked to release and still holds.
    fn unreleased_store(&self, state: &State) -> Option<usize> {
        if !crate::spooler::enabled_work(&self.topology, state, None).is_empty() {
            return None;
        }
        state.stores.iter().enumerate().position(|(i, s)| {
            let info = &self.topology.stores[i];
            let record = s.store_logoff_transports;
            let asked = (record.completions > 0 || s.phase == StorePhase::Destroyed) && !record.vetoed;
            let exempt = info.shared_with_other_process || info.support_kind != SupportKind::MessageStore;
            asked && !exempt && s.spooler != SpoolerLogon::Released
        })
    }
}

/// The bit of a property's kind in the masks [`Model::violations`] returns.
pub(crate) fn kind_bit(p: Property) -> u8 {
    match p {
        Property::Invariants => 1,
        Property::StoresReleased => 2,
        Property::NoMessageLost => 4,
        Property::StoreLogoffTransportsOnce => 8,
        Property::Reachable(_) => 0,
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Model {
    /// [`Model::violates`] for each kind of property in `kinds` (a mask of
    /// [`kind_bit`]s): the mask of those the state breaks.
    pub(crate) fn violations(&self, kinds: u8, state: &State) -> u8 {
        const KINDS: [Property; 4] =
            [Property::Invariants, Property::StoresReleased, Property::NoMessageLost, Property::StoreLogoffTransportsOnce];
        KINDS.iter().filter(|&&p| kinds & kind_bit(p) != 0 && self.violates(p, state)).fold(0, |m, &p| m | kind_bit(p))
    }
}

/// States a worker keeps for their buffers, at most.
const SPARE: usize = 4096;

/// One thread's scratch.
pub(crate) struct Worker {
    /// The last successor computed.
    pub(crate) next: State,
    /// The logoff answers of the last transition.
    pub(crate) answers: Answers,
    /// States done with, kept for their buffers.
    pub(crate) spare: Vec<State>,
}

impl Worker {
    pub(crate) fn new() -> Worker {
        Worker { next: empty_state(), answers: Answers::default(), spare: Vec::new() }
    }

    /// The last successor, to keep: a spare state (any, its buffers are
    /// what counts) becomes the scratch in its place.
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn keep(&mut self) -> State {
        let spare = self.spare.pop().unwrap_or_else(empty_state);
        std::mem::replace(&mut self.next, spare)
    }

    /// A state done with, for [`Worker::keep`].
    pub(crate) fn recycle(&mut self, state: State) {
        if self.spare.len() < SPARE {
            self.spare.push(state);
        }
    }

    /// Applies `action` to a copy of `from`, canonicalises the result (left
    /// in `self.next`) and returns its fingerprint; `None` if the engine
    /// refused the action.
    pub(crate) fn successor(&mut self, model: &Model, from: &State, action: &Action) -> Option<u64> {
        copy_state(&mut self.next, from);
        self.answers.0.clear();
        apply(&model.topology, &model.settings, &mut self.next, &mut self.answers, action).ok()?;
        model.canonicalize(&mut self.next);
        Some(state_fingerprint(&self.next))
    }

    /// The answers of the last transition, leaving none.
    pub(crate) fn take_answers(&mut self) -> Vec<Answer> {
        std::mem::take(&mut self.answers.0)
    }
}

/// The explorer's fingerprint of a state: its [`state_words`] mixed by the
/// crate's hasher. The derived `Hash` would make one hasher call per
/// field, some 130 on the reference scenario; this makes about 35.
pub(crate) fn state_fingerprint(state: &State) -> u64 {
    let mut h = Fingerprint::default();
    state_words(state, |word| h.write_u64(word));
    h.finish()
}

/// A state's fields packed into 64-bit words in a fixed layout, the counts
/// first, so that the words split one way only: distinct states give
/// distinct words (and [`decode`] reads a state back from them, but for
/// its breach log, which the last word only fingerprints). The patterns
/// name every field, so a field added to the state fails to compile here
/// until it is packed.
pub(crate) fn state_words(state: &State, mut emit: impl FnMut(u64)) {
    let State { stores, store_providers, transports, sessions, messages, memory, errors } = state;
    let Allocator { blocks } = memory;
    let len = |n: usize| n as u64;
    emit(len(stores.len()) | len(store_providers.len()) << 16 | len(transports.len()) << 32 | len(sessions.len()) << 48);
    emit(len(messages.len()) | len(blocks.len()) << 32);
    for store in stores {
        let StoreState { refs, phase, saved_flag, store_logoff_transports, spooler, support_released, queue, inbox, sent } = store;
        let StoreLogoffTransportsRecord { completions, refusals, flags, last_refusal, vetoed } = store_logoff_transports;
        emit(
            u64::from(*refs)
                | (*phase as u64) << 16
                | saved_flag.map_or(0, |f| f as u64 + 1) << 24
                | (*spooler as u64) << 32
                | u64::from(*support_released) << 40
                | u64::from(*vetoed) << 41
                | u64::from(*completions) << 48
                | u64::from(*refusals) << 56,
        );
        emit(u64::from(*flags) | u64::from(last_refusal.0) << 32);
        emit(len(queue.len()) | len(inbox.len()) << 20 | len(sent.len()) << 40);
        for &id in queue.iter().chain(inbox).chain(sent) {
            emit(u64::from(id));
        }
    }
    for &phase in store_providers.iter().chain(transports) {
        emit(phase as u64);
    }
    for session in sessions {
        let SessionState {
            phase,
            routing,
            inbound_enabled,
            outbound_enabled,
            flushing,
            sending,
            receiving,
            held,
            invalid,
            support_released,
            address_types_block,
            cleanup_skipped,
            cleanup_leaked,
        } = session;
        let transfer = |t: &Option<Transfer>| t.map_or(0, |t| 1 << 24 | u64::from(t.message) | u64::from(t.remaining) << 16);
        emit(
            *phase as u64
                | u64::from(*routing) << 8
                | u64::from(*inbound_enabled) << 9
                | u64::from(*outbound_enabled) << 10
                | u64::from(*invalid) << 11
                | u64::from(*support_released) << 12
                | u64::from(*flushing) << 16
                | u64::from(*address_types_block) << 24
                | cleanup_skipped.map_or(0, |f| f as u64 + 1) << 40,
        );
        emit(transfer(sending) | transfer(receiving) << 25);
        emit(cleanup_leaked.map_or(0, |b| 1 << 16 | u64::from(b)) | len(held.len()) << 20);
        for &id in held {
            emit(u64::from(id));
        }
    }
    for &Message { origin, address_type, steps } in messages {
        emit(origin.map_or(0, |o| 1 << 8 | u64::from(o)) | u64::from(address_type) << 9 | u64::from(steps) << 17);
    }
    for &Block { owner, parent, kind, freed } in blocks {
        emit(u64::from(owner) | parent.map_or(0, |p| 1 << 16 | u64::from(p)) << 8 | (kind as u64) << 32 | u64::from(freed) << 40);
    }
    // Usually none: their derived Hash (with their count).
    emit(fingerprint(errors));
}

/// Reads back into `to` (reusing its buffers) the state whose
/// [`state_words`] are `words` and whose breach log is `errors`.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn decode(words: impl IntoIterator<Item = u64>, errors: impl IntoIterator<Item = crate::state::ProtocolError>, to: &mut State) {
    use crate::faults::TransportFault;
    use crate::memory::BlockKind;
    use crate::state::{ProviderPhase, SessionPhase};
    fn nth<T: Copy>(names: &[(&str, T)], i: u64) -> T {
        names[i as usize].1
    }
    let mut words = words.into_iter();
    let mut next = || words.next().expect("a whole encoding");
    let bits = |w: u64, at: u32, n: u32| (w >> at) & ((1 << n) - 1);
    let head = next();
    let (stores, providers, transports, sessions) =
        (bits(head, 0, 16) as usize, bits(head, 16, 16) as usize, bits(head, 32, 16) as usize, bits(head, 48, 16) as usize);
    let head = next();
    let (messages, blocks) = (bits(head, 0, 32) as usize, bits(head, 32, 32) as usize);
    to.stores.truncate(stores);
    for i in 0..stores {
        let (w1, w2, lens) = (next(), next(), next());
        let store = StoreState {
            refs: bits(w1, 0, 16) as u16,
            phase: nth(StorePhase::NAMES, bits(w1, 16, 8)),
            saved_flag: match bits(w1, 24, 8) {
                0 => None,
                f => Some(StoreLogoffFlag::ALL[f as usize - 1]),
            },
            store_logoff_transports: StoreLogoffTransportsRecord {
                completions: bits(w1, 48, 8) as u8,
                refusals: bits(w1, 56, 8) as u8,
                flags: bits(w2, 0, 32) as u32,
                last_refusal: crate::hresult::HResult(bits(w2, 32, 32) as u32),
                vetoed: bits(w1, 41, 1) != 0,
            },
            spooler: nth(SpoolerLogon::NAMES, bits(w1, 32, 8)),
            support_released: bits(w1, 40, 1) != 0,
            queue: Vec::new(),
            inbox: Vec::new(),
            sent: Vec::new(),
        };
        if i == to.stores.len() {
            to.stores.push(store);
        } else {
            let StoreState { queue, inbox, sent, .. } = std::mem::replace(&mut to.stores[i], store);
            (to.stores[i].queue, to.stores[i].inbox, to.stores[i].sent) = (queue, inbox, sent);
        }
        let to = &mut to.stores[i];
        for (list, n) in [(&mut to.queue, bits(lens, 0, 20)), (&mut to.inbox, bits(lens, 20, 20)), (&mut to.sent, bits(lens, 40, 20))] {
            list.clear();
            list.extend((0..n).map(|_| next() as u16));
        }
    }
    to.store_providers.clear();
    to.store_providers.extend((0..providers).map(|_| nth(ProviderPhase::NAMES, next())));
    to.transports.clear();
    to.transports.extend((0..transports).map(|_| nth(ProviderPhase::NAMES, next())));
    to.sessions.truncate(sessions);
    for i in 0..sessions {
        let (w1, transfers, w3) = (next(), next(), next());
        let transfer = |t: u64| (t & 1 << 24 != 0).then_some(Transfer { message: bits(t, 0, 16) as u16, remaining: bits(t, 16, 8) as u8 });
        let session = SessionState {
            phase: nth(SessionPhase::NAMES, bits(w1, 0, 8)),
            routing: bits(w1, 8, 1) != 0,
            inbound_enabled: bits(w1, 9, 1) != 0,
            outbound_enabled: bits(w1, 10, 1) != 0,
            flushing: bits(w1, 16, 8) as u8,
            sending: transfer(bits(transfers, 0, 25)),
            receiving: transfer(bits(transfers, 25, 25)),
            held: Vec::new(),
            invalid: bits(w1, 11, 1) != 0,
            support_released: bits(w1, 12, 1) != 0,
            address_types_block: bits(w1, 24, 16) as u16,
            cleanup_skipped: match bits(w1, 40, 8) {
                0 => None,
                f => Some(nth(TransportFault::NAMES, f - 1)),
            },
            cleanup_leaked: (w3 & 1 << 16 != 0).then_some(bits(w3, 0, 16) as u16),
        };
        if i == to.sessions.len() {
            to.sessions.push(session);
        } else {
            let held = std::mem::replace(&mut to.sessions[i], session).held;
            to.sessions[i].held = held;
        }
        let held = &mut to.sessions[i].held;
        held.clear();
        held.extend((0..bits(w3, 20, 44)).map(|_| next() as u16));
    }
    to.messages.clear();
    to.messages.extend((0..messages).map(|_| {
        let w = next();
        Message { origin: (w & 1 << 8 != 0).then_some(bits(w, 0, 8) as u8), address_type: bits(w, 9, 8) as u8, steps: bits(w, 17, 8) as u8 }
    }));
    to.memory.blocks.clear();
    to.memory.blocks.extend((0..blocks).map(|_| {
        let w = next();
        Block {
            owner: bits(w, 0, 8) as u8,
            parent: (w & 1 << 24 != 0).then_some(bits(w, 8, 16) as u16),
            kind: nth(BlockKind::NAMES, bits(w, 32, 8)),
            freed: bits(w, 40, 1) != 0,
        }
    }));
    to.errors.clear();
    to.errors.extend(errors);
    let last = next();
    debug_assert_eq!(last, fingerprint(&to.errors), "the whole encoding was read");
}

/// A state with nothing in it: scratch to copy into.
pub(crate) fn empty_state() -> State {
    State {
        stores: Vec::new(),
        store_providers: Vec::new(),
        transports: Vec::new(),
        sessions: Vec::new(),
        messages: Vec::new(),
        memory: Allocator::default(),
        errors: Vec::new(),
    }
}

/// `*to = from.clone()`, reusing `to`'s buffers. Every field is named (the
/// patterns are exhaustive), so a field added to the state fails to compile
/// here rather than go uncopied. In wasm too: about 1.3 KB of the explorer
/// module's gzip budget for about 1.5x its speed under Node (a `clone`
/// allocates every list of every successor, new or already seen).
pub(crate) fn copy_state(to: &mut State, from: &State) {
    let State { stores, store_providers, transports, sessions, messages, memory, errors } = from;
    copy_list(&mut to.stores, stores, |to, from| {
        let StoreState { refs, phase, saved_flag, store_logoff_transports, spooler, support_released, queue, inbox, sent } = from;
        (to.refs, to.phase, to.saved_flag, to.store_logoff_transports) = (*refs, *phase, *saved_flag, *store_logoff_transports);
        (to.spooler, to.support_released) = (*spooler, *support_released);
        copy_vec(&mut to.queue, queue);
        copy_vec(&mut to.inbox, inbox);
        copy_vec(&mut to.sent, sent);
    });
    copy_vec(&mut to.store_providers, store_providers);
    copy_vec(&mut to.transports, transports);
    copy_list(&mut to.sessions, sessions, |to, from| {
        let SessionState {
            phase,
            routing,
            inbound_enabled,
            outbound_enabled,
            flushing,
            sending,
            receiving,
            held,
            invalid,
            support_released,
            address_types_block,
            cleanup_skipped,
            cleanup_leaked,
        } = from;
        (to.phase, to.routing, to.inbound_enabled, to.outbound_enabled) = (*phase, *routing, *inbound_enabled, *outbound_enabled);
        (to.flushing, to.sending, to.receiving, to.invalid) = (*flushing, *sending, *receiving, *invalid);
        (to.support_released, to.address_types_block) = (*support_released, *address_types_block);
        (to.cleanup_skipped, to.cleanup_leaked) = (*cleanup_skipped, *cleanup_leaked);
        copy_vec(&mut to.held, held);
    });
    copy_vec(&mut to.messages, messages);
    let Allocator { blocks } = memory;
    to.memory.blocks.clone_from(blocks);
    copy_vec(&mut to.errors, errors);
}

fn copy_vec<T: Copy>(to: &mut Vec<T>, from: &[T]) {
    to.clear();
    // Most lists are empty: no call to copy nothing.
    if !from.is_empty() {
        to.extend_from_slice(from);
    }
}

fn copy_list<T: Clone>(to: &mut Vec<T>, from: &[T], copy: impl Fn(&mut T, &T)) {
    to.truncate(from.len());
    let kept = to.len();
    for (t, f) in to.iter_mut().zip(from) {
        copy(t, f);
    }
    to.extend_from_slice(&from[kept..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;
    use std::collections::{HashMap, VecDeque};

    /// Breadth first over the first few thousand states of scenarios with
    /// and without provider faults (so with breach logs, cleanups skipped,
    /// blocks leaked): a successor built by `copy_state` into reused scratch
    /// equals one built from a clone, one fingerprint is one state, and
    /// `decode` reads every state back from its words.
    #[test]
    fn copy_fingerprint_and_decode_agree_with_the_state() {
        let reference = include_str!("../../bench/explore-reference.json");
        let mut faulty: serde_json::Value = serde_json::from_str(reference).unwrap();
        faulty["stores"][1]["faults"] = serde_json::json!(["storeLogoffTransportsTwice", "acceptCallsAfterComplete"]);
        faulty["transports"][0]["faults"] = serde_json::json!(["leakMemory", "failTransportLogoff"]);
        faulty["transports"][1]["faults"] = serde_json::json!(["releaseSupportFirst"]);
        for json in [reference.to_string(), faulty.to_string()] {
            let scenario = Scenario::from_json(&json).unwrap();
            let (topology, start) = scenario.build().unwrap();
            let options = ExploreOptions { client_misuse: true, ..ExploreOptions::default() };
            let model = Model { topology, settings: scenario.settings, options, store_classes: Vec::new() };
            let (mut worker, mut decoded, mut words) = (Worker::new(), empty_state(), Vec::new());
            let mut seen: HashMap<u64, State> = HashMap::new();
            let mut queue = VecDeque::from([start]);
            let mut errors = 0;
            while let Some(state) = queue.pop_front()
                && seen.len() < 3_000
            {
                for a in model.actions(&state) {
                    let Some(fp) = worker.successor(&model, &state, &a) else { continue };
                    let mut cloned = state.clone();
                    apply(&model.topology, &model.settings, &mut cloned, &mut Answers::default(), &a).unwrap();
                    assert_eq!(worker.next, cloned, "copy_state then apply == clone then apply");
                    assert_eq!(state_fingerprint(&cloned), fp);
                    words.clear();
                    state_words(&cloned, |w| words.push(w));
                    decode(words.iter().copied(), cloned.errors.iter().copied(), &mut decoded);
                    assert_eq!(decoded, cloned, "decode(state_words) == the state");
                    errors += usize::from(!cloned.errors.is_empty());
                    match seen.get(&fp) {
                        Some(other) => assert_eq!(*other, cloned, "one fingerprint, one state"),
                        None => {
                            seen.insert(fp, cloned.clone());
                            queue.push_back(cloned);
                        }
                    }
                }
            }
            assert!(seen.len() >= 3_000, "{}", seen.len());
            assert!(errors > 0, "states with breach logs (the client's misuse, the faults) are covered");
        }
        // Copying or decoding into a larger state shrinks it to the source.
        let scenario = Scenario::from_json(include_str!("../../bench/explore-reference.json")).unwrap();
        let (_, start) = scenario.build().unwrap();
        let mut big = start.clone();
        big.messages.extend_from_slice(&start.messages);
        big.stores[0].queue.extend([1, 2, 3]);
        let mut copy = big.clone();
        copy_state(&mut copy, &start);
        assert_eq!(copy, start);
        let mut words = Vec::new();
        state_words(&start, |w| words.push(w));
        decode(words.iter().copied(), start.errors.iter().copied(), &mut big);
        assert_eq!(big, start);
    }
}
