//! Hash maps keyed by small integers (node, string, class and branch indexes).
//!
//! The standard library's SipHash resists hash flooding, which keys that are indexes into the
//! snapshot's own columns do not need, and its cost per key was most of the passes that look up
//! one key per node or per state (class names, merged paths). This is FxHash's multiply-rotate,
//! rustc's own hasher (`rustc-hash`), in a few lines rather than a dependency.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash: per word, rotate, xor the word in, multiply.
#[derive(Default, Clone, Copy)]
pub struct IntHasher(u64);

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    /// Eight bytes a word, as rustc's FxHasher (slices of integers, such as a property list,
    /// come here whole).
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            self.write_u64(u64::from_le_bytes(w.try_into().unwrap_or_default()));
        }
        for &b in words.remainder() {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
}

/// A `HashMap` with [`IntHasher`].
pub type IntMap<K, V> = HashMap<K, V, BuildHasherDefault<IntHasher>>;
