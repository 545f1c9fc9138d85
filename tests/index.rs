//! The persisted index (issue 14): a reopen from the index gives the analysis a fresh parse
//! gives, column by column; the CLI's JSON is byte-identical with and without it; a truncated,
//! corrupt, version-skewed, forged or stale index is ignored and rebuilt; a rewritten snapshot
//! is never shown with its old index; the cache stays bounded and `index clean` empties it.
//!
//! Expected values come from a fresh `Analysis::run` of the same file (the oracle suite checks
//! that one against DevTools), never from the index code.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use heapscope::analysis::{Analysis, load_file};
use heapscope::index::{self, IndexError, IndexOptions, Lookup, Pending, SnapshotKey, Written};
use heapscope::progress::NoProgress;
use heapscope::snapshot::SharedBytes;
use heapscope::snapshot::builder::SnapshotBuilder;
use heapscope::snapshot::writer::write_snapshot;
use heapscope::snapshot::{EdgeType, NodeType};

#[path = "support/oracle_json.rs"]
mod oracle_json;

/// The fixed snapshot identity the `index` fuzz target reads its inputs under: its own
/// definition, so the fixtures found by fuzzing and this test cannot drift apart.
#[path = "../fuzz/fuzz_targets/index_key.rs"]
mod fuzz_index_key;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Real snapshots: Node.js 20 (the tutorial), 22, 26, and a Chromium page with detached DOM and
/// constructor locations.
fn corpus() -> Vec<PathBuf> {
    [
        "sample-snapshots/s1.heapsnapshot.gz",
        "tests/fixtures/corpus/closure_leak/s2.heapsnapshot.gz",
        "tests/fixtures/extra/node22/s1.heapsnapshot.gz",
        "tests/fixtures/extra/node26/s1.heapsnapshot.gz",
        "tests/fixtures/extra/chrome_page/s2.heapsnapshot.gz",
        "tests/fixtures/extra/gc_roots_only/s1.heapsnapshot.gz",
    ]
    .iter()
    .map(|p| root().join(p))
    .collect()
}

fn options(cache: &Path) -> IndexOptions {
    IndexOptions { enabled: true, beside: false, cache_dir: Some(cache.to_path_buf()), cache_limit: u64::MAX }
}

/// Every column and every result of two analyses are equal.
fn assert_same(got: &Analysis, want: &Analysis, what: &str) {
    assert!(got.snapshot == want.snapshot, "{what}: snapshot columns differ");
    assert_eq!(got.dom.detachedness, want.dom.detachedness, "{what}: detachedness");
    assert_eq!(got.dom.renamed, want.dom.renamed, "{what}: renamed");
    assert_eq!(got.page_owned, want.page_owned, "{what}: page owned");
    assert_eq!(got.retainers.first_retainer, want.retainers.first_retainer, "{what}: first retainer");
    assert_eq!(got.retainers.retainer_node, want.retainers.retainer_node, "{what}: retainer nodes");
    assert_eq!(got.retainers.essential, want.retainers.essential, "{what}: essential retainers");
    assert_eq!(got.self_size, want.self_size, "{what}: self sizes");
    assert_eq!(got.distance, want.distance, "{what}: distances");
    assert_eq!(got.dominator, want.dominator, "{what}: dominators");
    assert_eq!(got.retained_size, want.retained_size, "{what}: retained sizes");
    assert_eq!(got.interface_definitions, want.interface_definitions, "{what}: interface definitions");
    assert_eq!(got.classes.class_of, want.classes.class_of, "{what}: classes of nodes");
    assert_eq!(got.classes.classes, want.classes.classes, "{what}: classes");
    assert_eq!(got.aggregates.rows, want.aggregates.rows, "{what}: Summary rows");
    for (i, row) in want.aggregates.rows.iter().enumerate() {
        assert_eq!(got.aggregates.row_by_key(&row.key), Some(i), "{what}: row lookup of {}", row.key);
    }
    assert_eq!(got.statistics, want.statistics, "{what}: statistics");
    assert_eq!(got.problems, want.problems, "{what}: problems");
}

