//! The `.heapsnapshot` file format: reading it into flat columns, and writing it.
//!
//! # Vocabulary
//!
//! * A **node ordinal** ([`NodeIdx`]) is a node's row: 0 for the first node in `nodes`. V8's
//!   files and DevTools' code also use the *node index*, `ordinal × node_field_count`, an offset
//!   into the flat `nodes` array; that exists only inside the reader (and in DevTools-compatible
//!   JSON output, where it is named `*_index`).
//! * An **edge ordinal** ([`EdgeIdx`]) is an edge's row. The edges of node *k* are the rows
//!   `first_edge[k]..first_edge[k + 1]`, right after those of node *k − 1*.
//! * A **node id** is V8's `id` field: stable across snapshots of one process, the only thing
//!   Comparison matches on.
//!
//! # Layout
//!
//! [`HeapSnapshot`] keeps one `Vec` per field, indexed by ordinal, and nothing per node on the
//! heap. Per node: type (1 byte), name, id, self size, first edge (4 bytes each) and, for
//! snapshots that have it, detachedness (1 byte): 18 bytes. Per edge: name or index (4 bytes) and
//! the target ordinal with the type in its top bits (4 bytes): 8 bytes. Strings live in one
//! arena ([`StringTable`]).
//!
//! The type bits hold the *file's* edge type code, mapped to the canonical type by a 16-entry
//! table ([`HeapSnapshot::edge_type`]), so a file may use all 16 codes although the canonical
//! table also reserves DevTools' synthetic `invisible`. They are as few as the file's declared
//! types need ([`EdgePacking`]): V8 declares 7, so 3 bits, and a V8 file may have 2^29 − 1 nodes
//! (about 50 GB of file at a real heap's density); a file declaring 9 to 16 types, 2^28 − 1. The
//! reader says so if a file exceeds its bound or declares more than 16 types.

pub mod builder;
pub mod column;
pub mod error;
mod inflate;
mod lexer;
pub mod reader;
pub mod strings;
pub mod types;
pub mod writer;

pub use column::{Column, SharedBytes, Text};
pub use error::{ReadError, ReadErrorKind, Section};
pub use reader::{LoadPhase, ReadOptions, read_file, read_file_taking_edges_over_at, read_file_with, read_from};
pub use strings::{StringIdx, StringTable};
pub use types::{EdgeType, NodeType, TypeTable};

/// A node's row in the columns (see the module docs).
pub type NodeIdx = u32;

/// Most edge types a file may declare (packed codes fit in 4 bits).
pub const MAX_EDGE_TYPES: usize = 16;

/// How an edge's target ordinal and its packed type code (an index into the snapshot's
/// `edge_type_codes`) share one `u32`: the code in the top bits, as many as the file's declared
/// edge type count needs, the target in the rest. Fewer type bits, more nodes: V8's 7 types take
/// 3 bits and leave 29 for targets, which a 28.6 GB snapshot of a real heap (298M nodes) needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EdgePacking {
    /// Where the type code starts (31 for one or two types, 28 for 9 to 16).
    shift: u32,
}

impl EdgePacking {
    /// The packing for a file declaring `count` edge types (at most [`MAX_EDGE_TYPES`]).
    pub fn for_type_count(count: usize) -> EdgePacking {
        debug_assert!(count <= MAX_EDGE_TYPES);
        // Bits to hold the largest code, `count - 1`; at least one.
        let bits = (usize::BITS - count.saturating_sub(1).leading_zeros()).max(1);
        EdgePacking { shift: 32 - bits }
    }

    /// Most nodes a snapshot packed so may have (targets below the type bits).
    pub fn max_nodes(self) -> u64 {
        (1u64 << self.shift) - 1
    }

    #[inline]
    pub fn pack(self, to: NodeIdx, code: u8) -> u32 {
        debug_assert!(u64::from(to) <= self.max_nodes() && u32::from(code) < (1 << (32 - self.shift)));
        to | (u32::from(code) << self.shift)
    }

    /// The target ordinal of a packed edge.
    #[inline]
    pub fn target(self, packed: u32) -> NodeIdx {
        packed & ((1u32 << self.shift) - 1)
    }

