//! Never panic: mutated snapshots (flipped, inserted, deleted and duplicated bytes, truncation,
//! plain and gzip) go through the reader, and whatever it accepts goes through every analysis
//! and every query. The contract is the same as regex-automata's fuzz targets: any input gives
//! `Ok` or a typed error, never a panic or a hang.
//!
//! Longer runs: `PROPTEST_CASES=100000 cargo test --release --test fuzz`. Crashers found are kept
//! as files in `tests/fuzz-regressions/` and replayed by `regressions_stay_fixed`.

#![allow(clippy::unwrap_used)]

use std::io::Write;

use heapscope::analysis::Analysis;
use heapscope::analysis::paths::{self, RetainersView};
use heapscope::cli::json;
use heapscope::progress::NoProgress;
use heapscope::snapshot::read_from;
use proptest::prelude::*;

/// A small snapshot with every feature the passes look at: user and system roots, weak edges,
/// a WeakMap ephemeron pair, hidden/array backing stores, a cons string, a plain object with
/// properties, a detached native node, a location, `(map descriptors)`. It is the cargo-fuzz
/// targets' `rich` seed, written by `fuzz/examples/gen_seeds.rs`, so both fuzzers start from
/// the same graph.
fn seed() -> Vec<u8> {
    include_bytes!("../fuzz/seeds/rich.heapsnapshot").to_vec()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
    /// Replace a digit run's first digit: the most damaging edit for the integer arrays.
    Digit(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Mutation::Flip(p, b)),
        (any::<usize>(), prop::collection::vec(prop::sample::select(b"0123456789,[]{}\":-. \n\\u".to_vec()), 1..6))
            .prop_map(|(p, v)| Mutation::Insert(p, v)),
        (any::<usize>(), 1usize..40).prop_map(|(p, n)| Mutation::Delete(p, n)),
        (any::<usize>(), 1usize..60).prop_map(|(p, n)| Mutation::Duplicate(p, n)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), b'0'..=b'9').prop_map(|(p, d)| Mutation::Digit(p, d)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    let at = |p: usize, len: usize| p % len;
    match m {
        Mutation::Flip(p, b) => {
            let i = at(*p, bytes.len());
            bytes[i] ^= b | 1;
        }
        Mutation::Insert(p, v) => {
            let i = at(*p, bytes.len());
            bytes.splice(i..i, v.iter().copied());
        }
        Mutation::Delete(p, n) => {
            let i = at(*p, bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        Mutation::Duplicate(p, n) => {
            let i = at(*p, bytes.len());
            let end = (i + n).min(bytes.len());
            let copy = bytes[i..end].to_vec();
            bytes.splice(end..end, copy);
        }
        Mutation::Truncate(p) => {
            let i = at(*p, bytes.len());
            bytes.truncate(i);
        }
        Mutation::Digit(p, d) => {
            let start = at(*p, bytes.len());
            if let Some(i) = (start..bytes.len()).find(|&i| bytes[i].is_ascii_digit()) {
                bytes[i] = *d;
            }
        }
    }
}

/// Everything a user can ask of a loaded snapshot.
fn exercise(bytes: &[u8]) {
    let Ok(snapshot) = read_from(bytes, Some(bytes.len() as u64), &NoProgress) else {
        return;
    };
    let a = Analysis::run(snapshot, &NoProgress).unwrap();
    json::summary(&mut std::io::sink(), &a, "fuzz").unwrap();
    let view = RetainersView::new();
    for n in (0..a.node_count() as u32).step_by(3) {
        json::retainers(&mut std::io::sink(), &a, n, "fuzz").unwrap();
        let _ = paths::retaining_paths(&a, &view, n);
    }
    let mut view = RetainersView::new();
    view.ignore(&a, a.node_count() as u32 / 2);
    let _ = paths::shortest_path(&a, &view, a.node_count() as u32 - 1);
    let cmp = heapscope::analysis::diff::compare(&a, &a);
    assert!(cmp.classes.is_empty(), "a snapshot compared with itself has no changes");
    json::diff(&mut std::io::sink(), &a, &a, &cmp, &["a", "b"]).unwrap();
}

#[test]
fn the_seed_loads() {
    let s = read_from(&seed()[..], None, &NoProgress).unwrap();
    assert_eq!(s.node_count(), 14);
    exercise(&seed());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_text_never_panics(ms in prop::collection::vec(mutation(), 1..5)) {
        let mut bytes = seed();
        for m in &ms {
            apply(&mut bytes, m);
        }
        exercise(&bytes);
    }

    #[test]
    fn mutated_gzip_never_panics(ms in prop::collection::vec(mutation(), 1..3), text_edit in mutation()) {
        let mut text = seed();
        apply(&mut text, &text_edit);
        let mut bytes = gzip(&text);
        for m in &ms {
            apply(&mut bytes, m);
        }
        exercise(&bytes);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        exercise(&bytes);
    }
}

/// Inputs that once crashed or hung, kept forever.
#[test]
fn regressions_stay_fixed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    // A missing or empty folder would make this test pass without replaying anything.
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut replayed = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        exercise(&std::fs::read(&path).unwrap());
        replayed += 1;
    }
    assert!(replayed > 0, "{} holds no regression inputs", dir.display());
}
