//! Scattering the integer arrays into columns, with every check the analyses rely on.

use super::header::{EdgeField, Header, LocationField, NodeField};
use crate::snapshot::Location;
use crate::snapshot::error::{ReadError, ReadErrorKind};
use crate::snapshot::lexer::{UintChunk, Where};

/// Node columns being filled.
#[derive(Default)]
pub(super) struct NodeColumns {
    pub(super) node_type: Vec<u8>,
    pub(super) name: Vec<u32>,
    pub(super) id: Vec<u32>,
    /// The ids, once the nodes are all read, moved to a spill file ([`NodeColumns::spill_ids`]).
    pub(super) spilled_id: Option<crate::snapshot::Column<u32>>,
    pub(super) self_size: Vec<u32>,
    pub(super) first_edge: Vec<u32>,
    pub(super) detachedness: Vec<u8>,
    /// Position within the current record, and values seen.
    pub(super) field: usize,
    pub(super) values: u64,
    pub(super) edge_sum: u64,
    /// The largest name index and where it was, checked once strings are known.
    pub(super) max_name: Option<(u32, u64)>,
}

#[derive(Default)]
pub(super) struct EdgeColumns {
    pub(super) name_or_index: Vec<u32>,
    /// Packed target and type ([`crate::snapshot::pack_edge`]).
    pub(super) to: Vec<u32>,
    pub(super) field: usize,
    pub(super) values: u64,
    /// Current record, validated when complete.
    pub(super) rec_type: u8,
    /// The record's type as the file numbers it (what the column packs).
    pub(super) rec_code: u8,
    pub(super) rec_to: u32,
    pub(super) rec_name: u32,
    pub(super) rec_name_offset: u64,
    pub(super) max_string_name: Option<(u32, u64, u64)>,
}

pub(super) fn reserve_count(count: u64, fields: usize, budget: Option<u64>) -> usize {
    // Each value takes at least two characters ("0,"), so a truthful header never asks for more
    // than the input can hold; a lying one must not make us allocate terabytes.
    let cap = budget.map(|b| b / (2 * fields.max(1) as u64)).unwrap_or(1 << 20);
    count.min(cap).min(1 << 31) as usize
}

impl NodeColumns {
    pub(super) fn with_capacity(h: &Header, budget: Option<u64>) -> NodeColumns {
        let n = reserve_count(h.node_count, h.node_fields.len(), budget);
        let has_detached = h.node_fields.contains(&NodeField::Detachedness);
        NodeColumns {
            node_type: Vec::with_capacity(n),
            name: Vec::with_capacity(n),
            id: Vec::with_capacity(n),
            self_size: Vec::with_capacity(n),
            first_edge: Vec::with_capacity(n + 1),
            detachedness: if has_detached { Vec::with_capacity(n) } else { Vec::new() },
            ..NodeColumns::default()
        }
    }

    /// Moves the node ids to a spill file once every node is read ([`crate::snapshot::Column::spilled`],
    /// when a spill folder is set): the analysis reads them only for WeakMap entries, and they
    /// need not be resident while the edges, most of the file, are read (4 bytes a node less at
    /// the reading's peak).
    pub(super) fn spill_ids(&mut self) {
        let dir = crate::snapshot::column::spill_dir();
        if dir.is_some() && self.spilled_id.is_none() {
            let ids = crate::snapshot::Column::from(std::mem::take(&mut self.id));
            self.spilled_id = Some(ids.spilled(dir.as_deref()));
        }
    }

    /// The ids, spilled or not.
    pub(super) fn take_ids(&mut self) -> crate::snapshot::Column<u32> {
        self.spilled_id.take().unwrap_or_else(|| std::mem::take(&mut self.id).into())
    }

    pub(super) fn length_error(&self, h: &Header, w: &Where, chunk: &UintChunk<'_>) -> Option<ReadError> {
        let nf = h.node_fields.len();
        let expected = h.node_count * nf as u64;
        let found = self.values + chunk.values.len() as u64;
        (found > expected).then(|| {
            let i = (expected - self.values) as usize;
            w.error_at(
                chunk.offset_of(i),
                ReadErrorKind::ArrayLength {
                    what: format!("node_count {} × {} node fields", h.node_count, nf),
                    expected,
                    found,
                },
            )
        })
    }

    // The checks, shared by the fast and the slow path.

