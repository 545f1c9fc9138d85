//! `heapscope bench FILE [BASE]`: time to a ready Summary, phase by phase, with peak memory.
//! `heapscope bench --reopen FILE --index-dir DIR`: first open, index write and reopen from the
//! index ([`reopen`]).
//!
//! Prints one JSON document: each phase's wall time, the total, peak RSS (`VmHWM` from
//! `/proc/self/status`, so the whole process including the allocator's slack), the bytes the
//! engine's arrays hold per node and per edge, and time per million edges. With BASE, it also
//! loads the base and times the Comparison. Compare figures against a baseline measured in the
//! same run (`../shared/bench/run_peers.sh`); the machines are shared and noisy.

use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{Value, json};

use crate::analysis::Analysis;
use crate::progress::{Phase, Progress};

/// Records when each phase starts.
struct Timeline {
    start: Instant,
    marks: Mutex<Vec<(Phase, Instant)>>,
}

impl Progress for Timeline {
    fn report(&self, phase: Phase, _fraction: f32) {
        if let Ok(mut marks) = self.marks.lock()
            && marks.last().is_none_or(|(p, _)| *p != phase)
        {
            marks.push((phase, Instant::now()));
        }
    }
}

impl Timeline {
    fn new() -> Timeline {
        Timeline { start: Instant::now(), marks: Mutex::new(Vec::new()) }
    }

