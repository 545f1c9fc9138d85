//! The Retainers view and paths to the roots.
//!
//! * [`retainer_rows`]: the rows of DevTools' Retainers grid for a node
//!   (`createRetainingEdgesProvider` with `JSHeapSnapshot.retainingEdgesFilter`, HeapSnapshot.ts:4201):
//!   every edge into the node except invisible and weak ones and those from the root, sorted as
//!   the grid's default sort (`HeapSnapshotRetainmentDataGrid`: distance ascending, then the
//!   retainer's name, then the retainer slot).
//! * [`shortest_path`]: the chain DevTools expands automatically when an object is selected
//!   (`HeapSnapshotRetainingObjectNode.expandRetainersChain(20)`, HeapSnapshotGridNodes.ts:989):
//!   the first row, again and again, until a user root (distance ≤ 1), a cycle, 20 levels, or no
//!   rows.
//! * [`retaining_paths`]: DevTools' programmatic `getRetainingPaths` (HeapSnapshot.ts:3452).
//! * [`dominator_chain`]: DevTools' `getDominatorsOf`.
//! * [`RetainersView`]: "Ignore this retainer": distances recomputed without the ignored nodes
//!   (`ignoreNodeInRetainersView`), and the WeakMap edges that no longer suffice marked
//!   (`#updateIgnoredEdgesInRetainersView`).

use std::collections::{HashMap, HashSet};

use super::Analysis;
use super::bits::BitVec;
use super::distances::{self, BASE_UNREACHABLE_DISTANCE, NO_DISTANCE};
use super::ephemeron::EphemeronNames;
use super::inthash::IntMap;
use super::jsstr::cmp_utf16;
use crate::snapshot::{EdgeIdx, EdgeType, NodeIdx};

/// One row of the Retainers grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetainerRow {
    /// Position in the node's retainer slots (the last tie-breaker).
    pub slot: u32,
    pub edge: EdgeIdx,
    /// The retaining node.
    pub node: NodeIdx,
    /// The retainer's distance as the view sorts it (`distanceForRetainersView`; 200000000+
    /// for unreachable retainers and ignored edges).
    pub distance: i64,
}

/// "Ignore this retainer" state: the ignored nodes and the distances without them.
#[derive(Clone, Debug, Default)]
pub struct RetainersView {
    ignored: Vec<NodeIdx>,
    distances: Option<Vec<i32>>,
    ignored_edges: HashSet<EdgeIdx>,
}

impl RetainersView {
    pub fn new() -> RetainersView {
        RetainersView::default()
    }

    pub fn ignored(&self) -> &[NodeIdx] {
        &self.ignored
    }

    pub fn is_ignored(&self, n: NodeIdx) -> bool {
        self.ignored.contains(&n)
    }

    pub fn is_edge_ignored(&self, e: EdgeIdx) -> bool {
        self.ignored_edges.contains(&e)
    }

    /// `ignoreNodeInRetainersView`.
    pub fn ignore(&mut self, a: &Analysis, n: NodeIdx) {
        if !self.ignored.contains(&n) {
            self.ignored.push(n);
        }
        self.recompute(a);
    }

    /// `unignoreNodeInRetainersView`.
    pub fn unignore(&mut self, a: &Analysis, n: NodeIdx) {
        self.ignored.retain(|&x| x != n);
        self.recompute(a);
    }

    /// `unignoreAllNodesInRetainersView`.
    pub fn unignore_all(&mut self) {
        *self = RetainersView::default();
    }

