//! The index file's layout, its writer and its validating reader.
//!
//! ```text
//! header (64 bytes)   magic "HSINDEX\0", format version, section count, snapshot size,
//!                     mtime (s, ns), CRC-32 of the snapshot's first 1 MiB and last 64 KiB,
//!                     key path length, index file length, header CRC-32
//! key path            the snapshot's canonical path (UTF-8 or raw OS bytes), padded to 8
//! section table       per section 32 bytes: kind, element size, offset, length, CRC-32
//! sections            each 8-byte aligned, in table order, not overlapping: raw little-endian
//!                     columns, or JSON for the few small structures (`Meta`)
//! ```
//!
//! Everything is little-endian; the index is not used on big-endian hosts (see
//! [`super::IndexOptions`]). The reader reads the file's bytes in place (a read-only mapping, or
//! a copy in memory: [`SharedBytes`]), and the big columns of the [`Analysis`] it returns are
//! views into them ([`Column`]); only retained sizes (widened to 64 bits), the bit sets, class
//! names and Summary rows are copied. It trusts nothing: the header's CRC covers the header, the
//! key and the table; each section has its own CRC, checked before it is used; every length is
//! checked against the file's length before anything is allocated or viewed (so the allocations
//! of a read add up to at most the file's length); and after the CRCs, every column is checked against the invariants
//! the analysis indexes by (edge targets, string and class indexes, offsets, a dominator tree
//! whose chains all end at the root), so even a file whose checksums were forged gives an error,
//! never a panic, a hang or a wrong-length column.

use std::io::{Seek, SeekFrom, Write};

use serde::{Deserialize, Serialize};

use crate::analysis::aggregates::{Aggregates, ClassAggregate};
use crate::analysis::bits::BitVec;
use crate::analysis::classes::{ClassInfo, Classification, InterfaceDefinition};
use crate::analysis::domstate::DomState;
use crate::analysis::retainers::Retainers;
use crate::analysis::{Analysis, Statistics};
use crate::snapshot::types::{EDGE_TYPE_NAMES, NODE_TYPE_NAMES};
use crate::snapshot::{
    Column, EdgePacking, EdgeType, HeapSnapshot, Location, MAX_EDGE_TYPES, SharedBytes, StringTable, Text, TypeTable,
};

use super::SnapshotKey;

/// The file's first eight bytes.
pub const MAGIC: [u8; 8] = *b"HSINDEX\0";
/// Raised whenever the layout or the meaning of a section changes: an index of another version
/// is ignored and rebuilt.
pub const VERSION: u32 = 2;
// 2: edge type codes packed in as few top bits as the file's declared types need
// (`EdgePacking`), not always 4.
const HEADER_LEN: usize = 64;
/// No index is shorter than its header (an empty file is not mapped).
pub const MIN_LEN: u64 = HEADER_LEN as u64;
const ENTRY_LEN: usize = 32;
/// More than the sections this version writes; a bound for a corrupt count.
const MAX_SECTIONS: u32 = 64;
const MAX_PATH_LEN: u32 = 1 << 16;

