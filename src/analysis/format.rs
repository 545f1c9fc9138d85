//! Numbers as DevTools prints them (en-US).
//!
//! * [`distance_ui`]: `HeapSnapshotGridNode.toUIDistance` (HeapSnapshotGridNodes.ts:239): `−`
//!   (U+2212) for unreachable and system distances.
//! * [`kb`]: `formatBytesToKb` (core/i18n/ByteUtilities.ts): kB with 1000-based units, one
//!   decimal below 100 kB, grouped thousands (`12,770kB`).
//! * [`bytes`]: `bytesToString`: B, kB or MB (`33.8MB`).
//! * [`percent`]: `toPercentString`: `value.toFixed(0) + "\u{a0}%"`.
//!
//! `Intl.NumberFormat` and `toFixed` round the exact decimal value of the double half away from
//! zero; [`fixed`] does the same (Rust's `{:.1}` would round half to even).

use super::distances::BASE_SYSTEM_DISTANCE;
use crate::snapshot::column::SpillShortfall;

pub fn distance_ui(distance: i64) -> String {
    if distance >= 0 && distance < i64::from(BASE_SYSTEM_DISTANCE) { distance.to_string() } else { "\u{2212}".into() }
}

/// `x` with `digits` decimals, rounded half away from zero on its exact binary value.
pub fn fixed(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    // Rust's `{:.N}` rounds the exact binary value correctly too; the two rules differ only on an
    // exact tie (…5 followed by nothing). Far from one, the fast formatter gives the same text;
    // the 90-digit expansion below (20× slower, what a million `--json` rows spent their time
    // on) is kept for values near a tie. The margin dwarfs the error of the scaling product.
    if x >= 0.0 && digits <= 15 {
        let scaled = x * 10f64.powi(digits as i32);
        let frac = scaled - scaled.floor();
        if scaled < 1e15 && (frac - 0.5).abs() > 1e-6 {
            return format!("{x:.digits$}");
        }
    }
    let negative = x < 0.0;
    // 90 places hold the exact expansion of any double at or above 2^-37.
    let exact = format!("{:.90}", x.abs());
    let (int_part, frac_part) = exact.split_once('.').unwrap_or((exact.as_str(), ""));
    let mut digits_vec: Vec<u8> = int_part.bytes().chain(frac_part.bytes().take(digits)).collect();
    let round_up = frac_part.as_bytes().get(digits).is_some_and(|&d| d >= b'5');
    if round_up {
        let mut i = digits_vec.len();
        loop {
            if i == 0 {
                digits_vec.insert(0, b'1');
                break;
            }
            i -= 1;
            if digits_vec[i] == b'9' {
                digits_vec[i] = b'0';
            } else {
                digits_vec[i] += 1;
                break;
            }
        }
    }
    let split = digits_vec.len() - digits;
    let mut out = String::new();
    if negative && digits_vec.iter().any(|&d| d != b'0') {
        out.push('-');
    }
    out.push_str(std::str::from_utf8(&digits_vec[..split]).unwrap_or("0"));
    if digits > 0 {
        out.push('.');
        out.push_str(std::str::from_utf8(&digits_vec[split..]).unwrap_or("0"));
    }
    out
}

