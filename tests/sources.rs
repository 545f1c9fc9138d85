//! The heap by npm package and script (`analysis::sources`, the flame chart's "By source",
//! `heapscope sources`) on a snapshot of a real Node program that uses npm packages:
//! `tests/fixtures/sources/express/` (an express server that handled 2,000 logins into its own
//! `session.js` store; `make.sh` rebuilds it).

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

use heapscope::analysis::sources::{self, APP, NO_SCRIPT, NODE, package_of};
use heapscope::analysis::{Analysis, flame};
use heapscope::progress::NoProgress;
use heapscope::snapshot::NodeIdx;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sources/express/express.heapsnapshot.gz")
}

fn load() -> Analysis {
    heapscope::analysis::load_file(&fixture(), &NoProgress).unwrap()
}

#[test]
fn packages_from_script_paths() {
    assert_eq!(package_of("/srv/app/node_modules/express/lib/router/index.js"), "express");
    assert_eq!(package_of("/srv/app/node_modules/@types/node/index.d.ts"), "@types/node");
    assert_eq!(package_of("/a/node_modules/express/node_modules/debug/src/node.js"), "debug");
    assert_eq!(package_of("C:\\app\\node_modules\\qs\\lib\\parse.js"), "qs");
    assert_eq!(package_of("file:///srv/app/node_modules/@scope/pkg/x.mjs"), "@scope/pkg");
    assert_eq!(package_of("node:internal/errors"), NODE);
    assert_eq!(package_of("events"), NODE);
    assert_eq!(package_of("/srv/app/session.js"), APP);
    assert_eq!(sources::short_script_name("/srv/app/node_modules/express/lib/router/index.js"), "lib/router/index.js");
    assert_eq!(sources::short_script_name("/srv/app/lib/session.js"), "lib/session.js");
}

#[test]
fn every_byte_has_one_package_and_express_and_our_session_store_are_found() {
    let a = load();
    let attributed = sources::attribute(&a);
    let totals = sources::totals(&a, &attributed);
    // Every node once: the packages' sizes and counts sum to the heap's.
    let all: u64 = a.self_size.iter().map(|&s| u64::from(s)).sum();
    assert_eq!(totals.iter().map(|p| p.self_size).sum::<u64>(), all);
    assert_eq!(totals.iter().map(|p| p.count).sum::<u64>(), a.node_count() as u64);
    for p in &totals {
        assert_eq!(p.scripts.iter().map(|s| s.self_size).sum::<u64>(), p.self_size, "{}", p.name);
    }
    // express is there, and only express's own files are in it.
    let express = totals.iter().find(|p| p.name == "express").expect("express's share");
    assert!(express.self_size > 10_000, "express holds its router and app: {}", express.self_size);
    for s in &express.scripts {
        assert!(s.name.contains("node_modules/express/"), "{}", s.name);
    }
    // The other packages express pulled in are named after their own directories.
    for p in &totals {
        if ![APP, NODE, NO_SCRIPT].contains(&p.name.as_str()) {
            for s in &p.scripts {
                assert!(s.name.contains(&format!("node_modules/{}/", p.name)), "{} in {}", s.name, p.name);
            }
        }
    }
    // Our code: session.js holds 2,000 sessions, each with strings and an array.
    let app = totals.iter().find(|p| p.name == APP).unwrap();
    let session = app.scripts.iter().find(|s| s.name.ends_with("session.js")).expect("session.js");
    assert!(session.self_size > express.self_size, "session {} vs express {}", session.self_size, express.self_size);

    // Checked from the graph itself: every `Session` object is session.js's, and so is the
    // `note` string only it holds.
    let s = &a.snapshot;
    let sessions: Vec<NodeIdx> = (0..a.node_count() as NodeIdx).filter(|&n| a.class_name(n) == "Session").collect();
    assert_eq!(sessions.len(), 2000);
    for &n in sessions.iter().step_by(97) {
        let script = attributed.script_of[n as usize];
        assert!(s.string(attributed.scripts[script as usize].name).ends_with("session.js"));
        let note = s.edges(n).find(|&e| s.edge_name(e) == "note").map(|e| s.edge_to(e)).unwrap();
        assert_eq!(a.dominator[note as usize], n, "the note string is the session's alone");
        assert_eq!(attributed.script_of[note as usize], script);
    }
}