    fn recompute(&mut self, a: &Analysis) {
        self.ignored_edges.clear();
        if self.ignored.is_empty() {
            self.distances = None;
            return;
        }
        let mut bits = BitVec::new(a.node_count());
        for &n in &self.ignored {
            bits.set(n as usize);
        }
        let ephemerons = EphemeronNames::new(&a.snapshot);
        let d = distances::calculate(&a.snapshot, &ephemerons, Some(&bits));
        // A WeakMap value needs both its table and its key: if one of the two retainers became
        // unreachable, the other edge alone no longer retains it.
        let s = &a.snapshot;
        let mut unreachable_parts: HashMap<NodeIdx, HashSet<&str>> = HashMap::new();
        for n in 0..a.node_count() as NodeIdx {
            if d[n as usize] != NO_DISTANCE {
                continue;
            }
            for e in s.edges(n) {
                if s.edge_type(e) != EdgeType::INTERNAL {
                    continue;
                }
                let name = s.edge_name_or_index(e);
                if let Some(eph) = ephemerons.get(name) {
                    let part = &s.string(name)[eph.duplicated_part_start..];
                    unreachable_parts.entry(s.edge_to(e)).or_default().insert(part);
                }
            }
        }
        for (&target, parts) in &unreachable_parts {
            for (_, _, e) in a.retainers.edges_of(s, target) {
                if s.edge_type(e) != EdgeType::INTERNAL {
                    continue;
                }
                let name = s.edge_name_or_index(e);
                if let Some(eph) = ephemerons.get(name)
                    && parts.contains(&s.string(name)[eph.duplicated_part_start..])
                {
                    self.ignored_edges.insert(e);
                }
            }
        }
        self.distances = Some(d);
    }

    /// `getDistanceForRetainersView`.
    pub fn distance(&self, a: &Analysis, n: NodeIdx) -> i64 {
        let d = self.distances.as_ref().map_or(a.distance[n as usize], |d| d[n as usize]);
        if d == NO_DISTANCE {
            i64::from(a.distance[n as usize].max(0)) + BASE_UNREACHABLE_DISTANCE
        } else {
            i64::from(d)
        }
    }

    /// The distances the path walks use (`#nodeDistancesForRetainersView ?? nodeDistances`).
    fn raw_distance(&self, a: &Analysis, n: NodeIdx) -> i32 {
        self.distances.as_ref().map_or(a.distance[n as usize], |d| d[n as usize])
    }
}

/// Whether edge `e` from `src` is a row of the Retainers grid (`retainingEdgesFilter`): not
/// invisible, not weak, not from the root.
pub fn is_retainer_row(a: &Analysis, src: NodeIdx, e: EdgeIdx) -> bool {
    let t = a.snapshot.edge_type(e);
    t != EdgeType::INVISIBLE && t != EdgeType::WEAK && src != a.snapshot.root()
}

/// The distance a retainer row is sorted by: the retainer's, or 200000000+ when the edge no
/// longer retains because of an ignored node (`distanceForRetainersView`).
pub fn row_distance(a: &Analysis, view: &RetainersView, src: NodeIdx, e: EdgeIdx) -> i64 {
    if view.is_edge_ignored(e) { BASE_UNREACHABLE_DISTANCE } else { view.distance(a, src) }
}

/// The grid's default order of two retainer rows of one node (`HeapSnapshotRetainmentDataGrid`):
/// distance ascending, then the retainer's name, then the slot. A node's slots list its incoming
/// edges in descending edge order ([`super::retainers`]), so "slot ascending" is "edge
/// descending", which a caller without slots ([`first_retainer_rows`]) can compare too.
/// `(distance, retainer, edge)`; names are only computed on a distance tie.
pub fn cmp_rows(a: &Analysis, x: (i64, NodeIdx, EdgeIdx), y: (i64, NodeIdx, EdgeIdx)) -> std::cmp::Ordering {
    x.0.cmp(&y.0)
        .then_with(|| {
            if super::names::same_display_name(&a.snapshot, &a.dom.renamed, x.1, y.1) {
                std::cmp::Ordering::Equal
            } else {
                cmp_utf16(&a.display_name(x.1), &a.display_name(y.1))
            }
        })
        .then(y.2.cmp(&x.2))
}

/// The Retainers grid rows of `n`, in DevTools' default order ([`cmp_rows`]).
pub fn retainer_rows(a: &Analysis, view: &RetainersView, n: NodeIdx) -> Vec<RetainerRow> {
    let s = &a.snapshot;
    let mut rows: Vec<(RetainerRow, std::borrow::Cow<'_, str>)> = a
        .retainers
        .edges_of(s, n)
        .into_iter()
        .filter(|&(_, src, e)| is_retainer_row(a, src, e))
        .map(|(slot, src, e)| {
            let distance = row_distance(a, view, src, e);
            (RetainerRow { slot, edge: e, node: src, distance }, a.display_name(src))
        })
        .collect();
    // [`cmp_rows`] with the names computed once per row rather than once per comparison.
    rows.sort_by(|(x, xn), (y, yn)| {
        x.distance.cmp(&y.distance).then_with(|| cmp_utf16(xn, yn)).then(y.edge.cmp(&x.edge))
    });
    rows.into_iter().map(|(r, _)| r).collect()
}

/// The first row of the Retainers grid of `n`: the next step of [`shortest_path`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hop {
    pub edge: EdgeIdx,
    /// The retainer.
    pub node: NodeIdx,
    /// The row's distance ([`RetainerRow::distance`]) in 4 bytes ([`narrow`]): merged paths keep
    /// a row for each of millions of nodes.
    pub distance: i32,
}

