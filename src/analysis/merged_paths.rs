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
//! Many objects are walked in two parts, one on each core ([`merge_in_parts`]): the first levels
//! hold millions of states, and each level's moves are found part by part, joined only where
//! candidate branches become branches.

use super::Analysis;
use super::classes::ClassId;
use super::distances::BASE_UNREACHABLE_DISTANCE;
use super::inthash::IntMap;
use super::paths::{self, Hop, RetainersView, Step, narrow};
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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

/// A state's step this level, 4 bytes (the first levels have millions of states): the index of its
/// first row in the level's rows, or [`SCRIPTED`] (the next hop of its own walk), or [`STOPPED`];
/// with [`LAST`] set where the path ends after this step.
const STOPPED: u32 = 0x7fff_ffff;
const SCRIPTED: u32 = 0x7fff_fffe;
const LAST: u32 = 0x8000_0000;

/// Below this many objects the walk stays on one thread.
const PARALLEL_OBJECTS: usize = 1 << 16;

/// Moves of a level's states into branches: a candidate branch key, `(parent, label, class)`,
/// with the edge it was first met on.
type Candidate = (u32, EdgeLabel, ClassId, EdgeIdx);

/// One part of the walk, with its own states level after level: a range of the objects, or the
/// objects walked on their own (their states follow their own paths, [`State::script`]).
///
/// The objects are split in parts walked side by side (two halves, on two cores), each level in
/// three steps: each part finds its states' moves and their candidate branches in first-met
/// order; then, on one thread, the candidates of every part, taken part after part, become
/// branches (a name merged into a dictionary's keys needs every part's names); then each part
/// makes its next states. A node reached in two parts in one branch is a state in each: its
/// objects' paths are the same from there, and taking the parts in order meets every candidate in
/// the order one walk over all the states would, so branches are made in the same order as by one
/// walk. Objects given their own walk go to the last part, as one walk puts them after every
/// other state.
#[derive(Default)]
struct Walk {
    /// The part's objects: `objects[first_object..first_object + object_count]` (none for the
    /// objects walked on their own).
    first_object: u32,
    object_count: u32,
    states: Vec<State>,
    /// Per level, per state: the next level's state, or NONE and the branch the state's paths
    /// end at. An object's path is the chain of states from its state at level 0, or, for an
    /// object walked on its own, from the state it was given then ([`Moved`]). Nothing per object
    /// is kept per level: the ends are found backwards once all levels are known.
    levels: Vec<Vec<(u32, u32)>>,
    /// Per node of the snapshot, [`NONE`] but while a level uses it: first the node's index in
    /// the level's `nodes`, then the next level's state that starts at it. Reset after each use,
    /// so a level costs its states, not the snapshot; one array lookup where a hash map of
    /// millions of states missed the cache on every object. Made when first used.
    slot: NodeSlots,
    // Per-level buffers, kept across levels: the first levels have millions of entries, and new
    // ones each level cost the kernel's zeroing of fresh pages more than the walk itself.
    nodes: Vec<NodeIdx>,
    hops: Vec<Option<Hop>>,
    step_of: Vec<u32>,
    cand_of: Vec<u32>,
    next_states: Vec<State>,
    /// This level's states whose paths may come back to a node they passed.
    dirty: Vec<u32>,
    /// This level's candidates in first-met order, and per candidate its branch.
    candidates: Vec<Candidate>,
    branch_of_candidate: Vec<u32>,
    /// First rows found node by node ([`paths::first_retainer_rows`]).
    known_rows: IntMap<NodeIdx, Option<Hop>>,
}

/// Per node of the snapshot, a number or [`NONE`], stored inverted so that a new array is zeros:
/// the allocator hands those out as untouched pages, and a walk pays for the pages of the nodes
/// it visits rather than for the whole snapshot (a class of 20 objects of a 12-million-node
/// snapshot spent 20 ms filling 50 MB).
#[derive(Default)]
struct NodeSlots(Vec<u32>);

impl NodeSlots {
    fn new(nodes: usize) -> NodeSlots {
        NodeSlots(vec![0; nodes])
    }

    #[inline]
    fn get(&self, n: NodeIdx) -> u32 {
        !self.0[n as usize]
    }

    #[inline]
    fn set(&mut self, n: NodeIdx, value: u32) {
        self.0[n as usize] = !value;
    }
}

/// What every part reads.
struct Shared<'a> {
    a: &'a Analysis,
    view: &'a RetainersView,
    /// The exact paths of objects walked on their own.
    scripts: &'a [Vec<Hop>],
    taken: u32,
}

