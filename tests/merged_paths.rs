//! Merged retainer paths (`analysis::merged_paths`, `heapscope paths`) against a brute force:
//! every object's own path from `paths::shortest_path` (the Retainers view's expansion), grouped
//! into a tree by a plain recursive reference written here; and the tutorial's leak, whose new
//! `{username}` objects all hang from the one `loginUsers` store.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use heapscope::analysis::Analysis;
use heapscope::analysis::merged_paths::{self, EdgeLabel, MANY_NAMES, MergedPaths};
use heapscope::analysis::paths::{self, RetainersView};
use heapscope::progress::NoProgress;
use heapscope::snapshot::{EdgeIdx, NodeIdx};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(path: &Path) -> Analysis {
    heapscope::analysis::load_file(path, &NoProgress).unwrap()
}

fn corpus_snapshots() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(root().join("tests/fixtures/corpus")).unwrap() {
        for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let p = f.unwrap().path();
            if p.to_string_lossy().ends_with(".heapsnapshot.gz") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// An object and its path: (edge, retainer) from the object up.
type ObjectPath = (NodeIdx, Vec<(EdgeIdx, NodeIdx)>);

/// A branch of the reference tree: children keyed by (label, retainer class id).
#[derive(Debug, Default, PartialEq, Eq)]
struct Branch {
    count: u32,
    ends: u32,
    shallow: u64,
    retained: u64,
    children: BTreeMap<(String, u32), Branch>,
}

/// The reference: each object's path as the Retainers view expands it, then grouped level by
/// level. A step's label is its edge name (`[]` for element and hidden edges); where more than
/// MANY_NAMES names lead from one class into one branch, they are `names:N`.
fn reference(a: &Analysis, view: &RetainersView, objects: &[NodeIdx]) -> Branch {
    let paths: Vec<ObjectPath> = objects
        .iter()
        .map(|&o| (o, paths::shortest_path(a, view, o).edges.iter().map(|r| (r.edge, r.node)).collect()))
        .collect();
    let all: Vec<&ObjectPath> = paths.iter().collect();
    group(a, &all, 0)
}

fn group(a: &Analysis, paths: &[&ObjectPath], depth: usize) -> Branch {
    let s = &a.snapshot;
    let mut b = Branch::default();
    for (o, p) in paths {
        b.count += 1;
        b.shallow += u64::from(a.self_size[*o as usize]);
        b.retained += a.retained_size[*o as usize];
        if p.len() == depth {
            b.ends += 1;
        }
    }
    let longer: Vec<_> = paths.iter().filter(|(_, p)| p.len() > depth).copied().collect();
    let own_label = |e: EdgeIdx| {
        if s.edge_type(e).has_string_name() { Some(s.edge_name(e).into_owned()) } else { None }
    };
    let mut names: HashMap<u32, HashSet<String>> = HashMap::new();
    for (_, p) in &longer {
        let (e, n) = p[depth];
        if let Some(name) = own_label(e) {
            names.entry(a.classes.class_of[n as usize]).or_default().insert(name);
        }
    }
    let mut groups: BTreeMap<(String, u32), Vec<&ObjectPath>> = BTreeMap::new();
    for path in longer {
        let (e, n) = path.1[depth];
        let class = a.classes.class_of[n as usize];
        let label = match own_label(e) {
            None => "[]".to_string(),
            Some(name) => {
                let distinct = names[&class].len();
                if distinct > MANY_NAMES as usize { format!("names:{distinct}") } else { name }
            }
        };
        groups.entry((label, class)).or_default().push(path);
    }
    for (key, members) in groups {
        b.children.insert(key, group(a, &members, depth + 1));
    }
    b
}

/// The engine's tree in the reference's shape.
fn engine_tree(a: &Analysis, m: &MergedPaths, b: u32) -> Branch {
    let i = b as usize;
    let mut out = Branch {
        count: m.count[i],
        ends: m.ends[i],
        shallow: m.shallow_size[i],
        retained: m.retained_size[i],
        ..Branch::default()
    };
    for &c in m.children(b) {
        let label = match m.label[c as usize] {
            EdgeLabel::Name(s) => a.snapshot.string(s).to_string(),
            EdgeLabel::Index => "[]".to_string(),
            EdgeLabel::Names(n) => format!("names:{n}"),
            EdgeLabel::Objects => panic!("branch 0 is nobody's child"),
        };
        let old = out.children.insert((label, m.class[c as usize]), engine_tree(a, m, c));
        assert!(old.is_none(), "two children with one key under branch {b}");
    }
    out
}

/// The objects walked in 2, 3 and 7 parts (many objects are walked in two, on two cores) give
/// `whole`, the tree of one walk, branch for branch in the same order (ties in the children's
/// order go to the branch made first).
fn assert_same_in_parts(a: &Analysis, view: &RetainersView, objects: &[NodeIdx], whole: &MergedPaths) {
    assert_eq!(&merged_paths::merge_in_parts(a, view, objects, 1), whole);
    for parts in [2, 3, 7] {
        assert!(&merged_paths::merge_in_parts(a, view, objects, parts) == whole, "{parts} parts");
    }
}

/// The classes with the most objects, up to `max` objects each.
fn busy_classes(a: &Analysis, take: usize, max: u32) -> Vec<String> {
    let mut rows: Vec<_> = a.aggregates.rows.iter().filter(|r| r.count <= max).collect();
    rows.sort_by(|x, y| y.count.cmp(&x.count).then(x.name.cmp(&y.name)));
    let mut names: Vec<String> = Vec::new();
    for r in rows {
        if !names.contains(&r.name) {
            names.push(r.name.clone());
        }
        if names.len() == take {
            break;
        }
    }
    names
}

#[test]
fn first_rows_found_edge_by_edge_equal_the_grids_first_rows() {
    for file in corpus_snapshots() {
        let a = load(&file);
        let view = RetainersView::new();
        // Every node at once, last first (so a node's row is not at its own index): the pass
        // over the edges.
        let count = a.node_count() as NodeIdx;
        let nodes: Vec<NodeIdx> = (0..count).rev().collect();
        let position: Vec<u32> = (0..count).map(|n| count - 1 - n).collect();
        let mut all = Vec::new();
        paths::first_retainer_rows(&a, &view, &nodes, |n| position[n as usize], &mut Default::default(), &mut all);
        assert_eq!(all.len(), nodes.len());
        for n in (0..count).step_by(13) {
            let grid = paths::retainer_rows(&a, &view, n).into_iter().next().map(|r| (r.edge, r.node, r.distance));
            let batched = all[position[n as usize] as usize].map(|h| (h.edge, h.node, i64::from(h.distance)));
            assert_eq!(batched, grid, "{}: node {n}", file.display());
            let one = paths::first_retainer_row(&a, &view, n).map(|h| (h.edge, h.node, i64::from(h.distance)));
            assert_eq!(one, grid, "{}: node {n} alone", file.display());
        }
        // With the most retained-through node ignored: its edges sort as unreachable, so first
        // rows come from farther retainers.
        let busiest = (0..count).max_by_key(|&n| a.retainers.count(n)).unwrap();
        let mut ignoring = RetainersView::new();
        ignoring.ignore(&a, busiest);
        for n in (0..count).step_by(31) {
            let grid = paths::retainer_rows(&a, &ignoring, n).into_iter().next().map(|r| (r.edge, r.node, r.distance));
            let one = paths::first_retainer_row(&a, &ignoring, n).map(|h| (h.edge, h.node, i64::from(h.distance)));
            assert_eq!(one, grid, "{}: node {n} alone, ignoring {busiest}", file.display());
        }
    }
}

#[test]
fn merged_paths_equal_each_objects_path_grouped_on_the_corpus() {
    let mut checked = 0;
    for file in corpus_snapshots() {
        let a = load(&file);
        let view = RetainersView::new();
        for class in busy_classes(&a, 4, 3000) {
            let objects = merged_paths::class_objects(&a, &class);
            let m = merged_paths::merge(&a, &view, &objects);
            let expected = reference(&a, &view, &objects);
            assert_eq!(expected.count as usize, objects.len());
            assert_eq!(engine_tree(&a, &m, 0), expected, "{}: {class}", file.display());
            assert_same_in_parts(&a, &view, &objects, &m);
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked} classes");
}

#[test]
fn merged_paths_follow_ignored_retainers() {
    // Ignoring the first retainer of the first object's path moves that object's path (and
    // those through the same node); the merge must follow the view's distances as the
    // Retainers view does.
    let mut changed = 0;
    for file in corpus_snapshots().into_iter().take(6) {
        let a = load(&file);
        for class in busy_classes(&a, 2, 2000) {
            let objects = merged_paths::class_objects(&a, &class);
            let Some(&first) = objects.first() else { continue };
            let Some(hop) = paths::shortest_path(&a, &RetainersView::new(), first).edges.first().cloned() else {
                continue;
            };
            let mut view = RetainersView::new();
            view.ignore(&a, hop.node);
            let m = merged_paths::merge(&a, &view, &objects);
            assert_same_in_parts(&a, &view, &objects, &m);
            let plain = merged_paths::merge(&a, &RetainersView::new(), &objects);
            assert_eq!(engine_tree(&a, &m, 0), reference(&a, &view, &objects), "{}: {class}", file.display());
            if engine_tree(&a, &m, 0) != engine_tree(&a, &plain, 0) {
                changed += 1;
            }
        }
    }
    assert!(changed > 0, "ignoring a retainer changed no merged tree");
}

fn tutorial(name: &str) -> Analysis {
    load(&root().join("sample-snapshots").join(name))
}

#[test]
fn the_tutorials_new_usernames_merge_into_one_branch_through_login_users() {
    let (s2, s3) = std::thread::scope(|scope| {
        let b = scope.spawn(|| tutorial("s2.heapsnapshot.gz"));
        let a = tutorial("s3.heapsnapshot.gz");
        (b.join().unwrap(), a)
    });
    let cmp = heapscope::analysis::diff::compare(&s2, &s3);
    let objects = merged_paths::new_objects(&cmp, "{username}");
    // The tutorial's second leak request logged in 100,000 users.
    assert_eq!(objects.len(), 100_000);
    let m = merged_paths::merge(&s3, &RetainersView::new(), &objects);
    assert_eq!(m.count[0], 100_000);
    // One branch holds them all: the store object, through 100,000 different `user_…` names
    // (a dictionary's keys, merged) …
    let store = m.children(0);
    assert_eq!(store.len(), 1, "one branch above the objects");
    let store = store[0];
    assert_eq!(m.count[store as usize], 100_000);
    assert!(matches!(m.label[store as usize], EdgeLabel::Names(n) if n >= 100_000), "{:?}", m.label[store as usize]);
    assert!(m.edge_text(&s3, store).starts_with("user_"), "{}", m.edge_text(&s3, store));
    // … held by the module context's `loginUsers` variable.
    let held = m.children(store);
    assert_eq!(held.len(), 1);
    assert_eq!(m.edge_text(&s3, held[0]), "loginUsers");
    assert_eq!(m.count[held[0] as usize], 100_000);
    // Sizes are the objects' own: the branch's shallow size is the Comparison's Alloc. Size.
    let row = cmp.classes.iter().find(|c| c.name == "{username}").unwrap();
    assert_eq!(m.shallow_size[held[0] as usize], row.alloc_size);
}

#[test]
fn cli_prints_the_merged_tree_and_json() {
    let file = root().join("tests/fixtures/corpus/tutorial_session_leak");
    let snap = std::fs::read_dir(&file)
        .unwrap()
        .map(|f| f.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".heapsnapshot.gz"))
        .max()
        .unwrap();
    let a = load(&snap);
    let class = busy_classes(&a, 1, u32::MAX).remove(0);
    let out = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .env("HEAPSCOPE_NO_INDEX", "1")
        .args(["paths", snap.to_str().unwrap(), &class, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let objects = merged_paths::class_objects(&a, &class);
    assert_eq!(doc["objects"].as_u64().unwrap() as usize, objects.len());
    assert_eq!(doc["tree"]["count"].as_u64().unwrap() as usize, objects.len());
    let shallow: u64 = objects.iter().map(|&o| u64::from(a.self_size[o as usize])).sum();
    assert_eq!(doc["tree"]["shallow_size"].as_u64().unwrap(), shallow);
    let kids = doc["tree"]["children"].as_array().unwrap();
    let in_kids: u64 = kids.iter().map(|k| k["count"].as_u64().unwrap()).sum();
    assert_eq!(in_kids + doc["tree"]["ends"].as_u64().unwrap(), objects.len() as u64);
    // Children come most objects first.
    let counts: Vec<u64> = kids.iter().map(|k| k["count"].as_u64().unwrap()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");

    let text = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .env("HEAPSCOPE_NO_INDEX", "1")
        .args(["paths", snap.to_str().unwrap(), &class, "--depth", "1"])
        .output()
        .unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.lines().next().unwrap().contains(&class), "{text}");
    assert_eq!(text.lines().count(), 1 + kids.len(), "{text}");

    let missing = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .env("HEAPSCOPE_NO_INDEX", "1")
        .args(["paths", snap.to_str().unwrap(), "NoSuchClass"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no class named"));
}

/// A path that does not come strictly nearer at each step could come back to a node it passed,
/// so the merge walks such objects one by one: here the distances follow an invisible edge
/// (`U` → `Shared`) that the Retainers view does not show, so `Shared`'s first row (`C.x`) is no
/// nearer than `Shared` itself, two levels up from 40 objects whose paths merged on the way.
#[test]
fn paths_that_may_come_back_are_walked_one_by_one() {
    use heapscope::snapshot::builder::SnapshotBuilder;
    use heapscope::snapshot::{EdgeType, NodeType};
    let mut b = SnapshotBuilder::new();
    let root = b.node(NodeType::SYNTHETIC, "", 0);
    let u = b.node(NodeType::OBJECT, "U", 10);
    let c = b.node(NodeType::OBJECT, "C", 20);
    let shared = b.node(NodeType::OBJECT, "Shared", 30);
    b.edge(root, EdgeType::ELEMENT, 1, u);
    b.edge(u, EdgeType::INVISIBLE, "hidden link", shared);
    b.edge(u, EdgeType::PROPERTY, "c", c);
    b.edge(c, EdgeType::PROPERTY, "x", shared);
    for i in 0..40 {
        let holder = b.node(NodeType::OBJECT, "Holder", 40);
        let item = b.node(NodeType::OBJECT, "Item", 50 + i);
        b.edge(shared, EdgeType::PROPERTY, format!("h{i}").as_str(), holder);
        b.edge(holder, EdgeType::PROPERTY, "item", item);
    }
    for i in 0..3 {
        let item = b.node(NodeType::OBJECT, "Item", 100 + i);
        b.edge(u, EdgeType::PROPERTY, format!("direct{i}").as_str(), item);
    }
    let a = Analysis::run(b.build(), &NoProgress).unwrap();
    let view = RetainersView::new();
    let objects = merged_paths::class_objects(&a, "Item");
    assert_eq!(objects.len(), 43);
    let expected = reference(&a, &view, &objects);
    // The 40 paths go Holder ← Shared ← C ← U: four edges.
    let through_shared = objects.iter().filter(|&&o| paths::shortest_path(&a, &view, o).edges.len() == 4).count();
    assert_eq!(through_shared, 40);
    let m = merged_paths::merge(&a, &view, &objects);
    assert_eq!(engine_tree(&a, &m, 0), expected);
    // Split in parts, the walks of one's own begin in every part.
    assert_same_in_parts(&a, &view, &objects, &m);
}

#[test]
fn no_objects_merge_into_the_objects_branch_alone() {
    let a = tutorial("s1.heapsnapshot.gz");
    let view = RetainersView::new();
    for parts in [1, 2, 3] {
        let m = merged_paths::merge_in_parts(&a, &view, &[], parts);
        assert_eq!((m.len(), m.count[0], m.ends[0], m.children(0).len()), (1, 0, 0, 0), "{parts} parts");
    }
}
