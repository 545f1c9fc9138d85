//! The Summary view: classes → instances → their edges, recursively (DevTools'
//! `HeapSnapshotConstructorsDataGrid`), with the class filter, preset filters, search and the
//! `Total: N objects, S` line.

use std::sync::Arc;

use egui::{RichText, Ui};

use super::app::{App, Command, Item, SnapshotId};
use super::rows::{OBJECT_ACTIONS, RowKey, object_label_ui, object_menu_ui, object_value_ui, right_ui, size_ui};
use super::tree::{ColumnSpec, TreeModel, TreeState, hash_of, tree_grid_ui};
use crate::analysis::Analysis;
use crate::analysis::aggregates::Aggregates;
use crate::analysis::format::{bytes, count, distance_ui};
use crate::analysis::trends::ClassTrends;
use crate::analysis::views::{self, NodeFilter, SortKey};
use crate::snapshot::NodeIdx;

pub const COLUMNS: [ColumnSpec; 5] = [
    ColumnSpec { title: "Constructor", sort: Some(SortKey::Name), width: 320.0 },
    ColumnSpec { title: "Distance", sort: Some(SortKey::Distance), width: 70.0 },
    ColumnSpec { title: "Count", sort: Some(SortKey::Count), width: 80.0 },
    ColumnSpec { title: "Shallow Size", sort: Some(SortKey::ShallowSize), width: 130.0 },
    ColumnSpec { title: "Retained Size", sort: Some(SortKey::RetainedSize), width: 130.0 },
];

/// The column added when three or more snapshots of one process are loaded
/// ([`super::trends`]); sorting by it is by growth.
pub const TREND_COLUMN: ColumnSpec = ColumnSpec { title: "Trend", sort: Some(SortKey::Growth), width: 110.0 };

/// The node a row key stands for.
pub fn node_of_key(key: &RowKey) -> Option<NodeIdx> {
    key.node()
}

/// A preset filter as offered in the combo box.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preset {
    pub label: String,
    pub filter: NodeFilter,
}

pub struct SummaryView {
    pub tree: TreeState<RowKey>,
    pub class_filter: String,
    pub preset: usize,
    aggregates: Option<(SnapshotId, NodeFilter, Arc<Aggregates>)>,
    /// Bumped whenever `aggregates` change: the rows' [`TreeModel::generation`].
    aggregates_generation: u64,
    /// Snapshots of at least this many nodes get their rows on a worker thread (settable, so a
    /// test can switch between both kinds with small snapshots).
    pub background_rows_from_nodes: usize,
    pub search: String,
    matches: Vec<NodeIdx>,
    searched: String,
    match_pos: usize,
    pub focus_search: bool,
    /// The trends the rows were sorted with (their address): new ones re-sort.
    trends_seen: usize,
}

/// Summaries of snapshots above this many nodes compute their rows on a worker thread.
pub const BACKGROUND_ROWS_FROM_NODES: usize = 2_000_000;

struct SummaryModel {
    a: Arc<Analysis>,
    aggs: Arc<Aggregates>,
    /// Series over the loaded snapshots, for the Trend column's sort.
    trends: Option<Arc<ClassTrends>>,
    filter: String,
    /// Which `aggs` the class rows index.
    generation: u64,
}

impl TreeModel<RowKey> for SummaryModel {
    fn roots(&self, sort: SortKey, ascending: bool) -> Vec<RowKey> {
        let mut rows: Vec<u32> = (0..self.aggs.rows.len() as u32)
            .filter(|&i| {
                self.filter.is_empty() || self.aggs.rows[i as usize].name.to_lowercase().contains(&self.filter)
            })
            .collect();
        match (&self.trends, sort) {
            (Some(t), SortKey::Growth) => {
                let r = &self.aggs.rows;
                views::sort_by_growth(&mut rows, |i| (&r[i as usize].name, &r[i as usize].key), t, ascending)
            }
            _ => views::sort_class_rows(&self.aggs.rows, &mut rows, sort, ascending),
        }
        rows.into_iter().map(RowKey::Class).collect()
    }