fn fresh(path: &Path) -> Analysis {
    load_file(path, &NoProgress).expect("the corpus loads")
}

/// Looks up `path`; on a miss loads it and writes the index. Returns what the lookup said.
fn open(path: &Path, options: &IndexOptions) -> (Option<Analysis>, Option<IndexError>) {
    match index::lookup(path, options) {
        Lookup::Hit(a) => (Some(*a), None),
        Lookup::Miss { pending, ignored } => {
            let pending: Pending = pending.expect("an index can be written");
            let a = fresh(path);
            assert!(matches!(pending.write(&a), Ok(Written::Index(_, len)) if len > 0));
            (None, ignored)
        }
    }
}

/// Columns moved out of memory during the analysis (the spill folder set, as the CLI and the window
/// do) give the same analysis, are read through mappings, and leave no file behind; so does a
/// spilling load whose memory budget lets it keep the reverse index.
#[test]
fn a_spilled_analysis_is_the_same_analysis() {
    use heapscope::snapshot::column::{set_memory_budget, set_spill_dir};
    let spill = tempfile::tempdir().unwrap();
    let mut spilled_any = false;
    for path in corpus() {
        let what = path.display().to_string();
        set_spill_dir(None);
        let kept = fresh(&path);
        set_spill_dir(Some(spill.path().to_path_buf()));
        // No memory to spare: everything big goes.
        set_memory_budget(Some(0));
        let spilled = fresh(&path);
        // Memory to spare: the reverse index stays, the rest goes all the same.
        set_memory_budget(Some(u64::MAX));
        let spared = fresh(&path);
        set_memory_budget(None);
        set_spill_dir(None);
        assert_same(&spilled, &kept, &what);
        assert_same(&spared, &kept, &what);
        assert!(!spared.retainers.retainer_node.is_mapped(), "{what}: the reverse index kept");
        assert!(!spared.retainers.first_retainer.is_mapped(), "{what}: its offsets kept");
        assert_eq!(spared.distance.is_mapped(), spilled.distance.is_mapped(), "{what}: distances spilled alike");
        assert!(!kept.retainers.retainer_node.is_mapped(), "{what}: nothing spilled without a folder");
        // Columns of at least SPILL_MIN_BYTES are spilled, smaller ones stay.
        let big = |len: usize| len * 4 >= heapscope::snapshot::column::SPILL_MIN_BYTES;
        let reverse = &spilled.retainers.retainer_node;
        assert_eq!(reverse.is_mapped(), big(reverse.len()), "{what}: the reverse index");
        let first = &spilled.retainers.first_retainer;
        assert_eq!(first.is_mapped(), big(first.len()), "{what}: the reverse index's offsets");
        assert_eq!(spilled.self_size.is_mapped(), big(spilled.node_count()), "{what}: self sizes");
        assert_eq!(spilled.distance.is_mapped(), big(spilled.node_count()), "{what}: distances");
        spilled_any |= reverse.is_mapped();
    }
    assert!(spilled_any, "the corpus has snapshots big enough to spill");
    assert_eq!(std::fs::read_dir(spill.path()).unwrap().count(), 0, "spill files have no names");
}

#[test]
fn reopening_from_the_index_gives_the_fresh_analysis() {
    let cache = tempfile::tempdir().unwrap();
    let options = options(cache.path());
    for path in corpus() {
        let what = path.display().to_string();
        let (hit, ignored) = open(&path, &options);
        assert!(hit.is_none() && ignored.is_none(), "{what}: no index at first");
        let Lookup::Hit(reopened) = index::lookup(&path, &options) else { panic!("{what}: the index is used") };
        assert_same(&reopened, &fresh(&path), &what);
    }
    let files = std::fs::read_dir(cache.path()).unwrap().count();
    assert_eq!(files, corpus().len(), "one index per snapshot, no temporary files left");
}

