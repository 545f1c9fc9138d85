//! Contract: any bytes read as the persisted index of a fixed snapshot
//! (`heapscope::index::format::read`) give `Ok` or a typed `IndexError`, never a panic, a hang,
//! an abort or an allocation larger than the input; whatever is accepted goes through the same
//! JSON documents and path queries as the reader's targets (`exercise.rs`). Each input is read
//! twice: as is, and resealed (every checksum recomputed), because a mutation nearly always
//! fails a checksum first and the structural checks behind them are what must hold.
//! The seed (`seeds-index/rich.hsindex`) is a valid index, written by `examples/gen_seeds.rs`.
#![no_main]

use heapscope::index::format::{read, reseal};
use heapscope::snapshot::SharedBytes;
use libfuzzer_sys::fuzz_target;

#[path = "exercise.rs"]
mod exercise;
#[path = "index_key.rs"]
mod index_key;

fuzz_target!(|data: &[u8]| {
    let key = index_key::key();
    // The bytes as the reader sees a mapped index: columns are views into them.
    if let Ok(a) = read(&SharedBytes::copy_of(data), &key) {
        exercise::exercise_analysis(&a);
    }
    let mut resealed = data.to_vec();
    reseal(&mut resealed);
    if let Ok(a) = read(&SharedBytes::copy_of(&resealed), &key) {
        exercise::exercise_analysis(&a);
    }
});