impl Hop {
    pub fn new(edge: EdgeIdx, node: NodeIdx, distance: i64) -> Hop {
        Hop { edge, node, distance: narrow(distance) }
    }
}

/// A view's distance ([`RetainersView::distance`]) in 4 bytes. Distances of reachable nodes are
/// below [`BASE_UNREACHABLE_DISTANCE`] and an unreachable node's is that base plus a distance, far
/// below `i32::MAX` for any snapshot the reader takes (at most 2²⁸ nodes); the saturation is for
/// the type's sake.
pub fn narrow(distance: i64) -> i32 {
    i32::try_from(distance).unwrap_or(i32::MAX)
}

/// The first Retainers row ([`retainer_rows`]`[0]`) of each of `nodes`, as [`shortest_path`]
/// takes it, for many nodes at once: `None` where a node has no rows. `position` gives each of
/// `nodes` its index in `nodes`, and is asked only for them (the caller keeps a per-node scratch
/// across calls: filling and clearing it costs the nodes asked, not the snapshot). The rows are
/// written to `rows` (a buffer kept across calls), one per node.
/// `known` holds the rows found node by node in earlier calls with the same view, and gains this
/// call's: the few nodes of a path's last levels are often held by hundreds of thousands of
/// objects (a class's prototype, a module's context), and reached again a level later.
///
/// A node's retainer slots hold the retaining node but not the edge; finding the edge means
/// scanning the retainer's own edges, which for a dictionary of 200,000 entries holding 200,000
/// of the nodes is quadratic. So for many nodes this makes one pass over every edge of the
/// snapshot instead (`O(E)`), keeping the best row per node; for a few nodes whose retainers have
/// few edges it asks [`retainer_rows`]' way, node by node. The pass scans only the edges of the
/// nodes' retainers (marked from the reverse index: at most every edge, often a fraction), and tests each edge's target in a
/// bit per node first: an eighth of a megabyte per million nodes stays in cache, where a lookup
/// in `position` for each of tens of millions of edges would miss it.
pub fn first_retainer_rows(
    a: &Analysis,
    view: &RetainersView,
    nodes: &[NodeIdx],
    position: impl Fn(NodeIdx) -> u32,
    known: &mut IntMap<NodeIdx, Option<Hop>>,
    rows: &mut Vec<Option<Hop>>,
) {
    rows.clear();
    let s = &a.snapshot;
    // The edges a node-by-node search would scan: each retainer's edges, per node not known. More
    // than a 64th of the snapshot's nodes always take the pass: node by node, each costs random
    // reads of its retainers beyond their edges, where the pass's fixed cost is two bits a node.
    let mut scan: u64 = if nodes.len() > a.node_count() / 64 { u64::MAX } else { 0 };
    for &n in nodes {
        if scan > s.edge_count() as u64 / 4 {
            break;
        }
        if known.contains_key(&n) {
            continue;
        }
        let slots = a.retainers.first_retainer[n as usize]..a.retainers.first_retainer[n as usize + 1];
        for slot in slots {
            scan += s.edges(a.retainers.retainer_node[slot as usize]).len() as u64;
        }
    }
    if scan <= s.edge_count() as u64 / 4 {
        rows.extend(nodes.iter().map(|&n| *known.entry(n).or_insert_with(|| first_retainer_row(a, view, n))));
        return;
    }
    // The asked nodes, and their retainers: only those nodes' edges are scanned.
    let mut asked = super::bits::BitVec::new(a.node_count());
    let mut sources = super::bits::BitVec::new(a.node_count());
    for &n in nodes {
        asked.set(n as usize);
        let slots = a.retainers.first_retainer[n as usize]..a.retainers.first_retainer[n as usize + 1];
        for slot in slots {
            sources.set(a.retainers.retainer_node[slot as usize] as usize);
        }
    }
    rows.resize(nodes.len(), None);
    for src in sources.ones() {
        for e in s.edges(src) {
            let to = s.edge_to(e) as usize;
            if !asked.get(to) || !is_retainer_row(a, src, e) {
                continue;
            }
            let hop = Hop::new(e, src, row_distance(a, view, src, e));
            let slot = &mut rows[position(to as NodeIdx) as usize];
            let better = match slot {
                None => true,
                Some(b) => {
                    cmp_rows(a, (hop.distance.into(), hop.node, hop.edge), (b.distance.into(), b.node, b.edge)).is_lt()
                }
            };
            if better {
                *slot = Some(hop);
            }
        }
    }
}

