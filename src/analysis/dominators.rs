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
//! # In two steps
//!
//! [`depth_first`] reads only the forward edges and the essential bits, and keeps 12 bytes a node
//! (the DFS number of each node, the node and parent of each number) and a cursor for each vertex
//! on the current path. [`DepthFirst::dominators`] reads only the reverse index: it turns those
//! arrays into one 16-byte record a vertex (parent, forest link, label, DFS number), indexed by
//! node as the reverse index is, so that the semi-dominator pass reads one cache line where it
//! reads a vertex (on the 12-million-node snapshots this is what the pass waits for). The analysis
//! runs the DFS beside class names on the other core, and lets the forward edges go before the
//! reverse index comes back for the second step; [`compute`] runs the two in a row.
//!
//! Tried on the way (BENCHMARKS.md, ninth session): the second step in DFS numbers with separate
//! arrays, its predecessor lists built from the forward edges (12 ms against 30 on a 59 MB
//! snapshot, but 1.11 s against 0.86 s on 12.4M nodes, and a fourth edge-sized column where the
//! reverse index is resident anyway: 1.34× a 1.14 GB file in memory against 1.18×), or read
//! through the reverse index (1.32 s on 12.4M nodes).
//!
//! Memory (N nodes): 12 bytes a node during the DFS, 20 (the records and the DFS order) during the
//! second step, beside the reverse index it reads; Lengauer–Tarjan's fallback adds dom and two
//! bucket arrays (12 a node).

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
    /// The reverse index: the first step reads its offsets and essential bits only for nodes
    /// the DFS from the root missed (to tell those with only weak retainers), the second all of it.
    pub first_retainer: &'a [u32],
    pub retainer_node: &'a [NodeIdx],
    /// Essential bit of each retainer slot (the essential bit of the slot's edge).
    pub essential_retainer: &'a BitVec,
    /// Polled every [`CANCEL_CHECK_EVERY`] vertices: at a gigabyte this pass runs over a second,
    /// and a cancelled load must not wait for it.
    pub is_cancelled: &'a dyn Fn() -> bool,
}

/// How many vertices the DFS and the dominator loops visit between two cancellation checks
/// (a check is one relaxed atomic load; 64 Ki vertices take well under a millisecond).
pub const CANCEL_CHECK_EVERY: u32 = 1 << 16;

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
    /// links, the place in each path vertex's edges a stack of cursors.
    fn run(&mut self, input: &DominatorInput<'_>, start: NodeIdx, parent: u32) -> Result<(), Cancelled> {
        let mut i = self.number(start, parent);
        self.cursors.push(input.first_edge[start as usize]);
        while let Some(&cursor) = self.cursors.last() {
            let v = self.vertex[i as usize] as usize;
            let end = input.first_edge[v + 1];
            let mut e = cursor;
            let mut next = None;
            while e < end {
                let edge = e as usize;
                e += 1;
                if !input.essential_edge.get(edge) {
                    continue;
                }
                let w = input.edge_packing.target(input.edges[edge]);
                if self.number[w as usize] == 0 {
                    next = Some(w);
                    break;
                }
            }
            match next {
                Some(w) => {
                    if let Some(top) = self.cursors.last_mut() {
                        *top = e;
                    }
                    i = self.number(w, i);
                    if i.is_multiple_of(CANCEL_CHECK_EVERY) && (input.is_cancelled)() {
                        self.cursors.clear();
                        return Err(Cancelled);
                    }
                    self.cursors.push(input.first_edge[w as usize]);
                }
                None => {
                    self.cursors.pop();
                    i = self.parent[i as usize];
                }
            }
        }
        Ok(())
    }
}

/// The dominator tree, or [`Cancelled`] as soon as `input.is_cancelled` says so.
pub fn compute(input: &DominatorInput<'_>) -> Result<DominatorTree, Cancelled> {
    depth_first(input)?.dominators(input, &|| ())
}

/// The first of [`compute`]'s two steps: the DFS over essential edges from the root, then from
/// nodes with only weak retainers, then the nodes still missed attached under the root. It reads
/// the forward edges, and the reverse index's offsets and bits only for nodes the DFS missed.
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
        for o in 0..node_count {
            if search.number[o] == 0 {
                if still_unreachable.len() < REPORT_LIMIT {
                    still_unreachable.push(o as NodeIdx);
                }
                search.number(o as NodeIdx, 1);
            }
        }
    }
    search.cursors = Vec::new();
    let reports = Reports { weakly_retained, unreachable_from_root, still_unreachable, still_unreachable_count };
    Ok(DepthFirst { search, reports })
}

/// What [`depth_first`] keeps a node: its DFS number, and the node and parent of a number.
pub const SEARCH_BYTES_PER_NODE: u64 = 3 * std::mem::size_of::<u32>() as u64;

/// What [`depth_first`] found: [`SEARCH_BYTES_PER_NODE`] a node.
pub struct DepthFirst {
    search: Search,
    reports: Reports,
}

