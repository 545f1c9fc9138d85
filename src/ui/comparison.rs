//! The Comparison view (DevTools' `HeapSnapshotDiffDataGrid`), and the Grown objects that view
//! cannot see.
//!
//! Rows are the engine's [`ClassDiff`]s; a class expands into its new objects (in the current
//! snapshot) and its deleted ones (in the base). Below, the surviving objects that grew (paired by
//! id, or by path when the ids differ; larger now), largest growth first.

use std::sync::Arc;

use egui::{Color32, RichText, Ui};

use super::app::{App, Command, Item};
use super::rows::{OBJECT_ACTIONS, RowKey, object_label_ui, object_menu_ui, right_ui, short};
use super::summary::edge_children;
use super::tree::{ColumnSpec, TreeModel, TreeState, hash_of, tree_grid_ui};
use crate::analysis::Analysis;
use crate::analysis::diff::{self, Comparison, GrowthKind, Matching};
use crate::analysis::format::{bytes, count, distance_ui, signed, signed_bytes};
use crate::analysis::jsstr::cmp_utf16;
use crate::analysis::trends::{ClassTrends, ObjectTrends};
use crate::analysis::views::{self, SortKey};

pub const COLUMNS: [ColumnSpec; 7] = [
    ColumnSpec { title: "Constructor", sort: Some(SortKey::Name), width: 300.0 },
    ColumnSpec { title: "# New", sort: Some(SortKey::New), width: 80.0 },
    ColumnSpec { title: "# Deleted", sort: Some(SortKey::Deleted), width: 80.0 },
    ColumnSpec { title: "# Delta", sort: Some(SortKey::Delta), width: 80.0 },
    ColumnSpec { title: "Alloc. Size", sort: Some(SortKey::AllocSize), width: 95.0 },
    ColumnSpec { title: "Freed Size", sort: Some(SortKey::FreedSize), width: 95.0 },
    ColumnSpec { title: "Size Delta", sort: Some(SortKey::SizeDelta), width: 95.0 },
];

pub const GROWN_COLUMNS: [ColumnSpec; 5] = [
    ColumnSpec { title: "Grown object", sort: Some(SortKey::Name), width: 300.0 },
    ColumnSpec { title: "Distance", sort: Some(SortKey::Distance), width: 70.0 },
    ColumnSpec { title: "Shallow Size", sort: None, width: 150.0 },
    ColumnSpec { title: "Δ Shallow", sort: Some(SortKey::ShallowSize), width: 90.0 },
    ColumnSpec { title: "Δ Retained", sort: Some(SortKey::RetainedSize), width: 90.0 },
];

/// The Grown objects' Trend column (shown with three or more snapshots of one process).
pub const GROWN_TREND_COLUMN: ColumnSpec = ColumnSpec { title: "Trend", sort: None, width: 110.0 };

pub struct ComparisonView {
    pub tree: TreeState<RowKey>,
    pub grown: TreeState<RowKey>,
    pub class_filter: String,
    /// Grown objects shown: all, or only those that grew themselves / only hold growth.
    pub grown_filter: Option<GrowthKind>,
    /// The trends the rows were sorted with (their address): new ones re-sort.
    trends_seen: usize,
}

struct DiffModel<'a> {
    cmp: &'a Comparison,
    base: &'a Analysis,
    current: &'a Analysis,
    trends: Option<&'a ClassTrends>,
    filter: String,
    /// The (base, current) pair: class rows index its Comparison.
    generation: u64,
}

impl DiffModel<'_> {
    fn analysis(&self, key: &RowKey) -> &Analysis {
        if key.in_base() { self.base } else { self.current }
    }
}

