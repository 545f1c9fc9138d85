//! The snapshot store of the window: loads in flight and loaded snapshots (with their
//! "Snapshot N" numbers), failed loads, Comparisons computed in the background, and the Open
//! dialog's result. The commands that change the rest of the window are in [`super`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{App, Command, SnapshotId};
use crate::analysis::Analysis;
use crate::analysis::diff::Comparison;
use crate::analysis::paths::RetainersView;
use crate::ui::loader::{CompareJob, Finished, LoadJob};
use crate::ui::open_dialog::{Backend, OpenDialog, Outcome};

/// A loaded snapshot.
pub struct Loaded {
    pub id: SnapshotId,
    pub path: PathBuf,
    /// `path` resolved (as Recent keeps it), to tell the same file opened under two names.
    pub canonical_path: PathBuf,
    /// Its N in "Snapshot N": loads that fail or are cancelled give theirs back.
    pub number: usize,
    pub title: String,
    pub file_size: u64,
    pub analysis: Arc<Analysis>,
    /// "Ignore this retainer" state of this snapshot's Retainers view.
    pub retainers_view: RetainersView,
}

/// A failed load, shown in the sidebar until dismissed.
pub struct LoadError {
    pub path: PathBuf,
    pub message: String,
}

impl App {
    /// Loads snapshots synchronously (tests, and the demo's dumps already on disk).
    pub fn add_analysis(&mut self, path: PathBuf, analysis: Arc<Analysis>) -> SnapshotId {
        let id = self.next_id;
        self.next_id += 1;
        self.snapshot_count += 1;
        let number = self.snapshot_count;
        self.insert_loaded(id, number, path, analysis)
    }

    /// A finished load: keeps the id and title it got when it was opened, so snapshots stay in
    /// the order they were opened whatever order they finish in.
    pub(super) fn insert_loaded(
        &mut self,
        id: SnapshotId,
        number: usize,
        path: PathBuf,
        analysis: Arc<Analysis>,
    ) -> SnapshotId {
        let file_size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let title = title_for(&path, number);
        let canonical_path = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        self.snapshots.push(Loaded {
            id,
            canonical_path,
            path,
            number,
            title,
            file_size,
            analysis,
            retainers_view: RetainersView::new(),
        });
        // In the order they were opened, like DevTools' profiles list.
        self.snapshots.sort_by_key(|s| s.id);
        // The newest snapshot becomes current (loads finish in any order).
        if self.current.is_none_or(|c| id > c) {
            self.current = Some(id);
            self.base = self.previous_of(id);
            self.summary.reset();
            self.containment.reset();
            self.comparison.reset();
        } else if self.base.is_none() || self.base == self.current {
            self.base = self.current.and_then(|c| self.previous_of(c));
        }
        id
    }

    /// A load that failed or was cancelled gives its number back: later ones move down, so
    /// the loaded snapshots are numbered 1, 2, 3… without gaps (as DevTools numbers them).
    fn release_number(&mut self, number: usize) {
        self.snapshot_count = self.snapshot_count.saturating_sub(1);
        for job in &mut self.jobs {
            if job.number > number {
                job.number -= 1;
                job.title = title_for(&job.path, job.number);
            }
        }
        for s in &mut self.snapshots {
            if s.number > number {
                s.number -= 1;
                s.title = title_for(&s.path, s.number);
            }
        }
    }

