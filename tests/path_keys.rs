//! Path keys (`analysis::path_keys`) against V8's own ids: on the leak scenarios' snapshots, all
//! taken in one profiler session, an object's id says which object of the last snapshot it is;
//! the keys must say the same without reading ids. And the scripts tell two programs apart
//! where the keys of Node's own objects match.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use heapscope::analysis::path_keys::{path_keys, program_scripts, unique_keys};
use heapscope::progress::NoProgress;
use heapscope::snapshot::{HeapSnapshot, NodeIdx};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(p: &Path) -> HeapSnapshot {
    heapscope::analysis::load_file(p, &NoProgress).unwrap().snapshot
}

/// Pairs `(earlier node, later node)` with the same unique key.
fn matched(a: &HeapSnapshot, b: &HeapSnapshot) -> Vec<(NodeIdx, NodeIdx)> {
    let (ka, kb) = (unique_keys(&path_keys(a)), unique_keys(&path_keys(b)));
    let kb: HashMap<u64, NodeIdx> = kb.into_iter().collect();
    ka.iter().filter_map(|&(k, n)| kb.get(&k).map(|&m| (n, m))).collect()
}

/// On every scenario, first snapshot against last: of the objects both have (same id), the
/// keys find at least 95% (recall), and a key match between two surviving objects names the
/// same object (precision ≥ 98%). A match whose earlier object died is not counted: a slot whose
/// object was replaced (an LRU entry, a re-rendered row) gives its new object the old key, which
/// the report treats as that slot's growth.
#[test]
fn keys_find_the_objects_ids_name() {
    let mut failures = Vec::new();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures().join("leaks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("scenario.json").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 30, "{} scenarios", cases.len());
    for case in cases {
        let (a, b) = (read(&case.join("s1.heapsnapshot.gz")), read(&case.join("s3.heapsnapshot.gz")));
        let ids_b: HashMap<u32, NodeIdx> = (0..b.node_count() as NodeIdx).map(|n| (b.node_id(n), n)).collect();
        let survivors = (0..a.node_count() as NodeIdx).filter(|&n| ids_b.contains_key(&a.node_id(n))).count();
        let pairs = matched(&a, &b);
        let of_survivors: Vec<_> = pairs.iter().filter(|&&(n, _)| ids_b.contains_key(&a.node_id(n))).collect();
        let right = of_survivors.iter().filter(|&&&(n, m)| a.node_id(n) == b.node_id(m)).count();
        let (recall, precision) = (right as f64 / survivors as f64, right as f64 / of_survivors.len() as f64);
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        eprintln!("{name}: recall {:.1}%, precision {:.2}%", recall * 100.0, precision * 100.0);
        if recall < 0.95 || precision < 0.98 {
            failures.push(format!("{name}: recall {:.1}%, precision {:.2}%", recall * 100.0, precision * 100.0));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Node's own objects match between two programs on one Node.js version (most of a small heap),
/// so the share of matched objects does not tell two programs apart; their scripts do.
#[test]
fn scripts_tell_programs_apart_where_keys_do_not() {
    let snap = |p: &str| read(&fixtures().join(format!("{p}.heapsnapshot.gz")));
    let (closure, map_cache) = (snap("corpus/closure_leak/s1"), snap("corpus/map_cache_leak/s3"));
    let share = matched(&closure, &map_cache).len() as f64 / closure.node_count() as f64;
    assert!(share > 0.5, "the two programs' Node objects match: {share}");
    let (x, y) = (program_scripts(&closure), program_scripts(&map_cache));
    assert!(x.iter().any(|s| s.ends_with("closure_leak/scenario.js")), "{x:?}");
    assert!(y.iter().any(|s| s.ends_with("map_cache_leak/scenario.js")), "{y:?}");
    assert!(x.iter().all(|s| !s.starts_with("node:")), "Node's own modules are not the program's: {x:?}");
    // One program: the same scripts in its first and last snapshot.
    let (first, last) = (snap("leaks/module_children_reload/s1"), snap("leaks/module_children_reload/s3"));
    assert_eq!(program_scripts(&first), program_scripts(&last));
    // A page in Chromium: its own URL among the scripts.
    let page = snap("leaks/detached_dom_chromium/s1");
    assert!(program_scripts(&page).iter().any(|s| s.ends_with("page.html")), "{:?}", program_scripts(&page));
}

/// A small heap: root → `(GC roots)`; root → `context_name` (a Chromium script context, its name
/// with an object id in it) → `rows` Array → elements: two `<tr>`s and `extra` more.
fn page(context_name: &str, extra: usize) -> (HeapSnapshot, NodeIdx, Vec<NodeIdx>) {
    use heapscope::snapshot::builder::SnapshotBuilder;
    use heapscope::snapshot::{EdgeType, NodeType};
    let mut b = SnapshotBuilder::new();
    let root = b.node(NodeType::SYNTHETIC, "", 0);
    let gc = b.node(NodeType::SYNTHETIC, "(GC roots)", 0);
    b.edge(root, EdgeType::ELEMENT, 1, gc);
    let context = b.node(NodeType::HIDDEN, context_name, 40);
    b.edge(root, EdgeType::ELEMENT, 2, context);
    let rows = b.node(NodeType::OBJECT, "Array", 16);
    b.edge(context, EdgeType::CONTEXT, "rows", rows);
    // An unrelated node first shifts every row's index by `extra`; their rank among `<tr>`s stays.
    let mut trs = Vec::new();
    for i in 0..extra {
        let other = b.node(NodeType::OBJECT, "Other", 8);
        b.edge(rows, EdgeType::ELEMENT, i as u32, other);
    }
    for i in 0..2 {
        let tr = b.node(NodeType::NATIVE, "<tr>", 100);
        b.edge(rows, EdgeType::ELEMENT, (extra + i) as u32, tr);
        trs.push(tr);
    }
    (b.build(), rows, trs)
}

#[test]
fn ids_in_names_and_shifted_indexes_keep_the_keys() {
    let (a, rows_a, trs_a) = page("system / Context / scope @42053", 0);
    let (b, rows_b, trs_b) = page("system / Context / scope @50635", 1);
    let (ka, kb) = (path_keys(&a), path_keys(&b));
    assert_eq!(ka[rows_a as usize], kb[rows_b as usize], "the id after @ is not part of the name");
    assert_eq!(ka[trs_a[0] as usize], kb[trs_b[0] as usize], "the first <tr> stays the first <tr>");
    assert_eq!(ka[trs_a[1] as usize], kb[trs_b[1] as usize]);
    assert_ne!(kb[trs_b[0] as usize], kb[trs_b[1] as usize]);
    // Another name is another path.
    let (c, rows_c, _) = page("system / Context / other @42053", 0);
    assert_ne!(ka[rows_a as usize], path_keys(&c)[rows_c as usize]);
}