impl TreeModel<RowKey> for DiffModel<'_> {
    fn roots(&self, sort: SortKey, ascending: bool) -> Vec<RowKey> {
        let classes = &self.cmp.classes;
        let mut rows: Vec<u32> = (0..classes.len() as u32)
            .filter(|&i| self.filter.is_empty() || classes[i as usize].name.to_lowercase().contains(&self.filter))
            .collect();
        match (self.trends, sort) {
            (Some(t), SortKey::Growth) => views::sort_by_growth(
                &mut rows,
                |i| (&classes[i as usize].name, &classes[i as usize].key),
                t,
                ascending,
            ),
            _ => views::sort_diff_rows(classes, &mut rows, sort, ascending),
        }
        rows.into_iter().map(RowKey::DiffClass).collect()
    }

    fn children(&self, key: &RowKey, sort: SortKey, ascending: bool) -> Vec<RowKey> {
        match key {
            RowKey::DiffClass(i) => {
                let d = &self.cmp.classes[*i as usize];
                let by = match sort {
                    SortKey::Name => SortKey::Name,
                    SortKey::Delta | SortKey::New | SortKey::Deleted => SortKey::Distance,
                    _ => SortKey::ShallowSize,
                };
                let mut added = d.added.clone();
                crate::analysis::views::sort_nodes(self.current, &mut added, by, ascending);
                let mut deleted = d.deleted.clone();
                crate::analysis::views::sort_nodes(self.base, &mut deleted, by, ascending);
                added
                    .into_iter()
                    .map(|node| RowKey::Object { node, base: false })
                    .chain(deleted.into_iter().map(|node| RowKey::Object { node, base: true }))
                    .collect()
            }
            _ => edge_children(self.analysis(key), key, sort, ascending),
        }
    }

    fn expandable(&self, key: &RowKey) -> bool {
        match key {
            RowKey::DiffClass(_) => true,
            k => k.node().is_some_and(|n| !self.analysis(k).snapshot.edges(n).is_empty()),
        }
    }

    fn identity(&self, key: &RowKey) -> u64 {
        match key {
            RowKey::DiffClass(i) => class_identity(&self.cmp.classes[*i as usize].key),
            other => hash_of(other),
        }
    }

    fn object(&self, key: &RowKey) -> Option<u64> {
        key.node().map(|n| u64::from(self.analysis(key).snapshot.node_id(n)) | if key.in_base() { 1 << 40 } else { 0 })
    }

    fn generation(&self) -> u64 {
        self.generation
    }
}

struct GrownModel<'a> {
    cmp: &'a Comparison,
    current: &'a Analysis,
    kind: Option<GrowthKind>,
    generation: u64,
}

impl TreeModel<RowKey> for GrownModel<'_> {
    fn roots(&self, sort: SortKey, ascending: bool) -> Vec<RowKey> {
        let g = &self.cmp.grown;
        let mut rows: Vec<u32> =
            (0..g.len() as u32).filter(|&i| self.kind.is_none_or(|k| g[i as usize].kind() == k)).collect();
        if sort != SortKey::Count {
            rows.sort_by(|&x, &y| {
                let (x, y) = (&g[x as usize], &g[y as usize]);
                let o = match sort {
                    SortKey::Name => cmp_utf16(self.current.class_name(x.node), self.current.class_name(y.node)),
                    SortKey::Distance => {
                        self.current.distance[x.node as usize].cmp(&self.current.distance[y.node as usize])
                    }
                    SortKey::RetainedSize => x.retained_growth().cmp(&y.retained_growth()),
                    _ => x.self_growth().cmp(&y.self_growth()),
                };
                let o = if ascending { o } else { o.reverse() };
                o.then(x.id.cmp(&y.id))
            });
        }
        rows.into_iter().map(RowKey::Grown).collect()
    }

    fn children(&self, key: &RowKey, sort: SortKey, ascending: bool) -> Vec<RowKey> {
        match key {
            RowKey::Grown(i) => {
                let node = self.cmp.grown[*i as usize].node;
                edge_children(self.current, &RowKey::Object { node, base: false }, sort, ascending)
            }
            _ => edge_children(self.current, key, sort, ascending),
        }
    }

    fn expandable(&self, key: &RowKey) -> bool {
        let node = match key {
            RowKey::Grown(i) => self.cmp.grown[*i as usize].node,
            k => match k.node() {
                Some(n) => n,
                None => return false,
            },
        };
        !self.current.snapshot.edges(node).is_empty()
    }

    fn identity(&self, key: &RowKey) -> u64 {
        match key {
            RowKey::Grown(i) => hash_of(("grown", self.cmp.grown[*i as usize].id)),
            other => hash_of(other),
        }
    }

    fn object(&self, key: &RowKey) -> Option<u64> {
        match key {
            RowKey::Grown(i) => Some(u64::from(self.cmp.grown[*i as usize].node)),
            k => k.node().map(u64::from),
        }
    }

    fn generation(&self) -> u64 {
        self.generation
    }
}

