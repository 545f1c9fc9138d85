//! Object identity without V8's ids: a key per node from its shortest path from the root, equal
//! for "the same object" in two snapshots whose ids do not match.
//!
//! V8 numbers objects per profiler session (`HeapObjectsMap`; the inspector's
//! `HeapProfiler.disable`, run when a session closes, calls `ClearObjectIds`). Two snapshots taken
//! by two `capture --pid` runs, two Attach… sessions or two DevTools windows therefore share few
//! ids, and the leak report ([`super::leaks`]) cannot follow an object by its id. What stays is
//! where the object sits: the module variable `loginUsers` is the `loginUsers` slot of a
//! module's context, reached from the root by the same named edges in every snapshot of the
//! program, whoever numbered it.
//!
//! So a node's key hashes the labels of one shortest path to it, chosen the same way in every
//! snapshot (the idea of canonical path names; MemLab and DevTools compare by id only):
//!
//! * **The path** is found breadth first over the edges that retain (not weak, not invisible),
//!   as DevTools' distances are, in three phases: from the program's roots (the root's edges but
//!   (GC roots): the global objects, Node's environment), then from V8's lasting root categories,
//!   last from the [`TRANSIENT_ROOTS`] (the stack, handle scopes), whose paths change with what
//!   the program was doing at the moment, one category at a time, the stack first. Among the edges that reach a node first, from the level
//!   before it, the path takes a named edge (a property, variable or internal field) over an
//!   element or hidden one, an index being a position that shifts as a collection changes, and
//!   among those the one whose (parent key, label) hashes lowest: a choice that depends only on
//!   what the candidate paths are, not on node order or ids.
//! * **A label** is the edge's type and name text; for an element or hidden edge, not its index
//!   but its rank among the node's element and hidden edges to nodes of the same kind (the
//!   third `Session` of an array, the only `Node / TCPServerWrap` of the root, whichever index
//!   the embedder gave it). **A node** adds its kind: its type and name text (the constructor's,
//!   the function's, the string's).
//! * **Keys that repeat** in one snapshot (same labels all the way, or a hash collision) name no
//!   object: [`unique_keys`] leaves them out.
//!
//! A key is as stable as the path: an object that moves (a nearer new retainer, a rehashed
//! table) gets another key, and is "new" to the report, as an object V8 renumbered would be. A
//! slot whose object was replaced gives the new object the old one's key. Measured on the 41
//! leak scenarios' snapshots, first against last, all of one session so their ids tell
//! (tests/path_keys.rs): of the objects both have, the keys find 95.8–100% (recall), and where a
//! key match pairs two surviving objects it is the same object in 98.5–100% of the pairs. (Two of
//! them, written while a compile job held the growing array in a handle scope, gave 72% and 86%
//! recall while all transient categories were searched in one phase.)

use super::bits::BitVec;
use super::inthash::IntMap;
use crate::snapshot::{EdgeType, HeapSnapshot, NodeIdx, StringIdx};

/// Unreachable nodes, and the key no two snapshots share by accident.
pub const NO_KEY: u64 = 0;

/// FNV-1a over 64 bits of a name without its object ids, then a final mix (so a key's low bits
/// are as good as its high ones). V8 and Blink write some names with the id of an object in
/// them (Chromium's `system / Context / scope @42053`), and ids are what differ between
/// sessions: the digits after an `@` are left out.
fn hash_name(bytes: &[u8], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    let mut after_at = false;
    for &b in bytes {
        if after_at && b.is_ascii_digit() {
            continue;
        }
        after_at = b == b'@';
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h, 0)
}

/// Combines two 64-bit values (splitmix64's finaliser over their sum with a rotation).
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a.rotate_left(23) ^ b.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hashes of string texts, computed once per string and only for the strings asked for.
struct TextHashes<'a> {
    s: &'a HeapSnapshot,
    /// `0`: not yet computed (a real hash of 0 is computed again, which is only slower).
    hash: Vec<u64>,
}

impl TextHashes<'_> {
    fn of(&mut self, idx: StringIdx) -> u64 {
        let slot = &mut self.hash[idx as usize];
        if *slot == 0 {
            *slot = hash_name(self.s.string(idx).as_bytes(), 1);
        }
        *slot
    }
}

