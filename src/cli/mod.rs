//! The `heapscope` command line: subcommands over the same engine as the GUI.
//!
//! ```text
//! heapscope                              open the analyzer window (the bundled samples if no files)
//! heapscope FILE...                      open the window on these snapshots
//! heapscope summary FILE [--json|--csv]  the Summary view: classes by retained size
//! heapscope diff BASE FILE [--json|--csv] the Comparison view, plus objects that survived and grew
//! heapscope retainers FILE ID [--json]   the Retainers view of one object (@123 or 123)
//! heapscope leaks S1 S2 [S3 ...]        leak suspects across snapshots of one process
//! heapscope dominators FILE [@ID] [--depth N] [--json]
//!                                        the dominator tree under the root (or @ID)
//! heapscope paths FILE CLASS [--base BASE] [--depth N] [--json] [--time]
//!                                        the merged shortest paths of a class's (new) objects
//! heapscope sources FILE [--json]        the heap by npm package and script
//! FILE may be `-` (standard input) or a pipe (`<(zcat x.gz)`): it is read once, as a stream.
//! heapscope bench FILE [BASE]            time every phase, peak memory, bytes per node/edge (JSON)
//! heapscope demo-server [...]            the bundled leaking HTTP server (`demo` feature, default)
//! heapscope capture (--pid P|--inspect H:P|--ws URL) [-o FILE|DIR] [--every S [--count N]] [--at HH:MM]
//!                                        snapshots of a running Node/Chromium process
//! ```
//!
//! Exit status: 0 success, 1 bad input (one line on stderr), 2 usage error (clap's, a malformed
//! node id, or a first argument that is neither a subcommand nor an existing file), 3 `leaks
//! --fail-above` and a suspect grew more than that.

#[cfg(feature = "capture")]
mod capture;
pub mod dominators;
pub mod json;
pub mod leaks;
mod load;
pub mod paths;
pub mod sources;
mod table;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::analysis::export;
use anyhow::Context;
use clap::{Parser, Subcommand};

pub use load::load;

#[derive(Parser)]
#[command(name = "heapscope", version, about = "Analyze V8 heap snapshots: DevTools' numbers, native speed")]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Snapshots to open in the window (.heapsnapshot or .heapsnapshot.gz).
    files: Vec<PathBuf>,
    /// Neither read nor write the index (parse every file; `HEAPSCOPE_NO_INDEX=1` does the same).
    #[arg(long, global = true)]
    no_index: bool,
    /// Keep the index beside the snapshot (FILE.hsindex) instead of in the cache folder.
    #[arg(long, global = true)]
    index_beside: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Classes by retained size, as DevTools' Summary view shows them.
    Summary {
        file: PathBuf,
        /// Print one JSON document (the oracle's key names) instead of a table.
        #[arg(long)]
        json: bool,
        /// Print every class row as CSV (RFC 4180; raw numbers) instead of a table.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// Rows to print in the table.
        #[arg(long, default_value_t = 25)]
        top: usize,
    },
    /// Compare FILE against BASE (DevTools' Comparison view) and list objects that grew.
    Diff {
        base: PathBuf,
        file: PathBuf,
        #[arg(long)]
        json: bool,
        /// Print every Comparison row as CSV (RFC 4180; raw numbers) instead of a table.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        #[arg(long, default_value_t = 25)]
        top: usize,
    },
    /// What keeps an object alive: retainers, the path to a root, the dominator chain.
    Retainers {
        file: PathBuf,
        /// The object's id: @123 or 123.
        #[arg(value_parser = parse_node_id)]
        node_id: u32,
        #[arg(long)]
        json: bool,
    },
    /// Leak suspects across two or more snapshots of one process: who holds the growth.
    Leaks(leaks::LeaksArgs),
    /// The dominator tree under the root (or an object): who retains what, largest first.
    Dominators(dominators::DominatorsArgs),
    /// The shortest paths to the roots of a class's objects, merged into one tree.
    Paths(paths::PathsArgs),
    /// The heap by npm package and script: where memory comes from.
    Sources(sources::SourcesArgs),
    /// Time each loading phase and report memory, as JSON.
    Bench {
        file: PathBuf,
        /// A base snapshot: also time loading it and the Comparison.
        base: Option<PathBuf>,
        /// Time a first open, writing its index, and a reopen from the index (in --index-dir).
        #[arg(long, requires = "index_dir")]
        reopen: bool,
        /// Where `--reopen` writes the index (a folder of its own; delete it afterwards).
        #[arg(long)]
        index_dir: Option<PathBuf>,
        /// One step of `--reopen`, run in a child process.
        #[arg(long, hide = true, requires = "index_dir")]
        step: Option<String>,
    },
    /// One JSON line per node (id, class, sizes, distance, dominator), like the oracle's
    /// `nodes` helper: for checking the engine node by node.
    #[command(hide = true)]
    Nodes { file: PathBuf },
    /// The persisted indexes (`$XDG_CACHE_HOME/heapscope/index`): `heapscope index clean`.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Run the bundled leaking demo server.
    #[cfg(feature = "demo")]
    DemoServer(crate::demo::DemoArgs),
    /// Take heap snapshots of a running Node.js or Chromium process (DevTools protocol).
    #[cfg(feature = "capture")]
    Capture(capture::CaptureArgs),
}

