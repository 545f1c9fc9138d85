//! The persisted index: open a snapshot once, reopen it without parsing.
//!
//! After a full load, every column of the [`Analysis`] (the snapshot's columns and strings, and
//! every result: retainers, distances, dominators, retained sizes, classes, Summary rows,
//! statistics, problems) is written to a versioned sidecar file; the next open of the same file
//! maps that file and uses its columns in place instead of parsing the JSON and running the
//! passes ([`read_index`]): the columns are file-backed pages, which the kernel keeps in the page
//! cache and may drop, not heap memory. Eclipse MAT does the same with its index files
//! (`*.index` beside the dump, "Parsing a heap dump" in MAT's help); no V8 tool does.
//!
//! * **Where**: `$XDG_CACHE_HOME/heapscope/index/` (else `~/.cache/heapscope/index/`), one file per
//!   snapshot path named by a hash of the canonical path ([`IndexOptions::index_path`]); or beside
//!   the snapshot (`FILE.hsindex`) with [`IndexOptions::beside`] (`--index-beside`).
//! * **Keyed** by the canonical path, the file's size and mtime and CRC-32s of its first 1 MiB
//!   (the header and meta) and last 64 KiB ([`SnapshotKey`]); the key is taken before the file is
//!   read and again before the index is written, so a snapshot rewritten meanwhile gets no index,
//!   and a changed snapshot is never shown with its old one.
//! * **Never trusted**: [`format`] checks magic, version, key, lengths (before allocating), a
//!   CRC-32 per section and the columns' invariants; any failure means "parse the snapshot and
//!   write a new index" ([`Lookup::Miss`] carries the reason).
//! * **Never a partial file**: written to a temporary file in the same folder, then renamed.
//! * **Bounded**: the cache folder is kept under [`IndexOptions::cache_limit`] (default 20 GiB),
//!   least recently used first out; [`clean`] empties it (`heapscope index clean`).
//! * **Off** with `HEAPSCOPE_NO_INDEX=1` (the test suites and benchmarks), `--no-index` on the
//!   command line, or the window's setting.
//!
//! This module sits above `analysis` (it builds an [`Analysis`] from its columns) and below
//! `ui`/`cli`, which call [`lookup`] before loading and [`Pending::write`] after showing the
//! result.

pub mod format;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::analysis::Analysis;
use crate::snapshot::SharedBytes;

pub use format::IndexError;

/// The file name extension of index files.
pub const EXTENSION: &str = "hsindex";
/// The default bound on the cache folder.
pub const DEFAULT_CACHE_LIMIT: u64 = 20 << 30;
/// How much of the snapshot's start the key hashes (the header and `meta` are within it).
const HEAD_BYTES: u64 = 1 << 20;
/// How much of the snapshot's end the key hashes (strings: changed by most rewrites).
const TAIL_BYTES: u64 = 64 << 10;

/// Whether and where to keep indexes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexOptions {
    pub enabled: bool,
    /// Beside the snapshot (`FILE.hsindex`) instead of the cache folder.
    pub beside: bool,
    /// The cache folder (`None`: no cache folder could be found; only `beside` works).
    pub cache_dir: Option<PathBuf>,
    /// The cache folder's total size is kept under this many bytes.
    pub cache_limit: u64,
}

impl IndexOptions {
    /// On, in the user's cache folder, unless `HEAPSCOPE_NO_INDEX` is set (to anything but `0`
    /// or nothing). Off on big-endian hosts: the columns are stored little-endian.
    pub fn from_env() -> IndexOptions {
        let disabled = env_flag("HEAPSCOPE_NO_INDEX");
        IndexOptions {
            enabled: !disabled && cfg!(target_endian = "little"),
            beside: false,
            cache_dir: default_cache_dir(),
            cache_limit: DEFAULT_CACHE_LIMIT,
        }
    }

    /// No index is read or written.
    pub fn off() -> IndexOptions {
        IndexOptions { enabled: false, beside: false, cache_dir: None, cache_limit: DEFAULT_CACHE_LIMIT }
    }