fn index_file(cache: &Path) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(cache).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "one index in {}", cache.display());
    files.pop().unwrap()
}

/// Damages the index in `cache` with `damage`, then checks the next open ignores it for the
/// reason `expected` accepts, rebuilds it, and the open after that reads the rebuilt one.
fn damaged_index_is_rebuilt(damage: impl Fn(&mut Vec<u8>), expected: impl Fn(&IndexError) -> bool, what: &str) {
    let cache = tempfile::tempdir().unwrap();
    let options = options(cache.path());
    let path = root().join("tests/fixtures/extra/chrome_page/s2.heapsnapshot.gz");
    open(&path, &options);
    let file = index_file(cache.path());
    let mut bytes = std::fs::read(&file).unwrap();
    damage(&mut bytes);
    std::fs::write(&file, &bytes).unwrap();
    let (hit, ignored) = open(&path, &options);
    assert!(hit.is_none(), "{what}: the damaged index was used");
    let ignored = ignored.unwrap_or_else(|| panic!("{what}: no reason given"));
    assert!(expected(&ignored), "{what}: ignored for another reason: {ignored}");
    let Lookup::Hit(reopened) = index::lookup(&path, &options) else { panic!("{what}: not rebuilt") };
    assert_same(&reopened, &fresh(&path), what);
}

#[test]
fn a_truncated_index_is_rebuilt() {
    damaged_index_is_rebuilt(|b| b.truncate(b.len() / 2), |e| matches!(e, IndexError::Truncated), "half");
    damaged_index_is_rebuilt(|b| b.truncate(40), |e| matches!(e, IndexError::Truncated), "header cut");
    damaged_index_is_rebuilt(|b| b.clear(), |e| matches!(e, IndexError::Truncated), "empty");
    damaged_index_is_rebuilt(|b| b.extend_from_slice(&[0; 8]), |e| matches!(e, IndexError::Truncated), "longer");
}

#[test]
fn a_corrupt_index_is_rebuilt() {
    // A flipped bit in the middle of the data: a section's checksum.
    damaged_index_is_rebuilt(
        |b| {
            let mid = b.len() / 2;
            b[mid] ^= 0x10;
        },
        |e| matches!(e, IndexError::Checksum(_)),
        "bit flip",
    );
    // In the section table: the header's checksum.
    damaged_index_is_rebuilt(|b| b[200] ^= 1, |e| matches!(e, IndexError::Checksum("header")), "table");
    damaged_index_is_rebuilt(|b| b[0] = b'X', |e| matches!(e, IndexError::NotAnIndex), "magic");
}

#[test]
fn an_index_of_another_format_version_is_rebuilt() {
    damaged_index_is_rebuilt(
        |b| {
            let v = u32::from_le_bytes([b[8], b[9], b[10], b[11]]) + 1;
            b[8..12].copy_from_slice(&v.to_le_bytes());
        },
        |e| matches!(e, IndexError::Version { .. }),
        "version",
    );
}

/// Forged: a column is damaged and every checksum recomputed, so only the structural checks
/// stand between the bytes and the analysis. An edge target past the last node, at each offset
/// of a 4-byte column, must be refused, not indexed.
#[test]
fn a_forged_index_with_valid_checksums_is_refused() {
    let cache = tempfile::tempdir().unwrap();
    let options = options(cache.path());
    let path = root().join("tests/fixtures/corpus/closure_leak/s2.heapsnapshot.gz");
    open(&path, &options);
    let file = index_file(cache.path());
    let good = std::fs::read(&file).unwrap();
    let key = SnapshotKey::of(&path).unwrap();
    let mut refused = 0;
    // Every 4-byte word from the table's end on, one in 997 (the whole file would take long).
    for at in (1024..good.len() - 4).step_by(4 * 997) {
        let mut bytes = good.clone();
        bytes[at..at + 4].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        index::format::reseal(&mut bytes);
        match index::format::read(&SharedBytes::copy_of(&bytes), &key) {
            Err(_) => refused += 1,
            // Some columns take any value (ids, sizes, distances): then it reads, and must not
            // panic in what a user does next.
            Ok(a) => {
                heapscope::cli::json::summary(&mut std::io::sink(), &a, "x").unwrap();
                let last = a.node_count() as u32 - 1;
                heapscope::cli::json::retainers(&mut std::io::sink(), &a, last, "x").unwrap();
            }
        }
    }
    assert!(refused > 0, "some forged columns must be refused");
}