/// Identity of a class row (by class key, stable across re-sorting).
fn class_identity(key: &str) -> u64 {
    hash_of(("diff", key))
}

impl ComparisonView {
    /// Expands the class row with this key.
    pub fn expand_class(&mut self, key: &str) {
        self.tree.expanded.insert(super::tree::child_path(0, class_identity(key)));
        self.tree.invalidate();
    }

    /// Selects a new object under its (expanded) class row and scrolls to it.
    pub fn select_new_object(&mut self, key: &str, node: crate::snapshot::NodeIdx) {
        let class = super::tree::child_path(0, class_identity(key));
        let row = super::tree::child_path(class, hash_of(&RowKey::Object { node, base: false }));
        self.tree.selected = Some(row);
        self.tree.scroll_to = Some(row);
    }

    pub fn new() -> ComparisonView {
        ComparisonView {
            // DevTools' default: Alloc. Size, largest first.
            tree: TreeState::new(views::COMPARISON_DEFAULT_SORT.0, views::COMPARISON_DEFAULT_SORT.1),
            grown: TreeState::new(SortKey::ShallowSize, false),
            class_filter: String::new(),
            grown_filter: None,
            trends_seen: 0,
        }
    }

    pub fn reset(&mut self) {
        self.tree.expanded.clear();
        self.tree.selected = None;
        self.tree.invalidate();
        self.grown.expanded.clear();
        self.grown.selected = None;
        self.grown.invalidate();
    }

    pub fn keyboard(&mut self, up: bool, down: bool, left: bool, right: bool) -> Option<RowKey> {
        self.tree.keyboard(up, down, left, right)
    }
}

impl Default for ComparisonView {
    fn default() -> Self {
        ComparisonView::new()
    }
}

fn signed_cell(ui: &mut Ui, text: String, value: i64) {
    let color = if value > 0 {
        Color32::from_rgb(210, 80, 60)
    } else if value < 0 {
        Color32::from_rgb(60, 160, 90)
    } else {
        ui.visuals().text_color()
    };
    right_ui(ui, RichText::new(text).color(color));
}

