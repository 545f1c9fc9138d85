//! Readable tables for the terminal, with sizes formatted as DevTools formats them.

use std::borrow::Cow;
use std::fmt::Write;

use crate::analysis::diff::Comparison;
use crate::analysis::format::{self, bytes, distance_ui, kb, percent, signed, signed_bytes};
use crate::analysis::jsstr::utf16_len;
use crate::analysis::paths::{self, RetainersView};
use crate::analysis::{Analysis, views};
use crate::snapshot::NodeIdx;

/// Makes text from a snapshot safe to print on a terminal: control characters (C0, DEL, C1)
/// become visible escapes (`\e`, `\n`, `\x07`, `\u{9b}`), so a class or edge name cannot move
/// the cursor, retitle or clear the terminal, or forge output lines. `--json` escapes them
/// already (JSON strings cannot hold raw control characters).
pub fn esc(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x1b' => out.push_str("\\e"),
            c if (c as u32) < 0x80 && c.is_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Cuts `s` to `width` characters with an ellipsis, control characters escaped ([`esc`]).
/// Only the first `width` characters are looked at, so a 100 MB name costs `width`.
pub(super) fn cut(s: &str, width: usize) -> String {
    let head: String = s.chars().take(width + 1).collect();
    let shown = esc(&head);
    if shown.chars().count() <= width {
        return shown.into_owned();
    }
    let mut out: String = shown.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn pad(s: &str, width: usize) -> String {
    let len = s.chars().count();
    if len >= width { s.to_string() } else { format!("{s}{}", " ".repeat(width - len)) }
}

fn rpad(s: &str, width: usize) -> String {
    let len = s.chars().count();
    if len >= width { s.to_string() } else { format!("{}{s}", " ".repeat(width - len)) }
}

pub fn summary(a: &Analysis, file: &str, top: usize) -> String {
    let total = a.total_size() as f64;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} nodes, {} edges, total {}",
        esc(file),
        format::count(a.node_count() as u64),
        format::count(a.snapshot.edge_count() as u64),
        bytes(total)
    );
    let _ = writeln!(
        out,
        "Total: {} objects, {}",
        format::count(a.aggregates.total_count()),
        bytes(a.aggregates.total_self_size() as f64)
    );
    for p in &a.problems {
        let _ = writeln!(out, "warning: {}", esc(p.lines().next().unwrap_or("")));
    }
    let _ = writeln!(
        out,
        "\n{} {} {} {:>10}  {:>5} {} {:>5}",
        pad("Constructor", 44),
        rpad("Count", 9),
        rpad("Distance", 8),
        "Shallow",
        "%",
        rpad("Retained", 10),
        "%"
    );
    let rows = views::sorted_class_rows(&a.aggregates, views::SUMMARY_DEFAULT_SORT);
    for r in rows.iter().take(top).map(|&i| &a.aggregates.rows[i as usize]) {
        let _ = writeln!(
            out,
            "{} {} {} {:>10}  {:>5} {:>10} {:>5}",
            pad(&cut(&r.name, 44), 44),
            rpad(&format::count(u64::from(r.count)), 9),
            rpad(&distance_ui(i64::from(r.distance)), 8),
            kb(r.self_size as f64),
            percent(r.self_size as f64 / total * 100.0),
            kb(r.retained_size as f64),
            percent(r.retained_size as f64 / total * 100.0),
        );
    }
    if rows.len() > top {
        let _ = writeln!(out, "… {} more classes (--top N, or --json for all)", rows.len() - top);
    }
    out
}

