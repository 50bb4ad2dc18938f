//! The explorer on several threads (native builds only): the same
//! breadth-first search, the same report, field for field.
//!
//! The serial explorer takes states from the frontier in their numbering
//! order and, for each, computes its successors in action order; a
//! successor whose fingerprint is new gets the next number. Here the
//! frontier is taken a batch at a time (up to [`BATCH`] states, in order),
//! in two phases:
//!
//! 1. **Expand, in parallel.** The calling thread and `threads - 1`
//!    helpers (started once per `run`) take chunks of the batch from a
//!    shared counter, whoever is free taking the next (a thread's chunks
//!    come in increasing order). A thread decodes each state of its chunks
//!    from the frontier's packed words and computes its successors: apply,
//!    canonicalise, fingerprint. The visited set is only read in this
//!    phase. A fingerprint visited before the batch, or met earlier by the
//!    same thread in this batch (so earlier in the serial order too), is
//!    `Seen`; the others are `Fresh` and keep their state (packed, as the
//!    frontier keeps it) and property verdicts.
//! 2. **Merge, in order.** The calling thread walks the chunks' results in
//!    the order the serial explorer produces them (by parent number, then
//!    action order): it counts, records the logoff answers, inserts the
//!    `Fresh` fingerprints into the visited set, numbers those that are new
//!    and appends them to the frontier, keeps the first failure of each
//!    property, and stops exactly where the serial explorer stops when the
//!    state budget runs out. A `Fresh` state that another thread reached
//!    first in the serial order is dropped.
//!
//! Which successor first reaches a state, and so every number, parent
//! link, count, outcome and counterexample, is decided in phase 2, in the
//! serial order: the result depends neither on the number of threads nor
//! on which thread took which chunk. docs/parallel-explorer.md has the
//! design for more cores.

use super::frontier::Packed;
use super::successor::{Model, Worker, decode, empty_state, kind_bit, state_words};
use super::visited::FingerprintSet;
use super::{Answer, Explorer, Link, check_properties};
use crate::engine::Action;
use crate::state::{ProtocolError, State};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

/// States taken from the frontier per batch, at most: bounds the memory
/// of the results kept between the phases.
const BATCH: usize = 8192;
/// States a thread takes at a time.
const CHUNK: usize = 32;
/// Below this many states a batch is expanded on the calling thread alone.
const MIN_PARALLEL: usize = 4 * CHUNK;

/// What phase 1 says of a chunk of the batch, in the serial explorer's
/// order: each state, then its successors in action order; the states of
/// its `Fresh` successors, in the same order, as their words
/// (`state_words`: no allocation, no state built on one thread and
/// dropped on another) and breach logs; their logoff answers.
#[derive(Default)]
struct Chunk {
    items: Vec<Item>,
    words: Vec<u64>,
    errors: Vec<ProtocolError>,
    answers: Vec<Answer>,
}

enum Item {
    /// A state of the batch: `expanded`, its successors follow; else it is
    /// at the depth bound, counted and not expanded.
    State {
        expanded: bool,
    },
    Successor(Successor),
}

struct Successor {
    action: Action,
    kind: Kind,
    /// How many logoff answers the transition gave (they follow the
    /// previous successors' in `Chunk::answers`).
    answers: u8,
}

enum Kind {
    /// The engine refused the action: not a transition.
    Refused,
    /// Reached earlier in the serial order: visited before the batch, or
    /// met earlier by the same thread.
    Seen,
    /// New, unless a successor earlier in the batch that another thread
    /// met reached it too: its state is kept.
    Fresh {
        fingerprint: u64,
        /// [`Model::violations`] of the properties open at the batch's start.
        violated: u8,
        /// How many words and breaches its state takes in the chunk.
        words: u32,
        errors: u32,
    },
}

/// What the threads share for one batch. The calling thread lends the
/// visited set and takes it back (with the batch's states) once every
/// helper has given its `Arc` back.
struct Shared {
    model: Arc<Model>,
    seen: FingerprintSet,
    /// The batch's states, as the frontier keeps them: each thread reads
    /// those of its chunks.
    states: Packed,
    at_bound: Vec<bool>,
    open: u8,
    /// The next chunk to take.
    next: AtomicUsize,
}

/// A thread's scratch: its worker, and the `Fresh` fingerprints it met in
/// this batch. Aligned so that two threads' scratch never share a cache
/// line (the scratch state's lengths are written on every successor).
#[repr(align(128))]
struct Thread {
    worker: Worker,
    met: FingerprintSet,
    /// The state being expanded.
    parent: State,
    /// Emptied chunks, for their buffers.
    buffers: Vec<Chunk>,
}

