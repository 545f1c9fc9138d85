//! The snapshot's `strings` section as one arena.
//!
//! V8 writes every name once into `strings` and refers to it by index from node names and
//! edge names. A million strings stored as `Vec<String>` would be a million allocations;
//! here they are one `Vec<u8>` of UTF-8 and one `Vec<u32>` of end offsets (4 bytes a string
//! plus the text).

use super::column::{Column, Text};

/// An index into [`StringTable`].
pub type StringIdx = u32;

/// All strings of a snapshot, back to back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StringTable {
    /// Owned while a snapshot is read; a view into the mapped file when reopened from the index.
    bytes: Text,
    /// `ends[i]` is the end of string `i` in `bytes`; its start is `ends[i - 1]` (or 0).
    ends: Column<u32>,
}

/// The arena would pass 4 GiB of text: offsets are `u32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArenaFull;

impl StringTable {
    pub fn new() -> StringTable {
        StringTable::default()
    }

    /// Appends a string and returns its index.
    pub fn push(&mut self, s: &str) -> Result<StringIdx, ArenaFull> {
        let (idx, end) = next_string(self.bytes.len(), self.ends.len(), s)?;
        self.bytes.push_str(s);
        self.ends.push(end);
        Ok(idx)
    }

    /// The string at `idx`, or `""` when out of range (the reader validates every index it
    /// stores, so this only happens for indexes that did not come from the snapshot).
    pub fn get(&self, idx: StringIdx) -> &str {
        let i = idx as usize;
        let Some(&end) = self.ends.get(i) else {
            return "";
        };
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.bytes.get(start..end as usize).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// A table from text and end offsets built by [`StringTableBuilder`], which checked them.
    fn from_vecs(bytes: String, ends: Vec<u32>) -> StringTable {
        StringTable { bytes: Text::from(bytes), ends: Column::from(ends) }
    }

    /// The indexes of every string equal to `s` (V8 deduplicates strings, but a file need not).
    /// Lengths are compared first, from the offsets
    /// alone: the text of other strings is not read (after spilling, not even paged in).
    pub fn indexes_of(&self, s: &str) -> Vec<StringIdx> {
        let mut start = 0usize;
        let mut out = Vec::new();
        for (i, &end) in self.ends.iter().enumerate() {
            let end = end as usize;
            if end.wrapping_sub(start) == s.len() && self.bytes.get(start..end) == Some(s) {
                out.push(i as StringIdx);
            }
            start = end;
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes held (text plus offsets), for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        self.bytes.heap_bytes() + self.ends.heap_bytes()
    }

    /// The text moved out of the heap into a file ([`Text::spilled`]); the offsets (4 bytes a
    /// string) stay.
    pub fn spill_text(&mut self, dir: Option<&std::path::Path>) {
        self.bytes = std::mem::take(&mut self.bytes).spilled(dir);
    }

    /// See [`Text::release_resident_pages`].
    pub fn release_text_pages(&self) {
        self.bytes.release_resident_pages();
    }

    /// The index of the first string equal to `s`, by a linear scan. For the few lookups of
    /// fixed names (`"map"`, `"native_context"`), not for hot loops.
    pub fn position(&self, s: &str) -> Option<StringIdx> {
        (0..self.ends.len()).find(|&i| self.get(i as u32) == s).map(|i| i as u32)
    }

    /// The arena as stored: the text and the end offsets (for the persisted index).
    pub fn parts(&self) -> (&str, &[u32]) {
        (&self.bytes, &self.ends)
    }

    /// An arena from [`StringTable::parts`], if the offsets are ascending, end within the text
    /// and fall on character boundaries; `None` otherwise (a corrupt index, never a panic).
    pub fn from_parts(bytes: Text, ends: Column<u32>) -> Option<StringTable> {
        let mut start = 0usize;
        for &end in &ends {
            let end = end as usize;
            if end < start || !bytes.is_char_boundary(end) {
                return None;
            }
            start = end;
        }
        Some(StringTable { bytes, ends })
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len()).map(move |i| self.get(i as u32))
    }
}

/// The index and end offset of `s` appended to an arena of `text_len` bytes and `count` strings,
/// or [`ArenaFull`] when either passes `u32`.
#[inline]
fn next_string(text_len: usize, count: usize, s: &str) -> Result<(StringIdx, u32), ArenaFull> {
    let end = text_len.checked_add(s.len()).ok_or(ArenaFull)?;
    let end = u32::try_from(end).map_err(|_| ArenaFull)?;
    let idx = u32::try_from(count).map_err(|_| ArenaFull)?;
    Ok((idx, end))
}

/// Builds a [`StringTable`] one string at a time in plain vectors (the reader pushes a string
/// per 40 ns or so; a [`Column`] would be taken apart and put back at each push).
#[derive(Default)]
pub struct StringTableBuilder {
    bytes: String,
    ends: Vec<u32>,
}

impl StringTableBuilder {
    /// A builder whose text is expected to take about `text_bytes` (only a capacity: never more
    /// than the input holds, so a hostile size cannot reserve what the file does not have).
    pub fn with_text_capacity(text_bytes: usize) -> StringTableBuilder {
        StringTableBuilder { bytes: String::with_capacity(text_bytes), ends: Vec::new() }
    }

    /// Appends a string and returns its index, as [`StringTable::push`].
    #[inline]
    pub fn push(&mut self, s: &str) -> Result<StringIdx, ArenaFull> {
        let (idx, end) = next_string(self.bytes.len(), self.ends.len(), s)?;
        self.bytes.push_str(s);
        self.ends.push(end);
        Ok(idx)
    }

    /// The table, its spare capacity released.
    pub fn finish(mut self) -> StringTable {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
        StringTable::from_vecs(self.bytes, self.ends)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_equal_string_is_found() {
        let mut t = StringTable::new();
        for s in ["Object", "Objects", "", "Object", "Objekt", "O"] {
            t.push(s).unwrap();
        }
        assert_eq!(t.indexes_of("Object"), vec![0, 3]);
        assert_eq!(t.indexes_of(""), vec![2]);
        assert_eq!(t.indexes_of("nothing"), Vec::<StringIdx>::new());
    }

    #[test]
    fn strings_come_back_by_index() {
        let mut t = StringTable::new();
        assert_eq!(t.push("").unwrap(), 0);
        assert_eq!(t.push("global").unwrap(), 1);
        assert_eq!(t.push("ünïcødé ✓").unwrap(), 2);
        assert_eq!(t.get(0), "");
        assert_eq!(t.get(1), "global");
        assert_eq!(t.get(2), "ünïcødé ✓");
        assert_eq!(t.get(3), "");
        assert_eq!(t.position("global"), Some(1));
        assert_eq!(t.len(), 3);
    }
}
