//! Merged retainer paths (issue 13, item 4): the shortest paths to the roots of many objects (a
//! class's instances, or the new objects of a class in a Comparison) merged into one tree, read
//! from the objects up: "100,000 `{username}` ← `loginUsers` ← `context` ← `session` …".
//!
//! Eclipse MAT's "Merge Shortest Paths to GC Roots" (`MultiplePath2GCRootsQuery`,
//! org.eclipse.mat.api `snapshot/inspections/MultiplePath2GCRootsQuery.java`) computes one
//! shortest path per object and merges them; its grouping `FROM_OBJECTS_BY_CLASS` ("Merge to GC
//! Roots on Class") builds the tree from the objects up, a level's node keyed by the class of the
//! object at that position of the path under its parent, with the number of paths through it
//! ("Ref. Objects") and their objects' summed shallow size ("Ref. Shallow Heap"). Here:
//!
//! * **Each object's path** is the one the Retainers view expands for it
//!   ([`paths::shortest_path`]: the first retainer row, level after level, until a user root, a
//!   cycle, 20 levels or no rows), with the user's ignored retainers: the same first row
//!   ([`paths::first_retainer_rows`], [`paths::cmp_rows`]) and the same stop rule
//!   ([`paths::chain_step`]).
//! * **A branch** is keyed by (edge label, retainer class) under its parent branch; branch 0 is
//!   the objects themselves. The edge label is the edge's name; element and hidden edges (an index
//!   is a position, not a field) are all `[]`. Where more than [`MANY_NAMES`] different names lead
//!   from one class to the objects of one branch, the names are data — a dictionary's keys, like
//!   the tutorial's `loginUsers` object holding each `{username}` under its own `user_…` name —
//!   and those edges merge into one branch labelled by the count of names (MAT keys by class
//!   alone, which would also merge an `Order`'s `customer` and `billing` fields).
//! * **Counts and sizes**: a branch counts the objects whose path goes through it, and sums their
//!   own shallow and retained sizes (retained sizes of objects that dominate one another count
//!   each time, as MAT's sums do).
//!
//! # Cost
//!
//! The paths are walked level by level, all objects at once. Objects whose paths have reached the
//! same node in the same branch continue as one state (their paths are the same from there), so a
//! level costs its distinct (branch, node) states, not its objects times the depth. The first rows
//! of a level's nodes are found in one pass over all edges when there are many
//! ([`paths::first_retainer_rows`]). An object's path is cut short by a cycle only when it comes
//! back to a node it passed; along a path whose nodes' distances strictly decrease that cannot
//! happen, so a merged state needs no per-object set of passed nodes. An object whose path does
//! not descend strictly (possible only where distances ignore an edge the rows show) is walked on
//! its own with [`paths::shortest_path`] and follows that path, so the result is exactly the
//! per-object one in every case. Nothing is kept per object and level: each level records where
//! its states go, and the branch each object's path ends at is found backwards from the last
//! level, so a level costs its states even while millions of objects are still on their way.

use super::Analysis;
use super::classes::ClassId;
use super::distances::BASE_UNREACHABLE_DISTANCE;
use super::inthash::IntMap;
use super::paths::{self, Hop, RetainersView, Step};
use crate::snapshot::{EdgeIdx, NodeIdx, StringIdx};

/// No parent (branch 0), no edge (branch 0).
pub const NONE: u32 = u32::MAX;

/// More different names than this from one class into one branch are a dictionary's keys.
pub const MANY_NAMES: u32 = 16;

/// What a branch's edges are called.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EdgeLabel {
    /// Branch 0: the objects themselves.
    Objects,
    /// One name (a property, variable or internal field).
    Name(StringIdx),
    /// Element or hidden edges, whatever their index.
    Index,
    /// This many different names (more than [`MANY_NAMES`]): a dictionary's keys.
    Names(u32),
}

/// The merged tree in flat columns, one entry per branch; branch 0 is the objects. Parents come
/// before their children.
#[derive(Clone, Debug, Default)]
pub struct MergedPaths {
    pub parent: Vec<u32>,
    pub label: Vec<EdgeLabel>,
    /// The retainer class ([`NONE`] for branch 0).
    pub class: Vec<ClassId>,
    /// One of the branch's edges (the first met), to show a name of a [`EdgeLabel::Names`] branch
    /// or the index of an [`EdgeLabel::Index`] one ([`NONE`] for branch 0).
    pub edge: Vec<EdgeIdx>,
    /// Edges from branch 0: 0, 1, ….
    pub depth: Vec<u32>,
    /// Objects whose path goes through the branch.
    pub count: Vec<u32>,
    /// Objects whose path ends at the branch.
    pub ends: Vec<u32>,
    pub shallow_size: Vec<u64>,
    pub retained_size: Vec<u64>,
    /// Children: `child[first_child[b]..first_child[b + 1]]`, most objects first
    /// ([`super::views::sort_merged_branches`]).
    pub first_child: Vec<u32>,
    pub child: Vec<u32>,
}