impl Thread {
    fn new() -> Thread {
        Thread { worker: Worker::new(), met: FingerprintSet::new(), buffers: Vec::new(), parent: empty_state() }
    }

    /// Takes chunks until none is left: their results, by chunk number.
    fn work(&mut self, shared: &Shared) -> Done {
        self.met.clear();
        let n = shared.states.len();
        let mut done = Vec::new();
        loop {
            let c = shared.next.fetch_add(1, Ordering::Relaxed);
            if c * CHUNK >= n {
                return done;
            }
            let range = c * CHUNK..((c + 1) * CHUNK).min(n);
            let mut chunk = self.buffers.pop().unwrap_or_default();
            for i in range {
                let expanded = !shared.at_bound[i];
                chunk.items.push(Item::State { expanded });
                if expanded {
                    shared.states.decode(i, &mut self.parent);
                    successors(shared, &mut self.worker, &mut self.met, &self.parent, &mut chunk);
                }
            }
            done.push((c, chunk));
        }
    }
}

/// A batch for a helper: the shared part, and emptied chunks for their
/// buffers.
type Job = (Arc<Shared>, Vec<Chunk>);
/// A thread's chunks, by chunk number.
type Done = Vec<(usize, Chunk)>;

/// A helper thread: batches until the calling thread hangs up.
fn helper(jobs: Receiver<Job>, results: Sender<Done>) {
    let mut thread = Thread::new();
    while let Ok((shared, buffers)) = jobs.recv() {
        thread.buffers.extend(buffers);
        let done = thread.work(&shared);
        drop(shared);
        #[cfg(test)]
        tests::HELPER_CHUNKS.fetch_add(done.len(), Ordering::Relaxed);
        if results.send(done).is_err() {
            return;
        }
    }
}

/// Explores until done on `explorer`'s `threads` (0: one per core).
pub(super) fn run(explorer: &mut Explorer) {
    // A step may have left a state part way through its successors.
    while explorer.pending.is_some() && !explorer.is_done() {
        explorer.advance(1);
    }
    let threads = match explorer.model.options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let model = Arc::new(explorer.model.clone());
    std::thread::scope(|scope| {
        // Dropped first on the way out (or an unwind): the helpers stop.
        let helpers: Vec<(Sender<Job>, Receiver<Done>)> = (1..threads)
            .map(|_| {
                let (jobs, job) = channel();
                let (result, results) = channel();
                scope.spawn(move || helper(job, result));
                (jobs, results)
            })
            .collect();
        let mut main = Thread::new();
        // The batch's states (the buffers come back for the next batch).
        let mut states = Packed::default();
        let mut buffers: Vec<Chunk> = Vec::new();
        while !explorer.is_done() {
            let first = explorer.cursor;
            let n = explorer.frontier.len().min(BATCH);
            explorer.frontier.take(n, &mut states);
            let shared = Arc::new(Shared {
                model: Arc::clone(&model),
                states,
                at_bound: (first..first + n).map(|i| explorer.depth_of(i) >= model.options.max_depth).collect(),
                open: explorer.open_kinds(),
                seen: std::mem::replace(&mut explorer.seen, FingerprintSet::new()),
                next: AtomicUsize::new(0),
            });
            let used = if n < MIN_PARALLEL { 0 } else { helpers.len().min(n.div_ceil(CHUNK) - 1) };
            let share = buffers.len() / (used + 1);
            for (jobs, _) in &helpers[..used] {
                let buffers = buffers.split_off(buffers.len() - share);
                jobs.send((Arc::clone(&shared), buffers)).expect("the helper is running");
            }
            main.buffers.append(&mut buffers);
            let mut chunks = main.work(&shared);
            for (_, results) in &helpers[..used] {
                chunks.extend(results.recv().expect("the helper sends its chunks"));
            }
            chunks.sort_unstable_by_key(|(c, _)| *c);
            let Shared { seen, states: batch, .. } = Arc::into_inner(shared).expect("the helpers are done with the batch");
            explorer.seen = seen;
            buffers.extend(chunks.into_iter().map(|(_, chunk)| chunk));
            merge(explorer, &mut buffers);
            states = batch;
        }
    });
    explorer.release_frontier();
}

