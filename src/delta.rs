//! What one action changed, worded from what it touched. `Simulation::apply`
//! reports every changed field of the state and every violation the action
//! added. Diffing and re-checking the whole state for that made each action
//! cost as much as the scenario is big; here the state's small part (the
//! fields of stores, sessions and providers, and the lengths of its lists) is
//! kept from the last action and compared, the message lists are compared
//! only when their length changed or the engine said it edited them (the
//! [`Journal`]), and message conservation (I1) is counted incrementally.
//!
//! The result is exactly what a diff of the state's JSON trees gave: the
//! same paths, in the same order (object keys sorted, as in a
//! `serde_json::Value` tree), with the same texts. The unit tests compare it
//! with that diff on every golden scenario and on random walks.
//!
//! The wasm engine module words outcomes a simpler way ([`parts`]): it keeps
//! a copy of the state, and diffs the JSON trees of only the stores,
//! sessions, messages and blocks that differ from their copies. The
//! incremental code would cost about 11 KB gzipped there, more than the
//! module's 100 KiB budget leaves. Both give the outcome of the whole-tree
//! diff (the unit tests compare all three); `parts` costs one comparison of
//! the state and one invariant check more per action.

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use incremental::Shadow;
#[cfg(target_arch = "wasm32")]
pub(crate) use parts::Shadow;

/// Outcomes from what the action touched (native builds).
#[cfg(not(target_arch = "wasm32"))]
mod incremental {
    use crate::engine::{Change, StateValue};
    use crate::invariants::{Violation, breach_violation, for_each_place, message_violation, part_violations};
    use crate::memory::Block;
    use crate::state::{MessageId, ProviderPhase, SessionState, State, StoreState, Topology, Transfer};
    use crate::trace::{Journal, MessageList};
    use serde_json::Value;
    use std::collections::HashSet;
    use std::hash::BuildHasherDefault;

    /// A hasher without random keys: the core holds no randomness.
    type FixedHashSet<T> = HashSet<T, BuildHasherDefault<std::hash::DefaultHasher>>;

    /// The fields of a store the outcome words, its lists by length only.
    #[derive(Clone, Debug, PartialEq, Eq)]
    struct StoreFields {
        refs: u16,
        phase: crate::state::StorePhase,
        saved_flag: Option<crate::flags::StoreLogoffFlag>,
        spooler: crate::state::SpoolerLogon,
        support_released: bool,
        queue: usize,
        inbox: usize,
        sent: usize,
    }

    impl StoreFields {
        fn of(s: &StoreState) -> Self {
            StoreFields {
                refs: s.refs,
                phase: s.phase,
                saved_flag: s.saved_flag,
                spooler: s.spooler,
                support_released: s.support_released,
                queue: s.queue.len(),
                inbox: s.inbox.len(),
                sent: s.sent.len(),
            }
        }
    }

    /// The fields of a session the outcome words, its held mail by length only.
    #[derive(Clone, Debug, PartialEq, Eq)]
    struct SessionFields {
        phase: crate::state::SessionPhase,
        routing: bool,
        inbound_enabled: bool,
        outbound_enabled: bool,
        flushing: u8,
        sending: Option<Transfer>,
        receiving: Option<Transfer>,
        held: usize,
        invalid: bool,
        support_released: bool,
        address_types_block: crate::memory::BlockId,
    }

    impl SessionFields {
        fn of(s: &SessionState) -> Self {
            SessionFields {
                phase: s.phase,
                routing: s.routing,
                inbound_enabled: s.inbound_enabled,
                outbound_enabled: s.outbound_enabled,
                flushing: s.flushing,
                sending: s.sending,
                receiving: s.receiving,
                held: s.held.len(),
                invalid: s.invalid,
                support_released: s.support_released,
                address_types_block: s.address_types_block,
            }
        }
    }

    /// What `Simulation` keeps of the state after an action, to word the next
    /// one. Its size follows the topology and the heap, plus one counter per
    /// message.
    #[derive(Clone, Debug)]
    pub(crate) struct Shadow {
        stores: Vec<StoreFields>,
        sessions: Vec<SessionFields>,
        store_providers: Vec<ProviderPhase>,
        transports: Vec<ProviderPhase>,
        messages: usize,
        /// Blocks are few (a handful per session) and change in place (freed).
        blocks: Vec<Block>,
        /// In how many places each message is (I1), counted as in
        /// `check_invariants`.
        places: Vec<u32>,
        /// The stranded-transfer, I2 and I6 violations of the state.
        part_violations: Vec<Violation>,
        /// The violations of the recorded breaches so far.
        breach_violations: FixedHashSet<Violation>,
        breaches: usize,
    }

