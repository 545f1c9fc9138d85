//! The Containment view: the graph from the root down (GC roots, global, …), every object
//! expandable into its edges (DevTools' `HeapSnapshotContainmentDataGrid`).

use egui::Ui;

use super::app::{App, Command, Item};
use super::rows::{OBJECT_ACTIONS, RowKey, object_label_ui, object_menu_ui, object_value_ui};
use super::summary::edge_children;
use super::tree::{ColumnSpec, TreeModel, TreeState, hash_of, tree_grid_ui};
use crate::analysis::Analysis;
use crate::analysis::views::SortKey;

pub const COLUMNS: [ColumnSpec; 4] = [
    ColumnSpec { title: "Object", sort: Some(SortKey::Name), width: 360.0 },
    ColumnSpec { title: "Distance", sort: Some(SortKey::Distance), width: 70.0 },
    ColumnSpec { title: "Shallow Size", sort: Some(SortKey::ShallowSize), width: 130.0 },
    ColumnSpec { title: "Retained Size", sort: Some(SortKey::RetainedSize), width: 130.0 },
];

pub struct ContainmentView {
    pub tree: TreeState<RowKey>,
}

struct ContainmentModel<'a> {
    a: &'a Analysis,
    /// The snapshot whose nodes the rows are.
    snapshot: u64,
}

impl TreeModel<RowKey> for ContainmentModel<'_> {
    fn roots(&self, sort: SortKey, ascending: bool) -> Vec<RowKey> {
        let root = RowKey::Object { node: self.a.snapshot.root(), base: false };
        edge_children(self.a, &root, sort, ascending)
    }

    fn children(&self, key: &RowKey, sort: SortKey, ascending: bool) -> Vec<RowKey> {
        edge_children(self.a, key, sort, ascending)
    }

    fn expandable(&self, key: &RowKey) -> bool {
        key.node().is_some_and(|n| !self.a.snapshot.edges(n).is_empty())
    }

    fn identity(&self, key: &RowKey) -> u64 {
        hash_of(key)
    }

    fn object(&self, key: &RowKey) -> Option<u64> {
        key.node().map(u64::from)
    }

    fn generation(&self) -> u64 {
        self.snapshot
    }
}

impl ContainmentView {
    pub fn new() -> ContainmentView {
        ContainmentView { tree: TreeState::new(SortKey::RetainedSize, false) }
    }

    pub fn reset(&mut self) {
        self.tree.expanded.clear();
        self.tree.selected = None;
        self.tree.invalidate();
    }

    pub fn keyboard(&mut self, up: bool, down: bool, left: bool, right: bool) -> Option<RowKey> {
        self.tree.keyboard(up, down, left, right)
    }
}

impl Default for ContainmentView {
    fn default() -> Self {
        ContainmentView::new()
    }
}

pub fn containment_ui(app: &mut App, ui: &mut Ui) {
    let Some(s) = app.current() else { return };
    let (id, a) = (s.id, s.analysis.clone());
    let mut commands = Vec::new();
    let model = ContainmentModel { a: &a, snapshot: id };
    ui.horizontal(|ui| {
        let rows = app.containment.tree.rows();
        super::export::export_menu_ui(ui, "Containment", || super::export::objects_table(&a, rows), &mut commands);
    });
    let events = tree_grid_ui(
        ui,
        "containment",
        &mut app.containment.tree,
        &model,
        &COLUMNS,
        &mut |ui, key, col| {
            if let RowKey::Edge { edge, node, .. } = key {
                if col == 0 {
                    object_label_ui(ui, &a, *node, Some(*edge));
                } else {
                    object_value_ui(ui, &a, *node, col);
                }
            }
        },
        &mut |ui, key| {
            if let Some(node) = key.node() {
                object_menu_ui(ui, &a, id, node, &OBJECT_ACTIONS, &mut commands);
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