/// The successors of `state`, into `chunk`.
fn successors(shared: &Shared, worker: &mut Worker, met: &mut FingerprintSet, state: &State, chunk: &mut Chunk) {
    let model: &Model = &shared.model;
    for action in model.actions(state) {
        let kind = match worker.successor(model, state, &action) {
            None => Kind::Refused,
            Some(fingerprint) if shared.seen.contains(fingerprint) || !met.insert(fingerprint) => Kind::Seen,
            Some(fingerprint) => {
                let next = &worker.next;
                let violated = model.violations(shared.open, next);
                let (words, errors) = (chunk.words.len(), chunk.errors.len());
                state_words(next, |w| chunk.words.push(w));
                chunk.errors.extend_from_slice(&next.errors);
                let (words, errors) = ((chunk.words.len() - words) as u32, (chunk.errors.len() - errors) as u32);
                Kind::Fresh { fingerprint, violated, words, errors }
            }
        };
        let answers = &worker.answers.0;
        chunk.answers.extend_from_slice(answers);
        chunk.items.push(Item::Successor(Successor { action, kind, answers: answers.len() as u8 }));
    }
}

/// Phase 2: the batch's results in the serial explorer's order, leaving
/// the chunks empty. New states join the frontier as their words.
fn merge(explorer: &mut Explorer, chunks: &mut [Chunk]) {
    // The state of the batch whose successors these are: its number, its
    // depth and the next action's index.
    let (mut index, mut depth, mut k) = (0, 0, 0);
    let mut stopped = false;
    for chunk in chunks {
        let (mut words, mut errors) = (&chunk.words[..], &chunk.errors[..]);
        let mut answers = chunk.answers.iter();
        for item in chunk.items.drain(..) {
            if stopped {
                // Where the serial explorer stopped.
                break;
            }
            let s = match item {
                Item::State { expanded } => {
                    (index, k) = (explorer.cursor, 0);
                    explorer.cursor += 1;
                    explorer.work += 1;
                    if expanded {
                        explorer.explored += 1;
                        depth = explorer.depth_of(index);
                    } else {
                        explorer.depth_bound_hits += 1;
                    }
                    continue;
                }
                Item::Successor(s) => s,
            };
            let action_index = k as u16;
            k += 1;
            explorer.work += 1;
            if let Kind::Refused = s.kind {
                continue;
            }
            explorer.transitions += 1;
            if s.answers > 0 {
                let given: Vec<Answer> = answers.by_ref().take(usize::from(s.answers)).copied().collect();
                explorer.observe_outcomes(index as u32, s.action, &given);
            }
            let Kind::Fresh { fingerprint, violated, words: w, errors: e } = s.kind else { continue };
            let (its_words, its_errors);
            ((its_words, words), (its_errors, errors)) = (words.split_at(w as usize), errors.split_at(e as usize));
            if !explorer.seen.insert(fingerprint) {
                continue;
            }
            let new = explorer.number(Link { parent: index as u32, action: action_index }, depth + 1);
            if violated != 0 {
                // A first failure, maybe: its wording needs the state.
                let mut state = empty_state();
                decode(its_words.iter().copied(), its_errors.iter().copied(), &mut state);
                check_properties(&explorer.model, &mut explorer.found, new, &state, Some(violated));
            }
            explorer.frontier.push_words(its_words, its_errors);
            stopped = explorer.budget_spent();
        }
        chunk.words.clear();
        chunk.errors.clear();
        chunk.answers.clear();
    }
}

impl Explorer {
    /// The kinds of the properties not found yet (a mask of `kind_bit`s).
    fn open_kinds(&self) -> u8 {
        let open = self.model.options.properties.iter().zip(&self.found).filter(|(_, found)| found.is_none());
        open.fold(0, |mask, (&p, _)| mask | kind_bit(p))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ExploreOptions, explore};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Chunks done by helper threads, in this test binary.
    pub(super) static HELPER_CHUNKS: AtomicUsize = AtomicUsize::new(0);

    /// The parallel tests of tests/explore.rs compare reports; this one
    /// makes sure that helpers did take chunks there.
    #[test]
    fn helpers_take_chunks() {
        let scenario = crate::Scenario::from_json(include_str!("../../bench/explore-reference.json")).unwrap();
        let options = ExploreOptions { max_depth: 6, ..ExploreOptions::default() };
        let serial = explore(&scenario, options.clone()).unwrap();
        let before = HELPER_CHUNKS.load(Ordering::Relaxed);
        let parallel = explore(&scenario, ExploreOptions { threads: 3, ..options }).unwrap();
        assert_eq!(parallel, serial);
        assert!(HELPER_CHUNKS.load(Ordering::Relaxed) > before, "no helper thread took a chunk");
    }
}