#[test]
fn an_index_of_another_snapshot_is_not_used() {
    let cache = tempfile::tempdir().unwrap();
    let options = options(cache.path());
    let a = root().join("tests/fixtures/corpus/closure_leak/s1.heapsnapshot.gz");
    let b = root().join("tests/fixtures/corpus/closure_leak/s2.heapsnapshot.gz");
    open(&a, &options);
    let index_of_a = index_file(cache.path());
    let key_b = SnapshotKey::of(&b).unwrap();
    std::fs::rename(&index_of_a, options.index_path(&key_b).unwrap()).unwrap();
    let (hit, ignored) = open(&b, &options);
    assert!(hit.is_none());
    assert!(matches!(ignored, Some(IndexError::Stale)), "{ignored:?}");
    let Lookup::Hit(reopened) = index::lookup(&b, &options) else { panic!("rebuilt for b") };
    assert_same(&reopened, &fresh(&b), "b");
}

/// A small snapshot whose one object is named `name` and has `size` bytes.
fn small_snapshot_text(name: &str, size: u32) -> Vec<u8> {
    let mut b = SnapshotBuilder::new();
    let root = b.node(NodeType::SYNTHETIC, "", 0);
    let gc = b.node(NodeType::SYNTHETIC, "(GC roots)", 0);
    let obj = b.node(NodeType::OBJECT, name, size);
    b.edge(root, EdgeType::ELEMENT, 1, gc);
    b.edge(gc, EdgeType::PROPERTY, "held", obj);
    let mut out = Vec::new();
    write_snapshot(&b.build(), &mut out).unwrap();
    out
}

/// The same path rewritten (different content; then the same length and the old mtime) never
/// shows the old index.
#[test]
fn a_rewritten_snapshot_is_not_shown_with_its_old_index() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = options(cache.path());
    let path = dir.path().join("app.heapsnapshot");
    std::fs::write(&path, small_snapshot_text("Alpha", 100)).unwrap();
    open(&path, &options);
    assert!(matches!(index::lookup(&path, &options), Lookup::Hit(a) if a.class_name(2) == "Alpha"));

    // A different snapshot at the same path.
    std::fs::write(&path, small_snapshot_text("Gamma-longer", 300)).unwrap();
    let (hit, ignored) = open(&path, &options);
    assert!(hit.is_none() && matches!(ignored, Some(IndexError::Stale)), "{ignored:?}");
    let Lookup::Hit(a) = index::lookup(&path, &options) else { panic!("rebuilt") };
    assert_eq!(a.class_name(2), "Gamma-longer");
    assert_same(&a, &fresh(&path), "rewritten");

    // Same length, same mtime, other bytes: the content hash tells them apart.
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::fs::write(&path, small_snapshot_text("Delta-longer", 300)).unwrap();
    std::fs::File::options().write(true).open(&path).unwrap().set_modified(mtime).unwrap();
    let (hit, ignored) = open(&path, &options);
    assert!(hit.is_none() && matches!(ignored, Some(IndexError::Stale)), "{ignored:?}");
    let Lookup::Hit(a) = index::lookup(&path, &options) else { panic!("rebuilt") };
    assert_eq!(a.class_name(2), "Delta-longer");
}