/// Why an index file was not used. Every case means "ignore it and rebuild".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    #[error("cannot read the index: {0}")]
    Io(#[from] std::io::Error),
    #[error("not an index file (bad magic)")]
    NotAnIndex,
    #[error("index format version {found}, this build reads {VERSION}")]
    Version { found: u32 },
    #[error("the index is of another snapshot, or of an older version of this one")]
    Stale,
    #[error("the index is truncated or has trailing bytes")]
    Truncated,
    #[error("the index is corrupt: checksum mismatch in {0}")]
    Checksum(&'static str),
    #[error("the index is invalid: {0}")]
    Invalid(&'static str),
}

/// What a section holds. The numbers are part of the format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
enum Kind {
    Meta = 1,
    NodeType,
    NodeName,
    NodeId,
    FirstEdge,
    EdgeNameOrIndex,
    EdgeToAndType,
    StringBytes,
    StringEnds,
    Locations,
    Detachedness,
    Renamed,
    PageOwned,
    FirstRetainer,
    RetainerNode,
    RetainerEssential,
    SelfSize,
    Distance,
    Dominator,
    /// Retained sizes saturated to 32 bits; the few larger ones are in `RetainedOverflow`.
    RetainedSize,
    /// `(node, retained size)` pairs, as two `u64`s each, for sizes of 4 GiB − 1 and more.
    RetainedOverflow,
    ClassOf,
    ClassNameBytes,
    ClassNameEnds,
    ClassKeyBytes,
    ClassKeyEnds,
    RowClass,
    RowCount,
    RowDistance,
    RowSelfSize,
    RowRetainedSize,
}

/// Every kind, in the order the writer writes them; the reader requires each exactly once.
const KINDS: [Kind; 31] = [
    Kind::Meta,
    Kind::NodeType,
    Kind::NodeName,
    Kind::NodeId,
    Kind::FirstEdge,
    Kind::EdgeNameOrIndex,
    Kind::EdgeToAndType,
    Kind::StringBytes,
    Kind::StringEnds,
    Kind::Locations,
    Kind::Detachedness,
    Kind::Renamed,
    Kind::PageOwned,
    Kind::FirstRetainer,
    Kind::RetainerNode,
    Kind::RetainerEssential,
    Kind::SelfSize,
    Kind::Distance,
    Kind::Dominator,
    Kind::RetainedSize,
    Kind::RetainedOverflow,
    Kind::ClassOf,
    Kind::ClassNameBytes,
    Kind::ClassNameEnds,
    Kind::ClassKeyBytes,
    Kind::ClassKeyEnds,
    Kind::RowClass,
    Kind::RowCount,
    Kind::RowDistance,
    Kind::RowSelfSize,
    Kind::RowRetainedSize,
];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Meta => "meta",
            Kind::NodeType => "node types",
            Kind::NodeName => "node names",
            Kind::NodeId => "node ids",
            Kind::FirstEdge => "first edges",
            Kind::EdgeNameOrIndex => "edge names",
            Kind::EdgeToAndType => "edge targets",
            Kind::StringBytes => "string text",
            Kind::StringEnds => "string ends",
            Kind::Locations => "locations",
            Kind::Detachedness => "detachedness",
            Kind::Renamed => "renamed",
            Kind::PageOwned => "page owned",
            Kind::FirstRetainer => "first retainers",
            Kind::RetainerNode => "retainer nodes",
            Kind::RetainerEssential => "essential retainers",
            Kind::SelfSize => "self sizes",
            Kind::Distance => "distances",
            Kind::Dominator => "dominators",
            Kind::RetainedSize => "retained sizes",
            Kind::RetainedOverflow => "large retained sizes",
            Kind::ClassOf => "classes of nodes",
            Kind::ClassNameBytes => "class names",
            Kind::ClassNameEnds => "class name ends",
            Kind::ClassKeyBytes => "class keys",
            Kind::ClassKeyEnds => "class key ends",
            Kind::RowClass => "summary classes",
            Kind::RowCount => "summary counts",
            Kind::RowDistance => "summary distances",
            Kind::RowSelfSize => "summary self sizes",
            Kind::RowRetainedSize => "summary retained sizes",
        }
    }
}

/// The small structures, as JSON (a few KB; columns are raw).
#[derive(Serialize, Deserialize)]
struct Meta {
    node_count: u64,
    edge_count: u64,
    node_types: Vec<String>,
    edge_types: Vec<String>,
    edge_type_codes: Vec<u8>,
    edge_type_code_count: u8,
    root: u32,
    node_field_count: u32,
    edge_field_count: u32,
    extra_native_bytes: Option<u64>,
    /// Absent (0) in an index written before it was kept: read only by a first load's analysis.
    #[serde(default)]
    json_bytes: u64,
    title: String,
    interface_definitions: Vec<InterfaceDefinition>,
    statistics: Statistics,
    problems: Vec<String>,
}

/// One section table entry.
#[derive(Clone, Copy, Debug)]
struct Entry {
    kind: u32,
    element_size: u32,
    offset: u64,
    len: u64,
    crc: u32,
}

/// The fixed header fields that identify the snapshot.
fn key_fields(key: &SnapshotKey) -> [u8; 32] {
    let mut b = [0u8; 32];
    b[0..8].copy_from_slice(&key.size.to_le_bytes());
    b[8..16].copy_from_slice(&key.mtime_secs.to_le_bytes());
    b[16..20].copy_from_slice(&key.mtime_nanos.to_le_bytes());
    b[20..24].copy_from_slice(&key.head_crc.to_le_bytes());
    b[24..28].copy_from_slice(&key.tail_crc.to_le_bytes());
    b[28..32].copy_from_slice(&(key.path_bytes().len() as u32).to_le_bytes());
    b
}

fn pad8(n: u64) -> u64 {
    n.div_ceil(8) * 8
}

/// Writes sections one after another, each 8-byte aligned, hashing as it goes.
struct SectionWriter<W: Write> {
    out: W,
    pos: u64,
    entries: Vec<Entry>,
}

impl<W: Write> SectionWriter<W> {
    fn bytes(&mut self, kind: Kind, element_size: u32, data: &[u8]) -> std::io::Result<()> {
        let padding = pad8(self.pos) - self.pos;
        self.out.write_all(&[0u8; 8][..padding as usize])?;
        self.pos += padding;
        let mut crc = crc32fast::Hasher::new();
        // In slices of 8 MiB, so hashing overlaps the kernel's copying of the previous one.
        for chunk in data.chunks(8 << 20) {
            crc.update(chunk);
            self.out.write_all(chunk)?;
        }
        self.entries.push(Entry {
            kind: kind as u32,
            element_size,
            offset: self.pos,
            len: data.len() as u64,
            crc: crc.finalize(),
        });
        self.pos += data.len() as u64;
        Ok(())
    }