/// Inserts en-US thousands separators into a plain decimal number.
pub fn group(number: &str) -> String {
    let (sign, rest) = number.strip_prefix('-').map(|r| ("-", r)).unwrap_or(("", number));
    let (int_part, frac) = rest.split_once('.').map(|(i, f)| (i, Some(f))).unwrap_or((rest, None));
    let mut grouped = String::new();
    for (i, c) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

fn number(x: f64, digits: usize) -> String {
    group(&fixed(x, digits))
}

/// `formatBytesToKb`.
pub fn kb(bytes: f64) -> String {
    let kb = bytes / 1000.0;
    if kb < 100.0 { format!("{}kB", number(kb, 1)) } else { format!("{}kB", number(kb, 0)) }
}

/// `bytesToString`.
pub fn bytes(bytes: f64) -> String {
    if bytes < 1000.0 {
        return format!("{}B", number(bytes, 0));
    }
    let kb = bytes / 1000.0;
    if kb < 100.0 {
        return format!("{}kB", number(kb, 1));
    }
    if kb < 1000.0 {
        return format!("{}kB", number(kb, 0));
    }
    let mb = kb / 1000.0;
    if mb < 100.0 { format!("{}MB", number(mb, 1)) } else { format!("{}MB", number(mb, 0)) }
}

/// What a load says when spill files could not be written ([`SpillShortfall`]): the reason
/// first, so that a status line cut at the window's edge keeps it.
pub fn spill_shortfall(s: &SpillShortfall) -> String {
    format!("{} of columns stayed in memory ({}, spilling to {})", bytes(s.bytes as f64), s.error, s.dir.display())
}

/// `toPercentString`.
pub fn percent(value: f64) -> String {
    format!("{}\u{a0}%", fixed(value, 0))
}

/// A count with en-US grouping (`645,471`).
pub fn count(n: u64) -> String {
    group(&n.to_string())
}

/// A signed count or size with an explicit sign, as the Comparison view shows deltas.
pub fn signed(n: i64) -> String {
    match n {
        0 => "0".into(),
        n if n > 0 => format!("+{}", group(&n.to_string())),
        n => format!("\u{2212}{}", group(&n.unsigned_abs().to_string())),
    }
}

/// A signed byte size (`+9.2MB`, `−88.7kB`).
pub fn signed_bytes(n: i64) -> String {
    match n {
        0 => "0B".into(),
        n if n > 0 => format!("+{}", bytes(n as f64)),
        n => format!("\u{2212}{}", bytes(n.unsigned_abs() as f64)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_devtools_strings_from_the_corpus() {
        assert_eq!(kb(12769904.0), "12,770kB");
        assert_eq!(kb(76104.0), "76.1kB");
        assert_eq!(kb(26800.0), "26.8kB");
        assert_eq!(kb(213560.0), "214kB");
        assert_eq!(bytes(33819159.0), "33.8MB");
        assert_eq!(bytes(999.0), "999B");
        assert_eq!(percent(12769904.0 / 33819159.0 * 100.0), "38\u{a0}%");
        assert_eq!(percent(0.4), "0\u{a0}%");
        assert_eq!(distance_ui(100000003), "\u{2212}");
        assert_eq!(distance_ui(-5), "\u{2212}");
        assert_eq!(distance_ui(3), "3");
    }

    #[test]
    fn rounding_is_half_away_from_zero_on_the_exact_value() {
        // 12.25 is exact in binary: a true tie, rounded up (Rust's {:.1} gives 12.2).
        assert_eq!(fixed(12.25, 1), "12.3");
        // 12.35 is 12.3499999… in binary: rounded down, as JavaScript does.
        assert_eq!(fixed(12.35, 1), "12.3");
        assert_eq!(fixed(0.5, 0), "1");
        assert_eq!(fixed(99.96, 1), "100.0");
        // The fast path (far from a tie) agrees with the exact expansion everywhere it is taken.
        let mut x = 0.000_123_4_f64;
        while x < 1e9 {
            for digits in 0..3 {
                let exact = format!("{:.90}", x);
                let (int_part, frac_part) = exact.split_once('.').unwrap();
                let tail = &frac_part[digits..];
                let at_tie = tail.starts_with('5') && tail[1..].bytes().all(|b| b == b'0');
                if !at_tie {
                    assert_eq!(fixed(x, digits), format!("{x:.digits$}"), "{x} {digits} ({int_part})");
                }
            }
            x = x * 1.37 + 0.013;
        }
        assert_eq!(group("1234567.5"), "1,234,567.5");
        assert_eq!(count(645471), "645,471");
        assert_eq!(signed(-1234), "\u{2212}1,234");
    }
}