#[derive(Subcommand)]
enum IndexCommand {
    /// Delete every index in the cache folder (indexes beside snapshots stay).
    Clean,
    /// Print the cache folder and what it holds.
    Info,
}

/// A failure the user caused (bad file, unknown id): exit status 1.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    if let Some(word) = mistyped_subcommand(&cli) {
        eprintln!(
            "error: unrecognized subcommand '{word}' (and no such file)\n\nUsage: heapscope [FILES]... | heapscope <COMMAND>\n\nFor more information, try '--help'."
        );
        return ExitCode::from(2);
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A closed pipe (`heapscope summary x | head`) is not an error.
            if err
                .chain()
                .any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe))
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("heapscope: {err:#}");
            if err.downcast_ref::<leaks::LeakAboveLimit>().is_some() {
                return ExitCode::from(3);
            }
            ExitCode::from(1)
        }
    }
}

/// `@123` or `123`: decimal digits only, no sign and no leading zero (`u32::from_str` takes
/// `+3` and `03`, which no tool prints as an id). A bad id is a usage error (exit status 2).
fn parse_node_id(text: &str) -> Result<u32, String> {
    let digits = text.strip_prefix('@').unwrap_or(text);
    let canonical =
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && (digits == "0" || !digits.starts_with('0'));
    canonical
        .then(|| digits.parse::<u32>().ok())
        .flatten()
        .ok_or_else(|| format!("{text:?} is not a node id (expected @123 or 123, at most {})", u32::MAX))
}

/// `heapscope frobnicate`: a first argument that is neither a subcommand nor an existing file
/// and looks like a word, not a path, is a mistyped subcommand, not a snapshot to open (without
/// this, the window opened and showed "no such file"). No arguments, or files, open the window.
fn mistyped_subcommand(cli: &Cli) -> Option<String> {
    if cli.command.is_some() {
        return None;
    }
    let first = cli.files.first()?;
    let word = first.to_str()?;
    let looks_like_word = !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !word.starts_with('-');
    (looks_like_word && !first.exists()).then(|| word.to_string())
}

fn file_name(path: &std::path::Path) -> String {
    if load::is_stdin(path) {
        return "-".into();
    }
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Streams a document to standard output through a buffer (see [`json`]).
fn print_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    write(&mut out)?;
    out.flush()?;
    Ok(())
}