/// A snapshot rewritten while it was being loaded gets no index (it would describe the old one).
#[test]
fn a_snapshot_changed_during_loading_gets_no_index() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = options(cache.path());
    let path = dir.path().join("app.heapsnapshot");
    std::fs::write(&path, small_snapshot_text("Alpha", 100)).unwrap();
    let Lookup::Miss { pending: Some(pending), .. } = index::lookup(&path, &options) else { panic!("a miss") };
    let a = fresh(&path);
    std::fs::write(&path, small_snapshot_text("Beta-longer", 200)).unwrap();
    assert_eq!(pending.write(&a).unwrap(), Written::SnapshotChanged);
    assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 0);
}

#[test]
fn the_cache_keeps_the_most_recently_used_under_its_limit() {
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path();
    let day = std::time::Duration::from_secs(86_400);
    let now = std::time::SystemTime::now();
    for (name, age_days) in [("old.hsindex", 3), ("mid.hsindex", 2), ("new.hsindex", 1)] {
        let path = dir.join(name);
        std::fs::write(&path, vec![0u8; 1000]).unwrap();
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(now - day * age_days).unwrap();
    }
    std::fs::write(dir.join("notes.txt"), b"not ours").unwrap();
    assert_eq!(index::trim_cache(dir, 2000, None).unwrap(), 1000);
    assert!(!dir.join("old.hsindex").exists() && dir.join("mid.hsindex").exists());
    // The index just written stays even if it alone passes the limit.
    assert_eq!(index::trim_cache(dir, 500, Some(&dir.join("mid.hsindex"))).unwrap(), 1000);
    assert!(dir.join("mid.hsindex").exists() && !dir.join("new.hsindex").exists());
    assert!(dir.join("notes.txt").exists(), "only index files are evicted");
}

fn heapscope(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .env("HEAPSCOPE_TRACE", "1")
        .env_remove("HEAPSCOPE_NO_INDEX")
        .output()
        .unwrap()
}

fn stdout_of(out: &Output) -> &[u8] {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    &out.stdout
}

/// The CLI's JSON (which `tests/oracle.rs` checks against DevTools without an index) is the
/// same bytes when the analysis comes from the index; `--no-index` and `HEAPSCOPE_NO_INDEX`
/// neither read nor write one; `index clean` empties the cache.
#[test]
fn cli_output_is_byte_identical_from_the_index() {
    let cache = tempfile::tempdir().unwrap();
    let index_dir = cache.path().join("heapscope/index");
    let case = root().join("tests/fixtures/corpus/tutorial_session_leak");
    let s2 = case.join("s2.heapsnapshot.gz").display().to_string();
    let s3 = case.join("s3.heapsnapshot.gz").display().to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec!["summary", &s3, "--json"],
        vec!["retainers", &s3, "@82201", "--json"],
        vec!["dominators", &s3, "--depth", "2", "--json"],
        vec!["paths", &s3, "{username}", "--json"],
        vec!["sources", &s3, "--json"],
        vec!["diff", &s2, &s3, "--json"],
    ];
    let mut without = Vec::new();
    for args in &commands {
        // Global flags go after the subcommand (before it, a word is a file to open).
        let out = heapscope(cache.path(), &[args.as_slice(), &["--no-index"]].concat());
        without.push(stdout_of(&out).to_vec());
    }
    assert!(!index_dir.exists(), "--no-index writes no index");
    let out = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .args(&commands[0])
        .env("XDG_CACHE_HOME", cache.path())
        .env("HEAPSCOPE_NO_INDEX", "1")
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), without[0]);
    assert!(!index_dir.exists(), "HEAPSCOPE_NO_INDEX=1 writes no index");

    // First run writes the index of s3, the later ones read it (and the diff writes s2's).
    for (args, expected) in commands.iter().zip(&without) {
        let out = heapscope(cache.path(), args);
        assert_eq!(stdout_of(&out), expected.as_slice(), "{args:?}");
    }
    let out = heapscope(cache.path(), &commands[0]);
    assert_eq!(stdout_of(&out), without[0].as_slice());
    let trace = String::from_utf8_lossy(&out.stderr);
    assert!(trace.contains("[index] read"), "the second summary reads the index: {trace}");
    assert_eq!(std::fs::read_dir(&index_dir).unwrap().count(), 2, "s2 and s3");

    let out = heapscope(cache.path(), &["index", "clean"]);
    let text = String::from_utf8_lossy(stdout_of(&out)).into_owned();
    assert!(text.starts_with("removed 2 index files"), "{text}");
    assert_eq!(std::fs::read_dir(&index_dir).unwrap().count(), 0);
}