    fn children(&self, key: &RowKey, sort: SortKey, ascending: bool) -> Vec<RowKey> {
        match key {
            RowKey::Class(i) => {
                let mut members = self.aggs.members(*i as usize, &self.a.classes, &self.a.self_size);
                views::sort_nodes(&self.a, &mut members, sort, ascending);
                members.into_iter().map(|node| RowKey::Object { node, base: false }).collect()
            }
            _ => edge_children(&self.a, key, sort, ascending),
        }
    }

    fn expandable(&self, key: &RowKey) -> bool {
        match key {
            RowKey::Class(_) => true,
            k => k.node().is_some_and(|n| !self.a.snapshot.edges(n).is_empty()),
        }
    }

    fn identity(&self, key: &RowKey) -> u64 {
        match key {
            RowKey::Class(i) => hash_of(("class", &self.aggs.rows[*i as usize].key)),
            RowKey::Object { node, .. } => hash_of(("object", node)),
            RowKey::Edge { edge, .. } => hash_of(("edge", edge)),
            other => hash_of(other),
        }
    }

    fn object(&self, key: &RowKey) -> Option<u64> {
        key.node().map(u64::from)
    }

    fn generation(&self) -> u64 {
        self.generation
    }
}

/// Children of an object row: its edges, sorted (DevTools `HeapSnapshotObjectNode`).
pub fn edge_children(a: &Analysis, key: &RowKey, sort: SortKey, ascending: bool) -> Vec<RowKey> {
    let Some(n) = key.node() else { return Vec::new() };
    let base = key.in_base();
    let mut edges = views::containment_edges(a, n);
    views::sort_edges(a, &mut edges, sort, ascending);
    edges.into_iter().map(|edge| RowKey::Edge { edge, node: a.snapshot.edge_to(edge), base }).collect()
}

impl SummaryView {
    pub fn new() -> SummaryView {
        SummaryView {
            tree: TreeState::new(views::SUMMARY_DEFAULT_SORT.0, views::SUMMARY_DEFAULT_SORT.1),
            class_filter: String::new(),
            preset: 0,
            aggregates: None,
            aggregates_generation: 1,
            background_rows_from_nodes: BACKGROUND_ROWS_FROM_NODES,
            search: String::new(),
            matches: Vec::new(),
            searched: String::new(),
            match_pos: 0,
            focus_search: false,
            trends_seen: 0,
        }
    }

    /// A different snapshot: keep the sort, forget rows and expansion.
    pub fn reset(&mut self) {
        self.tree.expanded.clear();
        self.tree.selected = None;
        // The rows index the old snapshot's aggregates: gone now, not kept until new ones come.
        self.tree.clear();
        self.preset = 0;
        self.aggregates = None;
        self.aggregates_generation += 1;
        self.matches.clear();
        self.searched.clear();
    }

    /// The Summary rows under the current preset filter (cached).
    fn aggregates_for(&mut self, id: SnapshotId, a: &Analysis, filter: &NodeFilter) -> Arc<Aggregates> {
        if let Some((sid, f, aggs)) = &self.aggregates
            && *sid == id
            && f == filter
        {
            return aggs.clone();
        }
        let aggs = views::filtered_aggregates(a, filter);
        self.aggregates = Some((id, filter.clone(), aggs.clone()));
        self.aggregates_generation += 1;
        self.tree.invalidate();
        aggs
    }

    /// Makes `node` visible and selected: clears filters that hide it, expands its class.
    pub fn reveal(&mut self, a: &Arc<Analysis>, node: NodeIdx) {
        let key = a.class_key(node).to_string();
        let name = a.class_name(node).to_lowercase();
        if !self.class_filter.is_empty() && !name.contains(&self.class_filter.to_lowercase()) {
            self.class_filter.clear();
        }
        let shown = self
            .aggregates
            .as_ref()
            .map(|(_, _, g)| g.clone())
            .filter(|g| g.row_by_key(&key).is_some_and(|r| g.contains(r, node, &a.classes, &a.self_size)));
        let aggs = match shown {
            Some(g) => g,
            None => {
                // The current preset hides it: back to "All objects".
                self.preset = 0;
                self.aggregates = None;
                self.aggregates_generation += 1;
                a.aggregates.clone()
            }
        };
        let Some(row) = aggs.row_by_key(&key) else { return };
        let model = SummaryModel {
            a: a.clone(),
            aggs: aggs.clone(),
            trends: None,
            filter: String::new(),
            generation: self.aggregates_generation,
        };
        let chain = [RowKey::Class(row as u32), RowKey::Object { node, base: false }];
        self.tree.expand_chain(&model, &chain[..1]);
        let path = TreeState::path_for(&model, &chain);
        self.tree.selected = Some(path);
        self.tree.scroll_to = Some(path);
        self.tree.invalidate();
    }

