//! The states waiting to be expanded, in breadth-first order.
//!
//! Natively they are packed: each state as its words (`state_words`: the
//! fields the fingerprint hashes, ~35 words on the reference scenario) in
//! one queue, its breach log (usually empty) in another. A waiting state
//! then takes ~280 bytes in one run instead of ~500 in a dozen allocations,
//! and the states are read back in the order they were written (`decode`,
//! into reused buffers), which the hardware prefetches. In wasm the queue
//! holds the states themselves: packed, the explorer module measured about
//! 4 KB larger gzipped, over its 100 KiB budget, and no faster under Node.

use super::successor::Worker;
use crate::state::State;
use std::collections::VecDeque;

#[cfg(not(target_arch = "wasm32"))]
use super::successor::{decode, empty_state, state_words};
#[cfg(not(target_arch = "wasm32"))]
use crate::state::ProtocolError;

/// States taken from the frontier, packed (for the parallel explorer).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Default)]
pub(crate) struct Packed {
    words: Vec<u64>,
    errors: Vec<ProtocolError>,
    /// Where each state's words and breaches start, and the end.
    starts: Vec<(usize, usize)>,
}

#[cfg(not(target_arch = "wasm32"))]
impl Packed {
    pub(crate) fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// State `i`, into `to`'s buffers.
    pub(crate) fn decode(&self, i: usize, to: &mut State) {
        let ((w, e), (w_end, e_end)) = (self.starts[i], self.starts[i + 1]);
        decode(self.words[w..w_end].iter().copied(), self.errors[e..e_end].iter().copied(), to);
    }
}

#[derive(Default)]
pub(crate) struct Frontier {
    #[cfg(not(target_arch = "wasm32"))]
    words: VecDeque<u64>,
    /// Per state: its words and its breaches.
    #[cfg(not(target_arch = "wasm32"))]
    sizes: VecDeque<(u32, u32)>,
    #[cfg(not(target_arch = "wasm32"))]
    errors: VecDeque<ProtocolError>,
    /// Bytes held at most (natively).
    #[cfg(not(target_arch = "wasm32"))]
    peak: usize,
    /// Words being written.
    #[cfg(not(target_arch = "wasm32"))]
    scratch: Vec<u64>,
    #[cfg(target_arch = "wasm32")]
    states: VecDeque<State>,
}

#[cfg(not(target_arch = "wasm32"))]
impl Frontier {
    pub(crate) fn len(&self) -> usize {
        self.sizes.len()
    }

    /// Adds a state.
    pub(crate) fn push(&mut self, state: &State) {
        let mut words = std::mem::take(&mut self.scratch);
        words.clear();
        state_words(state, |word| words.push(word));
        self.push_words(&words, &state.errors);
        self.scratch = words;
    }

    /// Adds the worker's last successor.
    pub(crate) fn push_next(&mut self, worker: &mut Worker) {
        self.push(&worker.next);
    }

    /// Adds a state given as its words and breaches.
    pub(crate) fn push_words(&mut self, words: &[u64], errors: &[ProtocolError]) {
        self.words.extend(words);
        self.errors.extend(errors);
        self.sizes.push_back((words.len() as u32, errors.len() as u32));
        self.count();
    }

    fn count(&mut self) {
        self.peak = self.peak.max(self.bytes());
    }

    /// Takes the first state, in the buffers of one of the worker's spares.
    pub(crate) fn pop(&mut self, worker: &mut Worker) -> State {
        let (words, errors) = self.sizes.pop_front().expect("a state is expanded once");
        let mut state = worker.spare.pop().unwrap_or_else(empty_state);
        decode(self.words.drain(..words as usize), self.errors.drain(..errors as usize), &mut state);
        state
    }

    /// Moves the first `n` states, packed, into `batch` (emptied first).
    pub(crate) fn take(&mut self, n: usize, batch: &mut Packed) {
        batch.words.clear();
        batch.errors.clear();
        batch.starts.clear();
        let (mut words, mut errors) = (0, 0);
        for (w, e) in self.sizes.drain(..n) {
            batch.starts.push((words, errors));
            (words, errors) = (words + w as usize, errors + e as usize);
        }
        batch.starts.push((words, errors));
        batch.words.extend(self.words.drain(..words));
        batch.errors.extend(self.errors.drain(..errors));
    }

    /// Bytes held now.
    pub(crate) fn bytes(&self) -> usize {
        self.words.capacity() * 8 + self.sizes.capacity() * 8 + self.errors.capacity() * std::mem::size_of::<ProtocolError>()
    }

    /// Bytes held at most.
    pub(crate) fn peak(&self) -> usize {
        self.peak
    }

    /// Gives the memory back, keeping the peak's figure.
    pub(crate) fn release(&mut self) {
        *self = Frontier { peak: self.peak, ..Frontier::default() };
    }
}

#[cfg(target_arch = "wasm32")]
impl Frontier {
    pub(crate) fn push(&mut self, state: &State) {
        self.states.push_back(state.clone());
    }

    /// Adds the worker's last successor (the state itself: the worker takes
    /// a spare state for its scratch).
    pub(crate) fn push_next(&mut self, worker: &mut Worker) {
        self.states.push_back(worker.keep());
    }

    pub(crate) fn pop(&mut self, _: &mut Worker) -> State {
        self.states.pop_front().expect("a state is expanded once")
    }

    pub(crate) fn peak(&self) -> usize {
        0
    }

    pub(crate) fn release(&mut self) {
        self.states = VecDeque::new();
    }
}