/// Every command that loads a snapshot leaves its index for the next one (the first run of each,
/// on an empty cache, writes it; `paths --base` writes both files').
#[test]
fn every_loading_command_writes_the_index() {
    let case = root().join("tests/fixtures/corpus/tutorial_session_leak");
    let s2 = case.join("s2.heapsnapshot.gz").display().to_string();
    let s3 = case.join("s3.heapsnapshot.gz").display().to_string();
    let commands: Vec<(Vec<&str>, usize)> = vec![
        (vec!["summary", &s3], 1),
        (vec!["retainers", &s3, "@82201"], 1),
        (vec!["dominators", &s3, "--depth", "1"], 1),
        (vec!["paths", &s3, "{username}"], 1),
        (vec!["paths", &s3, "{username}", "--base", &s2], 2),
        (vec!["sources", &s3], 1),
        (vec!["diff", &s2, &s3], 2),
        (vec!["nodes", &s3], 1),
    ];
    for (args, indexes) in commands {
        let cache = tempfile::tempdir().unwrap();
        let index_dir = cache.path().join("heapscope/index");
        stdout_of(&heapscope(cache.path(), &args));
        let written = std::fs::read_dir(&index_dir).map_or(0, |d| d.count());
        assert_eq!(written, indexes, "{args:?}");
        let out = heapscope(cache.path(), &args);
        stdout_of(&out);
        let trace = String::from_utf8_lossy(&out.stderr);
        assert_eq!(trace.matches("[index] read").count(), indexes, "{args:?}: {trace}");
    }
}

/// `--index-beside` keeps the index next to the snapshot, and reads it from there.
#[test]
fn index_beside_the_snapshot() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.heapsnapshot");
    std::fs::write(&path, small_snapshot_text("Alpha", 100)).unwrap();
    let file = path.display().to_string();
    let first = heapscope(cache.path(), &["summary", &file, "--json", "--index-beside"]);
    assert!(dir.path().join("app.heapsnapshot.hsindex").exists());
    assert!(!cache.path().join("heapscope/index").exists());
    let second = heapscope(cache.path(), &["summary", &file, "--json", "--index-beside"]);
    assert_eq!(stdout_of(&first), stdout_of(&second));
    assert!(String::from_utf8_lossy(&second.stderr).contains("[index] read"));
}

/// Inputs found by the `index` fuzz target (`fuzz/run.sh index`), kept in
/// `tests/fixtures/index/`: resealed (every checksum recomputed), each was accepted and then
/// broke what a user does next — `fuzz-summary-self-size-overflow`: Summary rows whose self
/// sizes summed past 2⁶⁴ made `heapscope summary` panic; `fuzz-duplicate-class-keys`: two
/// classes with one key made a snapshot compared with itself show changes;
/// `fuzz-summary-count-past-members`: a row count larger than its members sent the Comparison's
/// member lists out of bounds. The reader now refuses them (row sizes above the heap the
/// self-size column adds up to; repeated keys; row counts and self sizes that are not their
/// members').
#[test]
fn forged_indexes_found_by_fuzzing_are_refused() {
    // The fixed identity the fuzz target reads its inputs under.
    let key = fuzz_index_key::key();
    for (name, why) in [
        ("fuzz-summary-self-size-overflow", "summary"),
        ("fuzz-duplicate-class-keys", "class keys"),
        ("fuzz-summary-count-past-members", "summary counts"),
    ] {
        let path = root().join(format!("tests/fixtures/index/{name}.hsindex"));
        let mut bytes = std::fs::read(&path).unwrap();
        index::format::reseal(&mut bytes);
        match index::format::read(&SharedBytes::copy_of(&bytes), &key) {
            Err(e) => assert!(e.to_string().contains(why), "{name}: {e}"),
            Ok(_) => panic!("{name}: a forged index was accepted"),
        }
    }
}

