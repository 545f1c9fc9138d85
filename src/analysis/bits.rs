//! A fixed-size bit vector (one bit per node or edge), as DevTools' `BitVector`.

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BitVec {
    words: Vec<u64>,
    len: usize,
}

impl BitVec {
    pub fn new(len: usize) -> BitVec {
        BitVec { words: vec![0; len.div_ceil(64)], len }
    }

    #[inline]
    pub fn get(&self, i: usize) -> bool {
        self.words[i >> 6] >> (i & 63) & 1 != 0
    }

    #[inline]
    pub fn set(&mut self, i: usize) {
        self.words[i >> 6] |= 1 << (i & 63);
    }

    #[inline]
    pub fn clear(&mut self, i: usize) {
        self.words[i >> 6] &= !(1 << (i & 63));
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The set bits' indexes, ascending (a word of zeros costs one test).
    pub fn ones(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(w, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros();
                    rest &= rest - 1;
                    (w as u32) * 64 + bit
                })
            })
        })
    }

    pub fn count_ones(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The words, bit `i` being bit `i % 64` of word `i / 64` (for the persisted index).
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// A vector from [`BitVec::words`]: `None` unless there are exactly `len.div_ceil(64)` words
    /// and no bit at or past `len` is set (so `count_ones` counts only real bits).
    pub fn from_words(words: Vec<u64>, len: usize) -> Option<BitVec> {
        if words.len() != len.div_ceil(64) {
            return None;
        }
        let tail_clean = match (len % 64, words.last()) {
            (0, _) | (_, None) => true,
            (used, Some(&last)) => last >> used == 0,
        };
        tail_clean.then_some(BitVec { words, len })
    }

    pub fn heap_bytes(&self) -> usize {
        self.words.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::BitVec;

    #[test]
    fn set_get_clear() {
        let mut b = BitVec::new(130);
        b.set(0);
        b.set(64);
        b.set(129);
        assert!(b.get(0) && b.get(64) && b.get(129) && !b.get(1));
        assert_eq!(b.count_ones(), 3);
        b.clear(64);
        assert!(!b.get(64));
    }

    #[test]
    fn ones_lists_the_set_bits_in_order() {
        let mut b = BitVec::new(200);
        for i in [199, 0, 63, 64, 65, 127, 128] {
            b.set(i);
        }
        assert_eq!(b.ones().collect::<Vec<_>>(), vec![0, 63, 64, 65, 127, 128, 199]);
        assert_eq!(BitVec::new(100).ones().count(), 0);
    }
}
