//! A read-only column of plain values: an owned `Vec`, or a view into a memory-mapped file.
//!
//! The persisted index (the `index` module) stores every big column of an `Analysis` as an aligned
//! little-endian section; reopening maps the file and lets each column point into the mapping
//! instead of copying it, so the columns are file-backed pages the kernel can drop and read back
//! from the page cache, not heap memory (Eclipse MAT reads its index files the same way, and
//! ripgrep searches large files through a mapping). A [`Column`] derefs to `&[T]`, so code that
//! reads a column does not know which one it has; code that builds or rewrites a column keeps a
//! `Vec` and converts it at the end (`Column::from(vec)`).
//!
//! This is the one module of the crate with `unsafe` code: mapping the file, building a slice
//! from a pointer into the mapping, and telling the kernel it may drop the mapping's resident
//! pages. What each assumes is written where it is done.
#![allow(unsafe_code)]

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use bytemuck::Pod;

use super::Location;

/// Where big columns go once the analysis has finished with them ([`Column::spilled`]); `None`,
/// the default, keeps everything in memory. The CLI and the window set it at start (a folder
/// beside the index cache, unless indexes are off).
static SPILL_DIR: std::sync::RwLock<Option<std::path::PathBuf>> = std::sync::RwLock::new(None);

/// Sets the folder for spilled columns (see [`SPILL_DIR`]).
pub fn set_spill_dir(dir: Option<std::path::PathBuf>) {
    *SPILL_DIR.write().unwrap_or_else(|e| e.into_inner()) = dir;
}

/// The folder for spilled columns, if any (see [`SPILL_DIR`]).
pub fn spill_dir() -> Option<std::path::PathBuf> {
    SPILL_DIR.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// A test's fixed [`memory_budget`] (`None`: the machine's).
static MEMORY_BUDGET: std::sync::RwLock<Option<u64>> = std::sync::RwLock::new(None);

/// Fixes [`memory_budget`] (for tests, which check both sides of a spill decision), or, with
/// `None`, leaves it to the machine again.
pub fn set_memory_budget(bytes: Option<u64>) {
    *MEMORY_BUDGET.write().unwrap_or_else(|e| e.into_inner()) = bytes;
}

/// The memory a first load of a snapshot of `json_bytes` may have resident before it spills
/// columns it would rather keep. Spilling trades time for memory: a column written out is written
/// once more, and on the critical path where a pass waits for it (the reverse index: 0.5 s of a
/// 1.14 GB file's 5 s on this 2-core VM, whose first writes to fresh page cache are slow). So a
/// load keeps such a column where the memory in use, the column included, plus what the next
/// passes bring beside it stays within the snapshot's size (issue 14's promise: peak memory at
/// most the file's size).
///
/// Except for a snapshot of an eighth or more of the memory this process may use
/// ([`crate::rss::machine_memory_bytes`]): there memory decides whether it opens at all (a 25 GB
/// one on 24 GiB; issue 14 holds 4 GB and more to 0.6× their size), so it keeps nothing it can
/// spill (budget 0). A kept column stays resident through the later passes too, which the
/// estimate above does not see: a 4.4 GB snapshot that kept its reverse index peaked at 0.66–0.69×
/// its size against 0.592×.
///
/// Columns the passes are done with (the names, the text, the sizes and distances) are spilled
/// whatever the budget: they cost little to write and would otherwise stay for nothing.
pub fn memory_budget(json_bytes: u64) -> u64 {
    let fixed = *MEMORY_BUDGET.read().unwrap_or_else(|e| e.into_inner());
    fixed.unwrap_or_else(|| if json_bytes < crate::rss::machine_memory_bytes() / 8 { json_bytes } else { 0 })
}

/// Columns a spill could not write since the last [`take_spill_shortfall`] (see there).
static SHORTFALL: std::sync::Mutex<Option<SpillShortfall>> = std::sync::Mutex::new(None);

/// Columns that stayed in memory because their spill file could not be written (a full disk, a
/// folder that cannot be created): the load still succeeds, but its peak memory is higher by
/// `bytes`, which a user opening a snapshot near the machine's memory must be told (a 28.6 GB
/// snapshot peaked at 0.652× its size, not 0.529×, with 16 GB free for its 18 GB of spill files).
/// Worded for the user by `analysis::format::spill_shortfall`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpillShortfall {
    pub bytes: u64,
    pub dir: std::path::PathBuf,
    /// The last error met.
    pub error: String,
}