impl Shared<'_> {
    /// A first row's retainer's distance: the row's, unless its edge is ignored (the row then
    /// sorts as unreachable).
    fn retainer_distance(&self, h: Hop) -> i64 {
        if i64::from(h.distance) < BASE_UNREACHABLE_DISTANCE {
            i64::from(h.distance)
        } else {
            self.view.distance(self.a, h.node)
        }
    }
}

impl Walk {
    /// Level 0 of the part's objects: a state per object, state `o` being object `first_object + o`.
    fn start(&mut self, a: &Analysis, view: &RetainersView, objects: &[NodeIdx]) {
        let range = self.first_object as usize..(self.first_object + self.object_count) as usize;
        self.states = objects[range]
            .iter()
            .map(|&node| State { branch: 0, node, distance: narrow(view.distance(a, node)), script: NONE })
            .collect();
    }

    /// A moving state's hop, and whether its path ends there.
    fn move_of(&self, sh: &Shared, i: usize, step: u32) -> (Hop, bool) {
        let hop = match step & !LAST {
            SCRIPTED => sh.scripts[self.states[i].script as usize][sh.taken as usize],
            // A step is recorded only for a state with a row.
            row => self.hops[row as usize].unwrap_or(Hop { edge: NONE, node: NONE, distance: 0 }),
        };
        (hop, step & LAST != 0)
    }

    /// Each state's step; states whose path may revisit a node are listed in `dirty`.
    fn steps(&mut self, sh: &Shared) {
        let (a, taken) = (sh.a, sh.taken);
        if self.slot.0.is_empty() && self.states.iter().any(|s| s.script == NONE) {
            self.slot = NodeSlots::new(a.node_count());
        }
        // First rows of this level's nodes (states that follow first rows).
        self.nodes.clear();
        for st in self.states.iter().filter(|s| s.script == NONE) {
            if self.slot.get(st.node) == NONE {
                self.slot.set(st.node, self.nodes.len() as u32);
                self.nodes.push(st.node);
            }
        }
        let slot = &self.slot;
        paths::first_retainer_rows(a, sh.view, &self.nodes, |n| slot.get(n), &mut self.known_rows, &mut self.hops);
        self.step_of.clear();
        self.step_of.resize(self.states.len(), STOPPED);
        self.dirty.clear();
        for (i, s) in self.states.iter().enumerate() {
            if s.script == SPLIT {
                continue;
            }
            if s.script != NONE {
                let path = &sh.scripts[s.script as usize];
                if path.len() > taken as usize {
                    self.step_of[i] = if taken as usize + 1 == path.len() { SCRIPTED | LAST } else { SCRIPTED };
                }
                continue;
            }
            let row = self.slot.get(s.node);
            let hop = self.hops[row as usize];
            let mut unsure = false;
            let here = i64::from(s.distance);
            let next_distance = hop.map_or(0, |h| sh.retainer_distance(h));
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
                self.dirty.push(i as u32);
                continue;
            }
            self.step_of[i] = if step == Step::Continue { row } else { row | LAST };
        }
        for &n in &self.nodes {
            self.slot.set(n, NONE);
        }
    }

    /// Candidate branches with each edge's own label, in first-met order, and each state's.
    fn candidates(&mut self, sh: &Shared) {
        let (a, s) = (sh.a, &sh.a.snapshot);
        let mut cand: IntMap<(u32, EdgeLabel, ClassId), u32> = IntMap::default();
        self.candidates.clear();
        self.cand_of.clear();
        self.cand_of.resize(self.states.len(), NONE);
        let mut last = None;
        for (i, &step) in self.step_of.iter().enumerate() {
            if step == STOPPED {
                continue;
            }
            let (mv, _) = self.move_of(sh, i, step);
            let parent = self.states[i].branch;
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
                    let next = self.candidates.len() as u32;
                    let c = *cand.entry(key).or_insert(next);
                    if c == next {
                        self.candidates.push((parent, label, class, mv.edge));
                    }
                    last = Some((key, c));
                    c
                }
            };
            self.cand_of[i] = c;
        }
    }

    /// The next level's states, and where each state goes.
    fn advance(&mut self, sh: &Shared) {
        self.next_states.clear();
        // States at a node that already starts a state in another branch: rare, so hashed.
        let mut more_states: IntMap<(u32, NodeIdx), u32> = IntMap::default();
        let mut goes_to: Vec<(u32, u32)> = self.states.iter().map(|st| (NONE, st.branch)).collect();
        for (i, (&step, &c)) in self.step_of.iter().zip(&self.cand_of).enumerate() {
            if step == STOPPED {
                continue;
            }
            let b = self.branch_of_candidate[c as usize];
            let (mv, last) = self.move_of(sh, i, step);
            if last {
                goes_to[i] = (NONE, b);
                continue;
            }
            let script = self.states[i].script;
            let next = self.next_states.len() as u32;
            // A walk of its own is one object: its state is never shared, and needs no slot.
            let ns = if script != NONE {
                next
            } else {
                match self.slot.get(mv.node) {
                    NONE => {
                        self.slot.set(mv.node, next);
                        next
                    }
                    i if self.next_states[i as usize].branch == b => i,
                    _ => *more_states.entry((b, mv.node)).or_insert(next),
                }
            };
            if ns == next {
                // (A state walked on its own never reads its distance.)
                let distance = if script == NONE { narrow(sh.retainer_distance(mv)) } else { 0 };
                self.next_states.push(State { branch: b, node: mv.node, distance, script });
            }
            goes_to[i] = (ns, b);
        }
        if !self.slot.0.is_empty() {
            for st in &self.next_states {
                self.slot.set(st.node, NONE);
            }
        }
        self.levels.push(goes_to);
        std::mem::swap(&mut self.states, &mut self.next_states);
        // A part without states is left out of the next levels: nothing of this one may stay.
        self.dirty.clear();
        self.candidates.clear();
    }

    /// Where each state's paths end, from the last level back: then `levels[k][i].1` is the end.
    fn find_ends(&mut self) {
        for k in (0..self.levels.len().saturating_sub(1)).rev() {
            let (this, later) = self.levels.split_at_mut(k + 1);
            let (this, next) = (&mut this[k], &later[0]);
            for to in this.iter_mut() {
                if to.0 != NONE {
                    to.1 = next[to.0 as usize].1;
                }
            }
        }
    }

    /// The state of local object `o` at level `level`, `None` where its path ended before.
    fn state_at(&self, o: u32, level: u32) -> Option<u32> {
        let mut state = o;
        for goes_to in &self.levels[..level as usize] {
            state = goes_to[state as usize].0;
            if state == NONE {
                return None;
            }
        }
        Some(state)
    }
}

