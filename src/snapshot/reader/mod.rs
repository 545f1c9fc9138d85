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
//! string indexes, type codes, the root, optional sections against the counts they must match),
//! so that the analyses can index without checks. Each failure is a [`ReadError`] with the
//! section and byte offset.
//!
//! | part | file |
//! |---|---|
//! | the top level: keys in any order, whole-array checks, [`HeapSnapshot`] assembly | here |
//! | the `snapshot` header and `meta` | `header.rs` |
//! | scattering `nodes`, `edges`, `locations` into columns, with their checks | `columns.rs` |
//! | the `edges` section parsed ahead by a second thread on large plain files | `ahead.rs` |

use std::fs::File;
use std::io::{Chain, Cursor, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

mod ahead;
mod columns;
mod header;

use ahead::{Ahead, EdgesAhead, Found, Split, edges_ahead};
use columns::{EdgeColumns, NodeColumns, max_location_values, scatter_locations, too_many_locations};
use header::{HEADER_LIMIT, Header, RawHeader, header_error, resolve_header};

use super::HeapSnapshot;
use super::error::{ReadError, ReadErrorKind, Section};
use super::lexer::{Lexer, UintChunk, Where};
use super::strings::{StringTable, StringTableBuilder};
use crate::progress::{Phase, Progress};

pub use crate::progress::Phase as LoadPhase;

/// Options for [`read_file`] / [`read_from`].
pub struct ReadOptions<'a> {
    pub progress: &'a dyn Progress,
}

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

/// The most the strings' text is reserved up front (beyond, it grows as it is read): a file whose
/// `strings` come first must not reserve its whole size.
const STRINGS_RESERVE_LIMIT: u64 = 1 << 28;

/// Plain files at least this large read their `edges` on a second thread.
const PARALLEL_THRESHOLD: u64 = 16 << 20;

/// Reads a snapshot file, plain or gzip-compressed.
///
/// A large plain file is read by two threads: this one parses the header, `nodes`, `strings` and
/// the rest; a second one finds `"edges"` ahead (a SIMD search over the digits of `nodes`) and
/// parses it at the same time. When this thread reaches the `edges` key, it takes the second
/// thread's columns if they start where it stands, and otherwise parses the section itself: the
/// guess can only save time, never change a result. Done with its own sections, this thread
/// reads the end of `edges` too if the helper still has far to go (`ahead.rs`).
pub fn read_file(path: &Path, progress: &dyn Progress) -> Result<HeapSnapshot, ReadError> {
    read_file_with(path, progress, PARALLEL_THRESHOLD)
}

/// [`read_file`] with the size from which plain files are read by two threads (tests force it).
pub fn read_file_with(path: &Path, progress: &dyn Progress, parallel_from: u64) -> Result<HeapSnapshot, ReadError> {
    let mut file = File::open(path).map_err(open_error)?;
    let meta = file.metadata().map_err(open_error)?;
    if !meta.is_file() {
        // A pipe, FIFO or character device (`<(zcat x.gz)`, `/dev/stdin`): it cannot seek and
        // has no size, so it is read once, as a stream (no second thread, no size bound).
        return read_from(file, None, progress);
    }
    let size = meta.len();
    let mut magic = [0u8; 2];
    let is_gzip = file.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b];
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(0)).map_err(open_error)?;
    if is_gzip || size < parallel_from {
        return read_from(file, Some(size), progress);
    }
    read_in_two(path, size, file, progress, Split::default())
}

/// Reads a plain file with its `edges` taken over by this thread from `fraction` of the array,
/// the helper waiting for the plan (whatever the timing): for tests of the take-over, which in
/// real use depends on the two threads' speeds.
#[doc(hidden)]
pub fn read_file_taking_edges_over_at(path: &Path, fraction: f64) -> Result<HeapSnapshot, ReadError> {
    let file = File::open(path).map_err(open_error)?;
    let size = file.metadata().map_err(open_error)?.len();
    read_in_two(path, size, file, &crate::progress::NoProgress, Split::forced_at(fraction))
}

fn read_in_two(
    path: &Path,
    size: u64,
    file: File,
    progress: &dyn Progress,
    split: Split,
) -> Result<HeapSnapshot, ReadError> {
    let found = Found::default();
    std::thread::scope(|scope| {
        let helper = scope.spawn(|| edges_ahead(path, size, &found, &split, progress));
        let mut ahead = Ahead {
            found: &found,
            split: &split,
            path,
            size,
            progress,
            join: Some(Box::new(move || helper.join().ok().flatten())),
        };
        let count = Arc::new(AtomicU64::new(0));
        let ctx = Context { progress, count: count.clone(), size: Some(size) };
        let mut lexer = Lexer::new(CountingReader { inner: file, count }, false);
        let read = parse(&mut lexer, &ctx, Some(size), Some(&mut ahead));
        // This thread stopped at an error past `edges`, which the helper read: an error of the
        // helper's comes first in the file, and one reader would have stopped there.
        let Err(e) = read else { return read };
        if progress.is_cancelled() {
            return Err(e);
        }
        ahead.split.release();
        match ahead.take() {
            Some(EdgesAhead { result: Err(first), .. }) if first.offset < e.offset => Err(first),
            _ => Err(e),
        }
    })
}