impl MergedPaths {
    pub fn len(&self) -> usize {
        self.parent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    pub fn children(&self, b: u32) -> &[u32] {
        &self.child[self.first_child[b as usize] as usize..self.first_child[b as usize + 1] as usize]
    }

    /// The branch's edge label as shown: `loginUsers`, `[]`, or `user_1_12576, … (100,000 names)`.
    pub fn edge_text(&self, a: &Analysis, b: u32) -> String {
        match self.label[b as usize] {
            EdgeLabel::Objects => String::new(),
            EdgeLabel::Name(s) => a.snapshot.string(s).to_string(),
            EdgeLabel::Index => "[]".to_string(),
            EdgeLabel::Names(n) => {
                let sample = a.snapshot.edge_name(self.edge[b as usize]);
                format!("{sample}, … ({} names)", super::format::count(u64::from(n)))
            }
        }
    }

    /// The retainer class's name (`""` for branch 0).
    pub fn class_name<'a>(&self, a: &'a Analysis, b: u32) -> &'a str {
        match self.class[b as usize] {
            NONE => "",
            c => &a.classes.classes[c as usize].name,
        }
    }

    /// `label :: Class` for a branch, the objects' description for branch 0.
    pub fn branch_text(&self, a: &Analysis, b: u32, objects_name: &str) -> String {
        if b == 0 { objects_name.to_string() } else { format!("{} :: {}", self.edge_text(a, b), self.class_name(a, b)) }
    }
}

/// A group of objects whose paths are at `node` in `branch` after the same number of edges.
#[derive(Clone, Copy)]
struct State {
    branch: u32,
    node: NodeIdx,
    /// The node's distance ([`RetainersView::distance`], [`narrow`]ed), read when the state was
    /// made: the rows pass read it already, and a second random read per state is a cache miss.
    distance: i32,
    /// For an object walked on its own: its path ([`NONE`]: the state follows first rows).
    script: u32,
}

/// The state an object walked on its own was given, at the level its walk began.
#[derive(Clone, Copy)]
struct Moved {
    level: u32,
    state: u32,
}

/// [`State::script`] of a state whose objects were each given a walk of their own.
const SPLIT: u32 = u32::MAX - 1;

/// The state of object `o` at level `level`, `None` where its path ended before.
fn state_at(levels: &[Vec<(u32, u32)>], moved: &IntMap<u32, Moved>, o: u32, level: u32) -> Option<u32> {
    let (from, mut state) = moved.get(&o).map_or((0, o), |m| (m.level, m.state));
    for goes_to in &levels[from as usize..level as usize] {
        state = goes_to[state as usize].0;
        if state == NONE {
            return None;
        }
    }
    Some(state)
}

/// A distance in 4 bytes, where states and moves number millions. Distances of reachable nodes are
/// below [`BASE_UNREACHABLE_DISTANCE`]; an unreachable one above `i32::MAX` would need two billion
/// levels, and only ever meets "is the next node nearer", which stays false.
fn narrow(distance: i64) -> i32 {
    i32::try_from(distance).unwrap_or(i32::MAX)
}

/// A state's step this level, 4 bytes (the first levels have millions of states): the index of its
/// first row in the level's rows, or [`SCRIPTED`] (the next hop of its own walk), or [`STOPPED`];
/// with [`LAST`] set where the path ends after this step.
const STOPPED: u32 = 0x7fff_ffff;
const SCRIPTED: u32 = 0x7fff_fffe;
const LAST: u32 = 0x8000_0000;

