//! Contract: any input bytes given to `heapscope::snapshot::read_from` give `Ok` or a typed
//! `ReadError`, never a panic, a hang or an abort (nor running out of memory on a small input);
//! whatever the reader accepts goes through `Analysis::run`, the JSON documents (summary,
//! retainers for a few nodes, diff of the snapshot with itself) and the path queries under the
//! same contract. The input is read as is: plain text, or gzip if it starts with the magic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "exercise.rs"]
mod exercise;

fuzz_target!(|data: &[u8]| {
    exercise::exercise(data);
});