/// Without the window: the tutorial's Comparison of the bundled samples (or a summary/diff of the
/// given files), so `heapscope` alone still shows the leak.
#[cfg(not(feature = "gui"))]
fn headless_default(files: Vec<PathBuf>) -> anyhow::Result<()> {
    let samples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-snapshots");
    let files = if files.is_empty() {
        vec![samples.join("s2.heapsnapshot.gz"), samples.join("s3.heapsnapshot.gz")]
    } else {
        files
    };
    let args: Vec<String> = match files.as_slice() {
        [one] => vec!["heapscope".into(), "summary".into(), one.display().to_string()],
        [.., base, file] => {
            vec!["heapscope".into(), "diff".into(), base.display().to_string(), file.display().to_string()]
        }
        [] => return Ok(()),
    };
    run(Cli::parse_from(args))
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let progress = std::io::stderr().is_terminal();
    let mut index = crate::index::IndexOptions::from_env();
    index.enabled &= !cli.no_index;
    index.beside = cli.index_beside;
    load::set_index_options(index.clone());
    crate::snapshot::column::set_spill_dir(crate::index::default_spill_dir());
    match cli.command {
        #[cfg(feature = "gui")]
        None => crate::ui::run(cli.files),
        #[cfg(not(feature = "gui"))]
        None => headless_default(cli.files),
        Some(Command::Summary { file, json: as_json, csv, top }) => {
            let a = load(&file, progress)?;
            if csv {
                print_with(|out| export::write_csv(out, &export::summary_table(&a)))?;
            } else if as_json {
                print_with(|out| json::summary(out, &a, &file_name(&file)))?;
            } else {
                print(&table::summary(&a, &file_name(&file), top))?;
            }
            load::write_index(&file, &a);
            Ok(())
        }
        Some(Command::Diff { base, file, json: as_json, csv, top }) => {
            let (b, a) = load::load_pair(&base, &file, progress)?;
            let cmp = crate::analysis::diff::compare(&b, &a);
            if let crate::analysis::diff::Matching::Paths { why, paired, objects } = &cmp.matching {
                eprintln!(
                    "heapscope: {} Why the ids do not: {why}.",
                    crate::analysis::diff::paired_by_paths_text(*paired, *objects)
                );
            }
            if csv {
                print_with(|out| export::write_csv(out, &export::diff_table(&cmp)))?;
            } else if as_json {
                print_with(|out| json::diff(out, &b, &a, &cmp, &[&file_name(&base), &file_name(&file)]))?;
            } else {
                print(&table::diff(&b, &a, &cmp, top))?;
            }
            load::write_index(&base, &b);
            load::write_index(&file, &a);
            Ok(())
        }
        Some(Command::Retainers { file, node_id: id, json: as_json }) => {
            let a = load(&file, progress)?;
            let n =
                a.find_node_by_id(id).ok_or_else(|| InputError(format!("no node @{id} in {}", load::shown(&file))))?;
            if as_json {
                print_with(|out| json::retainers(out, &a, n, &file_name(&file)))?;
            } else {
                print(&table::retainers(&a, n))?;
            }
            load::write_index(&file, &a);
            Ok(())
        }
        Some(Command::Leaks(args)) => leaks::run(args, progress),
        Some(Command::Dominators(args)) => dominators::run(args, progress),
        Some(Command::Paths(args)) => paths::run(args, progress),
        Some(Command::Sources(args)) => sources::run(args, progress),
        Some(Command::Bench { file, base, reopen, index_dir, step }) => {
            let report = match (step, index_dir) {
                (Some(step), Some(dir)) => crate::bench::reopen_step(&step, &file, &dir),
                (None, Some(dir)) if reopen => crate::bench::reopen(&file, &dir),
                _ => crate::bench::run(&file, base.as_deref()),
            }
            .with_context(|| format!("benchmarking {}", file.display()))?;
            print(&json::to_string(&report))
        }
        Some(Command::Nodes { file }) => {
            let a = load(&file, progress)?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for n in 0..a.node_count() as u32 {
                let line = serde_json::json!({
                    "id": a.snapshot.node_id(n),
                    "type": a.snapshot.node_type_name(n),
                    "name": a.display_name(n),
                    "class_key": a.class_key(n),
                    "self_size": a.self_size[n as usize],
                    "retained_size": a.retained_size[n as usize],
                    "distance": a.distance[n as usize],
                    "dominator_id": a.snapshot.node_id(a.dominator[n as usize]),
                    "edge_count": a.snapshot.edges(n).len(),
                    "retainer_count": a.retainers.count(n),
                });
                writeln!(out, "{line}")?;
            }
            out.flush()?;
            drop(out);
            load::write_index(&file, &a);
            Ok(())
        }
        Some(Command::Index(IndexCommand::Clean)) => {
            let (files, bytes) = crate::index::clean(&index).context("cleaning the index cache")?;
            let dir = index.cache_dir.as_deref().map(|d| d.display().to_string()).unwrap_or_default();
            print(&format!(
                "removed {files} index files ({}) from {dir}\n",
                crate::analysis::format::bytes(bytes as f64)
            ))
        }
        Some(Command::Index(IndexCommand::Info)) => {
            let dir = index.cache_dir.as_deref().map(|d| d.display().to_string()).unwrap_or("(none)".into());
            let state = if index.enabled { "on" } else { "off" };
            print(&format!(
                "index: {state}\ncache folder: {dir}\nlimit: {}\n",
                crate::analysis::format::bytes(index.cache_limit as f64)
            ))
        }
        #[cfg(feature = "demo")]
        Some(Command::DemoServer(args)) => crate::demo::run(args),
        #[cfg(feature = "capture")]
        Some(Command::Capture(args)) => capture::run(args, progress),
    }
}