    fn column<T: bytemuck::Pod>(&mut self, kind: Kind, data: &[T]) -> std::io::Result<()> {
        self.bytes(kind, std::mem::size_of::<T>() as u32, bytemuck::cast_slice(data))
    }

    /// [`SectionWriter::column`] of a column the analysis may have spilled to a file: its pages,
    /// read back in to be written, are let go again (else writing the index after a first open
    /// would bring every spilled column back: 1.13× a 1 GB file at the peak instead of 0.90×).
    fn spilled_column<T: bytemuck::Pod>(&mut self, kind: Kind, data: &Column<T>) -> std::io::Result<()> {
        self.column(kind, data)?;
        data.release_resident_pages();
        Ok(())
    }
}

/// Ends of each string in `strings`, and their text back to back.
fn string_list<'a>(strings: impl Iterator<Item = &'a str>) -> (String, Vec<u32>) {
    let mut text = String::new();
    let mut ends = Vec::new();
    for s in strings {
        text.push_str(s);
        ends.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
    }
    (text, ends)
}

/// Writes `analysis` as an index of the snapshot `key` names. `out` starts at offset 0 (the
/// header is written last, once the checksums are known).
pub fn write<W: Write + Seek>(analysis: &Analysis, key: &SnapshotKey, out: W) -> std::io::Result<()> {
    let path = key.path_bytes();
    if path.len() as u64 > u64::from(MAX_PATH_LEN) {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "path too long for an index key"));
    }
    let table_start = HEADER_LEN as u64 + pad8(path.len() as u64);
    let data_start = table_start + (KINDS.len() * ENTRY_LEN) as u64;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    out.seek(SeekFrom::Start(data_start))?;
    let mut w = SectionWriter { out, pos: data_start, entries: Vec::with_capacity(KINDS.len()) };

    let a = analysis;
    let s = &a.snapshot;
    let meta = Meta {
        node_count: s.node_count() as u64,
        edge_count: s.edge_count() as u64,
        node_types: s.node_types.names().to_vec(),
        edge_types: s.edge_types.names().to_vec(),
        edge_type_codes: s.edge_type_codes.to_vec(),
        edge_type_code_count: s.edge_type_code_count,
        root: s.root,
        node_field_count: s.node_field_count,
        edge_field_count: s.edge_field_count,
        extra_native_bytes: s.extra_native_bytes,
        json_bytes: s.json_bytes,
        title: s.title.clone(),
        interface_definitions: a.interface_definitions.clone(),
        statistics: a.statistics.clone(),
        problems: a.problems.clone(),
    };
    let meta = serde_json::to_vec(&meta).map_err(std::io::Error::other)?;
    w.bytes(Kind::Meta, 1, &meta)?;
    w.column(Kind::NodeType, &s.node_type)?;
    w.spilled_column(Kind::NodeName, &s.node_name)?;
    w.spilled_column(Kind::NodeId, &s.node_id)?;
    w.column(Kind::FirstEdge, &s.first_edge)?;
    w.spilled_column(Kind::EdgeNameOrIndex, &s.edge_name_or_index)?;
    w.column(Kind::EdgeToAndType, &s.edge_to_and_type)?;
    let (text, ends) = s.strings.parts();
    w.bytes(Kind::StringBytes, 1, text.as_bytes())?;
    w.column(Kind::StringEnds, ends)?;
    // Four `u32`s a location (`Location` is `repr(C)`).
    w.bytes(Kind::Locations, 4, bytemuck::cast_slice(&s.locations))?;
    w.column(Kind::Detachedness, &a.dom.detachedness)?;
    w.column(Kind::Renamed, a.dom.renamed.words())?;
    w.column(Kind::PageOwned, a.page_owned.words())?;
    w.column(Kind::FirstRetainer, &a.retainers.first_retainer)?;
    w.spilled_column(Kind::RetainerNode, &a.retainers.retainer_node)?;
    w.column(Kind::RetainerEssential, a.retainers.essential.words())?;
    w.spilled_column(Kind::SelfSize, &a.self_size)?;
    w.spilled_column(Kind::Distance, &a.distance)?;
    w.column(Kind::Dominator, &a.dominator)?;
    // Retained sizes in 32 bits: half the bytes; only roots and giant containers pass 4 GiB.
    let saturated: Vec<u32> = a.retained_size.iter().map(|&r| crate::analysis::saturated(r)).collect();
    w.column(Kind::RetainedSize, &saturated)?;
    drop(saturated);
    let overflow: Vec<u64> = (a.retained_size.iter().enumerate())
        .filter(|&(_, &r)| r >= u64::from(u32::MAX))
        .flat_map(|(n, &r)| [n as u64, r])
        .collect();
    w.column(Kind::RetainedOverflow, &overflow)?;
    w.column(Kind::ClassOf, &a.classes.class_of)?;
    let (names, name_ends) = string_list(a.classes.classes.iter().map(|c| c.name.as_str()));
    w.bytes(Kind::ClassNameBytes, 1, names.as_bytes())?;
    w.column(Kind::ClassNameEnds, &name_ends)?;
    let (keys, key_ends) = string_list(a.classes.classes.iter().map(|c| c.key.as_str()));
    w.bytes(Kind::ClassKeyBytes, 1, keys.as_bytes())?;
    w.column(Kind::ClassKeyEnds, &key_ends)?;
    let rows = &a.aggregates.rows;
    w.column(Kind::RowClass, &rows.iter().map(|r| r.class).collect::<Vec<u32>>())?;
    w.column(Kind::RowCount, &rows.iter().map(|r| r.count).collect::<Vec<u32>>())?;
    w.column(Kind::RowDistance, &rows.iter().map(|r| r.distance).collect::<Vec<i32>>())?;
    w.column(Kind::RowSelfSize, &rows.iter().map(|r| r.self_size).collect::<Vec<u64>>())?;
    w.column(Kind::RowRetainedSize, &rows.iter().map(|r| r.retained_size).collect::<Vec<u64>>())?;

    let SectionWriter { out, pos: file_len, entries } = w;
    let mut out = out.into_inner().map_err(|e| e.into_error())?;
    let mut head = Vec::with_capacity(data_start as usize);
    head.extend_from_slice(&MAGIC);
    head.extend_from_slice(&VERSION.to_le_bytes());
    head.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    head.extend_from_slice(&key_fields(key));
    head.extend_from_slice(&file_len.to_le_bytes());
    head.extend_from_slice(&[0u8; 8]); // header CRC (below) and padding
    head.extend_from_slice(path);
    head.resize(table_start as usize, 0);
    for e in &entries {
        head.extend_from_slice(&e.kind.to_le_bytes());
        head.extend_from_slice(&e.element_size.to_le_bytes());
        head.extend_from_slice(&e.offset.to_le_bytes());
        head.extend_from_slice(&e.len.to_le_bytes());
        head.extend_from_slice(&e.crc.to_le_bytes());
        head.extend_from_slice(&[0u8; 4]);
    }
    let crc = header_crc(&head);
    head[56..60].copy_from_slice(&crc.to_le_bytes());
    out.seek(SeekFrom::Start(0))?;
    out.write_all(&head)?;
    out.flush()
}

