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

/// A `Field:   123 kB` line's number from a `/proc` file, 0 if absent.
fn kb_field(file: &str, field: &str) -> u64 {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .unwrap_or(0)
}

fn status_kb(field: &str) -> u64 {
    kb_field("/proc/self/status", field)
}

/// The memory this process may use at most: the machine's physical memory, or less where its
/// cgroup (a container, a systemd slice) is limited: `memory.max` (cgroup v2) or
/// `memory.limit_in_bytes` (v1). Linux; 0 elsewhere or when unknown.
pub fn machine_memory_bytes() -> u64 {
    let physical = kb_field("/proc/meminfo", "MemTotal:") * 1024;
    // This process's groups: "0::/user.slice/…" (v2) or "4:memory:/…" (v1); "/" inside a
    // container's namespace. No limit reads "max" (v2, which does not parse) or about 2^63 (v1).
    let groups = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let limits = groups.lines().filter_map(|l| {
        let (_, rest) = l.split_once(':')?;
        let (controllers, group) = rest.split_once(':')?;
        let group = group.trim_end_matches('/');
        let file = match controllers {
            "" => format!("/sys/fs/cgroup{group}/memory.max"),
            c if c.split(',').any(|c| c == "memory") => format!("/sys/fs/cgroup/memory{group}/memory.limit_in_bytes"),
            _ => return None,
        };
        std::fs::read_to_string(file).ok()?.trim().parse::<u64>().ok()
    });
    limits.fold(physical, |least, l| if least == 0 { l } else { least.min(l) })
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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    /// Never more than the machine's memory, and not nothing.
    #[test]
    fn the_memory_a_process_may_use_is_at_most_the_machine_s() {
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
        let total_kb: u64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|l| l.trim().strip_suffix("kB"))
            .and_then(|n| n.trim().parse().ok())
            .expect("MemTotal: N kB");
        let may_use = super::machine_memory_bytes();
        assert!(may_use > 0 && may_use <= total_kb * 1024, "{may_use} bytes of {total_kb} kB");
    }
}
