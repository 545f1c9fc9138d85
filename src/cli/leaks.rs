//! `heapscope leaks S1 S2 [S3 …]`: the leak report ([`crate::analysis::leaks`]) as text, JSON or
//! one self-contained HTML file, with an exit status CI can fail on.
//!
//! Snapshots are loaded one at a time: each earlier one is reduced to its compact series and
//! dropped before the next is read, so the peak is one snapshot's analysis plus 12 bytes a node
//! of each earlier one.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::load::load_with;
use super::{InputError, file_name};
use crate::analysis::format::{bytes, count, signed_bytes};
use crate::analysis::leaks::{LeakReport, LeakSession, Suspect};
use crate::analysis::{Analysis, RetainedSizes};

/// Exit status 3: a suspect grew more than `--fail-above`.
#[derive(Debug, thiserror::Error)]
#[error("{holder} grew by {growth} bytes, more than --fail-above {limit} bytes")]
pub struct LeakAboveLimit {
    pub holder: String,
    pub growth: i64,
    pub limit: u64,
}

#[derive(clap::Args)]
pub struct LeaksArgs {
    /// Two or more snapshots of one process, oldest first (.heapsnapshot or .heapsnapshot.gz).
    #[arg(required = true, num_args = 2..)]
    pub files: Vec<PathBuf>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
    /// Suspects to print.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Also write a self-contained HTML report (charts and paths) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Exit with status 3 when a suspect grew by more than SIZE (bytes, or 512kB, 10MB, 1GiB).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub fail_above: Option<u64>,
}

/// `10MB`, `512kB`, `1GiB`, `2048`: decimal units are powers of 1000, binary ones of 1024
/// (as DevTools prints sizes in kB of 1000 bytes).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().map_err(|_| format!("{text:?} is not a size (expected e.g. 2048, 512kB, 10MB)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(format!("{text:?}: unknown unit {unit:?} (use B, kB, MB, GB, KiB, MiB or GiB)")),
    };
    Ok((value * mult).round() as u64)
}

/// Loads the snapshots one at a time and builds the report.
pub fn build(files: &[PathBuf], progress: bool) -> anyhow::Result<(LeakReport, crate::analysis::Analysis)> {
    let Some((last, rest)) = files.split_last() else {
        return Err(InputError("a leak report needs at least two snapshots".into()).into());
    };
    if rest.is_empty() {
        return Err(InputError(format!(
            "a leak report needs at least two snapshots of one process (got only {})",
            last.display()
        ))
        .into());
    }
    let trace = std::env::var_os("HEAPSCOPE_TRACE").is_some();
    let start = std::time::Instant::now();
    let mark = |what: &str| {
        if trace {
            eprintln!(
                "[leaks] {what} at {:.3}s, peak {} MB",
                start.elapsed().as_secs_f64(),
                crate::bench::peak_rss_bytes() >> 20
            );
        }
    };
    let mut session = LeakSession::new();
    // The series of each earlier snapshot is made while the next file is read (then that
    // snapshot is dropped, before the next one's passes raise the peak).
    let mut previous: Option<(RetainedSizes, String)> = None;
    let mut series_of = |previous: Option<(RetainedSizes, String)>| -> anyhow::Result<()> {
        if let Some((a, name)) = previous {
            session.push_owned(a, &name);
            mark("series kept");
        }
        Ok(())
    };
    for f in rest {
        // Only what the series reads: distances, class names and Summary rows are for the last.
        let earlier = previous.take();
        let a = load_with(f, progress, RetainedSizes::run, || series_of(earlier))?;
        mark("loaded");
        previous = Some((a, file_name(f)));
    }
    let a = load_with(last, progress, Analysis::run, || series_of(previous))?;
    mark("last loaded");
    // Only for snapshots of separate profiler sessions: each earlier file is read again, one at
    // a time, to follow its objects by their paths.
    let mut again = |k: usize, visit: &mut dyn FnMut(&crate::snapshot::HeapSnapshot)| {
        let snapshot = crate::snapshot::read_file(&rest[k], &crate::progress::NoProgress).map_err(|e| e.to_string())?;
        visit(&snapshot);
        Ok(())
    };
    let report = session.finish(&a, &file_name(last), &mut again).map_err(|e| InputError(e.to_string()))?;
    mark("report");
    Ok((report, a))
}

pub fn run(args: LeaksArgs, progress: bool) -> anyhow::Result<()> {
    let (report, _last) = build(&args.files, progress)?;
    if let Some(html_path) = &args.html {
        std::fs::write(html_path, html(&report, args.top))
            .map_err(|e| InputError(format!("cannot write {}: {e}", html_path.display())))?;
    }
    if args.json {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer(&mut out, &JsonReport { report: &report, top: args.top })?;
        out.write_all(b"\n")?;
        out.flush()?;
    } else {
        super::print(&text(&report, args.top))?;
    }
    if let Some(limit) = args.fail_above
        && let Some(s) = report.suspects.iter().find(|s| s.growth > 0 && s.growth as u64 > limit)
    {
        return Err(LeakAboveLimit { holder: holder_label(s), growth: s.growth, limit }.into());
    }
    Ok(())
}