/// CRC-32 of the header, key and table, with the CRC field itself taken as zero.
fn header_crc(head: &[u8]) -> u32 {
    let mut crc = crc32fast::Hasher::new();
    crc.update(&head[..56]);
    crc.update(&[0u8; 4]);
    crc.update(&head[60..]);
    crc.finalize()
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(w)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// Recomputes every checksum of an index in memory, so that a fuzzer's mutations reach the
/// structural checks behind them (a mutated file nearly always fails a checksum first). Leaves
/// bytes it cannot make sense of alone.
pub fn reseal(bytes: &mut [u8]) {
    if bytes.len() < HEADER_LEN {
        return;
    }
    let count = u32_at(bytes, 12).min(MAX_SECTIONS) as usize;
    let path_len = u32_at(bytes, 44) as u64;
    let table_start = HEADER_LEN as u64 + pad8(path_len);
    let table_end = table_start + (count * ENTRY_LEN) as u64;
    if table_end > bytes.len() as u64 {
        return;
    }
    for i in 0..count {
        let at = table_start as usize + i * ENTRY_LEN;
        let (offset, len) = (u64_at(bytes, at + 8), u64_at(bytes, at + 16));
        if let Some(data) = offset.checked_add(len).filter(|&end| end <= bytes.len() as u64).map(|end| {
            let crc = crc32fast::hash(&bytes[offset as usize..end as usize]);
            crc.to_le_bytes()
        }) {
            bytes[at + 24..at + 28].copy_from_slice(&data);
        }
    }
    let crc = header_crc(&bytes[..table_end as usize]);
    bytes[56..60].copy_from_slice(&crc.to_le_bytes());
}

/// Reads and checks the header and the section table; returns the entries by kind (in
/// [`KINDS`] order).
fn read_table(bytes: &[u8], key: &SnapshotKey) -> Result<Vec<Entry>, IndexError> {
    let file_len = bytes.len() as u64;
    let header = bytes.get(..HEADER_LEN).ok_or(IndexError::Truncated)?;
    if header[..8] != MAGIC {
        return Err(IndexError::NotAnIndex);
    }
    let version = u32_at(header, 8);
    if version != VERSION {
        return Err(IndexError::Version { found: version });
    }
    let count = u32_at(header, 12);
    let path_len = u32_at(header, 44);
    if count > MAX_SECTIONS || path_len > MAX_PATH_LEN {
        return Err(IndexError::Invalid("header"));
    }
    if u64_at(header, 48) != file_len {
        return Err(IndexError::Truncated);
    }
    let table_start = HEADER_LEN as u64 + pad8(u64::from(path_len));
    let table_end = table_start + u64::from(count) * ENTRY_LEN as u64;
    if table_end > file_len {
        return Err(IndexError::Truncated);
    }
    let head = &bytes[..table_end as usize];
    if u32_at(head, 56) != header_crc(head) {
        return Err(IndexError::Checksum("header"));
    }
    if head[16..48] != key_fields(key) || &head[HEADER_LEN..HEADER_LEN + path_len as usize] != key.path_bytes() {
        return Err(IndexError::Stale);
    }
    let mut entries = Vec::with_capacity(KINDS.len());
    let mut end_of_previous = table_end;
    for (i, &kind) in KINDS.iter().enumerate() {
        if i >= count as usize {
            return Err(IndexError::Invalid("missing section"));
        }
        let at = table_start as usize + i * ENTRY_LEN;
        let e = Entry {
            kind: u32_at(head, at),
            element_size: u32_at(head, at + 4),
            offset: u64_at(head, at + 8),
            len: u64_at(head, at + 16),
            crc: u32_at(head, at + 24),
        };
        if e.kind != kind as u32 {
            return Err(IndexError::Invalid("section order"));
        }
        // In order, aligned, not overlapping, inside the file: the sections' allocations add up
        // to at most the file's length.
        let end = e.offset.checked_add(e.len).ok_or(IndexError::Invalid("section length"))?;
        if e.offset < end_of_previous || !e.offset.is_multiple_of(8) {
            return Err(IndexError::Invalid("section offset"));
        }
        if end > file_len {
            return Err(IndexError::Truncated);
        }
        end_of_previous = end;
        entries.push(e);
    }
    if count as usize != KINDS.len() {
        return Err(IndexError::Invalid("unknown section"));
    }
    Ok(entries)
}

/// Reads sections as views into the index's bytes (a mapping, or a copy in memory): nothing is
/// copied except the few columns the reader rebuilds (retained sizes in 64 bits, class names).
struct SectionReader<'a> {
    bytes: &'a SharedBytes,
    entries: &'a [Entry],
}

