//! The dominator tree and retained sizes.
//!
//! Immediate dominators over essential edges, as DevTools
//! `HeapSnapshot.calculateDominatorsAndRetainedSizes` (HeapSnapshot.ts:2130) computes them with
//! Lengauer & Tarjan, "A fast algorithm for finding dominators in a flowgraph", ACM TOPLAS 1(1),
//! 1979, doi:10.1145/357062.357071 (the "simple" version: path compression without balancing),
//! including its handling of nodes the DFS from the root misses:
//!
//! 1. nodes whose retainers are all non-essential (only weak retainers) are attached under the
//!    root and a DFS runs from each;
//! 2. nodes still unvisited (cliques that retain each other) are attached under the root one by
//!    one, without a DFS.
//!
//! Both cases are reported as problems, like DevTools' console warnings.
//!
//! Retained size = self size (after the shallow-size transfer) + the retained sizes of the nodes
//! it immediately dominates, summed bottom-up in reverse DFS order.
//!
//! When every node is in a real DFS tree (always, for snapshots V8 writes after its GC), the
//! dominators come from Semi-NCA, which computes the same result without Lengauer–Tarjan's
//! buckets; only for cliques unreachable from the root (2. above) does the exact LT path run,
//! because DevTools' result there depends on LT's steps.
//!
//! # In DFS numbers, in three steps
//!
//! Everything after the DFS works on DFS numbers, as the papers state the algorithms: a vertex's
//! parent, semi-dominator, label and forest link are arrays indexed by its number, and its
//! predecessors a list of numbers ([`Predecessors`]) built from the forward edges, not read
//! through the snapshot's reverse index. The DFS counts each vertex's predecessors as it examines
//! the edges, so one more pass over them fills the lists. On a 59 MB snapshot the
//! semi-dominators then take 12 ms against 30; on 12.4M nodes, where every array is far larger
//! than the caches, about the same as before (0.84 s against 0.69, plus 0.27 s for the lists).
//!
//! What the split buys is the order: [`depth_first`] reads only the forward edges and the
//! essential bits, so the analysis runs it beside class names on the other core, before the
//! reverse index would have been read back ([`DepthFirst::predecessors`], then
//! [`Numbered::dominators`], which reads nothing of the snapshot). [`compute`] runs the three in
//! a row.
//!
//! Memory (N nodes, E essential edges): the DFS keeps 16 bytes a node (number of each node, node
//! and parent of each number, predecessor counts) and a cursor for each vertex on the current
//! path; the lists add 4 bytes an edge, during the last read of the forward edges (the caller can
//! let those go after it); then the numbers of nodes go and the semi-dominator pass adds 12 bytes
//! a node (semi-dominator, label, forest link): 24 a node and 4 an edge at most. Lengauer–Tarjan's
//! fallback adds dom and two bucket arrays (12 a node).

use super::Cancelled;
use super::bits::BitVec;
use crate::snapshot::{EdgePacking, NodeIdx};

/// The graph as the dominator pass sees it (all borrowed from the snapshot and analyses).
pub struct DominatorInput<'a> {
    pub root: NodeIdx,
    pub first_edge: &'a [u32],
    /// Packed targets and types, packed by `edge_packing`.
    pub edges: &'a [u32],
    pub edge_packing: EdgePacking,
    pub essential_edge: &'a BitVec,
    /// The reverse index's offsets and essential bits: read only for nodes the DFS from the
    /// root missed, to tell those with only weak retainers.
    pub first_retainer: &'a [u32],
    /// Essential bit of each retainer slot (the essential bit of the slot's edge).
    pub essential_retainer: &'a BitVec,
    /// Polled every [`CANCEL_CHECK_EVERY`] vertices: at a gigabyte this pass runs over a second,
    /// and a cancelled load must not wait for it.
    pub is_cancelled: &'a dyn Fn() -> bool,
}

/// How many vertices the DFS and the dominator loops visit between two cancellation checks
/// (a check is one relaxed atomic load; 64 Ki vertices take well under a millisecond).
pub const CANCEL_CHECK_EVERY: u32 = 1 << 16;

/// How often (in nodes) [`DepthFirst::predecessors`] says how far it has read the edges.
pub const RELEASE_EDGES_EVERY: usize = 1 << 16;

