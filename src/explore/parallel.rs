//! The explorer on several threads (native builds only): the same
//! breadth-first search, the same report, byte for byte.
//!
//! The serial explorer takes states from the frontier in their numbering
//! order and, for each, computes its successors in action order; a
//! successor whose fingerprint is new gets the next number. Here the
//! frontier is taken a batch at a time (up to [`BATCH`] states, in order):
//!
//! 1. **Expand, in parallel.** Threads take chunks of the batch from a
//!    shared counter (whoever is free takes the next chunk) and compute
//!    every successor of every state in it: apply, canonicalise,
//!    fingerprint, and the fast property tests. A successor whose
//!    fingerprint was already visited before the batch is only counted (the
//!    visited set is read, never written, in this phase); one that may be
//!    new is kept with its state.
//! 2. **Merge, in order.** The chunks' results are put back in chunk order,
//!    and one thread walks them as the serial explorer would have produced
//!    them (by parent number, then action order): it counts, records the
//!    logoff answers, inserts each kept fingerprint into the visited set and
//!    numbers it if it is new, checks properties, and stops exactly where
//!    the serial explorer would stop when the state budget runs out.
//!
//! Which successor first reaches a state, and so every number, parent
//! link, count, outcome and counterexample, is decided in phase 2 alone, in
//! the serial order: the result does not depend on the number of threads or
//! on how the chunks were shared. docs/parallel-explorer.md has the design
//! for more cores (sharding the visited set so that phase 2 runs in
//! parallel too).

use super::successor::{Model, Worker, kind_bit};
use super::visited::FingerprintSet;
use super::{Answer, Explorer, Link};
use crate::engine::Action;
use crate::state::State;
use std::sync::atomic::{AtomicUsize, Ordering};

/// States taken from the frontier per batch, at most: bounds the memory
/// of the successors kept between the two phases.
const BATCH: usize = 8192;
/// States a thread takes at a time.
const CHUNK: usize = 32;
/// Below this many states in a batch, it is expanded on the calling thread.
const MIN_PARALLEL: usize = 4 * CHUNK;

/// What phase 1 says of one state of the batch.
enum Expanded {
    /// At the depth bound: counted, not expanded.
    AtBound,
    /// Its successors, in action order.
    Successors(Vec<Successor>),
}

struct Successor {
    action: Action,
    kind: Kind,
    /// The logoff answers of the transition (rarely any).
    answers: Vec<Answer>,
}

enum Kind {
    /// The engine refused the action: not a transition.
    Refused,
    /// Visited before the batch.
    Seen,
    /// Not visited before the batch: new unless a successor earlier in the
    /// batch reached it too.
    Fresh {
        fingerprint: u64,
        state: State,
        /// [`Model::violations`] of the properties still open.
        violated: u8,
    },
}

/// Explores until done on `explorer`'s `threads`.
pub(super) fn run(explorer: &mut Explorer) {
    // A step may have left a state part way through its successors.
    while explorer.pending.is_some() && !explorer.is_done() {
        explorer.advance(1);
    }
    let threads = match explorer.model.options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let mut helpers: Vec<Worker> = (1..threads).map(|_| Worker::new()).collect();
    while !explorer.is_done() {
        let first = explorer.cursor;
        let n = explorer.frontier.len().min(BATCH);
        let batch: Vec<State> = (0..n).map(|_| explorer.pop_frontier()).collect();
        let at_bound: Vec<bool> = (first..first + n).map(|i| explorer.depth_of(i) >= explorer.model.options.max_depth).collect();
        let open = explorer
            .model
            .options
            .properties
            .iter()
            .zip(&explorer.found)
            .filter(|(_, found)| found.is_none())
            .fold(0, |mask, (&p, _)| mask | kind_bit(p));
        let used = if n < MIN_PARALLEL { 0 } else { helpers.len().min(n.div_ceil(CHUNK) - 1) };
        // Spare states for the helpers' kept successors.
        for helper in &mut helpers[..used] {
            let share = explorer.worker.spare.len() / (used + 1);
            let at = explorer.worker.spare.len() - share;
            helper.spare.extend(explorer.worker.spare.drain(at..));
        }
        let expanded = expand(&explorer.model, &explorer.seen, open, &batch, &at_bound, &mut explorer.worker, &mut helpers[..used]);
        merge(explorer, first, batch, expanded);
    }
    explorer.release_frontier();
}

