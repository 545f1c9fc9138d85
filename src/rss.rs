//! This process's memory, as the kernel counts it: for `heapscope bench` and for the engine's
//! `HEAPSCOPE_TRACE` lines alike (so the engine need not know the bench module).
//!
//! All read `/proc/self/status` (Linux): `VmRSS` is the resident set now, `VmHWM` its peak, the
//! whole process including the allocator's slack; `VmRSS` is the sum of `RssAnon` (heap and
//! stacks: memory only this process holds) and `RssFile` (pages of mapped files, such as a
//! reopened index: clean page-cache pages the kernel can drop and read back) and `RssShmem`.
//! Elsewhere they return 0.
//!
//! [`malloc`] keeps the allocator from holding on to what the engine frees.

pub mod malloc;

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .unwrap_or(0)
}

/// Peak resident set size of this process, in bytes (Linux; 0 elsewhere).
pub fn peak_rss_bytes() -> u64 {
    status_kb("VmHWM:") * 1024
}

/// Current resident set size, in bytes (Linux; 0 elsewhere).
pub fn rss_bytes() -> u64 {
    status_kb("VmRSS:") * 1024
}

/// The anonymous part of the resident set (heap, stacks), in bytes (Linux; 0 elsewhere).
pub fn rss_anon_bytes() -> u64 {
    status_kb("RssAnon:") * 1024
}

/// The file-backed part of the resident set (mapped files: the binary, a reopened index), in
/// bytes (Linux; 0 elsewhere).
pub fn rss_file_bytes() -> u64 {
    status_kb("RssFile:") * 1024
}
