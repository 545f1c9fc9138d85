//! Background work: loading snapshots and computing Comparisons off the UI thread.
//!
//! Each job owns a thread and reports through a channel; the UI polls once a frame and only
//! swaps in the finished `Arc<Analysis>` (it never blocks on the engine). Progress and
//! cancellation go through [`SharedProgress`].

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::Instant;

use crate::analysis::diff::{self, Comparison};
use crate::analysis::{Analysis, LoadError};
use crate::index::{IndexOptions, Lookup, Pending};
use crate::progress::{Phase, SharedProgress};

/// How a [`LoadJob`] ended.
pub enum Finished {
    Loaded {
        analysis: Box<Analysis>,
        /// Read from the persisted index instead of parsed.
        from_index: bool,
        /// The index to write ([`write_index_in_background`]) once the analysis is shown.
        pending: Option<Pending>,
    },
    /// The user cancelled it.
    Cancelled,
    /// It read a capture's chunks as they arrived and the capture failed (the process exited, the
    /// user cancelled the capture): there is no file, and the capture says why itself.
    CaptureFailed,
    /// A message to show: the error and its sources, one line.
    Failed(String),
}

/// A snapshot being read and analysed.
pub struct LoadJob {
    pub id: u64,
    /// Its N in "Snapshot N".
    pub number: usize,
    pub title: String,
    pub path: PathBuf,
    pub progress: Arc<SharedProgress>,
    pub started: Instant,
    rx: Receiver<Loaded>,
    /// Reads a capture's chunks as they arrive ([`LoadJob::start_capture`]).
    from_capture: bool,
}

/// What a load job hands back: the analysis (or why not), whether it came from the index, and
/// the index to write once it is shown.
struct Loaded {
    result: Result<Analysis, LoadError>,
    from_index: bool,
    pending: Option<Pending>,
}

/// Writes `pending`'s index of `analysis` on a worker thread, after the window shows it (the
/// Summary never waits for the index). A failure is printed on stderr; the next open parses.
pub fn write_index_in_background(pending: Pending, analysis: Arc<Analysis>) {
    let spawned = std::thread::Builder::new().name("write index".into()).spawn(move || {
        if let Err(e) = pending.write(&analysis) {
            eprintln!("heapscope: could not write the index {}: {e}", pending.index_path().display());
        }
    });
    if let Err(e) = spawned {
        eprintln!("heapscope: cannot start the index writer: {e}");
    }
}

impl LoadJob {
    /// Starts reading `path` on a worker: from its index if `index` has a valid one, else parsed
    /// and analysed.
    pub fn start(
        id: u64,
        number: usize,
        title: String,
        path: PathBuf,
        index: &IndexOptions,
        ctx: egui::Context,
    ) -> LoadJob {
        let progress = Arc::new(SharedProgress::new());
        let (tx, rx) = channel();
        let (p, worker_path, index) = (progress.clone(), path.clone(), index.clone());
        std::thread::Builder::new()
            .name(format!("load {}", path.display()))
            .spawn(move || {
                let loaded = match crate::index::lookup(&worker_path, &index) {
                    Lookup::Hit(analysis) => Loaded { result: Ok(*analysis), from_index: true, pending: None },
                    Lookup::Miss { pending, ignored } => {
                        if let Some(why) = ignored {
                            eprintln!("heapscope: rebuilding the index of {}: {why}", worker_path.display());
                        }
                        let result = crate::analysis::load_file(&worker_path, p.as_ref());
                        Loaded { result, from_index: false, pending }
                    }
                };
                let _ = tx.send(loaded);
                ctx.request_repaint();
            })
            .map_err(|e| eprintln!("heapscope: cannot start a loader thread: {e}"))
            .ok();
        LoadJob { id, number, title, path, progress, started: Instant::now(), rx, from_capture: false }
    }