/// The first Retainers row of `n` ([`first_retainer_rows`] for one node).
///
/// A slot names only its retainer; finding the edge means scanning the retainer's edges, which is
/// costly for a big array or map. So the retainers are taken nearest first: a row's distance is at
/// least its retainer's ([`row_distance`]: the retainer's distance, or the unreachable base for an
/// ignored edge), and once the best row found is nearer than the next retainer, no farther one can
/// win — usually only the nearest retainer's edges are scanned.
pub fn first_retainer_row(a: &Analysis, view: &RetainersView, n: NodeIdx) -> Option<Hop> {
    let s = &a.snapshot;
    // Each retainer once (a node's slots list equal retainers together), with its lower bound;
    // walked twice rather than kept: a node held by 750,000 objects would need a fresh 12 MB.
    let retainers = || {
        let slots = a.retainers.first_retainer[n as usize]..a.retainers.first_retainer[n as usize + 1];
        let mut last = None;
        slots.filter_map(move |slot| {
            let src = a.retainers.retainer_node[slot as usize];
            if src == s.root() || last == Some(src) {
                return None;
            }
            last = Some(src);
            Some((view.distance(a, src).min(BASE_UNREACHABLE_DISTANCE), src))
        })
    };
    // Usually the nearest retainers hold the row: scan only theirs, and sort the rest only when
    // they do not (weak or ignored edges). Retainers are taken in slot order (highest retainer
    // first, so highest edges first): a retainer at the best row's distance, shown under the same
    // name as the best row's, has only lower edges and cannot win — a node held by 100,000
    // objects of one class scans one of them.
    let nearest = retainers().map(|(bound, _)| bound).min()?;
    let mut best: Option<Hop> = None;
    let scan = |src: NodeIdx, bound: i64, best: &mut Option<Hop>| {
        if best.is_some_and(|b| {
            i64::from(b.distance) == bound
                && b.node > src
                && super::names::same_display_name(s, &a.dom.renamed, b.node, src)
        }) {
            return;
        }
        for e in s.edges(src) {
            if s.edge_to(e) != n || !is_retainer_row(a, src, e) {
                continue;
            }
            let hop = Hop::new(e, src, row_distance(a, view, src, e));
            if best.is_none_or(|b| {
                cmp_rows(a, (hop.distance.into(), hop.node, hop.edge), (b.distance.into(), b.node, b.edge)).is_lt()
            }) {
                *best = Some(hop);
            }
        }
    };
    for (bound, src) in retainers() {
        if bound == nearest {
            scan(src, bound, &mut best);
        }
    }
    if best.is_some_and(|b| i64::from(b.distance) == nearest) {
        return best;
    }
    let mut farther: Vec<(i64, NodeIdx)> = retainers().filter(|&(bound, _)| bound != nearest).collect();
    farther.sort_unstable_by_key(|&(bound, src)| (bound, std::cmp::Reverse(src)));
    for (bound, src) in farther {
        if best.is_some_and(|b| i64::from(b.distance) < bound) {
            break;
        }
        scan(src, bound, &mut best);
    }
    best
}

/// Why the automatic expansion stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    NoRetainers,
    UserRoot,
    Cycle,
    Unreachable,
    ExpansionLimit,
}