    pub fn keyboard(&mut self, up: bool, down: bool, left: bool, right: bool) -> Option<RowKey> {
        self.tree.keyboard(up, down, left, right)
    }
}

impl Default for SummaryView {
    fn default() -> Self {
        SummaryView::new()
    }
}

/// The preset filters for the snapshot at `index` (DevTools' filter combo box).
pub fn presets(app: &App, index: usize) -> Vec<Preset> {
    let mut out = vec![Preset { label: "All objects".into(), filter: NodeFilter::All }];
    for i in 0..=index {
        let max = app.snapshots[i].analysis.max_js_object_id();
        let (label, min) = if i == 0 {
            (format!("Objects allocated before {}", app.snapshots[0].title), 0)
        } else {
            (
                format!("Objects allocated between {} and {}", app.snapshots[i - 1].title, app.snapshots[i].title),
                app.snapshots[i - 1].analysis.max_js_object_id(),
            )
        };
        if index > 0 {
            out.push(Preset { label, filter: NodeFilter::IdRange { min, max } });
        }
    }
    out.push(Preset { label: "Duplicated strings".into(), filter: NodeFilter::DuplicatedStrings });
    out
}

pub fn summary_ui(app: &mut App, ui: &mut Ui) {
    let Some(id) = app.current else {
        ui.centered_and_justified(|ui| ui.label("Open a heap snapshot (Open…, or drop files on the window)."));
        return;
    };
    let Some(index) = app.snapshots.iter().position(|s| s.id == id) else { return };
    let a = app.snapshots[index].analysis.clone();
    let presets = presets(app, index);
    let mut commands = Vec::new();
    let trend_status = super::trends::class_trends(app, ui.ctx());
    let trends = match &trend_status {
        super::trends::Status::Ready(t) => Some(t.clone()),
        _ => None,
    };
    let view = &mut app.summary;
    let seen = trends.as_ref().map_or(0, |t| Arc::as_ptr(t) as usize);
    if seen != view.trends_seen {
        view.trends_seen = seen;
        view.tree.invalidate();
    }
    view.preset = view.preset.min(presets.len() - 1);

    // Wrapped: at narrow widths the filters take two lines rather than widening the grid.
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Class filter");
        let filter = ui
            .add(egui::TextEdit::singleline(&mut view.class_filter).hint_text("Class filter").desired_width(160.0))
            .labelled_by(label.id);
        if filter.changed() {
            view.tree.invalidate();
        }
        let before = view.preset;
        egui::ComboBox::from_label("Filter").selected_text(presets[view.preset].label.clone()).width(260.0).show_ui(
            ui,
            |ui| {
                for (i, p) in presets.iter().enumerate() {
                    ui.selectable_value(&mut view.preset, i, p.label.clone());
                }
            },
        );
        if view.preset != before {
            view.tree.expanded.clear();
            view.tree.invalidate();
        }
        ui.separator();
        let find = ui.label("Find");
        let search = ui
            .add(egui::TextEdit::singleline(&mut view.search).hint_text("name or @id (Ctrl+F)").desired_width(180.0))
            .labelled_by(find.id);
        if view.focus_search {
            search.request_focus();
            view.focus_search = false;
        }
        let enter = search.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let prev = ui.button("⬆").on_hover_text("Previous match").clicked();
        let next = ui.button("⬇").on_hover_text("Next match").clicked();
        if enter || prev || next {
            if view.searched != view.search {
                view.matches = views::search(&a, &view.search);
                view.searched = view.search.clone();
                view.match_pos = 0;
            } else if !view.matches.is_empty() {
                let n = view.matches.len();
                view.match_pos = if prev { (view.match_pos + n - 1) % n } else { (view.match_pos + 1) % n };
            }
            if let Some(&node) = view.matches.get(view.match_pos) {
                commands.push(Command::RevealInSummary(Item::Node { snapshot: id, node }));
            }
        }
        if !view.searched.is_empty() {
            let text = if view.matches.is_empty() {
                "no matches".to_string()
            } else {
                format!("{} of {}", view.match_pos + 1, view.matches.len())
            };
            ui.label(RichText::new(text).weak());
        }
    });

    let filter = presets[view.preset].filter.clone();
    let aggs = view.aggregates_for(id, &a, &filter);
    let model = Arc::new(SummaryModel {
        a: a.clone(),
        aggs: aggs.clone(),
        trends: trends.clone(),
        filter: view.class_filter.to_lowercase(),
        generation: view.aggregates_generation,
    });
    let background = a.node_count() >= view.background_rows_from_nodes;
    view.tree.set_background(background);
    if background {
        view.tree.refresh_in_background(model.clone(), ui.ctx());
    }
    ui.horizontal(|ui| {
        ui.label(format!("Total: {} objects, {}", count(aggs.total_count()), bytes(aggs.total_self_size() as f64)));
        if view.tree.is_computing() {
            super::rows::busy_ui(ui, "sorting…");
        }
        super::trends::status_ui(ui, &trend_status);
        ui.separator();
        let tree = &view.tree;
        super::export::export_menu_ui(
            ui,
            "Summary",
            || super::export::summary_table(&a, &aggs, trends.as_deref(), tree.rows()),
            &mut commands,
        );
    });
    let mut columns = COLUMNS.to_vec();
    if trends.is_some() {
        columns.push(TREND_COLUMN);
    }
    let total = a.total_size() as f64;
    let events = tree_grid_ui(
        ui,
        "summary",
        &mut view.tree,
        model.as_ref(),
        &columns,
        &mut |ui, key, col| match key {
            RowKey::Class(i) => {
                let r = &aggs.rows[*i as usize];
                match col {
                    0 => {
                        ui.label(RichText::new(&r.name).strong());
                        ui.label(RichText::new(format!("×{}", count(u64::from(r.count)))).weak());
                    }
                    1 => {
                        ui.label(distance_ui(i64::from(r.distance)));
                    }
                    2 => right_ui(ui, count(u64::from(r.count))),
                    3 => size_ui(ui, r.self_size as f64, total),
                    4 => size_ui(ui, r.retained_size as f64, total),
                    _ => {
                        if let Some(t) = trends.as_ref()
                            && let Some(series) = t.by_key(&r.key)
                        {
                            super::trends::class_sparkline_ui(ui, &t.snapshots, &series);
                        }
                    }
                }
            }
            RowKey::Object { node, .. } => match col {
                0 => object_label_ui(ui, &a, *node, None),
                2 | 5 => {}
                c => object_value_ui(ui, &a, *node, if c > 2 { c - 1 } else { c }),
            },
            RowKey::Edge { edge, node, .. } => match col {
                0 => object_label_ui(ui, &a, *node, Some(*edge)),
                2 | 5 => {}
                c => object_value_ui(ui, &a, *node, if c > 2 { c - 1 } else { c }),
            },
            _ => {}
        },
        &mut |ui, key| {
            if let Some(node) = key.node() {
                object_menu_ui(ui, &a, id, node, &OBJECT_ACTIONS, &mut commands);
            } else if let RowKey::Class(i) = key {
                let name = aggs.rows[*i as usize].name.clone();
                if ui.button("Merged retainer paths").clicked() {
                    commands.push(Command::ShowMergedPaths(super::merged_paths::PathsRequest {
                        snapshot: id,
                        base: None,
                        class: name.clone(),
                        objects: super::merged_paths::Objects::Class { aggregates: aggs.clone(), row: *i },
                    }));
                    ui.close();
                }
                if ui.button("Copy class name").clicked() {
                    commands.push(Command::Copy(name));
                    ui.close();
                }
            }
        },
    );
    if let Some(node) = events.clicked.as_ref().and_then(RowKey::node) {
        commands.push(Command::Select(Item::Node { snapshot: id, node }));
    }
    for c in commands {
        app.push(c);
    }
}