#[test]
fn flame_chart_by_source_levels_sum_to_the_heap() {
    let a = load();
    let chart = flame::by_source(&a, &sources::attribute(&a));
    let all: u64 = a.self_size.iter().map(|&s| u64::from(s)).sum();
    assert_eq!(chart.frames[0].retained_size, all);
    for depth in 1..=3 {
        let sum: u64 = chart.frames.iter().filter(|f| f.depth == depth).map(|f| f.retained_size).sum();
        assert_eq!(sum, all, "depth {depth}");
    }
    // Children lie inside their parent, side by side, widest first.
    for (i, f) in chart.frames.iter().enumerate() {
        let kids = chart.children(i as u32);
        let mut offset = f.offset;
        let mut last = u64::MAX;
        for k in kids {
            let c = &chart.frames[k as usize];
            assert_eq!(c.parent, i as u32);
            assert_eq!(c.offset, offset);
            assert!(c.retained_size <= last);
            offset += c.retained_size;
            last = c.retained_size;
        }
        if f.child_count > 0 {
            assert_eq!(offset, f.offset + f.retained_size);
        }
    }
    let names: Vec<&str> = chart.children(0).map(|f| chart.name(&a, f)).collect();
    assert!(names.contains(&"express"), "{names:?}");
    assert!(names.contains(&APP), "{names:?}");
    // Each object is drawn in its class's frame under its script.
    let n = (0..a.node_count() as NodeIdx).find(|&n| a.class_name(n) == "Session").unwrap();
    let f = chart.frame_of[n as usize];
    assert_eq!(chart.name(&a, f), "Session");
    assert!(chart.name(&a, chart.frames[f as usize].parent).ends_with("session.js"));
}

#[test]
fn cli_sources_json_sums_to_the_total() {
    let out = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .env("HEAPSCOPE_NO_INDEX", "1")
        .args(["sources", fixture().to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = doc["packages"].as_array().unwrap();
    let sum: u64 = packages.iter().map(|p| p["self_size"].as_u64().unwrap()).sum();
    assert_eq!(sum, doc["total_self_size"].as_u64().unwrap());
    assert!(packages.iter().any(|p| p["package"] == "express"));
    let text = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .env("HEAPSCOPE_NO_INDEX", "1")
        .args(["sources", fixture().to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.lines().any(|l| l.ends_with("  express")), "{text}");
}

/// A function context takes the script of the closures that reference it: in the tutorial's s3,
/// the module context holding `loginUsers` (@6199, `system / Context`) is the context of the
/// closures `sessionMiddleware` (@6197), `session` (@39223), `set` and `get`, whose
/// SharedFunctionInfos' `script_or_debug_info` is the Script node
/// `/work/steering/oracle/cases/tutorial_session_leak/session.js` (read from the JSON by hand).
/// So it and the store it alone keeps alive are session.js's (the context had no script before),
/// and the sizes still sum to the heap.
#[test]
fn closure_contexts_take_their_closures_script() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-snapshots/s3.heapsnapshot.gz");
    let a = heapscope::analysis::load_file(&path, &NoProgress).unwrap();
    let s = &a.snapshot;
    let attributed = sources::attribute(&a);
    let session_js = "/work/steering/oracle/cases/tutorial_session_leak/session.js";
    let script_name = |n: NodeIdx| {
        let script = attributed.script_of[n as usize];
        assert_ne!(script, sources::NONE, "@{} has a script", s.node_id(n));
        s.string(attributed.scripts[script as usize].name).to_string()
    };
    let context = (0..a.node_count() as NodeIdx).find(|&n| s.node_id(n) == 6199).unwrap();
    assert_eq!(s.node_name(context), "system / Context");
    let store = s.edges(context).find(|&e| s.edge_name(e) == "loginUsers").map(|e| s.edge_to(e)).unwrap();
    assert_eq!(script_name(context), session_js);
    assert_eq!(script_name(store), session_js);
    let totals = sources::totals(&a, &attributed);
    let all: u64 = a.self_size.iter().map(|&s| u64::from(s)).sum();
    assert_eq!(totals.iter().map(|p| p.self_size).sum::<u64>(), all);
    let none = totals.iter().find(|p| p.name == NO_SCRIPT).map_or(0, |p| p.self_size);
    assert!(none * 2 < all, "(no script) holds {none} of {all}");
}
