//! Building a [`HeapSnapshot`] in code: tiny graphs for tests (as DevTools'
//! `HeapSnapshotBuilder` does), and the demo server's dumps of its own object graph.
//!
//! Edges are collected flat (source, type, name, target) and grouped by source once at
//! [`SnapshotBuilder::build`], so a graph of a million objects costs a few flat vectors.

use std::collections::HashMap;

use super::strings::StringTable;
use super::types::{EdgeType, NodeType, TypeTable};
use super::{Column, HeapSnapshot, Location, NodeIdx};

/// An edge's `name_or_index`: a name for most edge types, a number for element/hidden ones.
#[derive(Clone, Copy, Debug)]
pub enum EdgeName<'a> {
    Name(&'a str),
    Index(u32),
}

impl<'a> From<&'a str> for EdgeName<'a> {
    fn from(s: &'a str) -> EdgeName<'a> {
        EdgeName::Name(s)
    }
}

impl From<u32> for EdgeName<'_> {
    fn from(i: u32) -> Self {
        EdgeName::Index(i)
    }
}

/// Accumulates nodes and edges, then produces a validated [`HeapSnapshot`].
pub struct SnapshotBuilder {
    strings: StringTable,
    string_ids: HashMap<String, u32>,
    node_type: Vec<u8>,
    node_name: Vec<u32>,
    node_id: Vec<u32>,
    node_self_size: Vec<u32>,
    node_detachedness: Vec<u8>,
    with_detachedness: bool,
    edge_from: Vec<NodeIdx>,
    edge_type: Vec<u8>,
    edge_name: Vec<u32>,
    edge_to: Vec<NodeIdx>,
    locations: Vec<Location>,
    extra_native_bytes: Option<u64>,
    next_id: u32,
}

impl Default for SnapshotBuilder {
    fn default() -> Self {
        SnapshotBuilder::new()
    }
}

impl SnapshotBuilder {
    pub fn new() -> SnapshotBuilder {
        let mut b = SnapshotBuilder {
            strings: StringTable::new(),
            string_ids: HashMap::new(),
            node_type: Vec::new(),
            node_name: Vec::new(),
            node_id: Vec::new(),
            node_self_size: Vec::new(),
            node_detachedness: Vec::new(),
            with_detachedness: true,
            edge_from: Vec::new(),
            edge_type: Vec::new(),
            edge_name: Vec::new(),
            edge_to: Vec::new(),
            locations: Vec::new(),
            extra_native_bytes: None,
            next_id: 1,
        };
        // V8 puts "<dummy>" first; keep index 0 harmless.
        b.intern("<dummy>");
        b
    }

    /// Without the `detachedness` node field, like snapshots from before V8 9.x.
    pub fn without_detachedness(mut self) -> SnapshotBuilder {
        self.with_detachedness = false;
        self
    }

    pub fn set_extra_native_bytes(&mut self, bytes: u64) {
        self.extra_native_bytes = Some(bytes);
    }

    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.string_ids.get(s) {
            return i;
        }
        let i = self.strings.push(s).unwrap_or(0);
        self.string_ids.insert(s.to_string(), i);
        i
    }

    /// Adds a node with an explicit V8 id.
    pub fn node_with_id(&mut self, node_type: NodeType, name: &str, id: u32, self_size: u32) -> NodeIdx {
        let name = self.intern(name);
        let n = self.node_id.len() as NodeIdx;
        self.node_type.push(node_type.0);
        self.node_name.push(name);
        self.node_id.push(id);
        self.node_self_size.push(self_size);
        self.node_detachedness.push(0);
        self.next_id = self.next_id.max(id.saturating_add(2));
        n
    }

    /// Adds a node with the next odd id (V8 gives JS objects odd ids).
    pub fn node(&mut self, node_type: NodeType, name: &str, self_size: u32) -> NodeIdx {
        let id = if self.next_id.is_multiple_of(2) { self.next_id + 1 } else { self.next_id };
        self.node_with_id(node_type, name, id, self_size)
    }

    pub fn set_detachedness(&mut self, n: NodeIdx, state: u8) {
        self.node_detachedness[n as usize] = state;
    }

    pub fn set_location(&mut self, n: NodeIdx, script_id: u32, line: u32, column: u32) {
        self.locations.push(Location { node: n, script_id, line, column });
    }

    pub fn edge<'a>(&mut self, from: NodeIdx, edge_type: EdgeType, name: impl Into<EdgeName<'a>>, to: NodeIdx) {
        let name = match name.into() {
            EdgeName::Name(s) => self.intern(s),
            EdgeName::Index(i) => i,
        };
        self.edge_from.push(from);
        self.edge_type.push(edge_type.0);
        self.edge_name.push(name);
        self.edge_to.push(to);
    }

    pub fn node_count(&self) -> usize {
        self.node_id.len()
    }

    /// The snapshot, with node 0 as the root. Edges keep their insertion order per source.
    pub fn build(self) -> HeapSnapshot {
        let n = self.node_id.len();
        // Counting sort of edges by source, stable.
        let mut first_edge = vec![0u32; n + 1];
        for &f in &self.edge_from {
            first_edge[f as usize + 1] += 1;
        }
        for i in 0..n {
            first_edge[i + 1] += first_edge[i];
        }
        let e = self.edge_from.len();
        let mut cursor = first_edge.clone();
        let mut order = vec![0u32; e];
        for (i, &f) in self.edge_from.iter().enumerate() {
            order[cursor[f as usize] as usize] = i as u32;
            cursor[f as usize] += 1;
        }
        let edge_name_or_index = order.iter().map(|&i| self.edge_name[i as usize]).collect();
        let edge_packing = super::EdgePacking::for_type_count(super::types::EDGE_TYPE_NAMES.len());
        let edge_to_and_type =
            order.iter().map(|&i| edge_packing.pack(self.edge_to[i as usize], self.edge_type[i as usize])).collect();
        let mut locations = self.locations;
        locations.reverse();
        locations.sort_by_key(|l| l.node);
        locations.dedup_by_key(|l| l.node);
        HeapSnapshot {
            node_types: TypeTable::node_types(),
            edge_types: TypeTable::edge_types(),
            node_type: self.node_type.into(),
            node_name: self.node_name.into(),
            node_id: self.node_id.into(),
            node_self_size: self.node_self_size.into(),
            first_edge: first_edge.into(),
            node_detachedness: if self.with_detachedness { self.node_detachedness.into() } else { Column::default() },
            edge_name_or_index,
            edge_to_and_type,
            // The builder packs canonical codes: the identity map.
            edge_type_codes: std::array::from_fn(|i| i as u8),
            edge_type_code_count: super::types::EDGE_TYPE_NAMES.len() as u8,
            edge_packing,
            strings: self.strings,
            locations: locations.into(),
            root: 0,
            node_field_count: if self.with_detachedness { 7 } else { 6 },
            edge_field_count: 3,
            extra_native_bytes: self.extra_native_bytes,
            json_bytes: 0,
            title: String::new(),
            sizes_taken: false,
        }
    }
}