    /// Seconds spent in each phase, in order.
    fn phases(&self) -> serde_json::Map<String, Value> {
        let marks = self.marks.lock().map(|m| m.clone()).unwrap_or_default();
        let mut out = serde_json::Map::new();
        for w in marks.windows(2) {
            let secs = w[1].1.duration_since(w[0].1).as_secs_f64();
            let key = format!("{:?}", w[0].0).to_lowercase();
            let prev = out.get(&key).and_then(Value::as_f64).unwrap_or(0.0);
            out.insert(key, json!(round3(prev + secs)));
        }
        out
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

pub use crate::rss::{peak_rss_bytes, rss_bytes};

fn load_timed(path: &Path) -> anyhow::Result<(Analysis, Value)> {
    let timeline = Timeline::new();
    let snapshot = crate::snapshot::read_file(path, &timeline)
        .map_err(|e| anyhow::Error::new(e).context(path.display().to_string()))?;
    let analysis = Analysis::run(snapshot, &timeline)?;
    let total = timeline.start.elapsed().as_secs_f64();
    let file_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let nodes = analysis.node_count() as f64;
    let edges = analysis.snapshot.edge_count() as f64;
    let held = analysis.heap_bytes() as f64;
    let report = json!({
        "file": path.display().to_string(),
        "file_bytes": file_bytes,
        "nodes": analysis.node_count(),
        "edges": analysis.snapshot.edge_count(),
        "phases_s": timeline.phases(),
        "total_s": round3(total),
        "engine_bytes": held as u64,
        "engine_bytes_per_node_plus_edge": round3(held / (nodes + edges).max(1.0)),
        "engine_bytes_per_file_byte": round3(held / (file_bytes as f64).max(1.0)),
        "s_per_million_edges": round3(total / (edges / 1e6).max(1e-9)),
    });
    Ok((analysis, report))
}

pub fn run(file: &Path, base: Option<&Path>) -> anyhow::Result<Value> {
    let (current, report) = load_timed(file)?;
    let mut out = json!({ "tool": "heapscope", "version": env!("CARGO_PKG_VERSION"), "load": report });
    if let Some(base) = base {
        let (base_analysis, base_report) = load_timed(base)?;
        let t = Instant::now();
        let cmp = crate::analysis::diff::compare(&base_analysis, &current);
        out["base_load"] = base_report;
        out["compare_s"] = json!(round3(t.elapsed().as_secs_f64()));
        out["compare_classes"] = json!(cmp.classes.len());
        out["grown_survivors"] = json!(cmp.grown.len());
    }
    let file_bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let peak = peak_rss_bytes();
    out["peak_rss_bytes"] = json!(peak);
    out["peak_rss_per_file_byte"] = json!(round3(peak as f64 / (file_bytes as f64).max(1.0)));
    // A peak measured with columns the spill folder had no room for is not the design's peak.
    if let Some(shortfall) = crate::snapshot::column::take_spill_shortfall() {
        out["spill_shortfall_bytes"] = json!(shortfall.bytes);
        out["spill_shortfall"] = json!(crate::analysis::format::spill_shortfall(&shortfall));
    }
    Ok(out)
}

/// `heapscope bench --reopen FILE --index-dir DIR`: in one run, (1) a first open without an
/// index (parse and analyse, timed to a ready Summary), then writing its index into DIR (timed),
/// and (2) a reopen from that index, timed to a ready Summary. Each runs in its own child process
/// (`bench --step first|reopen`), so each peak RSS (`VmHWM`) is its own and the reopen's resident
/// memory is what a fresh process holds after reopening, as `RssAnon` (heap) and `RssFile` (mapped
/// index pages, which the page cache holds and may drop) apart. Both read through the page cache as it
/// is (warm after the first step, as on a user's second open); DIR is left for the caller to
/// delete.
pub fn reopen(file: &Path, index_dir: &Path) -> anyhow::Result<Value> {
    let exe = std::env::current_exe()?;
    let step = |name: &str| -> anyhow::Result<Value> {
        let out = std::process::Command::new(&exe)
            .args(["bench", "--step", name, "--index-dir"])
            .arg(index_dir)
            .arg(file)
            .env_remove("HEAPSCOPE_NO_INDEX")
            .output()?;
        if !out.status.success() {
            anyhow::bail!("bench step {name} failed: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(serde_json::from_slice(&out.stdout)?)
    };
    let first = step("first")?;
    let reopened = step("reopen")?;
    let file_bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0) as f64;
    let f = |v: &Value, k: &str| v[k].as_f64().unwrap_or(0.0);
    Ok(json!({
        "tool": "heapscope",
        "version": env!("CARGO_PKG_VERSION"),
        "file": file.display().to_string(),
        "file_bytes": file_bytes,
        "first_open": first,
        "reopen": reopened,
        "reopen_speedup": round3(f(&first, "ready_s") / f(&reopened, "ready_s").max(1e-9)),
        "index_bytes_per_file_byte": round3(f(&first, "index_bytes") / file_bytes.max(1.0)),
        "reopen_rss_per_file_byte": round3(f(&reopened, "rss_bytes") / file_bytes.max(1.0)),
        "reopen_rss_anon_per_file_byte": round3(f(&reopened, "rss_anon_bytes") / file_bytes.max(1.0)),
        "reopen_rss_file_per_file_byte": round3(f(&reopened, "rss_file_bytes") / file_bytes.max(1.0)),
        "reopen_peak_rss_per_file_byte": round3(f(&reopened, "peak_rss_bytes") / file_bytes.max(1.0)),
        "first_peak_rss_per_file_byte": round3(f(&first, "peak_rss_bytes") / file_bytes.max(1.0)),
        // `/proc/loadavg` when the run ended: times on a shared machine are read against it.
        "load_average": std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
    }))
}

/// One step of [`reopen`], in this process: `first` (no index: load, then write the index) or
/// `reopen` (read the index written by `first`).
pub fn reopen_step(step: &str, file: &Path, index_dir: &Path) -> anyhow::Result<Value> {
    use crate::index::{IndexOptions, Lookup, Written};
    let options =
        IndexOptions { enabled: true, beside: false, cache_dir: Some(index_dir.to_path_buf()), cache_limit: u64::MAX };
    let start = Instant::now();
    match (step, crate::index::lookup(file, &options)) {
        ("first", Lookup::Miss { pending: Some(pending), .. }) => {
            let analysis = crate::analysis::load_file(file, &crate::progress::NoProgress)?;
            let ready = start.elapsed().as_secs_f64();
            let rss_ready = rss_bytes();
            let t = Instant::now();
            let written = pending.write(&analysis)?;
            let write_s = t.elapsed().as_secs_f64();
            let Written::Index(_, index_bytes) = written else { anyhow::bail!("the snapshot changed while loading") };
            Ok(json!({
                "ready_s": round3(ready),
                "summary_rows": analysis.aggregates.rows.len(),
                "rss_bytes": rss_ready,
                "index_write_s": round3(write_s),
                "index_bytes": index_bytes,
                "peak_rss_bytes": peak_rss_bytes(),
            }))
        }
        ("first", Lookup::Hit(_)) => {
            anyhow::bail!("{} already has an index in {}", file.display(), index_dir.display())
        }
        ("reopen", Lookup::Hit(analysis)) => {
            let ready = start.elapsed().as_secs_f64();
            Ok(json!({
                "ready_s": round3(ready),
                "summary_rows": analysis.aggregates.rows.len(),
                "rss_bytes": rss_bytes(),
                // The reopened columns are views into the mapped index: file-backed pages (page
                // cache the kernel can drop), not heap; the two are reported apart.
                "rss_anon_bytes": crate::rss::rss_anon_bytes(),
                "rss_file_bytes": crate::rss::rss_file_bytes(),
                "heap_bytes": analysis.heap_bytes(),
                "peak_rss_bytes": peak_rss_bytes(),
            }))
        }
        ("reopen", Lookup::Miss { ignored, .. }) => {
            anyhow::bail!("no valid index: {}", ignored.map(|e| e.to_string()).unwrap_or("none written".into()))
        }
        (other, _) => anyhow::bail!("unknown bench step {other:?} (first, reopen)"),
    }
}
