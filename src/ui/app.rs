//! The application: loaded snapshots, the selection, the views, and the commands that change
//! them.
//!
//! As in rerun's viewer, one [`Item`] is the selection, every view reads it, and changes are
//! [`Command`]s collected during the frame and applied once at its end, so no view mutates
//! another view's state while it is being drawn.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use egui::{Color32, Key, RichText, Ui};

use super::comparison::ComparisonView;
use super::containment::ContainmentView;
use super::loader::{CompareJob, LoadJob};
use super::retainers::RetainersPane;
use super::summary::SummaryView;
use crate::analysis::Analysis;
use crate::analysis::diff::Comparison;
use crate::analysis::format::bytes;
use crate::analysis::paths::RetainersView;
use crate::snapshot::NodeIdx;

/// A stable handle of a loaded snapshot (indexes change when one is closed).
pub type SnapshotId = u64;

/// The one thing selected in the UI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Node { snapshot: SnapshotId, node: NodeIdx },
}

/// The main area's views.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Summary,
    Comparison,
    Containment,
    Statistics,
    Demo,
    Leaks,
}

impl View {
    pub fn label(self) -> &'static str {
        match self {
            View::Summary => "Summary",
            View::Comparison => "Comparison",
            View::Containment => "Containment",
            View::Statistics => "Statistics",
            View::Demo => "Demo",
            View::Leaks => "Leaks",
        }
    }
}

/// Everything that changes application state, applied at the end of a frame.
#[derive(Clone, Debug)]
#[must_use]
pub enum Command {
    Select(Item),
    /// Switch to the Summary of the object's snapshot, expand its class, select and scroll to it.
    RevealInSummary(Item),
    /// Select it (the Retainers pane follows the selection).
    ShowRetainers(Item),
    PathToRoot(Item),
    Copy(String),
    Open(Vec<PathBuf>),
    OpenDialog,
    SelectSnapshot(SnapshotId),
    CloseSnapshot(SnapshotId),
    CancelLoad(u64),
    DismissError(usize),
    SetView(View),
    SetBase(SnapshotId),
    IgnoreRetainer(Item),
    StopIgnoring(Item),
    RestoreIgnored(SnapshotId),
    Back,
    Forward,
}

/// A loaded snapshot.
pub struct Loaded {
    pub id: SnapshotId,
    pub path: PathBuf,
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

pub struct App {
    pub snapshots: Vec<Loaded>,
    pub current: Option<SnapshotId>,
    pub view: View,
    pub jobs: Vec<LoadJob>,
    pub errors: Vec<LoadError>,
    pub selection: Option<Item>,
    history: Vec<Item>,
    history_pos: usize,
    pub summary: SummaryView,
    pub comparison: ComparisonView,
    pub containment: ContainmentView,
    pub retainers: RetainersPane,
    pub demo: super::demo_panel::DemoPanel,
    pub leaks: super::leaks::LeaksView,
    /// (base, current) → computed Comparison.
    comparisons: Vec<(SnapshotId, SnapshotId, Arc<Comparison>)>,
    compare_jobs: Vec<CompareJob>,
    pub base: Option<SnapshotId>,
    path_window: Option<(String, String)>,
    pub recent: super::recent::RecentFiles,
    next_id: u64,
    /// Snapshots opened so far ("Snapshot N" numbering, as DevTools).
    snapshot_count: usize,
    pending: Vec<Command>,
    dialog: Option<std::sync::mpsc::Receiver<Vec<PathBuf>>>,
    pub status: String,
    frame_started: Option<Instant>,
}

impl App {
    /// An empty window.
    pub fn empty() -> App {
        App {
            snapshots: Vec::new(),
            current: None,
            view: View::Summary,
            jobs: Vec::new(),
            errors: Vec::new(),
            selection: None,
            history: Vec::new(),
            history_pos: 0,
            summary: SummaryView::new(),
            comparison: ComparisonView::new(),
            containment: ContainmentView::new(),
            retainers: RetainersPane::new(),
            demo: super::demo_panel::DemoPanel::new(),
            leaks: super::leaks::LeaksView::new(),
            comparisons: Vec::new(),
            compare_jobs: Vec::new(),
            base: None,
            path_window: None,
            recent: super::recent::RecentFiles::in_memory(),
            next_id: 1,
            snapshot_count: 0,
            pending: Vec::new(),
            dialog: None,
            status: String::new(),
            frame_started: None,
        }
    }