/// What the pass found.
pub struct DominatorTree {
    /// Immediate dominator of each node (the root is its own).
    pub dominator: Vec<NodeIdx>,
    /// Nodes in DFS order (root first); every dominator comes before the nodes it dominates.
    pub dfs_order: Vec<NodeIdx>,
    /// Nodes attached under the root because they had only weak retainers.
    pub weakly_retained: Vec<NodeIdx>,
    /// Count of nodes the DFS from the root missed.
    pub unreachable_from_root: usize,
    /// Nodes attached under the root one by one (still unreached after the weak pass).
    pub still_unreachable: Vec<NodeIdx>,
    pub still_unreachable_count: usize,
}

/// Problem reports keep at most this many node entries (DevTools `appendToProblemReport`).
const REPORT_LIMIT: usize = 100;

/// The depth-first search over essential edges, numbering vertices from 1 (0: not visited).
struct Search {
    /// DFS number of each node ordinal.
    number: Vec<u32>,
    /// Node ordinal of each DFS number (index 0 unused).
    vertex: Vec<NodeIdx>,
    /// DFS number of each number's parent (0 above the root).
    parent: Vec<u32>,
    /// Essential edges into each number, counted as the DFS examines them; made offsets by
    /// [`Predecessors::fill`].
    predecessor_count: Vec<u32>,
    /// Numbers given so far.
    n: u32,
    /// The next edge to examine of each vertex on the current path (as deep as the path, not a
    /// word per node).
    cursors: Vec<u32>,
}

impl Search {
    fn new(node_count: usize) -> Search {
        Search {
            number: vec![0; node_count],
            vertex: vec![0; node_count + 1],
            parent: vec![0; node_count + 1],
            predecessor_count: vec![0; node_count + 2],
            n: 0,
            cursors: Vec::new(),
        }
    }

    fn number(&mut self, node: NodeIdx, parent: u32) -> u32 {
        self.n += 1;
        let i = self.n;
        self.number[node as usize] = i;
        self.vertex[i as usize] = node;
        self.parent[i as usize] = parent;
        i
    }

    /// DFS from `start` (whose tree parent is `parent`), iterative: the path back is the parent
    /// links, the place in each path vertex's edges a stack of cursors. Every edge of every
    /// vertex visited is examined once, and counted as its target's predecessor.
    fn run(&mut self, input: &DominatorInput<'_>, start: NodeIdx, parent: u32) -> Result<(), Cancelled> {
        let mut i = self.number(start, parent);
        self.cursors.push(input.first_edge[start as usize]);
        while let Some(&cursor) = self.cursors.last() {
            let v = self.vertex[i as usize] as usize;
            let end = input.first_edge[v + 1];
            let mut e = cursor;
            let mut next = 0;
            let mut next_node = 0;
            while e < end {
                let edge = e as usize;
                e += 1;
                if !input.essential_edge.get(edge) {
                    continue;
                }
                let w = input.edge_packing.target(input.edges[edge]);
                let seen = self.number[w as usize];
                if seen != 0 {
                    self.predecessor_count[seen as usize] += 1;
                    continue;
                }
                next = self.number(w, i);
                next_node = w;
                self.predecessor_count[next as usize] += 1;
                if next.is_multiple_of(CANCEL_CHECK_EVERY) && (input.is_cancelled)() {
                    self.cursors.clear();
                    return Err(Cancelled);
                }
                break;
            }
            if next != 0 {
                if let Some(top) = self.cursors.last_mut() {
                    *top = e;
                }
                self.cursors.push(input.first_edge[next_node as usize]);
                i = next;
            } else {
                self.cursors.pop();
                i = self.parent[i as usize];
            }
        }
        Ok(())
    }
}

/// Each DFS number's essential predecessors, as DFS numbers: `list[first[i]..first[i + 1]]`.
struct Predecessors {
    first: Vec<u32>,
    list: Vec<u32>,
}

impl Predecessors {
    /// One pass over the forward edges in node order, each edge's source number put at the end of
    /// its target's list, lists filled from their ends (`count` becomes the offsets).
    fn fill(
        input: &DominatorInput<'_>,
        number: &[u32],
        mut count: Vec<u32>,
        read_up_to: &dyn Fn(usize),
    ) -> Predecessors {
        let mut total = 0u32;
        for c in count.iter_mut() {
            total += *c;
            *c = total;
        }
        let mut list = vec![0u32; total as usize];
        for (v, &source) in number.iter().enumerate() {
            if v.is_multiple_of(RELEASE_EDGES_EVERY) {
                read_up_to(input.first_edge[v] as usize);
            }
            for e in input.first_edge[v]..input.first_edge[v + 1] {
                if input.essential_edge.get(e as usize) {
                    let w = input.edge_packing.target(input.edges[e as usize]);
                    let end = &mut count[number[w as usize] as usize];
                    *end -= 1;
                    list[*end as usize] = source;
                }
            }
        }
        Predecessors { first: count, list }
    }

