//! Contract: any input bytes, gzip-compressed and given to `heapscope::snapshot::read_from`,
//! give `Ok` or a typed `ReadError`, never a panic, a hang or an abort (nor running out of memory
//! on a small input); whatever the reader accepts goes through `Analysis::run`, the JSON
//! documents and the path queries under the same contract. Compressing the input first makes
//! the gzip path run on every input, and corrupt JSON behind a valid gzip stream reach the
//! parser through the decompressor (chunk boundaries, the edges helper thread, truncation).
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

#[path = "exercise.rs"]
mod exercise;

fuzz_target!(|data: &[u8]| {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).expect("writing to a Vec never fails");
    let gz = enc.finish().expect("writing to a Vec never fails");
    exercise::exercise(&gz);
});
