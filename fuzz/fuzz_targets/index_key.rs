//! The fixed snapshot identity the `index` target's inputs are read as an index of, shared with
//! `examples/gen_seeds.rs`, which writes a valid index of `seeds/rich.heapsnapshot` under it.

use heapscope::index::SnapshotKey;

pub fn key() -> SnapshotKey {
    SnapshotKey {
        path: "/fuzz/rich.heapsnapshot".into(),
        size: 4096,
        mtime_secs: 1_700_000_000,
        mtime_nanos: 0,
        head_crc: 0x1234_5678,
        tail_crc: 0x9abc_def0,
    }
}