pub fn comparison_ui(app: &mut App, ui: &mut Ui) {
    let (Some(current_id), Some(base_id)) = (app.current, app.base) else {
        ui.label("Comparison needs two snapshots.");
        return;
    };
    let mut commands = Vec::new();
    ui.horizontal_wrapped(|ui| {
        let base_title = app.loaded(base_id).map(|s| s.title.clone()).unwrap_or_default();
        let label = ui.label("Base snapshot");
        let combo = egui::ComboBox::from_id_salt("base").selected_text(base_title).width(240.0).show_ui(ui, |ui| {
            for s in app.snapshots.iter().filter(|s| s.id != current_id) {
                if ui.selectable_label(s.id == base_id, &s.title).clicked() {
                    commands.push(Command::SetBase(s.id));
                }
            }
        });
        combo.response.labelled_by(label.id);
        let current_title = app.loaded(current_id).map(|s| s.title.clone()).unwrap_or_default();
        ui.label(RichText::new(format!("-> {current_title}")).weak());
        ui.separator();
        let label = ui.label("Class filter");
        if ui
            .add(
                egui::TextEdit::singleline(&mut app.comparison.class_filter)
                    .hint_text("Class filter")
                    .desired_width(160.0),
            )
            .labelled_by(label.id)
            .changed()
        {
            app.comparison.tree.invalidate();
        }
    });
    app.ensure_comparison(ui.ctx());
    let Some((cmp, base_id, current_id)) = app.comparison() else {
        ui.horizontal(|ui| {
            if app.comparison_cancelled() {
                ui.label("Comparison cancelled.");
                if ui.button("Compare").clicked() {
                    commands.push(Command::SetBase(base_id));
                }
            } else {
                super::rows::busy_ui(ui, "Comparing…");
                if ui.button("Cancel").on_hover_text("Stop computing this Comparison").clicked() {
                    commands.push(Command::CancelCompare);
                }
            }
        });
        for c in commands {
            app.push(c);
        }
        return;
    };
    let (Some(base), Some(current)) =
        (app.loaded(base_id).map(|s| s.analysis.clone()), app.loaded(current_id).map(|s| s.analysis.clone()))
    else {
        return;
    };
    if let Matching::Paths { why, paired, objects } = &cmp.matching {
        ui.label(RichText::new(diff::paired_by_paths_text(*paired, *objects)).color(ui.visuals().warn_fg_color))
            .on_hover_text(format!("Why the ids do not: {why}."));
    }
    let size_delta: i64 = cmp.classes.iter().map(|d| d.size_delta()).sum();
    let grown_bytes: i64 = cmp.grown.iter().map(|g| g.self_growth().max(0)).sum();
    ui.label(format!(
        "Heap {} -> {} ({}). Size Delta of all classes: {}; survivors grew another {} (Grown objects, below).",
        bytes(base.total_size() as f64),
        bytes(current.total_size() as f64),
        signed_bytes(current.total_size() as i64 - base.total_size() as i64),
        signed_bytes(size_delta),
        signed_bytes(grown_bytes)
    ));
    if cmp.classes.is_empty() && cmp.grown.is_empty() {
        ui.add_space(12.0);
        ui.label(RichText::new("No differences: no object was added or deleted, and none grew.").strong());
        for c in commands {
            app.push(c);
        }
        return;
    }
    let trend_status = super::trends::class_trends(app, ui.ctx());
    let trends = match &trend_status {
        super::trends::Status::Ready(t) => Some(t.clone()),
        _ => None,
    };
    // (Found by id: not across profiler sessions.)
    let object_trends = if trends.as_ref().is_some_and(|t| t.ids_follow_objects) {
        super::trends::object_trends(app, &cmp, base_id, current_id, ui.ctx())
    } else {
        None
    };
    let view = &mut app.comparison;
    ui.horizontal_wrapped(|ui| {
        let rows = view.tree.rows();
        super::export::export_menu_ui(
            ui,
            "Comparison",
            || super::export::comparison_table(&cmp, &base, &current, trends.as_deref(), rows),
            &mut commands,
        );
        super::trends::status_ui(ui, &trend_status);
    });
    let seen = trends.as_ref().map_or(0, |t| Arc::as_ptr(t) as usize);
    if seen != view.trends_seen {
        view.trends_seen = seen;
        view.tree.invalidate();
    }
    let generation = hash_of(("comparison", base_id, current_id));
    let model = DiffModel {
        cmp: &cmp,
        base: &base,
        current: &current,
        trends: trends.as_deref(),
        filter: view.class_filter.to_lowercase(),
        generation,
    };
    let mut columns = COLUMNS.to_vec();
    if trends.is_some() {
        columns.push(super::summary::TREND_COLUMN);
    }
    let grown_height = (ui.available_height() * 0.32).max(120.0);
    let class_height = (ui.available_height() - grown_height - 30.0).max(120.0);
    let mut clicked = None;
    ui.allocate_ui(egui::vec2(ui.available_width(), class_height), |ui| {
        let events = tree_grid_ui(
            ui,
            "comparison",
            &mut view.tree,
            &model,
            &columns,
            &mut |ui, key, col| diff_cell_ui(ui, &cmp, &base, &current, trends.as_deref(), key, col),
            &mut |ui, key| {
                if let Some(node) = key.node() {
                    let (a, id) = if key.in_base() { (&base, base_id) } else { (&current, current_id) };
                    object_menu_ui(ui, a, id, node, &OBJECT_ACTIONS, &mut commands);
                } else if let RowKey::DiffClass(i) = key {
                    let row = &cmp.classes[*i as usize];
                    let button = egui::Button::new("Merged retainer paths (new objects)");
                    if ui.add_enabled(row.new_count > 0, button).clicked() {
                        commands.push(Command::ShowMergedPaths(super::merged_paths::PathsRequest {
                            snapshot: current_id,
                            base: Some(base_id),
                            class: row.name.clone(),
                            objects: super::merged_paths::Objects::New { comparison: cmp.clone(), row: *i },
                        }));
                        ui.close();
                    }
                }
            },
        );
        if let Some(k) = events.clicked {
            clicked = Some(k);
        }
    });
    ui.separator();
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(format!(
            "Grown objects: {} survivors larger than in the base ({})",
            count(cmp.grown.len() as u64),
            cmp.matching.pairs_by()
        )).strong())
            .on_hover_text("DevTools' Comparison matches objects by id and counts only new and deleted ones; an object that exists in both snapshots and grew (a cache, a session map) is invisible there.");
        ui.separator();
        let before = view.grown_filter;
        for (kind, label, tip) in [
            (None, "All grown", "Every survivor that grew"),
            (Some(GrowthKind::GrewItself), "Grew itself", "Its own (shallow) size grew: where entries are added"),
            (
                Some(GrowthKind::HoldsGrowth),
                "Holds growth",
                "Its own size stayed, what it alone keeps alive (retained size) grew: what holds the growth",
            ),
        ] {
            let n = cmp.grown.iter().filter(|g| kind.is_none_or(|k| g.kind() == k)).count();
            let text = format!("{label} ({})", count(n as u64));
            if ui.selectable_label(view.grown_filter == kind, text).on_hover_text(tip).clicked() {
                view.grown_filter = kind;
            }
        }
        if view.grown_filter != before {
            view.grown.invalidate();
        }
        ui.separator();
        let rows = view.grown.rows();
        super::export::export_menu_ui(
            ui,
            "Grown objects",
            || {
                let titles = trends.as_ref().map(|t| t.snapshots.clone()).unwrap_or_default();
                super::export::grown_table(&cmp, &current, &titles, object_trends.as_deref(), rows)
            },
            &mut commands,
        );
    });
    let grown_model = GrownModel { cmp: &cmp, current: &current, kind: view.grown_filter, generation };
    let mut grown_columns = GROWN_COLUMNS.to_vec();
    if object_trends.is_some() {
        grown_columns.push(GROWN_TREND_COLUMN);
    }
    let snapshot_titles: Vec<String> = trends.as_ref().map(|t| t.snapshots.clone()).unwrap_or_default();
    let total = current.total_size() as f64;
    let events = tree_grid_ui(
        ui,
        "grown",
        &mut view.grown,
        &grown_model,
        &grown_columns,
        &mut |ui, key, col| match key {
            RowKey::Grown(i) => {
                let g = &cmp.grown[*i as usize];
                match col {
                    0 => {
                        ui.label(RichText::new(current.class_name(g.node)).strong());
                        object_label_ui(ui, &current, g.node, None);
                    }
                    1 => {
                        ui.label(distance_ui(i64::from(current.distance[g.node as usize])));
                    }
                    2 => right_ui(ui, format!("{} -> {}", bytes(g.self_before as f64), bytes(g.self_after as f64))),
                    3 => signed_cell(ui, signed_bytes(g.self_growth()), g.self_growth()),
                    4 => signed_cell(ui, signed_bytes(g.retained_growth()), g.retained_growth()),
                    _ => grown_sparkline_ui(ui, object_trends.as_deref(), &snapshot_titles, g.id),
                }
            }
            RowKey::Edge { edge, node, .. } => match col {
                0 => object_label_ui(ui, &current, *node, Some(*edge)),
                1 => {
                    ui.label(distance_ui(i64::from(current.distance[*node as usize])));
                }
                2 => super::rows::size_ui(ui, f64::from(current.self_size[*node as usize]), total),
                _ => {}
            },
            _ => {}
        },
        &mut |ui, key| {
            let node = match key {
                RowKey::Grown(i) => Some(cmp.grown[*i as usize].node),
                k => k.node(),
            };
            if let Some(node) = node {
                object_menu_ui(ui, &current, current_id, node, &OBJECT_ACTIONS, &mut commands);
            }
        },
    );
    if let Some(k) = events.clicked {
        clicked = Some(match k {
            RowKey::Grown(i) => RowKey::Object { node: cmp.grown[i as usize].node, base: false },
            other => other,
        });
    }
    if let Some(k) = clicked
        && let Some(node) = k.node()
    {
        let snapshot = if k.in_base() { base_id } else { current_id };
        commands.push(Command::Select(Item::Node { snapshot, node }));
    }
    for c in commands {
        app.push(c);
    }
}