/// A part's objects' sizes, summed at the branches their paths end at.
struct Sums {
    ends: Vec<u32>,
    shallow_size: Vec<u64>,
    retained_size: Vec<u64>,
}

impl Sums {
    fn new(branches: usize) -> Sums {
        Sums { ends: vec![0; branches], shallow_size: vec![0; branches], retained_size: vec![0; branches] }
    }
}

/// Runs `f` on every item, on a thread each but the first (which runs on this one).
fn on_threads<T: Send>(items: impl IntoIterator<Item = T>, f: impl Fn(T) + Sync) {
    let mut items = items.into_iter();
    let Some(first) = items.next() else { return };
    std::thread::scope(|scope| {
        for item in items {
            let f = &f;
            scope.spawn(move || f(item));
        }
        f(first);
    });
}

/// [`on_threads`] over the parts that still have states.
fn each_busy_part(parts: &mut [Walk], f: impl Fn(&mut Walk) + Sync) {
    on_threads(parts.iter_mut().filter(|w| !w.states.is_empty()), f);
}

/// The merged shortest paths of `objects` (any order, no duplicates): on two cores where there
/// are many objects and the machine has them.
pub fn merge(a: &Analysis, view: &RetainersView, objects: &[NodeIdx]) -> MergedPaths {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let parts = if objects.len() >= PARALLEL_OBJECTS && cores > 1 { 2 } else { 1 };
    merge_in_parts(a, view, objects, parts)
}

