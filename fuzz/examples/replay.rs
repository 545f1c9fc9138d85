//! Replays files through the fuzz targets' `exercise` without libFuzzer, printing what the
//! reader said of each: for checking seeds and looking at crashers in a debugger.
//!
//! `cargo run --manifest-path fuzz/Cargo.toml --example replay -- FILE...`

#[path = "../fuzz_targets/exercise.rs"]
mod exercise;

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).expect("read the input");
        let verdict = match heapscope::snapshot::read_from(&bytes[..], None, &heapscope::progress::NoProgress) {
            Ok(s) => format!("Ok: {} nodes, {} edges", s.node_count(), s.edge_count()),
            Err(e) => format!("Err: {e}"),
        };
        println!("{path}: {verdict}");
        exercise::exercise(&bytes);
    }
}
