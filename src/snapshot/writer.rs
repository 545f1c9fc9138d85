//! Writes a [`HeapSnapshot`] as V8's `.heapsnapshot` JSON, byte-compatible in shape with
//! `v8.writeHeapSnapshot()` output so Chrome DevTools loads it: the same key order, the same
//! `meta`, one node per line.
//!
//! The demo server uses this (never ad-hoc string formatting) to dump its own object graph;
//! tests use it for the round trip `read(write(x)) == x`.

use std::io::{self, Write};
use std::path::Path;

use super::HeapSnapshot;

/// Writes `snapshot` to `out`.
/// A snapshot whose size columns went to an `Analysis` ([`HeapSnapshot::into_parts`]) cannot be
/// written: that is an error, not a panic or a file of zero sizes.
pub fn write_snapshot(snapshot: &HeapSnapshot, out: impl Write) -> io::Result<()> {
    write_replicated(snapshot, 1, out)
}

/// Where the nodes of each copy go in a [`write_replicated`] file: copy 0 is the snapshot as it
/// is; every later copy is all its nodes but the root, after the previous copies, and its edges
/// to the root go to the one root.
struct Copies {
    nodes: u64,
    root: u32,
    copies: u32,
}

impl Copies {
    fn index(&self, copy: u32, node: u32) -> u64 {
        if copy == 0 || node == self.root {
            u64::from(node)
        } else {
            self.nodes + u64::from(copy - 1) * (self.nodes - 1) + u64::from(node - u32::from(node > self.root))
        }
    }

    /// A node's id in the file: the source's with one copy; with more, twice its position in the
    /// file plus the source id's parity (V8's ids step by 2, and its odd and even ids mean different
    /// kinds of objects), so ids stay unique and below 2³⁰ however sparse the source's were.
    fn id(&self, copy: u32, node: u32, source_id: u32) -> u64 {
        if self.copies == 1 { u64::from(source_id) } else { 2 * self.index(copy, node) + u64::from(source_id & 1) }
    }

    fn node_count(&self) -> u64 {
        self.nodes + u64::from(self.copies - 1) * (self.nodes - 1)
    }
}

fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Writes `copies` copies of `snapshot`'s heap under its one root, streamed: a realistic snapshot
/// of any size from a real one (issue 14's files bigger than memory), with no more memory than
/// the source's. Node ids are renumbered ([`Copies::id`]), and the root holds, in turn, the root
/// edges of every copy.
/// Everything else — names, sizes, types, edges, locations, the string table — is the source's,
/// so each copy's objects, classes, dominators and retained sizes are the source's own (the
/// root's retained size and the Summary's totals are `copies` times theirs). `copies == 1`
/// writes the snapshot itself ([`write_snapshot`]).
///
/// Refused (`InvalidInput`) when the result would have more nodes or edges than the reader takes
/// ([`super::EdgePacking::max_nodes`] for the snapshot's edge types, 2³² − 2 edges), so a file it
/// writes always loads.
pub fn write_replicated(snapshot: &HeapSnapshot, copies: u32, out: impl Write) -> io::Result<()> {
    if copies == 0 {
        return Err(invalid_input("at least one copy".into()));
    }
    let layout = Copies { nodes: snapshot.node_count() as u64, root: snapshot.root(), copies };
    let edge_count = snapshot.edge_count() as u64 * u64::from(copies);
    let max_nodes = snapshot.edge_packing().max_nodes();
    if layout.node_count() > max_nodes || edge_count >= u64::from(u32::MAX) {
        return Err(invalid_input(format!(
            "{copies} copies would have {} nodes and {edge_count} edges; the reader takes at most {max_nodes} nodes and 2^32 - 2 edges",
            layout.node_count(),
        )));
    }
    if !snapshot.has_node_sizes() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "this snapshot's self sizes were moved into an analysis (HeapSnapshot::into_parts); write it before analysing it",
        ));
    }
    let mut w = io::BufWriter::with_capacity(1 << 20, out);
    let with_detachedness = snapshot.has_detachedness();
    let node_fields = if with_detachedness {
        r#"["type","name","id","self_size","edge_count","trace_node_id","detachedness"]"#
    } else {
        r#"["type","name","id","self_size","edge_count","trace_node_id"]"#
    };
    let node_types = (0..snapshot.node_types().len())
        .map(|i| json_string(snapshot.node_types().name(i as u8)))
        .collect::<Vec<_>>()
        .join(",");
    // The edges are written with their packed codes, so the names are those of the packed codes,
    // in order. V8 writes 7 edge types; DevTools adds "invisible" itself: a built snapshot's
    // eighth code ("invisible") is dropped when no edge uses it, as it is the last one.
    let count = usize::from(snapshot.edge_type_code_count);
    let uses_last = (0..snapshot.edge_count() as u32).any(|e| usize::from(snapshot.edge_type_code(e)) + 1 == count);
    let last_is_invisible = count > 0 && snapshot.edge_type_codes[count - 1] == super::types::EdgeType::INVISIBLE.0;
    let edge_type_count = if last_is_invisible && !uses_last { count - 1 } else { count };
    let edge_types = (0..edge_type_count)
        .map(|c| json_string(snapshot.edge_types().name(snapshot.edge_type_codes[c])))
        .collect::<Vec<_>>()
        .join(",");
    let detached_type = if with_detachedness { r#","number","number""# } else { r#","number""# };
    write!(
        w,
        r#"{{"snapshot":{{"meta":{{"node_fields":{node_fields},"node_types":[[{node_types}],"string","number","number","number","number"{detached_type}],"edge_fields":["type","name_or_index","to_node"],"edge_types":[[{edge_types}],"string_or_number","node"],"trace_function_info_fields":["function_id","name","script_name","script_id","line","column"],"trace_node_fields":["id","function_info_index","count","size","children"],"sample_fields":["timestamp_us","last_assigned_id"],"location_fields":["object_index","script_id","line","column"]}},"node_count":{},"edge_count":{},"trace_function_count":0"#,
        layout.node_count(),
        edge_count
    )?;
    if let Some(extra) = snapshot.extra_native_bytes() {
        write!(w, r#","extra_native_bytes":{}"#, extra.saturating_mul(u64::from(copies)))?;
    }
    if snapshot.root() != 0 {
        write!(w, r#","root_index":{}"#, u64::from(snapshot.root()) * u64::from(field_count(with_detachedness)))?;
    }
    w.write_all(b"},\n\"nodes\":[")?;
    let nf = u64::from(field_count(with_detachedness));
    let mut num = itoa::Buffer::new();
    let root = snapshot.root();
    let mut first = true;
    for copy in 0..copies {
        for n in (0..snapshot.node_count() as u32).filter(|&n| copy == 0 || n != root) {
            if !first {
                w.write_all(b"\n,")?;
            }
            first = false;
            let edges = snapshot.edges(n);
            let edge_count = u64::from(edges.end - edges.start) * if n == root { u64::from(copies) } else { 1 };
            let fields = [
                u64::from(snapshot.node_type[n as usize]),
                u64::from(snapshot.node_name[n as usize]),
                layout.id(copy, n, snapshot.node_id[n as usize]),
                u64::from(snapshot.node_self_size[n as usize]),
                edge_count,
                0,
            ];
            for (i, v) in fields.iter().enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                w.write_all(num.format(*v).as_bytes())?;
            }
            if with_detachedness {
                w.write_all(b",")?;
                w.write_all(num.format(snapshot.detachedness(n)).as_bytes())?;
            }
        }
    }
    w.write_all(b"],\n\"edges\":[")?;
    let mut first = true;
    let mut edge = |w: &mut io::BufWriter<_>, copy: u32, e: u32| -> io::Result<()> {
        if !first {
            w.write_all(b"\n,")?;
        }
        first = false;
        w.write_all(num.format(snapshot.edge_type_code(e)).as_bytes())?;
        w.write_all(b",")?;
        w.write_all(num.format(snapshot.edge_name_or_index[e as usize]).as_bytes())?;
        w.write_all(b",")?;
        w.write_all(num.format(layout.index(copy, snapshot.edge_to(e)) * nf).as_bytes())
    };
    for copy in 0..copies {
        for n in (0..snapshot.node_count() as u32).filter(|&n| copy == 0 || n != root) {
            if n == root {
                // The root holds every copy's root edges, copy after copy.
                for root_copy in 0..copies {
                    for e in snapshot.edges(n) {
                        edge(&mut w, root_copy, e)?;
                    }
                }
            } else {
                for e in snapshot.edges(n) {
                    edge(&mut w, copy, e)?;
                }
            }
        }
    }
    w.write_all(b"],\n\"trace_function_infos\":[],\n\"trace_tree\":[],\n\"samples\":[],\n\"locations\":[")?;
    let mut first = true;
    for copy in 0..copies {
        for l in snapshot.locations().iter().filter(|l| copy == 0 || l.node != root) {
            if !first {
                w.write_all(b",\n")?;
            }
            first = false;
            write!(w, "{},{},{},{}", layout.index(copy, l.node) * nf, l.script_id, l.line, l.column)?;
        }
    }
    w.write_all(b"],\n\"strings\":[")?;
    for (i, s) in snapshot.strings().iter().enumerate() {
        if i > 0 {
            w.write_all(b",\n")?;
        }
        w.write_all(json_string(s).as_bytes())?;
    }
    w.write_all(b"]}\n")?;
    w.flush()
}

fn field_count(with_detachedness: bool) -> u32 {
    if with_detachedness { 7 } else { 6 }
}

/// Writes `snapshot` to `path` atomically: into a temporary file beside it, synced, then
/// renamed over `path`. A reader (or a crash) never sees a partial snapshot.
pub fn write_snapshot_file(snapshot: &HeapSnapshot, path: &Path) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "snapshot".into());
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        write_snapshot(snapshot, &file)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A JSON string literal as V8 writes it: `"` and `\` escaped, control characters as `\uXXXX`
/// (or the short escapes), everything else as UTF-8.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