/// V8's synthetic node over its root categories (`HeapSnapshotGenerator`'s "(GC roots)").
const GC_ROOTS: &str = "(GC roots)";

/// Root categories (V8's `Root` names, `RootVisitor::RootName`) that hold what the program was
/// doing when the snapshot was taken, not where an object lives: the stack, handle scopes, the
/// profiler's own strong roots (its `IdentityMap` while it writes the snapshot). A path through
/// them changes from one snapshot to the next, so they are searched last, after the program's
/// roots (the global objects, Node's environment) and then V8's lasting categories.
const TRANSIENT_ROOTS: [&str; 9] = [
    "(Stack roots)",
    "(Handle scope)",
    "(Relocatable)",
    "(Strong roots)",
    "(Write barrier)",
    "(Compilation cache)",
    "(Debugger)",
    "(Thread manager)",
    "(Unknown)",
];

/// Set on a candidate reached by an element or hidden edge, so that named ones sort first.
const BY_INDEX: u64 = 1 << 63;

/// Each node's path key ([`NO_KEY`] for a node the root does not reach). Linear in nodes and
/// edges: one breadth-first pass, each edge hashed once.
pub fn path_keys(s: &HeapSnapshot) -> Vec<u64> {
    let n = s.node_count();
    let mut keys = vec![NO_KEY; n];
    if n == 0 {
        return keys;
    }
    let mut texts = TextHashes { s, hash: vec![0; s.strings().len()] };
    let node_kind = |texts: &mut TextHashes, x: NodeIdx| mix(u64::from(s.node_type(x).0), texts.of(s.node_name_idx(x)));
    let node_key = |texts: &mut TextHashes, path: u64, x: NodeIdx| mix(path, node_kind(texts, x));
    // Per node being expanded: how many of its element or hidden edges so far led to each kind.
    let mut same_kind: IntMap<u64, u32> = IntMap::default();
    // Reached: a node's key is final once its level is; `pending`: reached in the level being
    // built, its key still the best candidate path.
    let mut reached = BitVec::new(n);
    let mut pending = BitVec::new(n);
    let root = s.root();
    reached.set(root as usize);
    keys[root as usize] = node_key(&mut texts, 0x5eed, root);
    // Nodes whose edges wait for a later phase: (GC roots) for the second, its transient
    // categories for the third.
    let mut held = BitVec::new(n);
    let gc_roots = s
        .edges(root)
        .map(|e| s.edge_to(e))
        .find(|&y| s.node_type(y) == crate::snapshot::NodeType::SYNTHETIC && s.node_name(y) == GC_ROOTS);
    let transient: Vec<NodeIdx> = gc_roots
        .map(|g| s.edges(g).map(|e| s.edge_to(e)).filter(|&c| TRANSIENT_ROOTS.contains(&s.node_name(c))).collect())
        .unwrap_or_default();
    for &x in gc_roots.iter().chain(&transient) {
        held.set(x as usize);
    }
    let mut next: Vec<NodeIdx> = Vec::new();
    // One phase per transient category, in the order of `TRANSIENT_ROOTS`: the stack's frames
    // hold the program's contexts, through which its objects keep their paths, while a handle
    // scope or the profiler's strong roots point straight at whatever V8 was busy with (an array
    // a compile job held), a shortcut that is gone in the next snapshot.
    let mut phases: Vec<Vec<NodeIdx>> = vec![vec![root], gc_roots.into_iter().collect()];
    for category in TRANSIENT_ROOTS {
        phases.push(transient.iter().copied().filter(|&c| s.node_name(c) == category).collect());
    }
    for seeds in phases {
        let mut level: Vec<NodeIdx> = seeds.into_iter().filter(|&x| reached.get(x as usize)).collect();
        for &x in &level {
            held.clear(x as usize);
        }
        while !level.is_empty() {
            for &x in &level {
                if held.get(x as usize) {
                    continue;
                }
                if same_kind.capacity() > 4096 {
                    same_kind = IntMap::default();
                } else if !same_kind.is_empty() {
                    same_kind.clear();
                }
                for e in s.edges(x) {
                    let t = s.edge_type(e);
                    if t == EdgeType::WEAK || t == EdgeType::INVISIBLE {
                        continue;
                    }
                    let y = s.edge_to(e);
                    // Not the index: the how-many-th target of its kind among the node's element
                    // or hidden edges, those to nodes already reached included.
                    let name = s.edge_name_idx(e);
                    let ranked = match name {
                        Some(_) => 0,
                        None => {
                            let kind = node_kind(&mut texts, y);
                            let rank = same_kind.entry(kind).or_insert(0);
                            *rank += 1;
                            mix(kind, u64::from(*rank))
                        }
                    };
                    let first = !reached.get(y as usize);
                    if !first && !pending.get(y as usize) {
                        continue;
                    }
                    let label = match name {
                        Some(name) => mix(u64::from(t.0), texts.of(name)),
                        None => mix(u64::from(t.0) | 0x100, ranked),
                    };
                    let by_index = if t.has_string_name() { 0 } else { BY_INDEX };
                    let candidate = (mix(keys[x as usize], label) & !BY_INDEX) | by_index;
                    if first {
                        reached.set(y as usize);
                        pending.set(y as usize);
                        keys[y as usize] = candidate;
                        next.push(y);
                    } else if candidate < keys[y as usize] {
                        keys[y as usize] = candidate;
                    }
                }
            }
            for &y in &next {
                pending.clear(y as usize);
                keys[y as usize] = node_key(&mut texts, keys[y as usize], y).max(1);
            }
            std::mem::swap(&mut level, &mut next);
            next.clear();
        }
    }
    keys
}