    /// The packed type code of a packed edge.
    #[inline]
    pub fn code(self, packed: u32) -> u8 {
        (packed >> self.shift) as u8
    }
}
/// An edge's row in the columns.
pub type EdgeIdx = u32;

/// A source location attached to an object node (`locations` section): the constructor's
/// position, which DevTools uses to tell apart classes of the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(C)]
pub struct Location {
    pub node: NodeIdx,
    pub script_id: u32,
    pub line: u32,
    pub column: u32,
}

/// A heap snapshot as read from the file: validated, immutable columns.
///
/// Every index stored here was checked by the reader (edge targets are node ordinals in
/// range, string indexes are in range, edge counts add up), so the analyses index freely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeapSnapshot {
    pub(crate) node_types: TypeTable,
    pub(crate) edge_types: TypeTable,
    pub(crate) node_type: Column<u8>,
    pub(crate) node_name: Column<StringIdx>,
    pub(crate) node_id: Column<u32>,
    pub(crate) node_self_size: Column<u32>,
    /// `node_count + 1` entries; the last is the edge count.
    pub(crate) first_edge: Column<EdgeIdx>,
    /// Empty when the snapshot has no `detachedness` field (older V8).
    pub(crate) node_detachedness: Column<u8>,
    pub(crate) edge_name_or_index: Column<u32>,
    /// Target ordinal and packed type code, packed by `edge_packing`.
    pub(crate) edge_to_and_type: Column<u32>,
    /// How `edge_to_and_type` is packed: [`EdgePacking::for_type_count`] of
    /// `edge_type_code_count`.
    pub(crate) edge_packing: EdgePacking,
    /// The canonical edge type of each packed code (the file's own codes, in the reader).
    pub(crate) edge_type_codes: [u8; MAX_EDGE_TYPES],
    /// How many packed codes are declared (the file's edge type count).
    pub(crate) edge_type_code_count: u8,
    pub(crate) strings: StringTable,
    /// Sorted by node, one per node at most (the last one in the file wins, as in DevTools'
    /// `buildLocationMap`).
    pub(crate) locations: Column<Location>,
    pub(crate) root: NodeIdx,
    pub(crate) node_field_count: u32,
    pub(crate) edge_field_count: u32,
    pub(crate) extra_native_bytes: Option<u64>,
    /// The JSON's size in bytes (uncompressed), 0 for a snapshot not read from JSON.
    pub(crate) json_bytes: u64,
    pub(crate) title: String,
    /// The self-size and detachedness columns went to their owner ([`HeapSnapshot::into_parts`]).
    pub(crate) sizes_taken: bool,
}

/// The two per-node columns the analysis rewrites in place ([`HeapSnapshot::into_parts`]).
#[derive(Clone, Debug, Default)]
pub struct NodeSizes {
    /// `self_size` as written in the file, by node ordinal.
    pub self_size: Vec<u32>,
    /// `detachedness` as written (0 unknown, 1 attached, 2 detached); empty when the file has
    /// no such field.
    pub detachedness: Vec<u8>,
}

impl HeapSnapshot {
    pub fn node_count(&self) -> usize {
        self.node_id.len()
    }

    pub fn edge_count(&self) -> usize {
        self.edge_to_and_type.len()
    }

    /// The synthetic root (the snapshot's `root_index`, normally node 0).
    pub fn root(&self) -> NodeIdx {
        self.root
    }

    pub fn node_type(&self, n: NodeIdx) -> NodeType {
        NodeType(self.node_type[n as usize])
    }

    pub fn node_type_name(&self, n: NodeIdx) -> &str {
        self.node_types().name(self.node_type[n as usize])
    }

    pub fn node_types(&self) -> &TypeTable {
        &self.node_types
    }

    pub fn edge_types(&self) -> &TypeTable {
        &self.edge_types
    }

    /// The raw name (`name` field) of a node.
    pub fn node_name(&self, n: NodeIdx) -> &str {
        self.strings.get(self.node_name[n as usize])
    }

    pub fn node_name_idx(&self, n: NodeIdx) -> StringIdx {
        self.node_name[n as usize]
    }

    pub fn node_id(&self, n: NodeIdx) -> u32 {
        self.node_id[n as usize]
    }