    /// A node's type: its canonical code, or the error at its byte.
    #[inline]
    fn type_code(h: &Header, w: &Where, offset: u64, node: u64, t: u32) -> Result<u8, ReadError> {
        match h.node_type_map.get(t as usize) {
            Some(&code) => Ok(code),
            None => Err(w.error_at(offset, ReadErrorKind::NodeType { node, code: t, count: h.node_type_map.len() })),
        }
    }

    /// Remembers the largest name index, checked against `strings` at the end.
    #[inline]
    fn note_name(&mut self, name: u32, offset: u64) {
        if self.max_name.is_none_or(|(m, _)| name > m) {
            self.max_name = Some((name, offset));
        }
    }

    /// Opens the node's edge range; the running sum may not pass `edge_count`.
    #[inline]
    fn add_edges(&mut self, h: &Header, w: &Where, offset: u64, count: u32) -> Result<(), ReadError> {
        self.first_edge.push(self.edge_sum as u32);
        self.edge_sum += u64::from(count);
        if self.edge_sum > h.edge_count {
            return Err(
                w.error_at(offset, ReadErrorKind::EdgeCountMismatch { sum: self.edge_sum, edge_count: h.edge_count })
            );
        }
        Ok(())
    }

    /// Scatters a chunk of `nodes` values into the columns. Whole records take the fast path
    /// (fields at fixed positions of the record); a record split across chunks (only possible
    /// in a malformed file) goes value by value.
    pub(super) fn feed(&mut self, h: &Header, w: &Where, chunk: &UintChunk<'_>) -> Result<(), ReadError> {
        if let Some(e) = self.length_error(h, w, chunk) {
            return Err(e);
        }
        let nf = h.node_fields.len();
        let l = &h.node_layout;
        let whole = if self.field == 0 { chunk.values.len() / nf * nf } else { 0 };
        for (r, rec) in chunk.values[..whole].chunks_exact(nf).enumerate() {
            let at = |field: usize| chunk.offset_of(r * nf + field);
            let node = self.values / nf as u64 + r as u64;
            self.node_type.push(Self::type_code(h, w, at(l.type_at), node, rec[l.type_at])?);
            self.note_name(rec[l.name_at], at(l.name_at));
            self.name.push(rec[l.name_at]);
            self.id.push(rec[l.id_at]);
            self.self_size.push(rec[l.self_size_at]);
            self.add_edges(h, w, at(l.edge_count_at), rec[l.edge_count_at])?;
            if let Some(d) = l.detachedness_at {
                self.detachedness.push(rec[d].min(255) as u8);
            }
        }
        self.values += whole as u64;
        for (i, &v) in chunk.values.iter().enumerate().skip(whole) {
            match h.node_fields[self.field] {
                NodeField::Type => {
                    let code = Self::type_code(h, w, chunk.offset_of(i), self.values / nf as u64, v)?;
                    self.node_type.push(code);
                }
                NodeField::Name => {
                    self.note_name(v, chunk.offset_of(i));
                    self.name.push(v);
                }
                NodeField::Id => self.id.push(v),
                NodeField::SelfSize => self.self_size.push(v),
                NodeField::EdgeCount => self.add_edges(h, w, chunk.offset_of(i), v)?,
                NodeField::Detachedness => self.detachedness.push(v.min(255) as u8),
                NodeField::Other => {}
            }
            self.values += 1;
            self.field += 1;
            if self.field == nf {
                self.field = 0;
            }
        }
        Ok(())
    }
}

impl EdgeColumns {
    pub(super) fn with_capacity(h: &Header, budget: Option<u64>) -> EdgeColumns {
        let n = reserve_count(h.edge_count, h.edge_fields.len(), budget);
        EdgeColumns { name_or_index: Vec::with_capacity(n), to: Vec::with_capacity(n), ..EdgeColumns::default() }
    }

    /// Columns for the end of the array from value `first_value` on (a record's first field),
    /// for `records` records: its checks number edges as the whole array does.
    pub(super) fn starting_at(first_value: u64, records: usize) -> EdgeColumns {
        EdgeColumns {
            name_or_index: Vec::with_capacity(records),
            to: Vec::with_capacity(records),
            values: first_value,
            ..EdgeColumns::default()
        }
    }

