//! The dominator tree's children lists against DevTools, and `heapscope dominators`.
//!
//! `tests/fixtures/dominators/oracle_children.json` holds children lists derived from the
//! oracle's per-node dominators and retained sizes (`devtools_oracle.mjs nodes`, see `make.py`
//! beside it) for every corpus snapshot: the root and the largest dominators, each with its first
//! children in order, its child count and the children's retained-size sum.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use heapscope::analysis::dominator_tree::DominatorChildren;
use heapscope::progress::NoProgress;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The binary with the persisted index off: these tests parse every file (tests/index.rs
/// tests the index).
fn heapscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heapscope")).args(args).env("HEAPSCOPE_NO_INDEX", "1").output().unwrap()
}

#[test]
fn children_lists_equal_the_oracles_on_the_corpus() {
    let text = std::fs::read_to_string(fixtures().join("dominators/oracle_children.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let snapshots = doc["snapshots"].as_array().unwrap();
    assert!(snapshots.len() >= 10, "the whole corpus: {}", snapshots.len());
    let mut checked = 0;
    for snap in snapshots {
        let file = snap["file"].as_str().unwrap();
        let a = heapscope::analysis::load_file(&fixtures().join(file), &NoProgress).unwrap();
        assert_eq!(a.node_count() as u64, snap["node_count"].as_u64().unwrap(), "{file}");
        let tree = DominatorChildren::build(&a);
        for p in snap["parents"].as_array().unwrap() {
            let id = p["id"].as_u64().unwrap() as u32;
            let n = a.find_node_by_id(id).unwrap();
            assert_eq!(a.retained_size[n as usize], p["retained_size"].as_u64().unwrap(), "{file} @{id}");
            let children = tree.children(n);
            assert_eq!(children.len() as u64, p["child_count"].as_u64().unwrap(), "{file} @{id}: child count");
            let sum: u64 = children.iter().map(|&c| a.retained_size[c as usize]).sum();
            assert_eq!(sum, p["children_retained_sum"].as_u64().unwrap(), "{file} @{id}: children's sum");
            let expected: Vec<(u32, u64)> = p["first_children"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c[0].as_u64().unwrap() as u32, c[1].as_u64().unwrap()))
                .collect();
            let ours: Vec<(u32, u64)> = children
                .iter()
                .take(expected.len())
                .map(|&c| (a.snapshot.node_id(c), a.retained_size[c as usize]))
                .collect();
            assert_eq!(ours, expected, "{file} @{id}: first children");
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} lists");
}

fn tutorial_s3() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-snapshots/s3.heapsnapshot.gz").display().to_string()
}

const NODE_KEYS: [&str; 5] = ["class_name", "id", "name", "retained_size", "self_size"];

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

/// Walks `children` lists: every entry has the node keys, "children" exactly down to `depth`
/// levels, in retained size descending then id ascending order. Returns how many entries.
fn check_children(list: &Value, level: usize, depth: usize) -> usize {
    let list = list.as_array().unwrap();
    let mut count = 0;
    for w in list.windows(2) {
        let key = |v: &Value| (std::cmp::Reverse(v["retained_size"].as_u64().unwrap()), v["id"].as_u64().unwrap());
        assert!(key(&w[0]) < key(&w[1]), "order: {} then {}", w[0]["id"], w[1]["id"]);
    }
    for c in list {
        count += 1;
        let mut expected: Vec<&str> = NODE_KEYS.to_vec();
        if level < depth {
            expected.push("children");
            expected.sort_unstable();
            count += check_children(&c["children"], level + 1, depth);
        }
        assert_eq!(keys(c), expected, "level {level}");
    }
    count
}

#[test]
fn cli_json_has_the_documented_shape_and_depth() {
    let s3 = tutorial_s3();
    let out = heapscope(&["dominators", &s3, "--json", "--depth", "2"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(keys(&doc), ["children", "node"]);
    assert_eq!(keys(&doc["node"]), NODE_KEYS);
    let root_retained = doc["node"]["retained_size"].as_u64().unwrap();
    let top = doc["children"].as_array().unwrap();
    let sum: u64 = top.iter().map(|c| c["retained_size"].as_u64().unwrap()).sum();
    let self_size = doc["node"]["self_size"].as_u64().unwrap();
    assert!(sum <= root_retained - self_size);
    let entries = check_children(&doc["children"], 1, 2);
    assert!(entries > top.len(), "two levels: {entries}");

    // The session store's object holds the most: under it, one level deeper, the users.
    let context = &top[0];
    let store = &context["children"][0];
    assert_eq!(store["class_name"], "Object");
    assert!(store.get("children").is_none(), "below --depth 2");

    // @ID: the subtree under that object; --depth 0 is the object alone.
    let id = store["id"].as_u64().unwrap().to_string();
    let out = heapscope(&["dominators", &s3, &format!("@{id}"), "--json", "--depth", "0"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(keys(&doc), ["node"]);
    assert_eq!(doc["node"], *store);
    let out = heapscope(&["dominators", &s3, &id, "--json", "--depth", "1"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = check_children(&doc["children"], 1, 1);
    assert!(n > 100_000, "the users held by the store: {n}");

    let out = heapscope(&["dominators", &s3, "@4294967295", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no node @4294967295"));
}

#[test]
fn cli_text_is_an_indented_tree_with_devtools_sizes() {
    let s3 = tutorial_s3();
    let out = heapscope(&["dominators", &s3, "--depth", "1"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let out = heapscope(&["dominators", &s3, "--depth", "1", "--json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let top = doc["children"].as_array().unwrap();
    assert_eq!(lines.len(), 1 + top.len());
    assert!(lines[0].contains(&format!(" @{} ", doc["node"]["id"])), "{}", lines[0]);
    assert!(lines[0].contains("100\u{a0}%"), "{}", lines[0]);
    for (line, c) in lines[1..].iter().zip(top) {
        // Names may start with spaces themselves: the @id shows which row this is.
        assert!(line.starts_with("  "), "one level: {line}");
        let retained = heapscope::analysis::format::bytes(c["retained_size"].as_u64().unwrap() as f64);
        assert!(line.contains(&format!(" @{} ", c["id"])), "{line}");
        assert!(line.contains(&format!("retained {retained} ")), "{line}");
    }
    assert!(lines.iter().all(|l| !l.chars().any(char::is_control)));
}

/// The flame chart on the tutorial: the `loginUsers` store is drawn in a frame whose path is the
/// classes of its dominator chain, as wide as the objects of its class there retain.
#[test]
fn flame_chart_path_of_the_login_users_store() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-snapshots/s3.heapsnapshot.gz");
    let a = heapscope::analysis::load_file(&path, &NoProgress).unwrap();
    let tree = DominatorChildren::build(&a);
    let started = std::time::Instant::now();
    let chart = heapscope::analysis::flame::build(&a, &tree, a.total_size() / 2000);
    eprintln!("flame chart: {} frames in {:?}", chart.frames.len(), started.elapsed());
    let s = &a.snapshot;
    let store = (0..a.node_count() as u32)
        .flat_map(|n| s.edges(n))
        .find(|&e| s.edge_name(e) == "loginUsers")
        .map(|e| s.edge_to(e))
        .unwrap();
    let f = chart.frame_of[store as usize];
    let names: Vec<&str> = chart.path(f).iter().map(|&x| chart.name(&a, x)).collect();
    let mut chain = vec![store];
    while chain.last() != Some(&s.root()) {
        chain.push(a.dominator[*chain.last().unwrap() as usize]);
    }
    let expected: Vec<&str> =
        std::iter::once("(root)").chain(chain.iter().rev().skip(1).map(|&n| a.class_name(n))).collect();
    assert_eq!(names, expected);
    assert!(chart.frames[f as usize].retained_size >= a.retained_size[store as usize]);
    assert!(chart.frames.len() < 2000, "{} frames", chart.frames.len());
}