    /// Where the index of the snapshot `key` names lives.
    pub fn index_path(&self, key: &SnapshotKey) -> Option<PathBuf> {
        if self.beside {
            let mut name = key.path.file_name()?.to_os_string();
            name.push(".");
            name.push(EXTENSION);
            return Some(key.path.with_file_name(name));
        }
        let dir = self.cache_dir.as_ref()?;
        Some(dir.join(format!("{:016x}.{EXTENSION}", fnv1a(key.path_bytes()))))
    }
}

/// `$XDG_CACHE_HOME/heapscope/index`, else `~/.cache/heapscope/index` (the XDG base directory
/// specification's cache home).
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("heapscope").join("index"))
}

/// Whether the switch `name` is set in the environment: to anything but `0` or nothing.
fn env_flag(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0")
}

/// The folder for the columns an analysis moves out of memory once it has finished with them
/// (`snapshot::column::Column::spilled`): beside the index cache (`…/heapscope/spill`), or
/// `None` (all in memory) when `HEAPSCOPE_NO_SPILL` is set (to anything but `0` or nothing).
/// Its files have no names: nothing is left in it, and nothing to clean.
///
/// Nor on a file system held in memory (`tmpfs`, `ramfs`, as `~/.cache` or `XDG_CACHE_HOME`
/// sometimes is): pages there cannot be dropped, only moved, so spilling would cost time and
/// save nothing.
pub fn default_spill_dir() -> Option<PathBuf> {
    if env_flag("HEAPSCOPE_NO_SPILL") {
        return None;
    }
    let dir = default_cache_dir()?.parent()?.join("spill");
    // The nearest folder that exists, as the kernel resolves it (symbolic links followed).
    let existing = dir.ancestors().find_map(|a| std::fs::canonicalize(a).ok())?;
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    match file_system_of(&mountinfo, &existing) {
        Some("tmpfs" | "ramfs") => None,
        _ => Some(dir),
    }
}

/// The type of the file system `path` (absolute, canonical) is on, from `/proc/self/mountinfo`
/// (proc(5): field 5 is the mount point, octal-escaped; the type follows the ` - ` separator):
/// the mount with the longest mount point that contains `path`, the last one mounted on a tie.
fn file_system_of<'a>(mountinfo: &'a str, path: &Path) -> Option<&'a str> {
    let unescape = |s: &str| -> PathBuf {
        let mut out = Vec::new();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let octal = b
                .get(i + 1..i + 4)
                .and_then(|d| std::str::from_utf8(d).ok())
                .and_then(|d| u8::from_str_radix(d, 8).ok());
            match (b[i], octal) {
                (b'\\', Some(c)) => {
                    out.push(c);
                    i += 4;
                }
                (c, _) => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        PathBuf::from(String::from_utf8_lossy(&out).into_owned())
    };
    let mut best: Option<(usize, &str)> = None;
    for line in mountinfo.lines() {
        let Some((mount_fields, fs_fields)) = line.split_once(" - ") else { continue };
        let Some(mount_point) = mount_fields.split(' ').nth(4) else { continue };
        let Some(fs_type) = fs_fields.split(' ').next() else { continue };
        let mount_point = unescape(mount_point);
        let depth = mount_point.components().count();
        if path.starts_with(&mount_point) && best.is_none_or(|(d, _)| depth >= d) {
            best = Some((depth, fs_type));
        }
    }
    best.map(|(_, fs_type)| fs_type)
}

/// FNV-1a, 64 bits: a stable name for a path (std's hasher may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// What identifies one version of one snapshot file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotKey {
    /// Canonical (absolute, symlinks resolved).
    pub path: PathBuf,
    pub size: u64,
    pub mtime_secs: i64,
    pub mtime_nanos: u32,
    /// CRC-32 of the first 1 MiB (V8 writes the `snapshot` header and `meta` there).
    pub head_crc: u32,
    /// CRC-32 of the last 64 KiB.
    pub tail_crc: u32,
}

