//! Distances: how many edges from a user root (DevTools' "Distance" column).
//!
//! Implements DevTools `HeapSnapshot.calculateDistances` (HeapSnapshot.ts:1829), its `bfs`
//! (:1871) and the filter of `JSHeapSnapshot.calculateDistances` (:4327):
//!
//! 1. Every distance starts at [`NO_DISTANCE`] (−5).
//! 2. The root's children that are user roots (non-synthetic, or `(Document DOM trees)`) get 1,
//!    and a BFS runs from them.
//! 3. The root gets [`BASE_SYSTEM_DISTANCE`] (0 if there were no user roots) and a second BFS
//!    from it gives the remaining nodes `100000000 + depth`.
//!
//! The BFS never follows weak edges, and skips: `sloppy_function_map` of a hidden
//! `system / NativeContext`; element edges `i ≥ 2, i % 3 == 1` of `(map descriptors)` arrays;
//! and the first-seen edge of each WeakMap ephemeron pair, so a WeakMap value's distance comes
//! from the later of its table and its key (crbug.com/1290800). The filter is consulted only for
//! edges to nodes not yet reached, in BFS order, exactly as DevTools does: the ephemeron rule
//! depends on that order.
//!
//! With `ignored` nodes (the Retainers view's "Ignore this retainer"), edges into them are not
//! followed, as in DevTools' `isForRetainersView` variant.

use std::collections::{HashSet, VecDeque};

use super::bits::BitVec;
use super::ephemeron::EphemeronNames;
use super::essential::is_user_root;
use super::jsstr::parse_int;
use crate::snapshot::{EdgeType, HeapSnapshot, NodeIdx, NodeType};

/// Distance of a node no BFS reached (`#noDistance`).
pub const NO_DISTANCE: i32 = -5;
/// Added to the depth of nodes reached only from the root (`baseSystemDistance`).
pub const BASE_SYSTEM_DISTANCE: i32 = 100_000_000;
/// The Retainers view's distance for unreachable nodes (`baseUnreachableDistance`).
pub const BASE_UNREACHABLE_DISTANCE: i64 = 200_000_000;

/// String indexes the filter tests, found once (a scan of every string's text: the first passes
/// find them before the strings' pages are let go; see "Spilling" in `analysis`).
pub struct FilterNames {
    sloppy_function_map: Vec<u32>,
    native_context: Vec<u32>,
    map_descriptors: Vec<u32>,
}

fn find_all(snapshot: &HeapSnapshot, wanted: &[&str]) -> Vec<Vec<u32>> {
    let mut found = vec![Vec::new(); wanted.len()];
    for (i, s) in snapshot.strings().iter().enumerate() {
        for (k, w) in wanted.iter().enumerate() {
            if s == *w {
                found[k].push(i as u32);
            }
        }
    }
    found
}

impl FilterNames {
    /// The nodes whose edges the filter reads by name: native contexts (`hidden`) and
    /// `(map descriptors)` arrays. Found in one pass before the distances, so that the BFS reads
    /// no node's name and the names' pages can go meanwhile (see [`calculate_with`]).
    pub fn filtered_nodes(&self, snapshot: &HeapSnapshot) -> BitVec {
        let mut bits = BitVec::new(snapshot.node_count());
        for n in 0..snapshot.node_count() as NodeIdx {
            if self.is_native_context(snapshot, n) || self.is_map_descriptors(snapshot, n) {
                bits.set(n as usize);
            }
        }
        bits
    }

    fn is_native_context(&self, snapshot: &HeapSnapshot, n: NodeIdx) -> bool {
        snapshot.node_type(n) == NodeType::HIDDEN && self.native_context.contains(&snapshot.node_name_idx(n))
    }

    fn is_map_descriptors(&self, snapshot: &HeapSnapshot, n: NodeIdx) -> bool {
        snapshot.node_type(n) == NodeType::ARRAY && self.map_descriptors.contains(&snapshot.node_name_idx(n))
    }

    pub fn find(snapshot: &HeapSnapshot) -> FilterNames {
        let mut found = find_all(snapshot, &["sloppy_function_map", "system / NativeContext", "(map descriptors)"]);
        FilterNames {
            map_descriptors: found.pop().unwrap_or_default(),
            native_context: found.pop().unwrap_or_default(),
            sloppy_function_map: found.pop().unwrap_or_default(),
        }
    }
}

