//! Shallow-size transfer: backing stores are folded into the object that owns them.
//!
//! Implements DevTools `JSHeapSnapshot.calculateShallowSizes` (HeapSnapshot.ts:4227):
//!
//! * `hidden` nodes, `array` nodes and native `system / ExternalStringData` start unowned;
//!   every other node owns itself.
//! * Ownership spreads over non-weak edges: a node reached only from one owner's territory is
//!   owned by it; a node reached from two owners has multiple owners.
//! * Each node with a single owner gives its self size to the owner and keeps 0, unless the owner
//!   is synthetic or the root.
//!
//! This is why a JS object's "Shallow Size" in DevTools includes its property dictionary. It
//! runs only if the root has a user root (always, for Node.js and Chrome snapshots; not for
//! snapshots taken with "expose internals").
//!
//! The sum is `u32` with wrap-around, like DevTools' `Uint32Array`.

use super::domstate::DomState;
use super::essential::is_user_root;
use crate::snapshot::{EdgeType, HeapSnapshot, NodeIdx, NodeType};

const UNVISITED: u32 = u32::MAX;
const MULTIPLE_OWNERS: u32 = u32::MAX - 1;

/// The self sizes after the transfer. `sizes` is the snapshot's raw column, taken by value and
/// transferred in place (no second copy of a per-node column).
pub fn transferred_self_sizes(snapshot: &HeapSnapshot, dom: &DomState, mut sizes: Vec<u32>) -> Vec<u32> {
    let n = snapshot.node_count();
    let root = snapshot.root();
    let has_user_roots = snapshot.edges(root).any(|e| is_user_root(snapshot, snapshot.edge_to(e)));
    if !has_user_roots {
        return sizes;
    }
    let mut owners = vec![UNVISITED; n];
    let mut worklist: Vec<NodeIdx> = Vec::with_capacity(n);
    for i in 0..n as NodeIdx {
        let t = snapshot.node_type(i);
        // The name test sees the renamed name, as DevTools renames before this pass.
        let unowned = t == NodeType::HIDDEN
            || t == NodeType::ARRAY
            || (t == NodeType::NATIVE
                && !dom.renamed.get(i as usize)
                && snapshot.node_name(i) == "system / ExternalStringData");
        if !unowned {
            owners[i as usize] = i;
            worklist.push(i);
        }
    }
    while let Some(id) = worklist.pop() {
        let owner = owners[id as usize];
        for e in snapshot.edges(id) {
            if snapshot.edge_type(e) == EdgeType::WEAK {
                continue;
            }
            let target = snapshot.edge_to(e);
            let current = owners[target as usize];
            if current == UNVISITED {
                owners[target as usize] = owner;
                worklist.push(target);
            } else if current == target || current == owner || current == MULTIPLE_OWNERS {
                // Owned by itself, by this owner already, or already shared.
            } else {
                owners[target as usize] = MULTIPLE_OWNERS;
                worklist.push(target);
            }
        }
    }
    for i in 0..n {
        let owner = owners[i];
        if owner == UNVISITED || owner == MULTIPLE_OWNERS || owner as usize == i {
            continue;
        }
        if snapshot.node_type(owner) == NodeType::SYNTHETIC || owner == root {
            continue;
        }
        let size = sizes[i];
        sizes[i] = 0;
        sizes[owner as usize] = sizes[owner as usize].wrapping_add(size);
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::domstate;
    use crate::snapshot::builder::SnapshotBuilder;

    //  root ─shortcut▶ global(obj 10) ─▶ O(obj 20) ─▶ P(hidden 100)
    //                                  └▶ Q(obj 30) ─▶ S(array 7) ◀─ O
    //                                                  W(array 5) ◀─weak─ Q, ◀─ O
    #[test]
    fn backing_stores_move_into_their_single_owner() {
        let mut b = SnapshotBuilder::new();
        let root = b.node(NodeType::SYNTHETIC, "", 0);
        let global = b.node(NodeType::OBJECT, "global", 10);
        let o = b.node(NodeType::OBJECT, "O", 20);
        let p = b.node(NodeType::HIDDEN, "P", 100);
        let q = b.node(NodeType::OBJECT, "Q", 30);
        let s = b.node(NodeType::ARRAY, "S", 7);
        let w = b.node(NodeType::ARRAY, "W", 5);
        b.edge(root, EdgeType::SHORTCUT, "global", global);
        b.edge(global, EdgeType::PROPERTY, "o", o);
        b.edge(global, EdgeType::PROPERTY, "q", q);
        b.edge(o, EdgeType::INTERNAL, "p", p);
        b.edge(o, EdgeType::INTERNAL, "s", s);
        b.edge(q, EdgeType::INTERNAL, "s", s);
        b.edge(q, EdgeType::WEAK, "w", w);
        b.edge(o, EdgeType::INTERNAL, "w", w);
        let snap = b.build();
        let dom = domstate::propagate(&snap, snap.node_detachedness.to_vec());
        let sizes = transferred_self_sizes(&snap, &dom, snap.node_self_size.to_vec());
        // P and W belong to O alone; S is shared by O and Q and keeps its size.
        assert_eq!(sizes, vec![0, 10, 125, 0, 30, 7, 0]);
    }
}
