//! Loading for the command line: read + analyse, with a progress line on a terminal.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::InputError;
use crate::analysis::{Analysis, Cancelled, LoadError};
use crate::index::{IndexOptions, Lookup, Pending};
use crate::progress::{NoProgress, Phase, Progress};
use crate::snapshot::HeapSnapshot;

/// Prints `\rReading snapshot 42%` on stderr when the whole percentage changes.
struct TerminalProgress {
    label: String,
    last: Mutex<Option<(Phase, u32)>>,
}

impl Progress for TerminalProgress {
    fn report(&self, phase: Phase, fraction: f32) {
        let pct = (phase.overall(fraction) * 100.0) as u32;
        let Ok(mut last) = self.last.lock() else { return };
        if *last == Some((phase, pct)) {
            return;
        }
        *last = Some((phase, pct));
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{}: {} {pct}%", self.label, phase.label());
        let _ = err.flush();
    }
}

impl Drop for TerminalProgress {
    fn drop(&mut self) {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
}

/// `-` means standard input, as for `cat` and `gzip`.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How a path is named in messages.
pub fn shown(path: &Path) -> String {
    if is_stdin(path) { "(standard input)".into() } else { path.display().to_string() }
}

/// The index settings of this run (`--no-index`, `--index-beside`, `HEAPSCOPE_NO_INDEX`), set
/// once by [`super::run`] before any load, and the indexes to write once the output is printed.
static INDEX: Mutex<Option<IndexOptions>> = Mutex::new(None);
static PENDING: Mutex<Vec<Pending>> = Mutex::new(Vec::new());

pub fn set_index_options(options: IndexOptions) {
    if let Ok(mut o) = INDEX.lock() {
        *o = Some(options);
    }
}

/// Reads and analyses `path` (`-`: standard input); a bad file is a
/// [`crate::analysis::LoadError`] naming the path, then the problem (the reader's error is its
/// `source()`). With the index on, a valid index of the file is read instead; otherwise the
/// index to write is remembered for [`write_index`].
pub fn load(path: &Path, show_progress: bool) -> anyhow::Result<Analysis> {
    let options = INDEX.lock().ok().and_then(|o| o.clone()).unwrap_or_else(IndexOptions::off);
    let start = std::time::Instant::now();
    match crate::index::lookup(path, &options) {
        Lookup::Hit(analysis) => {
            if trace() {
                eprintln!("[index] read {} from its index in {:.3}s", shown(path), start.elapsed().as_secs_f64());
            }
            return Ok(*analysis);
        }
        Lookup::Miss { pending: Some(pending), ignored } => {
            if let Some(why) = ignored {
                eprintln!("heapscope: rebuilding the index of {}: {why}", shown(path));
            }
            if let Ok(mut p) = PENDING.lock() {
                p.push(pending);
            }
        }
        Lookup::Miss { pending: None, .. } => {}
    }
    load_with(path, show_progress, Analysis::run, || Ok(()))
}

/// Writes the index of `analysis`, loaded from `path` by [`load`] without one: called after the
/// command's output is printed, so the index never delays it. A failure is reported on stderr
/// and is not an error of the command.
pub fn write_index(path: &Path, analysis: &Analysis) {
    let Ok(canonical) = std::fs::canonicalize(path) else { return };
    let pending = PENDING.lock().ok().and_then(|mut p| {
        let i = p.iter().position(|x| x.key_path() == canonical)?;
        Some(p.swap_remove(i))
    });
    let Some(pending) = pending else { return };
    let start = std::time::Instant::now();
    match pending.write(analysis) {
        Ok(written) if trace() => eprintln!("[index] {written:?} in {:.3}s", start.elapsed().as_secs_f64()),
        Ok(_) => {}
        Err(e) => eprintln!("heapscope: could not write the index {}: {e}", pending.index_path().display()),
    }
}

/// `HEAPSCOPE_TRACE` is set (as for the engine's pass timings): say what the index did.
fn trace() -> bool {
    std::env::var_os("HEAPSCOPE_TRACE").is_some()
}

/// Reads `path` and runs `analyse` on it, with the progress line and the errors of [`load`].
/// `alongside` runs while the file is read on a second thread (one core parses; the passes use
/// both) and is finished before the passes start, so what it frees lowers their peak; its error
/// comes first, as it concerns an earlier file. `leaks` makes the previous snapshot's series
/// there. It stays on this thread: on the reading thread, `leaks` peaked ~14 MB higher (1.52× a
/// single load instead of 1.49×, BENCHMARKS.md), probably because what it frees stayed in that
/// thread's allocator arena instead of being reused by the passes and the report.
pub fn load_with<T>(
    path: &Path,
    show_progress: bool,
    analyse: fn(HeapSnapshot, &dyn Progress) -> Result<T, Cancelled>,
    alongside: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<T> {
    let terminal;
    let progress: &dyn Progress = if show_progress {
        let label = if is_stdin(path) {
            "stdin".into()
        } else {
            path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        };
        terminal = TerminalProgress { label, last: Mutex::new(None) };
        &terminal
    } else {
        &NoProgress
    };
    let (other, read) = std::thread::scope(|scope| {
        let read = scope.spawn(|| {
            if is_stdin(path) {
                crate::snapshot::read_from(std::io::stdin(), None, progress)
            } else {
                crate::snapshot::read_file(path, progress)
            }
        });
        let other = alongside();
        // A panic on the other thread is a bug; re-raise it here.
        (other, read.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    other?;
    let snapshot = read.map_err(|error| {
        let path = if is_stdin(path) { PathBuf::from(shown(path)) } else { path.to_path_buf() };
        if error.is_cancelled() { LoadError::Cancelled } else { LoadError::Read { path, error } }
    })?;
    let analysis = analyse(snapshot, progress).map_err(LoadError::from)?;
    if let Some(shortfall) = crate::snapshot::column::take_spill_shortfall() {
        eprintln!("heapscope: {}: {}", shown(path), crate::analysis::format::spill_shortfall(&shortfall));
    }
    Ok(analysis)
}

/// Loads two snapshots at once, one per thread.
pub fn load_pair(base: &Path, file: &Path, show_progress: bool) -> anyhow::Result<(Analysis, Analysis)> {
    if is_stdin(base) && is_stdin(file) {
        return Err(InputError("only one of the two snapshots can be read from standard input ('-')".into()).into());
    }
    std::thread::scope(|scope| {
        let b = scope.spawn(|| load(base, false));
        let a = load(file, show_progress);
        let b = b.join().map_err(|_| anyhow::anyhow!("loading {} panicked", base.display()))?;
        Ok((b?, a?))
    })
}
