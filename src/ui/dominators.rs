//! The Dominators view: the dominator tree from the root, each object's children being the
//! objects it alone keeps alive, largest retained size first (Eclipse MAT's and Firefox's
//! dominator trees; DevTools removed its own). Shallow / Retained (+ %) / Count columns,
//! sortable (Count: the objects a row's dominator subtrees hold, itself included, i.e. how many
//! objects would go with it); "Group by class" puts a level of classes between an object and its children at
//! every level (MAT's "Group by class", with summed sizes and counts).
//!
//! The children lists come from the engine ([`DominatorChildren`], built on a worker thread
//! once per snapshot); the grid is the shared virtualized tree grid ([`super::tree`]).

use super::per_snapshot::{PerSnapshot, Ready};
use std::sync::Arc;

use egui::{RichText, Ui};

use super::app::{App, Command, Item, SnapshotId};
use super::rows::{OBJECT_ACTIONS, object_label_ui, object_menu_ui, size_ui};
use super::tree::{ColumnSpec, TreeModel, TreeState, hash_of, tree_grid_ui};
use crate::analysis::Analysis;
use crate::analysis::classes::ClassId;
use crate::analysis::dominator_tree::{DominatorChildren, group_by_class};
use crate::analysis::format::{bytes, count};
use crate::analysis::views::{self, SortKey};
use crate::snapshot::NodeIdx;

pub const COLUMNS: [ColumnSpec; 4] = [
    ColumnSpec { title: "Object", sort: Some(SortKey::Name), width: 380.0 },
    ColumnSpec { title: "Shallow Size", sort: Some(SortKey::ShallowSize), width: 130.0 },
    ColumnSpec { title: "Retained Size", sort: Some(SortKey::RetainedSize), width: 130.0 },
    ColumnSpec { title: "Count", sort: Some(SortKey::Count), width: 80.0 },
];

/// A row: an object, or (grouped) the children of `parent` that are of one class. A group row
/// carries its sums, computed by the engine when its parent was expanded.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DomKey {
    Object(NodeIdx),
    Group { parent: NodeIdx, class: ClassId, count: u32, retained_count: u64, self_size: u64, retained_size: u64 },
}

impl DomKey {
    pub fn node(&self) -> Option<NodeIdx> {
        match self {
            DomKey::Object(n) => Some(*n),
            DomKey::Group { .. } => None,
        }
    }
}

struct DominatorsModel {
    a: Arc<Analysis>,
    tree: Arc<DominatorChildren>,
    grouped: bool,
    generation: u64,
}

impl DominatorsModel {
    /// The rows under object `n`: its dominated objects, or their classes.
    fn under(&self, n: NodeIdx, sort: SortKey, ascending: bool) -> Vec<DomKey> {
        let children = self.tree.children(n);
        if self.grouped {
            let mut groups = group_by_class(&self.a, &self.tree, children);
            views::sort_class_groups(&self.a, &mut groups, sort, ascending);
            return groups
                .into_iter()
                .map(|g| DomKey::Group {
                    parent: n,
                    class: g.class,
                    count: g.count,
                    retained_count: g.retained_count,
                    self_size: g.self_size,
                    retained_size: g.retained_size,
                })
                .collect();
        }
        let mut nodes = children.to_vec();
        // The engine's lists are already in the default order.
        if (sort, ascending) != views::DOMINATORS_DEFAULT_SORT {
            views::sort_dominated(&self.a, self.tree.retained_counts(), &mut nodes, sort, ascending);
        }
        nodes.into_iter().map(DomKey::Object).collect()
    }
}

impl TreeModel<DomKey> for DominatorsModel {
    fn roots(&self, sort: SortKey, ascending: bool) -> Vec<DomKey> {
        self.under(self.a.snapshot.root(), sort, ascending)
    }

    fn children(&self, key: &DomKey, sort: SortKey, ascending: bool) -> Vec<DomKey> {
        match key {
            DomKey::Object(n) => self.under(*n, sort, ascending),
            DomKey::Group { parent, class, .. } => {
                let mut members: Vec<NodeIdx> = self
                    .tree
                    .children(*parent)
                    .iter()
                    .copied()
                    .filter(|&c| self.a.classes.class_of[c as usize] == *class)
                    .collect();
                views::sort_dominated(&self.a, self.tree.retained_counts(), &mut members, sort, ascending);
                members.into_iter().map(DomKey::Object).collect()
            }
        }
    }

    fn expandable(&self, key: &DomKey) -> bool {
        match key {
            DomKey::Object(n) => !self.tree.children(*n).is_empty(),
            DomKey::Group { .. } => true,
        }
    }

    fn identity(&self, key: &DomKey) -> u64 {
        match key {
            DomKey::Object(n) => hash_of(("object", n)),
            DomKey::Group { class, .. } => hash_of(("class", class)),
        }
    }

    fn object(&self, key: &DomKey) -> Option<u64> {
        key.node().map(u64::from)
    }

    fn generation(&self) -> u64 {
        self.generation
    }
}

pub struct DominatorsView {
    pub tree: TreeState<DomKey>,
    pub group_by_class: bool,
    children: PerSnapshot<DominatorChildren>,
    /// Bumped when the rows' meaning changes (snapshot, grouping).
    generation: u64,
    /// Snapshots of at least this many nodes get their rows on a worker thread.
    pub background_rows_from_nodes: usize,
}