/// The merged shortest paths of `objects` (any order, no duplicates).
pub fn merge(a: &Analysis, view: &RetainersView, objects: &[NodeIdx]) -> MergedPaths {
    let mut m = MergedPaths {
        parent: vec![NONE],
        label: vec![EdgeLabel::Objects],
        class: vec![NONE],
        edge: vec![NONE],
        depth: vec![0],
        ..MergedPaths::default()
    };
    // The exact paths of objects walked on their own.
    let mut scripts: Vec<Vec<Hop>> = Vec::new();
    // Level 0 has a state per object: state `o` is object `o`.
    let mut states: Vec<State> = objects
        .iter()
        .map(|&node| State { branch: 0, node, distance: narrow(view.distance(a, node)), script: NONE })
        .collect();
    // Per level, per state: the next level's state, or NONE and the branch the state's paths end
    // at. An object's path is the chain of states from its state at level 0, or, for an object
    // walked on its own, from the state it was given then ([`Moved`]). Nothing per object is kept
    // per level: the ends are found backwards once all levels are known.
    let mut levels: Vec<Vec<(u32, u32)>> = Vec::new();
    let mut moved: IntMap<u32, Moved> = IntMap::default();
    let mut taken = 0u32;
    // Per node of the snapshot, [`NONE`] but while a level uses it: first the node's index in the
    // level's `nodes`, then the next level's state that starts at it. Reset after each use, so a
    // level costs its states, not the snapshot; one array lookup where a hash map of millions of
    // states missed the cache on every object.
    let mut slot = vec![NONE; a.node_count()];
    // Per-level buffers, kept across levels: the first levels have millions of entries, and new
    // ones each level cost the kernel's zeroing of fresh pages more than the walk itself.
    let mut nodes: Vec<NodeIdx> = Vec::new();
    let mut hops: Vec<Option<Hop>> = Vec::new();
    let mut step_of: Vec<u32> = Vec::new();
    let mut cand_of: Vec<u32> = Vec::new();
    let mut next_states: Vec<State> = Vec::new();
    // A first row's retainer's distance: the row's, unless its edge is ignored (the row then sorts
    // as unreachable).
    let retainer_distance =
        |h: Hop| if h.distance < BASE_UNREACHABLE_DISTANCE { h.distance } else { view.distance(a, h.node) };
    while !states.is_empty() {
        // First rows of this level's nodes (states that follow first rows).
        nodes.clear();
        for st in states.iter().filter(|s| s.script == NONE) {
            if slot[st.node as usize] == NONE {
                slot[st.node as usize] = nodes.len() as u32;
                nodes.push(st.node);
            }
        }
        paths::first_retainer_rows(a, view, &nodes, &slot, &mut hops);
        // A moving state's hop, and whether its path ends there.
        let move_of = |i: usize, step: u32| {
            let hop = match step & !LAST {
                SCRIPTED => scripts[states[i].script as usize][taken as usize],
                // A step is recorded only for a state with a row.
                row => hops[row as usize].unwrap_or(Hop { edge: NONE, node: NONE, distance: 0 }),
            };
            (hop, step & LAST != 0)
        };

        // Each state's step; states whose path may revisit a node become per-object walks.
        step_of.clear();
        step_of.resize(states.len(), STOPPED);
        let mut dirty: Vec<u32> = Vec::new();
        for (i, s) in states.iter().enumerate() {
            if s.script == SPLIT {
                continue;
            }
            if s.script != NONE {
                let path = &scripts[s.script as usize];
                if path.len() > taken as usize {
                    step_of[i] = if taken as usize + 1 == path.len() { SCRIPTED | LAST } else { SCRIPTED };
                }
                continue;
            }
            let row = slot[s.node as usize];
            let hop = hops[row as usize];
            let mut unsure = false;
            let here = i64::from(s.distance);
            let next_distance = hop.map_or(0, retainer_distance);
            let step = paths::chain_step(taken, hop, |next| {
                if next == s.node {
                    return true;
                }
                // Every node on the path so far is at least as far as this one (distances
                // descend strictly along it): a nearer node cannot be on it.
                if next_distance < here {
                    return false;
                }
                // At the first step the path is the object alone; later, unknown.
                unsure = taken > 0;
                false
            });
            // (No row is a stop too.)
            if matches!(step, Step::Stop(_)) {
                continue;
            }
            // A path that goes on through a node not strictly nearer than this one could come
            // back to a node it passed: walk it alone.
            let descends = next_distance < here;
            if unsure || (step == Step::Continue && !descends) {
                dirty.push(i as u32);
                continue;
            }
            step_of[i] = if step == Step::Continue { row } else { row | LAST };
        }
        for &n in &nodes {
            slot[n as usize] = NONE;
        }
        if !dirty.is_empty() {
            // Give each object of a dirty state its own exact path, and re-run the level. The
            // dirty states stay (earlier levels point at them), split: no object's path goes
            // through them any more.
            let dirty_set: std::collections::HashSet<u32> = dirty.iter().copied().collect();
            for o in 0..objects.len() as u32 {
                let Some(state) = state_at(&levels, &moved, o, taken) else { continue };
                if dirty_set.contains(&state) {
                    let st = states[state as usize];
                    let p = paths::shortest_path(a, view, objects[o as usize]);
                    scripts.push(
                        p.edges.iter().map(|r| Hop { edge: r.edge, node: r.node, distance: r.distance }).collect(),
                    );
                    moved.insert(o, Moved { level: taken, state: states.len() as u32 });
                    states.push(State { script: scripts.len() as u32 - 1, ..st });
                }
            }
            for d in dirty {
                states[d as usize].script = SPLIT;
            }
            continue;
        }
        // Candidate branches with each edge's own label, then names merged where one class has
        // more than MANY_NAMES of them into one parent.
        let s = &a.snapshot;
        let mut cand: IntMap<(u32, EdgeLabel, ClassId), u32> = IntMap::default();
        let mut cand_keys: Vec<(u32, EdgeLabel, ClassId, EdgeIdx)> = Vec::new();
        cand_of.clear();
        cand_of.resize(states.len(), NONE);
        let mut last = None;
        for (i, &step) in step_of.iter().enumerate() {
            if step == STOPPED {
                continue;
            }
            let (mv, _) = move_of(i, step);
            let parent = states[i].branch;
            let label = if s.edge_type(mv.edge).has_string_name() {
                EdgeLabel::Name(s.edge_name_or_index(mv.edge))
            } else {
                EdgeLabel::Index
            };
            let class = a.classes.class_of[mv.node as usize];
            let key = (parent, label, class);
            // Neighbouring moves mostly share their key (objects of one class held alike).
            let c = match last {
                Some((k, c)) if k == key => c,
                _ => {
                    let next = cand_keys.len() as u32;
                    let c = *cand.entry(key).or_insert(next);
                    if c == next {
                        cand_keys.push((parent, label, class, mv.edge));
                    }
                    last = Some((key, c));
                    c
                }
            };
            cand_of[i] = c;
        }
        drop(cand);
        let mut names: IntMap<(u32, ClassId), u32> = IntMap::default();
        for &(parent, label, class, _) in &cand_keys {
            if matches!(label, EdgeLabel::Name(_)) {
                *names.entry((parent, class)).or_default() += 1;
            }
        }
        let mut branch_of: IntMap<(u32, EdgeLabel, ClassId), u32> = IntMap::default();
        let mut branch_of_cand = Vec::with_capacity(cand_keys.len());
        for &(parent, label, class, edge) in &cand_keys {
            let label = match (label, names.get(&(parent, class))) {
                (EdgeLabel::Name(_), Some(&n)) if n > MANY_NAMES => EdgeLabel::Names(n),
                _ => label,
            };
            let next = m.parent.len() as u32;
            let b = *branch_of.entry((parent, label, class)).or_insert(next);
            if b == next {
                m.parent.push(parent);
                m.label.push(label);
                m.class.push(class);
                m.edge.push(edge);
                m.depth.push(taken + 1);
            }
            branch_of_cand.push(b);
        }

        // Next level's states; where each state goes.
        next_states.clear();
        // States at a node that already starts another state (another branch, or a walk of its
        // own): rare, so hashed.
        let mut more_states: IntMap<(u32, NodeIdx, u32), u32> = IntMap::default();
        let mut goes_to: Vec<(u32, u32)> = states.iter().map(|st| (NONE, st.branch)).collect();
        for (i, (&step, &c)) in step_of.iter().zip(&cand_of).enumerate() {
            if step == STOPPED {
                continue;
            }
            let b = branch_of_cand[c as usize];
            let (mv, last) = move_of(i, step);
            if last {
                goes_to[i] = (NONE, b);
                continue;
            }
            // (A state walked on its own never reads its distance.)
            let state =
                State { branch: b, node: mv.node, distance: narrow(retainer_distance(mv)), script: states[i].script };
            let next = next_states.len() as u32;
            let ns = match slot[state.node as usize] {
                NONE => {
                    slot[state.node as usize] = next;
                    next
                }
                i if next_states[i as usize].branch == b && next_states[i as usize].script == state.script => i,
                _ => *more_states.entry((b, state.node, state.script)).or_insert(next),
            };
            if ns == next {
                next_states.push(state);
            }
            goes_to[i] = (ns, b);
        }
        for st in &next_states {
            slot[st.node as usize] = NONE;
        }
        levels.push(goes_to);
        std::mem::swap(&mut states, &mut next_states);
        taken += 1;
    }
    drop(slot);

    // Where each state's paths end, from the last level back: then `levels[k][i].1` is the end.
    for k in (0..levels.len().saturating_sub(1)).rev() {
        let (this, later) = levels.split_at_mut(k + 1);
        let (this, next) = (&mut this[k], &later[0]);
        for to in this.iter_mut() {
            if to.0 != NONE {
                to.1 = next[to.0 as usize].1;
            }
        }
    }
    let end_of = |o: u32| match moved.get(&o) {
        Some(m) => levels[m.level as usize][m.state as usize].1,
        None => levels[0][o as usize].1,
    };

    // Objects at the ends of their paths, summed up the tree (children come after parents).
    let len = m.parent.len();
    m.count = vec![0; len];
    m.ends = vec![0; len];
    m.shallow_size = vec![0; len];
    m.retained_size = vec![0; len];
    for (o, &n) in objects.iter().enumerate() {
        let b = end_of(o as u32);
        m.ends[b as usize] += 1;
        m.count[b as usize] += 1;
        m.shallow_size[b as usize] += u64::from(a.self_size[n as usize]);
        m.retained_size[b as usize] += a.retained_size[n as usize];
    }
    for b in (1..len).rev() {
        let p = m.parent[b] as usize;
        m.count[p] += m.count[b];
        m.shallow_size[p] += m.shallow_size[b];
        m.retained_size[p] += m.retained_size[b];
    }
    // Children lists (CSR), sorted.
    m.first_child = vec![0; len + 1];
    for b in 1..len {
        m.first_child[m.parent[b] as usize + 1] += 1;
    }
    for b in 0..len {
        m.first_child[b + 1] += m.first_child[b];
    }
    let mut cursor = m.first_child.clone();
    m.child = vec![0; len.saturating_sub(1)];
    for b in 1..len {
        let p = m.parent[b] as usize;
        m.child[cursor[p] as usize] = b as u32;
        cursor[p] += 1;
    }
    for b in 0..len {
        let range = m.first_child[b] as usize..m.first_child[b + 1] as usize;
        let mut kids = m.child[range.clone()].to_vec();
        super::views::sort_merged_branches(&m, &mut kids);
        m.child[range].copy_from_slice(&kids);
    }
    m
}