/// [`merge`] with the objects split into `parts` parts walked side by side ([`Walk`]): the same
/// tree, branch for branch in the same order, for any number of parts (tests check it).
pub fn merge_in_parts(a: &Analysis, view: &RetainersView, objects: &[NodeIdx], parts: usize) -> MergedPaths {
    let mut m = MergedPaths {
        parent: vec![NONE],
        label: vec![EdgeLabel::Objects],
        class: vec![NONE],
        edge: vec![NONE],
        depth: vec![0],
        ..MergedPaths::default()
    };
    let count = parts.max(1);
    let bounds: Vec<usize> = (0..=count).map(|p| objects.len() * p / count).collect();
    // The parts' first states, each on its own thread; then the part walked on its own, last.
    let mut parts: Vec<Walk> = (0..count)
        .map(|p| Walk {
            first_object: bounds[p] as u32,
            object_count: (bounds[p + 1] - bounds[p]) as u32,
            ..Walk::default()
        })
        .collect();
    on_threads(parts.iter_mut(), |w| w.start(a, view, objects));
    parts.push(Walk::default());
    let own = parts.len() - 1;
    let mut scripts: Vec<Vec<Hop>> = Vec::new();
    // Objects walked on their own: their state in the last part, at the level their walk began.
    let mut moved: IntMap<u32, Moved> = IntMap::default();
    let mut taken = 0u32;
    while parts.iter().any(|w| !w.states.is_empty()) {
        let sh = Shared { a, view, scripts: &scripts, taken };
        each_busy_part(&mut parts, |w| w.steps(&sh));
        if parts.iter().any(|w| !w.dirty.is_empty()) {
            // Give each object of a dirty state its own exact path, in object order, and re-run
            // the level. The dirty states stay (earlier levels point at them), split: no
            // object's path goes through them any more.
            let (object_parts, own_part) = parts.split_at_mut(own);
            let own_part = &mut own_part[0];
            for w in object_parts.iter_mut() {
                let dirty: std::collections::HashSet<u32> = w.dirty.iter().copied().collect();
                for o in 0..w.object_count {
                    let global = w.first_object + o;
                    if moved.contains_key(&global) {
                        continue;
                    }
                    let Some(state) = w.state_at(o, taken) else { continue };
                    if dirty.contains(&state) {
                        let st = w.states[state as usize];
                        let p = paths::shortest_path(a, view, objects[global as usize]);
                        scripts.push(p.edges.iter().map(|r| Hop::new(r.edge, r.node, r.distance)).collect());
                        moved.insert(global, Moved { level: taken, state: own_part.states.len() as u32 });
                        own_part.states.push(State { script: scripts.len() as u32 - 1, ..st });
                    }
                }
                for &d in &w.dirty {
                    w.states[d as usize].script = SPLIT;
                }
            }
            continue;
        }
        each_busy_part(&mut parts, |w| w.candidates(&sh));
        // The parts' candidates, part after part, then names merged where one class has more
        // than MANY_NAMES of them into one parent.
        let mut cand: IntMap<(u32, EdgeLabel, ClassId), u32> = IntMap::default();
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut global_of: Vec<Vec<u32>> = Vec::with_capacity(parts.len());
        for w in &parts {
            global_of.push(
                w.candidates
                    .iter()
                    .map(|&(parent, label, class, edge)| {
                        let next = candidates.len() as u32;
                        let c = *cand.entry((parent, label, class)).or_insert(next);
                        if c == next {
                            candidates.push((parent, label, class, edge));
                        }
                        c
                    })
                    .collect(),
            );
        }
        drop(cand);
        let mut names: IntMap<(u32, ClassId), u32> = IntMap::default();
        for &(parent, label, class, _) in &candidates {
            if matches!(label, EdgeLabel::Name(_)) {
                *names.entry((parent, class)).or_default() += 1;
            }
        }
        let mut branch_of: IntMap<(u32, EdgeLabel, ClassId), u32> = IntMap::default();
        let mut branch_of_cand = Vec::with_capacity(candidates.len());
        for &(parent, label, class, edge) in &candidates {
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
        for (w, global) in parts.iter_mut().zip(&global_of) {
            w.branch_of_candidate.clear();
            w.branch_of_candidate.extend(global.iter().map(|&c| branch_of_cand[c as usize]));
        }
        each_busy_part(&mut parts, |w| w.advance(&sh));
        // A part without states still has a record for the level, empty: every part's
        // `levels[k]` is level k's (the part walked on its own begins at a later level).
        for w in parts.iter_mut() {
            if w.levels.len() < taken as usize + 1 {
                w.levels.push(Vec::new());
            }
        }
        taken += 1;
    }
    on_threads(parts.iter_mut(), Walk::find_ends);

    // Objects at the ends of their paths, each part's summed on its own thread, then up the tree
    // (children come after parents).
    let len = m.parent.len();
    let (object_parts, own_part) = parts.split_at(own);
    let own_part = &own_part[0];
    let mut sums: Vec<Sums> = object_parts.iter().map(|_| Sums::new(len)).collect();
    on_threads(sums.iter_mut().zip(object_parts), |(sums, w)| {
        for o in 0..w.object_count {
            let global = w.first_object + o;
            let b = match moved.get(&global) {
                Some(m) => own_part.levels[m.level as usize][m.state as usize].1,
                None => w.levels[0][o as usize].1,
            };
            let n = objects[global as usize] as usize;
            sums.ends[b as usize] += 1;
            sums.shallow_size[b as usize] += u64::from(a.self_size[n]);
            sums.retained_size[b as usize] += a.retained_size[n];
        }
    });
    // The walk's buffers (hundreds of megabytes at millions of objects) are given back to the
    // system on another thread: unmapping them is not the user's wait.
    let _ = std::thread::Builder::new().name("merged paths cleanup".into()).spawn(move || drop(parts));
    m.ends = vec![0; len];
    m.shallow_size = vec![0; len];
    m.retained_size = vec![0; len];
    for part in &sums {
        for b in 0..len {
            m.ends[b] += part.ends[b];
            m.shallow_size[b] += part.shallow_size[b];
            m.retained_size[b] += part.retained_size[b];
        }
    }
    m.count = m.ends.clone();
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
