//! Reads a `.heapsnapshot` (or `.heapsnapshot.gz`) into [`HeapSnapshot`] columns, streaming.
//!
//! The file is V8's `HeapSnapshotJSONSerializer` output: one object with `snapshot` (header and
//! `meta`), `nodes`, `edges`, `strings` and optional sections (`locations`, `samples`,
//! `trace_function_infos`, `trace_tree`, ...). Where DevTools' `HeapSnapshotLoader` searches for
//! the tokens in a fixed order, this reader accepts the top-level keys in any order and any
//! whitespace, and looks every field up by name in `meta` (`node_fields`, `edge_fields`,
//! `location_fields`), never by position.
//!
//! The integer arrays are parsed chunk by chunk ([`super::lexer`]) and scattered straight into
//! columns, so the peak memory is the columns plus a 1 MiB buffer. Only if `nodes` or `edges`
//! come *before* the header (legal JSON, never written by V8) are they held as raw integers until
//! the header says how to split them.
//!
//! Gzip input is recognised by its magic bytes (`1f 8b`), not by the file name, and decompressed
//! as a stream, on a second thread while this one parses (`inflate.rs`). Everything is
//! validated once, here (array lengths against `node_count` and `edge_count`, edge targets,
//! string indexes, type codes, the root), so that the analyses can index without checks. Each
//! failure is a [`ReadError`] with the section and byte offset.

use std::fs::File;
use std::io::{Chain, Cursor, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Deserialize;

use super::error::{ReadError, ReadErrorKind, Section};
use super::lexer::{Lexer, UintChunk, Where};
use super::strings::StringTable;
use super::types::TypeTable;
use super::{HeapSnapshot, Location};
use crate::progress::{Phase, Progress};

pub use crate::progress::Phase as LoadPhase;

/// Options for [`read_file`] / [`read_from`].
pub struct ReadOptions<'a> {
    pub progress: &'a dyn Progress,
}

/// Largest `snapshot` header accepted (V8's is under 2 KB).
const HEADER_LIMIT: usize = 16 << 20;
/// Deflate cannot expand more than about 1032:1.
const MAX_GZIP_RATIO: u64 = 1100;

/// Counts the bytes read from the file, for progress.
struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

type Prefixed<R> = Chain<Cursor<Vec<u8>>, R>;

/// Plain files at least this large read their `edges` on a second thread.
const PARALLEL_THRESHOLD: u64 = 16 << 20;

/// Reads a snapshot file, plain or gzip-compressed.
///
/// A large plain file is read by two threads: this one parses the header, `nodes`, `strings` and
/// the rest; a second one finds `"edges"` ahead (a SIMD search over the digits of `nodes`) and
/// parses it at the same time. When this thread reaches the `edges` key, it takes the second
/// thread's columns if they start where it stands, and otherwise parses the section itself: the
/// guess can only save time, never change a result.
pub fn read_file(path: &Path, progress: &dyn Progress) -> Result<HeapSnapshot, ReadError> {
    read_file_with(path, progress, PARALLEL_THRESHOLD)
}

/// [`read_file`] with the size from which plain files are read by two threads (tests force it).
pub fn read_file_with(path: &Path, progress: &dyn Progress, parallel_from: u64) -> Result<HeapSnapshot, ReadError> {
    let io = |e: std::io::Error| ReadError {
        kind: ReadErrorKind::Io(e),
        section: Section::TopLevel,
        offset: 0,
        decompressed: false,
    };
    let mut file = File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let mut magic = [0u8; 2];
    let is_gzip = file.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b];
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(0)).map_err(io)?;
    if is_gzip || size < parallel_from {
        return read_from(file, Some(size), progress);
    }
    let found = Found::default();
    std::thread::scope(|scope| {
        let helper = scope.spawn(|| edges_ahead(path, size, &found));
        let mut ahead = Ahead { found: &found, join: Some(Box::new(move || helper.join().ok().flatten())) };
        let count = Arc::new(AtomicU64::new(0));
        let ctx = Context { progress, count: count.clone(), size: Some(size) };
        let mut lexer = Lexer::new(CountingReader { inner: file, count }, false);
        parse(&mut lexer, &ctx, Some(size), Some(&mut ahead))
    })
}

