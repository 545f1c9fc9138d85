//! The `snapshot` header: `meta`'s field and type names resolved to positions and canonical codes.

use serde::Deserialize;

use crate::snapshot::error::ReadErrorKind;
use crate::snapshot::types::TypeTable;

/// Largest `snapshot` header accepted (V8's is under 2 KB).
pub(super) const HEADER_LIMIT: usize = 16 << 20;

#[derive(Deserialize)]
pub(super) struct RawHeader {
    #[serde(default)]
    pub(super) title: Option<serde_json::Value>,
    pub(super) meta: RawMeta,
    pub(super) node_count: u64,
    pub(super) edge_count: u64,
    #[serde(default)]
    pub(super) root_index: Option<u64>,
    #[serde(default)]
    pub(super) extra_native_bytes: Option<serde_json::Number>,
}

#[derive(Deserialize)]
pub(super) struct RawMeta {
    pub(super) node_fields: Vec<String>,
    pub(super) node_types: Vec<serde_json::Value>,
    pub(super) edge_fields: Vec<String>,
    pub(super) edge_types: Vec<serde_json::Value>,
    #[serde(default)]
    pub(super) location_fields: Option<Vec<String>>,
}

/// What each position of a node record holds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum NodeField {
    Type,
    Name,
    Id,
    SelfSize,
    EdgeCount,
    Detachedness,
    Other,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum EdgeField {
    Type,
    NameOrIndex,
    ToNode,
    Other,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum LocationField {
    ObjectIndex,
    ScriptId,
    Line,
    Column,
    Other,
}

/// Positions of the fields a node record must have.
pub(super) struct NodeLayout {
    pub(super) type_at: usize,
    pub(super) name_at: usize,
    pub(super) id_at: usize,
    pub(super) self_size_at: usize,
    pub(super) edge_count_at: usize,
    pub(super) detachedness_at: Option<usize>,
}

/// Positions of the fields of an edge record.
pub(super) struct EdgeLayout {
    pub(super) type_at: usize,
    pub(super) name_at: usize,
    pub(super) to_at: usize,
}

/// The header, resolved: field roles by position, type code maps.
pub(super) struct Header {
    pub(super) node_layout: NodeLayout,
    pub(super) edge_layout: EdgeLayout,
    /// By canonical edge type code: does `name_or_index` hold a string index?
    pub(super) named_edge_type: [bool; 256],
    pub(super) title: String,
    pub(super) node_fields: Vec<NodeField>,
    pub(super) edge_fields: Vec<EdgeField>,
    pub(super) location_fields: Option<Vec<LocationField>>,
    pub(super) node_types: TypeTable,
    pub(super) edge_types: TypeTable,
    /// File type code → canonical code.
    pub(super) node_type_map: Vec<u8>,
    pub(super) edge_type_map: Vec<u8>,
    /// `edge_type_map` as the snapshot keeps it (packed code → canonical code).
    pub(super) edge_type_codes: [u8; crate::snapshot::MAX_EDGE_TYPES],
    /// How the edge column packs targets and this file's type codes.
    pub(super) edge_packing: crate::snapshot::EdgePacking,
    pub(super) node_count: u64,
    pub(super) edge_count: u64,
    pub(super) root_index: u64,
    pub(super) extra_native_bytes: Option<u64>,
}

pub(super) fn header_error(msg: impl Into<String>) -> ReadErrorKind {
    ReadErrorKind::Header(msg.into())
}

pub(super) fn type_names(list: &[serde_json::Value], offset: usize, what: &str) -> Result<Vec<String>, ReadErrorKind> {
    let Some(serde_json::Value::Array(names)) = list.get(offset) else {
        return Err(header_error(format!("meta.{what}[{offset}] (the type names) is not a list")));
    };
    names
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| header_error(format!("meta.{what}[{offset}] holds a name that is not a string")))
}

