//! `heapscope paths FILE CLASS [--base BASE_FILE] [--depth N] [--json] [--time]`: the merged
//! shortest paths to the roots of a class's objects ([`crate::analysis::merged_paths`]); with
//! `--base`, of the class's new objects since BASE_FILE (the Comparison's `# New`).
//!
//! The text is one line per branch, indented two spaces a level, children most objects first:
//! `100,000  user_1_1, … (100,000 names) :: Object  shallow 3.2MB, retained 9.6MB`.
//!
//! `--json` is one document:
//!
//! ```text
//! {"file", "base" (with --base), "class", "objects",
//!  "tree": {"count", "ends", "shallow_size", "retained_size",
//!           "children": [{"edge", "edge_names" (a dictionary's keys: how many), "retainer_class",
//!                         "count", "ends", "shallow_size", "retained_size", "children": [...]}]}}
//! ```
//!
//! A branch has `"children"` when the depth allows one more level. `--time` prints on standard
//! error how long loading and the merge took (the merge alone is the figure issue 13 bounds).

use std::io::{self, Write};
use std::time::Instant;

use serde_json::{Map, Value, json};

use super::table::cut;
use crate::analysis::Analysis;
use crate::analysis::format::{bytes, count};
use crate::analysis::merged_paths::{self, EdgeLabel, MergedPaths};
use crate::analysis::paths::RetainersView;

/// Levels of branches printed when `--depth` is not given.
pub const DEFAULT_DEPTH: usize = 12;

#[derive(clap::Args)]
pub struct PathsArgs {
    pub file: std::path::PathBuf,
    /// The class (its name as the Summary shows it, e.g. '{username}' or Array).
    pub class: String,
    /// Only the class's objects that are new since this snapshot (the Comparison's # New).
    #[arg(long)]
    pub base: Option<std::path::PathBuf>,
    /// Levels of branches below the objects.
    #[arg(long, default_value_t = DEFAULT_DEPTH)]
    pub depth: usize,
    #[arg(long)]
    pub json: bool,
    /// Print the load and merge times on standard error.
    #[arg(long)]
    pub time: bool,
}

fn branch_json(a: &Analysis, m: &MergedPaths, b: u32) -> Map<String, Value> {
    let i = b as usize;
    let mut o = Map::new();
    if b != 0 {
        let edge = match m.label[i] {
            EdgeLabel::Index => "[]".to_string(),
            _ => a.snapshot.edge_name(m.edge[i]).into_owned(),
        };
        o.insert("edge".into(), json!(edge));
        if let EdgeLabel::Names(n) = m.label[i] {
            o.insert("edge_names".into(), json!(n));
        }
        o.insert("retainer_class".into(), json!(m.class_name(a, b)));
    }
    o.insert("count".into(), json!(m.count[i]));
    o.insert("ends".into(), json!(m.ends[i]));
    o.insert("shallow_size".into(), json!(m.shallow_size[i]));
    o.insert("retained_size".into(), json!(m.retained_size[i]));
    o
}

fn tree_json(a: &Analysis, m: &MergedPaths, b: u32, depth: usize) -> Value {
    let mut o = branch_json(a, m, b);
    if depth > 0 {
        let kids: Vec<Value> = m.children(b).iter().map(|&c| tree_json(a, m, c, depth - 1)).collect();
        o.insert("children".into(), Value::Array(kids));
    }
    Value::Object(o)
}

/// The text lines.
pub fn text(out: &mut dyn Write, a: &Analysis, m: &MergedPaths, class: &str, depth: usize) -> io::Result<()> {
    for (level, b) in merged_paths::tree_order(m, depth) {
        let i = b as usize;
        let label = if b == 0 { class.to_string() } else { m.branch_text(a, b, class) };
        let more = if level == depth && !m.children(b).is_empty() {
            format!("  [{} branches]", m.children(b).len())
        } else {
            String::new()
        };
        writeln!(
            out,
            "{}{}  {}  shallow {}, retained {}{}",
            "  ".repeat(level),
            count(u64::from(m.count[i])),
            cut(&label, 100),
            bytes(m.shallow_size[i] as f64),
            bytes(m.retained_size[i] as f64),
            more
        )?;
    }
    Ok(())
}

pub fn run(args: PathsArgs, progress: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let (base, a) = match &args.base {
        Some(base) => {
            let (b, a) = super::load::load_pair(base, &args.file, progress)?;
            (Some(b), a)
        }
        None => (None, super::load(&args.file, progress)?),
    };
    let loaded = started.elapsed();
    let started = Instant::now();
    let objects = match &base {
        Some(b) => merged_paths::new_objects(&crate::analysis::diff::compare(b, &a), &args.class),
        None => merged_paths::class_objects(&a, &args.class),
    };
    if objects.is_empty() && !a.aggregates.rows.iter().any(|r| r.name == args.class) {
        return Err(super::InputError(format!(
            "no class named {:?} in {}",
            args.class,
            super::load::shown(&args.file)
        ))
        .into());
    }
    let selected = started.elapsed();
    let started = Instant::now();
    let cpu_before = thread_cpu_seconds();
    let m = merged_paths::merge(&a, &RetainersView::new(), &objects);
    let merged = started.elapsed();
    let merge_cpu = thread_cpu_seconds().zip(cpu_before).map(|(after, before)| after - before);
    if args.time {
        eprintln!(
            "load {:.3} s, select {} objects {:.3} s, merge {:.3} s (this thread's CPU {}) ({} branches)",
            loaded.as_secs_f64(),
            objects.len(),
            selected.as_secs_f64(),
            merged.as_secs_f64(),
            merge_cpu.map_or("unknown".to_string(), |c| format!("{c:.2} s")),
            m.len()
        );
    }
    if args.json {
        let mut doc = Map::new();
        doc.insert("file".into(), json!(super::file_name(&args.file)));
        if let Some(b) = &args.base {
            doc.insert("base".into(), json!(super::file_name(b)));
        }
        doc.insert("class".into(), json!(args.class));
        doc.insert("objects".into(), json!(objects.len()));
        doc.insert("tree".into(), tree_json(&a, &m, 0, args.depth));
        super::print(&format!("{}\n", Value::Object(doc)))?;
    } else {
        super::print_with(|out| text(out, &a, &m, &args.class, args.depth))?;
    }
    if let (Some(b), Some(path)) = (&base, &args.base) {
        super::load::write_index(path, b);
    }
    super::load::write_index(&args.file, &a);
    Ok(())
}

/// This thread's user + system CPU time (Linux's `/proc/thread-self/stat`, fields 14 and 15, in
/// clock ticks of 1/100 s — `sysconf(_SC_CLK_TCK)` is 100 on Linux): on a shared machine the wall
/// time of `--time` also counts the moments the core ran someone else.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}