    /// `check_invariants` counts places in a `u8` that saturates.
    fn shown(places: u32) -> u8 {
        places.min(u32::from(u8::MAX)) as u8
    }

    impl Shadow {
        /// The shadow of a state, from scratch (cost: the whole state, once).
        pub fn of(topo: &Topology, state: &State) -> Shadow {
            let mut places = vec![0u32; state.messages.len()];
            for_each_place(state, |id: MessageId| {
                if let Some(c) = places.get_mut(usize::from(id)) {
                    *c += 1;
                }
            });
            let mut parts = Vec::new();
            part_violations(topo, state, &mut parts);
            Shadow {
                stores: state.stores.iter().map(StoreFields::of).collect(),
                sessions: state.sessions.iter().map(SessionFields::of).collect(),
                store_providers: state.store_providers.clone(),
                transports: state.transports.clone(),
                messages: state.messages.len(),
                blocks: state.memory.blocks.clone(),
                places,
                part_violations: parts,
                breach_violations: state.errors.iter().map(|e| breach_violation(topo, e)).collect(),
                breaches: state.errors.len(),
            }
        }

        /// Words what changed from this shadow (the state before the action) to
        /// `state`, given the lists the action edited, and becomes the shadow of
        /// `state`. `work` counts the fields and list items read.
        pub fn advance(&mut self, topo: &Topology, state: &State, journal: &Journal, work: &mut usize) -> (Vec<Change>, Vec<Violation>) {
            let mut changes = Vec::new();
            // Messages whose number of places changed: (id, places before; `None`
            // for a message that did not exist).
            let mut moved: Vec<(usize, Option<u32>)> = Vec::new();
            // A list the engine did not edit was at most appended to (folders only grow).
            let grown = |old_len: usize, now: &[MessageId]| (old_len != now.len()).then_some(ListBefore::Prefix(old_len.min(now.len())));
            let before_list = |list: MessageList, old_len: usize, now: &[MessageId]| -> Option<ListBefore<'_>> {
                match journal.lists.iter().find(|(l, _)| *l == list) {
                    Some((_, items)) => Some(ListBefore::Edited(&items[..old_len.min(items.len())])),
                    None => grown(old_len, now),
                }
            };

            // Keys in the order of a JSON tree's sorted map: memory, messages,
            // sessions, storeProviders, stores, transports.
            *work += 1 + self.blocks.len();
            let blocks = &state.memory.blocks;
            if self.blocks != *blocks {
                for (i, (a, b)) in self.blocks.iter().zip(blocks).enumerate().filter(|(_, (a, b))| a != b) {
                    let p = format!("memory.blocks[{i}]");
                    field(&mut changes, &p, "freed", &a.freed, &b.freed);
                    field(&mut changes, &p, "kind", &a.kind, &b.kind);
                    field(&mut changes, &p, "owner", &a.owner, &b.owner);
                    field(&mut changes, &p, "parent", &a.parent, &b.parent);
                }
                // Blocks are only ever added (a freed block stays, marked).
                for (i, b) in blocks.iter().enumerate().skip(self.blocks.len()) {
                    *work += 1;
                    changes.push(change(&format!("memory.blocks[{i}]"), Value::Null, render_block(b)));
                }
                self.blocks.clone_from(blocks);
            }

            *work += 1;
            if self.messages != state.messages.len() {
                // Messages are only ever added, and never edited: each new one
                // is a change of its own, so the cost follows the action.
                for (id, m) in state.messages.iter().enumerate().skip(self.messages) {
                    *work += 1;
                    changes.push(change(&format!("messages[{id}]"), Value::Null, render_message(m)));
                }
                moved.extend((self.messages..state.messages.len()).map(|id| (id, None)));
                self.places.resize(state.messages.len(), 0);
                self.messages = state.messages.len();
            }

            let mut places = Recount { places: &mut self.places, moved: &mut moved, work };