    fn of(&self, i: u32) -> &[u32] {
        &self.list[self.first[i as usize] as usize..self.first[i as usize + 1] as usize]
    }
}

/// The dominator tree, or [`Cancelled`] as soon as `input.is_cancelled` says so.
pub fn compute(input: &DominatorInput<'_>) -> Result<DominatorTree, Cancelled> {
    depth_first(input)?.predecessors(input, &|_| ()).dominators(input.is_cancelled)
}

/// The first of [`compute`]'s three steps: the DFS over essential edges from the root, then from nodes
/// with only weak retainers, then the nodes still missed attached under the root. It reads the
/// forward edges, and the reverse index's offsets only for nodes the DFS missed. The caller may
/// run the steps apart (the analysis runs this one beside class names when it can).
pub fn depth_first(input: &DominatorInput<'_>) -> Result<DepthFirst, Cancelled> {
    let node_count = input.first_edge.len() - 1;
    let mut search = Search::new(node_count);
    search.run(input, input.root, 0)?;

    let mut weakly_retained = Vec::new();
    let unreachable_from_root = node_count - search.n as usize;
    if unreachable_from_root > 0 {
        for o in 0..node_count {
            if search.number[o] != 0 {
                continue;
            }
            let only_weak = (input.first_retainer[o]..input.first_retainer[o + 1])
                .all(|slot| !input.essential_retainer.get(slot as usize));
            if only_weak {
                if weakly_retained.len() < REPORT_LIMIT - 1 {
                    weakly_retained.push(o as NodeIdx);
                }
                // Under the root (number 1); the walk back up stops there.
                search.run(input, o as NodeIdx, 1)?;
            }
        }
    }
    let mut still_unreachable = Vec::new();
    let still_unreachable_count = node_count - search.n as usize;
    if still_unreachable_count > 0 {
        let first_attached = search.n + 1;
        for o in 0..node_count {
            if search.number[o] == 0 {
                if still_unreachable.len() < REPORT_LIMIT {
                    still_unreachable.push(o as NodeIdx);
                }
                search.number(o as NodeIdx, 1);
            }
        }
        // No DFS examined these nodes' edges: count them here.
        for i in first_attached..=search.n {
            let o = search.vertex[i as usize] as usize;
            for e in input.first_edge[o]..input.first_edge[o + 1] {
                if input.essential_edge.get(e as usize) {
                    let w = input.edge_packing.target(input.edges[e as usize]);
                    search.predecessor_count[search.number[w as usize] as usize] += 1;
                }
            }
        }
    }
    search.cursors = Vec::new();
    Ok(DepthFirst { search, weakly_retained, unreachable_from_root, still_unreachable, still_unreachable_count })
}

/// What [`depth_first`] found: 16 bytes a node.
pub struct DepthFirst {
    search: Search,
    weakly_retained: Vec<NodeIdx>,
    unreachable_from_root: usize,
    still_unreachable: Vec<NodeIdx>,
    still_unreachable_count: usize,
}

impl DepthFirst {
    /// The second step: the predecessor lists, the last read of the forward edges, front to
    /// back: every [`RELEASE_EDGES_EVERY`] nodes, `read_up_to` is told the first edge not read
    /// yet (a spilled column lets the pages behind go: at 4.4 GB the edges are 0.69 GB, as large
    /// as the lists being built).
    pub fn predecessors(self, input: &DominatorInput<'_>, read_up_to: &dyn Fn(usize)) -> Numbered {
        let DepthFirst { search, weakly_retained, unreachable_from_root, still_unreachable, still_unreachable_count } =
            self;
        let Search { number, vertex, parent, predecessor_count, n, .. } = search;
        let predecessors = Predecessors::fill(input, &number, predecessor_count, read_up_to);
        Numbered {
            vertex,
            parent,
            n,
            predecessors,
            weakly_retained,
            unreachable_from_root,
            still_unreachable,
            still_unreachable_count,
        }
    }
}