    /// Splits off the self-size and detachedness columns, which
    /// [`crate::analysis::Analysis::run`] rewrites in place (the shallow-size transfer, the
    /// propagated DOM state; DevTools rewrites them in its `nodes` array too), so that no second
    /// copy exists at any time. The graph left behind knows it: [`HeapSnapshot::has_node_sizes`]
    /// is false, [`HeapSnapshot::raw_self_size`] is `None`, and writing it is an error rather than
    /// a file of zeros. An `Analysis` answers those questions instead (`self_size`, `dom`).
    pub fn into_parts(mut self) -> (HeapSnapshot, NodeSizes) {
        let sizes = NodeSizes {
            self_size: std::mem::take(&mut self.node_self_size).into_vec(),
            detachedness: std::mem::take(&mut self.node_detachedness).into_vec(),
        };
        self.sizes_taken = true;
        (self, sizes)
    }

    /// Moves the columns that only the first passes read — node ids (read for ephemeron tables
    /// only), node and edge names and the strings' text (read by DOM state, distances, essential
    /// edges, class names and statistics, then only by views), the constructor locations (read
    /// by class names, then by views) — out of the heap into files in `dir`
    /// ([`Column::spilled`]); a view reads them back through the page cache. Their pages come
    /// into this process as passes read them; [`HeapSnapshot::release_cold_pages`] lets them go
    /// again, so that they are not resident while the dominators' scratch is.
    pub fn spill_cold_columns(&mut self, dir: Option<&std::path::Path>) {
        let (ids, names, edge_names) = (&mut self.node_id, &mut self.node_name, &mut self.edge_name_or_index);
        let (strings, locations) = (&mut self.strings, &mut self.locations);
        // The edge names are most of the bytes: written on a second thread.
        std::thread::scope(|scope| {
            scope.spawn(|| *edge_names = std::mem::take(edge_names).spilled(dir));
            *ids = std::mem::take(ids).spilled(dir);
            *names = std::mem::take(names).spilled(dir);
            strings.spill_text(dir);
            *locations = std::mem::take(locations).spilled(dir);
        });
    }

    /// The edge targets and types written to a file ([`Column::spill_copy`]) while the passes
    /// still share the snapshot (the dominators' DFS reads the column meanwhile). Swapped in by
    /// [`HeapSnapshot::adopt_spilled_edges`] after the DFS, the last full read of the edges, the
    /// column's memory goes; later passes read the pages they need from the page cache.
    pub fn spill_copy_of_edges(&self, dir: Option<&std::path::Path>) -> Option<column::SpillCopy> {
        self.edge_to_and_type.spill_copy(dir)
    }

    /// The edge column replaced by its file copy ([`HeapSnapshot::spill_copy_of_edges`]): the
    /// column's memory goes, and its pages come back from the page cache where read.
    pub fn adopt_spilled_edges(&mut self, copy: Option<column::SpillCopy>) {
        self.edge_to_and_type = std::mem::take(&mut self.edge_to_and_type).replaced_by(copy);
    }

    /// Maps the pages of the spilled names back in at once ([`Column::populate`]), for passes
    /// about to read them all. Not the node ids, which the first passes read only for a WeakMap's
    /// entries, nor the strings' text, which they scan once at the start and then read only for
    /// class names ([`HeapSnapshot::release_text_pages`]): a page comes back where one is read.
    pub fn populate_cold_pages(&self) {
        self.node_name.populate();
        self.edge_name_or_index.populate();
    }

    /// Drops the resident pages of the strings' text (spilled with the cold columns).
    pub fn release_text_pages(&self) {
        self.strings.release_text_pages();
    }

    /// Drops the resident pages of the spilled node and edge names (see
    /// [`HeapSnapshot::spill_cold_columns`]): the passes after the essential edges read few of
    /// them until class names.
    pub fn release_name_pages(&self) {
        self.node_name.release_resident_pages();
        self.edge_name_or_index.release_resident_pages();
    }

    /// Drops the resident pages of the spilled node names before `node` and of the edge names
    /// before its first edge: for passes that read names in node order (class names, the
    /// Statistics' scan), so that only a window of them is resident, not 4 bytes a node and an
    /// edge.
    pub fn release_name_pages_before(&self, node: NodeIdx) {
        self.node_name.release_resident_pages_before(node as usize);
        if let Some(&first) = self.first_edge.get(node as usize) {
            self.edge_name_or_index.release_resident_pages_before(first as usize);
        }
    }

