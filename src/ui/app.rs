//! The application: the selection, the views, and the commands that change them. The snapshot
//! store (loads, numbering, Comparisons, the Open dialog's result) is in [`store`].
//!
//! As in rerun's viewer, one [`Item`] is the selection, every view reads it, and changes are
//! [`Command`]s collected during the frame and applied once at its end, so no view mutates
//! another view's state while it is being drawn.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use egui::{Color32, Key, RichText, Ui};

use super::comparison::ComparisonView;
use super::containment::ContainmentView;
use super::loader::{CompareJob, LoadJob};
use super::open_dialog::{Backend, OpenDialog};
use super::retainers::RetainersPane;
use super::summary::SummaryView;
use crate::analysis::diff::Comparison;
use crate::analysis::format::bytes;
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
    Dominators,
    Flame,
    Statistics,
    Demo,
    Leaks,
    /// Merged retainer paths of a class's objects (opened from a class row's menu).
    MergedPaths,
}

impl View {
    pub fn label(self) -> &'static str {
        match self {
            View::Summary => "Summary",
            View::Comparison => "Comparison",
            View::Containment => "Containment",
            View::Dominators => "Dominators",
            View::Flame => "Flame chart",
            View::Statistics => "Statistics",
            View::Demo => "Demo",
            View::Leaks => "Leaks",
            View::MergedPaths => "Merged paths",
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
    /// Stop computing the Comparison of (base, current).
    CancelCompare,
    SelectSnapshot(SnapshotId),
    CloseSnapshot(SnapshotId),
    CancelLoad(u64),
    DismissError(usize),
    SetView(View),
    SetBase(SnapshotId),
    IgnoreRetainer(Item),
    StopIgnoring(Item),
    RestoreIgnored(SnapshotId),
    /// Open the Merged paths view on these objects.
    ShowMergedPaths(super::merged_paths::PathsRequest),
    Back,
    Forward,
    /// Copy or save a table, or save the window as PNG.
    Export(super::export::Action, super::export::Payload),
}

mod store;
pub use store::{LoadError, Loaded};

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
    pub dominators: super::dominators::DominatorsView,
    pub flame: super::flame::FlameView,
    pub merged_paths: super::merged_paths::MergedPathsView,
    pub retainers: RetainersPane,
    #[cfg(feature = "demo")]
    pub demo: super::demo_panel::DemoPanel,
    pub leaks: super::leaks::LeaksView,
    /// Class and grown-object series over three or more snapshots (Summary, Comparison).
    pub trends: super::trends::TrendsState,
    /// The Attach… dialog and its capture session.
    #[cfg(feature = "capture")]
    pub attach: super::attach::AttachDialog,
    /// (base, current) → computed Comparison.
    comparisons: Vec<(SnapshotId, SnapshotId, Arc<Comparison>)>,
    compare_jobs: Vec<CompareJob>,
    /// (base, current) pairs whose Comparison the user cancelled: not restarted until asked.
    compare_cancelled: Vec<(SnapshotId, SnapshotId)>,
    pub base: Option<SnapshotId>,
    path_window: Option<(String, String)>,
    pub recent: super::recent::RecentFiles,
    /// Where indexes are kept ([`crate::index`]); used when `use_index` is on.
    pub index: crate::index::IndexOptions,
    /// The setting "Keep an index of opened snapshots" (persisted with the recent files; off in
    /// [`App::empty`], so tests read and write no index unless they ask).
    pub use_index: bool,
    next_id: u64,
    /// Snapshots opened so far ("Snapshot N" numbering, as DevTools).
    snapshot_count: usize,
    pending: Vec<Command>,
    dialog: Option<OpenDialog>,
    /// Which file dialog Open… shows (tests set [`Backend::InWindow`]: "no platform dialog").
    pub dialog_backend: Backend,
    /// Where the in-window browser starts (the last opened file's folder by default).
    pub dialog_dir: Option<PathBuf>,
    pub status: String,
    /// Where Save… writes without asking (tests, scripts): the dialog is skipped.
    pub save_to: Option<PathBuf>,
    /// The Save… dialog and what it saves.
    save_dialog: Option<(OpenDialog, super::export::Action, super::export::Payload)>,
    /// What "Save window as PNG…" did, once the screenshot arrived.
    png_done: Arc<std::sync::Mutex<Option<String>>>,
    /// A short confirmation ("Copied @123", "Cancelled loading x") shown in the status bar.
    notice: Option<(String, Instant)>,
    frame_started: Option<Instant>,
}

