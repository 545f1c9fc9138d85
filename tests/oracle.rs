//! Every summary, diff and retainers document equals Chrome DevTools' on every field the oracle
//! wrote, at any depth, in order (the whole expected document but the keys that name the oracle,
//! `oracle_json::RUN_KEYS`).
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

#[path = "support/oracle_json.rs"]
mod oracle_json;
use oracle_json::compare;

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
        // The document as the CLI streams it, parsed back.
        let mut text = Vec::new();
        match words[0] {
            "summary" => {
                let p = load(&dir, &mut loaded, words[1]);
                json::summary(&mut text, &loaded[&p], &name(&p)).unwrap();
            }
            "diff" => {
                let (b, f) = (load(&dir, &mut loaded, words[1]), load(&dir, &mut loaded, words[2]));
                let cmp = heapscope::analysis::diff::compare(&loaded[&b], &loaded[&f]);
                json::diff(&mut text, &loaded[&b], &loaded[&f], &cmp, &[&name(&b), &name(&f)]).unwrap();
            }
            "retainers" => {
                let p = load(&dir, &mut loaded, words[1]);
                let a = &loaded[&p];
                let id: u32 = words[2].parse().unwrap();
                let n = a.find_node_by_id(id).unwrap();
                json::retainers(&mut text, a, n, &name(&p)).unwrap();
            }
            other => panic!("unknown command {other}"),
        };
        let actual: Value = serde_json::from_slice(&text).unwrap();
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
    // A field outside what compare.mjs's CONTRACT lists, deep inside: still compared.
    let expected: Value = serde_json::json!({"oracle": "x", "command": "retainers",
        "retaining_paths_first": {"limits_reached": {"depth": true}, "edges": []}});
    let mut actual = expected.clone();
    actual["oracle"] = serde_json::json!("heapscope");
    assert!(compare(&expected, &actual).1.is_empty(), "the run-describing keys are not compared");
    actual["retaining_paths_first"]["limits_reached"] = serde_json::json!({});
    assert_eq!(compare(&expected, &actual).1.len(), 1);

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
