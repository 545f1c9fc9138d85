//! Every summary, diff and retainers document equals Chrome DevTools' on every field of the
//! oracle's CONTRACT (`../shared/oracle/compare.mjs`), in order.
//!
//! The expected files were written by `devtools_oracle.mjs` (chrome-devtools-frontend
//! 1.0.1705227) from real snapshots: Node.js 20, 22, 24 and 26, and Chromium 156. Each case
//! folder's `case.json` lists the oracle commands; this test runs the same commands through the
//! engine and compares.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use heapscope::analysis::Analysis;
use heapscope::cli::json;
use heapscope::progress::NoProgress;
use serde_json::Value;

/// `compare.mjs`'s CONTRACT, plus two fields it does not list but DevTools shows (the stop reason
/// of the auto-expanded path and the interface definitions used by a diff).
struct Contract {
    scalars: &'static [&'static str],
    deep: &'static [&'static str],
    objects: &'static [(&'static str, &'static [&'static str])],
    lists: &'static [(&'static str, &'static [&'static str])],
}

const NODE: &[&str] = &["id", "name", "class_key", "type", "self_size", "retained_size", "distance"];

fn contract(command: &str) -> Contract {
    match command {
        "summary" => Contract {
            scalars: &[
                "node_count",
                "edge_count",
                "total_size",
                "max_js_object_id",
                "summary_object_count",
                "summary_shallow_size",
                "total_size_ui",
                "summary_status_ui",
            ],
            deep: &["statistics", "interface_definitions"],
            objects: &[],
            lists: &[
                (
                    "classes",
                    &[
                        "key",
                        "name",
                        "count",
                        "distance",
                        "self_size",
                        "retained_size",
                        "distance_ui",
                        "self_size_ui",
                        "retained_size_ui",
                        "self_pct_ui",
                        "retained_pct_ui",
                    ],
                ),
                ("top_nodes", NODE),
                ("top_nodes_all", &["id", "name", "type", "self_size", "retained_size", "distance"]),
            ],
        },
        "diff" => Contract {
            scalars: &["class_count"],
            deep: &["sums", "interface_definitions_used"],
            objects: &[],
            lists: &[(
                "classes",
                &["key", "name", "new", "deleted", "delta", "alloc_size", "freed_size", "size_delta"],
            )],
        },
        "retainers" => Contract {
            scalars: &["shortest_path.stop_reason", "retainer_count_raw"],
            deep: &[],
            objects: &[("node", NODE)],
            lists: &[
                (
                    "retainers",
                    &[
                        "edge_name",
                        "edge_type",
                        "edge_index",
                        "node_id",
                        "node_name",
                        "distance",
                        "self_size",
                        "retained_size",
                    ],
                ),
                ("shortest_path.edges", &["edge_name", "edge_type", "node_id", "node_name", "distance"]),
                ("retaining_paths_first.edges", &["edge_name", "edge_type", "node_id", "node_name", "distance"]),
                ("dominator_chain", &["node_id", "self_size", "retained_size"]),
            ],
        },
        other => panic!("unknown oracle command {other}"),
    }
}

fn get<'a>(v: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(v, |v, k| v.get(k))
}

fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    // JSON.stringify equality: key order matters.
    a.map(|v| v.to_string()) == b.map(|v| v.to_string())
}

/// Returns (checked, mismatches).
fn compare(expected: &Value, actual: &Value) -> (usize, Vec<String>) {
    let command = expected["command"].as_str().unwrap_or_default();
    let c = contract(command);
    let mut checked = 0;
    let mut problems = Vec::new();
    for key in c.scalars.iter().chain(c.deep) {
        checked += 1;
        if !same(get(expected, key), get(actual, key)) {
            problems.push(format!("{key}: expected {:?}, got {:?}", get(expected, key), get(actual, key)));
        }
    }
    for (key, fields) in c.objects {
        for f in *fields {
            checked += 1;
            let (e, a) = (get(expected, key).and_then(|o| o.get(f)), get(actual, key).and_then(|o| o.get(f)));
            if !same(e, a) {
                problems.push(format!("{key}.{f}: expected {e:?}, got {a:?}"));
            }
        }
    }
    for (key, fields) in c.lists {
        let empty = Vec::new();
        let e = get(expected, key).and_then(Value::as_array).unwrap_or(&empty);
        checked += 1;
        let Some(a) = get(actual, key).and_then(Value::as_array) else {
            problems.push(format!("{key}: missing"));
            continue;
        };
        if e.len() != a.len() {
            problems.push(format!("{key}: expected {} entries, got {}", e.len(), a.len()));
        }
        for (i, (x, y)) in e.iter().zip(a).enumerate() {
            for f in *fields {
                checked += 1;
                if !same(x.get(f), y.get(f)) {
                    problems.push(format!("{key}[{i}].{f}: expected {:?}, got {:?}", x.get(f), y.get(f)));
                }
            }
        }
    }
    (checked, problems)
}

fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = if path.extension().is_some_and(|e| e == "gz") {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out).unwrap();
        out
    } else {
        String::from_utf8(bytes).unwrap()
    };
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn check_case(dir: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let case = read_json(&dir.join("case.json"));
    let mut loaded: HashMap<PathBuf, Analysis> = HashMap::new();
    fn load(dir: &Path, loaded: &mut HashMap<PathBuf, Analysis>, file: &str) -> PathBuf {
        let path = dir.join(Path::new(file).file_name().unwrap());
        if !loaded.contains_key(&path) {
            let snapshot = heapscope::snapshot::read_file(&path, &NoProgress)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            loaded.insert(path.clone(), Analysis::run(snapshot, &NoProgress).unwrap());
        }
        path
    }
    let mut failures = Vec::new();
    let mut total_checked = 0;
    for cmd in case["commands"].as_array().unwrap() {
        let words: Vec<&str> = cmd["command"].as_str().unwrap().split_whitespace().skip(2).collect();
        let expected_path =
            dir.join("expected").join(Path::new(cmd["expected"].as_str().unwrap()).file_name().unwrap());
        let expected = read_json(&expected_path);
        let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
        let actual = match words[0] {
            "summary" => {
                let p = load(&dir, &mut loaded, words[1]);
                json::summary(&loaded[&p], &name(&p))
            }
            "diff" => {
                let (b, f) = (load(&dir, &mut loaded, words[1]), load(&dir, &mut loaded, words[2]));
                let cmp = heapscope::analysis::diff::compare(&loaded[&b], &loaded[&f]);
                json::diff(&loaded[&b], &loaded[&f], &cmp, &[&name(&b), &name(&f)])
            }
            "retainers" => {
                let p = load(&dir, &mut loaded, words[1]);
                let a = &loaded[&p];
                let id: u32 = words[2].parse().unwrap();
                let n = a.find_node_by_id(id).unwrap();
                json::retainers(a, n, &name(&p))
            }
            other => panic!("unknown command {other}"),
        };
        let (checked, problems) = compare(&expected, &actual);
        total_checked += checked;
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {} mismatched of {checked}\n  {}",
                cmd["command"],
                problems.len(),
                problems.iter().take(10).cloned().collect::<Vec<_>>().join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(total_checked > 100, "suspiciously few fields checked: {total_checked}");
}

// The corpus of ../shared/oracle/cases (Node.js 20).
#[test]
fn tutorial_session_leak() {
    check_case("tests/fixtures/corpus/tutorial_session_leak");
}

#[test]
fn closure_leak() {
    check_case("tests/fixtures/corpus/closure_leak");
}

#[test]
fn map_cache_leak() {
    check_case("tests/fixtures/corpus/map_cache_leak");
}

#[test]
fn big_strings() {
    check_case("tests/fixtures/corpus/big_strings");
}

#[test]
fn no_leak_control() {
    check_case("tests/fixtures/corpus/no_leak_control");
}

// Our own snapshots (tests/fixtures/extra/README.md): other Node versions, Chrome, heap shapes.
#[test]
fn node22() {
    check_case("tests/fixtures/extra/node22");
}

#[test]
fn node24_without_trace_node_id() {
    check_case("tests/fixtures/extra/node24");
}

#[test]
fn node26_native_context_as_user_root() {
    check_case("tests/fixtures/extra/node26");
}

#[test]
fn weak_heavy() {
    check_case("tests/fixtures/extra/weak_heavy");
}

#[test]
fn deep_chain_of_200000() {
    check_case("tests/fixtures/extra/deep_chain");
}

#[test]
fn gc_roots_only() {
    check_case("tests/fixtures/extra/gc_roots_only");
}

#[test]
fn chrome_page_with_detached_dom() {
    check_case("tests/fixtures/extra/chrome_page");
}

// The checker itself must be able to fail.
#[test]
fn compare_reports_a_changed_field() {
    let expected: Value = serde_json::json!({"command": "diff", "class_count": 1, "sums": {"new": 1},
        "interface_definitions_used": [], "classes": [{"key": ",A", "name": "A", "new": 1, "deleted": 0,
        "delta": 1, "alloc_size": 8, "freed_size": 0, "size_delta": 8}]});
    let mut actual = expected.clone();
    assert!(compare(&expected, &actual).1.is_empty());
    actual["classes"][0]["alloc_size"] = serde_json::json!(9);
    let (_, problems) = compare(&expected, &actual);
    assert_eq!(problems.len(), 1, "{problems:?}");
    actual["classes"] = serde_json::json!([]);
    assert!(!compare(&expected, &actual).1.is_empty());
}