/// What the spills since the last call could not write, if anything; starts counting anew. The
/// CLI says it after a load, the window in its status line.
pub fn take_spill_shortfall() -> Option<SpillShortfall> {
    SHORTFALL.lock().unwrap_or_else(|e| e.into_inner()).take()
}

fn note_spill_shortfall(bytes: usize, dir: &std::path::Path, error: &std::io::Error) {
    let mut shortfall = SHORTFALL.lock().unwrap_or_else(|e| e.into_inner());
    let s = shortfall.get_or_insert_with(|| SpillShortfall { bytes: 0, dir: dir.to_path_buf(), error: String::new() });
    s.bytes += bytes as u64;
    s.error = error.to_string();
}

/// Columns smaller than this are not worth a file of their own ([`Column::spilled`]).
pub const SPILL_MIN_BYTES: usize = 1 << 20;

/// A column's values written to a file and mapped ([`Column::spill_copy`]), not yet in its place.
pub struct SpillCopy {
    shared: SharedBytes,
    len: usize,
}

/// A read-only column of `T`: a `Vec<T>`, or `T`s inside a [`SharedBytes`] (a mapped file).
pub struct Column<T: Pod> {
    /// The first element: into `owner`'s `Vec` buffer or its shared bytes (never moved while
    /// this column lives: the `Vec` is never touched again, the bytes are behind an `Arc`).
    ptr: *const T,
    len: usize,
    owner: Owner<T>,
}

enum Owner<T> {
    Vec(Vec<T>),
    Shared(Arc<Backing>),
}

// SAFETY: a `Column` is a `Vec<T>` or an `Arc` of immutable bytes plus a pointer into one of them
// that is only ever read; `T: Pod` values are plain data. Sharing or sending it is sharing or
// sending a `&[T]`.
unsafe impl<T: Pod + Send> Send for Column<T> {}
// SAFETY: as above; nothing is written through `&Column`.
unsafe impl<T: Pod + Sync> Sync for Column<T> {}

impl<T: Pod> Column<T> {
    /// The column's values, as an owned `Vec` (a copy if it is a view into a file).
    pub fn into_vec(self) -> Vec<T> {
        match self.owner {
            Owner::Vec(v) => v,
            Owner::Shared(_) => self.as_slice().to_vec(),
        }
    }