/// `(key, node)` of every node whose key no other node of the snapshot has, by key.
pub fn unique_keys(keys: &[u64]) -> Vec<(u64, NodeIdx)> {
    let mut pairs: Vec<(u64, NodeIdx)> =
        keys.iter().enumerate().filter(|&(_, &k)| k != NO_KEY).map(|(n, &k)| (k, n as NodeIdx)).collect();
    pairs.sort_unstable();
    let mut out = Vec::with_capacity(pairs.len());
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i + 1;
        while j < pairs.len() && pairs[j].0 == pairs[i].0 {
            j += 1;
        }
        if j == i + 1 {
            out.push(pairs[i]);
        }
        i = j;
    }
    out
}

/// The program's own scripts: the names of the Script nodes its functions point to
/// ([`super::sources`]: `shared` → `script_or_debug_info`), except Node's (`node:…`, names
/// without a path), sorted and each once. Two snapshots whose ids differ are of one program only
/// if the later one still has every script of the earlier one: the path keys of Node's and V8's
/// own objects, most of a small heap, match between any two programs on one Node version (83–87%
/// of the nodes, measured on this project's fixtures), while two programs' scripts differ.
pub fn program_scripts(s: &HeapSnapshot) -> Vec<String> {
    let script_edges: Vec<StringIdx> =
        ["script_or_debug_info", "script"].iter().flat_map(|name| s.strings().indexes_of(name)).collect();
    let mut scripts: Vec<NodeIdx> = Vec::new();
    for e in 0..s.edge_count() as crate::snapshot::EdgeIdx {
        if s.edge_type(e) == EdgeType::INTERNAL
            && s.edge_name_idx(e).is_some_and(|name| script_edges.contains(&name))
            && s.node_type(s.edge_to(e)) == crate::snapshot::NodeType::CODE
        {
            scripts.push(s.edge_to(e));
        }
    }
    scripts.sort_unstable();
    scripts.dedup();
    let mut names: Vec<String> = scripts
        .into_iter()
        .map(|n| s.node_name(n))
        .filter(|name| super::sources::package_of(name) != super::sources::NODE)
        .map(str::to_string)
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The scripts of `earlier` that `later` does not have (both [`program_scripts`]): none when the
/// two can be snapshots of one program.
pub fn missing_scripts<'a>(earlier: &'a [String], later: &[String]) -> Vec<&'a String> {
    earlier.iter().filter(|x| later.binary_search(x).is_err()).collect()
}
