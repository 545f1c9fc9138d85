//! A snapshot as a new profiler session would number it, for the tests of the leak report across
//! sessions (`tests/leaks.rs` through the CLI, `tests/ui_leaks.rs` through the window).

#![allow(dead_code, clippy::unwrap_used)]

use std::io::Read;
use std::path::Path;

use serde_json::Value;

/// `path` (gzip) with every node renumbered: ids 1, 3, 5, … in node order (V8 gives a session's
/// objects fresh odd ids from the same start, so the same id names another object in another
/// session), written uncompressed to `out`.
pub fn renumbered(path: &Path, out: &Path) {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap()).read_to_string(&mut text).unwrap();
    let mut json: Value = serde_json::from_str(&text).unwrap();
    let fields: Vec<String> = serde_json::from_value(json["snapshot"]["meta"]["node_fields"].clone()).unwrap();
    let (width, id) = (fields.len(), fields.iter().position(|f| f == "id").unwrap());
    let nodes = json["nodes"].as_array_mut().unwrap();
    for (k, row) in nodes.chunks_mut(width).enumerate() {
        row[id] = Value::from(1 + 2 * k as u64);
    }
    std::fs::write(out, serde_json::to_vec(&json).unwrap()).unwrap();
}
