//! Which edges count for the dominator tree ("essential" edges), and the page-owned flag they
//! depend on.
//!
//! * `page_owned` implements DevTools `JSHeapSnapshot.markPageOwnedNodes` (HeapSnapshot.ts:4458):
//!   every node reachable over non-weak edges from the targets of the root's `shortcut` edges
//!   (in Node.js: `global`) and from the `(Document DOM trees)` root.
//! * `essential_edges` implements `computeIsEssentialEdge` (HeapSnapshot.ts:2042): an edge is
//!   *not* essential if it is weak, a self edge, the WeakMap-table half of an ephemeron pair, or,
//!   from any node but the root, a `shortcut` edge or an edge from a non-page-owned node into a
//!   page-owned one (so handles and the debugger do not become dominators of user objects).

use super::bits::BitVec;
use super::ephemeron::EphemeronNames;
use crate::snapshot::{EdgeType, HeapSnapshot, NodeIdx, NodeType};

/// `isDocumentDOMTreesRoot`: the synthetic `(Document DOM trees)` node.
pub fn is_document_dom_trees_root(snapshot: &HeapSnapshot, n: NodeIdx) -> bool {
    snapshot.node_type(n) == NodeType::SYNTHETIC && snapshot.node_name(n) == "(Document DOM trees)"
}

/// `JSHeapSnapshot.isUserRoot` as used for distances: a non-synthetic child of the root, or the
/// `(Document DOM trees)` root.
pub fn is_user_root(snapshot: &HeapSnapshot, n: NodeIdx) -> bool {
    snapshot.node_type(n) != NodeType::SYNTHETIC || is_document_dom_trees_root(snapshot, n)
}

pub fn page_owned(snapshot: &HeapSnapshot) -> BitVec {
    let mut flags = BitVec::new(snapshot.node_count());
    let mut stack: Vec<NodeIdx> = Vec::new();
    let root = snapshot.root();
    for e in snapshot.edges(root) {
        let t = snapshot.edge_type(e);
        let to = snapshot.edge_to(e);
        let entry =
            if t == EdgeType::ELEMENT { is_document_dom_trees_root(snapshot, to) } else { t == EdgeType::SHORTCUT };
        if entry {
            stack.push(to);
            flags.set(to as usize);
        }
    }
    while let Some(n) = stack.pop() {
        for e in snapshot.edges(n) {
            let to = snapshot.edge_to(e);
            if flags.get(to as usize) || snapshot.edge_type(e) == EdgeType::WEAK {
                continue;
            }
            flags.set(to as usize);
            stack.push(to);
        }
    }
    flags
}

/// One bit per edge: does it count for dominators.
pub fn essential_edges(snapshot: &HeapSnapshot, page_owned: &BitVec, ephemerons: &EphemeronNames) -> BitVec {
    essential_and_ephemeron_edges(snapshot, page_owned, ephemerons).essential
}

/// The essential edges, and on the way the internal edges named like a WeakMap entry (the
/// distances' filter reads only those edges' names then: see `distances::calculate_with`).
pub struct EssentialEdges {
    pub essential: BitVec,
    pub ephemeron: BitVec,
}

/// [`essential_edges`], and the edges of WeakMap entries ([`EssentialEdges`]).
pub fn essential_and_ephemeron_edges(
    snapshot: &HeapSnapshot,
    page_owned: &BitVec,
    ephemerons: &EphemeronNames,
) -> EssentialEdges {
    let mut bits = BitVec::new(snapshot.edge_count());
    let mut ephemeron = BitVec::new(snapshot.edge_count());
    let root = snapshot.root();
    for n in 0..snapshot.node_count() as NodeIdx {
        let from_page = page_owned.get(n as usize);
        for e in snapshot.edges(n) {
            let t = snapshot.edge_type(e);
            if t == EdgeType::INTERNAL
                && let Some(eph) = ephemerons.get(snapshot.edge_name_or_index(e))
            {
                ephemeron.set(e as usize);
                if eph.table_id == Some(u64::from(snapshot.node_id(n))) {
                    continue;
                }
            }
            if t == EdgeType::WEAK {
                continue;
            }
            let to = snapshot.edge_to(e);
            if to == n {
                continue;
            }
            if n != root {
                if t == EdgeType::SHORTCUT {
                    continue;
                }
                if page_owned.get(to as usize) && !from_page {
                    continue;
                }
            }
            bits.set(e as usize);
        }
    }
    EssentialEdges { essential: bits, ephemeron }
}