/// Reopened through the mapping (the big columns are views into the mapped index file, not
/// copies), analyses give the Summary, Comparison and Retainers documents DevTools' own code wrote
/// for the same snapshots (`expected/` of each case: the oracle `tests/oracle.rs` checks a fresh
/// parse against), so the expected values come from neither the index nor the engine. A Node.js
/// 20 case and a Chromium page (detached DOM, constructor locations: the mapped `locations`).
#[test]
fn a_reopen_through_the_mapping_gives_devtools_documents() {
    use heapscope::cli::json;
    use std::collections::HashMap;
    /// Opens `file` of `dir` once (writing its index), then reopens it from the index: the
    /// reopened analysis, kept by file name.
    fn reopen(dir: &Path, file: &str, options: &IndexOptions, reopened: &mut HashMap<String, Analysis>) -> String {
        let name = Path::new(file).file_name().unwrap().to_string_lossy().into_owned();
        if !reopened.contains_key(&name) {
            let path = dir.join(&name);
            assert!(open(&path, options).0.is_none(), "{name}: the first open writes the index");
            let Lookup::Hit(a) = index::lookup(&path, options) else { panic!("{name}: the index is used") };
            let mapped = [
                a.self_size.is_mapped(),
                a.dominator.is_mapped(),
                a.distance.is_mapped(),
                a.retainers.retainer_node.is_mapped(),
                a.classes.class_of.is_mapped(),
            ];
            assert_eq!(mapped, [true; 5], "{name}: the columns are views into the mapped index");
            reopened.insert(name.clone(), *a);
        }
        name
    }
    let cache = tempfile::tempdir().unwrap();
    let options = options(cache.path());
    let mut checked = 0;
    for case_dir in ["tests/fixtures/corpus/tutorial_session_leak", "tests/fixtures/extra/chrome_page"] {
        let dir = root().join(case_dir);
        let case: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("case.json")).unwrap()).unwrap();
        let mut reopened: HashMap<String, Analysis> = HashMap::new();
        for cmd in case["commands"].as_array().unwrap() {
            let words: Vec<&str> = cmd["command"].as_str().unwrap().split_whitespace().skip(2).collect();
            let expected_name = Path::new(cmd["expected"].as_str().unwrap()).file_name().unwrap();
            let expected: serde_json::Value =
                serde_json::from_slice(&std::fs::read(dir.join("expected").join(expected_name)).unwrap()).unwrap();
            let mut text = Vec::new();
            match words[0] {
                "summary" => {
                    let name = reopen(&dir, words[1], &options, &mut reopened);
                    json::summary(&mut text, &reopened[&name], &name).unwrap();
                }
                "diff" => {
                    let b = reopen(&dir, words[1], &options, &mut reopened);
                    let f = reopen(&dir, words[2], &options, &mut reopened);
                    let cmp = heapscope::analysis::diff::compare(&reopened[&b], &reopened[&f]);
                    json::diff(&mut text, &reopened[&b], &reopened[&f], &cmp, &[&b, &f]).unwrap();
                }
                "retainers" => {
                    let name = reopen(&dir, words[1], &options, &mut reopened);
                    let a = &reopened[&name];
                    let n = a.find_node_by_id(words[2].parse().unwrap()).unwrap();
                    json::retainers(&mut text, a, n, &name).unwrap();
                }
                other => panic!("unknown command {other}"),
            }
            let actual: serde_json::Value = serde_json::from_slice(&text).unwrap();
            let (fields, problems) = oracle_json::compare(&expected, &actual);
            assert!(problems.is_empty(), "{}: {}", cmd["command"], problems.join("\n  "));
            checked += fields;
        }
    }
    assert!(checked > 1000, "suspiciously few fields checked: {checked}");
}