impl DepthFirst {
    /// The second step: semi-dominators and immediate dominators. Reads the reverse index, not
    /// the forward edges. The DFS's compact arrays become Lengauer–Tarjan's per-vertex records,
    /// indexed by node as the reverse index is (one record a vertex: parent, forest link, label,
    /// DFS number), which the semi-dominator pass reads as one cache line; built here, after the
    /// DFS, so that the search beside class names holds 12 bytes a node, not 20.
    ///
    /// `reverse_index_in` is called once the records are built, before the first read of the
    /// reverse index: a caller whose index is in a file maps it in then, not beside the DFS's
    /// arrays being turned into records (at 4.4 GB that had made the peak, 0.605× the file).
    pub fn dominators(
        self,
        input: &DominatorInput<'_>,
        reverse_index_in: &dyn Fn(),
    ) -> Result<DominatorTree, Cancelled> {
        let DepthFirst { search, reports } = self;
        let Search { number, mut vertex, parent, n, .. } = search;
        drop(number);
        // 1-based vertex ids (node ordinal + 1), 0 meaning "none", as the records use them.
        let mut v_ = vec![Vertex::default(); vertex.len()];
        for i in 1..=n as usize {
            let v = vertex[i] + 1;
            let p = parent[i];
            v_[v as usize] = Vertex {
                parent: if p == 0 { 0 } else { vertex[p as usize] + 1 },
                ancestor: 0,
                label: v,
                semi: i as u32,
            };
        }
        drop(parent);
        for v in &mut vertex[1..=n as usize] {
            *v += 1;
        }
        reverse_index_in();
        let r = input.root + 1;
        let dominator = if reports.still_unreachable_count > 0 {
            lengauer_tarjan(input, v_, &vertex, n, r)?
        } else {
            // Every vertex hangs in a real DFS tree (the root's, or an orphan's under the root):
            // Semi-NCA computes the same dominators as Lengauer–Tarjan without buckets, in the
            // per-vertex records.
            semi_nca(input, &mut v_, &vertex, n, r)?;
            dominators_in_place(v_, r)
        };
        let mut dfs_order = vertex;
        dfs_order.remove(0);
        dfs_order.truncate(n as usize);
        for v in &mut dfs_order {
            *v -= 1;
        }
        let Reports { weakly_retained, unreachable_from_root, still_unreachable, still_unreachable_count } = reports;
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

/// The problems [`depth_first`] found, carried to the tree.
struct Reports {
    weakly_retained: Vec<NodeIdx>,
    unreachable_from_root: usize,
    still_unreachable: Vec<NodeIdx>,
    still_unreachable_count: usize,
}

/// Per-vertex state of Lengauer–Tarjan, kept together: the algorithm reads a vertex's parent,
/// ancestor, label and semi-dominator at once, so one cache line serves all four (on the
/// 12-million-node snapshots this is what the pass waits for).
#[derive(Clone, Copy, Default, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
struct Vertex {
    parent: u32,
    /// Forest link for `eval` (0: not linked yet).
    ancestor: u32,
    label: u32,
    /// DFS number until the main loop replaces it by the semi-dominator's.
    semi: u32,
}

/// Lengauer–Tarjan with buckets, step for step as DevTools runs it: for the graph with cliques
/// attached under the root without an edge, where the DFS tree is not one of the graph's and
/// Semi-NCA's shortcut would answer differently. `vertex` holds 1-based vertex ids; the
/// immediate dominators come back as node ordinals.
fn lengauer_tarjan(
    input: &DominatorInput<'_>,
    mut v_: Vec<Vertex>,
    vertex: &[u32],
    n: u32,
    r: u32,
) -> Result<Vec<NodeIdx>, Cancelled> {
    let len = v_.len();
    let mut dom = vec![0u32; len];
    let mut bucket_head = vec![0u32; len];
    let mut bucket_next = vec![0u32; len];
    let mut compress_stack: Vec<u32> = Vec::new();

    let root_semi = v_[r as usize].semi;
    for i in (2..=n).rev() {
        if i.is_multiple_of(CANCEL_CHECK_EVERY) && (input.is_cancelled)() {
            return Err(Cancelled);
        }
        let w = vertex[i as usize];
        let wi = w as usize;
        let semi_w = semi_dominator(input, &mut v_, w, root_semi, &mut compress_stack);
        v_[wi].semi = semi_w;
        let b = vertex[semi_w as usize] as usize;
        bucket_next[wi] = bucket_head[b];
        bucket_head[b] = w;
        let p = v_[wi].parent;
        v_[wi].ancestor = p; // link(parent[w], w)
        let mut v = std::mem::take(&mut bucket_head[p as usize]);
        while v != 0 {
            let next = bucket_next[v as usize];
            let u = eval(v, &mut v_, &mut compress_stack);
            dom[v as usize] = if v_[u as usize].semi < v_[v as usize].semi { u } else { p };
            v = next;
        }
    }
    drop(bucket_head);
    drop(bucket_next);

    dom[0] = r;
    dom[r as usize] = r;
    for i in 2..=n {
        let w = vertex[i as usize] as usize;
        if dom[w] != vertex[v_[w].semi as usize] {
            dom[w] = dom[dom[w] as usize];
        }
    }
    drop(v_);

    // Back to ordinals, in place.
    let mut dominator = dom;
    dominator.remove(0);
    for d in &mut dominator {
        *d -= 1;
    }
    Ok(dominator)
}

/// `compress` and `eval` of Lengauer & Tarjan (the simple version), iterative: the vertex of
/// least semi-dominator on the forest path above `v`, compressing the path on the way.
#[inline]
fn eval(v: u32, v_: &mut [Vertex], stack: &mut Vec<u32>) -> u32 {
    if v_[v as usize].ancestor == 0 {
        return v;
    }
    let mut x = v;
    while v_[v_[x as usize].ancestor as usize].ancestor != 0 {
        stack.push(x);
        x = v_[x as usize].ancestor;
    }
    while let Some(w) = stack.pop() {
        let wi = w as usize;
        let a = v_[wi].ancestor as usize;
        let (label_a, ancestor_a) = (v_[a].label, v_[a].ancestor);
        if v_[label_a as usize].semi < v_[v_[wi].label as usize].semi {
            v_[wi].label = label_a;
        }
        v_[wi].ancestor = ancestor_a;
    }
    v_[v as usize].label
}

/// The semi-dominator (as a DFS number) of vertex `w`: the least over its essential retainers
/// `v` of `semi(eval(v))`, starting from `w`'s own DFS number. A vertex with no essential
/// retainer (an orphan) acts as if its only predecessor were the root, as in DevTools.
#[inline]
fn semi_dominator(input: &DominatorInput<'_>, v_: &mut [Vertex], w: u32, root_semi: u32, stack: &mut Vec<u32>) -> u32 {
    let o = (w - 1) as usize;
    let mut semi_w = v_[w as usize].semi;
    let mut is_orphan = true;
    for slot in input.first_retainer[o]..input.first_retainer[o + 1] {
        if !input.essential_retainer.get(slot as usize) {
            continue;
        }
        is_orphan = false;
        let u = eval(input.retainer_node[slot as usize] + 1, v_, stack);
        semi_w = semi_w.min(v_[u as usize].semi);
    }
    if is_orphan { root_semi } else { semi_w }
}

/// Semi-NCA (Georgiadis, "Linear-time algorithms for dominators and related problems", PhD
/// thesis, Princeton 2005; Georgiadis, Tarjan & Werneck, "Finding dominators in practice",
/// JGAA 10(1), 2006): semi-dominators as in Lengauer–Tarjan (`eval` with path compression), then
/// each vertex's immediate dominator is the nearest ancestor of its DFS parent whose DFS number
/// is at most its semi-dominator's, found walking up the dominators already computed (vertices in
/// increasing DFS order). Equal to Lengauer–Tarjan's result on any DFS tree.
///
/// Works in place: after the semi-dominator pass `ancestor` holds each vertex's DFS number and
/// `parent` becomes the immediate dominator ([`dominators_in_place`] reads them out).
fn semi_nca(input: &DominatorInput<'_>, v_: &mut [Vertex], vertex: &[u32], n: u32, r: u32) -> Result<(), Cancelled> {
    let mut stack: Vec<u32> = Vec::new();
    let root_semi = v_[r as usize].semi;
    for i in (2..=n).rev() {
        if i.is_multiple_of(CANCEL_CHECK_EVERY) && (input.is_cancelled)() {
            return Err(Cancelled);
        }
        let w = vertex[i as usize];
        let semi_w = semi_dominator(input, v_, w, root_semi, &mut stack);
        let x = &mut v_[w as usize];
        x.semi = semi_w;
        x.ancestor = x.parent;
    }
    // DFS numbers back into `ancestor` (no longer needed for eval).
    for i in 1..=n {
        v_[vertex[i as usize] as usize].ancestor = i;
    }
    for i in 2..=n {
        let w = vertex[i as usize] as usize;
        let semi_w = v_[w].semi;
        let mut d = v_[w].parent;
        while v_[d as usize].ancestor > semi_w {
            d = v_[d as usize].parent;
        }
        v_[w].parent = d;
    }
    Ok(())
}

/// The immediate dominators [`semi_nca`] left in the records' `parent`, as node ordinals, in the
/// records' own memory: a new column beside them would be 4 bytes a node more at the pass's peak
/// (the records are 16). Record `v` (1-based) is four words, `parent` first, so the word for node
/// ordinal `o` is read from index `4 (o + 1)` before index `o` is written: never overwritten
/// first.
fn dominators_in_place(v_: Vec<Vertex>, r: u32) -> Vec<NodeIdx> {
    let node_count = v_.len() - 1;
    let mut words: Vec<u32> = bytemuck::cast_vec(v_);
    for ordinal in 0..node_count {
        let p = words[4 * (ordinal + 1)];
        words[ordinal] = if ordinal as u32 + 1 == r || p == 0 { r - 1 } else { p - 1 };
    }
    words.truncate(node_count);
    words.shrink_to_fit();
    words
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
                retainer_node: &ret.retainer_node,
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