            for (i, (old, s)) in self.sessions.iter_mut().zip(&state.sessions).enumerate() {
                *places.work += 11;
                let new = SessionFields::of(s);
                let held_before = before_list(MessageList::Held(i), old.held, &s.held);
                if *old == new && held_before.is_none() {
                    continue;
                }
                let p = format!("sessions[{i}]");
                field(&mut changes, &p, "addressTypesBlock", &old.address_types_block, &new.address_types_block);
                field(&mut changes, &p, "flushing", &old.flushing, &new.flushing);
                places.list(&mut changes, &format!("{p}.held"), held_before, &s.held);
                field(&mut changes, &p, "inboundEnabled", &old.inbound_enabled, &new.inbound_enabled);
                field(&mut changes, &p, "invalid", &old.invalid, &new.invalid);
                field(&mut changes, &p, "outboundEnabled", &old.outbound_enabled, &new.outbound_enabled);
                field(&mut changes, &p, "phase", &old.phase, &new.phase);
                transfer(&mut changes, &p, "receiving", old.receiving, new.receiving);
                field(&mut changes, &p, "routing", &old.routing, &new.routing);
                transfer(&mut changes, &p, "sending", old.sending, new.sending);
                field(&mut changes, &p, "supportReleased", &old.support_released, &new.support_released);
                let ids = |f: &SessionFields| {
                    [f.sending.map(|t| t.message), f.receiving.map(|t| t.message)].into_iter().flatten().collect::<Vec<_>>()
                };
                let (before, after) = (ids(old), ids(&new));
                if before != after {
                    places.lists(&before, &after);
                }
                *old = new;
            }

            *places.work += 1;
            if self.store_providers != state.store_providers {
                changes.push(change("storeProviders", render_phases(&self.store_providers), render_phases(&state.store_providers)));
                self.store_providers.clone_from(&state.store_providers);
            }

            for (i, (old, s)) in self.stores.iter_mut().zip(&state.stores).enumerate() {
                *places.work += 8;
                let new = StoreFields::of(s);
                let queue_before = before_list(MessageList::Queue(i), old.queue, &s.queue);
                if *old == new && queue_before.is_none() {
                    continue;
                }
                let p = format!("stores[{i}]");
                places.list(&mut changes, &format!("{p}.inbox"), grown(old.inbox, &s.inbox), &s.inbox);
                field(&mut changes, &p, "phase", &old.phase, &new.phase);
                places.list(&mut changes, &format!("{p}.queue"), queue_before, &s.queue);
                field(&mut changes, &p, "refs", &old.refs, &new.refs);
                field(&mut changes, &p, "savedFlag", &old.saved_flag, &new.saved_flag);
                places.list(&mut changes, &format!("{p}.sent"), grown(old.sent, &s.sent), &s.sent);
                field(&mut changes, &p, "spooler", &old.spooler, &new.spooler);
                field(&mut changes, &p, "supportReleased", &old.support_released, &new.support_released);
                *old = new;
            }

            *places.work += 1;
            if self.transports != state.transports {
                changes.push(change("transports", render_phases(&self.transports), render_phases(&state.transports)));
                self.transports.clone_from(&state.transports);
            }

