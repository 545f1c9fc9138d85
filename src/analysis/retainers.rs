//! The reverse edge index: who points at each node.
//!
//! Built like DevTools `HeapSnapshot.buildRetainers` (HeapSnapshot.ts:1268): a counting pass,
//! then sources in ascending order fill each target's slots from the *end*, so a node's retainer
//! slots list its incoming edges in descending edge order. DevTools' Retainers grid breaks ties in
//! that slot order, so we keep it.
//!
//! Unlike DevTools, a slot stores only the retaining node (4 bytes per edge), not also the edge:
//! the edge is recovered when a view asks, from the source's own edges (the k-th slot of a run of
//! equal sources is the k-th last edge from that source to the target). The dominator pass needs
//! only the source and whether the edge is essential, which is kept as one bit per slot.

use super::bits::BitVec;
use crate::snapshot::{Column, EdgeIdx, HeapSnapshot, NodeIdx};

pub struct Retainers {
    /// `node_count + 1` entries: node n's slots are `first_retainer[n]..first_retainer[n + 1]`.
    pub first_retainer: Column<u32>,
    /// The retaining node of each slot.
    pub retainer_node: Column<NodeIdx>,
    /// Whether each slot's edge is essential for dominators.
    pub essential: BitVec,
}

impl Retainers {
    pub fn build(snapshot: &HeapSnapshot, essential_edges: &BitVec) -> Retainers {
        let n = snapshot.node_count();
        let e = snapshot.edge_count();
        let mut first_retainer = vec![0u32; n + 1];
        for e in 0..e as u32 {
            first_retainer[snapshot.edge_to(e) as usize] += 1;
        }
        // Prefix sums; the count goes into the first slot of each range, to be counted down.
        let mut retainer_node = vec![0u32; e];
        let mut next = 0u32;
        for slot in first_retainer.iter_mut().take(n) {
            let count = *slot;
            *slot = next;
            if count > 0 {
                retainer_node[next as usize] = count;
            }
            next += count;
        }
        first_retainer[n] = next;
        let mut essential = BitVec::new(e);
        for src in 0..n as NodeIdx {
            for edge in snapshot.edges(src) {
                let to = snapshot.edge_to(edge) as usize;
                let first = first_retainer[to] as usize;
                let left = retainer_node[first] - 1;
                retainer_node[first] = left;
                let slot = first + left as usize;
                retainer_node[slot] = src;
                if essential_edges.get(edge as usize) {
                    essential.set(slot);
                }
            }
        }
        Retainers {
            first_retainer: Column::from(first_retainer),
            retainer_node: Column::from(retainer_node),
            essential,
        }
    }

    /// Number of edges pointing at `n` (all types).
    pub fn count(&self, n: NodeIdx) -> u32 {
        self.first_retainer[n as usize + 1] - self.first_retainer[n as usize]
    }

    /// The retaining edges of `n` in slot order: `(slot, source, edge)`.
    pub fn edges_of(&self, snapshot: &HeapSnapshot, n: NodeIdx) -> Vec<(u32, NodeIdx, EdgeIdx)> {
        let start = self.first_retainer[n as usize];
        let end = self.first_retainer[n as usize + 1];
        let mut out = Vec::with_capacity((end - start) as usize);
        let mut slot = start;
        while slot < end {
            let src = self.retainer_node[slot as usize];
            let mut run_end = slot + 1;
            while run_end < end && self.retainer_node[run_end as usize] == src {
                run_end += 1;
            }
            // The run lists src's edges to n from the last to the first.
            let mut edges = snapshot.edges(src).rev().filter(|&e| snapshot.edge_to(e) == n);
            for s in slot..run_end {
                if let Some(e) = edges.next() {
                    out.push((s, src, e));
                }
            }
            slot = run_end;
        }
        out
    }

    pub fn heap_bytes(&self) -> usize {
        self.first_retainer.heap_bytes() + self.retainer_node.heap_bytes() + self.essential.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::builder::SnapshotBuilder;
    use crate::snapshot::{EdgeType, NodeType};

    #[test]
    fn slots_list_incoming_edges_in_descending_edge_order() {
        let mut b = SnapshotBuilder::new();
        let r = b.node(NodeType::SYNTHETIC, "", 0);
        let a = b.node(NodeType::OBJECT, "A", 1);
        let c = b.node(NodeType::OBJECT, "C", 1);
        // After grouping by source: root's edges are 0 (→C) and 1 (→A), A's are 2 (x) and
        // 3 (y), C's self edge is 4.
        b.edge(r, EdgeType::ELEMENT, 1, c);
        b.edge(a, EdgeType::PROPERTY, "x", c);
        b.edge(a, EdgeType::PROPERTY, "y", c);
        b.edge(c, EdgeType::PROPERTY, "self", c);
        b.edge(r, EdgeType::ELEMENT, 2, a);
        let s = b.build();
        let mut all = BitVec::new(s.edge_count());
        all.set(0);
        let ret = Retainers::build(&s, &all);
        let got: Vec<(NodeIdx, EdgeIdx)> = ret.edges_of(&s, c).into_iter().map(|(_, n, e)| (n, e)).collect();
        // Edges into C, descending: 4 (C self), 3 (A.y), 2 (A.x), 0 (root).
        assert_eq!(got, vec![(c, 4), (a, 3), (a, 2), (r, 0)]);
        assert_eq!(ret.count(c), 4);
        assert!(ret.essential.get(ret.first_retainer[c as usize] as usize + 3));
    }
}