    /// Appends `tail`, read from the value where these columns end (see
    /// [`EdgeColumns::starting_at`]); `false`, and nothing changed, if it does not start there
    /// or these end inside a record.
    pub(super) fn append(&mut self, mut tail: EdgeColumns, first_value: u64) -> bool {
        if self.values != first_value || self.field != 0 {
            return false;
        }
        let EdgeColumns { name_or_index, to, .. } = &mut tail;
        append_freeing(&mut self.name_or_index, std::mem::take(name_or_index));
        append_freeing(&mut self.to, std::mem::take(to));
        // The first of equal largest names, as one reader would have kept it.
        if let Some((name, _, _)) = tail.max_string_name
            && self.max_string_name.is_none_or(|(m, _, _)| name > m)
        {
            self.max_string_name = tail.max_string_name;
        }
        let EdgeColumns { field, values, rec_type, rec_code, rec_to, rec_name, rec_name_offset, .. } = tail;
        (self.field, self.values, self.rec_type, self.rec_code) = (field, values, rec_type, rec_code);
        (self.rec_to, self.rec_name, self.rec_name_offset) = (rec_to, rec_name, rec_name_offset);
        true
    }

    /// Scatters a chunk of `edges` values: targets become ordinals, checked against the node
    /// count and the field count; type codes become canonical; the largest string-name index is
    /// remembered for the check against the strings section.
    pub(super) fn feed(&mut self, h: &Header, w: &Where, chunk: &UintChunk<'_>) -> Result<(), ReadError> {
        let ef = h.edge_fields.len();
        let expected = h.edge_count * ef as u64;
        let found = self.values + chunk.values.len() as u64;
        if found > expected {
            let i = (expected - self.values) as usize;
            return Err(w.error_at(
                chunk.offset_of(i),
                ReadErrorKind::ArrayLength {
                    what: format!("edge_count {} × {} edge fields", h.edge_count, ef),
                    expected,
                    found,
                },
            ));
        }
        let whole = if self.field == 0 { chunk.values.len() / ef * ef } else { 0 };
        // Division by a constant compiles to a multiplication: specialise the usual layouts.
        match h.node_fields.len() {
            7 => self.feed_records::<7>(h, w, chunk, whole)?,
            6 => self.feed_records::<6>(h, w, chunk, whole)?,
            _ => self.feed_records::<0>(h, w, chunk, whole)?,
        }
        let nf = h.node_fields.len() as u64;
        for (i, &v) in chunk.values.iter().enumerate().skip(whole) {
            let edge = self.values / ef as u64;
            match h.edge_fields[self.field] {
                EdgeField::Type => {
                    self.rec_type = edge_type_code(h, w, chunk.offset_of(i), edge, v)?;
                    self.rec_code = v as u8;
                }
                EdgeField::NameOrIndex => {
                    self.rec_name = v;
                    self.rec_name_offset = chunk.offset_of(i);
                    self.name_or_index.push(v);
                }
                EdgeField::ToNode => self.rec_to = target(h, w, || chunk.offset_of(i), edge, v, nf)?,
                EdgeField::Other => {}
            }
            self.values += 1;
            self.field += 1;
            if self.field == ef {
                self.field = 0;
                self.to.push(h.edge_packing.pack(self.rec_to, self.rec_code));
                self.note_name(h, self.rec_type, self.rec_name, self.rec_name_offset, edge);
            }
        }
        Ok(())
    }

    /// Remembers the largest string index used as an edge name (by a named edge type), checked
    /// against `strings` at the end.
    #[inline]
    fn note_name(&mut self, h: &Header, code: u8, name: u32, offset: u64, edge: u64) {
        if h.named_edge_type[code as usize] && self.max_string_name.is_none_or(|(m, _, _)| name > m) {
            self.max_string_name = Some((name, offset, edge));
        }
    }

    /// The fast path over whole records; `NF` is the node field count (0: not a constant).
    pub(super) fn feed_records<const NF: u64>(
        &mut self,
        h: &Header,
        w: &Where,
        chunk: &UintChunk<'_>,
        whole: usize,
    ) -> Result<(), ReadError> {
        let ef = h.edge_fields.len();
        let nf = if NF == 0 { h.node_fields.len() as u64 } else { NF };
        let l = &h.edge_layout;
        let first_edge = self.values / ef as u64;
        for (r, rec) in chunk.values[..whole].chunks_exact(ef).enumerate() {
            let edge = first_edge + r as u64;
            let t = rec[l.type_at];
            let code = edge_type_code(h, w, chunk.offset_of(r * ef + l.type_at), edge, t)?;
            let ordinal = target(h, w, || chunk.offset_of(r * ef + l.to_at), edge, rec[l.to_at], nf)?;
            let name = rec[l.name_at];
            self.note_name(h, code, name, chunk.offset_of(r * ef + l.name_at), edge);
            self.name_or_index.push(name);
            // `t` indexes `edge_type_map` (checked above), whose length sets the packing.
            self.to.push(h.edge_packing.pack(ordinal, t as u8));
        }
        self.values += whole as u64;
        Ok(())
    }
}