            // Violations: those present now that were not present before, in
            // `check_invariants` order.
            // The first entry of a message holds its places before the action.
            moved.sort_by_key(|&(id, _)| id);
            moved.dedup_by_key(|&mut (id, _)| id);
            let old_places = |id: usize| moved.binary_search_by_key(&id, |&(m, _)| m).map_or(self.places.get(id).copied(), |k| moved[k].1);
            let mut new_violations = Vec::new();
            let was_there = |v: &Violation, parts: &[Violation], breaches: &FixedHashSet<Violation>| {
                parts.contains(v)
                    || breaches.contains(v)
                    || v.subject
                        .strip_prefix("message ")
                        .and_then(|id| id.parse::<usize>().ok())
                        .is_some_and(|id| old_places(id).is_some_and(|n| n != 1 && *v == message_violation(id, shown(n))))
            };
            for &(id, before) in &moved {
                *work += 1;
                let now = self.places[id];
                if now != 1 && before.is_none_or(|b| shown(b) != shown(now)) {
                    new_violations.push(message_violation(id, shown(now)));
                }
            }
            let mut parts = Vec::new();
            part_violations(topo, state, &mut parts);
            *work += parts.len();
            for v in &parts {
                if !was_there(v, &self.part_violations, &self.breach_violations) {
                    new_violations.push(v.clone());
                }
            }
            let added: Vec<Violation> =
                state.errors[self.breaches.min(state.errors.len())..].iter().map(|e| breach_violation(topo, e)).collect();
            *work += added.len();
            for v in &added {
                if !was_there(v, &self.part_violations, &self.breach_violations) {
                    new_violations.push(v.clone());
                }
            }
            self.part_violations = parts;
            self.breach_violations.extend(added);
            self.breaches = state.errors.len();
            (changes, new_violations)
        }
    }

    /// Keeps the places of messages (I1) up to date as changed lists are found.
    struct Recount<'a> {
        places: &'a mut Vec<u32>,
        /// (message, places before its first recount), in the order found.
        moved: &'a mut Vec<(usize, Option<u32>)>,
        work: &'a mut usize,
    }

    impl Recount<'_> {
        fn lists(&mut self, before: &[MessageId], after: &[MessageId]) {
            *self.work += before.len() + after.len();
            for (&id, add) in before.iter().map(|m| (m, false)).chain(after.iter().map(|m| (m, true))) {
                if let Some(c) = self.places.get_mut(usize::from(id)) {
                    self.moved.push((usize::from(id), Some(*c)));
                    *c = if add { *c + 1 } else { c.saturating_sub(1) };
                }
            }
        }

        /// A message list at `path`, when the action may have changed it.
        /// Items added at its end are changes of their own (`path[i]`, `null`
        /// before), so that appending costs the same however long the list;
        /// any other edit reports the list whole, as the tree diff does.
        fn list(&mut self, out: &mut Vec<Change>, path: &str, before: Option<ListBefore<'_>>, now: &[MessageId]) {
            let kept = match before {
                None => return,
                Some(ListBefore::Prefix(len)) => len,
                Some(ListBefore::Edited(before)) if before == now => return,
                Some(ListBefore::Edited(before)) if now.len() > before.len() && now.starts_with(before) => before.len(),
                Some(ListBefore::Edited(before)) => {
                    out.push(change(path, render_ids(before), render_ids(now)));
                    self.lists(before, now);
                    return;
                }
            };
            for (i, &id) in now.iter().enumerate().skip(kept) {
                out.push(change(&format!("{path}[{i}]"), Value::Null, Value::from(id)));
            }
            self.lists(&[], &now[kept..]);
        }
    }

    /// A list as it was before the action.
    #[derive(Clone, Copy)]
    enum ListBefore<'a> {
        /// Its first `n` items, unchanged: the action at most appended.
        Prefix(usize),
        /// A copy the engine took before editing it.
        Edited(&'a [MessageId]),
    }

    fn change(path: &str, before: Value, after: Value) -> Change {
        Change { path: path.to_string(), before: StateValue(before), after: StateValue(after) }
    }

    /// A field of an object at `path`, if it changed.
    fn field<T: Scalar + PartialEq>(out: &mut Vec<Change>, path: &str, name: &str, before: &T, after: &T) {
        if before != after {
            out.push(change(&format!("{path}.{name}"), before.json(), after.json()));
        }
    }

    /// A transfer slot: field by field while one is in it before and after,
    /// else whole.
    fn transfer(out: &mut Vec<Change>, path: &str, name: &str, before: Option<Transfer>, after: Option<Transfer>) {
        match (before, after) {
            (Some(a), Some(b)) => {
                let p = format!("{path}.{name}");
                field(out, &p, "message", &a.message, &b.message);
                field(out, &p, "remaining", &a.remaining, &b.remaining);
            }
            (a, b) if a != b => out.push(change(&format!("{path}.{name}"), render_transfer(a), render_transfer(b))),
            _ => {}
        }
    }

    /// A field's value as the state's JSON form holds it. Built by hand
    /// rather than with `serde_json::to_value`, field by field as the
    /// outcome needs it.
    trait Scalar {
        fn json(&self) -> Value;
    }

    impl Scalar for bool {
        fn json(&self) -> Value {
            Value::Bool(*self)
        }
    }

    impl Scalar for u8 {
        fn json(&self) -> Value {
            Value::from(*self)
        }
    }

    impl Scalar for u16 {
        fn json(&self) -> Value {
            Value::from(*self)
        }
    }

    impl<T: Scalar> Scalar for Option<T> {
        fn json(&self) -> Value {
            self.as_ref().map_or(Value::Null, Scalar::json)
        }
    }

    macro_rules! named_scalars {
        ($($t:ty => $name:ident),*) => {
            $(impl Scalar for $t {
                fn json(&self) -> Value {
                    Value::from(self.$name())
                }
            })*
        };
    }

    named_scalars! {
        crate::state::StorePhase => as_str,
        crate::state::SpoolerLogon => as_str,
        crate::state::SessionPhase => as_str,
        crate::memory::BlockKind => as_str,
        crate::flags::StoreLogoffFlag => name
    }

    fn object(fields: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
        Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    fn render_transfer(t: Option<Transfer>) -> Value {
        match t {
            None => Value::Null,
            Some(t) => object([("message", t.message.json()), ("remaining", t.remaining.json())]),
        }
    }

    fn render_ids(ids: &[MessageId]) -> Value {
        Value::Array(ids.iter().map(|id| Value::from(*id)).collect())
    }

    fn render_phases(phases: &[ProviderPhase]) -> Value {
        Value::Array(phases.iter().map(|p| Value::from(p.as_str())).collect())
    }

    fn render_message(m: &crate::state::Message) -> Value {
        object([("addressType", m.address_type.json()), ("origin", m.origin.json()), ("steps", m.steps.json())])
    }

    fn render_block(b: &Block) -> Value {
        object([("freed", b.freed.json()), ("kind", b.kind.json()), ("owner", b.owner.json()), ("parent", b.parent.json())])
    }
}