/// The graph in DFS numbers, for the last step ([`Numbered::dominators`]).
pub struct Numbered {
    vertex: Vec<NodeIdx>,
    parent: Vec<u32>,
    n: u32,
    predecessors: Predecessors,
    weakly_retained: Vec<NodeIdx>,
    unreachable_from_root: usize,
    still_unreachable: Vec<NodeIdx>,
    still_unreachable_count: usize,
}

impl Numbered {
    /// The last step: semi-dominators and immediate dominators, back in node ordinals. Reads
    /// nothing of the snapshot.
    pub fn dominators(self, is_cancelled: &dyn Fn() -> bool) -> Result<DominatorTree, Cancelled> {
        let Numbered {
            vertex,
            parent,
            n,
            predecessors,
            weakly_retained,
            unreachable_from_root,
            still_unreachable,
            still_unreachable_count,
        } = self;
        let node_count = vertex.len() - 1;
        // The root is number 1.
        let root = vertex[1];
        let idom = if still_unreachable_count == 0 {
            semi_nca(is_cancelled, &predecessors, parent, n)?
        } else {
            lengauer_tarjan(is_cancelled, &predecessors, &parent, n)?
        };
        drop(predecessors);
        let mut dominator = vec![root; node_count];
        for i in 2..=n as usize {
            let d = idom[i];
            dominator[vertex[i] as usize] = if d == 0 { root } else { vertex[d as usize] };
        }
        drop(idom);
        let mut dfs_order = vertex;
        dfs_order.remove(0);
        dfs_order.truncate(n as usize);
        Ok(DominatorTree {
            dominator,
            dfs_order,
            weakly_retained,
            unreachable_from_root,
            still_unreachable,
            still_unreachable_count,
        })
    }
}

/// Lengauer–Tarjan's forest, in DFS numbers: `ancestor` links processed vertices to their
/// parents, `label` is the vertex of least semi-dominator on the compressed path. (Separate
/// arrays, not one record a vertex as the node-indexed version had: in DFS numbers the records
/// measured no faster on 12.4M nodes, 0.98 s against 0.84 s, and cost 4 bytes a node more.)
struct Forest {
    ancestor: Vec<u32>,
    label: Vec<u32>,
    stack: Vec<u32>,
}

impl Forest {
    fn new(n: u32) -> Forest {
        Forest { ancestor: vec![0; n as usize + 1], label: (0..=n).collect(), stack: Vec::new() }
    }

    /// `compress` and `eval` of Lengauer & Tarjan (the simple version), iterative: the vertex of
    /// least semi-dominator on the forest path above `v`, compressing the path on the way.
    #[inline]
    fn eval(&mut self, v: u32, semi: &[u32]) -> u32 {
        let (ancestor, label) = (&mut self.ancestor, &mut self.label);
        if ancestor[v as usize] == 0 {
            return v;
        }
        let mut x = v;
        while ancestor[ancestor[x as usize] as usize] != 0 {
            self.stack.push(x);
            x = ancestor[x as usize];
        }
        while let Some(w) = self.stack.pop() {
            let wi = w as usize;
            let a = ancestor[wi] as usize;
            if semi[label[a] as usize] < semi[label[wi] as usize] {
                label[wi] = label[a];
            }
            ancestor[wi] = ancestor[a];
        }
        label[v as usize]
    }

    /// The semi-dominator of `i`: the least over its predecessors `u` of `semi(eval(u))`,
    /// starting from `i` itself. A vertex with no essential predecessor (an orphan) acts as if
    /// its only predecessor were the root, as in DevTools.
    #[inline]
    fn semi_dominator(&mut self, i: u32, predecessors: &[u32], semi: &[u32]) -> u32 {
        if predecessors.is_empty() {
            return 1;
        }
        let mut s = i;
        for &u in predecessors {
            let x = self.eval(u, semi);
            s = s.min(semi[x as usize]);
        }
        s
    }
}

