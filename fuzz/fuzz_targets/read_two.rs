//! Contract: the two-thread reader of large plain files — the helper reading `edges` ahead and
//! the main reader taking the end of the array over (here at a fraction of the array the first
//! input byte picks, the helper held until the plan is made) — gives what the one-thread reader
//! gives for the same bytes: the same columns, or the same error (kind, section and byte).
#![no_main]

use heapscope::progress::NoProgress;
use heapscope::snapshot::{read_file_taking_edges_over_at, read_from};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    // Gzip is read by one thread whatever its size.
    if body.starts_with(&[0x1f, 0x8b]) {
        return;
    }
    let path = std::env::temp_dir().join(format!("heapscope-fuzz-two-{}.heapsnapshot", std::process::id()));
    std::fs::write(&path, body).unwrap();
    let one = read_from(body, Some(body.len() as u64), &NoProgress);
    let two = read_file_taking_edges_over_at(&path, f64::from(pick) / 255.0);
    match (one, two) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.node_count(), b.node_count());
            assert_eq!(a.edge_count(), b.edge_count());
            for e in 0..a.edge_count() as u32 {
                assert_eq!(
                    (a.edge_to(e), a.edge_type(e), a.edge_name_or_index(e)),
                    (b.edge_to(e), b.edge_type(e), b.edge_name_or_index(e)),
                    "edge {e}"
                );
            }
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("one reader: {:?}, two: {:?}", a.err(), b.err()),
    }
});
