//! The Merged paths view (issue 13, item 4): the shortest paths to the roots of a class's objects
//! (from a Summary class row's menu) or of its new objects (from a Comparison class row's menu),
//! merged into one tree by the engine ([`crate::analysis::merged_paths`]), shown as a graph of
//! its top branches laid out in layers ([`super::graph_layout`]) or as an expandable tree with
//! Objects, Shallow and Retained columns.
//!
//! The merge runs on a worker; its result is tagged with what it was computed for (snapshot,
//! base, class row, ignored retainers) and a result for anything else is never shown.

use std::sync::Arc;

use egui::{Color32, Pos2, Rect, RichText, Sense, Stroke, Ui, vec2};

use super::app::{App, SnapshotId};
use super::graph_layout::{self, GraphLayout};
use super::per_snapshot::{PerSnapshot, Ready};
use super::rows::{right_ui, short, size_ui};
use super::tree::{ColumnSpec, TreeModel, TreeState, tree_grid_ui};
use crate::analysis::aggregates::Aggregates;
use crate::analysis::diff::Comparison;
use crate::analysis::format::{bytes, count};
use crate::analysis::merged_paths::{self, MergedPaths};
use crate::analysis::views::SortKey;
use crate::analysis::{Analysis, paths::RetainersView};
use crate::snapshot::NodeIdx;

/// Branches drawn in the graph.
pub const GRAPH_BRANCHES: usize = 200;

/// Which objects: a Summary row's members, or a Comparison row's new objects.
#[derive(Clone, Debug)]
pub enum Objects {
    Class { aggregates: Arc<Aggregates>, row: u32 },
    New { comparison: Arc<Comparison>, row: u32 },
}

/// What the view shows: asked for from a class row's context menu.
#[derive(Clone, Debug)]
pub struct PathsRequest {
    pub snapshot: SnapshotId,
    /// The Comparison's base, for new objects.
    pub base: Option<SnapshotId>,
    pub class: String,
    pub objects: Objects,
}

impl PathsRequest {
    fn members(&self, a: &Analysis) -> Vec<NodeIdx> {
        match &self.objects {
            Objects::Class { aggregates, row } => aggregates.members(*row as usize, &a.classes, &a.self_size),
            Objects::New { comparison, row } => comparison.classes[*row as usize].added.clone(),
        }
    }

    /// Identity of the objects: the rows' data, kept alive by the request, and the row.
    fn source(&self) -> (usize, u32) {
        match &self.objects {
            Objects::Class { aggregates, row } => (Arc::as_ptr(aggregates) as usize, *row),
            Objects::New { comparison, row } => (Arc::as_ptr(comparison) as usize, *row),
        }
    }
}

/// What a result was computed for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    snapshot: SnapshotId,
    base: Option<SnapshotId>,
    source: (usize, u32),
    ignored: Vec<NodeIdx>,
}

/// The worker's result.
pub struct Merged {
    pub paths: MergedPaths,
    pub graph: GraphLayout,
}

pub struct MergedPathsView {
    pub request: Option<PathsRequest>,
    result: PerSnapshot<Merged, Key>,
    pub show_graph: bool,
    pub tree: TreeState<u32>,
    /// Where the graph was drawn last frame, and each drawn branch's box (tests aim with them).
    pub boxes: Vec<(u32, Rect)>,
    /// The branch under the pointer in the graph.
    pub hovered: Option<u32>,
    /// The result whose widest chain the tree has opened.
    opened_for: Option<Key>,
}

impl MergedPathsView {
    pub fn new() -> MergedPathsView {
        MergedPathsView {
            request: None,
            result: PerSnapshot::new(),
            show_graph: true,
            tree: TreeState::new(SortKey::Count, false),
            boxes: Vec::new(),
            hovered: None,
            opened_for: None,
        }
    }

    pub fn show(&mut self, request: PathsRequest) {
        self.request = Some(request);
        self.opened_for = None;
        self.boxes.clear();
        self.hovered = None;
    }

    /// Waits for the merge being computed (tests).
    pub fn wait(&mut self) {
        self.result.wait();
    }

    pub fn is_busy(&self) -> bool {
        self.result.is_busy()
    }

    /// The last merge computed (tests).
    pub fn merged(&self) -> Option<&Merged> {
        self.result.last().map(|m| m.as_ref())
    }
}

impl Default for MergedPathsView {
    fn default() -> Self {
        MergedPathsView::new()
    }
}

struct BranchModel<'a> {
    m: &'a MergedPaths,
}

impl TreeModel<u32> for BranchModel<'_> {
    fn roots(&self, _: SortKey, _: bool) -> Vec<u32> {
        vec![0]
    }

    fn children(&self, key: &u32, _: SortKey, _: bool) -> Vec<u32> {
        self.m.children(*key).to_vec()
    }

    fn expandable(&self, key: &u32) -> bool {
        !self.m.children(*key).is_empty()
    }

    fn identity(&self, key: &u32) -> u64 {
        u64::from(*key)
    }

    fn object(&self, _: &u32) -> Option<u64> {
        None
    }
}

