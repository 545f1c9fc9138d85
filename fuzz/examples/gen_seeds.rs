//! Writes the fuzz targets' seed corpus: small valid snapshots made with `SnapshotBuilder` and
//! `write_snapshot`, each exercising different parts of the format and of the analyses.
//!
//! `cargo run --manifest-path fuzz/Cargo.toml --example gen_seeds -- fuzz/seeds` (also writes
//! the `index` target's seed, a valid index of `rich`, to `fuzz/seeds-index/`).

use std::io::Write;
use std::path::PathBuf;

#[path = "../fuzz_targets/index_key.rs"]
mod index_key;

use heapscope::snapshot::builder::SnapshotBuilder;
use heapscope::snapshot::writer::write_snapshot;
use heapscope::snapshot::{EdgeType, HeapSnapshot, NodeType};

/// Every feature the passes look at: user and system roots, weak edges, a WeakMap ephemeron
/// pair, hidden/array backing stores, a cons string, a detached native node, a location,
/// `(map descriptors)` (also the seed of `tests/fuzz.rs`, which reads the file written from it).
fn rich() -> HeapSnapshot {
    let mut b = SnapshotBuilder::new();
    let root = b.node(NodeType::SYNTHETIC, "", 0);
    let gc = b.node(NodeType::SYNTHETIC, "(GC roots)", 0);
    let global = b.node(NodeType::OBJECT, "global", 100);
    let obj = b.node(NodeType::OBJECT, "Object", 24);
    let props = b.node(NodeType::ARRAY, "(object properties)", 64);
    let s1 = b.node(NodeType::STRING, "he said \"hi\"\n", 20);
    let cons = b.node(NodeType::CONS_STRING, "(concatenated string)", 32);
    let table = b.node_with_id(NodeType::ARRAY, "WeakMap table", 91, 40);
    let key = b.node_with_id(NodeType::OBJECT, "Key", 93, 16);
    let value = b.node_with_id(NodeType::OBJECT, "Value", 95, 16);
    let ctx = b.node(NodeType::HIDDEN, "system / NativeContext", 500);
    let desc = b.node(NodeType::ARRAY, "(map descriptors)", 80);
    let dom = b.node(NodeType::NATIVE, "<div id=x>", 120);
    let weakonly = b.node(NodeType::OBJECT, "Orphan", 8);
    b.set_detachedness(dom, 2);
    b.set_location(obj, 3, 10, 4);
    b.edge(root, EdgeType::SHORTCUT, "global", global);
    b.edge(root, EdgeType::ELEMENT, 1, gc);
    b.edge(gc, EdgeType::ELEMENT, 1, ctx);
    b.edge(global, EdgeType::PROPERTY, "obj", obj);
    b.edge(global, EdgeType::PROPERTY, "t", table);
    b.edge(global, EdgeType::PROPERTY, "k", key);
    b.edge(global, EdgeType::WEAK, "w", weakonly);
    b.edge(obj, EdgeType::PROPERTY, "text", s1);
    b.edge(obj, EdgeType::PROPERTY, "both", cons);
    b.edge(obj, EdgeType::INTERNAL, "properties", props);
    b.edge(cons, EdgeType::INTERNAL, "first", s1);
    b.edge(cons, EdgeType::INTERNAL, "second", s1);
    let pair = "0 / part of key (Key @93) -> value (Value @95) pair in WeakMap (table @91)";
    b.edge(table, EdgeType::INTERNAL, pair, value);
    b.edge(key, EdgeType::INTERNAL, pair, value);
    b.edge(ctx, EdgeType::INTERNAL, "sloppy_function_map", desc);
    b.edge(desc, EdgeType::ELEMENT, 4, obj);
    b.edge(ctx, EdgeType::INTERNAL, "dom", dom);
    b.edge(dom, EdgeType::INTERNAL, "self", dom);
    b.build()
}

/// The smallest graph: a root and one object.
fn tiny() -> HeapSnapshot {
    let mut b = SnapshotBuilder::new();
    let root = b.node(NodeType::SYNTHETIC, "", 0);
    let o = b.node(NodeType::OBJECT, "A", 16);
    b.edge(root, EdgeType::ELEMENT, 1, o);
    b.build()
}

