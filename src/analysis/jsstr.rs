//! JavaScript string semantics that DevTools' numbers depend on.
//!
//! DevTools runs in JavaScript, where a string's `length` counts UTF-16 code units and `<`
//! compares code units. Rust's `str` counts bytes and compares UTF-8 bytes, which differs for
//! non-ASCII text: lengths decide where interface and object names are cut, and ordering decides
//! sort orders and interface matching. These helpers give the JavaScript answers.

use std::cmp::Ordering;

/// `s.length` in JavaScript: UTF-16 code units.
pub fn utf16_len(s: &str) -> usize {
    if s.is_ascii() { s.len() } else { s.chars().map(char::len_utf16).sum() }
}

/// `a < b` / `a > b` in JavaScript: code-unit order. Equal to byte order except when a
/// character above U+FFFF meets one in U+E000..=U+FFFF.
pub fn cmp_utf16(a: &str, b: &str) -> Ordering {
    if a.is_ascii() || b.is_ascii() {
        // A difference at an ASCII position orders the same in both encodings; a supplementary
        // character against an ASCII one too (both encodings put it above).
        return a.as_bytes().cmp(b.as_bytes());
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// `JSHeapSnapshotNode.formatPropertyName` (HeapSnapshot.ts): names with `,'"{}` are shown as
/// JSON string literals, others as they are.
pub fn format_property_name(name: &str) -> std::borrow::Cow<'_, str> {
    if !name.bytes().any(|b| matches!(b, b',' | b'\'' | b'"' | b'{' | b'}')) {
        return std::borrow::Cow::Borrowed(name);
    }
    std::borrow::Cow::Owned(json_stringify(name))
}

/// `JSON.stringify(s)` for a string: escapes `"`, `\` and control characters (the escaping V8
/// also uses in snapshots, so the writer's function serves).
pub fn json_stringify(s: &str) -> String {
    crate::snapshot::writer::json_string(s)
}

/// `parseInt(s, 10)` in JavaScript, as an `f64` (`NaN` when no digits lead).
pub fn parse_int(s: &str) -> f64 {
    let t = s.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let (sign, digits) = match t.as_bytes().first() {
        Some(b'-') => (-1.0, &t[1..]),
        Some(b'+') => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    let run = &digits[..digits.bytes().take_while(u8::is_ascii_digit).count()];
    if run.is_empty() {
        return f64::NAN;
    }
    sign * run.parse::<f64>().unwrap_or(f64::NAN)
}

/// Appends the first `max_units` UTF-16 code units of `s` (never splitting a character).
pub fn push_truncated(out: &mut String, s: &str, max_units: usize) -> usize {
    let mut used = 0;
    for c in s.chars() {
        let n = c.len_utf16();
        if used + n > max_units {
            break;
        }
        out.push(c);
        used += n;
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_order_follow_utf16() {
        assert_eq!(utf16_len("abc"), 3);
        assert_eq!(utf16_len("é"), 1);
        assert_eq!(utf16_len("😀"), 2);
        // U+1F600 is a surrogate pair starting 0xD83D, below U+FF5E.
        assert_eq!(cmp_utf16("😀", "～"), Ordering::Less);
        assert_eq!("😀".cmp("～"), Ordering::Greater);
        assert_eq!(cmp_utf16("a", "b"), Ordering::Less);
        assert_eq!(cmp_utf16("ab", "a"), Ordering::Greater);
    }

    #[test]
    fn property_names_are_quoted_like_json_stringify() {
        assert_eq!(format_property_name("username"), "username");
        assert_eq!(format_property_name("a,b"), "\"a,b\"");
        assert_eq!(format_property_name("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
        assert_eq!(format_property_name("{x}"), "\"{x}\"");
    }

    #[test]
    fn parse_int_matches_javascript() {
        assert_eq!(parse_int("12"), 12.0);
        assert_eq!(parse_int(" 7x"), 7.0);
        assert_eq!(parse_int("-3"), -3.0);
        assert!(parse_int("x1").is_nan());
        assert!(parse_int("").is_nan());
    }
}