impl SectionReader<'_> {
    fn entry(&self, kind: Kind) -> Entry {
        // `read_table` returned one entry per kind, in KINDS order.
        self.entries[KINDS.iter().position(|&k| k == kind).unwrap_or(0)]
    }

    /// The section as a column of `T`, its checksum checked. `expected`: the element count it
    /// must have, if known.
    fn column<T: bytemuck::Pod>(&self, kind: Kind, expected: Option<usize>) -> Result<Column<T>, IndexError> {
        self.records(kind, expected, std::mem::size_of::<T>() as u32)
    }

    /// [`SectionReader::column`] of a section whose table entry gives the size of the record's
    /// fields (`element_size`), not of the record `T`.
    fn records<T: bytemuck::Pod>(
        &self,
        kind: Kind,
        expected: Option<usize>,
        element_size: u32,
    ) -> Result<Column<T>, IndexError> {
        let e = self.entry(kind);
        let size = std::mem::size_of::<T>() as u64;
        if e.element_size != element_size || !e.len.is_multiple_of(size) {
            return Err(IndexError::Invalid(kind.name()));
        }
        let count = (e.len / size) as usize;
        if expected.is_some_and(|n| n != count) {
            return Err(IndexError::Invalid(kind.name()));
        }
        // Inside the file and 8-byte aligned (checked in `read_table`); its checksum is
        // `verify_checksums`' (see `read`).
        let range = e.offset as usize..(e.offset + e.len) as usize;
        self.bytes.column(range).ok_or(IndexError::Invalid(kind.name()))
    }

    fn text(&self, kind: Kind) -> Result<Text, IndexError> {
        Text::new(self.column::<u8>(kind, None)?).ok_or(IndexError::Invalid(kind.name()))
    }
}

/// With `HEAPSCOPE_TRACE` set, when each step of a read ended (as the analysis passes say theirs).
struct Trace(Option<std::time::Instant>);

impl Trace {
    fn new() -> Trace {
        Trace(std::env::var_os("HEAPSCOPE_TRACE").is_some().then(std::time::Instant::now))
    }