impl SnapshotKey {
    /// Stats and samples the file at `path` (reads at most 1 MiB + 64 KiB of it).
    pub fn of(path: &Path) -> std::io::Result<SnapshotKey> {
        let path = std::fs::canonicalize(path)?;
        let mut file = File::open(&path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
        }
        let (mtime_secs, mtime_nanos) = match meta.modified()?.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
            Err(before) => (-(before.duration().as_secs() as i64), before.duration().subsec_nanos()),
        };
        let size = meta.len();
        let mut buf = vec![0u8; HEAD_BYTES.min(size) as usize];
        file.read_exact(&mut buf)?;
        let head_crc = crc32fast::hash(&buf);
        let tail_start = size.saturating_sub(TAIL_BYTES);
        use std::io::Seek;
        file.seek(std::io::SeekFrom::Start(tail_start))?;
        buf.resize((size - tail_start) as usize, 0);
        file.read_exact(&mut buf)?;
        let tail_crc = crc32fast::hash(&buf);
        Ok(SnapshotKey { path, size, mtime_secs, mtime_nanos, head_crc, tail_crc })
    }

    /// The canonical path's bytes, as stored in the index header.
    pub fn path_bytes(&self) -> &[u8] {
        self.path.as_os_str().as_encoded_bytes()
    }
}

/// What [`lookup`] found.
pub enum Lookup {
    /// A valid index: the analysis, read from it (boxed: the other variant is small).
    Hit(Box<Analysis>),
    /// No usable index: load the snapshot, then (if `pending` is `Some`) write one with
    /// [`Pending::write`]. `ignored` says why an existing index file was not used.
    Miss { pending: Option<Pending>, ignored: Option<IndexError> },
}

/// An index to write once the snapshot has been loaded.
#[derive(Clone, Debug)]
pub struct Pending {
    key: SnapshotKey,
    index_path: PathBuf,
    /// The cache folder to keep under `cache_limit` after writing (`None` beside the snapshot).
    cache: Option<(PathBuf, u64)>,
}

/// Looks for a valid index of the snapshot at `path`. Standard input and files that cannot be
/// stat'ed have none (and get none).
pub fn lookup(path: &Path, options: &IndexOptions) -> Lookup {
    let miss = |pending, ignored| Lookup::Miss { pending, ignored };
    if !options.enabled || path.as_os_str() == "-" {
        return miss(None, None);
    }
    let Ok(key) = SnapshotKey::of(path) else { return miss(None, None) };
    let Some(index_path) = options.index_path(&key) else { return miss(None, None) };
    let cache = (!options.beside).then(|| options.cache_dir.clone().map(|d| (d, options.cache_limit))).flatten();
    let pending = Pending { key, index_path, cache };
    match read_index(&pending.index_path, &pending.key) {
        Ok(analysis) => {
            // Least recently used is evicted first: reading counts as a use.
            if let Ok(f) = File::options().write(true).open(&pending.index_path) {
                let _ = f.set_modified(std::time::SystemTime::now());
            }
            Lookup::Hit(Box::new(analysis))
        }
        Err(IndexError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => miss(Some(pending), None),
        Err(e) => miss(Some(pending), Some(e)),
    }
}

/// Reads the index at `index_path` if it is a valid index of `key`'s snapshot.
/// The file is mapped, not read: the big columns of the result are views into the mapping (see
/// [`crate::snapshot::column`]), and once every page has been checked the mapping's resident
/// pages are released, so the reopened analysis holds little more than what it rebuilt.
pub fn read_index(index_path: &Path, key: &SnapshotKey) -> Result<Analysis, IndexError> {
    let file = File::open(index_path)?;
    if file.metadata()?.len() < format::MIN_LEN {
        return Err(IndexError::Truncated);
    }
    let bytes = SharedBytes::map(&file)?;
    let analysis = format::read(&bytes, key)?;
    let start = std::time::Instant::now();
    let released = bytes.release_resident_pages();
    if std::env::var_os("HEAPSCOPE_TRACE").is_some() {
        let rss = |b: u64| b >> 20;
        eprintln!(
            "[index] mapped pages released ({released}) in {:.3}s: rss {} MB (anon {} MB, file {} MB)",
            start.elapsed().as_secs_f64(),
            rss(crate::rss::rss_bytes()),
            rss(crate::rss::rss_anon_bytes()),
            rss(crate::rss::rss_file_bytes())
        );
    }
    Ok(analysis)
}

/// What [`Pending::write`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    /// The index file and its size in bytes.
    Index(PathBuf, u64),
    /// The snapshot changed while it was loaded: no index (it would describe the old one).
    SnapshotChanged,
}