/// Outcomes from the parts of the state that differ (the wasm module; see
/// the module's note). The state after the last action is kept as it is
/// (a copy costs a few microseconds for thousands of messages); a store,
/// session, message or block is turned into a JSON tree and diffed only
/// when it differs from its copy, so the cost of an outcome follows the
/// parts the action changed plus one comparison and one invariant check of
/// the whole state.
#[cfg(any(target_arch = "wasm32", test))]
mod parts {
    use super::tree::diff;
    use crate::engine::Change;
    use crate::invariants::{Violation, check_invariants};
    use crate::state::{State, Topology};
    use crate::trace::Journal;
    use serde::Serialize;

    #[derive(Clone, Debug)]
    pub(crate) struct Shadow {
        state: State,
        violations: Vec<Violation>,
    }

    impl Shadow {
        pub fn of(topo: &Topology, state: &State) -> Shadow {
            Shadow { state: state.clone(), violations: check_invariants(topo, state) }
        }

        pub fn advance(&mut self, topo: &Topology, state: &State, _: &Journal, work: &mut usize) -> (Vec<Change>, Vec<Violation>) {
            let (old, mut changes) = (&self.state, Vec::new());
            // In the order of the state's JSON tree (sorted keys).
            *work += items("memory.blocks", &old.memory.blocks, &state.memory.blocks, &mut changes);
            *work += items("messages", &old.messages, &state.messages, &mut changes);
            *work += items_by("sessions", &old.sessions, &state.sessions, &mut changes, |a, b| {
                let (mut a, mut b) = (a.clone(), b.clone());
                same_lists([(&mut a.held, &mut b.held)]);
                (a, b)
            });
            *work += whole("storeProviders", &old.store_providers, &state.store_providers, &mut changes);
            *work += items_by("stores", &old.stores, &state.stores, &mut changes, |a, b| {
                let (mut a, mut b) = (a.clone(), b.clone());
                // Audit data: never a change (the tree diff skips it), so not worth a tree.
                a.store_logoff_transports = Default::default();
                b.store_logoff_transports = Default::default();
                same_lists([(&mut a.queue, &mut b.queue), (&mut a.inbox, &mut b.inbox), (&mut a.sent, &mut b.sent)]);
                (a, b)
            });
            *work += whole("transports", &old.transports, &state.transports, &mut changes);
            let violations = check_invariants(topo, state);
            *work += violations.len();
            let new_violations = violations.iter().filter(|v| !self.violations.contains(v)).cloned().collect();
            self.state.clone_from(state);
            self.violations = violations;
            (changes, new_violations)
        }
    }

    fn value<T: Serialize>(part: Option<&T>) -> serde_json::Value {
        part.map_or(serde_json::Value::Null, |p| crate::json::to_tree(p))
    }

    /// An array of objects, item by item (the tree diff's rule for them).
    fn items<T: PartialEq + Serialize>(path: &str, old: &[T], new: &[T], out: &mut Vec<Change>) -> usize {
        for i in 0..old.len().max(new.len()) {
            let (a, b) = (old.get(i), new.get(i));
            if a != b {
                diff(&format!("{path}[{i}]"), &value(a), &value(b), out);
            }
        }
        old.len().max(new.len())
    }