    fn mark(&self, what: &str) {
        if let Some(start) = self.0 {
            eprintln!(
                "[index] {what} done at {:.3}s, rss {} MB",
                start.elapsed().as_secs_f64(),
                crate::rss::rss_bytes() >> 20
            );
        }
    }
}

fn invalid(what: &'static str) -> IndexError {
    IndexError::Invalid(what)
}

/// `offsets` has `count + 1` entries, starts at 0, never decreases and ends at `total`.
fn check_offsets(offsets: &[u32], total: usize, what: &'static str) -> Result<(), IndexError> {
    let ordered = offsets.windows(2).all(|w| w[0] <= w[1]);
    let bounds = offsets.first() == Some(&0) && offsets.last().map(|&l| l as usize) == Some(total);
    if ordered && bounds { Ok(()) } else { Err(invalid(what)) }
}

fn check_below(column: &[u32], bound: usize, what: &'static str) -> Result<(), IndexError> {
    let max = column.iter().copied().max().unwrap_or(0);
    if column.is_empty() || (max as usize) < bound { Ok(()) } else { Err(invalid(what)) }
}

/// Every dominator chain ends at the root (the root is its own dominator): no cycle, so walks
/// up the tree terminate. One pass with a state byte per node.
fn check_dominator_tree(dominator: &[u32], root: u32) -> Result<(), IndexError> {
    const UNSEEN: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let n = dominator.len();
    if dominator.get(root as usize) != Some(&root) {
        return Err(invalid("dominator of the root"));
    }
    let mut state = vec![UNSEEN; n];
    state[root as usize] = DONE;
    let mut path = Vec::new();
    for start in 0..n {
        let mut x = start;
        while state[x] == UNSEEN {
            state[x] = ON_PATH;
            path.push(x);
            x = dominator[x] as usize;
            if x >= n {
                return Err(invalid("dominators"));
            }
        }
        if state[x] == ON_PATH {
            return Err(invalid("dominator cycle"));
        }
        for &p in &path {
            state[p] = DONE;
        }
        path.clear();
    }
    Ok(())
}

/// Reads an index of the snapshot `key` names from `bytes` (the mapped file, or a copy),
/// checking everything (see the module docs). The big columns of the result are views into
/// `bytes`, which they keep alive.
pub fn read(bytes: &SharedBytes, key: &SnapshotKey) -> Result<Analysis, IndexError> {
    let entries = read_table(bytes.as_bytes(), key)?;
    // The checksums on a second core while this one checks the structure (each alone reads
    // every page: 1.5 s of one core for a 4.6 GB snapshot's index). Nothing is trusted before both
    // pass: the structural checks are written for any bytes (the fuzz target forges indexes with
    // valid checksums), and a checksum that fails wins over whatever they found.
    std::thread::scope(|scope| {
        let checksums = scope.spawn(|| verify_checksums(bytes.as_bytes(), &entries));
        let analysis = read_sections(bytes, &entries);
        let checksums = checksums.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        checksums.and(analysis)
    })
}

/// Each section's CRC-32, in table order: the first that does not match.
fn verify_checksums(bytes: &[u8], entries: &[Entry]) -> Result<(), IndexError> {
    for (e, kind) in entries.iter().zip(KINDS) {
        let section = bytes.get(e.offset as usize..(e.offset + e.len) as usize).ok_or(IndexError::Truncated)?;
        if crc32fast::hash(section) != e.crc {
            return Err(IndexError::Checksum(kind.name()));
        }
    }
    Ok(())
}