    pub fn as_slice(&self) -> &[T] {
        // SAFETY: `ptr` and `len` describe a slice of initialised `T`s (checked by `bytemuck` when
        // the column was made), inside an allocation `owner` keeps alive and never changes: a
        // `Vec` that is not touched again, or a `SharedBytes` whose bytes are immutable (see
        // `SharedBytes::map` for what a mapping assumes).
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// Appends `value` (for columns built one value at a time: the string arena). A view into a
    /// file is copied into a `Vec` first; an owned column just grows.
    pub fn push(&mut self, value: T) {
        let mut values = std::mem::take(self).into_vec();
        values.push(value);
        *self = Column::from(values);
    }

    /// Releases an owned column's spare capacity (a view has none).
    pub fn shrink_to_fit(&mut self) {
        if let Owner::Vec(v) = &self.owner
            && v.capacity() > v.len()
        {
            let mut values = std::mem::take(self).into_vec();
            values.shrink_to_fit();
            *self = Column::from(values);
        }
    }

    /// Whether the values are a view into a mapped file (not heap memory).
    pub fn is_mapped(&self) -> bool {
        matches!(self.owner, Owner::Shared(_))
    }

    /// This column's values moved out of the heap into an unnamed file in `dir`, mapped back: for
    /// a big column the analysis has finished with but a view may still read (the reverse index,
    /// edge names, node ids). Its pages then live in the page cache, come back into this
    /// process on first read and can be dropped again ([`Column::release_resident_pages`]) —
    /// what Eclipse MAT does with its index files. The column itself if `dir` is `None`, it is
    /// small (under [`SPILL_MIN_BYTES`]), already a view, or the file cannot be written (a full
    /// disk costs memory, never the data).
    pub fn spilled(self, dir: Option<&std::path::Path>) -> Column<T> {
        let copy = self.spill_copy(dir);
        self.replaced_by(copy)
    }

    /// The first half of [`Column::spilled`]: this column's values written to an unnamed file in
    /// `dir` and mapped (no page of it resident yet), while the column is still read elsewhere —
    /// a pass that shares the column can write the copy while another thread reads it, and
    /// [`Column::replaced_by`] swaps it in once the column is no longer shared. `None` where
    /// [`Column::spilled`] would keep the column as it is.
    pub fn spill_copy(&self, dir: Option<&std::path::Path>) -> Option<SpillCopy> {
        let bytes: &[u8] = bytemuck::cast_slice(self.as_slice());
        let dir = dir?;
        if self.is_mapped() || bytes.len() < SPILL_MIN_BYTES {
            return None;
        }
        let written = (|| -> std::io::Result<SharedBytes> {
            use std::io::Write;
            std::fs::create_dir_all(dir)?;
            // No name from the start (O_TMPFILE) or unlinked at once: nothing else can open it
            // to change it under the mapping, and it goes when the mapping does.
            let mut file = tempfile::tempfile_in(dir)?;
            file.write_all(bytes)?;
            SharedBytes::map(&file)
        })();
        match written {
            Ok(shared) => Some(SpillCopy { shared, len: bytes.len() }),
            Err(e) => {
                note_spill_shortfall(bytes.len(), dir, &e);
                None
            }
        }
    }

    /// This column replaced by its [`Column::spill_copy`] (the heap copy freed); the column itself
    /// if there is none, or if the copy is not of this column's size.
    pub fn replaced_by(self, copy: Option<SpillCopy>) -> Column<T> {
        match copy.filter(|c| c.len == std::mem::size_of_val(self.as_slice())) {
            Some(c) => c.shared.column(0..c.len).unwrap_or(self),
            None => self,
        }
    }

    /// For a view into a file: maps all its pages into this process now, in one call, for a pass
    /// about to read all of it (one fault per page costs more on a virtual machine than the
    /// pass's reads). Nothing for an owned column, or where the kernel cannot (before Linux 5.14).
    pub fn populate(&self) {
        if let Owner::Shared(backing) = &self.owner
            && let Backing::Map(map) = &**backing
        {
            #[cfg(target_os = "linux")]
            let _ = map.advise(memmap2::Advice::PopulateRead);
        }
    }

    /// For a view into a file: tells the kernel this process does not need its pages resident
    /// now (see [`SharedBytes::release_resident_pages`]). Nothing for an owned column.
    pub fn release_resident_pages(&self) -> bool {
        match &self.owner {
            Owner::Shared(backing) => backing.release_resident_pages(),
            Owner::Vec(_) => false,
        }
    }

    /// [`Column::release_resident_pages`] for the values before `index` only (the whole pages
    /// among them): for a pass that reads the column front to back and not again, so that only
    /// the pages ahead of it stay resident.
    pub fn release_resident_pages_before(&self, index: usize) -> bool {
        match &self.owner {
            Owner::Shared(backing) => {
                let len = index.min(self.len) * std::mem::size_of::<T>();
                backing.release_resident_range(self.ptr as usize, len)
            }
            Owner::Vec(_) => false,
        }
    }

    /// Heap bytes this column holds (0 for a view into a file), for memory reports.
    pub fn heap_bytes(&self) -> usize {
        match &self.owner {
            Owner::Vec(v) => v.capacity() * std::mem::size_of::<T>(),
            Owner::Shared(_) => 0,
        }
    }
}

impl<T: Pod> From<Vec<T>> for Column<T> {
    fn from(v: Vec<T>) -> Column<T> {
        Column { ptr: v.as_ptr(), len: v.len(), owner: Owner::Vec(v) }
    }
}

impl<T: Pod> Default for Column<T> {
    fn default() -> Column<T> {
        Column::from(Vec::new())
    }
}

impl<T: Pod> std::ops::Deref for Column<T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Pod> AsRef<[T]> for Column<T> {
    fn as_ref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Pod> Clone for Column<T> {
    /// A view into a file is shared (the mapping is reference-counted); a `Vec` is copied.
    fn clone(&self) -> Column<T> {
        match &self.owner {
            Owner::Vec(v) => Column::from(v.clone()),
            Owner::Shared(backing) => Column { ptr: self.ptr, len: self.len, owner: Owner::Shared(backing.clone()) },
        }
    }
}

impl<T: Pod + fmt::Debug> fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_slice().fmt(f)
    }
}