    /// Starts loading `files`. A file already loaded (or loading) is not loaded again: the
    /// loaded one becomes current and the status bar says so.
    pub fn open(&mut self, files: Vec<PathBuf>, ctx: &egui::Context) {
        for path in files {
            let same = |p: &Path| same_file(p, &path);
            if let Some(s) = self.snapshots.iter().find(|s| same(&s.canonical_path)) {
                let (id, title) = (s.id, s.title.clone());
                self.notify(format!("{} is already open as {title}", display_name(&path)));
                self.push(Command::SelectSnapshot(id));
                continue;
            }
            if self.jobs.iter().any(|j| same(&j.path)) {
                self.notify(format!("{} is already loading", display_name(&path)));
                continue;
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                self.dialog_dir = Some(dir.to_path_buf());
            }
            let id = self.next_id;
            self.next_id += 1;
            self.snapshot_count += 1;
            let number = self.snapshot_count;
            let index = if self.use_index { self.index.clone() } else { crate::index::IndexOptions::off() };
            self.jobs.push(LoadJob::start(id, number, title_for(&path, number), path, &index, ctx.clone()));
        }
    }

    /// Starts loading the snapshot a capture is receiving into `path` from its chunks as they
    /// arrive; it shows in the sidebar as loading at once. Returns the job's id.
    #[cfg(feature = "capture")]
    pub fn open_capture(
        &mut self,
        path: PathBuf,
        chunks: crate::capture::stream::ChunkReader,
        ctx: &egui::Context,
    ) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.snapshot_count += 1;
        let number = self.snapshot_count;
        self.jobs.push(LoadJob::start_capture(id, number, title_for(&path, number), path, chunks, ctx.clone()));
        id
    }

    pub fn loaded(&self, id: SnapshotId) -> Option<&Loaded> {
        self.snapshots.iter().find(|s| s.id == id)
    }

    pub fn current(&self) -> Option<&Loaded> {
        self.current.and_then(|id| self.loaded(id))
    }

    pub(super) fn index_of(&self, id: SnapshotId) -> Option<usize> {
        self.snapshots.iter().position(|s| s.id == id)
    }

    /// The snapshot loaded before `id` (the default Comparison base).
    pub fn previous_of(&self, id: SnapshotId) -> Option<SnapshotId> {
        let i = self.index_of(id)?;
        i.checked_sub(1).map(|p| self.snapshots[p].id)
    }

    /// The Comparison of the current snapshot against the base, if computed.
    pub fn comparison(&self) -> Option<(Arc<Comparison>, SnapshotId, SnapshotId)> {
        let (base, current) = (self.base?, self.current?);
        self.comparisons.iter().find(|(b, c, _)| *b == base && *c == current).map(|(b, c, cmp)| (cmp.clone(), *b, *c))
    }

    /// The user cancelled the Comparison of the current pair.
    pub fn comparison_cancelled(&self) -> bool {
        let (Some(base), Some(current)) = (self.base, self.current) else { return false };
        self.compare_cancelled.contains(&(base, current))
    }

    pub fn comparison_pending(&self) -> bool {
        !self.compare_jobs.is_empty()
    }

    /// Starts computing the Comparison the view needs.
    pub fn ensure_comparison(&mut self, ctx: &egui::Context) {
        let (Some(base), Some(current)) = (self.base, self.current) else { return };
        if base == current
            || self.comparison_cancelled()
            || self.comparison().is_some()
            || self.compare_jobs.iter().any(|j| j.base == base && j.current == current)
        {
            return;
        }
        let (Some(b), Some(c)) = (self.loaded(base), self.loaded(current)) else { return };
        self.compare_jobs.push(CompareJob::start(base, b.analysis.clone(), current, c.analysis.clone(), ctx.clone()));
    }

    /// Waits for background work (tests, benches): loads, Comparisons, and every per-snapshot
    /// computation a view has started (Trends, Merged paths, the leak report, the Dominators'
    /// children lists, the flame charts). Rows a grid sorts on a worker arrive with its next frame.
    pub fn wait_for_background_work(&mut self, ctx: &egui::Context) {
        loop {
            self.poll_jobs(ctx);
            if self.jobs.is_empty() && self.compare_jobs.is_empty() {
                self.trends.wait();
                self.merged_paths.wait();
                self.leaks.wait();
                self.dominators.wait();
                self.flame.wait();
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// Whether any of the work [`App::wait_for_background_work`] waits for is still running.
    pub fn background_work_running(&self) -> bool {
        !self.jobs.is_empty()
            || self.comparison_pending()
            || self.trends.is_busy()
            || self.merged_paths.is_busy()
            || self.leaks.is_busy()
            || self.dominators.is_busy()
            || self.flame.is_busy()
    }

    pub(super) fn poll_jobs(&mut self, ctx: &egui::Context) {
        let mut finished = Vec::new();
        for (i, job) in self.jobs.iter().enumerate() {
            if let Some(r) = job.poll() {
                finished.push((i, r));
            }
        }
        for (i, result) in finished.into_iter().rev() {
            let job = self.jobs.remove(i);
            match result {
                Finished::Loaded { analysis, from_index, pending } => {
                    let secs = job.started.elapsed().as_secs_f32();
                    let how = if from_index { " (from its index)" } else { "" };
                    self.status = format!("Loaded {} in {secs:.1} s{how}", job.path.display());
                    // Said where it stays: the memory it cost may be what the user runs short of.
                    if let Some(shortfall) = crate::snapshot::column::take_spill_shortfall() {
                        self.status.push_str(&format!("; {}", crate::analysis::format::spill_shortfall(&shortfall)));
                    }
                    // Only files that loaded go into Recent.
                    self.recent.add(&job.path);
                    let analysis = Arc::new(*analysis);
                    if let Some(pending) = pending {
                        super::super::loader::write_index_in_background(pending, analysis.clone());
                    }
                    self.insert_loaded(job.id, job.number, job.path, analysis);
                }
                Finished::Cancelled => {
                    self.notify(format!("Cancelled loading {}", display_name(&job.path)));
                    self.release_number(job.number);
                }
                // The Attach dialog shows the capture's own error.
                Finished::CaptureFailed => self.release_number(job.number),
                Finished::Failed(message) => {
                    self.release_number(job.number);
                    self.errors.push(LoadError { path: job.path, message });
                }
            }
        }
        let mut done = Vec::new();
        for (i, job) in self.compare_jobs.iter().enumerate() {
            if let Some(cmp) = job.poll() {
                done.push((i, cmp));
            }
        }
        for (i, cmp) in done.into_iter().rev() {
            let job = self.compare_jobs.remove(i);
            self.comparisons.push((job.base, job.current, Arc::new(cmp)));
            self.comparison.reset();
        }
        if !self.jobs.is_empty() || !self.compare_jobs.is_empty() {
            // Ten frames a second move the progress bar; more would take a core from the loader
            // (an animated spinner repaints every frame: under a software renderer, a whole core).
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        if let Some(outcome) = self.dialog.as_mut().and_then(|d| d.poll(ctx)) {
            self.dialog = None;
            match outcome {
                Outcome::Picked(files) => self.open(files, ctx),
                Outcome::Cancelled => {}
                Outcome::PlatformFailed => {
                    self.notify("The system file dialog did not open (no file-chooser portal, no zenity): using Heapscope's own".into());
                    self.dialog_backend = Backend::InWindow;
                    self.dialog = Some(OpenDialog::in_window(&self.dialog_start_dir()));
                }
            }
            ctx.request_repaint();
        }
    }

    /// The in-window browser starts in the folder of the last file opened, else the current one.
    pub(super) fn dialog_start_dir(&self) -> PathBuf {
        self.dialog_dir
            .clone()
            .or_else(|| self.recent.paths().first().and_then(|p| p.parent().map(Path::to_path_buf)))
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("/"))
    }
}

/// "Snapshot N: name" (DevTools' profile titles, the file name without `.heapsnapshot[.gz]`).
fn title_for(path: &Path, number: usize) -> String {
    let name = display_name(path);
    let name = name.trim_end_matches(".gz").trim_end_matches(".heapsnapshot");
    format!("Snapshot {number}: {name}")
}

pub(super) fn display_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// The same file, however it was named (relative, through a symlink).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}