    /// Drops the resident pages of the spilled columns ([`HeapSnapshot::spill_cold_columns`]):
    /// a pass that needs them again faults them back in from the page cache.
    pub fn release_cold_pages(&self) {
        self.locations.release_resident_pages();
        self.node_id.release_resident_pages();
        self.node_name.release_resident_pages();
        self.edge_name_or_index.release_resident_pages();
        self.strings.release_text_pages();
    }

    /// Whether this snapshot still holds its self-size and detachedness columns (see
    /// [`HeapSnapshot::into_parts`]).
    pub fn has_node_sizes(&self) -> bool {
        !self.sizes_taken
    }

    /// The self size as written in the file (before DevTools' shallow-size transfer; see
    /// `analysis::shallow`); `None` once [`HeapSnapshot::into_parts`] gave the column away.
    pub fn raw_self_size(&self, n: NodeIdx) -> Option<u32> {
        self.node_self_size.get(n as usize).copied()
    }

    /// 0 unknown, 1 attached, 2 detached (V8's `detachedness`); 0 when the file has no such
    /// field, and after [`HeapSnapshot::into_parts`] (an `Analysis` has the propagated state in
    /// `dom`).
    pub fn detachedness(&self, n: NodeIdx) -> u8 {
        self.node_detachedness.get(n as usize).copied().unwrap_or(0)
    }

    pub fn has_detachedness(&self) -> bool {
        !self.node_detachedness.is_empty()
    }

    /// The edge rows of node `n`.
    pub fn edges(&self, n: NodeIdx) -> std::ops::Range<EdgeIdx> {
        self.first_edge[n as usize]..self.first_edge[n as usize + 1]
    }

    #[inline]
    pub fn edge_type(&self, e: EdgeIdx) -> EdgeType {
        EdgeType(self.edge_type_codes[usize::from(self.edge_type_code(e))])
    }

    /// The edge's packed type code, as the file numbered its types.
    #[inline]
    pub(crate) fn edge_type_code(&self, e: EdgeIdx) -> u8 {
        self.edge_packing.code(self.edge_to_and_type[e as usize])
    }

    pub fn edge_type_name(&self, e: EdgeIdx) -> &str {
        self.edge_types().name(self.edge_type(e).0)
    }

    #[inline]
    pub fn edge_to(&self, e: EdgeIdx) -> NodeIdx {
        self.edge_packing.target(self.edge_to_and_type[e as usize])
    }

    /// How [`HeapSnapshot::edge_column`] packs targets and type codes.
    pub fn edge_packing(&self) -> EdgePacking {
        self.edge_packing
    }

    /// The packed target-and-type column, for passes that walk every edge.
    pub fn edge_column(&self) -> &[u32] {
        &self.edge_to_and_type
    }

    /// The raw `name_or_index` field: a string index for named edges, a number for element and
    /// hidden edges.
    pub fn edge_name_or_index(&self, e: EdgeIdx) -> u32 {
        self.edge_name_or_index[e as usize]
    }

    /// The string index of a named edge (`None` for element and hidden edges).
    pub fn edge_name_idx(&self, e: EdgeIdx) -> Option<StringIdx> {
        self.edge_type(e).has_string_name().then(|| self.edge_name_or_index[e as usize])
    }