/// Phase 1: every successor of `batch`, on the calling thread and one
/// thread per helper, in the batch's order.
fn expand(
    model: &Model,
    seen: &FingerprintSet,
    open: u8,
    batch: &[State],
    at_bound: &[bool],
    main: &mut Worker,
    helpers: &mut [Worker],
) -> Vec<Expanded> {
    let chunks = batch.len().div_ceil(CHUNK);
    let next = AtomicUsize::new(0);
    let work = |worker: &mut Worker| {
        let mut done = Vec::new();
        loop {
            let c = next.fetch_add(1, Ordering::Relaxed);
            if c >= chunks {
                return done;
            }
            let range = c * CHUNK..((c + 1) * CHUNK).min(batch.len());
            let out: Vec<Expanded> =
                range.map(|i| if at_bound[i] { Expanded::AtBound } else { successors(model, seen, open, worker, &batch[i]) }).collect();
            done.push((c, out));
        }
    };
    let mut results = std::thread::scope(|scope| {
        let handles: Vec<_> = helpers
            .iter_mut()
            .map(|w| {
                scope.spawn(|| {
                    let done = work(w);
                    #[cfg(test)]
                    tests::HELPER_CHUNKS.fetch_add(done.len(), Ordering::Relaxed);
                    done
                })
            })
            .collect();
        let mut all = work(main);
        for h in handles {
            all.extend(h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        all
    });
    results.sort_unstable_by_key(|(c, _)| *c);
    results.into_iter().flat_map(|(_, out)| out).collect()
}

fn successors(model: &Model, seen: &FingerprintSet, open: u8, worker: &mut Worker, state: &State) -> Expanded {
    let actions = model.actions(state);
    Expanded::Successors(
        actions
            .into_iter()
            .map(|action| {
                let Some(fingerprint) = worker.successor(model, state, &action) else {
                    return Successor { action, kind: Kind::Refused, answers: Vec::new() };
                };
                let answers = if worker.answers.0.is_empty() { Vec::new() } else { worker.answers.0.clone() };
                let kind = if seen.contains(fingerprint) {
                    Kind::Seen
                } else {
                    let violated = if open == 0 { 0 } else { model.violations(open, &worker.next) };
                    Kind::Fresh { fingerprint, state: worker.keep(), violated }
                };
                Successor { action, kind, answers }
            })
            .collect(),
    )
}

/// Phase 2: the batch's results in the serial explorer's order.
fn merge(explorer: &mut Explorer, first: usize, batch: Vec<State>, expanded: Vec<Expanded>) {
    for (i, (parent, expanded)) in batch.into_iter().zip(expanded).enumerate() {
        let index = (first + i) as u32;
        explorer.cursor += 1;
        explorer.work += 1;
        if let Expanded::Successors(successors) = expanded {
            explorer.explored += 1;
            let depth = explorer.depth_of(index as usize);
            for (k, s) in successors.into_iter().enumerate() {
                explorer.work += 1;
                if let Kind::Refused = s.kind {
                    continue;
                }
                explorer.transitions += 1;
                if !s.answers.is_empty() {
                    explorer.observe_outcomes(index, s.action, &s.answers);
                }
                if let Kind::Fresh { fingerprint, state, violated } = s.kind {
                    if explorer.seen.insert(fingerprint) {
                        explorer.add(Link { parent: index, action: k as u16 }, depth + 1, state, Some(violated));
                        if explorer.budget_spent() {
                            // Where the serial explorer stops too.
                            return;
                        }
                    } else {
                        explorer.worker.recycle(state);
                    }
                }
            }
        } else {
            explorer.depth_bound_hits += 1;
        }
        explorer.worker.recycle(parent);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ExploreOptions, explore};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Chunks expanded by helper threads, in this test binary.
    pub(super) static HELPER_CHUNKS: AtomicUsize = AtomicUsize::new(0);

    /// The parallel tests of tests/explore.rs compare reports; this one
    /// makes sure that helpers did expand states there.
    #[test]
    fn helpers_expand_chunks() {
        let scenario = crate::Scenario::from_json(include_str!("../../bench/explore-reference.json")).unwrap();
        let options = ExploreOptions { max_depth: 6, ..ExploreOptions::default() };
        let serial = explore(&scenario, options.clone()).unwrap();
        let before = HELPER_CHUNKS.load(Ordering::Relaxed);
        let parallel = explore(&scenario, ExploreOptions { threads: 3, ..options }).unwrap();
        assert_eq!(parallel, serial);
        assert!(HELPER_CHUNKS.load(Ordering::Relaxed) > before, "no helper thread took a chunk");
    }
}