/// How long a notice stays in the status bar.
const NOTICE_FOR: std::time::Duration = std::time::Duration::from_secs(4);

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
            dominators: super::dominators::DominatorsView::new(),
            flame: super::flame::FlameView::new(),
            merged_paths: super::merged_paths::MergedPathsView::new(),
            retainers: RetainersPane::new(),
            #[cfg(feature = "demo")]
            demo: super::demo_panel::DemoPanel::new(),
            leaks: super::leaks::LeaksView::new(),
            trends: Default::default(),
            #[cfg(feature = "capture")]
            attach: Default::default(),
            comparisons: Vec::new(),
            compare_jobs: Vec::new(),
            compare_cancelled: Vec::new(),
            base: None,
            path_window: None,
            recent: super::recent::RecentFiles::in_memory(),
            index: crate::index::IndexOptions::off(),
            use_index: false,
            next_id: 1,
            snapshot_count: 0,
            pending: Vec::new(),
            dialog: None,
            dialog_backend: Backend::detect(),
            dialog_dir: None,
            status: String::new(),
            save_to: None,
            save_dialog: None,
            png_done: Default::default(),
            notice: None,
            frame_started: None,
        }
    }

    /// A window that starts loading `files`.
    pub fn with_files(files: Vec<PathBuf>, ctx: &egui::Context) -> App {
        let mut app = App::empty();
        app.open(files, ctx);
        app
    }

    /// Shows `text` in the status bar for a few seconds.
    pub fn notify(&mut self, text: String) {
        self.notice = Some((text, Instant::now()));
    }

    /// The notice shown now, if any.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_ref().filter(|(_, at)| at.elapsed() < NOTICE_FOR).map(|(t, _)| t.as_str())
    }

    pub fn push(&mut self, command: Command) {
        self.pending.push(command);
    }

    /// Runs one frame's UI.
    pub fn ui(&mut self, ui: &mut Ui) {
        self.frame_started = Some(Instant::now());
        let ctx = ui.ctx().clone();
        self.poll_jobs(&ctx);
        #[cfg(feature = "demo")]
        super::demo_panel::DemoPanel::tick(self, &ctx);
        #[cfg(feature = "demo")]
        if self.demo.is_busy() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        self.handle_dropped_files(&ctx);
        self.handle_keys(&ctx);
        self.poll_save(&ctx);

        egui::Panel::top("toolbar").show(ui, |ui| self.toolbar_ui(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_ui(ui));
        egui::Panel::left("snapshots").resizable(true).default_size(210.0).show(ui, |ui| {
            super::sidebar::sidebar_ui(self, ui);
        });
        if !matches!(self.view, View::Statistics | View::Demo | View::MergedPaths) && self.current.is_some() {
            egui::Panel::bottom("retainers").resizable(true).default_size(260.0).min_size(140.0).show(ui, |ui| {
                super::retainers::retainers_ui(self, ui);
            });
        }
        egui::CentralPanel::default().show(ui, |ui| self.main_ui(ui));
        self.path_window_ui(&ctx);
        #[cfg(feature = "capture")]
        super::attach::attach_ui(self, &ctx);

        let commands = std::mem::take(&mut self.pending);
        for c in commands {
            self.apply(c, &ctx);
        }
    }

    /// Wrapped, so a narrow window puts the rest of the entries on a second row rather than
    /// past its edge.
    fn toolbar_ui(&mut self, ui: &mut Ui) {
        ui.horizontal_wrapped(|ui| {
            ui.heading("Heapscope");
            ui.separator();
            if ui.button("Open…").clicked() {
                self.push(Command::OpenDialog);
            }
            #[cfg(feature = "capture")]
            if ui.button("Attach…").on_hover_text("Take snapshots of a running Node.js or Chromium process").clicked()
            {
                self.attach.show_dialog(ui.ctx());
            }
            #[cfg(feature = "capture")]
            if !self.attach.open
                && let Some(s) = &self.attach.session
            {
                ui.label(RichText::new("attached").color(Color32::from_rgb(90, 180, 90)))
                    .on_hover_text(format!("Attached to {}: Attach… shows it", s.label));
            }
            ui.separator();
            let has_two = self.snapshots.len() >= 2;
            for v in [
                View::Leaks,
                View::Summary,
                View::Comparison,
                View::Containment,
                View::Dominators,
                View::Flame,
                View::Statistics,
                #[cfg(feature = "demo")]
                View::Demo,
                View::MergedPaths,
            ] {
                if v == View::MergedPaths && self.merged_paths.request.is_none() {
                    continue;
                }
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
                if ui.small_button("Cancel comparing").clicked() {
                    self.push(Command::CancelCompare);
                }
            }
            if let Some(notice) = self.notice() {
                ui.separator();
                ui.label(RichText::new(notice).strong());
                // Gone after NOTICE_FOR even if nothing else moves.
                ui.ctx().request_repaint_after(NOTICE_FOR);
            } else if !self.status.is_empty() {
                ui.separator();
                // Whole on hover: a long status (a path, a spill shortfall) is cut at the edge.
                ui.label(RichText::new(&self.status).weak()).on_hover_text(&self.status);
            }
        });
    }

    fn main_ui(&mut self, ui: &mut Ui) {
        match self.view {
            View::Summary => super::summary::summary_ui(self, ui),
            View::Comparison => super::comparison::comparison_ui(self, ui),
            View::Containment => super::containment::containment_ui(self, ui),
            View::Dominators => super::dominators::dominators_ui(self, ui),
            View::Flame => super::flame::flame_ui(self, ui),
            View::Statistics => super::statistics::statistics_ui(self, ui),
            #[cfg(feature = "demo")]
            View::Demo => super::demo_panel::demo_ui(self, ui),
            #[cfg(not(feature = "demo"))]
            View::Demo => {}
            View::Leaks => super::leaks::leaks_ui(self, ui),
            View::MergedPaths => super::merged_paths::merged_paths_ui(self, ui),
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
            View::Dominators => self
                .dominators
                .keyboard(up, down, left, right)
                .and_then(|k| k.node())
                .map(|node| super::rows::RowKey::Object { node, base: false }),
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

    /// Back/Forward: the history's item becomes the selection, and the grids follow it (one
    /// selection drives the table and the Retainers pane).
    fn go_to_history(&mut self) {
        let Some(item) = self.history.get(self.history_pos - 1).cloned() else { return };
        self.selection = Some(item.clone());
        self.retainers.reset();
        self.follow_selection(&item);
    }

    /// Makes the grids show `item` as their selected row: the Summary reveals it (in its own
    /// snapshot); a grid whose selected row is another object loses its highlight.
    fn follow_selection(&mut self, item: &Item) {
        let Item::Node { snapshot, node } = *item;
        if self.view == View::Summary && self.current == Some(snapshot) {
            if let Some(a) = self.loaded(snapshot).map(|s| s.analysis.clone()) {
                self.summary.reveal(&a, node);
            }
        } else if self.summary.tree.selected_row().and_then(|r| r.key.node()) != Some(node) {
            self.summary.tree.selected = None;
        }
        let in_comparison = self.comparison.tree.selected_row().and_then(|r| r.key.node());
        if in_comparison != Some(node) {
            self.comparison.tree.selected = None;
        }
        let in_containment = self.containment.tree.selected_row().and_then(|r| r.key.node());
        if in_containment != Some(node) {
            self.containment.tree.selected = None;
        }
        if self.dominators.tree.selected_row().and_then(|r| r.key.node()) != Some(node) {
            self.dominators.tree.selected = None;
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
            Command::Copy(text) => {
                self.notify(format!("Copied {text}"));
                ctx.copy_text(text);
            }
            Command::CancelCompare => {
                // The engine's diff has no cancellation points: the thread ends on its own and
                // its result, sent to a dropped channel, is thrown away.
                let pairs = self.compare_jobs.drain(..).map(|j| (j.base, j.current));
                self.compare_cancelled.extend(pairs);
                self.notify("Comparison cancelled".into());
            }
            Command::Open(files) => self.open(files, ctx),
            Command::OpenDialog => match (&self.dialog, self.dialog_backend) {
                // One dialog at a time, but a click is never dead: say where the open one is.
                (Some(OpenDialog::Platform(_)), _) => {
                    self.notify("A file dialog is already open (it may be behind this window)".into())
                }
                (Some(OpenDialog::InWindow(_)), _) => self.notify("The Open dialog is already open".into()),
                (None, Backend::Platform) => self.dialog = Some(OpenDialog::platform(ctx)),
                (None, Backend::InWindow) => self.dialog = Some(OpenDialog::in_window(&self.dialog_start_dir())),
            },
            Command::SelectSnapshot(id) => {
                if self.current != Some(id) {
                    self.current = Some(id);
                    // The base is an older snapshot: the one before the new current (DevTools'
                    // default), unless the user chose another older one.
                    if self.base.is_none_or(|b| b >= id) {
                        self.base =
                            self.previous_of(id).or_else(|| self.snapshots.iter().find(|s| s.id != id).map(|s| s.id));
                    }
                    self.summary.reset();
                    self.containment.reset();
                    self.dominators.reset();
                    self.flame.reset();
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
                    self.dominators.reset();
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
                    let text = format!("Cancelling {}…", store::display_name(&job.path));
                    self.notify(text);
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
                // Choosing a base (again) asks for its Comparison, even after a cancel.
                let current = self.current;
                self.compare_cancelled.retain(|&(b, c)| !(b == id && Some(c) == current));
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
            Command::Export(action, payload) => self.export(action, payload, ctx),
            Command::ShowMergedPaths(request) => {
                self.merged_paths.show(request);
                self.view = View::MergedPaths;
            }
            Command::Back => {
                if self.history_pos > 1 {
                    self.history_pos -= 1;
                    self.go_to_history();
                }
            }
            Command::Forward => {
                if self.history_pos < self.history.len() {
                    self.history_pos += 1;
                    self.go_to_history();
                }
            }
        }
        ctx.request_repaint();
    }
}

impl App {
    /// Copies a table, or saves it (or the window) where [`App::save_to`] says, else where the
    /// Save… dialog answers.
    fn export(&mut self, action: super::export::Action, payload: super::export::Payload, ctx: &egui::Context) {
        use super::export::{Action, Payload};
        match (action, payload) {
            (Action::Copy(format), Payload::Table(table, _)) => {
                ctx.copy_text(crate::analysis::export::to_string(&table, format));
                self.notify(format!("Copied {} rows as {}", table.rows.len(), format.extension().to_uppercase()));
            }
            (Action::Copy(_), Payload::Png) => {}
            (Action::Save(format), payload) => {
                if let Some(path) = self.save_to.clone() {
                    self.save(&path, format, payload, ctx);
                } else if self.save_dialog.is_some() || self.dialog.is_some() {
                    self.notify("A file dialog is already open (it may be behind this window)".into());
                } else {
                    let name = super::export::suggested_name(&payload, format);
                    let dialog = match self.dialog_backend {
                        Backend::Platform => OpenDialog::platform_save(ctx, &name),
                        Backend::InWindow => OpenDialog::in_window_save(&self.dialog_start_dir(), &name),
                    };
                    self.save_dialog = Some((dialog, action, payload));
                }
            }
        }
    }

    fn save(
        &mut self,
        path: &std::path::Path,
        format: crate::analysis::export::Format,
        payload: super::export::Payload,
        ctx: &egui::Context,
    ) {
        match payload {
            super::export::Payload::Table(table, _) => match super::export::write_table(path, &table, format) {
                Ok(()) => self.notify(format!("Saved {} rows to {}", table.rows.len(), path.display())),
                Err(e) => self.notify(format!("Could not save {}: {e}", path.display())),
            },
            super::export::Payload::Png => {
                let (path, done, ctx2) = (path.to_path_buf(), self.png_done.clone(), ctx.clone());
                let callback = egui::ScreenshotCallback::new(move |image| {
                    let text = match super::export::write_png(&path, &image) {
                        Ok(()) => format!("Saved the window to {}", path.display()),
                        Err(e) => format!("Could not save {}: {e}", path.display()),
                    };
                    if let Ok(mut d) = done.lock() {
                        *d = Some(text);
                    }
                    ctx2.request_repaint();
                });
                ctx.send_viewport_cmd(egui::ViewportCommand::Screenshot(callback));
            }
        }
    }

    /// The Save… dialog's answer, and screenshots asked for by "Save window as PNG…".
    fn poll_save(&mut self, ctx: &egui::Context) {
        use super::open_dialog::Outcome;
        if let Some((dialog, _, _)) = self.save_dialog.as_mut()
            && let Some(outcome) = dialog.poll(ctx)
            && let Some((_, action, payload)) = self.save_dialog.take()
        {
            let format = match action {
                super::export::Action::Save(f) | super::export::Action::Copy(f) => f,
            };
            match outcome {
                Outcome::Picked(paths) => {
                    if let Some(path) = paths.first() {
                        self.save(path, format, payload, ctx);
                    }
                }
                Outcome::Cancelled => {}
                Outcome::PlatformFailed => {
                    self.notify("The system file dialog did not open (no file-chooser portal, no zenity): using Heapscope's own".into());
                    self.dialog_backend = Backend::InWindow;
                    let name = super::export::suggested_name(&payload, format);
                    self.save_dialog =
                        Some((OpenDialog::in_window_save(&self.dialog_start_dir(), &name), action, payload));
                }
            }
        }
        let done = self.png_done.lock().ok().and_then(|mut d| d.take());
        if let Some(text) = done {
            self.notify(text);
        }
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        App::ui(self, ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        #[cfg(feature = "demo")]
        self.demo.stop();
        self.recent.save();
        // Leave an attached process as it was (its inspector closed if we opened it).
        #[cfg(feature = "capture")]
        self.attach.shutdown(std::time::Duration::from_secs(10));
    }
}
