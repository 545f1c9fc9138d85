//! A virtualized, sortable tree grid: the shape of every DevTools heap grid.
//!
//! A view describes its rows with a key type `K` (a class, an object, an edge…) and how to get
//! a row's children from the engine; [`TreeState`] keeps only view state (expanded rows, sort,
//! selection) and a cache of the visible rows, flattened once per change. Drawing goes through
//! `egui_extras::TableBuilder::rows`, which lays out only the rows on screen, so a class of a
//! million instances costs one `Vec` of small structs, not a million widgets.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use egui::{Color32, RichText, Sense, Ui};
use egui_extras::{Column, TableBuilder};

use crate::analysis::views::SortKey;

/// One visible row.
#[derive(Clone, Debug)]
pub struct FlatRow<K> {
    pub key: K,
    pub depth: u16,
    /// Identity of this row *at this position* (its chain of ancestors): expansion and
    /// selection are keyed by it.
    pub path: u64,
    pub expandable: bool,
    pub expanded: bool,
    /// The row's object already appears above it: shown, not expandable.
    pub cycle: bool,
}

/// A column of a grid.
#[derive(Clone, Copy, Debug)]
pub struct ColumnSpec {
    pub title: &'static str,
    pub sort: Option<SortKey>,
    pub width: f32,
}

/// View state of one grid.
pub struct TreeState<K> {
    pub expanded: HashSet<u64>,
    pub sort: SortKey,
    pub ascending: bool,
    pub selected: Option<u64>,
    /// Scroll this row into view on the next frame.
    pub scroll_to: Option<u64>,
    rows: Vec<FlatRow<K>>,
    dirty: bool,
    /// Bumped by every change; a background result for an older generation is dropped.
    generation: u64,
    /// Compute rows on a worker thread (big snapshots): frames never wait for a sort.
    pub background: bool,
    job: Option<std::sync::mpsc::Receiver<(u64, Vec<FlatRow<K>>)>>,
}

/// How a view's rows relate.
pub trait TreeModel<K> {
    fn roots(&self, sort: SortKey, ascending: bool) -> Vec<K>;
    fn children(&self, key: &K, sort: SortKey, ascending: bool) -> Vec<K>;
    fn expandable(&self, key: &K) -> bool;
    /// Identity used for expansion paths.
    fn identity(&self, key: &K) -> u64;
    /// The heap object a row stands for (cycle detection); `None` for class rows.
    fn object(&self, key: &K) -> Option<u64>;
    /// An object above the top-level rows (the Retainers pane's selected object), for cycles.
    fn root_object(&self) -> Option<u64> {
        None
    }
}