/// A grown object's Trend cell: its retained size across the snapshots (what it holds, which
/// grows whether it grew itself or holds growth), both sizes on hover.
fn grown_sparkline_ui(ui: &mut Ui, trends: Option<&ObjectTrends>, titles: &[String], id: u32) {
    if let Some(t) = trends.and_then(|t| t.get(id)) {
        super::trends::sparkline_ui(
            ui,
            &format!("Trend of @{id}"),
            t.retained_size,
            super::trends::grows_at_every_step(t.retained_size),
            &super::trends::object_tooltip(titles, &t),
        );
    }
}

fn diff_cell_ui(
    ui: &mut Ui,
    cmp: &Arc<Comparison>,
    base: &Analysis,
    current: &Analysis,
    trends: Option<&ClassTrends>,
    key: &RowKey,
    col: usize,
) {
    match key {
        RowKey::DiffClass(i) => {
            let d = &cmp.classes[*i as usize];
            match col {
                0 => {
                    ui.label(RichText::new(&d.name).strong());
                }
                1 => right_ui(ui, count(u64::from(d.new_count))),
                2 => right_ui(ui, count(u64::from(d.deleted_count))),
                3 => signed_cell(ui, signed(d.count_delta()), d.count_delta()),
                4 => right_ui(ui, bytes(d.alloc_size as f64)),
                5 => right_ui(ui, bytes(d.freed_size as f64)),
                6 => signed_cell(ui, signed_bytes(d.size_delta()), d.size_delta()),
                _ => {
                    if let Some(t) = trends
                        && let Some(series) = t.by_key(&d.key)
                    {
                        super::trends::class_sparkline_ui(ui, &t.snapshots, &series);
                    }
                }
            }
        }
        RowKey::Object { node, base: in_base } => {
            let a = if *in_base { base } else { current };
            let size = a.self_size[*node as usize] as f64;
            match col {
                0 => {
                    let (mark, tip) = if *in_base {
                        ("−", "deleted: only in the base snapshot")
                    } else {
                        ("+", "new: only in this snapshot")
                    };
                    ui.label(RichText::new(mark).strong()).on_hover_text(tip);
                    object_label_ui(ui, a, *node, None);
                }
                4 if !in_base => right_ui(ui, bytes(size)),
                5 if *in_base => right_ui(ui, bytes(size)),
                _ => {}
            }
        }
        RowKey::Edge { edge, node, base: in_base } => {
            let a = if *in_base { base } else { current };
            if col == 0 {
                object_label_ui(ui, a, *node, Some(*edge));
            } else if col == 1 {
                ui.label(RichText::new(short(&distance_ui(i64::from(a.distance[*node as usize])), 8)).weak());
            }
        }
        _ => {}
    }
}