/// Distances of every node; `ignored` nodes are never entered.
pub fn calculate(snapshot: &HeapSnapshot, ephemerons: &EphemeronNames, ignored: Option<&BitVec>) -> Vec<i32> {
    calculate_with(snapshot, &FilterNames::find(snapshot), ephemerons, Known::default(), ignored)
}

/// What the first passes found that spares the distances reading names: the WeakMap entries'
/// edges ([`super::essential::EssentialEdges`]) and the filtered nodes
/// ([`FilterNames::filtered_nodes`]). With both, the BFS reads only those edges' and nodes' names,
/// and neither names column need be resident during the pass (the edge names are most of a
/// snapshot's bytes after the edges themselves).
#[derive(Clone, Copy, Default)]
pub struct Known<'a> {
    pub ephemeron_edges: Option<&'a BitVec>,
    pub filtered_nodes: Option<&'a BitVec>,
}

/// What the filter of `JSHeapSnapshot.calculateDistances` reads besides the graph.
struct Filter<'a> {
    names: &'a FilterNames,
    ephemerons: &'a EphemeronNames,
    known: Known<'a>,
}

/// [`calculate`] with the filter's names found already, and what else is [`Known`].
pub fn calculate_with(
    snapshot: &HeapSnapshot,
    names: &FilterNames,
    ephemerons: &EphemeronNames,
    known: Known<'_>,
    ignored: Option<&BitVec>,
) -> Vec<i32> {
    let filter = Filter { names, ephemerons, known };
    let n = snapshot.node_count();
    let mut distances = vec![NO_DISTANCE; n];
    // First in, first out, as DevTools' `nodesToVisit` array read from the front; a ring buffer
    // holds only the frontier, not every node reached (4 bytes a node for the whole pass).
    let mut queue: VecDeque<NodeIdx> = VecDeque::new();
    // Shared by both BFS runs, as in DevTools.
    let mut pending_ephemerons: HashSet<&str> = HashSet::new();
    let root = snapshot.root();
    for e in snapshot.edges(root) {
        let to = snapshot.edge_to(e);
        if is_user_root(snapshot, to) {
            if distances[to as usize] == NO_DISTANCE {
                queue.push_back(to);
            }
            distances[to as usize] = 1;
        }
    }
    let had_user_roots = !queue.is_empty();
    bfs(snapshot, &filter, ignored, &mut pending_ephemerons, &mut distances, &mut queue);
    distances[root as usize] = if had_user_roots { BASE_SYSTEM_DISTANCE } else { 0 };
    queue.clear();
    queue.push_back(root);
    bfs(snapshot, &filter, ignored, &mut pending_ephemerons, &mut distances, &mut queue);
    distances
}

fn bfs<'s>(
    snapshot: &'s HeapSnapshot,
    filter: &Filter<'_>,
    ignored: Option<&BitVec>,
    pending: &mut HashSet<&'s str>,
    distances: &mut [i32],
    queue: &mut VecDeque<NodeIdx>,
) {
    while let Some(node) = queue.pop_front() {
        let distance = distances[node as usize] + 1;
        let (is_native_context, is_map_descriptors) =
            if filter.known.filtered_nodes.is_none_or(|bits| bits.get(node as usize)) {
                (filter.names.is_native_context(snapshot, node), filter.names.is_map_descriptors(snapshot, node))
            } else {
                (false, false)
            };
        for e in snapshot.edges(node) {
            let t = snapshot.edge_type(e);
            if t == EdgeType::WEAK {
                continue;
            }
            let child = snapshot.edge_to(e);
            if distances[child as usize] != NO_DISTANCE {
                continue;
            }
            if ignored.is_some_and(|ig| ig.get(child as usize)) {
                continue;
            }
            if !follows(snapshot, filter, pending, e, t, is_native_context, is_map_descriptors) {
                continue;
            }
            distances[child as usize] = distance;
            queue.push_back(child);
        }
    }
}