    /// A window that starts loading `files`.
    pub fn with_files(files: Vec<PathBuf>, ctx: &egui::Context) -> App {
        let mut app = App::empty();
        app.open(files, ctx);
        app
    }

    /// Loads snapshots synchronously (tests, and the demo's dumps already on disk).
    pub fn add_analysis(&mut self, path: PathBuf, analysis: Arc<Analysis>) -> SnapshotId {
        let id = self.next_id;
        self.next_id += 1;
        self.snapshot_count += 1;
        let title = self.title_for(&path, self.snapshot_count);
        self.insert_loaded(id, title, path, analysis)
    }

    /// A finished load: keeps the id and title it got when it was opened, so snapshots stay in
    /// the order they were opened whatever order they finish in.
    fn insert_loaded(&mut self, id: SnapshotId, title: String, path: PathBuf, analysis: Arc<Analysis>) -> SnapshotId {
        let file_size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        self.snapshots.push(Loaded { id, path, title, file_size, analysis, retainers_view: RetainersView::new() });
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

    fn title_for(&self, path: &Path, number: usize) -> String {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let name = name.trim_end_matches(".gz").trim_end_matches(".heapsnapshot").to_string();
        format!("Snapshot {number}: {name}")
    }

    pub fn open(&mut self, files: Vec<PathBuf>, ctx: &egui::Context) {
        for path in files {
            self.recent.add(&path);
            let id = self.next_id;
            self.next_id += 1;
            self.snapshot_count += 1;
            let title = self.title_for(&path, self.snapshot_count);
            self.jobs.push(LoadJob::start(id, title, path, ctx.clone()));
        }
    }

    pub fn loaded(&self, id: SnapshotId) -> Option<&Loaded> {
        self.snapshots.iter().find(|s| s.id == id)
    }

    pub fn current(&self) -> Option<&Loaded> {
        self.current.and_then(|id| self.loaded(id))
    }

    fn index_of(&self, id: SnapshotId) -> Option<usize> {
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

    pub fn comparison_pending(&self) -> bool {
        !self.compare_jobs.is_empty()
    }

    /// Starts computing the Comparison the view needs.
    pub fn ensure_comparison(&mut self, ctx: &egui::Context) {
        let (Some(base), Some(current)) = (self.base, self.current) else { return };
        if base == current
            || self.comparison().is_some()
            || self.compare_jobs.iter().any(|j| j.base == base && j.current == current)
        {
            return;
        }
        let (Some(b), Some(c)) = (self.loaded(base), self.loaded(current)) else { return };
        self.compare_jobs.push(CompareJob::start(base, b.analysis.clone(), current, c.analysis.clone(), ctx.clone()));
    }

    /// Waits for background work (tests): loads and Comparisons.
    pub fn wait_for_background_work(&mut self, ctx: &egui::Context) {
        loop {
            self.poll_jobs(ctx);
            if self.jobs.is_empty() && self.compare_jobs.is_empty() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    fn poll_jobs(&mut self, ctx: &egui::Context) {
        let mut finished = Vec::new();
        for (i, job) in self.jobs.iter().enumerate() {
            if let Some(r) = job.poll() {
                finished.push((i, r));
            }
        }
        for (i, result) in finished.into_iter().rev() {
            let job = self.jobs.remove(i);
            match result {
                Ok(analysis) => {
                    let secs = job.started.elapsed().as_secs_f32();
                    self.status = format!("Loaded {} in {secs:.1} s", job.path.display());
                    self.insert_loaded(job.id, job.title, job.path, Arc::new(analysis));
                }
                Err(message) => {
                    if !message.contains("cancelled") {
                        self.errors.push(LoadError { path: job.path, message });
                    }
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
        if let Some(rx) = &self.dialog
            && let Ok(files) = rx.try_recv()
        {
            self.dialog = None;
            if !files.is_empty() {
                self.open(files, ctx);
            }
        }
    }

    pub fn push(&mut self, command: Command) {
        self.pending.push(command);
    }

    /// Runs one frame's UI.
    pub fn ui(&mut self, ui: &mut Ui) {
        self.frame_started = Some(Instant::now());
        let ctx = ui.ctx().clone();
        self.poll_jobs(&ctx);
        super::demo_panel::DemoPanel::tick(self);
        if self.demo.is_busy() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        self.handle_dropped_files(&ctx);
        self.handle_keys(&ctx);

        egui::Panel::top("toolbar").show(ui, |ui| self.toolbar_ui(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_ui(ui));
        egui::Panel::left("snapshots").resizable(true).default_size(240.0).show(ui, |ui| {
            super::sidebar::sidebar_ui(self, ui);
        });
        if self.view != View::Statistics && self.view != View::Demo && self.current.is_some() {
            egui::Panel::bottom("retainers").resizable(true).default_size(260.0).min_size(140.0).show(ui, |ui| {
                super::retainers::retainers_ui(self, ui);
            });
        }
        egui::CentralPanel::default().show(ui, |ui| self.main_ui(ui));
        self.path_window_ui(&ctx);

        let commands = std::mem::take(&mut self.pending);
        for c in commands {
            self.apply(c, &ctx);
        }
    }

    fn toolbar_ui(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            ui.heading("Heapscope");
            ui.separator();
            if ui.button("Open…").clicked() {
                self.push(Command::OpenDialog);
            }
            ui.separator();
            let has_two = self.snapshots.len() >= 2;
            for v in [View::Leaks, View::Summary, View::Comparison, View::Containment, View::Statistics, View::Demo] {
                let enabled = match v {
                    View::Comparison | View::Leaks => has_two,
                    View::Demo => true,
                    _ => self.current.is_some(),
                };
                let resp = ui.add_enabled(enabled, egui::Button::selectable(self.view == v, v.label()));
                if resp.clicked() {
                    self.push(Command::SetView(v));
                }
            }
            ui.separator();
            let back = ui.add_enabled(self.history_pos > 1, egui::Button::new("◀")).on_hover_text("Back (Alt+<-)");
            if back.clicked() {
                self.push(Command::Back);
            }
            let fwd = ui
                .add_enabled(self.history_pos < self.history.len(), egui::Button::new("▶"))
                .on_hover_text("Forward (Alt+->)");
            if fwd.clicked() {
                self.push(Command::Forward);
            }
        });
    }

    fn status_ui(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            if let Some(s) = self.current() {
                let a = &s.analysis;
                ui.label(format!(
                    "{} — {} nodes, {} edges, heap {}",
                    s.title,
                    crate::analysis::format::count(a.node_count() as u64),
                    crate::analysis::format::count(a.snapshot.edge_count() as u64),
                    bytes(a.total_size() as f64)
                ));
                if !a.problems.is_empty() {
                    ui.label(
                        RichText::new(format!("⚠ {} warning(s)", a.problems.len()))
                            .color(Color32::from_rgb(220, 160, 0)),
                    )
                    .on_hover_text(a.problems.join("\n\n"));
                }
            } else {
                ui.label("No snapshot loaded: Open… or drop .heapsnapshot files here");
            }
            if !self.jobs.is_empty() {
                ui.separator();
                super::rows::busy_ui(ui, &format!("loading {}", self.jobs.len()));
            }
            if self.comparison_pending() {
                ui.separator();
                super::rows::busy_ui(ui, "comparing");
            }
            if !self.status.is_empty() {
                ui.separator();
                ui.label(RichText::new(&self.status).weak());
            }
        });
    }

    fn main_ui(&mut self, ui: &mut Ui) {
        match self.view {
            View::Summary => super::summary::summary_ui(self, ui),
            View::Comparison => super::comparison::comparison_ui(self, ui),
            View::Containment => super::containment::containment_ui(self, ui),
            View::Statistics => super::statistics::statistics_ui(self, ui),
            View::Demo => super::demo_panel::demo_ui(self, ui),
            View::Leaks => super::leaks::leaks_ui(self, ui),
        }
    }

    fn path_window_ui(&mut self, ctx: &egui::Context) {
        let Some((title, text)) = self.path_window.clone() else { return };
        let mut open = true;
        egui::Window::new(format!("Path to GC root: {title}")).open(&mut open).default_width(520.0).show(ctx, |ui| {
            ui.add(egui::Label::new(RichText::new(&text).monospace()).selectable(true));
            if ui.button("Copy").clicked() {
                ui.ctx().copy_text(text.clone());
            }
        });
        if !open {
            self.path_window = None;
        }
    }

    fn handle_dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect());
        if !dropped.is_empty() {
            self.open(dropped, ctx);
        }
    }

    fn handle_keys(&mut self, ctx: &egui::Context) {
        let typing = ctx.egui_wants_keyboard_input();
        let (back, fwd, find, up, down, left, right) = ctx.input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::ALT, Key::ArrowLeft),
                i.consume_key(egui::Modifiers::ALT, Key::ArrowRight),
                i.consume_key(egui::Modifiers::COMMAND, Key::F),
                !typing && i.consume_key(egui::Modifiers::NONE, Key::ArrowUp),
                !typing && i.consume_key(egui::Modifiers::NONE, Key::ArrowDown),
                !typing && i.consume_key(egui::Modifiers::NONE, Key::ArrowLeft),
                !typing && i.consume_key(egui::Modifiers::NONE, Key::ArrowRight),
            )
        });
        if back {
            self.push(Command::Back);
        }
        if fwd {
            self.push(Command::Forward);
        }
        if find {
            self.view = View::Summary;
            self.summary.focus_search = true;
        }
        let moved = match self.view {
            View::Summary => self.summary.keyboard(up, down, left, right),
            View::Comparison => self.comparison.keyboard(up, down, left, right),
            View::Containment => self.containment.keyboard(up, down, left, right),
            _ => None,
        };
        if let Some(node) = moved
            && let Some(id) = self.current
        {
            let snapshot = if node.in_base() { self.base.unwrap_or(id) } else { id };
            if let Some(n) = node.node() {
                self.push(Command::Select(Item::Node { snapshot, node: n }));
            }
        }
    }

    fn select(&mut self, item: Item) {
        if self.selection.as_ref() == Some(&item) {
            return;
        }
        self.history.truncate(self.history_pos);
        self.history.push(item.clone());
        self.history_pos = self.history.len();
        self.selection = Some(item);
        self.retainers.reset();
    }

    pub fn apply(&mut self, command: Command, ctx: &egui::Context) {
        match command {
            Command::Select(item) | Command::ShowRetainers(item) => self.select(item),
            Command::RevealInSummary(item) => {
                let Item::Node { snapshot, node } = item.clone();
                if let Some(a) = self.loaded(snapshot).map(|s| s.analysis.clone()) {
                    self.current = Some(snapshot);
                    if self.base == Some(snapshot) {
                        self.base = self.previous_of(snapshot);
                    }
                    self.view = View::Summary;
                    self.summary.reveal(&a, node);
                    self.select(item);
                }
            }
            Command::PathToRoot(item) => {
                let Item::Node { snapshot, node } = item;
                if let Some(s) = self.loaded(snapshot) {
                    let text = crate::analysis::views::path_to_root_text(&s.analysis, &s.retainers_view, node);
                    let title = format!("{} @{}", s.analysis.class_name(node), s.analysis.snapshot.node_id(node));
                    self.path_window = Some((title, text));
                }
            }
            Command::Copy(text) => ctx.copy_text(text),
            Command::Open(files) => self.open(files, ctx),
            Command::OpenDialog => {
                let (tx, rx) = std::sync::mpsc::channel();
                self.dialog = Some(rx);
                // The dialog blocks: run it on its own thread.
                std::thread::spawn(move || {
                    let files = rfd::FileDialog::new()
                        .set_title("Open heap snapshots")
                        .add_filter("Heap snapshots", &["heapsnapshot", "gz"])
                        .add_filter("All files", &["*"])
                        .pick_files()
                        .unwrap_or_default();
                    let _ = tx.send(files);
                });
            }
            Command::SelectSnapshot(id) => {
                if self.current != Some(id) {
                    self.current = Some(id);
                    if self.base == Some(id) || self.base.is_none() {
                        self.base =
                            self.previous_of(id).or_else(|| self.snapshots.iter().find(|s| s.id != id).map(|s| s.id));
                    }
                    self.summary.reset();
                    self.containment.reset();
                    self.comparison.reset();
                    if self.view == View::Comparison && self.snapshots.len() < 2 {
                        self.view = View::Summary;
                    }
                }
            }
            Command::CloseSnapshot(id) => {
                self.snapshots.retain(|s| s.id != id);
                self.comparisons.retain(|(b, c, _)| *b != id && *c != id);
                if self.current == Some(id) {
                    self.current = self.snapshots.last().map(|s| s.id);
                    self.summary.reset();
                    self.containment.reset();
                }
                if self.base == Some(id) || self.base == self.current {
                    self.base = self.current.and_then(|c| self.previous_of(c));
                }
                if matches!(&self.selection, Some(Item::Node { snapshot, .. }) if *snapshot == id) {
                    self.selection = None;
                }
                self.history.retain(|Item::Node { snapshot, .. }| *snapshot != id);
                self.history_pos = self.history_pos.min(self.history.len());
                self.comparison.reset();
                if self.snapshots.len() < 2 && self.view == View::Comparison {
                    self.view = View::Summary;
                }
            }
            Command::CancelLoad(id) => {
                if let Some(job) = self.jobs.iter().find(|j| j.id == id) {
                    job.cancel();
                }
            }
            Command::DismissError(i) => {
                if i < self.errors.len() {
                    self.errors.remove(i);
                }
            }
            Command::SetView(v) => {
                self.view = v;
                if v == View::Comparison {
                    if self.base.is_none() || self.base == self.current {
                        self.base = self.current.and_then(|c| self.previous_of(c));
                    }
                    self.ensure_comparison(ctx);
                }
            }
            Command::SetBase(id) => {
                self.base = Some(id);
                self.comparison.reset();
                self.ensure_comparison(ctx);
            }
            Command::IgnoreRetainer(Item::Node { snapshot, node }) => {
                if let Some(i) = self.index_of(snapshot) {
                    let a = self.snapshots[i].analysis.clone();
                    self.snapshots[i].retainers_view.ignore(&a, node);
                    self.retainers.invalidate();
                }
            }
            Command::StopIgnoring(Item::Node { snapshot, node }) => {
                if let Some(i) = self.index_of(snapshot) {
                    let a = self.snapshots[i].analysis.clone();
                    self.snapshots[i].retainers_view.unignore(&a, node);
                    self.retainers.invalidate();
                }
            }
            Command::RestoreIgnored(id) => {
                if let Some(i) = self.index_of(id) {
                    self.snapshots[i].retainers_view.unignore_all();
                    self.retainers.invalidate();
                }
            }
            Command::Back => {
                if self.history_pos > 1 {
                    self.history_pos -= 1;
                    self.selection = self.history.get(self.history_pos - 1).cloned();
                    self.retainers.reset();
                }
            }
            Command::Forward => {
                if self.history_pos < self.history.len() {
                    self.history_pos += 1;
                    self.selection = self.history.get(self.history_pos - 1).cloned();
                    self.retainers.reset();
                }
            }
        }
        ctx.request_repaint();
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        App::ui(self, ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.demo.stop();
        self.recent.save();
    }
}