/// Where the helper thread found `"edges"`, published as soon as it knows.
#[derive(Default)]
struct Found {
    /// `None`: still looking; `Some(None)`: gave up; `Some(Some(offset))`: the key's offset.
    state: std::sync::Mutex<Option<Option<u64>>>,
    ready: std::sync::Condvar,
}

impl Found {
    fn publish(&self, at: Option<u64>) {
        if let Ok(mut s) = self.state.lock() {
            *s = Some(at);
        }
        self.ready.notify_all();
    }

    /// Waits until the helper knows whether (and where) it found the key.
    fn wait(&self) -> Option<u64> {
        let Ok(mut s) = self.state.lock() else { return None };
        loop {
            if let Some(at) = *s {
                return at;
            }
            s = match self.ready.wait(s) {
                Ok(s) => s,
                Err(_) => return None,
            };
        }
    }
}

/// The main reader's handle on the helper thread.
struct Ahead<'a> {
    found: &'a Found,
    join: Option<Box<dyn FnOnce() -> Option<EdgesAhead> + 'a>>,
}

impl Ahead<'_> {
    /// The helper's result; only called once the helper found the key where the main reader
    /// stands.
    fn take(&mut self) -> Option<EdgesAhead> {
        self.join.take().and_then(|j| j())
    }
}

/// The `edges` section, parsed by a thread that went looking for it.
struct EdgesAhead {
    /// Offset of the `"edges"` key's opening quote.
    key_offset: u64,
    result: Result<(EdgeColumns, u64), ReadError>,
}

/// Finds and parses `edges` on its own (V8 writes `snapshot` first and `edges` after `nodes`).
/// `None` when the file does not look like that; the main reader then does it all.
fn edges_ahead(path: &Path, size: u64, found: &Found) -> Option<EdgesAhead> {
    let result = parse_edges_ahead(path, size, found);
    // Whatever happened, the main reader must not wait forever.
    found.publish(result.as_ref().map(|r| r.key_offset));
    result
}

fn parse_edges_ahead(path: &Path, size: u64, found: &Found) -> Option<EdgesAhead> {
    let file = File::open(path).ok()?;
    let mut lx = Lexer::new(file, false);
    lx.expect(b'{', "'{'").ok()?;
    let mut key = Vec::new();
    lx.string(&mut key).ok()?;
    if key != b"snapshot" {
        return None;
    }
    lx.expect(b':', "':'").ok()?;
    let mut raw = Vec::new();
    lx.capture_value(HEADER_LIMIT, &mut raw).ok()?;
    let h = resolve_header(serde_json::from_slice(&raw).ok()?).ok()?;
    let key_offset = lx.find(b"\"edges\"").ok()??;
    found.publish(Some(key_offset));
    lx.string(&mut key).ok()?;
    lx.expect(b':', "':'").ok()?;
    lx.section = Section::Edges;
    let mut cols = EdgeColumns::with_capacity(&h, Some(size));
    let chunk = (1 << 14) / h.edge_fields.len() * h.edge_fields.len();
    let result = lx.uint_array(chunk, &mut |w, c| cols.feed(&h, w, &c), &mut |_| Ok(())).map(|_| (cols, lx.offset()));
    Some(EdgesAhead { key_offset, result })
}

/// Reads a snapshot from any byte stream, plain or gzip-compressed. `size` is the stream's
/// length if known: it bounds up-front allocations and drives the progress fraction.
pub fn read_from<R: Read + Send>(
    mut input: R,
    size: Option<u64>,
    progress: &dyn Progress,
) -> Result<HeapSnapshot, ReadError> {
    let count = Arc::new(AtomicU64::new(0));
    // Sniff the first bytes for the gzip magic number.
    let mut magic = Vec::with_capacity(2);
    {
        let mut take = (&mut input).take(2);
        take.read_to_end(&mut magic).map_err(|e| ReadError {
            kind: ReadErrorKind::Io(e),
            section: Section::TopLevel,
            offset: 0,
            decompressed: false,
        })?;
    }
    count.fetch_add(magic.len() as u64, Ordering::Relaxed);
    let is_gzip = magic == [0x1f, 0x8b];
    let counted = CountingReader { inner: input, count: count.clone() };
    let stream: Prefixed<CountingReader<R>> = Cursor::new(magic).chain(counted);
    let ctx = Context { progress, count, size };
    if is_gzip {
        let decoder = flate2::read::MultiGzDecoder::new(stream);
        std::thread::scope(|scope| {
            let mut lexer = Lexer::new(super::inflate::inflate_in_background(scope, decoder), true);
            parse(&mut lexer, &ctx, size.map(|s| s.saturating_mul(MAX_GZIP_RATIO)), None)
        })
    } else {
        let mut lexer = Lexer::new(stream, false);
        parse(&mut lexer, &ctx, size, None)
    }
}