/// The filter of `JSHeapSnapshot.calculateDistances`. An edge's name is read only where the
/// filter needs it: from a native context, a `(map descriptors)` array, or a possible WeakMap
/// entry.
fn follows<'s>(
    snapshot: &'s HeapSnapshot,
    filter: &Filter<'_>,
    pending: &mut HashSet<&'s str>,
    e: u32,
    t: EdgeType,
    is_native_context: bool,
    is_map_descriptors: bool,
) -> bool {
    if is_native_context
        && t.has_string_name()
        && filter.names.sloppy_function_map.contains(&snapshot.edge_name_or_index(e))
    {
        return false;
    }
    if is_map_descriptors {
        let index = if t.has_string_name() {
            parse_int(&snapshot.edge_name(e))
        } else {
            f64::from(snapshot.edge_name_or_index(e))
        };
        // `index < 2 || index % 3 !== 1`; NaN fails the first test and passes the second.
        return index < 2.0 || index % 3.0 != 1.0;
    }
    if t == EdgeType::INTERNAL
        && filter.known.ephemeron_edges.is_none_or(|bits| bits.get(e as usize))
        && let Some(eph) = filter.ephemerons.get(snapshot.edge_name_or_index(e))
    {
        let duplicated_part = &snapshot.string(snapshot.edge_name_or_index(e))[eph.duplicated_part_start..];
        if !pending.remove(duplicated_part) {
            pending.insert(duplicated_part);
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::builder::SnapshotBuilder;

    //  root ─shortcut▶ global ─▶ a ─▶ b
    //   └─element▶ (GC roots) ─▶ c        b ─weak▶ d (unreachable)
    #[test]
    fn user_roots_first_then_system() {
        let mut bld = SnapshotBuilder::new();
        let root = bld.node(NodeType::SYNTHETIC, "", 0);
        let global = bld.node(NodeType::OBJECT, "global", 1);
        let gc = bld.node(NodeType::SYNTHETIC, "(GC roots)", 0);
        let a = bld.node(NodeType::OBJECT, "A", 1);
        let b = bld.node(NodeType::OBJECT, "B", 1);
        let c = bld.node(NodeType::OBJECT, "C", 1);
        let d = bld.node(NodeType::OBJECT, "D", 1);
        bld.edge(root, EdgeType::SHORTCUT, "global", global);
        bld.edge(root, EdgeType::ELEMENT, 1, gc);
        bld.edge(global, EdgeType::PROPERTY, "a", a);
        bld.edge(a, EdgeType::PROPERTY, "b", b);
        bld.edge(gc, EdgeType::ELEMENT, 1, c);
        bld.edge(gc, EdgeType::ELEMENT, 2, global);
        bld.edge(b, EdgeType::WEAK, "d", d);
        let s = bld.build();
        let d = calculate(&s, &EphemeronNames::new(&s), None);
        assert_eq!(
            d,
            vec![BASE_SYSTEM_DISTANCE, 1, BASE_SYSTEM_DISTANCE + 1, 2, 3, BASE_SYSTEM_DISTANCE + 2, NO_DISTANCE]
        );
    }

    //  root ─shortcut▶ global ─▶ table ─"0 / part of key…"▶ value
    //                         └▶ x ─▶ key ─"0 / part of key…"▶ value
    // The value is reached first from the table (distance 3), but that edge is the first of the
    // pair and skipped; it gets its distance from the key (4).
    #[test]
    fn weakmap_values_take_the_later_of_table_and_key() {
        let mut bld = SnapshotBuilder::new();
        let root = bld.node(NodeType::SYNTHETIC, "", 0);
        let global = bld.node(NodeType::OBJECT, "global", 1);
        let table = bld.node_with_id(NodeType::ARRAY, "WeakMap table", 101, 1);
        let x = bld.node(NodeType::OBJECT, "X", 1);
        let key = bld.node_with_id(NodeType::OBJECT, "Key", 201, 1);
        let value = bld.node_with_id(NodeType::OBJECT, "Value", 301, 1);
        let name = "0 / part of key (Key @201) -> value (Value @301) pair in WeakMap (table @101)";
        bld.edge(root, EdgeType::SHORTCUT, "global", global);
        bld.edge(global, EdgeType::PROPERTY, "t", table);
        bld.edge(global, EdgeType::PROPERTY, "x", x);
        bld.edge(table, EdgeType::INTERNAL, name, value);
        bld.edge(x, EdgeType::PROPERTY, "k", key);
        bld.edge(key, EdgeType::INTERNAL, name, value);
        let s = bld.build();
        let d = calculate(&s, &EphemeronNames::new(&s), None);
        assert_eq!(d[value as usize], 4);
        assert_eq!(d[key as usize], 3);
    }
}
