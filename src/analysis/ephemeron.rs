//! WeakMap ephemeron edge names.
//!
//! V8 describes each WeakMap entry's value as retained by two internal edges, one from the table
//! and one from the key, both named like
//! `"12 / part of key (Object @123) -> value (Object @456) pair in WeakMap (table @789)"`.
//! DevTools recognises them with a regular expression (`tryParseWeakMapEdgeName`,
//! HeapSnapshot.ts:2001):
//!
//! ```text
//! ^\d+(?<duplicatedPart> / part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(?<tableId>\d+)\))$
//! ```
//!
//! The distance pass skips the first edge of each pair (keyed by `duplicatedPart`), and the
//! dominator pass ignores the edge *from the table* (the one whose source id is `tableId`).
//! The match is implemented by hand here, with the regex's exact semantics (`.` excludes line
//! terminators), and cached per string index.

use std::collections::HashMap;

use super::bits::BitVec;
use crate::snapshot::{HeapSnapshot, StringIdx};

/// A recognised ephemeron edge name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ephemeron {
    /// Byte offset where `duplicatedPart` starts (right after the leading digits).
    pub duplicated_part_start: usize,
    /// The WeakMap table's node id (`None` if it does not fit in 64 bits: it then matches no
    /// node).
    pub table_id: Option<u64>,
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

fn strip_digits_suffix(s: &str) -> Option<&str> {
    let digits = s.bytes().rev().take_while(u8::is_ascii_digit).count();
    (digits > 0).then(|| &s[..s.len() - digits])
}

/// Matches `name` against DevTools' ephemeron regular expression.
pub fn parse(name: &str) -> Option<Ephemeron> {
    const KEY: &str = " / part of key (";
    const VALUE: &str = ") -> value (";
    const TABLE: &str = ") pair in WeakMap (table @";
    let lead = name.bytes().take_while(u8::is_ascii_digit).count();
    if lead == 0 {
        return None;
    }
    let rest = name[lead..].strip_prefix(KEY)?;
    let rest = rest.strip_suffix(')')?;
    let table_digits = rest.bytes().rev().take_while(u8::is_ascii_digit).count();
    if table_digits == 0 {
        return None;
    }
    let table_id = rest[rest.len() - table_digits..].parse::<u64>().ok();
    let middle = rest[..rest.len() - table_digits].strip_suffix(TABLE)?;
    // middle = X " @" D1 ") -> value (" Y " @" D2, with X and Y free of line terminators.
    let before_value_id = strip_digits_suffix(middle)?.strip_suffix(" @")?;
    let mut search_from = 0;
    while let Some(pos) = before_value_id[search_from..].find(VALUE) {
        let at = search_from + pos;
        let x_part = &before_value_id[..at];
        let y = &before_value_id[at + VALUE.len()..];
        if let Some(x) = strip_digits_suffix(x_part).and_then(|p| p.strip_suffix(" @"))
            && !x.contains(is_line_terminator)
            && !y.contains(is_line_terminator)
        {
            return Some(Ephemeron { duplicated_part_start: lead, table_id });
        }
        search_from = at + 1;
    }
    None
}

/// Every ephemeron name of a snapshot, found in one pass over its strings: a bit per string
/// (cheap to test in the hot loops of the distance and dominator passes) and the parse of each
/// match. Immutable once built, so passes on different threads share it.
#[derive(Default)]
pub struct EphemeronNames {
    is_ephemeron: BitVec,
    parsed: HashMap<StringIdx, Ephemeron>,
}

impl EphemeronNames {
    pub fn new(snapshot: &HeapSnapshot) -> EphemeronNames {
        let strings = snapshot.strings();
        let mut is_ephemeron = BitVec::new(strings.len());
        let mut parsed = HashMap::new();
        for (i, s) in strings.iter().enumerate() {
            if s.as_bytes().first().is_some_and(u8::is_ascii_digit)
                && s.contains(" / part of key (")
                && let Some(e) = parse(s)
            {
                is_ephemeron.set(i);
                parsed.insert(i as StringIdx, e);
            }
        }
        EphemeronNames { is_ephemeron, parsed }
    }

    /// The parse of string `name` if it is an ephemeron edge name.
    #[inline]
    pub fn get(&self, name: StringIdx) -> Option<Ephemeron> {
        if (name as usize) < self.is_ephemeron.len() && self.is_ephemeron.get(name as usize) {
            self.parsed.get(&name).copied()
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_v8_weakmap_entry_names() {
        let s = "3 / part of key (Object @1234) -> value (Array @5678) pair in WeakMap (table @91011)";
        let m = parse(s).unwrap();
        assert_eq!(m.table_id, Some(91011));
        assert_eq!(
            &s[m.duplicated_part_start..],
            " / part of key (Object @1234) -> value (Array @5678) pair in WeakMap (table @91011)"
        );
        // Names with parentheses and '@' inside the class names still match.
        assert!(
            parse("1 / part of key (a (b) @2) -> value (x -> value (y @3) @4) pair in WeakMap (table @5)").is_some()
        );
        // Missing pieces do not.
        assert!(parse(" / part of key (Object @1) -> value (Array @2) pair in WeakMap (table @3)").is_none());
        assert!(parse("3 / part of key (Object @) -> value (Array @2) pair in WeakMap (table @3)").is_none());
        assert!(parse("3 / part of key (Object @1) -> value (Array @2) pair in WeakMap (table @)").is_none());
        assert!(parse("3 / part of key (Ob\nject @1) -> value (Array @2) pair in WeakMap (table @3)").is_none());
        assert!(parse("elements").is_none());
    }
}