/// Semi-NCA (Georgiadis, "Linear-time algorithms for dominators and related problems", PhD
/// thesis, Princeton 2005; Georgiadis, Tarjan & Werneck, "Finding dominators in practice",
/// JGAA 10(1), 2006): semi-dominators as in Lengauer–Tarjan (`eval` with path compression), then
/// each vertex's immediate dominator is the nearest ancestor of its DFS parent whose DFS number
/// is at most its semi-dominator, found walking up the dominators already computed (vertices in
/// increasing DFS order). Equal to Lengauer–Tarjan's result on any DFS tree.
///
/// The immediate dominators (DFS numbers) replace the parents in place.
fn semi_nca(
    is_cancelled: &dyn Fn() -> bool,
    predecessors: &Predecessors,
    mut parent: Vec<u32>,
    n: u32,
) -> Result<Vec<u32>, Cancelled> {
    let mut semi: Vec<u32> = (0..=n).collect();
    let mut forest = Forest::new(n);
    for i in (2..=n).rev() {
        if i.is_multiple_of(CANCEL_CHECK_EVERY) && is_cancelled() {
            return Err(Cancelled);
        }
        semi[i as usize] = forest.semi_dominator(i, predecessors.of(i), &semi);
        forest.ancestor[i as usize] = parent[i as usize];
    }
    drop(forest);
    for i in 2..=n as usize {
        let s = semi[i];
        let mut d = parent[i];
        while d > s {
            d = parent[d as usize];
        }
        parent[i] = d;
    }
    Ok(parent)
}

/// Lengauer–Tarjan with buckets, step for step as DevTools runs it: for the graph with cliques
/// attached under the root without an edge, where the DFS tree is not one of the graph's and
/// Semi-NCA's shortcut would answer differently.
fn lengauer_tarjan(
    is_cancelled: &dyn Fn() -> bool,
    predecessors: &Predecessors,
    parent: &[u32],
    n: u32,
) -> Result<Vec<u32>, Cancelled> {
    let len = n as usize + 1;
    let mut semi: Vec<u32> = (0..=n).collect();
    let mut forest = Forest::new(n);
    let mut dom = vec![0u32; len];
    let mut bucket_head = vec![0u32; len];
    let mut bucket_next = vec![0u32; len];
    for i in (2..=n).rev() {
        if i.is_multiple_of(CANCEL_CHECK_EVERY) && is_cancelled() {
            return Err(Cancelled);
        }
        let s = forest.semi_dominator(i, predecessors.of(i), &semi);
        semi[i as usize] = s;
        bucket_next[i as usize] = bucket_head[s as usize];
        bucket_head[s as usize] = i;
        let p = parent[i as usize];
        forest.ancestor[i as usize] = p; // link(parent[i], i)
        let mut v = std::mem::take(&mut bucket_head[p as usize]);
        while v != 0 {
            let next = bucket_next[v as usize];
            let u = forest.eval(v, &semi);
            dom[v as usize] = if semi[u as usize] < semi[v as usize] { u } else { p };
            v = next;
        }
    }
    drop(bucket_head);
    drop(bucket_next);
    dom[1] = 1;
    for i in 2..len {
        if dom[i] != semi[i] {
            dom[i] = dom[dom[i] as usize];
        }
    }
    Ok(dom)
}

/// Retained sizes: each node's self size plus those of the nodes it dominates.
pub fn retained_sizes(tree: &DominatorTree, self_sizes: &[u32]) -> Vec<u64> {
    let mut retained: Vec<u64> = self_sizes.iter().map(|&s| u64::from(s)).collect();
    for &node in tree.dfs_order.iter().skip(1).rev() {
        let d = tree.dominator[node as usize];
        retained[d as usize] += retained[node as usize];
    }
    retained
}

#[cfg(test)]
mod tests {
    use crate::analysis::Analysis;
    use crate::progress::NoProgress;
    use crate::snapshot::builder::SnapshotBuilder;
    use crate::snapshot::{EdgeType, NodeType};

    //            root
    //           /    \
    //          a      b
    //          | \   /
    //          c   d          e is reached through c (under a) and through d (under a or b):
    //           \ /           only the root dominates it; d likewise; c is a's alone.
    //            e
    #[test]
    fn dominators_and_retained_sizes_of_a_diamond() {
        let mut g = SnapshotBuilder::new();
        let root = g.node(NodeType::SYNTHETIC, "", 0);
        let [a, b, c, d, e] = [("A", 1), ("B", 2), ("C", 4), ("D", 8), ("E", 16)]
            .map(|(name, size)| g.node(NodeType::OBJECT, name, size));
        for (from, to) in [(root, a), (root, b), (a, c), (a, d), (b, d), (c, e), (d, e)] {
            let t = if from == root { EdgeType::ELEMENT } else { EdgeType::PROPERTY };
            if t == EdgeType::ELEMENT {
                g.edge(from, t, to, to);
            } else {
                g.edge(from, t, "x", to);
            }
        }
        let an = Analysis::run(g.build(), &NoProgress).unwrap();
        assert_eq!(an.dominator, vec![root, root, root, a, root, root]);
        assert_eq!(an.retained_size, vec![31, 5, 2, 4, 8, 16]);
    }