    /// Loads the snapshot a capture is receiving into `path`, from its chunks as they arrive
    /// (`capture::stream`): the reader parses while V8 sends, and the analyses start at the last
    /// chunk, so the file is never read a second time. The reader ends when the file is in place;
    /// if the capture fails, it fails, and the job ends as [`Finished::CaptureFailed`].
    #[cfg(feature = "capture")]
    pub fn start_capture(
        id: u64,
        number: usize,
        title: String,
        path: PathBuf,
        chunks: crate::capture::stream::ChunkReader,
        ctx: egui::Context,
    ) -> LoadJob {
        let progress = Arc::new(SharedProgress::new());
        let (tx, rx) = channel();
        let (p, worker_path) = (progress.clone(), path.clone());
        std::thread::Builder::new()
            .name(format!("load capture {}", path.display()))
            .spawn(move || {
                let result = crate::snapshot::read_from(chunks, None, p.as_ref())
                    .map_err(|error| {
                        if error.is_cancelled() {
                            LoadError::Cancelled
                        } else {
                            LoadError::Read { path: worker_path, error }
                        }
                    })
                    .and_then(|snapshot| Ok(Analysis::run(snapshot, p.as_ref())?));
                let _ = tx.send(Loaded { result, from_index: false, pending: None });
                ctx.request_repaint();
            })
            .map_err(|e| eprintln!("heapscope: cannot start a loader thread: {e}"))
            .ok();
        LoadJob { id, number, title, path, progress, started: Instant::now(), rx, from_capture: true }
    }

    /// How the job ended, once its thread is done.
    pub fn poll(&self) -> Option<Finished> {
        match self.rx.try_recv() {
            Ok(Loaded { result: Ok(analysis), from_index, pending }) => {
                Some(Finished::Loaded { analysis: Box::new(analysis), from_index, pending })
            }
            Ok(Loaded { result: Err(LoadError::Cancelled), .. }) => Some(Finished::Cancelled),
            Ok(Loaded { result: Err(e), .. }) if self.from_capture && is_capture_failure(&e) => {
                Some(Finished::CaptureFailed)
            }
            Ok(Loaded { result: Err(e), .. }) => Some(Finished::Failed(error_chain(&e))),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                Some(Finished::Failed(format!("loading {} failed unexpectedly", self.path.display())))
            }
        }
    }

    pub fn cancel(&self) {
        self.progress.cancel();
    }

    /// `(phase label, overall fraction)` for the progress bar.
    pub fn status(&self) -> (&'static str, f32) {
        match self.progress.get() {
            (Some(phase), f) => (phase.label(), phase.overall(f)),
            (None, _) => (Phase::Reading.label(), 0.0),
        }
    }
}

/// The reader stopped because the capture feeding it failed (not because the snapshot is bad).
fn is_capture_failure(e: &LoadError) -> bool {
    #[cfg(feature = "capture")]
    if let LoadError::Read { error, .. } = e
        && let crate::snapshot::ReadErrorKind::Io(io) = &error.kind
    {
        return crate::capture::stream::StreamAborted::is(io);
    }
    let _ = e;
    false
}

/// An error and its sources on one line (`a: b: c`), as the CLI prints them.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A Comparison being computed. The engine's diff has no cancellation points (it takes well
/// under a second on the tutorial, a few at a gigabyte); cancelling drops the job, so its result
/// is thrown away when the thread ends and the window never waits for it.
pub struct CompareJob {
    pub base: u64,
    pub current: u64,
    rx: Receiver<Comparison>,
}

impl CompareJob {
    pub fn start(
        base_id: u64,
        base: Arc<Analysis>,
        current_id: u64,
        current: Arc<Analysis>,
        ctx: egui::Context,
    ) -> CompareJob {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let _ = tx.send(diff::compare(&base, &current));
            ctx.request_repaint();
        });
        CompareJob { base: base_id, current: current_id, rx }
    }

    pub fn poll(&self) -> Option<Comparison> {
        self.rx.try_recv().ok()
    }
}