impl StopReason {
    /// The oracle's wording.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::NoRetainers => "no retainers",
            StopReason::UserRoot => "reached distance <= 1 (a user root)",
            StopReason::Cycle => "cycle",
            StopReason::Unreachable => "unreachable",
            StopReason::ExpansionLimit => "expansion limit (20)",
        }
    }
}

/// The retainer chain DevTools expands automatically.
#[derive(Clone, Debug)]
pub struct ShortestPath {
    pub edges: Vec<RetainerRow>,
    pub stop_reason: StopReason,
}

/// How many levels `expandRetainersChain` expands.
pub const EXPANSION_LEVELS: u32 = 20;

/// What [`shortest_path`] does at one level: with the first row found there, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The row is not taken (there is none): the path ends.
    Stop(StopReason),
    /// The row is taken and the path ends with it.
    Last(StopReason),
    /// The row is taken and the walk goes on from its retainer.
    Continue,
}

/// The rule of `expandRetainersChain(20)` for one level, the one place it is written (the
/// Retainers view's path and the merged paths both walk it): `taken` rows are already on the path;
/// `row` is the current node's first retainer row; `on_path` says whether a node is already on
/// the path (the start included).
pub fn chain_step(taken: u32, row: Option<Hop>, on_path: impl FnOnce(NodeIdx) -> bool) -> Step {
    let Some(row) = row else { return Step::Stop(StopReason::NoRetainers) };
    if taken + 1 >= EXPANSION_LEVELS {
        return Step::Last(StopReason::ExpansionLimit);
    }
    if on_path(row.node) {
        return Step::Last(StopReason::Cycle);
    }
    if row.distance <= 1 {
        return Step::Last(StopReason::UserRoot);
    }
    if i64::from(row.distance) >= BASE_UNREACHABLE_DISTANCE {
        return Step::Last(StopReason::Unreachable);
    }
    Step::Continue
}

/// `expandRetainersChain(20)` from `n`.
pub fn shortest_path(a: &Analysis, view: &RetainersView, n: NodeIdx) -> ShortestPath {
    let mut path: Vec<RetainerRow> = Vec::new();
    let mut seen: HashSet<u32> = HashSet::from([a.snapshot.node_id(n)]);
    let mut current = n;
    loop {
        let first = retainer_rows(a, view, current).into_iter().next();
        let hop = first.as_ref().map(|r| Hop::new(r.edge, r.node, r.distance));
        let step = chain_step(path.len() as u32, hop, |m| seen.contains(&a.snapshot.node_id(m)));
        let row = match (step, first) {
            (Step::Stop(stop), _) => return ShortestPath { edges: path, stop_reason: stop },
            (_, None) => return ShortestPath { edges: path, stop_reason: StopReason::NoRetainers },
            (_, Some(row)) => row,
        };
        let next = row.node;
        path.push(row);
        if let Step::Last(stop) = step {
            return ShortestPath { edges: path, stop_reason: stop };
        }
        seen.insert(a.snapshot.node_id(next));
        current = next;
    }
}

/// One edge of a `getRetainingPaths` forest.
#[derive(Clone, Debug)]
pub struct PathEdge {
    pub edge: EdgeIdx,
    pub node: NodeIdx,
    pub distance: i32,
    pub children: Vec<PathEdge>,
}

/// Which limits `getRetainingPaths` hit, in the order it hit them.
#[derive(Clone, Debug, Default)]
pub struct PathLimits {
    pub hit: Vec<&'static str>,
}

impl PathLimits {
    fn set(&mut self, which: &'static str) {
        if !self.hit.contains(&which) {
            self.hit.push(which);
        }
    }
}