impl Pending {
    /// Writes the index of `analysis` (loaded from the snapshot this was looked up for) to a
    /// temporary file beside the index path, renames it into place, and trims the cache.
    pub fn write(&self, analysis: &Analysis) -> std::io::Result<Written> {
        if SnapshotKey::of(&self.key.path).ok().as_ref() != Some(&self.key) {
            return Ok(Written::SnapshotChanged);
        }
        let dir = self.index_path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let mut temp_name = self.index_path.file_name().unwrap_or_default().to_os_string();
        temp_name.push(format!(".tmp{}-{}", std::process::id(), stamp.as_nanos()));
        let temp = dir.join(temp_name);
        let result = (|| {
            let file = File::options().write(true).create_new(true).open(&temp)?;
            format::write(analysis, &self.key, &file)?;
            let len = file.metadata()?.len();
            std::fs::rename(&temp, &self.index_path)?;
            Ok(len)
        })();
        let len = match result {
            Ok(len) => len,
            Err(e) => {
                let _ = std::fs::remove_file(&temp);
                return Err(e);
            }
        };
        if let Some((dir, limit)) = &self.cache {
            let _ = trim_cache(dir, *limit, Some(&self.index_path));
        }
        Ok(Written::Index(self.index_path.clone(), len))
    }

    pub fn index_path(&self) -> &Path {
        &self.index_path
    }

    /// The snapshot's canonical path.
    pub fn key_path(&self) -> &Path {
        &self.key.path
    }
}

/// The index files in `dir` (and temporary files left by a crash), oldest use first.
fn cache_files(dir: &Path) -> std::io::Result<Vec<(PathBuf, u64, std::time::SystemTime)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = name.ends_with(&format!(".{EXTENSION}")) || name.contains(&format!(".{EXTENSION}.tmp"));
        let Ok(meta) = entry.metadata() else { continue };
        if ours && meta.is_file() {
            files.push((entry.path(), meta.len(), meta.modified().unwrap_or(std::time::UNIX_EPOCH)));
        }
    }
    files.sort_by_key(|f| f.2);
    Ok(files)
}

/// Deletes the least recently used index files in `dir` until the rest take at most `limit`
/// bytes; `keep` (the index just written) is never deleted. Returns the bytes freed.
pub fn trim_cache(dir: &Path, limit: u64, keep: Option<&Path>) -> std::io::Result<u64> {
    let files = cache_files(dir)?;
    let mut total: u64 = files.iter().map(|f| f.1).sum();
    let mut freed = 0;
    for (path, len, _) in files {
        if total <= limit {
            break;
        }
        if Some(path.as_path()) == keep {
            continue;
        }
        if std::fs::remove_file(&path).is_ok() {
            total -= len;
            freed += len;
        }
    }
    Ok(freed)
}

/// Deletes every index file in the cache folder: `(files, bytes)` removed. Indexes written beside
/// snapshots (`--index-beside`) are left alone.
pub fn clean(options: &IndexOptions) -> std::io::Result<(usize, u64)> {
    let Some(dir) = &options.cache_dir else { return Ok((0, 0)) };
    let files = match cache_files(dir) {
        Ok(files) => files,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((0, 0)),
        Err(e) => return Err(e),
    };
    let (mut count, mut bytes) = (0, 0);
    for (path, len, _) in files {
        std::fs::remove_file(&path)?;
        count += 1;
        bytes += len;
    }
    Ok((count, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_system_of_a_path_is_its_deepest_mount() {
        let mountinfo = "\
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw
40 27 0:30 / /home/me/.cache rw - tmpfs tmpfs rw
41 27 0:31 / /home/me/my\\040disk rw - xfs /dev/vdb rw
42 40 0:32 / /home/me/.cache rw - ext4 /dev/vdc rw
not a mountinfo line
";
        let on = |p: &str| file_system_of(mountinfo, Path::new(p));
        assert_eq!(on("/home/me/work"), Some("ext4"));
        assert_eq!(on("/dev/shm/x"), Some("tmpfs"));
        assert_eq!(on("/home/me/my disk/x"), Some("xfs"));
        // Mounted over: the last one counts.
        assert_eq!(on("/home/me/.cache/heapscope"), Some("ext4"));
        assert_eq!(on("/home/me/.cachex"), Some("ext4"));
        assert_eq!(file_system_of("", Path::new("/x")), None);
    }
}
