//! The explorer's store of visited fingerprints: an open-addressing set of
//! `u64`s, 8 bytes a slot, at most 7/8 full. A fingerprint is already a
//! well-mixed hash, so its top bits pick the slot (no second hash), and a
//! collision moves to the next slot (linear probing: the probes of one
//! look-up share a cache line or two). Nothing is ever removed.

pub(crate) struct FingerprintSet {
    /// `EMPTY` or a fingerprint; the length is a power of two.
    slots: Vec<u64>,
    len: usize,
    /// The fingerprint 0 is the empty slot's mark, so it is kept apart.
    has_zero: bool,
    /// 64 minus log2 of the slot count: a fingerprint's slot is `fp >> shift`.
    shift: u32,
}

const EMPTY: u64 = 0;
const INITIAL_SLOTS: usize = 1 << 10;

impl FingerprintSet {
    pub(crate) fn new() -> FingerprintSet {
        FingerprintSet { slots: vec![EMPTY; INITIAL_SLOTS], len: 0, has_zero: false, shift: 64 - INITIAL_SLOTS.trailing_zeros() }
    }

    /// Read by the parallel explorer's threads.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn contains(&self, fp: u64) -> bool {
        if fp == EMPTY {
            return self.has_zero;
        }
        let mask = self.slots.len() - 1;
        let mut i = (fp >> self.shift) as usize;
        loop {
            match self.slots[i] {
                s if s == fp => return true,
                EMPTY => return false,
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Adds `fp`; true if it was not there.
    pub(crate) fn insert(&mut self, fp: u64) -> bool {
        if fp == EMPTY {
            let new = !self.has_zero;
            self.has_zero = true;
            self.len += usize::from(new);
            return new;
        }
        if (self.len + 1) * 8 > self.slots.len() * 7 {
            self.grow();
        }
        let new = Self::place(&mut self.slots, self.shift, fp);
        self.len += usize::from(new);
        new
    }

    fn place(slots: &mut [u64], shift: u32, fp: u64) -> bool {
        let mask = slots.len() - 1;
        let mut i = (fp >> shift) as usize;
        loop {
            match slots[i] {
                s if s == fp => return false,
                EMPTY => {
                    slots[i] = fp;
                    return true;
                }
                _ => i = (i + 1) & mask,
            }
        }
    }

    fn grow(&mut self) {
        let mut slots = vec![EMPTY; self.slots.len() * 2];
        let shift = self.shift - 1;
        for &fp in self.slots.iter().filter(|&&fp| fp != EMPTY) {
            Self::place(&mut slots, shift, fp);
        }
        self.slots = slots;
        self.shift = shift;
    }

    /// Empties the set, keeping its memory.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn clear(&mut self) {
        self.slots.fill(EMPTY);
        self.len = 0;
        self.has_zero = false;
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Bytes of memory the set holds.
    pub(crate) fn bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<u64>()
    }
}

#[cfg(test)]
mod tests {
    use super::FingerprintSet;

    #[test]
    fn inserts_once_and_grows() {
        let mut set = FingerprintSet::new();
        // Fingerprints crowding the same top bits, and 0.
        let values: Vec<u64> = (0..5_000u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (i % 3)).chain([0, 1, u64::MAX]).collect();
        for &v in &values {
            assert!(set.insert(v) || values.iter().filter(|&&w| w == v).count() > 1);
        }
        for &v in &values {
            assert!(set.contains(v));
            assert!(!set.insert(v), "{v} inserted twice");
        }
        assert!(!set.contains(12_345_678_901));
        let distinct: std::collections::BTreeSet<u64> = values.iter().copied().collect();
        assert_eq!(set.len(), distinct.len());
        assert!(set.len() * 8 <= set.slots.len() * 7, "at most 7/8 full");
    }
}