/// The sections as an [`Analysis`], every structural invariant checked (not the checksums).
fn read_sections(bytes: &SharedBytes, entries: &[Entry]) -> Result<Analysis, IndexError> {
    let trace = Trace::new();
    let r = SectionReader { bytes, entries };

    let meta: Meta = serde_json::from_slice(&r.column::<u8>(Kind::Meta, None)?).map_err(|_| invalid("meta"))?;
    let code_count = usize::from(meta.edge_type_code_count);
    let codes: [u8; MAX_EDGE_TYPES] = meta.edge_type_codes.try_into().map_err(|_| invalid("edge type codes"))?;
    if code_count > MAX_EDGE_TYPES {
        return Err(invalid("edge type codes"));
    }
    let edge_packing = EdgePacking::for_type_count(code_count);
    if meta.node_count == 0 || meta.node_count > edge_packing.max_nodes() || meta.edge_count > u64::from(u32::MAX) {
        return Err(invalid("node or edge count"));
    }
    let (n, e) = (meta.node_count as usize, meta.edge_count as usize);
    if meta.root as usize >= n {
        return Err(invalid("root"));
    }
    let node_types = TypeTable::from_names(&NODE_TYPE_NAMES, meta.node_types).ok_or(invalid("node types"))?;
    let edge_types = TypeTable::from_names(&EDGE_TYPE_NAMES, meta.edge_types).ok_or(invalid("edge types"))?;

    let node_type = r.column::<u8>(Kind::NodeType, Some(n))?;
    let node_name = r.column::<u32>(Kind::NodeName, Some(n))?;
    let node_id = r.column::<u32>(Kind::NodeId, Some(n))?;
    let first_edge = r.column::<u32>(Kind::FirstEdge, Some(n + 1))?;
    check_offsets(&first_edge, e, "first edges")?;
    let edge_name_or_index = r.column::<u32>(Kind::EdgeNameOrIndex, Some(e))?;
    let edge_to_and_type = r.column::<u32>(Kind::EdgeToAndType, Some(e))?;
    let text = r.text(Kind::StringBytes)?;
    let ends = r.column::<u32>(Kind::StringEnds, None)?;
    let strings = StringTable::from_parts(text, ends).ok_or(invalid("strings"))?;
    check_below(&node_name, strings.len(), "node names")?;
    if node_type.iter().any(|&t| usize::from(t) >= node_types.len()) {
        return Err(invalid("node types"));
    }
    // Targets in range, type codes declared, and string names in the string table.
    let named: Vec<bool> = codes.iter().map(|&c| EdgeType(c).has_string_name()).collect();
    let bad_edge = edge_to_and_type.iter().zip(&edge_name_or_index).any(|(&x, &name)| {
        let code = usize::from(edge_packing.code(x));
        edge_packing.target(x) as usize >= n || code >= code_count || (named[code] && name as usize >= strings.len())
    });
    if bad_edge || codes[..code_count].iter().any(|&c| usize::from(c) >= edge_types.len()) {
        return Err(invalid("edges"));
    }
    trace.mark("graph columns");
    // Written as four `u32`s a location: the layout of `Location` (`repr(C)`).
    let locations = r.records::<Location>(Kind::Locations, None, 4)?;
    let sorted = locations.windows(2).all(|w| w[0].node < w[1].node);
    if !sorted || locations.last().is_some_and(|l| l.node as usize >= n) {
        return Err(invalid("locations"));
    }

    let detachedness = r.column::<u8>(Kind::Detachedness, Some(n))?;
    if detachedness.iter().any(|&d| d > 3) {
        return Err(invalid("detachedness"));
    }
    let renamed = BitVec::from_words(r.column(Kind::Renamed, None)?.into_vec(), n).ok_or(invalid("renamed"))?;
    let page_owned = BitVec::from_words(r.column(Kind::PageOwned, None)?.into_vec(), n).ok_or(invalid("page owned"))?;
    let first_retainer = r.column::<u32>(Kind::FirstRetainer, Some(n + 1))?;
    check_offsets(&first_retainer, e, "first retainers")?;
    let retainer_node = r.column::<u32>(Kind::RetainerNode, Some(e))?;
    check_below(&retainer_node, n, "retainer nodes")?;
    let essential =
        BitVec::from_words(r.column(Kind::RetainerEssential, None)?.into_vec(), e).ok_or(invalid("essential"))?;
    let self_size = r.column::<u32>(Kind::SelfSize, Some(n))?;
    let distance = r.column::<i32>(Kind::Distance, Some(n))?;
    let dominator = r.column::<u32>(Kind::Dominator, Some(n))?;
    trace.mark("retainers, sizes, distances");
    check_dominator_tree(&dominator, meta.root)?;
    trace.mark("dominator tree");
    // Every size below is a sum of these self sizes (n < 2³² nodes of < 2³² bytes: no overflow),
    // so none may exceed their total: a forged size that passes its checksum cannot make a
    // later sum overflow.
    let heap: u64 = self_size.iter().map(|&s| u64::from(s)).sum();
    let saturated = r.column::<u32>(Kind::RetainedSize, Some(n))?;
    let mut retained_size: Vec<u64> = saturated.iter().map(|&r| u64::from(r)).collect();
    drop(saturated);
    let overflow = r.column::<u64>(Kind::RetainedOverflow, None)?;
    for pair in overflow.chunks(2) {
        match pair {
            [node, size] if (*node as usize) < n && *size >= u64::from(u32::MAX) && *size <= heap => {
                retained_size[*node as usize] = *size;
            }
            _ => return Err(invalid("large retained sizes")),
        }
    }
    drop(overflow);

    trace.mark("retained sizes");
    let class_of = r.column::<u32>(Kind::ClassOf, Some(n))?;
    let names = r.text(Kind::ClassNameBytes)?;
    let name_ends = r.column::<u32>(Kind::ClassNameEnds, None)?;
    let names = StringTable::from_parts(names, name_ends).ok_or(invalid("class names"))?;
    let keys = r.text(Kind::ClassKeyBytes)?;
    let key_ends = r.column::<u32>(Kind::ClassKeyEnds, Some(names.len()))?;
    let keys = StringTable::from_parts(keys, key_ends).ok_or(invalid("class keys"))?;
    let classes: Vec<ClassInfo> = (0..names.len() as u32)
        .map(|c| ClassInfo { name: names.get(c).to_string(), key: keys.get(c).to_string() })
        .collect();
    drop((names, keys));
    // A key is a class's identity: the Comparison finds a class's row in the other snapshot by
    // it, so two classes with one key would compare a snapshot with itself as changed.
    let mut sorted_keys: Vec<&str> = classes.iter().map(|c| c.key.as_str()).collect();
    sorted_keys.sort_unstable();
    if sorted_keys.windows(2).any(|w| w[0] == w[1]) {
        return Err(invalid("class keys"));
    }
    drop(sorted_keys);
    check_below(&class_of, classes.len(), "classes of nodes")?;

    let row_class = r.column::<u32>(Kind::RowClass, None)?;
    let rows = row_class.len();
    let row_count = r.column::<u32>(Kind::RowCount, Some(rows))?;
    let row_distance = r.column::<i32>(Kind::RowDistance, Some(rows))?;
    let row_self = r.column::<u64>(Kind::RowSelfSize, Some(rows))?;
    let row_retained = r.column::<u64>(Kind::RowRetainedSize, Some(rows))?;
    // Each node is in one row at most: views size member lists by these counts.
    if row_count.iter().map(|&c| u64::from(c)).sum::<u64>() > n as u64 {
        return Err(invalid("summary counts"));
    }
    // Each node's self size is in one row at most, and a row retains at most the heap.
    let mut rows_self_total: u64 = 0;
    for (&self_size, &retained) in row_self.iter().zip(row_retained.iter()) {
        rows_self_total = rows_self_total.saturating_add(self_size);
        if retained > heap || rows_self_total > heap {
            return Err(invalid("summary sizes"));
        }
    }
    let mut row_of_class = vec![u32::MAX; classes.len()];
    let mut aggregate_rows = Vec::with_capacity(rows);
    for (i, &c) in row_class.iter().enumerate() {
        let slot = row_of_class.get_mut(c as usize).ok_or(invalid("summary classes"))?;
        if *slot != u32::MAX {
            return Err(invalid("summary classes"));
        }
        *slot = i as u32;
        let info = &classes[c as usize];
        aggregate_rows.push(ClassAggregate {
            class: c,
            key: info.key.clone(),
            name: info.name.clone(),
            count: row_count[i],
            distance: row_distance[i],
            self_size: row_self[i],
            retained_size: row_retained[i],
        });
    }
    // Each row's count and self size are its members' (the nodes of its class with a self size),
    // as `Aggregates::group_members` lays member lists out by these counts: recounted here, one
    // pass, so a forged count can never send a member past its row.
    let mut recount = vec![(0u32, 0u64); aggregate_rows.len()];
    for (&class, &size) in class_of.iter().zip(self_size.iter()) {
        let row = row_of_class[class as usize];
        if size != 0 && row != u32::MAX {
            let (count, total) = &mut recount[row as usize];
            *count += 1;
            *total += u64::from(size);
        }
    }
    if aggregate_rows.iter().zip(&recount).any(|(row, &(count, total))| row.count != count || row.self_size != total) {
        return Err(invalid("summary counts"));
    }
    drop(recount);
    let aggregates = Aggregates::from_rows(aggregate_rows, row_of_class, None);
    trace.mark("classes and Summary rows");

    let snapshot = HeapSnapshot {
        node_types,
        edge_types,
        node_type,
        node_name,
        node_id,
        node_self_size: Column::default(),
        first_edge,
        node_detachedness: Column::default(),
        edge_name_or_index,
        edge_to_and_type,
        edge_type_codes: codes,
        edge_type_code_count: meta.edge_type_code_count,
        edge_packing,
        strings,
        locations,
        root: meta.root,
        node_field_count: meta.node_field_count,
        edge_field_count: meta.edge_field_count,
        extra_native_bytes: meta.extra_native_bytes,
        json_bytes: meta.json_bytes,
        title: meta.title,
        sizes_taken: true,
    };
    Ok(Analysis {
        snapshot,
        dom: DomState { detachedness, renamed },
        page_owned,
        retainers: Retainers { first_retainer, retainer_node, essential },
        self_size,
        distance,
        dominator,
        retained_size,
        interface_definitions: meta.interface_definitions,
        classes: Classification { class_of, classes },
        aggregates: std::sync::Arc::new(aggregates),
        statistics: meta.statistics,
        problems: meta.problems,
    })
}
