//! Attached/detached state of embedder (DOM) objects, and the `Detached ` renaming.
//!
//! Implements DevTools `HeapSnapshot.propagateDOMState` (HeapSnapshot.ts:3066) and, for
//! snapshots without a `detachedness` field, `initDetachednessAndClassIndex`:
//!
//! 1. Nodes whose `detachedness` is known (1 attached, 2 detached) are the seeds.
//! 2. Attached spreads to every `native` node reachable over non-hidden, non-invisible,
//!    non-weak edges; then detached spreads the same way to the native nodes not yet reached.
//!    Propagation never passes through JavaScript (non-native) nodes.
//! 3. Every node that ends up detached is renamed `Detached <name>`; DevTools rewrites the name
//!    in place, so the new name is what class names, display names and every later name test
//!    see (for example `system / ExternalStringData` in the shallow-size pass).

use super::bits::BitVec;
use crate::snapshot::{Column, EdgeType, HeapSnapshot, NodeType};

pub const UNKNOWN: u8 = 0;
pub const ATTACHED: u8 = 1;
pub const DETACHED: u8 = 2;

/// The propagated state of every node, and which nodes were renamed.
pub struct DomState {
    /// Per node: 0 unknown, 1 attached, 2 detached.
    pub detachedness: Column<u8>,
    /// Nodes whose name gained the `Detached ` prefix.
    pub renamed: BitVec,
}

/// Propagates the state. `detachedness` is the snapshot's own column (empty if the snapshot
/// has none), taken by value and updated in place: it becomes [`DomState::detachedness`].
pub fn propagate(snapshot: &HeapSnapshot, detachedness: Vec<u8>) -> DomState {
    let n = snapshot.node_count();
    let mut renamed = BitVec::new(n);
    if detachedness.is_empty() {
        // Old snapshots: native nodes whose name already says "Detached " are detached.
        let detachedness = (0..n as u32)
            .map(|i| {
                let detached =
                    snapshot.node_type(i) == NodeType::NATIVE && snapshot.node_name(i).starts_with("Detached ");
                if detached { DETACHED } else { UNKNOWN }
            })
            .collect();
        return DomState { detachedness, renamed };
    }

    let mut state = detachedness;
    for s in &mut state {
        *s &= 3;
    }
    let mut visited = BitVec::new(n);
    let mut attached: Vec<u32> = Vec::new();
    let mut detached: Vec<u32> = Vec::new();

    let process = |node: u32,
                   new_state: u8,
                   state: &mut Vec<u8>,
                   attached: &mut Vec<u32>,
                   detached: &mut Vec<u32>,
                   visited: &mut BitVec,
                   renamed: &mut BitVec| {
        let i = node as usize;
        if visited.get(i) {
            return;
        }
        visited.set(i);
        // Do not propagate through JavaScript: every embedder entry point knows its own state.
        if snapshot.node_type(node) != NodeType::NATIVE {
            return;
        }
        state[i] = new_state;
        if new_state == ATTACHED {
            attached.push(node);
        } else if new_state == DETACHED {
            renamed.set(i);
            detached.push(node);
        }
    };

    for node in 0..n as u32 {
        let s = state[node as usize];
        if s == UNKNOWN {
            continue;
        }
        process(node, s, &mut state, &mut attached, &mut detached, &mut visited, &mut renamed);
    }
    let propagates = |t: EdgeType| t != EdgeType::HIDDEN && t != EdgeType::INVISIBLE && t != EdgeType::WEAK;
    while let Some(node) = attached.pop() {
        for e in snapshot.edges(node) {
            if propagates(snapshot.edge_type(e)) {
                let to = snapshot.edge_to(e);
                process(to, ATTACHED, &mut state, &mut attached, &mut detached, &mut visited, &mut renamed);
            }
        }
    }
    while let Some(node) = detached.pop() {
        if state[node as usize] == ATTACHED {
            continue;
        }
        for e in snapshot.edges(node) {
            if propagates(snapshot.edge_type(e)) {
                let to = snapshot.edge_to(e);
                process(to, DETACHED, &mut state, &mut attached, &mut detached, &mut visited, &mut renamed);
            }
        }
    }
    DomState { detachedness: Column::from(state), renamed }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::builder::SnapshotBuilder;

    //   root ──▶ A(native, detached) ──▶ B(native) ──▶ C(object) ──▶ D(native)
    //                                 └─hidden─▶ E(native)
    #[test]
    fn detached_spreads_through_native_nodes_only() {
        let mut b = SnapshotBuilder::new();
        let root = b.node(NodeType::SYNTHETIC, "", 0);
        let a = b.node(NodeType::NATIVE, "Node / A", 10);
        let bb = b.node(NodeType::NATIVE, "Node / B", 10);
        let c = b.node(NodeType::OBJECT, "C", 10);
        let d = b.node(NodeType::NATIVE, "Node / D", 10);
        let e = b.node(NodeType::NATIVE, "Node / E", 10);
        b.set_detachedness(a, DETACHED);
        b.edge(root, EdgeType::ELEMENT, 1, a);
        b.edge(a, EdgeType::INTERNAL, "b", bb);
        b.edge(bb, EdgeType::INTERNAL, "c", c);
        b.edge(c, EdgeType::INTERNAL, "d", d);
        b.edge(a, EdgeType::HIDDEN, 0, e);
        let s = b.build();
        let dom = propagate(&s, s.node_detachedness.to_vec());
        assert_eq!(dom.detachedness, vec![0, DETACHED, DETACHED, 0, 0, 0]);
        assert!(dom.renamed.get(a as usize) && dom.renamed.get(bb as usize));
        assert!(!dom.renamed.get(c as usize) && !dom.renamed.get(d as usize) && !dom.renamed.get(e as usize));
    }
}