/// The `limit` branches with the most objects that form a tree with branch 0 (every branch's
/// parent is among them): for a small drawing. Grown from branch 0, always taking the branch with
/// the most objects next (ties: the one made first). Parents come before their children.
pub fn top_branches(m: &MergedPaths, limit: usize) -> Vec<u32> {
    use std::cmp::Reverse;
    let mut out = Vec::new();
    if m.is_empty() {
        return out;
    }
    let mut heap = std::collections::BinaryHeap::from([(m.count[0], Reverse(0u32))]);
    while let Some((_, Reverse(b))) = heap.pop() {
        if out.len() >= limit {
            break;
        }
        out.push(b);
        heap.extend(m.children(b).iter().map(|&c| (m.count[c as usize], Reverse(c))));
    }
    out
}

/// The branches in the order a tree prints them (depth first, children most objects first),
/// with their level, down to `depth` levels below the objects.
pub fn tree_order(m: &MergedPaths, depth: usize) -> Vec<(usize, u32)> {
    let mut out = Vec::new();
    let mut stack = if m.is_empty() { Vec::new() } else { vec![(0usize, 0u32)] };
    while let Some((level, b)) = stack.pop() {
        out.push((level, b));
        if level < depth {
            stack.extend(m.children(b).iter().rev().map(|&c| (level + 1, c)));
        }
    }
    out
}

/// The objects the Summary lists under every class row named `name` (node order): the merged
/// paths of "a class".
pub fn class_objects(a: &Analysis, name: &str) -> Vec<NodeIdx> {
    let aggs = &a.aggregates;
    let mut out: Vec<NodeIdx> = Vec::new();
    for (i, row) in aggs.rows.iter().enumerate() {
        if row.name == name {
            out.extend(aggs.members(i, &a.classes, &a.self_size));
        }
    }
    out.sort_unstable();
    out
}

/// The new objects of every Comparison row named `name` (current-snapshot nodes, node order).
pub fn new_objects(cmp: &super::diff::Comparison, name: &str) -> Vec<NodeIdx> {
    let mut out: Vec<NodeIdx> =
        cmp.classes.iter().filter(|c| c.name == name).flat_map(|c| c.added.iter().copied()).collect();
    out.sort_unstable();
    out
}