    /// An array of objects whose items hold message lists: an item that
    /// differs is diffed as `trim` leaves it, without the lists that did not
    /// change, so that a store's refs cost the same whatever its queue holds.
    fn items_by<T: PartialEq + Serialize>(
        path: &str,
        old: &[T],
        new: &[T],
        out: &mut Vec<Change>,
        trim: impl Fn(&T, &T) -> (T, T),
    ) -> usize {
        for (i, (a, b)) in old.iter().zip(new).enumerate().filter(|(_, (a, b))| a != b) {
            let (a, b) = trim(a, b);
            diff(&format!("{path}[{i}]"), &value(Some(&a)), &value(Some(&b)), out);
        }
        // Stores and sessions are fixed by the topology: no item comes or goes.
        old.len()
    }

    /// Empties each pair of lists that are equal: they diff to nothing.
    fn same_lists<const N: usize>(lists: [(&mut Vec<crate::state::MessageId>, &mut Vec<crate::state::MessageId>); N]) {
        for (a, b) in lists.into_iter().filter(|(a, b)| a == b) {
            a.clear();
            b.clear();
        }
    }

    /// An array of scalars: the tree diff decides whole or appended items.
    fn whole<T: PartialEq + Serialize>(path: &str, old: &[T], new: &[T], out: &mut Vec<Change>) -> usize {
        if old != new {
            diff(path, &value(Some(&old)), &value(Some(&new)), out);
        }
        old.len() + new.len()
    }
}

/// The JSON tree diff: the wasm module diffs the parts that differ with it,
/// and the native tests diff whole states with it (the oracle).
#[cfg(any(target_arch = "wasm32", test))]
mod tree {
    use crate::engine::{Change, StateValue};

    /// State fields that record what happened for the invariant check rather
    /// than describe the protocol's state.
    const AUDIT_FIELDS: [&str; 2] = ["storeLogoffTransports", "errors"];

    /// Field-level differences between two JSON values. An item added at
    /// the end of an array is a change of its own (`path[i]`, `null`
    /// before), so that an outcome's size follows the action, not the
    /// number of messages. Arrays of objects (messages, blocks) only grow,
    /// and their items are compared in place. Any other edit of an array of
    /// scalars (a message taken from a queue) reports it whole: a message
    /// moving from one list to another reads better as two lists than as a
    /// cascade of shifted indexes.
    pub(super) fn diff(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<Change>) {
        use serde_json::Value;
        if a == b {
            return;
        }
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for (k, va) in x.iter().filter(|(k, _)| !AUDIT_FIELDS.contains(&k.as_str())) {
                    let vb = y.get(k).unwrap_or(&Value::Null);
                    // Most fields did not change: no path for them.
                    if va != vb {
                        let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                        diff(&p, va, vb, out);
                    }
                }
                for (k, vb) in y.iter().filter(|(k, _)| !x.contains_key(*k)) {
                    diff(&format!("{path}.{k}"), &Value::Null, vb, out);
                }
            }
            (Value::Array(x), Value::Array(y)) if x.iter().chain(y).any(|v| v.is_object()) || (y.len() > x.len() && y.starts_with(x)) => {
                for i in 0..x.len().max(y.len()) {
                    let (va, vb) = (x.get(i).unwrap_or(&Value::Null), y.get(i).unwrap_or(&Value::Null));
                    if va != vb {
                        diff(&format!("{path}[{i}]"), va, vb, out);
                    }
                }
            }
            _ => out.push(Change { path: path.to_string(), before: StateValue(a.clone()), after: StateValue(b.clone()) }),
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    //! The oracle: the outcome as a diff of the whole state's JSON trees
    //! and a full invariant check gave it, before outcomes were worded from
    //! what an action touched.

    use super::tree::diff;
    use crate::engine::{Action, Simulation};
    use crate::invariants::{Violation, check_invariants};
    use crate::scenario::Scenario;
    use crate::state::State;

    /// The whole state as a JSON tree.
    fn state_value(state: &State) -> serde_json::Value {
        crate::json::to_tree(state)
    }

    /// Applies `action` and checks its changes and new violations against
    /// the oracle; returns whether the action was applied.
    fn apply_and_compare(sim: &mut Simulation, action: Action, what: &str) -> bool {
        let before = state_value(sim.state());
        let before_violations = check_invariants(sim.topology(), sim.state());
        let mut parts = super::parts::Shadow::of(sim.topology(), sim.state());
        let Ok(outcome) = sim.apply(action) else {
            assert_eq!(state_value(sim.state()), before, "{what}: a refused action changes nothing");
            return false;
        };
        let mut changes = Vec::new();
        diff("", &before, &state_value(sim.state()), &mut changes);
        let after_violations = check_invariants(sim.topology(), sim.state());
        let new: Vec<Violation> = after_violations.iter().filter(|v| !before_violations.contains(v)).cloned().collect();
        assert_eq!(outcome.changes, changes, "{what}: {action:?}");
        assert_eq!(outcome.new_violations, new, "{what}: {action:?}");
        // The wasm module's way gives the same outcome.
        let (parts_changes, parts_new) = parts.advance(sim.topology(), sim.state(), &Default::default(), &mut 0);
        assert_eq!(parts_changes, changes, "{what}, by parts: {action:?}");
        assert_eq!(parts_new, new, "{what}, by parts: {action:?}");
        true
    }