struct Context<'a> {
    progress: &'a dyn Progress,
    count: Arc<AtomicU64>,
    size: Option<u64>,
}

impl Context<'_> {
    fn tick(&self, here: &Where) -> Result<(), ReadError> {
        if self.progress.is_cancelled() {
            return Err(here.error(ReadErrorKind::Cancelled));
        }
        if let Some(size) = self.size.filter(|&s| s > 0) {
            let done = self.count.load(Ordering::Relaxed) as f64 / size as f64;
            self.progress.report(Phase::Reading, done as f32);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The header
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct RawHeader {
    #[serde(default)]
    title: Option<serde_json::Value>,
    meta: RawMeta,
    node_count: u64,
    edge_count: u64,
    #[serde(default)]
    root_index: Option<u64>,
    #[serde(default)]
    extra_native_bytes: Option<serde_json::Number>,
}

#[derive(Deserialize)]
struct RawMeta {
    node_fields: Vec<String>,
    node_types: Vec<serde_json::Value>,
    edge_fields: Vec<String>,
    edge_types: Vec<serde_json::Value>,
    #[serde(default)]
    location_fields: Option<Vec<String>>,
}

/// What each position of a node record holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NodeField {
    Type,
    Name,
    Id,
    SelfSize,
    EdgeCount,
    Detachedness,
    Other,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EdgeField {
    Type,
    NameOrIndex,
    ToNode,
    Other,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LocationField {
    ObjectIndex,
    ScriptId,
    Line,
    Column,
    Other,
}

/// Positions of the fields a node record must have.
struct NodeLayout {
    type_at: usize,
    name_at: usize,
    id_at: usize,
    self_size_at: usize,
    edge_count_at: usize,
    detachedness_at: Option<usize>,
}

/// Positions of the fields of an edge record.
struct EdgeLayout {
    type_at: usize,
    name_at: usize,
    to_at: usize,
}

/// The header, resolved: field roles by position, type code maps.
struct Header {
    node_layout: NodeLayout,
    edge_layout: EdgeLayout,
    /// By canonical edge type code: does `name_or_index` hold a string index?
    named_edge_type: [bool; 256],
    title: String,
    node_fields: Vec<NodeField>,
    edge_fields: Vec<EdgeField>,
    location_fields: Option<Vec<LocationField>>,
    node_types: TypeTable,
    edge_types: TypeTable,
    /// File type code → canonical code.
    node_type_map: Vec<u8>,
    edge_type_map: Vec<u8>,
    node_count: u64,
    edge_count: u64,
    root_index: u64,
    extra_native_bytes: Option<u64>,
}

fn header_error(msg: impl Into<String>) -> ReadErrorKind {
    ReadErrorKind::Header(msg.into())
}

fn type_names(list: &[serde_json::Value], offset: usize, what: &str) -> Result<Vec<String>, ReadErrorKind> {
    let Some(serde_json::Value::Array(names)) = list.get(offset) else {
        return Err(header_error(format!("meta.{what}[{offset}] (the type names) is not a list")));
    };
    names
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| header_error(format!("meta.{what}[{offset}] holds a name that is not a string")))
}

fn resolve_header(raw: RawHeader) -> Result<Header, ReadErrorKind> {
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
    if raw.node_count > super::MAX_NODES || raw.edge_count >= u64::from(u32::MAX) {
        return Err(ReadErrorKind::TooLarge(format!(
            "{} nodes and {} edges; at most {} nodes and 2^32 - 1 edges are supported",
            raw.node_count,
            raw.edge_count,
            super::MAX_NODES
        )));
    }
    if edge_types.len() > super::MAX_EDGE_TYPES {
        return Err(header_error(format!(
            "{} edge types; at most {} are supported",
            edge_types.len(),
            super::MAX_EDGE_TYPES
        )));
    }
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
    named_edge_type[super::types::EdgeType::ELEMENT.0 as usize] = false;
    named_edge_type[super::types::EdgeType::HIDDEN.0 as usize] = false;
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
        node_count: raw.node_count,
        edge_count: raw.edge_count,
        root_index: raw.root_index.unwrap_or(0),
        extra_native_bytes,
    })
}