    /// The edge's name as DevTools prints it (`JSHeapSnapshotEdge.name`): the string for named
    /// edges, the decimal index for element and hidden edges.
    pub fn edge_name(&self, e: EdgeIdx) -> std::borrow::Cow<'_, str> {
        let t = self.edge_type(e);
        let raw = self.edge_name_or_index[e as usize];
        if t.has_string_name() {
            let s = self.strings.get(raw);
            if t == EdgeType::SHORTCUT {
                // DevTools parses shortcut names as integers where they start with one.
                if let Some(n) = js_parse_int_prefix(s) {
                    return std::borrow::Cow::Owned(n);
                }
            }
            std::borrow::Cow::Borrowed(s)
        } else {
            std::borrow::Cow::Owned(raw.to_string())
        }
    }

    pub fn strings(&self) -> &StringTable {
        &self.strings
    }

    pub fn string(&self, idx: StringIdx) -> &str {
        self.strings.get(idx)
    }

    /// The constructor location of a node, if the `locations` section has one.
    pub fn location(&self, n: NodeIdx) -> Option<Location> {
        self.locations.binary_search_by_key(&n, |l| l.node).ok().map(|i| self.locations[i])
    }

    pub fn locations(&self) -> &[Location] {
        &self.locations
    }

    /// `snapshot.extra_native_bytes` (Node 22+ and Chrome), counted into the total size.
    pub fn extra_native_bytes(&self) -> Option<u64> {
        self.extra_native_bytes
    }

    /// The size of the JSON this snapshot was read from (uncompressed; 0 if it was not read):
    /// what a load's memory is measured against ([`column::memory_budget`]).
    pub fn json_bytes(&self) -> u64 {
        self.json_bytes
    }

    pub fn node_field_count(&self) -> u32 {
        self.node_field_count
    }

    pub fn edge_field_count(&self) -> u32 {
        self.edge_field_count
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    /// The ordinal of the node with V8 id `id`, by a linear scan (DevTools `nodeIndexForId`).
    pub fn find_node_by_id(&self, id: u32) -> Option<NodeIdx> {
        self.node_id.iter().position(|&x| x == id).map(|i| i as NodeIdx)
    }

    /// Bytes held by the columns, for memory reports.
    pub fn heap_bytes(&self) -> usize {
        self.node_type.heap_bytes()
            + self.node_name.heap_bytes()
            + self.node_id.heap_bytes()
            + self.node_self_size.heap_bytes()
            + self.first_edge.heap_bytes()
            + self.node_detachedness.heap_bytes()
            + self.edge_name_or_index.heap_bytes()
            + self.edge_to_and_type.heap_bytes()
            + self.strings.heap_bytes()
            + self.locations.heap_bytes()
    }
}

/// JavaScript's `parseInt(s, 10)` where it yields a number: optional whitespace and sign, then
/// decimal digits. Returns the canonical decimal text (`String(parseInt(s))`), or `None` for
/// NaN. Only used for shortcut edge names, which DevTools passes through `parseInt`.
fn js_parse_int_prefix(s: &str) -> Option<String> {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let end = digits.bytes().take_while(u8::is_ascii_digit).count();
    if end == 0 {
        return None;
    }
    let trimmed = digits[..end].trim_start_matches('0');
    let body = if trimmed.is_empty() { "0" } else { trimmed };
    // Numbers beyond 2^53 print differently in JS; shortcut names are never that long.
    if neg && body != "0" { Some(format!("-{body}")) } else { Some(body.to_string()) }
}

#[cfg(test)]
mod tests {
    use super::js_parse_int_prefix;

    /// After `into_parts` the graph says it has no sizes, and writing it fails instead of
    /// panicking; an analysed snapshot is such a graph.
    #[test]
    fn into_parts_leaves_a_graph_that_knows_it() {
        use super::builder::SnapshotBuilder;
        use super::{EdgeType, NodeType};
        let mut b = SnapshotBuilder::new();
        let root = b.node(NodeType::SYNTHETIC, "", 0);
        let a = b.node(NodeType::OBJECT, "A", 40);
        b.edge(root, EdgeType::SHORTCUT, "a", a);
        b.set_detachedness(a, 2);
        let snapshot = b.build();
        assert_eq!(snapshot.raw_self_size(a), Some(40));
        assert!(super::writer::write_snapshot(&snapshot, std::io::sink()).is_ok());
        let (graph, sizes) = snapshot.into_parts();
        assert_eq!((sizes.self_size, sizes.detachedness), (vec![0, 40], vec![0, 2]));
        assert!(!graph.has_node_sizes());
        assert_eq!(graph.raw_self_size(a), None);
        assert_eq!(graph.node_count(), 2);
        let err = super::writer::write_snapshot(&graph, std::io::sink()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }

    #[test]
    fn parse_int_like_javascript() {
        assert_eq!(js_parse_int_prefix("12abc").as_deref(), Some("12"));
        assert_eq!(js_parse_int_prefix("  007").as_deref(), Some("7"));
        assert_eq!(js_parse_int_prefix("-0").as_deref(), Some("0"));
        assert_eq!(js_parse_int_prefix("global"), None);
        assert_eq!(js_parse_int_prefix(""), None);
    }
}