/// DevTools `getRetainingPaths(nodeIndex, 30, 5000, 100)`.
pub fn retaining_paths(a: &Analysis, view: &RetainersView, n: NodeIdx) -> (Vec<PathEdge>, PathLimits) {
    struct Walk<'a> {
        a: &'a Analysis,
        view: &'a RetainersView,
        traversed: usize,
        visiting: HashSet<NodeIdx>,
        visited: HashMap<NodeIdx, usize>,
        limits: PathLimits,
    }
    const MAX_DEPTH: usize = 30;
    const MAX_NODES: usize = 5000;
    const MAX_SIBLINGS: usize = 100;
    const ROOT_DISTANCE: i32 = 2;
    impl Walk<'_> {
        fn forest(&mut self, current: NodeIdx, depth: usize) -> Vec<PathEdge> {
            self.traversed += 1;
            if self.traversed > MAX_NODES {
                self.limits.set("nodes");
                return Vec::new();
            }
            if depth >= MAX_DEPTH {
                self.limits.set("depth");
                return Vec::new();
            }
            if self.view.raw_distance(self.a, current) <= ROOT_DISTANCE {
                return Vec::new();
            }
            if self.visiting.contains(&current) {
                return Vec::new();
            }
            if let Some(&cached) = self.visited.get(&current)
                && depth >= cached
            {
                return Vec::new();
            }
            self.visiting.insert(current);
            let s = &self.a.snapshot;
            let mut retainers = Vec::new();
            for (_, src, e) in self.a.retainers.edges_of(s, current) {
                let dist = self.view.raw_distance(self.a, src);
                if self.view.is_edge_ignored(e) || s.edge_type(e) == EdgeType::WEAK {
                    continue;
                }
                if dist >= 0 {
                    let remaining = (MAX_DEPTH - depth) as i64;
                    let needed = i64::from(dist) - i64::from(ROOT_DISTANCE);
                    if needed < remaining {
                        retainers.push((e, src, dist));
                    } else {
                        self.limits.set("depth");
                    }
                }
            }
            retainers.sort_by_key(|r| r.2);
            if retainers.len() > MAX_SIBLINGS {
                self.limits.set("siblings");
                retainers.truncate(MAX_SIBLINGS);
            }
            let mut forest = Vec::new();
            for (e, src, dist) in retainers {
                let children = if dist == ROOT_DISTANCE {
                    self.traversed += 1;
                    if self.traversed > MAX_NODES {
                        self.limits.set("nodes");
                        break;
                    }
                    Vec::new()
                } else {
                    let c = self.forest(src, depth + 1);
                    if c.is_empty() {
                        continue;
                    }
                    c
                };
                forest.push(PathEdge { edge: e, node: src, distance: dist, children });
            }
            self.visiting.remove(&current);
            self.visited.insert(current, depth);
            forest
        }
    }
    let mut walk = Walk {
        a,
        view,
        traversed: 0,
        visiting: HashSet::new(),
        visited: HashMap::new(),
        limits: PathLimits::default(),
    };
    let forest = walk.forest(n, 0);
    (forest, walk.limits)
}

/// `getDominatorsOf`: `n`, its immediate dominator, …, the root.
pub fn dominator_chain(a: &Analysis, n: NodeIdx) -> Vec<NodeIdx> {
    let root = a.snapshot.root();
    let mut chain = vec![n];
    let mut current = n;
    while current != root {
        let next = a.dominator[current as usize];
        if next == current || chain.len() > a.node_count() {
            break;
        }
        chain.push(next);
        current = next;
    }
    chain
}

/// The `count` largest nodes by retained size (then id), optionally only those with self size
/// > 0 (the ones the Summary can show).
pub fn top_nodes(a: &Analysis, count: usize, visible_only: bool) -> Vec<NodeIdx> {
    use std::collections::BinaryHeap;
    // Min-heap of the best `count` so far by (retained desc, id asc).
    let key = |n: NodeIdx| (a.retained_size[n as usize], std::cmp::Reverse(a.snapshot.node_id(n)));
    type Ranked = std::cmp::Reverse<((u64, std::cmp::Reverse<u32>), NodeIdx)>;
    let mut heap: BinaryHeap<Ranked> = BinaryHeap::new();
    for n in 0..a.node_count() as NodeIdx {
        if visible_only && a.self_size[n as usize] == 0 {
            continue;
        }
        let k = key(n);
        if heap.len() < count {
            heap.push(std::cmp::Reverse((k, n)));
        } else if let Some(std::cmp::Reverse((worst, _))) = heap.peek()
            && k > *worst
        {
            heap.pop();
            heap.push(std::cmp::Reverse((k, n)));
        }
    }
    let mut out: Vec<_> = heap.into_iter().map(|std::cmp::Reverse((k, n))| (k, n)).collect();
    out.sort_by_key(|x| std::cmp::Reverse(x.0));
    out.into_iter().map(|(_, n)| n).collect()
}