impl<T: Pod + PartialEq> PartialEq for Column<T> {
    fn eq(&self, other: &Column<T>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Pod + Eq> Eq for Column<T> {}

impl<T: Pod + PartialEq> PartialEq<Vec<T>> for Column<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<'a, T: Pod> IntoIterator for &'a Column<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl<T: Pod> FromIterator<T> for Column<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Column<T> {
        Column::from(iter.into_iter().collect::<Vec<T>>())
    }
}

// SAFETY: `Location` is `repr(C)`, four `u32`s with no padding; every bit pattern is a valid
// `Location` (the index reader checks the values before using them).
unsafe impl bytemuck::Zeroable for Location {}
// SAFETY: as above; `Location` is `Copy` and `'static`.
unsafe impl Pod for Location {}

/// Immutable bytes that columns can point into: a read-only mapping of a file, or a copy in
/// memory aligned to 8 bytes (tests and the fuzz target, which have the bytes already). Cheap to
/// clone (reference-counted).
#[derive(Clone)]
pub struct SharedBytes(Arc<Backing>);

enum Backing {
    Map(memmap2::Mmap),
    /// The bytes in `u64` words (so sections at offsets that are multiples of 8 are aligned for
    /// any column type), and how many bytes there are.
    Words(Vec<u64>, usize),
}

impl SharedBytes {
    /// Maps `file` read-only.
    ///
    /// What this assumes: nobody modifies or truncates the file while the mapping lives. The
    /// index writer never modifies an index in place: it writes a temporary file and renames it
    /// over the old one, so a reader keeps the version it mapped (the old inode) even while a new
    /// one is written. Another process that truncated the file in place would make reading a
    /// vanished page raise `SIGBUS`, and one that rewrote it in place would change columns that
    /// were already checked: the same limit Eclipse MAT's index files and ripgrep's `--mmap`
    /// searches accept. Nothing in heapscope writes an index except by rename, and the files of
    /// spilled columns ([`Column::spilled`]) have no name to be opened by.
    pub fn map(file: &std::fs::File) -> std::io::Result<SharedBytes> {
        // SAFETY: see above: the file is only ever replaced by rename, never changed in place.
        let map = unsafe { memmap2::Mmap::map(file)? };
        Ok(SharedBytes(Arc::new(Backing::Map(map))))
    }

    /// A copy of `bytes`, aligned for any column.
    pub fn copy_of(bytes: &[u8]) -> SharedBytes {
        let mut words = vec![0u64; bytes.len().div_ceil(8)];
        bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..bytes.len()].copy_from_slice(bytes);
        SharedBytes(Arc::new(Backing::Words(words, bytes.len())))
    }

    pub fn as_bytes(&self) -> &[u8] {
        match &*self.0 {
            Backing::Map(map) => map,
            Backing::Words(words, len) => &bytemuck::cast_slice(words)[..*len],
        }
    }

    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes in `range` as a column of `T`, without copying; `None` if the range is outside
    /// the bytes, not aligned for `T`, or not a whole number of `T`s.
    pub fn column<T: Pod>(&self, range: Range<usize>) -> Option<Column<T>> {
        let bytes = self.as_bytes().get(range)?;
        let values: &[T] = bytemuck::try_cast_slice(bytes).ok()?;
        Some(Column { ptr: values.as_ptr(), len: values.len(), owner: Owner::Shared(self.0.clone()) })
    }

    /// Tells the kernel this process no longer needs the mapping's pages resident: a read
    /// checked every page once (checksums, invariants), and most are not read again soon. They
    /// are clean and file-backed, so they stay in the page cache and come back on the next read
    /// (a minor fault). Does nothing for bytes in memory. Returns whether the advice was given.
    pub fn release_resident_pages(&self) -> bool {
        self.0.release_resident_pages()
    }
}

