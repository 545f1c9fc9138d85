//! Background work: loading snapshots and computing Comparisons off the UI thread.
//!
//! Each job owns a thread and reports through a channel; the UI polls once a frame and only
//! swaps in the finished `Arc<Analysis>` (it never blocks on the engine). Progress and
//! cancellation go through [`SharedProgress`].

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::Instant;

use crate::analysis::Analysis;
use crate::analysis::diff::{self, Comparison};
use crate::progress::{Phase, SharedProgress};

/// A snapshot being read and analysed.
pub struct LoadJob {
    pub id: u64,
    pub title: String,
    pub path: PathBuf,
    pub progress: Arc<SharedProgress>,
    pub started: Instant,
    rx: Receiver<Result<Analysis, String>>,
}

impl LoadJob {
    pub fn start(id: u64, title: String, path: PathBuf, ctx: egui::Context) -> LoadJob {
        let progress = Arc::new(SharedProgress::new());
        let (tx, rx) = channel();
        let (p, worker_path) = (progress.clone(), path.clone());
        std::thread::Builder::new()
            .name(format!("load {}", path.display()))
            .spawn(move || {
                let result = crate::snapshot::read_file(&worker_path, p.as_ref())
                    .map_err(|e| format!("{e}: {}", worker_path.display()))
                    .and_then(|s| Analysis::run(s, p.as_ref()).map_err(|e| e.to_string()));
                let _ = tx.send(result);
                ctx.request_repaint();
            })
            .map_err(|e| eprintln!("heapscope: cannot start a loader thread: {e}"))
            .ok();
        LoadJob { id, title, path, progress, started: Instant::now(), rx }
    }

    /// The result once the thread is done.
    pub fn poll(&self) -> Option<Result<Analysis, String>> {
        match self.rx.try_recv() {
            Ok(r) => Some(r),
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

/// A Comparison being computed.
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