/// An I/O error opening or sizing the file, before any byte is read.
fn open_error(e: std::io::Error) -> ReadError {
    ReadError { kind: ReadErrorKind::Io(e), section: Section::TopLevel, offset: 0, decompressed: false }
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
        let decoder = super::inflate::GzipMembers::new(std::io::BufReader::with_capacity(1 << 16, stream));
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
    let mut locations_end = 0u64;
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
                        cols.spill_ids();
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
                    // The text is at most the bytes left in the file (V8 writes `strings`
                    // last): reserved once (up to `STRINGS_RESERVE_LIMIT`), not doubled and
                    // copied as it grows; untouched pages of the reservation cost nothing.
                    let left =
                        if lx.decompressed() { 0 } else { ctx.size.map_or(0, |s| s.saturating_sub(lx.offset())) };
                    let reserve = usize::try_from(left.min(STRINGS_RESERVE_LIMIT)).unwrap_or(0);
                    let mut table = StringTableBuilder::with_text_capacity(reserve);
                    lx.string_array(
                        &mut |w, s| {
                            table.push(s).map(|_| ()).map_err(|_| {
                                w.error(ReadErrorKind::TooLarge("the strings add up to over 4 GiB".into()))
                            })
                        },
                        &mut |w| ctx.tick(w),
                    )?;
                    strings = Some(table.finish());
                }
                "locations" => {
                    lx.section = Section::Locations;
                    let values = match &header {
                        // Bounded as it streams: a few bytes of gzip must not become gigabytes.
                        Some(h) => {
                            let max = max_location_values(h);
                            let mut values = Vec::new();
                            lx.uint_array(
                                1 << 14,
                                &mut |w, c| {
                                    let found = values.len() as u64 + c.values.len() as u64;
                                    if found > max {
                                        let i = (max - values.len() as u64) as usize;
                                        return Err(w.error_at(c.offset_of(i), too_many_locations(h, found)));
                                    }
                                    values.extend_from_slice(c.values);
                                    Ok(())
                                },
                                &mut |w| ctx.tick(w),
                            )?;
                            values
                        }
                        // Before the header (never written by V8): checked once it is known.
                        None => read_raw(lx, ctx)?.0,
                    };
                    locations_raw = Some(values);
                    locations_end = lx.offset();
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
                    crate::rss::rss_bytes() >> 20
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

    // Sorting the locations by node takes a while (0.26 s at 1 GB): done before the helper's
    // edges are taken, so that this thread's share of the rest is planned after it. Checked below.
    let mut scattered = match (&header, &locations_raw) {
        (Some(h), Some(raw)) if edges_from_helper => Some(scatter_locations(h, raw)),
        _ => None,
    };
    // The helper stops on cancellation with an I/O error; report the cancellation instead.
    ctx.tick(&lx.here())?;
    if edges_from_helper
        && let Some(a) = ahead.as_mut()
        && let Some(h) = header.as_ref()
    {
        // This thread is done with its sections: it reads the end of `edges` itself if the
        // helper still has far to go.
        match a.take_with_rest(h, edges_end.saturating_sub(1), &mut |w| ctx.tick(w)) {
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
    if let Some(raw) = &locations_raw {
        let fields = h.location_fields.as_ref().map_or(0, Vec::len) as u64;
        let found = raw.len() as u64;
        let kind = if found > max_location_values(&h) {
            Some(too_many_locations(&h, found))
        } else if fields > 0 && !found.is_multiple_of(fields) {
            Some(ReadErrorKind::ArrayLength {
                what: format!("whole records of {fields} location fields"),
                expected: found - found % fields,
                found,
            })
        } else {
            None
        };
        if let Some(kind) = kind {
            lx.section = Section::Locations;
            return Err(lx.error_at(locations_end, kind));
        }
    }
    let locations = match scattered.take() {
        Some(done) => done,
        None => locations_raw.map(|raw| scatter_locations(&h, &raw)).unwrap_or_default(),
    };
    ctx.progress.report(Phase::Reading, 1.0);

    let node_id = nodes.take_ids();
    Ok(HeapSnapshot {
        node_types: h.node_types,
        edge_types: h.edge_types,
        node_type: nodes.node_type.into(),
        node_name: nodes.name.into(),
        node_id,
        node_self_size: nodes.self_size.into(),
        first_edge: nodes.first_edge.into(),
        node_detachedness: nodes.detachedness.into(),
        edge_name_or_index: edges.name_or_index.into(),
        edge_to_and_type: edges.to.into(),
        edge_type_codes: h.edge_type_codes,
        edge_type_code_count: h.edge_type_map.len() as u8,
        edge_packing: h.edge_packing,
        strings,
        locations: locations.into(),
        root: (h.root_index / nf) as u32,
        node_field_count: nf as u32,
        edge_field_count: ef as u32,
        extra_native_bytes: h.extra_native_bytes,
        json_bytes: end,
        title: h.title,
        sizes_taken: false,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;
    use crate::snapshot::builder::SnapshotBuilder;
    use crate::snapshot::types::{EdgeType, NodeType};

    /// Cancelled as seen from any thread but the one that started the read: only the helper
    /// that parses `edges` ahead sees it.
    struct CancelOtherThreads {
        main: std::thread::ThreadId,
        helper_polled: AtomicBool,
    }

    impl Progress for CancelOtherThreads {
        fn report(&self, _phase: Phase, _fraction: f32) {}
        fn is_cancelled(&self) -> bool {
            let other = std::thread::current().id() != self.main;
            if other {
                self.helper_polled.store(true, Ordering::Relaxed);
            }
            other
        }
    }

    #[test]
    fn the_edges_thread_stops_on_cancel_and_the_result_does_not_change() {
        let mut b = SnapshotBuilder::new();
        let root = b.node(NodeType::SYNTHETIC, "", 0);
        let mut prev = root;
        for i in 0..2000 {
            let n = b.node(NodeType::OBJECT, "Link", 16 + i % 7);
            b.edge(prev, EdgeType::PROPERTY, "next", n);
            prev = n;
        }
        let expected = b.build();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chain.heapsnapshot");
        crate::snapshot::writer::write_snapshot_file(&expected, &path).unwrap();
        let progress = CancelOtherThreads { main: std::thread::current().id(), helper_polled: AtomicBool::new(false) };
        // Threshold 0: two threads even for this small file.
        let got = read_file_with(&path, &progress, 0).unwrap();
        assert!(progress.helper_polled.load(Ordering::Relaxed), "the edges thread never polled for cancellation");
        // The helper gave up; the main reader parsed `edges` itself.
        assert_eq!(got.edge_column(), expected.edge_column());
        assert_eq!(got.edge_count(), 2000);
    }

    /// A header claiming `node_count` nodes, with `edge_types` declared, and no data.
    fn claiming(node_count: u64, edge_types: &[&str]) -> String {
        let edge_types: Vec<String> = edge_types.iter().map(|t| format!("{t:?}")).collect();
        format!(
            r#"{{"snapshot":{{"meta":{{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["hidden","object"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[[{}],"string_or_number","node"]}},"node_count":{node_count},"edge_count":0}},"nodes":[],"edges":[],"strings":[]}}"#,
            edge_types.join(",")
        )
    }

    fn read_error(json: &str) -> ReadErrorKind {
        read_from(json.as_bytes(), Some(json.len() as u64), &crate::progress::NoProgress)
            .expect_err("no such nodes")
            .kind
    }

    /// V8 declares 7 edge types: 3 bits of type leave 29 for targets, so 300M nodes (the 28.6 GB
    /// file of BENCHMARKS.md has 298M) are not too many, and 2^29 are. A file declaring 16 types
    /// keeps 28 bits.
    #[test]
    fn the_node_limit_is_what_the_declared_edge_types_leave() {
        let v8 = ["context", "element", "property", "internal", "hidden", "shortcut", "weak"];
        let sixteen: Vec<String> = (0..16).map(|i| format!("t{i}")).collect();
        let sixteen: Vec<&str> = sixteen.iter().map(String::as_str).collect();
        // Past the header's check, the empty `nodes` is what is wrong.
        let kind = read_error(&claiming(300_000_000, &v8));
        assert!(!matches!(kind, ReadErrorKind::TooLarge(_)), "{kind}");
        let kind = read_error(&claiming((1 << 29) - 1, &v8));
        assert!(!matches!(kind, ReadErrorKind::TooLarge(_)), "{kind}");
        for (count, types) in [(1u64 << 29, &v8[..]), (300_000_000, &sixteen[..]), (1 << 28, &sixteen[..])] {
            let kind = read_error(&claiming(count, types));
            assert!(matches!(&kind, ReadErrorKind::TooLarge(m) if m.contains(&count.to_string())), "{count}: {kind}");
        }
    }
}
