//! The Retainers pane: what keeps the selected object alive (DevTools'
//! `HeapSnapshotRetainmentDataGrid`).
//!
//! It follows the selection in every view. On selection the shortest path to a root is expanded
//! automatically, by DevTools' rule (`expandRetainersChain(20)`: the first retainer, level after
//! level, until a user root). Weak edges are left out. "Ignore this retainer" recomputes the
//! distances without the ignored objects, as DevTools does, and re-sorts.

use egui::{RichText, Ui};

use super::app::{App, Command, Item};
use super::rows::{OBJECT_ACTIONS, ObjectAction, RowKey, object_label_ui, object_menu_ui, size_ui};
use super::tree::{ColumnSpec, TreeModel, TreeState, hash_of, tree_grid_ui};
use crate::analysis::Analysis;
use crate::analysis::distances::BASE_UNREACHABLE_DISTANCE;
use crate::analysis::format::distance_ui;
use crate::analysis::paths::{self, RetainersView};
use crate::analysis::views::SortKey;
use crate::snapshot::NodeIdx;

pub const COLUMNS: [ColumnSpec; 4] = [
    ColumnSpec { title: "Object", sort: None, width: 360.0 },
    ColumnSpec { title: "Distance", sort: None, width: 70.0 },
    ColumnSpec { title: "Shallow Size", sort: None, width: 130.0 },
    ColumnSpec { title: "Retained Size", sort: None, width: 130.0 },
];

pub struct RetainersPane {
    pub tree: TreeState<RowKey>,
    for_item: Option<Item>,
}

struct RetainersModel<'a> {
    a: &'a Analysis,
    view: &'a RetainersView,
    target: NodeIdx,
    /// The selected object (snapshot and node) the rows lead to.
    generation: u64,
}

impl TreeModel<RowKey> for RetainersModel<'_> {
    fn roots(&self, _sort: SortKey, _ascending: bool) -> Vec<RowKey> {
        self.retainers_of(self.target)
    }

    fn children(&self, key: &RowKey, _sort: SortKey, _ascending: bool) -> Vec<RowKey> {
        key.node().map(|n| self.retainers_of(n)).unwrap_or_default()
    }

    fn expandable(&self, key: &RowKey) -> bool {
        key.node().is_some_and(|n| self.a.retainers.count(n) > 0)
    }

    fn identity(&self, key: &RowKey) -> u64 {
        hash_of(key)
    }

    fn object(&self, key: &RowKey) -> Option<u64> {
        key.node().map(u64::from)
    }

    fn root_object(&self) -> Option<u64> {
        Some(u64::from(self.target))
    }

    fn generation(&self) -> u64 {
        self.generation
    }
}

impl RetainersModel<'_> {
    /// In DevTools' default order (distance, then name).
    fn retainers_of(&self, n: NodeIdx) -> Vec<RowKey> {
        paths::retainer_rows(self.a, self.view, n)
            .into_iter()
            .map(|r| RowKey::Retainer { edge: r.edge, node: r.node })
            .collect()
    }
}

impl RetainersPane {
    pub fn new() -> RetainersPane {
        RetainersPane { tree: TreeState::new(SortKey::Distance, true), for_item: None }
    }

    /// The selection changed: expand the new object's path on the next frame.
    pub fn reset(&mut self) {
        self.for_item = None;
    }

    /// Distances changed (ignored retainers): re-sort, keep what is expanded.
    pub fn invalidate(&mut self) {
        self.tree.invalidate();
    }

    fn auto_expand(&mut self, model: &RetainersModel<'_>) {
        self.tree.expanded.clear();
        self.tree.selected = None;
        let path = paths::shortest_path(model.a, model.view, model.target);
        let chain: Vec<RowKey> = path.edges.iter().map(|r| RowKey::Retainer { edge: r.edge, node: r.node }).collect();
        if chain.len() > 1 {
            self.tree.expand_chain(model, &chain[..chain.len() - 1]);
        }
        self.tree.invalidate();
    }
}

impl Default for RetainersPane {
    fn default() -> Self {
        RetainersPane::new()
    }
}

pub fn retainers_ui(app: &mut App, ui: &mut Ui) {
    let Some(item) = app.selection.clone() else {
        ui.label(RichText::new("Retainers: select an object to see what keeps it alive.").weak());
        return;
    };
    let Item::Node { snapshot, node } = item.clone();
    let Some(s) = app.loaded(snapshot) else { return };
    let a = s.analysis.clone();
    let view = s.retainers_view.clone();
    let title = s.title.clone();
    let mut commands = Vec::new();
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Retainers").strong());
        ui.label(format!("of {} @{}", super::rows::short(&a.display_name(node), 80), a.snapshot.node_id(node)));
        ui.label(RichText::new(format!("in {title}")).weak());
        if !view.ignored().is_empty() {
            ui.separator();
            ui.label(RichText::new(format!("{} ignored", view.ignored().len())).weak());
            if ui.button("Restore ignored retainers").clicked() {
                commands.push(Command::RestoreIgnored(snapshot));
            }
        }
    });
    let model = RetainersModel { a: &a, view: &view, target: node, generation: hash_of(("retainers", snapshot, node)) };
    let pane = &mut app.retainers;
    if pane.for_item.as_ref() != Some(&item) {
        pane.auto_expand(&model);
        pane.for_item = Some(item);
    }
    ui.horizontal(|ui| {
        let rows = pane.tree.rows();
        super::export::export_menu_ui(ui, "Retainers", || super::export::objects_table(&a, rows), &mut commands);
    });
    let total = a.total_size() as f64;
    let events = tree_grid_ui(
        ui,
        "retainers",
        &mut pane.tree,
        &model,
        &COLUMNS,
        &mut |ui, key, col| {
            let RowKey::Retainer { edge, node: n } = key else { return };
            let n = *n;
            match col {
                0 => {
                    object_label_ui(ui, &a, n, Some(*edge));
                    if view.is_ignored(n) {
                        ui.label(RichText::new("(ignored)").italics().weak());
                    }
                }
                1 => {
                    let d = if view.is_edge_ignored(*edge) { BASE_UNREACHABLE_DISTANCE } else { view.distance(&a, n) };
                    ui.label(distance_ui(d));
                }
                2 => size_ui(ui, f64::from(a.self_size[n as usize]), total),
                _ => size_ui(ui, a.retained_size[n as usize] as f64, total),
            }
        },
        &mut |ui, key| {
            if let Some(n) = key.node() {
                let ignore = if view.is_ignored(n) { ObjectAction::StopIgnoring } else { ObjectAction::IgnoreRetainer };
                let mut actions = OBJECT_ACTIONS.to_vec();
                actions.push(ignore);
                object_menu_ui(ui, &a, snapshot, n, &actions, &mut commands);
            }
        },
    );
    if let Some(n) = events.clicked.as_ref().and_then(RowKey::node) {
        // Selecting a retainer here would re-root this pane; keep it, but remember it for the
        // context menu's actions and keyboard.
        let _ = n;
    }
    for c in commands {
        app.push(c);
    }
}