impl DominatorsView {
    pub fn new() -> DominatorsView {
        let (sort, ascending) = views::DOMINATORS_DEFAULT_SORT;
        DominatorsView {
            tree: TreeState::new(sort, ascending),
            group_by_class: false,
            children: PerSnapshot::new(),
            generation: 1,
            background_rows_from_nodes: super::summary::BACKGROUND_ROWS_FROM_NODES,
        }
    }

    /// A different snapshot: keep the sort and the grouping, forget rows and expansion.
    pub fn reset(&mut self) {
        self.tree.expanded.clear();
        self.tree.selected = None;
        self.tree.clear();
        self.generation += 1;
    }

    /// The children lists of snapshot `id`, once built; starts building them on a worker.
    fn children_for(
        &mut self,
        id: SnapshotId,
        a: &Arc<Analysis>,
        ctx: &egui::Context,
    ) -> Option<Arc<DominatorChildren>> {
        let a = a.clone();
        match self.children.get_or_start(id, ctx, move || DominatorChildren::build(&a)) {
            Ready::Kept(tree) => Some(tree),
            Ready::Arrived(tree) => {
                self.generation += 1;
                self.tree.invalidate();
                Some(tree)
            }
            Ready::Pending => None,
        }
    }

    /// Waits for the children lists being built (tests).
    pub fn wait(&mut self) {
        if self.children.wait() {
            self.generation += 1;
            self.tree.invalidate();
        }
    }

    pub fn is_busy(&self) -> bool {
        self.children.is_busy()
    }

    pub fn keyboard(&mut self, up: bool, down: bool, left: bool, right: bool) -> Option<DomKey> {
        self.tree.keyboard(up, down, left, right)
    }
}

impl Default for DominatorsView {
    fn default() -> Self {
        DominatorsView::new()
    }
}

/// The last column, right-aligned clear of the vertical scroll bar.
fn count_ui(ui: &mut Ui, objects: u64) {
    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
        ui.add_space(ui.spacing().scroll.bar_width + 4.0);
        ui.label(count(objects));
    });
}

pub fn dominators_ui(app: &mut App, ui: &mut Ui) {
    let Some(s) = app.current() else { return };
    let (id, a) = (s.id, s.analysis.clone());
    let mut commands = Vec::new();
    let view = &mut app.dominators;
    let total = a.total_size() as f64;
    let children = view.children_for(id, &a, ui.ctx());
    ui.horizontal(|ui| {
        if ui.checkbox(&mut view.group_by_class, "Group by class").changed() {
            view.tree.expanded.clear();
            view.tree.selected = None;
            view.generation += 1;
            view.tree.invalidate();
        }
        ui.separator();
        let root = a.snapshot.root();
        ui.label(format!(
            "Root retains {} of {} ({} objects)",
            bytes(a.retained_size[root as usize] as f64),
            bytes(total),
            count(a.node_count() as u64)
        ));
        if let Some(tree) = &children {
            ui.separator();
            let rows = view.tree.rows();
            super::export::export_menu_ui(
                ui,
                "Dominators",
                || super::export::dominators_table(&a, tree.retained_counts(), rows),
                &mut commands,
            );
        }
    });
    let Some(tree) = children else {
        super::rows::busy_ui(ui, "building the dominator tree…");
        return;
    };
    let model = Arc::new(DominatorsModel {
        a: a.clone(),
        tree,
        grouped: view.group_by_class,
        generation: hash_of((id, view.generation)),
    });
    let background = a.node_count() >= view.background_rows_from_nodes;
    view.tree.set_background(background);
    if background {
        view.tree.refresh_in_background(model.clone(), ui.ctx());
        if view.tree.is_computing() {
            super::rows::busy_ui(ui, "sorting…");
        }
    }
    let events = tree_grid_ui(
        ui,
        "dominators",
        &mut view.tree,
        model.as_ref(),
        &COLUMNS,
        &mut |ui, key, col| match key {
            DomKey::Object(n) => {
                let n = *n;
                match col {
                    0 => object_label_ui(ui, &a, n, None),
                    1 => size_ui(ui, f64::from(a.self_size[n as usize]), total),
                    2 => size_ui(ui, a.retained_size[n as usize] as f64, total),
                    _ => count_ui(ui, u64::from(model.tree.retained_count(n))),
                }
            }
            DomKey::Group { class, count: members, retained_count, self_size, retained_size, .. } => match col {
                0 => {
                    ui.label(RichText::new(&a.classes.classes[*class as usize].name).strong());
                    ui.label(RichText::new(format!("×{}", count(u64::from(*members)))).weak());
                }
                1 => size_ui(ui, *self_size as f64, total),
                2 => size_ui(ui, *retained_size as f64, total),
                _ => count_ui(ui, *retained_count),
            },
        },
        &mut |ui, key| match key {
            DomKey::Object(n) => object_menu_ui(ui, &a, id, *n, &OBJECT_ACTIONS, &mut commands),
            DomKey::Group { class, .. } => {
                if ui.button("Copy class name").clicked() {
                    commands.push(Command::Copy(a.classes.classes[*class as usize].name.clone()));
                    ui.close();
                }
            }
        },
    );
    if let Some(node) = events.clicked.as_ref().and_then(DomKey::node) {
        commands.push(Command::Select(Item::Node { snapshot: id, node }));
    }
    for c in commands {
        app.push(c);
    }
}
