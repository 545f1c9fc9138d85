//! Shared by the fuzz targets: everything a user can ask of a loaded snapshot.

use heapscope::analysis::Analysis;
use heapscope::analysis::diff;
use heapscope::analysis::paths::{self, RetainersView};
use heapscope::cli::json;
use heapscope::progress::NoProgress;
use heapscope::snapshot::read_from;

/// Reads `bytes` (plain or gzip: the reader sniffs), and when the reader accepts them runs every
/// analysis and streams the JSON documents for a few nodes. Errors are fine; panics are not.
#[allow(dead_code)]
pub fn exercise(bytes: &[u8]) {
    let Ok(snapshot) = read_from(bytes, Some(bytes.len() as u64), &NoProgress) else {
        return;
    };
    let a = Analysis::run(snapshot, &NoProgress).expect("NoProgress never cancels");
    exercise_analysis(&a);
}

/// The JSON documents and path queries of [`exercise`], on an analysis from anywhere (the
/// reader, or the persisted index).
#[allow(dead_code)] // each target uses one of the two entry points
pub fn exercise_analysis(a: &Analysis) {
    json::summary(&mut std::io::sink(), a, "x").expect("a sink never fails");
    let count = a.node_count() as u32;
    let last = count.saturating_sub(1);
    let mut nodes: Vec<u32> = (0..count.min(8)).collect();
    nodes.extend([count / 2, last]);
    let view = RetainersView::new();
    for &n in &nodes {
        json::retainers(&mut std::io::sink(), a, n, "x").expect("a sink never fails");
        let _ = paths::retaining_paths(a, &view, n);
    }
    let mut view = RetainersView::new();
    view.ignore(a, count / 2);
    let _ = paths::shortest_path(a, &view, last);
    let cmp = diff::compare(a, a);
    assert!(cmp.classes.is_empty(), "a snapshot compared with itself has no changes");
    json::diff(&mut std::io::sink(), a, a, &cmp, &["a", "b"]).expect("a sink never fails");
}