impl Backing {
    /// See [`SharedBytes::release_resident_pages`].
    fn release_resident_pages(&self) -> bool {
        match self {
            Backing::Map(map) => self.release_resident_range(map.as_ptr() as usize, map.len()),
            Backing::Words(..) => false,
        }
    }

    /// [`Backing::release_resident_pages`] for the whole pages of the `len` bytes at address
    /// `start` (inside the mapping).
    fn release_resident_range(&self, start: usize, len: usize) -> bool {
        match self {
            #[cfg(unix)]
            Backing::Map(map) => {
                const PAGE: usize = 4096;
                let Some(offset) = start.checked_sub(map.as_ptr() as usize) else { return false };
                // Whole pages only, but the mapping's own last page counts whole (nothing else
                // shares it).
                let end = (offset + len).min(map.len());
                let (from, to) =
                    (offset.next_multiple_of(PAGE), if end == map.len() { end } else { end / PAGE * PAGE });
                if from >= to {
                    return false;
                }
                // SAFETY: `MADV_DONTNEED` on a read-only shared file mapping only drops this
                // process's page table entries: the next read of a page faults it back in from
                // the file (the page cache), with the same bytes, because the file is never
                // changed in place (see `SharedBytes::map`). Nothing was written through the
                // mapping, so nothing is lost; no reference into it is invalidated.
                unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, to - from).is_ok() }
            }
            _ => false,
        }
    }
}

/// Text that is checked UTF-8 once and then read as `&str`: an owned `String`, or bytes inside a
/// [`SharedBytes`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Text(Column<u8>);

impl Text {
    /// `bytes` as text, if they are UTF-8.
    pub fn new(bytes: Column<u8>) -> Option<Text> {
        std::str::from_utf8(&bytes).ok()?;
        Some(Text(bytes))
    }

    pub fn as_str(&self) -> &str {
        // SAFETY: the bytes were checked to be UTF-8 when this `Text` was made (`Text::new`,
        // `From<String>`) and only UTF-8 is appended to them (`push_str`); a column's values do
        // not change otherwise.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    pub fn heap_bytes(&self) -> usize {
        self.0.heap_bytes()
    }

    /// Appends `s` (see [`Column::push`]).
    pub fn push_str(&mut self, s: &str) {
        let mut bytes = std::mem::take(&mut self.0).into_vec();
        bytes.extend_from_slice(s.as_bytes());
        // UTF-8 followed by UTF-8 is UTF-8.
        self.0 = Column::from(bytes);
    }

    /// The text moved out of the heap ([`Column::spilled`]): the same bytes, so still UTF-8, in a
    /// file no one else can open.
    pub fn spilled(self, dir: Option<&std::path::Path>) -> Text {
        Text(self.0.spilled(dir))
    }

    /// See [`Column::release_resident_pages`].
    pub fn release_resident_pages(&self) -> bool {
        self.0.release_resident_pages()
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(Column::from(s.into_bytes()))
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_str().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_reads_what_the_bytes_hold() {
        let bytes: Vec<u8> = [1u32, 2, 3, 0xdead_beef].iter().flat_map(|v| v.to_le_bytes()).collect();
        let shared = SharedBytes::copy_of(&bytes);
        let column: Column<u32> = shared.column(4..16).expect("aligned");
        assert!(column.is_mapped());
        // Little-endian bytes read as `u32`s: the index is only used on little-endian hosts.
        #[cfg(target_endian = "little")]
        assert_eq!(&*column, &[2, 3, 0xdead_beef]);
        assert_eq!(column.clone(), Column::from(column.to_vec()));
        assert!(shared.column::<u32>(2..6).is_none(), "misaligned");
        assert!(shared.column::<u32>(4..7).is_none(), "not whole values");
        assert!(shared.column::<u32>(12..20).is_none(), "past the end");
        drop(shared);
        assert_eq!(column.into_vec().len(), 3, "the column keeps its bytes alive");
    }

    #[test]
    fn text_must_be_utf8() {
        let shared = SharedBytes::copy_of(b"h\xc3\xa9llo\xff");
        assert_eq!(shared.column(0..6).and_then(Text::new).as_deref(), Some("héllo"));
        assert!(shared.column(0..7).and_then(Text::new).is_none());
        assert!(shared.column(0..2).and_then(Text::new).is_none(), "split character");
    }
}