const COLUMNS: [ColumnSpec; 4] = [
    ColumnSpec { title: "Retained by (edge :: class)", sort: None, width: 520.0 },
    ColumnSpec { title: "Objects", sort: None, width: 90.0 },
    ColumnSpec { title: "Shallow Size", sort: None, width: 130.0 },
    ColumnSpec { title: "Retained Size", sort: None, width: 130.0 },
];

fn objects_text(n: u32) -> String {
    if n == 1 { "1 object".into() } else { format!("{} objects", count(u64::from(n))) }
}

/// `100,000 {username} <- user_1_1, … :: Object <- loginUsers :: system / Context`: the branch
/// and what holds it, from the objects up.
fn path_text(a: &Analysis, m: &MergedPaths, b: u32, class: &str) -> String {
    let mut chain = Vec::new();
    let mut x = b;
    while x != 0 {
        chain.push(m.branch_text(a, x, class));
        x = m.parent[x as usize];
    }
    chain.reverse();
    let mut text = format!("{} {class}", count(u64::from(m.count[b as usize])));
    for c in chain {
        text.push_str(" <- ");
        text.push_str(&c);
    }
    text
}

pub fn merged_paths_ui(app: &mut App, ui: &mut Ui) {
    let Some(request) = app.merged_paths.request.clone() else {
        ui.label("Right-click a class in the Summary or the Comparison: Merged retainer paths.");
        return;
    };
    let Some(s) = app.loaded(request.snapshot) else {
        ui.label("The snapshot of these paths was closed.");
        return;
    };
    let (a, view_state): (Arc<Analysis>, RetainersView) = (s.analysis.clone(), s.retainers_view.clone());
    let title = s.title.clone();
    let key = Key {
        snapshot: request.snapshot,
        base: request.base,
        source: request.source(),
        ignored: view_state.ignored().to_vec(),
    };
    let view = &mut app.merged_paths;
    let build = {
        let (a, request) = (a.clone(), request.clone());
        move || {
            let objects = request.members(&a);
            let paths = merged_paths::merge(&a, &view_state, &objects);
            let graph = graph_layout::layout(&paths, GRAPH_BRANCHES);
            Merged { paths, graph }
        }
    };
    let merged = match view.result.get_or_start(key.clone(), ui.ctx(), build) {
        Ready::Kept(m) | Ready::Arrived(m) => m,
        Ready::Pending => {
            super::rows::busy_ui(ui, &format!("merging the paths of {}…", request.class));
            return;
        }
    };
    if view.opened_for.as_ref() != Some(&key) {
        // Open the widest chain: the branch with the most objects at every level.
        let mut chain = vec![0u32];
        while let Some(&c) = chain.last().and_then(|&b| merged.paths.children(b).first()) {
            chain.push(c);
        }
        view.tree = TreeState::new(SortKey::Count, false);
        view.tree.expand_chain(&BranchModel { m: &merged.paths }, &chain);
        view.opened_for = Some(key);
    }
    let m = &merged.paths;
    ui.horizontal_wrapped(|ui| {
        let what = if request.base.is_some() { "new objects" } else { "objects" };
        ui.label(
            RichText::new(format!(
                "Merged retainer paths of {} {what} of {} in {title}",
                count(u64::from(m.count[0])),
                request.class
            ))
            .strong(),
        );
        ui.separator();
        if ui.add(egui::Button::selectable(view.show_graph, "Graph")).clicked() {
            view.show_graph = true;
        }
        if ui.add(egui::Button::selectable(!view.show_graph, "Tree")).clicked() {
            view.show_graph = false;
        }
        if view.show_graph && merged.graph.cut {
            ui.label(
                RichText::new(format!(
                    "the {} branches with the most objects of {}",
                    merged.graph.branches.len(),
                    m.len()
                ))
                .weak(),
            );
        }
    });
    if view.show_graph {
        graph_ui(ui, view, &a, &merged, &request.class);
    } else {
        let total = a.total_size() as f64;
        let model = BranchModel { m };
        let class = request.class.clone();
        tree_grid_ui(
            ui,
            "merged_paths",
            &mut view.tree,
            &model,
            &COLUMNS,
            &mut |ui, b, col| {
                let i = *b as usize;
                match col {
                    0 => {
                        if *b == 0 {
                            ui.label(RichText::new(&class).strong());
                        } else {
                            ui.label(RichText::new("<-").weak());
                            ui.label(
                                RichText::new(short(&m.edge_text(&a, *b), 60)).color(Color32::from_rgb(170, 90, 200)),
                            );
                            ui.label(RichText::new("::").weak());
                            ui.label(short(m.class_name(&a, *b), 80));
                        }
                    }
                    1 => right_ui(ui, count(u64::from(m.count[i]))),
                    2 => size_ui(ui, m.shallow_size[i] as f64, total),
                    _ => size_ui(ui, m.retained_size[i] as f64, total),
                }
            },
            &mut |ui, b| {
                if ui.button("Copy path").clicked() {
                    ui.ctx().copy_text(path_text(&a, m, *b, &class));
                    ui.close();
                }
            },
        );
    }
}