pub fn hash_of(value: impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// The path of a row with `identity` under the row at `parent` (0 for top-level rows).
pub fn child_path(parent: u64, identity: u64) -> u64 {
    hash_of((parent, identity))
}

impl<K: Clone> TreeState<K> {
    pub fn new(sort: SortKey, ascending: bool) -> TreeState<K> {
        TreeState {
            expanded: HashSet::new(),
            sort,
            ascending,
            selected: None,
            scroll_to: None,
            rows: Vec::new(),
            dirty: true,
            generation: 0,
            background: false,
            job: None,
        }
    }

    /// The visible rows must be recomputed (data, filter or sort changed).
    pub fn invalidate(&mut self) {
        self.dirty = true;
        self.generation += 1;
    }

    /// Rows are being computed in the background.
    pub fn is_computing(&self) -> bool {
        self.background && (self.dirty || self.job.is_some())
    }

    pub fn rows(&self) -> &[FlatRow<K>] {
        &self.rows
    }

    /// Recomputes the visible rows if something changed.
    pub fn refresh(&mut self, model: &dyn TreeModel<K>) {
        if !self.dirty || self.background {
            return;
        }
        self.dirty = false;
        self.rows = flatten(model, &self.expanded, self.sort, self.ascending);
    }

    /// Like [`TreeState::refresh`], on a worker thread: the grid keeps showing the previous rows
    /// until the new ones are ready, so sorting or expanding a class of millions of objects never
    /// holds a frame. Call once a frame.
    pub fn refresh_in_background(&mut self, model: std::sync::Arc<dyn TreeModel<K> + Send + Sync>, ctx: &egui::Context)
    where
        K: Send + 'static,
    {
        self.background = true;
        if let Some(rx) = &self.job {
            match rx.try_recv() {
                Ok((generation, rows)) => {
                    if generation == self.generation {
                        // Freeing millions of rows returns their pages to the OS: milliseconds
                        // that a frame should not wait for.
                        let old = std::mem::replace(&mut self.rows, rows);
                        if old.len() > 100_000 {
                            std::thread::spawn(move || drop(old));
                        }
                        self.dirty = false;
                    }
                    self.job = None;
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => return,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => self.job = None,
            }
        }
        if self.dirty && self.job.is_none() {
            let (tx, rx) = std::sync::mpsc::channel();
            let (generation, expanded, sort, ascending) =
                (self.generation, self.expanded.clone(), self.sort, self.ascending);
            let ctx = ctx.clone();
            std::thread::spawn(move || {
                let rows = flatten(&*model, &expanded, sort, ascending);
                let _ = tx.send((generation, rows));
                ctx.request_repaint();
            });
            self.job = Some(rx);
        }
    }

    /// The path of the row for `key` under the chain of `ancestors` (each a row key from the
    /// top level down), for revealing a row programmatically.
    pub fn path_for(model: &dyn TreeModel<K>, chain: &[K]) -> u64 {
        chain.iter().fold(0, |parent, k| child_path(parent, model.identity(k)))
    }

    pub fn expand_chain(&mut self, model: &dyn TreeModel<K>, chain: &[K]) {
        let mut parent = 0;
        for k in chain {
            parent = child_path(parent, model.identity(k));
            self.expanded.insert(parent);
        }
        self.invalidate();
    }

    pub fn selected_row(&self) -> Option<&FlatRow<K>> {
        let sel = self.selected?;
        self.rows.iter().find(|r| r.path == sel)
    }

    fn selected_index(&self) -> Option<usize> {
        let sel = self.selected?;
        self.rows.iter().position(|r| r.path == sel)
    }

    /// Arrow-key navigation: returns the newly selected row's key.
    pub fn move_selection(&mut self, delta: isize) -> Option<K> {
        if self.rows.is_empty() {
            return None;
        }
        let i = match self.selected_index() {
            Some(i) => (i as isize + delta).clamp(0, self.rows.len() as isize - 1) as usize,
            None => 0,
        };
        self.selected = Some(self.rows[i].path);
        self.scroll_to = self.selected;
        Some(self.rows[i].key.clone())
    }

    /// Right/Left on the selected row: expand/collapse (Left on a collapsed row goes to its
    /// parent).
    pub fn set_selected_expanded(&mut self, expand: bool) -> Option<K> {
        let i = self.selected_index()?;
        let row = &self.rows[i];
        if expand && row.expandable && !row.expanded {
            let path = row.path;
            self.expanded.insert(path);
            self.invalidate();
        } else if !expand && row.expanded {
            let path = row.path;
            self.expanded.remove(&path);
            self.invalidate();
        } else if !expand && row.depth > 0 {
            let depth = row.depth;
            if let Some(parent) = self.rows[..i].iter().rev().find(|r| r.depth < depth) {
                self.selected = Some(parent.path);
                self.scroll_to = self.selected;
                return Some(parent.key.clone());
            }
        }
        None
    }

    /// Arrow keys: ↑/↓ move the selection, → expands, ← collapses or goes to the parent.
    /// Returns the newly selected row's key.
    pub fn keyboard(&mut self, up: bool, down: bool, left: bool, right: bool) -> Option<K> {
        if up {
            return self.move_selection(-1);
        }
        if down {
            return self.move_selection(1);
        }
        if right {
            self.set_selected_expanded(true);
        }
        if left {
            return self.set_selected_expanded(false);
        }
        None
    }

    pub fn toggle(&mut self, path: u64) {
        if !self.expanded.remove(&path) {
            self.expanded.insert(path);
        }
        self.invalidate();
    }
}

/// The visible rows: depth-first over the expanded rows; iterative; `ancestors[d]` is the
/// object at depth d on the current path (for cycles).
pub fn flatten<K: Clone>(
    model: &dyn TreeModel<K>,
    expanded: &HashSet<u64>,
    sort: SortKey,
    ascending: bool,
) -> Vec<FlatRow<K>> {
    let mut rows = Vec::new();
    let mut stack: Vec<(K, u16, u64)> = model.roots(sort, ascending).into_iter().rev().map(|k| (k, 0, 0)).collect();
    let mut ancestors: Vec<Option<u64>> = Vec::new();
    while let Some((key, depth, parent)) = stack.pop() {
        ancestors.truncate(depth as usize);
        let object = model.object(&key);
        let cycle = object.is_some() && (ancestors.contains(&object) || model.root_object() == object);
        let path = child_path(parent, model.identity(&key));
        let expandable = !cycle && model.expandable(&key);
        let is_expanded = expandable && expanded.contains(&path);
        if is_expanded {
            let children = model.children(&key, sort, ascending);
            stack.extend(children.into_iter().rev().map(|c| (c, depth + 1, path)));
        }
        ancestors.push(object);
        rows.push(FlatRow { key, depth, path, expandable, expanded: is_expanded, cycle });
    }
    rows
}

/// What happened in the grid this frame.
pub struct GridEvents<K> {
    pub clicked: Option<K>,
    pub sort_changed: bool,
}

/// Draws the header and the visible rows. `cell` draws one cell; `menu` fills a row's context
/// menu.
#[allow(clippy::too_many_arguments)]
pub fn tree_grid_ui<K: Clone>(
    ui: &mut Ui,
    id_salt: &str,
    state: &mut TreeState<K>,
    model: &dyn TreeModel<K>,
    columns: &[ColumnSpec],
    cell: &mut dyn FnMut(&mut Ui, &K, usize),
    menu: &mut dyn FnMut(&mut Ui, &K),
) -> GridEvents<K> {
    state.refresh(model);
    let mut events = GridEvents { clicked: None, sort_changed: false };
    ui.style_mut().interaction.selectable_labels = false;
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    let mut table = TableBuilder::new(ui)
        .id_salt(id_salt)
        .striped(true)
        .resizable(true)
        .sense(Sense::click())
        .auto_shrink([false, false])
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
    for (i, c) in columns.iter().enumerate() {
        let col = if i == 0 {
            Column::remainder().at_least(c.width).clip(true)
        } else {
            Column::initial(c.width).at_least(40.0).clip(true)
        };
        table = table.column(col);
    }
    if let Some(target) = state.scroll_to.take()
        && let Some(i) = state.rows.iter().position(|r| r.path == target)
    {
        table = table.scroll_to_row(i, Some(egui::Align::Center));
    }
    let (sort, ascending) = (state.sort, state.ascending);
    let mut new_sort = None;
    let table = table.header(row_height + 2.0, |mut header| {
        for c in columns {
            header.col(|ui| {
                let arrow = match c.sort {
                    Some(k) if k == sort => {
                        if ascending {
                            " ⬆"
                        } else {
                            " ⬇"
                        }
                    }
                    _ => "",
                };
                let text = RichText::new(format!("{}{arrow}", c.title)).strong();
                let resp = ui.add(egui::Label::new(text).sense(Sense::click()));
                if let Some(k) = c.sort
                    && resp.clicked()
                {
                    new_sort = Some(if k == sort {
                        (k, !ascending)
                    } else {
                        // Names sort A→Z first, numbers largest first (as DevTools).
                        (k, k == SortKey::Name)
                    });
                }
            });
        }
    });
    let mut toggles = Vec::new();
    let mut clicked = None;
    let rows = &state.rows;
    let selected = state.selected;
    table.body(|body| {
        body.rows(row_height, rows.len(), |mut row| {
            let r = &rows[row.index()];
            row.set_selected(Some(r.path) == selected);
            for c in 0..columns.len() {
                row.col(|ui| {
                    if c == 0 {
                        ui.add_space(r.depth as f32 * 14.0);
                        if r.expandable {
                            let arrow = if r.expanded { "⏷" } else { "⏵" };
                            if ui.add(egui::Label::new(arrow).sense(Sense::click())).clicked() {
                                toggles.push(r.path);
                            }
                        } else {
                            ui.add_space(12.0);
                        }
                        if r.cycle {
                            ui.label(RichText::new("↻").color(Color32::from_rgb(200, 140, 40)))
                                .on_hover_text("This object already appears above: a cycle");
                        }
                    }
                    cell(ui, &r.key, c);
                });
            }
            let resp = row.response();
            if resp.clicked() || resp.secondary_clicked() {
                clicked = Some(row.index());
            }
            if resp.double_clicked() && r.expandable {
                toggles.push(r.path);
            }
            resp.context_menu(|ui| menu(ui, &r.key));
        });
    });
    for t in toggles {
        state.toggle(t);
    }
    if let Some(i) = clicked
        && let Some(r) = state.rows.get(i)
    {
        state.selected = Some(r.path);
        events.clicked = Some(r.key.clone());
    }
    if let Some((k, asc)) = new_sort {
        state.sort = k;
        state.ascending = asc;
        state.invalidate();
        events.sort_changed = true;
    }
    if state.dirty && !state.background {
        ui.ctx().request_repaint();
    }
    events
}