pub(super) fn resolve_header(raw: RawHeader) -> Result<Header, ReadErrorKind> {
    let m = raw.meta;
    let find = |fields: &[String], name: &str, list: &str| {
        fields.iter().position(|f| f == name).ok_or_else(|| header_error(format!("meta.{list} has no {name:?} field")))
    };
    let node_type_at = find(&m.node_fields, "type", "node_fields")?;
    for required in ["name", "id", "self_size", "edge_count"] {
        find(&m.node_fields, required, "node_fields")?;
    }
    let edge_type_at = find(&m.edge_fields, "type", "edge_fields")?;
    for required in ["name_or_index", "to_node"] {
        find(&m.edge_fields, required, "edge_fields")?;
    }
    let node_fields = m
        .node_fields
        .iter()
        .map(|f| match f.as_str() {
            "type" => NodeField::Type,
            "name" => NodeField::Name,
            "id" => NodeField::Id,
            "self_size" => NodeField::SelfSize,
            "edge_count" => NodeField::EdgeCount,
            "detachedness" => NodeField::Detachedness,
            _ => NodeField::Other,
        })
        .collect::<Vec<_>>();
    let edge_fields = m
        .edge_fields
        .iter()
        .map(|f| match f.as_str() {
            "type" => EdgeField::Type,
            "name_or_index" => EdgeField::NameOrIndex,
            "to_node" => EdgeField::ToNode,
            _ => EdgeField::Other,
        })
        .collect::<Vec<_>>();
    let location_fields = match m.location_fields {
        Some(fields) if !fields.is_empty() => {
            let list = "location_fields";
            for required in ["object_index", "script_id", "line", "column"] {
                find(&fields, required, list)?;
            }
            Some(
                fields
                    .iter()
                    .map(|f| match f.as_str() {
                        "object_index" => LocationField::ObjectIndex,
                        "script_id" => LocationField::ScriptId,
                        "line" => LocationField::Line,
                        "column" => LocationField::Column,
                        _ => LocationField::Other,
                    })
                    .collect(),
            )
        }
        _ => None,
    };
    let mut node_types = TypeTable::node_types();
    let node_type_map = type_names(&m.node_types, node_type_at, "node_types")?
        .iter()
        .map(|n| node_types.code_for(n).ok_or_else(|| header_error("more than 255 node types")))
        .collect::<Result<Vec<u8>, _>>()?;
    let mut edge_types = TypeTable::edge_types();
    let edge_type_map = type_names(&m.edge_types, edge_type_at, "edge_types")?
        .iter()
        .map(|n| edge_types.code_for(n).ok_or_else(|| header_error("more than 255 edge types")))
        .collect::<Result<Vec<u8>, _>>()?;
    // The file's codes are what the edge column packs, so the limits are on the file's count:
    // DevTools' synthetic "invisible" in the canonical table takes none of them.
    if edge_type_map.len() > crate::snapshot::MAX_EDGE_TYPES {
        return Err(header_error(format!(
            "{} edge types; at most {} are supported",
            edge_type_map.len(),
            crate::snapshot::MAX_EDGE_TYPES
        )));
    }
    let edge_packing = crate::snapshot::EdgePacking::for_type_count(edge_type_map.len());
    if raw.node_count > edge_packing.max_nodes() || raw.edge_count >= u64::from(u32::MAX) {
        return Err(ReadErrorKind::TooLarge(format!(
            "{} nodes and {} edges; at most {} nodes (with {} edge types) and 2^32 - 2 edges are supported",
            raw.node_count,
            raw.edge_count,
            edge_packing.max_nodes(),
            edge_type_map.len()
        )));
    }
    let mut edge_type_codes = [0u8; crate::snapshot::MAX_EDGE_TYPES];
    edge_type_codes[..edge_type_map.len()].copy_from_slice(&edge_type_map);
    let extra_native_bytes = raw.extra_native_bytes.and_then(|n| n.as_u64().or_else(|| n.as_f64().map(|f| f as u64)));
    let title = match raw.title {
        Some(serde_json::Value::String(s)) => s,
        _ => String::new(),
    };
    let pos = |fields: &[String], name: &str| fields.iter().position(|f| f == name).unwrap_or(0);
    let node_layout = NodeLayout {
        type_at: node_type_at,
        name_at: pos(&m.node_fields, "name"),
        id_at: pos(&m.node_fields, "id"),
        self_size_at: pos(&m.node_fields, "self_size"),
        edge_count_at: pos(&m.node_fields, "edge_count"),
        detachedness_at: m.node_fields.iter().position(|f| f == "detachedness"),
    };
    let edge_layout = EdgeLayout {
        type_at: edge_type_at,
        name_at: pos(&m.edge_fields, "name_or_index"),
        to_at: pos(&m.edge_fields, "to_node"),
    };
    let mut named_edge_type = [true; 256];
    named_edge_type[crate::snapshot::types::EdgeType::ELEMENT.0 as usize] = false;
    named_edge_type[crate::snapshot::types::EdgeType::HIDDEN.0 as usize] = false;
    Ok(Header {
        node_layout,
        edge_layout,
        named_edge_type,
        title,
        node_fields,
        edge_fields,
        location_fields,
        node_types,
        edge_types,
        node_type_map,
        edge_type_map,
        edge_packing,
        edge_type_codes,
        node_count: raw.node_count,
        edge_count: raw.edge_count,
        root_index: raw.root_index.unwrap_or(0),
        extra_native_bytes,
    })
}
