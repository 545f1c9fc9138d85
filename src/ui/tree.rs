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
    /// The [`TreeModel::generation`] `rows` were built for: keys index that model's data (a
    /// class row is an index into one snapshot's aggregates under one filter), so rows of
    /// another generation are never drawn or navigated.
    rows_for: u64,
    /// The model generation last seen.
    model_generation: u64,
    dirty: bool,
    /// Bumped by every change; a background result for an older generation is dropped.
    generation: u64,
    /// Compute rows on a worker thread (big snapshots): frames never wait for a sort.
    background: bool,
    /// Background rows: (state generation, model generation, rows).
    job: Option<std::sync::mpsc::Receiver<BackgroundRows<K>>>,
}

type BackgroundRows<K> = (u64, u64, Vec<FlatRow<K>>);

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
    /// Identity of the data the keys index (a snapshot, a Comparison, one filter's
    /// aggregates): when it changes, rows built before are dropped, never drawn.
    fn generation(&self) -> u64 {
        0
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

impl<K: Clone + Send + 'static> TreeState<K> {
    pub fn new(sort: SortKey, ascending: bool) -> TreeState<K> {
        TreeState {
            expanded: HashSet::new(),
            sort,
            ascending,
            selected: None,
            scroll_to: None,
            rows: Vec::new(),
            rows_for: 0,
            model_generation: 0,
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

    /// The rows, if they were built for the model last seen (else none).
    pub fn rows(&self) -> &[FlatRow<K>] {
        if self.rows_for == self.model_generation { &self.rows } else { &[] }
    }

    /// Forgets the rows and any rows being built (the data they index is gone).
    pub fn clear(&mut self) {
        drop_later(std::mem::take(&mut self.rows));
        self.job = None;
        self.invalidate();
    }

    /// Rows of another model generation index other data: drop them and any job building them.
    fn follow_model(&mut self, generation: u64) {
        if generation != self.model_generation {
            self.model_generation = generation;
            self.clear();
        }
    }

    /// Computes rows on a worker thread (`true`: big snapshots) or in the frame. Set every frame
    /// by the view: a snapshot switch can change it either way.
    pub fn set_background(&mut self, on: bool) {
        if self.background && !on {
            // A job in flight would never be polled: its rows are recomputed here instead.
            self.job = None;
        }
        self.background = on;
    }

    /// Recomputes the visible rows if something changed.
    pub fn refresh(&mut self, model: &dyn TreeModel<K>) {
        self.follow_model(model.generation());
        if !self.dirty || self.background {
            return;
        }
        self.dirty = false;
        self.rows = flatten(model, &self.expanded, self.sort, self.ascending);
        self.rows_for = self.model_generation;
    }

    /// Like [`TreeState::refresh`], on a worker thread: the grid keeps showing the previous rows
    /// until the new ones are ready, so sorting or expanding a class of millions of objects never
    /// holds a frame. Call once a frame.
    pub fn refresh_in_background(&mut self, model: std::sync::Arc<dyn TreeModel<K> + Send + Sync>, ctx: &egui::Context)
    where
        K: Send + 'static,
    {
        self.follow_model(model.generation());
        self.background = true;
        if let Some(rx) = &self.job {
            match rx.try_recv() {
                Ok((generation, model_generation, rows)) => {
                    if generation == self.generation && model_generation == self.model_generation {
                        drop_later(std::mem::replace(&mut self.rows, rows));
                        self.rows_for = model_generation;
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
            let (generation, model_generation, expanded, sort, ascending) =
                (self.generation, self.model_generation, self.expanded.clone(), self.sort, self.ascending);
            let ctx = ctx.clone();
            std::thread::spawn(move || {
                let rows = flatten(&*model, &expanded, sort, ascending);
                let _ = tx.send((generation, model_generation, rows));
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
        self.rows().iter().find(|r| r.path == sel)
    }

    fn selected_index(&self) -> Option<usize> {
        let sel = self.selected?;
        self.rows().iter().position(|r| r.path == sel)
    }

    /// Arrow-key navigation: returns the newly selected row's key.
    pub fn move_selection(&mut self, delta: isize) -> Option<K> {
        let rows = self.rows();
        if rows.is_empty() {
            return None;
        }
        let i = match self.selected_index() {
            Some(i) => (i as isize + delta).clamp(0, rows.len() as isize - 1) as usize,
            None => 0,
        };
        let (path, key) = (rows[i].path, rows[i].key.clone());
        self.selected = Some(path);
        self.scroll_to = self.selected;
        Some(key)
    }

    /// Right/Left on the selected row: expand/collapse (Left on a collapsed row goes to its
    /// parent).
    pub fn set_selected_expanded(&mut self, expand: bool) -> Option<K> {
        let i = self.selected_index()?;
        let row = &self.rows()[i];
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
            if let Some((path, key)) =
                self.rows()[..i].iter().rev().find(|r| r.depth < depth).map(|r| (r.path, r.key.clone()))
            {
                self.selected = Some(path);
                self.scroll_to = self.selected;
                return Some(key);
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

/// Drops rows off the frame: freeing millions of rows returns their pages to the OS,
/// milliseconds that a frame should not wait for.
fn drop_later<K: Send + 'static>(rows: Vec<FlatRow<K>>) {
    if rows.len() > 100_000 {
        std::thread::spawn(move || drop(rows));
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

/// The name column's narrowest width before the grid scrolls sideways.
pub const NAME_MIN_WIDTH: f32 = 120.0;

/// What happened in the grid this frame.
pub struct GridEvents<K> {
    pub clicked: Option<K>,
    pub sort_changed: bool,
}

/// Draws the header and the visible rows. `cell` draws one cell; `menu` fills a row's context
/// menu.
#[allow(clippy::too_many_arguments)]
pub fn tree_grid_ui<K: Clone + Send + 'static>(
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
    // Narrow windows: the name column gives way first (down to NAME_MIN_WIDTH), then the grid
    // scrolls sideways, so every column stays reachable.
    let mut toggles = Vec::new();
    let mut clicked = None;
    let mut new_sort = None;
    let width = ui.available_width();
    egui::ScrollArea::horizontal().id_salt((id_salt, "h")).auto_shrink([false, false]).show(ui, |ui| {
        // The name column takes what the window leaves (not what the scroll area could hold);
        // the columns' minimums make the grid wider than that only when they must.
        ui.set_max_width(width);
        let mut table = TableBuilder::new(ui)
            .id_salt(id_salt)
            .striped(true)
            .resizable(true)
            .sense(Sense::click())
            .auto_shrink([false, false])
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
        for (i, c) in columns.iter().enumerate() {
            let col = if i == 0 {
                // Not resizable: as the remainder it is recomputed every frame from the window.
                Column::remainder().at_least(c.width.min(NAME_MIN_WIDTH)).clip(true).resizable(false)
            } else {
                Column::initial(c.width).at_least(40.0).clip(true)
            };
            table = table.column(col);
        }
        if let Some(target) = state.scroll_to.take()
            && let Some(i) = state.rows().iter().position(|r| r.path == target)
        {
            table = table.scroll_to_row(i, Some(egui::Align::Center));
        }
        let (sort, ascending) = (state.sort, state.ascending);
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
        // Only rows built for this model: a stale row's key would index another snapshot's data.
        let rows: &[FlatRow<K>] = if state.rows_for == model.generation() { state.rows() } else { &[] };
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
    });
    for t in toggles {
        state.toggle(t);
    }
    if let Some(i) = clicked
        && let Some((path, key)) = state.rows().get(i).map(|r| (r.path, r.key.clone()))
    {
        state.selected = Some(path);
        events.clicked = Some(key);
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
