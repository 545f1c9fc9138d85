//! Node and edge types, normalised to fixed codes.
//!
//! A snapshot names its node and edge types in `snapshot.meta.node_types[type_offset]` and
//! `edge_types[type_offset]`, and the numbers in the `nodes`/`edges` arrays index those lists.
//! V8 has always written the same order, but the format does not promise it, so the reader
//! maps every file code to a *canonical* code: the position of the name in [`NODE_TYPE_NAMES`]
//! (or [`EDGE_TYPE_NAMES`]). Names this crate does not know are appended after the known ones
//! (see [`TypeTable`]), so a future V8 type still loads and still shows its name.
//!
//! DevTools does the equivalent with `nodeTypes.indexOf('hidden')` and friends
//! (`HeapSnapshot.initialize`, HeapSnapshot.ts:1030), and appends a synthetic edge type
//! `invisible` that V8 never writes; we keep that position for it too.

/// The node type names this crate knows, in V8's order (Node.js 20 to 24, Chrome).
pub const NODE_TYPE_NAMES: [&str; 16] = [
    "hidden",
    "array",
    "string",
    "object",
    "code",
    "closure",
    "regexp",
    "number",
    "native",
    "synthetic",
    "concatenated string",
    "sliced string",
    "symbol",
    "bigint",
    "object shape",
    "wasm object",
];

/// The edge type names this crate knows, in V8's order, plus DevTools' `invisible`.
pub const EDGE_TYPE_NAMES: [&str; 8] =
    ["context", "element", "property", "internal", "hidden", "shortcut", "weak", "invisible"];

/// A node's type as a canonical code (an index into a [`TypeTable`] of node types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeType(pub u8);

impl NodeType {
    pub const HIDDEN: NodeType = NodeType(0);
    pub const ARRAY: NodeType = NodeType(1);
    pub const STRING: NodeType = NodeType(2);
    pub const OBJECT: NodeType = NodeType(3);
    pub const CODE: NodeType = NodeType(4);
    pub const CLOSURE: NodeType = NodeType(5);
    pub const REGEXP: NodeType = NodeType(6);
    pub const NUMBER: NodeType = NodeType(7);
    pub const NATIVE: NodeType = NodeType(8);
    pub const SYNTHETIC: NodeType = NodeType(9);
    pub const CONS_STRING: NodeType = NodeType(10);
    pub const SLICED_STRING: NodeType = NodeType(11);
    pub const SYMBOL: NodeType = NodeType(12);
    pub const BIGINT: NodeType = NodeType(13);
    pub const OBJECT_SHAPE: NodeType = NodeType(14);
    pub const WASM_OBJECT: NodeType = NodeType(15);
}

/// An edge's type as a canonical code (an index into a [`TypeTable`] of edge types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EdgeType(pub u8);

impl EdgeType {
    pub const CONTEXT: EdgeType = EdgeType(0);
    pub const ELEMENT: EdgeType = EdgeType(1);
    pub const PROPERTY: EdgeType = EdgeType(2);
    pub const INTERNAL: EdgeType = EdgeType(3);
    pub const HIDDEN: EdgeType = EdgeType(4);
    pub const SHORTCUT: EdgeType = EdgeType(5);
    pub const WEAK: EdgeType = EdgeType(6);
    pub const INVISIBLE: EdgeType = EdgeType(7);

    /// Element and hidden edges carry a number in `name_or_index`; all others a string index
    /// (DevTools `JSHeapSnapshotEdge.#hasStringName`).
    pub fn has_string_name(self) -> bool {
        self != EdgeType::ELEMENT && self != EdgeType::HIDDEN
    }
}

/// The type names of one kind (nodes or edges): the known names first, then any unknown
/// names a snapshot declared, in the order first seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeTable {
    names: Vec<String>,
}

impl TypeTable {
    pub fn node_types() -> TypeTable {
        TypeTable { names: NODE_TYPE_NAMES.iter().map(|s| s.to_string()).collect() }
    }

    pub fn edge_types() -> TypeTable {
        TypeTable { names: EDGE_TYPE_NAMES.iter().map(|s| s.to_string()).collect() }
    }

    /// The canonical code of `name`, adding it if it is unknown. `None` once 255 names exist.
    pub fn code_for(&mut self, name: &str) -> Option<u8> {
        if let Some(pos) = self.names.iter().position(|n| n == name) {
            return u8::try_from(pos).ok();
        }
        let code = u8::try_from(self.names.len()).ok()?;
        self.names.push(name.to_string());
        Some(code)
    }

    /// Every name, by canonical code (for the persisted index).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// A table from [`TypeTable::names`]: `None` unless it starts with `known` (the canonical
    /// names, [`NODE_TYPE_NAMES`] or [`EDGE_TYPE_NAMES`]) and has at most 256 names, as every
    /// table the reader builds does.
    pub fn from_names(known: &[&str], names: Vec<String>) -> Option<TypeTable> {
        let canonical = names.len() >= known.len() && names.iter().zip(known).all(|(n, k)| n == k);
        (canonical && names.len() <= 256).then_some(TypeTable { names })
    }

    /// The name of a canonical code (`"?"` for a code no table entry has).
    pub fn name(&self, code: u8) -> &str {
        self.names.get(usize::from(code)).map(String::as_str).unwrap_or("?")
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_keep_their_codes_and_unknown_ones_are_appended() {
        let mut table = TypeTable::node_types();
        assert_eq!(table.code_for("object"), Some(NodeType::OBJECT.0));
        assert_eq!(table.code_for("concatenated string"), Some(NodeType::CONS_STRING.0));
        assert_eq!(table.code_for("future thing"), Some(16));
        assert_eq!(table.name(16), "future thing");
        assert_eq!(table.code_for("future thing"), Some(16));
        let mut edges = TypeTable::edge_types();
        assert_eq!(edges.code_for("weak"), Some(EdgeType::WEAK.0));
        assert_eq!(edges.name(EdgeType::INVISIBLE.0), "invisible");
    }
}
