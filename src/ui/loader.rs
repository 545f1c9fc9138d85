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
use crate::progress::{Phase, SharedProgress};

/// A snapshot being read and analysed.
pub struct LoadJob {
    pub id: u64,
    /// Its N in "Snapshot N".
    pub number: usize,
    pub title: String,
    pub path: PathBuf,
    pub progress: Arc<SharedProgress>,
    pub started: Instant,
    rx: Receiver<Result<Analysis, LoadError>>,
}

impl LoadJob {
    pub fn start(id: u64, number: usize, title: String, path: PathBuf, ctx: egui::Context) -> LoadJob {
        let progress = Arc::new(SharedProgress::new());
        let (tx, rx) = channel();
        let (p, worker_path) = (progress.clone(), path.clone());
        std::thread::Builder::new()
            .name(format!("load {}", path.display()))
            .spawn(move || {
                let result = crate::analysis::load_file(&worker_path, p.as_ref());
                let _ = tx.send(result);
                ctx.request_repaint();
            })
            .map_err(|e| eprintln!("heapscope: cannot start a loader thread: {e}"))
            .ok();
        LoadJob { id, number, title, path, progress, started: Instant::now(), rx }
    }

    /// The result once the thread is done: `Err(message)` for a failure to show (the error and
    /// its sources, one line), `Ok(None)` when it was cancelled.
    pub fn poll(&self) -> Option<Result<Option<Analysis>, String>> {
        match self.rx.try_recv() {
            Ok(Ok(a)) => Some(Ok(Some(a))),
            Ok(Err(LoadError::Cancelled)) => Some(Ok(None)),
            Ok(Err(e)) => Some(Err(error_chain(&e))),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                Some(Err(format!("loading {} failed unexpectedly", self.path.display())))
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
