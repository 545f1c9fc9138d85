//! This process's memory, as the kernel counts it: for `heapscope bench` and for the engine's
//! `HEAPSCOPE_TRACE` lines alike (so the engine need not know the bench module).
//!
//! Both read `/proc/self/status` (Linux): `VmRSS` is the resident set now, `VmHWM` its peak, the
//! whole process including the allocator's slack. Elsewhere they return 0.

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