// ---------------------------------------------------------------------------------------------
// Scattering integers into columns
// ---------------------------------------------------------------------------------------------

/// Node columns being filled.
#[derive(Default)]
struct NodeColumns {
    node_type: Vec<u8>,
    name: Vec<u32>,
    id: Vec<u32>,
    self_size: Vec<u32>,
    first_edge: Vec<u32>,
    detachedness: Vec<u8>,
    /// Position within the current record, and values seen.
    field: usize,
    values: u64,
    edge_sum: u64,
    /// The largest name index and where it was, checked once strings are known.
    max_name: Option<(u32, u64)>,
}

#[derive(Default)]
struct EdgeColumns {
    name_or_index: Vec<u32>,
    /// Packed target and type ([`super::pack_edge`]).
    to: Vec<u32>,
    field: usize,
    values: u64,
    /// Current record, validated when complete.
    rec_type: u8,
    rec_to: u32,
    rec_name: u32,
    rec_name_offset: u64,
    max_string_name: Option<(u32, u64, u64)>,
}

fn reserve_count(count: u64, fields: usize, budget: Option<u64>) -> usize {
    // Each value takes at least two characters ("0,"), so a truthful header never asks for more
    // than the input can hold; a lying one must not make us allocate terabytes.
    let cap = budget.map(|b| b / (2 * fields.max(1) as u64)).unwrap_or(1 << 20);
    count.min(cap).min(1 << 31) as usize
}