/// No detachedness column, extra native bytes, a closure with a context, a cycle, unreachable
/// nodes, numbers, symbols, sliced strings, code, a Window-like global, hidden edges.
fn varied() -> HeapSnapshot {
    let mut b = SnapshotBuilder::new().without_detachedness();
    b.set_extra_native_bytes(4096);
    let root = b.node(NodeType::SYNTHETIC, "", 0);
    let gc = b.node(NodeType::SYNTHETIC, "(GC roots)", 0);
    let strong = b.node(NodeType::SYNTHETIC, "(Strong roots)", 0);
    let window = b.node(NodeType::OBJECT, "Window / http://localhost", 200);
    let f = b.node(NodeType::CLOSURE, "leak", 32);
    let ctx = b.node(NodeType::OBJECT, "system / Context", 48);
    let code = b.node(NodeType::CODE, "(compiled code)", 300);
    let arr = b.node(NodeType::ARRAY, "Array", 16);
    let elems = b.node(NodeType::ARRAY, "(internal array)", 1024);
    let num = b.node(NodeType::NUMBER, "heap number", 16);
    let sym = b.node(NodeType::SYMBOL, "Symbol(x)", 24);
    let sliced = b.node(NodeType::SLICED_STRING, "(sliced string)", 32);
    let text = b.node(NodeType::STRING, "abcdefghijklmnopqrstuvwxyz \u{e9}\u{1F600}", 40);
    let big = b.node(NodeType::BIGINT, "bigint", 24);
    let shape = b.node(NodeType::OBJECT_SHAPE, "system / Map", 80);
    let buf = b.node(NodeType::NATIVE, "system / JSArrayBufferData", 65536);
    let ab = b.node(NodeType::OBJECT, "ArrayBuffer", 64);
    let re = b.node(NodeType::REGEXP, "/a+b/", 48);
    let lost = b.node(NodeType::OBJECT, "Unreachable", 12);
    let lost2 = b.node(NodeType::OBJECT, "Unreachable", 12);
    b.edge(root, EdgeType::SHORTCUT, "window", window);
    b.edge(root, EdgeType::ELEMENT, 1, gc);
    b.edge(gc, EdgeType::ELEMENT, 1, strong);
    b.edge(strong, EdgeType::HIDDEN, 0, code);
    b.edge(window, EdgeType::PROPERTY, "leak", f);
    b.edge(window, EdgeType::PROPERTY, "arr", arr);
    b.edge(window, EdgeType::PROPERTY, "re", re);
    b.edge(window, EdgeType::PROPERTY, "ab", ab);
    b.edge(window, EdgeType::INTERNAL, "map", shape);
    b.edge(f, EdgeType::INTERNAL, "context", ctx);
    b.edge(f, EdgeType::INTERNAL, "code", code);
    b.edge(ctx, EdgeType::CONTEXT, "captured", arr);
    b.edge(ctx, EdgeType::CONTEXT, "self", f);
    b.edge(arr, EdgeType::INTERNAL, "elements", elems);
    b.edge(elems, EdgeType::ELEMENT, 0, num);
    b.edge(elems, EdgeType::ELEMENT, 1, sym);
    b.edge(elems, EdgeType::ELEMENT, 2, sliced);
    b.edge(elems, EdgeType::ELEMENT, 3, big);
    b.edge(sliced, EdgeType::INTERNAL, "parent", text);
    b.edge(ab, EdgeType::INTERNAL, "backing_store", buf);
    b.edge(lost, EdgeType::PROPERTY, "next", lost2);
    b.edge(lost2, EdgeType::PROPERTY, "next", lost);
    b.edge(lost2, EdgeType::WEAK, "w", window);
    b.build()
}

/// A deep chain under the root: long dominator paths and distances.
fn chain() -> HeapSnapshot {
    let mut b = SnapshotBuilder::new();
    let root = b.node(NodeType::SYNTHETIC, "", 0);
    let mut prev = b.node(NodeType::OBJECT, "Node", 32);
    b.edge(root, EdgeType::SHORTCUT, "head", prev);
    for i in 0..40u32 {
        let next = b.node(NodeType::OBJECT, "Node", 32 + i);
        b.edge(prev, EdgeType::PROPERTY, "next", next);
        if i % 7 == 0 {
            b.edge(next, EdgeType::PROPERTY, "back", prev);
        }
        prev = next;
    }
    b.build()
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fuzz/seeds".into()));
    std::fs::create_dir_all(&dir).expect("create the seed folder");
    let seeds = [("rich", rich()), ("tiny", tiny()), ("varied", varied()), ("chain", chain())];
    for (name, snapshot) in &seeds {
        let mut out = Vec::new();
        write_snapshot(snapshot, &mut out).expect("write to a Vec");
        std::fs::write(dir.join(format!("{name}.heapsnapshot")), &out).expect("write a seed");
        if *name == "rich" {
            // One gzip seed for the `read` target, which sniffs the magic itself.
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(&out).expect("write to a Vec");
            let gz = enc.finish().expect("write to a Vec");
            std::fs::write(dir.join(format!("{name}.heapsnapshot.gz")), gz).expect("write a seed");
            // The `index` target's seed: a valid index of this snapshot, under the fixed key.
            let analysis = heapscope::analysis::Analysis::run(snapshot.clone(), &heapscope::progress::NoProgress)
                .expect("NoProgress never cancels");
            let mut index = std::io::Cursor::new(Vec::new());
            heapscope::index::format::write(&analysis, &index_key::key(), &mut index).expect("write to a Vec");
            let index_dir = dir.with_file_name("seeds-index");
            std::fs::create_dir_all(&index_dir).expect("create the index seed folder");
            std::fs::write(index_dir.join("rich.hsindex"), index.into_inner()).expect("write a seed");
        }
    }
}