    //   root ─▶ a ─▶ b         x ─weak▶ a; x has no other retainer: an orphan, put under the
    //           ▲    │         root and searched from there. y ⇄ z retain only each other:
    //           └────┘         found by neither search, attached to the root one by one.
    #[test]
    fn orphans_and_cliques_hang_under_the_root_with_problem_reports() {
        let mut g = SnapshotBuilder::new();
        let root = g.node(NodeType::SYNTHETIC, "", 0);
        let a = g.node(NodeType::OBJECT, "A", 1);
        let b = g.node(NodeType::OBJECT, "B", 1);
        let x = g.node(NodeType::OBJECT, "X", 1);
        let y = g.node(NodeType::OBJECT, "Y", 1);
        let z = g.node(NodeType::OBJECT, "Z", 1);
        g.edge(root, EdgeType::ELEMENT, 1, a);
        g.edge(a, EdgeType::PROPERTY, "b", b);
        g.edge(b, EdgeType::PROPERTY, "a", a);
        g.edge(x, EdgeType::WEAK, "a", a);
        g.edge(y, EdgeType::PROPERTY, "z", z);
        g.edge(z, EdgeType::PROPERTY, "y", y);
        let an = Analysis::run(g.build(), &NoProgress).unwrap();
        assert_eq!(an.dominator[x as usize], root);
        assert_eq!(an.dominator[b as usize], a);
        assert_eq!(an.retained_size[root as usize], 5);
        assert_eq!(an.problems.len(), 2, "{:?}", an.problems);
        assert!(an.problems[0].starts_with("Heap snapshot: 3 nodes are unreachable from the root."));
        assert!(an.problems[0].contains("The following nodes have only weak retainers:\n  X @"));
        assert!(an.problems[1].starts_with("Heap snapshot: Still found 2 unreachable nodes:\n  Y @"));
    }

    /// A cancelled load does not wait for the pass: it stops at its first check, well before
    /// the end, and the same input uncancelled gives the tree.
    #[test]
    fn cancel_stops_the_pass_at_its_first_check() {
        use super::{CANCEL_CHECK_EVERY, DominatorInput, compute};
        use crate::analysis::{ephemeron, essential, retainers};
        let mut g = SnapshotBuilder::new();
        let root = g.node(NodeType::SYNTHETIC, "", 0);
        let mut prev = g.node(NodeType::OBJECT, "A", 1);
        g.edge(root, EdgeType::ELEMENT, 1, prev);
        for _ in 0..3 * CANCEL_CHECK_EVERY {
            let n = g.node(NodeType::OBJECT, "A", 1);
            g.edge(prev, EdgeType::PROPERTY, "next", n);
            prev = n;
        }
        let s = g.build();
        let eph = ephemeron::EphemeronNames::new(&s);
        let page_owned = essential::page_owned(&s);
        let essential_edges = essential::essential_edges(&s, &page_owned, &eph);
        let ret = retainers::Retainers::build(&s, &essential_edges);
        let polls = std::cell::Cell::new(0);
        let cancel = || {
            polls.set(polls.get() + 1);
            true
        };
        let never = || false;
        let make = |is_cancelled: &dyn Fn() -> bool| {
            compute(&DominatorInput {
                root: s.root(),
                first_edge: &s.first_edge,
                edges: s.edge_column(),
                edge_packing: s.edge_packing(),
                essential_edge: &essential_edges,
                first_retainer: &ret.first_retainer,
                essential_retainer: &ret.essential,
                is_cancelled,
            })
        };
        assert!(make(&cancel).is_err());
        assert_eq!(polls.get(), 1, "stopped at the first check");
        let tree = make(&never).map_err(|_| "not cancelled").unwrap();
        assert_eq!(tree.dominator[prev as usize], prev - 1, "a chain: each node's dominator is the one before");
    }
}