/// An edge's type: its canonical code, or the error at its byte.
#[inline]
fn edge_type_code(h: &Header, w: &Where, offset: u64, edge: u64, t: u32) -> Result<u8, ReadError> {
    match h.edge_type_map.get(t as usize) {
        Some(&code) => Ok(code),
        None => Err(w.error_at(offset, ReadErrorKind::EdgeType { edge, code: t, count: h.edge_type_map.len() })),
    }
}

/// Checks an edge's `to_node` and returns the target's ordinal. The offset is computed only for
/// an error (the fast path does not look it up per edge).
#[inline]
fn target(h: &Header, w: &Where, offset: impl Fn() -> u64, edge: u64, v: u32, nf: u64) -> Result<u32, ReadError> {
    let ordinal = u64::from(v) / nf;
    if ordinal * nf == u64::from(v) && ordinal < h.node_count {
        return Ok(ordinal as u32);
    }
    let kind = if u64::from(v) % nf != 0 {
        ReadErrorKind::EdgeTargetMisaligned { edge, to_node: v, field_count: nf as usize }
    } else {
        ReadErrorKind::EdgeTargetOutOfRange { edge, to_node: v, node_count: h.node_count }
    };
    Err(w.error_at(offset(), kind))
}

/// The most numbers `locations` may hold: one record per node (V8 writes one per object with a
/// known constructor position, DevTools' `buildLocationMap` keeps one per node), none without
/// `meta.location_fields`.
pub(super) fn max_location_values(h: &Header) -> u64 {
    h.node_count * h.location_fields.as_ref().map_or(0, Vec::len) as u64
}

pub(super) fn too_many_locations(h: &Header, found: u64) -> ReadErrorKind {
    let fields = h.location_fields.as_ref().map_or(0, Vec::len);
    ReadErrorKind::ArrayLength {
        what: format!("at most one record per node: node_count {} × {fields} location fields", h.node_count),
        expected: max_location_values(h),
        found,
    }
}

pub(super) fn scatter_locations(h: &Header, raw: &[u32]) -> Vec<Location> {
    let Some(fields) = &h.location_fields else {
        return Vec::new();
    };
    let nf = h.node_fields.len() as u64;
    let mut out = Vec::with_capacity(raw.len() / fields.len().max(1));
    for record in raw.chunks_exact(fields.len()) {
        let mut loc = Location { node: 0, script_id: 0, line: 0, column: 0 };
        let mut object_index = None;
        for (field, &v) in fields.iter().zip(record) {
            match field {
                LocationField::ObjectIndex => object_index = Some(u64::from(v)),
                LocationField::ScriptId => loc.script_id = v,
                LocationField::Line => loc.line = v,
                LocationField::Column => loc.column = v,
                LocationField::Other => {}
            }
        }
        // DevTools keys locations by node index; one that names no node is never looked up.
        if let Some(index) = object_index
            && index % nf == 0
            && index / nf < h.node_count
        {
            loc.node = (index / nf) as u32;
            out.push(loc);
        }
    }
    // The last location of a node wins (a Map.set per record in `buildLocationMap`).
    out.reverse();
    out.sort_by_key(|l| l.node);
    out.dedup_by_key(|l| l.node);
    out
}

/// Appends `tail` to `head`, freeing the tail as it goes: `extend_from_slice` of the whole tail
/// holds both copies at once, and the second reader's part of `edges` is a sixth of the file's
/// biggest array (0.23 GB at the reading's peak of a 4.6 GB file). The tail is cut into pieces
/// from its end (each cut shrinks it in place), then the pieces are appended in order, each freed
/// once copied: at most one piece is held twice.
fn append_freeing<T: Copy>(head: &mut Vec<T>, mut tail: Vec<T>) {
    const PIECE_BYTES: usize = 16 << 20;
    let piece = (PIECE_BYTES / std::mem::size_of::<T>().max(1)).max(1);
    let mut pieces = Vec::new();
    while tail.len() > piece {
        pieces.push(tail.split_off(tail.len() - piece));
        tail.shrink_to_fit();
    }
    pieces.push(tail);
    head.reserve(pieces.iter().map(Vec::len).sum());
    for p in pieces.into_iter().rev() {
        head.extend_from_slice(&p);
    }
}