pub fn diff(base: &Analysis, a: &Analysis, cmp: &Comparison, top: usize) -> String {
    let mut out = String::new();
    let grown_total = a.total_size() as i64 - base.total_size() as i64;
    let _ = writeln!(
        out,
        "Comparison: total {} → {} ({})",
        bytes(base.total_size() as f64),
        bytes(a.total_size() as f64),
        signed_bytes(grown_total)
    );
    let rows = views::sorted_diff_rows(&cmp.classes, (views::SortKey::SizeDelta, false));
    let _ = writeln!(out, "\nClasses by Size Delta:");
    let _ = writeln!(
        out,
        "{} {} {} {} {} {} {}",
        pad("Constructor", 40),
        rpad("# New", 9),
        rpad("# Deleted", 9),
        rpad("# Delta", 9),
        rpad("Alloc. Size", 11),
        rpad("Freed Size", 11),
        rpad("Size Delta", 11)
    );
    for d in rows.iter().take(top).map(|&i| &cmp.classes[i as usize]) {
        let _ = writeln!(
            out,
            "{} {} {} {} {} {} {}",
            pad(&cut(&d.name, 40), 40),
            rpad(&format::count(u64::from(d.new_count)), 9),
            rpad(&format::count(u64::from(d.deleted_count)), 9),
            rpad(&signed(d.count_delta()), 9),
            rpad(&bytes(d.alloc_size as f64), 11),
            rpad(&bytes(d.freed_size as f64), 11),
            rpad(&signed_bytes(d.size_delta()), 11),
        );
    }
    let size_delta: i64 = cmp.classes.iter().map(|d| d.size_delta()).sum();
    let _ = writeln!(
        out,
        "\nGrown objects ({} in both snapshots, larger now; DevTools' Comparison counts none of this):",
        cmp.matching.pairs_by()
    );
    if cmp.grown.is_empty() {
        let _ = writeln!(out, "  none");
    } else {
        let shown: Vec<_> = cmp.grown.iter().take(top.min(15)).collect();
        for g in shown {
            let name = a.display_name(g.node);
            let _ = writeln!(
                out,
                "  {} @{}  shallow {} → {} ({}), retained {} → {} ({})",
                cut(
                    &format!(
                        "{} {}",
                        cut(a.class_name(g.node), 60),
                        if utf16_len(&name) > 0 { cut(&name, 40) } else { String::new() }
                    ),
                    60
                ),
                g.id,
                bytes(g.self_before as f64),
                bytes(g.self_after as f64),
                signed_bytes(g.self_growth()),
                bytes(g.retained_before as f64),
                bytes(g.retained_after as f64),
                signed_bytes(g.retained_growth()),
            );
        }
        let self_growth: i64 = cmp.grown.iter().map(|g| g.self_growth().max(0)).sum();
        let _ = writeln!(
            out,
            "  Comparison's Size Delta is {}; survivors grew a further {} in shallow size.",
            signed_bytes(size_delta),
            signed_bytes(self_growth)
        );
    }
    out
}

pub fn retainers(a: &Analysis, n: NodeIdx) -> String {
    let view = RetainersView::new();
    let s = &a.snapshot;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} @{} ({}): shallow {}, retained {}, distance {}",
        cut(&a.display_name(n), 80),
        s.node_id(n),
        cut(a.class_name(n), 80),
        bytes(f64::from(a.self_size[n as usize])),
        bytes(a.retained_size[n as usize] as f64),
        distance_ui(i64::from(a.distance[n as usize]))
    );
    let path = paths::shortest_path(a, &view, n);
    let _ = writeln!(out, "\nPath to a root (DevTools' auto-expanded retainers, {}):", path.stop_reason.as_str());
    for (depth, r) in path.edges.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}← {} in {} @{}  (distance {})",
            "  ".repeat(depth + 1),
            cut(&s.edge_name(r.edge), 60),
            cut(&a.display_name(r.node), 60),
            s.node_id(r.node),
            distance_ui(r.distance)
        );
    }
    let rows = paths::retainer_rows(a, &view, n);
    let _ = writeln!(out, "\nRetainers ({}):", rows.len());
    for r in rows.iter().take(50) {
        let _ = writeln!(
            out,
            "  {} :: {} @{}  distance {}, shallow {}, retained {}",
            cut(&s.edge_name(r.edge), 30),
            cut(&a.display_name(r.node), 50),
            s.node_id(r.node),
            distance_ui(r.distance),
            bytes(f64::from(a.self_size[r.node as usize])),
            bytes(a.retained_size[r.node as usize] as f64)
        );
    }
    if rows.len() > 50 {
        let _ = writeln!(out, "  … {} more (--json for all)", rows.len() - 50);
    }
    let chain = paths::dominator_chain(a, n);
    let _ = writeln!(out, "\nDominators ({}):", chain.len());
    for d in chain.iter().take(30) {
        let _ = writeln!(
            out,
            "  {} @{}  retained {}",
            cut(&a.display_name(*d), 60),
            s.node_id(*d),
            bytes(a.retained_size[*d as usize] as f64)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(esc("plain ü €"), "plain ü €");
        assert!(matches!(esc("plain"), Cow::Borrowed(_)));
        assert_eq!(esc("a\x1b[2Jb\x07\r\n\t\x7f\u{9b}c"), "a\\e[2Jb\\x07\\r\\n\\t\\x7f\\u{9b}c");
        // Cutting escapes first, so an escape is never split into raw bytes.
        assert_eq!(cut("\x1b\x1b\x1b\x1b", 5), "\\e\\e…");
        assert_eq!(cut(&"x".repeat(1000), 4), "xxx…");
    }
}
