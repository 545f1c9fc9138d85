//! The allocator's one setting: blocks of a megabyte and more always get a mapping of their own.
//!
//! glibc's malloc serves a block above `M_MMAP_THRESHOLD` (128 KiB at start) with its own `mmap`,
//! given back to the kernel when freed. But each such free raises the threshold to the freed
//! size, up to 32 MiB (mallopt(3), "dynamic mmap threshold"), so from then on the columns of a
//! small snapshot (a few MiB each) come from the heap, and freeing one — a column spilled to disk,
//! a pass's scratch — leaves its pages resident. Setting the threshold fixes it and turns that
//! adjustment off. Measured on a 56 MB snapshot's first open: peak RSS 70.7 MB without, 58.6 MB
//! with (BENCHMARKS.md, "Memory"); files of a gigabyte, whose columns pass 32 MiB, are unchanged.
#![allow(unsafe_code)]

/// The threshold: as [`crate::snapshot::column::SPILL_MIN_BYTES`], the size from which a column
/// is worth giving back.
const MMAP_THRESHOLD: usize = 1 << 20;

/// Sets glibc's mmap threshold for this process (nothing elsewhere). Call once, first thing.
pub fn give_big_blocks_their_own_mappings() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt(3) only changes the allocator's parameters, and may be called at any time;
    // the value is in range (at most HEAP_MAX / 2 = 32 MiB on 64-bit).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD as libc::c_int);
    }
}

/// Gives the free memory inside malloc's heaps back to the kernel (malloc_trim(3)): what the
/// reader's threads freed in blocks under the threshold (chunks in flight, a decompressor's
/// buffers) would otherwise stay resident through the analysis. Nothing elsewhere.
pub fn give_back_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim(3) only returns free pages to the kernel; it may be called at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