fn holder_label(s: &Suspect) -> String {
    // A dictionary's DevTools name lists its keys: the class is shorter and as telling.
    let name = if s.name.is_empty() || s.name.chars().count() > 40 { s.class_name.as_str() } else { s.name.as_str() };
    match s.named_edge() {
        None => format!("{name} @{}", s.holder_id),
        Some(edge) => format!("{edge} ({name} @{})", s.holder_id),
    }
}

// ---- JSON: the issue's keys, streamed by serde (no Value tree) ----

struct JsonReport<'a> {
    report: &'a LeakReport,
    top: usize,
}

#[derive(Serialize)]
struct JsonSnapshot<'a> {
    file: &'a str,
    node_count: usize,
    total_size: u64,
}

#[derive(Serialize)]
struct JsonHolder<'a> {
    id: u32,
    name: &'a str,
    class_name: &'a str,
    edge: &'a str,
}

#[derive(Serialize)]
struct JsonClass<'a> {
    name: &'a str,
    added: u64,
    size: u64,
}

#[derive(Serialize)]
struct JsonLocation {
    script_id: u32,
    line: u32,
    column: u32,
}

#[derive(Serialize)]
struct JsonSuspect<'a> {
    holder: JsonHolder<'a>,
    path: &'a [String],
    retained_size: &'a [Option<u64>],
    growth: i64,
    steps: Vec<i64>,
    added: u64,
    added_size: u64,
    top_classes: Vec<JsonClass<'a>>,
    kind: &'static str,
    location: Option<JsonLocation>,
    /// What of the holder grows ([`Suspect::within`]).
    within: &'a [String],
}

impl Serialize for JsonReport<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let r = self.report;
        let mut m = ser.serialize_map(None)?;
        m.serialize_entry("tool", "heapscope")?;
        m.serialize_entry("command", "leaks")?;
        let snaps: Vec<JsonSnapshot> = r
            .snapshots
            .iter()
            .map(|s| JsonSnapshot { file: &s.file, node_count: s.node_count, total_size: s.total_size })
            .collect();
        m.serialize_entry("snapshots", &snaps)?;
        m.serialize_entry("threshold", &r.threshold)?;
        m.serialize_entry("needs_third_snapshot", &r.needs_third_snapshot())?;
        m.serialize_entry("matched_by_path", &r.matched_by_path)?;
        let suspects: Vec<JsonSuspect> = r
            .suspects
            .iter()
            .take(self.top)
            .map(|s| JsonSuspect {
                holder: JsonHolder { id: s.holder_id, name: &s.name, class_name: &s.class_name, edge: &s.edge },
                path: &s.path,
                retained_size: &s.retained_size,
                growth: s.growth,
                steps: s.steps.clone(),
                added: s.added,
                added_size: s.added_size,
                top_classes: s
                    .top_classes
                    .iter()
                    .map(|c| JsonClass { name: &c.name, added: c.added, size: c.size })
                    .collect(),
                kind: s.kind.as_str(),
                location: s.location.map(|l| JsonLocation { script_id: l.script_id, line: l.line, column: l.column }),
                within: &s.within,
            })
            .collect();
        m.serialize_entry("suspects", &suspects)?;
        m.end()
    }
}

// ---- Text ----

fn path_text(s: &Suspect) -> String {
    if s.path.is_empty() { "(no retainer path)".to_string() } else { s.path.join(" ← ") }
}

fn series_text(s: &Suspect) -> String {
    s.retained_size.iter().map(|r| r.map_or("—".to_string(), |b| bytes(b as f64))).collect::<Vec<_>>().join(" → ")
}