/// Column and row pitch of the graph, in points. The gap between two layers holds the links'
/// edge labels, cut to fit it (the box's tooltip has the whole path).
const LAYER_WIDTH: f32 = 290.0;
const BOX_WIDTH: f32 = 170.0;
const LABEL_WIDTH: f32 = LAYER_WIDTH - BOX_WIDTH - 12.0;
const SLOT_HEIGHT: f32 = 46.0;
const BOX_HEIGHT: f32 = 34.0;

fn graph_ui(ui: &mut Ui, view: &mut MergedPathsView, a: &Analysis, merged: &Merged, class: &str) {
    let (m, g) = (&merged.paths, &merged.graph);
    let size = vec2(g.layers as f32 * LAYER_WIDTH + 20.0, g.widest as f32 * SLOT_HEIGHT + 20.0);
    let total = f64::from(m.count[0].max(1));
    view.boxes.clear();
    let mut hovered = None;
    egui::ScrollArea::both().id_salt("merged_graph").auto_shrink([false, false]).show(ui, |ui| {
        let (rect, response) = ui.allocate_exact_size(size.max(ui.available_size()), Sense::hover());
        let painter = ui.painter_at(rect);
        let box_of = |i: usize| {
            let lb = g.branches[i];
            let min = rect.min + vec2(10.0 + lb.layer as f32 * LAYER_WIDTH, 10.0 + lb.slot as f32 * SLOT_HEIGHT);
            Rect::from_min_size(min, vec2(BOX_WIDTH, BOX_HEIGHT))
        };
        let font = egui::TextStyle::Small.resolve(ui.style());
        // Links first, under the boxes: from the retainer branch (right) to the branch it holds.
        for &(child, parent) in &g.links {
            let (c, p) = (box_of(child), box_of(parent));
            let b = g.branches[child].branch;
            let share = f64::from(m.count[b as usize]) / total;
            let width = 1.0 + 7.0 * share as f32;
            let from = c.left_center();
            let to = p.right_center();
            painter.line_segment([from, to], Stroke::new(width, Color32::from_rgb(120, 140, 200)));
            let mid = Pos2::new((from.x + to.x) / 2.0, (from.y + to.y) / 2.0 - 7.0);
            let color = Color32::from_rgb(170, 90, 200);
            let mut job = egui::text::LayoutJob::simple_singleline(m.edge_text(a, b), font.clone(), color);
            job.wrap = egui::text::TextWrapping::truncate_at_width(LABEL_WIDTH);
            let galley = painter.layout_job(job);
            painter.galley(mid - galley.size() / 2.0, galley, color);
        }
        let pointer = response.hover_pos();
        for (i, lb) in g.branches.iter().enumerate() {
            let r = box_of(i);
            let b = lb.branch;
            let fill = if lb.branch == 0 { Color32::from_rgb(250, 205, 120) } else { Color32::from_rgb(200, 220, 245) };
            painter.rect_filled(r, 4.0, fill);
            painter.rect_stroke(r, 4.0, Stroke::new(1.0, Color32::from_gray(90)), egui::StrokeKind::Inside);
            let name = if b == 0 { class.to_string() } else { m.class_name(a, b).to_string() };
            painter.text(
                r.left_top() + vec2(6.0, 3.0),
                egui::Align2::LEFT_TOP,
                short(&name, 24),
                font.clone(),
                Color32::BLACK,
            );
            painter.text(
                r.left_bottom() + vec2(6.0, -3.0),
                egui::Align2::LEFT_BOTTOM,
                format!("{} · {}", objects_text(m.count[b as usize]), bytes(m.retained_size[b as usize] as f64)),
                font.clone(),
                Color32::from_gray(40),
            );
            view.boxes.push((b, r));
            if pointer.is_some_and(|p| r.contains(p)) {
                hovered = Some(b);
            }
        }
        if let Some(b) = hovered {
            let i = b as usize;
            response.on_hover_ui_at_pointer(|ui| {
                ui.label(RichText::new(path_text(a, m, b, class)).strong());
                ui.label(format!(
                    "{} · shallow {} · retained {}{}",
                    objects_text(m.count[i]),
                    bytes(m.shallow_size[i] as f64),
                    bytes(m.retained_size[i] as f64),
                    if m.ends[i] > 0 { format!(" · {} end here", count(u64::from(m.ends[i]))) } else { String::new() }
                ));
            });
        }
    });
    view.hovered = hovered;
}