    fn golden() -> Vec<(String, Scenario)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("scenarios");
        let mut out: Vec<(String, Scenario)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.to_string_lossy().ends_with(".trace.json"))
            .map(|p| (p.display().to_string(), Scenario::from_json(&std::fs::read_to_string(&p).unwrap()).unwrap()))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(out.len() > 20, "the golden scenarios are there");
        out
    }

    #[test]
    fn outcomes_equal_the_whole_state_diff_on_every_golden_scenario() {
        for (name, scenario) in golden() {
            let mut sim = Simulation::new(&Scenario { actions: Vec::new(), ..scenario.clone() }).unwrap();
            for (i, action) in scenario.actions.iter().enumerate() {
                assert!(apply_and_compare(&mut sim, *action, &format!("{name} actions[{i}]")), "{name} actions[{i}] applies");
            }
        }
    }

    #[test]
    fn outcomes_equal_the_whole_state_diff_on_the_busy_workload() {
        let mut sim = Simulation::new(&crate::workload::busy_scenario(40)).unwrap();
        for (i, action) in crate::workload::busy_actions(60).into_iter().enumerate() {
            assert!(apply_and_compare(&mut sim, action, &format!("busy workload [{i}]")));
        }
    }

    /// Random walks from every golden scenario's start: enabled actions
    /// mixed with actions that are refused, misuse memory, release
    /// sessions or reopen stores, so that every kind of change happens.
    #[test]
    fn outcomes_equal_the_whole_state_diff_on_random_walks() {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as usize) % n.max(1)
        };
        let mut applied = 0;
        for (name, scenario) in golden() {
            for walk in 0..4 {
                let mut sim = Simulation::new(&Scenario { actions: Vec::new(), ..scenario.clone() }).unwrap();
                let stores = sim.topology().stores.len() as u16;
                let sessions = sim.topology().sessions.len() as u16;
                let transports = sim.topology().transports.len() as u16;
                for step in 0..60 {
                    let enabled = sim.enabled_actions();
                    let pick = |k: usize, n: u16| (k % usize::from(n.max(1))) as u16;
                    let r = next(1000);
                    let action = match next(16) {
                        _ if !enabled.is_empty() && next(3) > 0 => enabled[next(enabled.len())],
                        0 => Action::OpenStore { store: pick(r, stores) },
                        1 => Action::AddRef { store: pick(r, stores) },
                        2 => Action::Release { store: pick(r, stores) },
                        3 => Action::StoreLogoff { store: pick(r, stores), flags: 1 << next(6) },
                        4 => Action::StoreLogoffTransports { store: pick(r, stores), flags: 1 << next(6), support: Default::default() },
                        5 => Action::SpoolerStep,
                        6 => Action::RunUntilIdle,
                        7 => Action::LogoffSession { session: pick(r, sessions), flags: next(2) as u32 },
                        8 => Action::ReleaseSession { session: pick(r, sessions) },
                        9 => Action::ShutdownProvider { transport: pick(r, transports), flags: 0 },
                        10 => Action::FlushQueues { session: pick(r, sessions), flags: 2 << next(2) },
                        11 => Action::MailArrives { session: pick(r, sessions), steps: 1 + next(2) as u8 },
                        12 => Action::Allocate { session: pick(r, sessions), parent: (next(2) == 0).then(|| next(20) as u16) },
                        13 => Action::Free { session: pick(r, sessions), block: (next(5) > 0).then(|| next(20) as u16) },
                        14 => Action::SubmitMessage { store: pick(r, stores), address_type: 0, steps: 1 + next(2) as u8 },
                        _ => Action::EndFlush { session: pick(r, sessions) },
                    };
                    if apply_and_compare(&mut sim, action, &format!("{name} walk {walk} step {step}")) {
                        applied += 1;
                    }
                }
            }
        }
        assert!(applied > 1000, "the walks applied {applied} actions");
    }

    /// The engine never loses or duplicates a message, so the incremental
    /// count of I1 is checked here on states edited by hand: each edit is
    /// worded as the oracle words it.
    #[test]
    fn lost_and_duplicated_messages_are_counted_as_the_full_check_counts_them() {
        use super::Shadow;
        use crate::trace::{Journal, MessageList};
        let (topo, mut state) = crate::workload::busy_scenario(8).build().unwrap();
        let mut shadow = Shadow::of(&topo, &state);
        let mut step = |state: &State, edit: &dyn Fn(&mut State, &mut Journal)| -> State {
            let mut after = state.clone();
            let mut journal = Journal::default();
            edit(&mut after, &mut journal);
            let mut expected = Vec::new();
            diff("", &state_value(state), &state_value(&after), &mut expected);
            let before_violations = check_invariants(&topo, state);
            let new: Vec<Violation> = check_invariants(&topo, &after).into_iter().filter(|v| !before_violations.contains(v)).collect();
            let (changes, violations) = shadow.advance(&topo, &after, &journal, &mut 0);
            assert_eq!(changes, expected);
            assert_eq!(violations, new);
            after
        };
        let queue = |s: &mut State, j: &mut Journal| j.lists.push((MessageList::Queue(0), s.stores[0].queue.clone()));
        // Lost: taken off the queue and put nowhere.
        state = step(&state, &|s, j| {
            queue(s, j);
            s.stores[0].queue.remove(0);
        });
        assert!(check_invariants(&topo, &state).iter().any(|v| v.message.contains("lost")));
        // Duplicated, then in three places: each count is a new violation.
        let twice = |s: &mut State, _: &mut Journal| {
            let id = s.stores[1].queue[0];
            s.stores[1].sent.push(id);
        };
        state = step(&state, &twice);
        state = step(&state, &twice);
        // Moved within its queue: still in three places, nothing new.
        state = step(&state, &|s, j| {
            j.lists.push((MessageList::Queue(1), s.stores[1].queue.clone()));
            s.stores[1].queue.rotate_left(1);
        });
        // A lost message put back and taken again: still lost, nothing new.
        let lost = crate::workload::busy_scenario(8).build().unwrap().1.stores[0].queue[0];
        state = step(&state, &|s, j| {
            queue(s, j);
            s.stores[0].queue.insert(0, lost);
            s.stores[0].queue.remove(0);
        });
        // Found again, and a new message appended that is nowhere yet.
        state = step(&state, &|s, j| {
            queue(s, j);
            s.stores[0].queue.insert(0, lost);
            s.messages.push(crate::state::Message { origin: None, address_type: 0, steps: 1 });
        });
        assert!(check_invariants(&topo, &state).iter().any(|v| v.message.contains("lost")), "the new message is lost");
    }

    /// The same actions on a profile with 10 and with 10,000 queued
    /// messages read the same number of fields: the outcome's cost follows
    /// the change, not the scenario.
    #[test]
    fn the_cost_of_an_outcome_does_not_grow_with_the_scenario() {
        use crate::flags::{FlushFlags, StoreLogoffFlag};
        let actions = [
            Action::AddRef { store: 1 },
            Action::Release { store: 1 },
            Action::StoreLogoffTransports { store: 2, flags: StoreLogoffFlag::Quiet.bits(), support: Default::default() },
            Action::StoreLogoff { store: 3, flags: StoreLogoffFlag::Orderly.bits() },
            Action::FlushQueues { session: 2, flags: FlushFlags::FLUSH_DOWNLOAD.bits() },
            Action::LogoffSession { session: 2, flags: 0 },
            Action::Free { session: 2, block: Some(0) },
            // A new message is one change, however many there are.
            Action::MailArrives { session: 0, steps: 2 },
            Action::Allocate { session: 1, parent: None },
        ];
        let work = |messages: usize| -> Vec<usize> {
            let mut sim = Simulation::new(&crate::workload::busy_scenario(messages)).unwrap();
            // The first outcome builds what later ones start from.
            sim.apply(Action::AddRef { store: 0 }).unwrap();
            actions
                .iter()
                .map(|a| {
                    let outcome = sim.apply(*a).unwrap();
                    assert!(!outcome.changes.is_empty() || !outcome.new_violations.is_empty() || a.kind() == "storeLogoffTransports");
                    sim.outcome_work()
                })
                .collect()
        };
        let small = work(10);
        let large = work(10_000);
        assert!(small.iter().all(|&w| w > 0), "work is counted: {small:?}");
        assert_eq!(small, large, "work per action with 10 and with 10,000 messages");
    }
}