pub fn text(r: &LeakReport, top: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Leak report over {} snapshots: {}",
        r.snapshots.len(),
        r.snapshots
            .iter()
            .map(|s| format!("{} ({})", s.file, bytes(s.total_size as f64)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(note) = r.identity_note() {
        let _ = writeln!(out, "{note}");
    }
    if r.needs_third_snapshot() {
        let _ = writeln!(
            out,
            "Only two snapshots: growth that happened once cannot be told from a leak; a third snapshot after the same workload would."
        );
    }
    if r.suspects.is_empty() {
        let _ = writeln!(out, "\n{}", r.no_suspects_text());
        return out;
    }
    for (i, s) in r.suspects.iter().take(top).enumerate() {
        let _ =
            writeln!(out, "\n#{} {} — {} holds {}", i + 1, s.kind.as_str(), holder_label(s), signed_bytes(s.growth));
        let _ = writeln!(out, "   class {}, retained {}", s.class_name, series_text(s));
        let steps: Vec<String> = s.steps.iter().map(|&d| signed_bytes(d)).collect();
        let _ = writeln!(out, "   growth per step: {}", steps.join(", "));
        let _ = writeln!(out, "   added {} objects ({})", count(s.added), bytes(s.added_size as f64));
        for c in s.top_classes.iter().take(5) {
            let _ = writeln!(out, "     {} × {} ({})", count(c.added), c.name, bytes(c.size as f64));
        }
        let _ = writeln!(out, "   path: {}", path_text(s));
        if !s.within.is_empty() {
            let _ = writeln!(out, "   grows in: {}", s.within.join(" → "));
        }
        if let Some(l) = s.location {
            let _ = writeln!(out, "   at script {} line {} column {}", l.script_id, l.line + 1, l.column + 1);
        }
    }
    out
}

// ---- HTML ----

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// An inline SVG line chart of the retained size per snapshot.
fn chart(s: &Suspect) -> String {
    let (w, h, pad) = (320.0f64, 110.0f64, 24.0f64);
    let max = s.retained_size.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
    let n = s.retained_size.len().max(2) as f64;
    let x = |i: usize| pad + (w - 2.0 * pad) * i as f64 / (n - 1.0);
    let y = |v: u64| h - pad - (h - 2.0 * pad) * v as f64 / max;
    let mut svg = format!(
        r##"<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img"><line x1="{pad}" y1="{}" x2="{}" y2="{}" stroke="#999"/>"##,
        h - pad,
        w - pad,
        h - pad
    );
    let pts: Vec<String> =
        s.retained_size.iter().enumerate().filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v)))).collect();
    let _ = write!(svg, r##"<polyline fill="none" stroke="#c0392b" stroke-width="2" points="{}"/>"##, pts.join(" "));
    for (i, v) in s.retained_size.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{}" font-size="10" text-anchor="middle">S{}</text>"##,
            x(i),
            h - 8.0,
            i + 1
        );
        if let Some(v) = v {
            let _ = write!(
                svg,
                r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="#c0392b"><title>{}</title></circle><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"##,
                x(i),
                y(*v),
                esc(&bytes(*v as f64)),
                x(i),
                y(*v) - 6.0,
                esc(&bytes(*v as f64))
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

pub fn html(r: &LeakReport, top: usize) -> String {
    let mut o = String::new();
    o.push_str("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Heapscope leak report</title><style>");
    o.push_str("body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}h2{margin-top:1.5em}.s{border:1px solid #ddd;border-radius:6px;padding:1em;margin:1em 0}code{background:#f4f4f4;padding:0 .2em}table{border-collapse:collapse}td,th{padding:.15em .6em;text-align:right}td:first-child,th:first-child{text-align:left}.muted{color:#666}");
    o.push_str("</style></head><body><h1>Heapscope leak report</h1><p>");
    for (i, s) in r.snapshots.iter().enumerate() {
        let _ = write!(
            o,
            "S{}: <code>{}</code> ({} objects, {})<br>",
            i + 1,
            esc(&s.file),
            count(s.node_count as u64),
            esc(&bytes(s.total_size as f64))
        );
    }
    o.push_str("</p>");
    if let Some(note) = r.identity_note() {
        let _ = write!(o, "<p class=\"muted\">{}</p>", esc(&note));
    }
    if r.needs_third_snapshot() {
        o.push_str("<p class=\"muted\">Only two snapshots: growth that happened once cannot be told from a leak; a third snapshot after the same workload would.</p>");
    }
    if r.suspects.is_empty() {
        let _ = write!(o, "<p><b>{}</b></p>", esc(&r.no_suspects_text()));
    }
    for (i, s) in r.suspects.iter().take(top).enumerate() {
        let _ = write!(
            o,
            "<div class=\"s\"><h2>#{} <code>{}</code> — {} grew {}</h2>{}<p>Class <code>{}</code> @{}; retained {}; added {} objects ({}).</p>",
            i + 1,
            esc(s.named_edge().unwrap_or(&s.class_name)),
            s.kind.as_str(),
            esc(&signed_bytes(s.growth)),
            chart(s),
            esc(&s.class_name),
            s.holder_id,
            esc(&series_text(s)),
            esc(&count(s.added)),
            esc(&bytes(s.added_size as f64))
        );
        o.push_str("<table><tr><th>Added class</th><th>Objects</th><th>Size</th></tr>");
        for c in s.top_classes.iter().take(8) {
            let _ = write!(
                o,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&c.name),
                esc(&count(c.added)),
                esc(&bytes(c.size as f64))
            );
        }
        let _ = write!(o, "</table><p>Retainer path: <code>{}</code></p>", esc(&path_text(s)));
        if !s.within.is_empty() {
            let _ = write!(o, "<p>Grows in: <code>{}</code></p>", esc(&s.within.join(" → ")));
        }
        o.push_str("</div>");
    }
    o.push_str("<p class=\"muted\">Made by heapscope leaks.</p></body></html>\n");
    o
}

/// For tests: the report's HTML for files on disk.
pub fn html_for(files: &[&Path]) -> anyhow::Result<String> {
    let files: Vec<PathBuf> = files.iter().map(|p| p.to_path_buf()).collect();
    Ok(html(&build(&files, false)?.0, usize::MAX))
}