impl NodeColumns {
    fn with_capacity(h: &Header, budget: Option<u64>) -> NodeColumns {
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

    fn length_error(&self, h: &Header, w: &Where, chunk: &UintChunk<'_>) -> Option<ReadError> {
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

    /// Scatters a chunk of `nodes` values into the columns. Whole records take the fast path
    /// (fields at fixed positions of the record); a record split across chunks (only possible
    /// in a malformed file) goes value by value.
    fn feed(&mut self, h: &Header, w: &Where, chunk: &UintChunk<'_>) -> Result<(), ReadError> {
        if let Some(e) = self.length_error(h, w, chunk) {
            return Err(e);
        }
        let nf = h.node_fields.len();
        let l = &h.node_layout;
        let whole = if self.field == 0 { chunk.values.len() / nf * nf } else { 0 };
        for (r, rec) in chunk.values[..whole].chunks_exact(nf).enumerate() {
            let at = |field: usize| chunk.offset_of(r * nf + field);
            let t = rec[l.type_at];
            let Some(&code) = h.node_type_map.get(t as usize) else {
                let node = self.values / nf as u64 + r as u64;
                return Err(
                    w.error_at(at(l.type_at), ReadErrorKind::NodeType { node, code: t, count: h.node_type_map.len() })
                );
            };
            self.node_type.push(code);
            let name = rec[l.name_at];
            if self.max_name.is_none_or(|(m, _)| name > m) {
                self.max_name = Some((name, at(l.name_at)));
            }
            self.name.push(name);
            self.id.push(rec[l.id_at]);
            self.self_size.push(rec[l.self_size_at]);
            self.first_edge.push(self.edge_sum as u32);
            self.edge_sum += u64::from(rec[l.edge_count_at]);
            if self.edge_sum > h.edge_count {
                return Err(w.error_at(
                    at(l.edge_count_at),
                    ReadErrorKind::EdgeCountMismatch { sum: self.edge_sum, edge_count: h.edge_count },
                ));
            }
            if let Some(d) = l.detachedness_at {
                self.detachedness.push(rec[d].min(255) as u8);
            }
        }
        self.values += whole as u64;
        for (i, &v) in chunk.values.iter().enumerate().skip(whole) {
            match h.node_fields[self.field] {
                NodeField::Type => {
                    let Some(&code) = h.node_type_map.get(v as usize) else {
                        return Err(w.error_at(
                            chunk.offset_of(i),
                            ReadErrorKind::NodeType {
                                node: self.values / nf as u64,
                                code: v,
                                count: h.node_type_map.len(),
                            },
                        ));
                    };
                    self.node_type.push(code);
                }
                NodeField::Name => {
                    if self.max_name.is_none_or(|(m, _)| v > m) {
                        self.max_name = Some((v, chunk.offset_of(i)));
                    }
                    self.name.push(v);
                }
                NodeField::Id => self.id.push(v),
                NodeField::SelfSize => self.self_size.push(v),
                NodeField::EdgeCount => {
                    self.first_edge.push(self.edge_sum as u32);
                    self.edge_sum += u64::from(v);
                    if self.edge_sum > h.edge_count {
                        return Err(w.error_at(
                            chunk.offset_of(i),
                            ReadErrorKind::EdgeCountMismatch { sum: self.edge_sum, edge_count: h.edge_count },
                        ));
                    }
                }
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
    fn with_capacity(h: &Header, budget: Option<u64>) -> EdgeColumns {
        let n = reserve_count(h.edge_count, h.edge_fields.len(), budget);
        EdgeColumns { name_or_index: Vec::with_capacity(n), to: Vec::with_capacity(n), ..EdgeColumns::default() }
    }

    /// Scatters a chunk of `edges` values: targets become ordinals, checked against the node
    /// count and the field count; type codes become canonical; the largest string-name index is
    /// remembered for the check against the strings section.
    fn feed(&mut self, h: &Header, w: &Where, chunk: &UintChunk<'_>) -> Result<(), ReadError> {
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
                    let Some(&code) = h.edge_type_map.get(v as usize) else {
                        return Err(w.error_at(
                            chunk.offset_of(i),
                            ReadErrorKind::EdgeType { edge, code: v, count: h.edge_type_map.len() },
                        ));
                    };
                    self.rec_type = code;
                }
                EdgeField::NameOrIndex => {
                    self.rec_name = v;
                    self.rec_name_offset = chunk.offset_of(i);
                    self.name_or_index.push(v);
                }
                EdgeField::ToNode => self.rec_to = target(h, w, chunk.offset_of(i), edge, v, nf)?,
                EdgeField::Other => {}
            }
            self.values += 1;
            self.field += 1;
            if self.field == ef {
                self.field = 0;
                self.to.push(super::pack_edge(self.rec_to, self.rec_type));
                let named = super::types::EdgeType(self.rec_type).has_string_name();
                if named && self.max_string_name.is_none_or(|(m, _, _)| self.rec_name > m) {
                    self.max_string_name = Some((self.rec_name, self.rec_name_offset, edge));
                }
            }
        }
        Ok(())
    }

    /// The fast path over whole records; `NF` is the node field count (0: not a constant).
    fn feed_records<const NF: u64>(
        &mut self,
        h: &Header,
        w: &Where,
        chunk: &UintChunk<'_>,
        whole: usize,
    ) -> Result<(), ReadError> {
        let ef = h.edge_fields.len();
        let nf = if NF == 0 { h.node_fields.len() as u64 } else { NF };
        let l = &h.edge_layout;
        let node_count = h.node_count;
        let first_edge = self.values / ef as u64;
        for (r, rec) in chunk.values[..whole].chunks_exact(ef).enumerate() {
            let edge = first_edge + r as u64;
            let t = rec[l.type_at];
            let Some(&code) = h.edge_type_map.get(t as usize) else {
                return Err(w.error_at(
                    chunk.offset_of(r * ef + l.type_at),
                    ReadErrorKind::EdgeType { edge, code: t, count: h.edge_type_map.len() },
                ));
            };
            let name = rec[l.name_at];
            let to = u64::from(rec[l.to_at]);
            let ordinal = to / nf;
            if ordinal * nf != to || ordinal >= node_count {
                return Err(target(h, w, chunk.offset_of(r * ef + l.to_at), edge, rec[l.to_at], nf)
                    .err()
                    .unwrap_or_else(|| {
                        w.error_at(
                            chunk.offset_of(r * ef + l.to_at),
                            ReadErrorKind::EdgeTargetOutOfRange { edge, to_node: rec[l.to_at], node_count },
                        )
                    }));
            }
            if h.named_edge_type[code as usize] && self.max_string_name.is_none_or(|(m, _, _)| name > m) {
                self.max_string_name = Some((name, chunk.offset_of(r * ef + l.name_at), edge));
            }
            self.name_or_index.push(name);
            self.to.push(super::pack_edge(ordinal as u32, code));
        }
        self.values += whole as u64;
        Ok(())
    }
}

/// Checks an edge's `to_node` and returns the target's ordinal.
fn target(h: &Header, w: &Where, offset: u64, edge: u64, v: u32, nf: u64) -> Result<u32, ReadError> {
    if u64::from(v) % nf != 0 {
        return Err(
            w.error_at(offset, ReadErrorKind::EdgeTargetMisaligned { edge, to_node: v, field_count: nf as usize })
        );
    }
    let ordinal = u64::from(v) / nf;
    if ordinal >= h.node_count {
        return Err(
            w.error_at(offset, ReadErrorKind::EdgeTargetOutOfRange { edge, to_node: v, node_count: h.node_count })
        );
    }
    Ok(ordinal as u32)
}

fn scatter_locations(h: &Header, raw: &[u32]) -> Vec<Location> {
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

// ---------------------------------------------------------------------------------------------
// The top level
// ---------------------------------------------------------------------------------------------

/// A section read before the header could say how to split it.
enum Pending {
    None,
    Raw { values: Vec<u32>, offset: u64 },
}

fn read_raw<R: Read>(lx: &mut Lexer<R>, ctx: &Context<'_>) -> Result<(Vec<u32>, u64), ReadError> {
    let offset = lx.offset();
    let mut values = Vec::new();
    lx.uint_array(
        1 << 14,
        &mut |_, c| {
            values.extend_from_slice(c.values);
            Ok(())
        },
        &mut |w| ctx.tick(w),
    )?;
    Ok((values, offset))
}

fn parse<R: Read>(
    lx: &mut Lexer<R>,
    ctx: &Context<'_>,
    budget: Option<u64>,
    mut ahead: Option<&mut Ahead<'_>>,
) -> Result<HeapSnapshot, ReadError> {
    // Set when the helper thread parses `edges`: its result is collected at the end.
    let mut edges_from_helper = false;
    ctx.progress.report(Phase::Reading, 0.0);
    let started = std::time::Instant::now();
    match lx.peek_token()? {
        None => return Err(lx.error(ReadErrorKind::Empty)),
        Some(b'{') => {}
        Some(b) => {
            let found = if b.is_ascii_graphic() { format!("'{}'", b as char) } else { format!("byte 0x{b:02x}") };
            return Err(lx.error(ReadErrorKind::NotJson { found }));
        }
    }
    lx.expect(b'{', "'{'")?;

    let mut header: Option<Header> = None;
    let mut nodes: Option<NodeColumns> = None;
    let mut edges: Option<EdgeColumns> = None;
    let mut pending_nodes = Pending::None;
    let mut pending_edges = Pending::None;
    let mut locations_raw: Option<Vec<u32>> = None;
    let mut strings: Option<StringTable> = None;
    let mut nodes_end = 0u64;
    let mut edges_end = 0u64;
    let mut seen_keys: Vec<String> = Vec::new();
    let mut key_bytes = Vec::new();
    let mut scratch = Vec::new();

    if lx.peek_token()? == Some(b'}') {
        lx.bump();
    } else {
        loop {
            lx.section = Section::TopLevel;
            lx.skip_ws()?;
            let key_offset = lx.offset();
            lx.string(&mut key_bytes)?;
            let key = String::from_utf8_lossy(&key_bytes).into_owned();
            lx.expect(b':', "':' after a key")?;
            if seen_keys.contains(&key) {
                return Err(lx.error(ReadErrorKind::DuplicateSection(key)));
            }
            match key.as_str() {
                "snapshot" => {
                    lx.section = Section::Header;
                    let start = lx.offset();
                    lx.capture_value(HEADER_LIMIT, &mut scratch)?;
                    let raw: RawHeader = serde_json::from_slice(&scratch)
                        .map_err(|e| lx.error_at(start, header_error(e.to_string())))?;
                    let h = resolve_header(raw).map_err(|k| lx.error_at(start, k))?;
                    // Sections that came first can be split now.
                    if let Pending::Raw { values, offset } = std::mem::replace(&mut pending_nodes, Pending::None) {
                        lx.section = Section::Nodes;
                        let mut cols = NodeColumns::with_capacity(&h, budget);
                        let offsets = vec![0u32; values.len()];
                        cols.feed(&h, &lx.here(), &UintChunk { values: &values, offsets: &offsets, base: offset })?;
                        nodes = Some(cols);
                    }
                    if let Pending::Raw { values, offset } = std::mem::replace(&mut pending_edges, Pending::None) {
                        lx.section = Section::Edges;
                        let mut cols = EdgeColumns::with_capacity(&h, budget);
                        let offsets = vec![0u32; values.len()];
                        cols.feed(&h, &lx.here(), &UintChunk { values: &values, offsets: &offsets, base: offset })?;
                        edges = Some(cols);
                    }
                    header = Some(h);
                }
                "nodes" => {
                    lx.section = Section::Nodes;
                    if let Some(h) = &header {
                        let mut cols = NodeColumns::with_capacity(h, budget);
                        let chunk = (1 << 14) / h.node_fields.len() * h.node_fields.len();
                        lx.uint_array(chunk, &mut |w, c| cols.feed(h, w, &c), &mut |w| ctx.tick(w))?;
                        nodes = Some(cols);
                    } else {
                        let (values, offset) = read_raw(lx, ctx)?;
                        pending_nodes = Pending::Raw { values, offset };
                    }
                    nodes_end = lx.offset();
                }
                "edges" => {
                    lx.section = Section::Edges;
                    let helper_here =
                        header.is_some() && ahead.as_ref().is_some_and(|a| a.found.wait() == Some(key_offset));
                    if helper_here {
                        // The helper parses (and checks) these bytes; skip them and go on.
                        lx.skip_number_array()?;
                        edges_from_helper = true;
                    } else if let Some(h) = &header {
                        let mut cols = EdgeColumns::with_capacity(h, budget);
                        let chunk = (1 << 14) / h.edge_fields.len() * h.edge_fields.len();
                        lx.uint_array(chunk, &mut |w, c| cols.feed(h, w, &c), &mut |w| ctx.tick(w))?;
                        edges = Some(cols);
                    } else {
                        let (values, offset) = read_raw(lx, ctx)?;
                        pending_edges = Pending::Raw { values, offset };
                    }
                    edges_end = lx.offset();
                }
                "strings" => {
                    lx.section = Section::Strings;
                    let mut table = StringTable::new();
                    lx.string_array(
                        &mut |w, s| {
                            table.push(s).map(|_| ()).map_err(|_| {
                                w.error(ReadErrorKind::TooLarge("the strings add up to over 4 GiB".into()))
                            })
                        },
                        &mut |w| ctx.tick(w),
                    )?;
                    table.shrink_to_fit();
                    strings = Some(table);
                }
                "locations" => {
                    lx.section = Section::Locations;
                    let (values, _) = read_raw(lx, ctx)?;
                    locations_raw = Some(values);
                }
                _ => {
                    lx.section = Section::Other(key.clone());
                    lx.skip_value()?;
                }
            }
            if std::env::var_os("HEAPSCOPE_TRACE").is_some() {
                eprintln!(
                    "[read] {key} done at {:.3}s, byte {}, rss {} MB",
                    started.elapsed().as_secs_f64(),
                    lx.offset(),
                    crate::bench::rss_bytes() >> 20
                );
            }
            seen_keys.push(key);
            lx.section = Section::TopLevel;
            match lx.peek_token()? {
                Some(b',') => lx.bump(),
                Some(b'}') => {
                    lx.bump();
                    break;
                }
                found => return Err(lx.syntax("',' or '}' after a top-level value", found)),
            }
        }
    }
    lx.section = Section::TopLevel;
    if let Some(b) = lx.peek_token()? {
        return Err(lx.syntax("the end of the file after the top-level object", Some(b)));
    }
    let end = lx.offset();

    if edges_from_helper && let Some(a) = ahead.as_mut() {
        match a.take() {
            Some(EdgesAhead { result: Ok((cols, end)), .. }) => {
                edges = Some(cols);
                edges_end = end;
            }
            Some(EdgesAhead { result: Err(e), .. }) => return Err(e),
            None => {
                return Err(
                    lx.error_at(end, ReadErrorKind::Io(std::io::Error::other("the edges reader thread failed")))
                );
            }
        }
    }
    let missing = |name: &'static str| lx.error_at(end, ReadErrorKind::MissingSection(name));
    let h = header.ok_or_else(|| missing("snapshot"))?;
    let mut nodes = nodes.ok_or_else(|| missing("nodes"))?;
    let edges = edges.ok_or_else(|| missing("edges"))?;
    let strings = strings.ok_or_else(|| missing("strings"))?;

    // Whole-array checks.
    let nf = h.node_fields.len() as u64;
    let ef = h.edge_fields.len() as u64;
    if nodes.values != h.node_count * nf {
        lx.section = Section::Nodes;
        return Err(lx.error_at(
            nodes_end,
            ReadErrorKind::ArrayLength {
                what: format!("node_count {} × {} node fields", h.node_count, nf),
                expected: h.node_count * nf,
                found: nodes.values,
            },
        ));
    }
    if edges.values != h.edge_count * ef {
        lx.section = Section::Edges;
        return Err(lx.error_at(
            edges_end,
            ReadErrorKind::ArrayLength {
                what: format!("edge_count {} × {} edge fields", h.edge_count, ef),
                expected: h.edge_count * ef,
                found: edges.values,
            },
        ));
    }
    if nodes.edge_sum != h.edge_count {
        lx.section = Section::Nodes;
        return Err(
            lx.error_at(nodes_end, ReadErrorKind::EdgeCountMismatch { sum: nodes.edge_sum, edge_count: h.edge_count })
        );
    }
    nodes.first_edge.push(nodes.edge_sum as u32);
    if let Some((index, offset)) = nodes.max_name
        && index as usize >= strings.len()
    {
        lx.section = Section::Nodes;
        return Err(
            lx.error_at(offset, ReadErrorKind::StringIndex { what: "a node name".into(), index, count: strings.len() })
        );
    }
    if let Some((index, offset, edge)) = edges.max_string_name
        && index as usize >= strings.len()
    {
        lx.section = Section::Edges;
        return Err(lx.error_at(
            offset,
            ReadErrorKind::StringIndex { what: format!("edge {edge} name"), index, count: strings.len() },
        ));
    }
    if h.root_index % nf != 0 || h.root_index / nf >= h.node_count.max(1) || h.node_count == 0 {
        lx.section = Section::Header;
        let kind = if h.node_count == 0 {
            ReadErrorKind::Header("the snapshot has no nodes".into())
        } else {
            ReadErrorKind::RootIndex(h.root_index)
        };
        return Err(lx.error_at(0, kind));
    }
    let locations = locations_raw.map(|raw| scatter_locations(&h, &raw)).unwrap_or_default();
    ctx.progress.report(Phase::Reading, 1.0);

    Ok(HeapSnapshot {
        node_types: h.node_types,
        edge_types: h.edge_types,
        node_type: nodes.node_type,
        node_name: nodes.name,
        node_id: nodes.id,
        node_self_size: nodes.self_size,
        first_edge: nodes.first_edge,
        node_detachedness: nodes.detachedness,
        edge_name_or_index: edges.name_or_index,
        edge_to_and_type: edges.to,
        strings,
        locations,
        root: (h.root_index / nf) as u32,
        node_field_count: nf as u32,
        edge_field_count: ef as u32,
        extra_native_bytes: h.extra_native_bytes,
        title: h.title,
    })
}
