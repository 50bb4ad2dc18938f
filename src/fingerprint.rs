//! The one hasher of the crate's maps: a multiply-rotate over the words of
//! a value's `Hash`, finished with MurmurHash3's 64-bit mix so that every
//! input bit reaches every output bit. Good enough to be the explorer's
//! state fingerprint, fast, deterministic (no random seed: the same input
//! always explores and checks the same way), and one instantiation of the
//! hash-map code for the whole wasm module.

use std::hash::{BuildHasherDefault, Hash, Hasher};

#[derive(Default)]
pub struct Fingerprint(u64);

impl Hasher for Fingerprint {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(b));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }
    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

impl Fingerprint {
    fn add(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
    }
}

pub type BuildFingerprint = BuildHasherDefault<Fingerprint>;

pub fn fingerprint<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = Fingerprint::default();
    value.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_bit_changes_the_fingerprint() {
        let base = fingerprint(&[0u64; 4]);
        for word in 0..4 {
            for bit in 0..64 {
                let mut v = [0u64; 4];
                v[word] = 1 << bit;
                assert_ne!(fingerprint(&v), base, "word {word} bit {bit}");
            }
        }
        assert_eq!(fingerprint("same"), fingerprint("same"), "no random seed");
    }
}
