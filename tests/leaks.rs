//! `heapscope leaks` as a user runs it: the corpus and the leak scenarios (each a real program's
//! snapshots with the holder written down from its source), the exit status CI fails on, and
//! bad input. The accumulation-point walk is also checked on small graphs drawn by hand.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use heapscope::analysis::Analysis;
use heapscope::analysis::leaks::{self, LeakError, SuspectKind};
use heapscope::progress::NoProgress;
use heapscope::snapshot::builder::SnapshotBuilder;
use heapscope::snapshot::{EdgeType, HeapSnapshot, NodeType};
use serde_json::Value;

#[path = "support/renumber.rs"]
mod renumber;
use renumber::renumbered;

/// The binary with the persisted index off: these tests parse every file (tests/index.rs
/// tests the index).
fn heapscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heapscope")).args(args).env("HEAPSCOPE_NO_INDEX", "1").output().unwrap()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures")
}

fn corpus(case: &str, snaps: &[&str]) -> Vec<String> {
    snaps
        .iter()
        .map(|s| fixtures().join("corpus").join(case).join(format!("{s}.heapsnapshot.gz")).display().to_string())
        .collect()
}

/// `heapscope leaks FILES --json`, parsed.
fn leaks_json(files: &[String]) -> Value {
    let mut args = vec!["leaks"];
    args.extend(files.iter().map(String::as_str));
    args.push("--json");
    let out = heapscope(&args);
    assert!(out.status.success(), "heapscope leaks failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn holder_edges(report: &Value) -> Vec<String> {
    report["suspects"].as_array().unwrap().iter().map(|s| s["holder"]["edge"].as_str().unwrap().to_string()).collect()
}

#[test]
fn tutorial_first_suspect_is_login_users() {
    let r = leaks_json(&corpus("tutorial_session_leak", &["s1", "s2", "s3"]));
    let first = &r["suspects"][0];
    assert_eq!(first["holder"]["edge"], "loginUsers", "{r:#}");
    assert_eq!(first["path"][0], "loginUsers");
    assert_eq!(first["kind"], "collection");
    // One retained size per snapshot, growing at both steps.
    let sizes: Vec<u64> = first["retained_size"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert_eq!(sizes.len(), 3);
    assert!(sizes[0] < sizes[1] && sizes[1] < sizes[2], "{sizes:?}");
    // The two requests stored 200,000 users: each a `{username, loginAt}` object.
    let classes = first["top_classes"].as_array().unwrap();
    let users = classes.iter().find(|c| c["name"] == "{username}").unwrap();
    assert!(users["added"].as_u64().unwrap() >= 200_000, "{classes:?}");
    assert_eq!(r["snapshots"].as_array().unwrap().len(), 3);
}

#[test]
fn closure_leak_is_held_by_the_thing() {
    let r = leaks_json(&corpus("closure_leak", &["s1", "s2", "s3"]));
    assert_eq!(holder_edges(&r).first().map(String::as_str), Some("theThing"), "{r:#}");
    // theThing is a new object in every snapshot: no retained size before the last.
    assert!(r["suspects"][0]["retained_size"][0].is_null());
}

#[test]
fn map_cache_leak_is_held_by_profile_cache() {
    let r = leaks_json(&corpus("map_cache_leak", &["s1", "s2", "s3"]));
    assert_eq!(holder_edges(&r).first().map(String::as_str), Some("profileCache"), "{r:#}");
}

#[test]
fn no_leak_control_has_no_suspect_and_asks_for_a_third_snapshot() {
    let r = leaks_json(&corpus("no_leak_control", &["s1", "s2"]));
    assert_eq!(r["suspects"].as_array().unwrap().len(), 0, "{r:#}");
    assert_eq!(r["needs_third_snapshot"], true);
    let out = heapscope(&["leaks", &corpus("no_leak_control", &["s1"])[0], &corpus("no_leak_control", &["s2"])[0]]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("third snapshot") && text.contains("No leak suspects"), "{text}");
}

/// The scenario folders of `tests/fixtures/leaks`.
fn scenarios() -> Vec<PathBuf> {
    let dir = fixtures().join("leaks");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("scenario.json").exists())
        .collect();
    entries.sort();
    assert!(entries.len() >= 12, "only {} scenarios in {}", entries.len(), dir.display());
    entries
}

/// A scenario's manifest and its snapshot files, oldest first.
fn scenario(case: &Path) -> (Value, Vec<PathBuf>) {
    let manifest: Value = serde_json::from_slice(&std::fs::read(case.join("scenario.json")).unwrap()).unwrap();
    let files = manifest["snapshots"].as_array().unwrap().iter().map(|f| case.join(f.as_str().unwrap())).collect();
    (manifest, files)
}

/// What `report` (`leaks --json`) gets wrong against the scenario's manifest: each leak among
/// the first three suspects (first when it is the only one), the faster of two first, a control
/// with no suspect.
fn misses(manifest: &Value, r: &Value) -> Vec<String> {
    let mut failures = Vec::new();
    let suspects = r["suspects"].as_array().unwrap();
    let name = manifest["name"].as_str().unwrap();
    let expected = manifest["leaks"].as_array().unwrap();
    if manifest["control"] == true {
        if !suspects.is_empty() {
            failures.push(format!("{name}: control, but suspects {:?}", holder_edges(r)));
        }
        return failures;
    }
    let within = if expected.len() == 1 { 1 } else { 3 };
    let mut positions = Vec::new();
    for leak in expected {
        let accept: Vec<&str> = leak["accept_edges"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let in_path: Vec<&str> = leak
            .get("accept_path_contains")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|v| v.as_str().unwrap()).collect())
            .unwrap_or_default();
        // A holder no program variable names (Window's own listener list) is named by its object.
        let name_starts: Vec<&str> = leak
            .get("accept_holder_name_starts_with")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|v| v.as_str().unwrap()).collect())
            .unwrap_or_default();
        let hit = suspects.iter().take(within).position(|s| {
            accept.contains(&s["holder"]["edge"].as_str().unwrap())
                || s["path"].as_array().unwrap().iter().any(|e| in_path.contains(&e.as_str().unwrap()))
                || name_starts.iter().any(|p| s["holder"]["name"].as_str().unwrap().starts_with(p))
        });
        match hit {
            Some(p) => positions.push((leak["rate"].as_str().unwrap_or("").to_string(), p)),
            None => failures.push(format!(
                "{name}: {:?} not among the first {within}: {:?}",
                leak["holder"]["edge"],
                holder_edges(r)
            )),
        }
    }
    // Two leaks at different rates: the faster first.
    if let (Some(fast), Some(slow)) =
        (positions.iter().find(|p| p.0 == "fast"), positions.iter().find(|p| p.0 == "slow"))
        && fast.1 > slow.1
    {
        failures.push(format!("{name}: the slower leak ranks first: {:?}", holder_edges(r)));
    }
    failures
}

/// Every scenario in `tests/fixtures/leaks/*/scenario.json`: each leak among the first three
/// suspects (first when it is the only one), each control with no suspect.
#[test]
fn leak_scenarios_name_their_holders() {
    let mut failures = Vec::new();
    for case in scenarios() {
        let (manifest, files) = scenario(&case);
        let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        let r = leaks_json(&files);
        assert_eq!(r["matched_by_path"], serde_json::json!([]), "one session: objects are followed by id");
        failures.extend(misses(&manifest, &r));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A page adds a `resize` listener to `window` per dialog and never removes it: no script
/// variable holds the growth, Window's own listener list does (Blink's `EventTargetData`, whose
/// vector of `RegisteredEventListener`s is reallocated, a new object, at every step). The report
/// names Window, and says that what grows is that list (written from the page's source).
#[test]
fn a_window_listener_list_is_reported_as_window_and_what_of_it_grows() {
    let (_, files) = scenario(&fixtures().join("leaks").join("window_listener_detached_panel_chromium"));
    let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let r = leaks_json(&files);
    let first = &r["suspects"][0];
    assert!(first["holder"]["name"].as_str().unwrap().starts_with("Window"), "{:?}", holder_edges(&r));
    let within: Vec<&str> = first["within"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(within.first().is_some_and(|w| w.contains("EventTargetData")), "{within:?}");
    assert!(within.last().is_some_and(|w| w.contains("RegisteredEventListener")), "{within:?}");
    // The page's closures keep the dialogs they were made for: the added objects are detached DOM.
    assert_eq!(first["kind"], "detached_dom");
    // The text and the HTML report say it too.
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let out = heapscope(&["leaks", &files[0], &files[1], &files[2], "--html", html.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("grows in: EventTargetData"), "{text}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Grows in: <code>EventTargetData"), "the HTML report");
}

/// Where V8 also held the growing array from a transient root in the first snapshot (a handle
/// scope, a compile job's strong roots), the root dominated it there and its owner's retained
/// size jumped by the array's old bytes once: the array is still the holder named, not its owner
/// (a prototype; an object that also accepted as a holder), and its growth is what the steps add
/// up to, not the owner's jump. The manifests' `holder.edge` were written from the programs.
#[test]
fn a_transient_root_in_the_first_snapshot_does_not_move_the_holder_up() {
    for name in ["prototype_shared_array", "typedarray_histogram_snapshots"] {
        let (manifest, files) = scenario(&fixtures().join("leaks").join(name));
        let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        let r = leaks_json(&files);
        let first = &r["suspects"][0];
        assert_eq!(first["holder"]["edge"], manifest["leaks"][0]["holder"]["edge"], "{name}: {:?}", holder_edges(&r));
        let steps: i64 = first["steps"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).sum();
        let growth = first["growth"].as_i64().unwrap();
        assert!((growth - steps).abs() * 20 <= steps, "{name}: growth {growth} against steps adding up to {steps}");
        // Held from a stack frame: the path names V8's root categories, not their slot numbers.
        let path: Vec<&str> = first["path"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(path[path.len() - 2..], ["(Stack roots)", "(GC roots)"], "{name}: {path:?}");
    }
}

/// The same scenarios with the earlier snapshots renumbered as separate profiler sessions (two
/// `capture --pid` runs) would: the holders are still named, by their paths, and the controls
/// stay silent.
#[test]
fn leak_scenarios_across_profiler_sessions() {
    let mut failures = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    for case in scenarios() {
        let (manifest, files) = scenario(&case);
        let (last, earlier) = files.split_last().unwrap();
        let mut args: Vec<String> = Vec::new();
        for (k, f) in earlier.iter().enumerate() {
            let out = dir.path().join(format!("{}-{k}.heapsnapshot", manifest["name"].as_str().unwrap()));
            renumbered(f, &out);
            args.push(out.display().to_string());
        }
        args.push(last.display().to_string());
        let r = leaks_json(&args);
        let shares = r["matched_by_path"].as_array().unwrap();
        if shares.len() != earlier.len() {
            failures.push(format!("{}: not matched by path: {:?}", manifest["name"], r["matched_by_path"]));
        }
        failures.extend(misses(&manifest, &r));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fail_above_exits_3_when_a_suspect_grew_more() {
    let files = corpus("tutorial_session_leak", &["s1", "s2", "s3"]);
    let mut args = vec!["leaks", &files[0], &files[1], &files[2], "--fail-above", "1MB"];
    let out = heapscope(&args);
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loginUsers"));
    args[5] = "1GB";
    assert_eq!(heapscope(&args).status.code(), Some(0));
    let control = corpus("no_leak_control", &["s1", "s2"]);
    let out = heapscope(&["leaks", &control[0], &control[1], "--fail-above", "0"]);
    assert_eq!(out.status.code(), Some(0));
    let out = heapscope(&["leaks", &control[0], &control[1], "--fail-above", "ten"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn html_report_is_one_self_contained_file() {
    let files = corpus("map_cache_leak", &["s1", "s2", "s3"]);
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("leaks.html");
    let out = heapscope(&["leaks", &files[0], &files[1], &files[2], "--html", html.to_str().unwrap()]);
    assert!(out.status.success());
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<svg") && page.contains("profileCache"));
    // Nothing fetched from anywhere.
    for needle in ["http://", "https://", "src=", "<link"] {
        assert!(!page.contains(needle), "{needle} in the report");
    }
}

#[test]
fn one_snapshot_is_a_usage_error() {
    let files = corpus("map_cache_leak", &["s1"]);
    let out = heapscope(&["leaks", &files[0]]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn snapshots_of_different_processes_are_refused() {
    let a = corpus("closure_leak", &["s1"]);
    let b = corpus("map_cache_leak", &["s3"]);
    let out = heapscope(&["leaks", &a[0], &b[0]]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a later snapshot of the process"), "{err}");
    let tutorial = corpus("tutorial_session_leak", &["s1", "s2"]);
    let out = heapscope(&["leaks", &tutorial[0], &tutorial[1], &b[0]]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_truncated_snapshot_is_a_clear_error() {
    let files = corpus("map_cache_leak", &["s1", "s2"]);
    let raw = std::fs::read(&files[1]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.heapsnapshot.gz");
    std::fs::write(&cut, &raw[..raw.len() / 2]).unwrap();
    let out = heapscope(&["leaks", &files[0], cut.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cut.heapsnapshot.gz"), "{err}");
}

// ---- The walk on small graphs ----

/// A process's heap at one step: a module object `app` holding `cache` (a Map whose table
/// gains `entries` 1 kB entries), `config` (stable) and a linked list `head` of `links` nodes.
fn heap(entries: u32, links: u32, stable_extra: u32) -> HeapSnapshot {
    let mut b = SnapshotBuilder::new();
    let root = b.node_with_id(NodeType::SYNTHETIC, "", 1, 0);
    let app = b.node_with_id(NodeType::OBJECT, "App", 3, 64);
    let cache = b.node_with_id(NodeType::OBJECT, "Map", 5, 32);
    // The table is reallocated as it grows: a new id every step.
    let table = b.node_with_id(NodeType::ARRAY, "", 1_000 + entries * 2 + 1, 16 + 8 * entries);
    let config = b.node_with_id(NodeType::OBJECT, "Config", 7, 100 + stable_extra);
    b.edge(root, EdgeType::SHORTCUT, "app", app);
    b.edge(app, EdgeType::PROPERTY, "cache", cache);
    b.edge(app, EdgeType::PROPERTY, "config", config);
    b.edge(cache, EdgeType::INTERNAL, "table", table);
    for i in 0..entries {
        let v = b.node_with_id(NodeType::OBJECT, "Entry", 100_001 + 2 * i, 1000);
        b.edge(table, EdgeType::INTERNAL, i.to_string().as_str(), v);
    }
    let mut prev = app;
    let mut edge = "head";
    for i in 0..links {
        let l = b.node_with_id(NodeType::OBJECT, "Link", 500_001 + 2 * i, 800);
        b.edge(prev, EdgeType::PROPERTY, edge, l);
        prev = l;
        edge = "next";
    }
    b.build()
}

fn analysis(s: HeapSnapshot) -> Analysis {
    Analysis::run(s, &NoProgress).unwrap()
}

#[test]
fn walk_finds_the_map_by_its_table_and_the_list_at_its_head() {
    let steps: Vec<Analysis> = (1..=3).map(|k| analysis(heap(200 * k, 150 * k, 0))).collect();
    let r = leaks::analyze(&[(&steps[0], "a"), (&steps[1], "b"), (&steps[2], "c")]).unwrap();
    let found: Vec<(&str, SuspectKind)> = r.suspects.iter().map(|s| (s.edge.as_str(), s.kind)).collect();
    // 200 kB a step in the Map's entries, 120 kB in the list: the Map first.
    assert_eq!(found, vec![("cache", SuspectKind::Collection), ("head", SuspectKind::Chain)], "{r:#?}");
    let cache = &r.suspects[0];
    assert_eq!(cache.class_name, "Map");
    assert_eq!(cache.added, 400 + 1, "400 new entries and the new table: {cache:#?}");
    assert_eq!(cache.top_classes[0].name, "Entry");
    assert_eq!(cache.top_classes[0].added, 400);
    assert_eq!(r.suspects[1].path, vec!["head".to_string()]);
}

#[test]
fn growth_that_stops_or_shrinks_back_is_not_a_leak() {
    // Grows once, then stays.
    let once = [analysis(heap(0, 0, 0)), analysis(heap(400, 0, 0)), analysis(heap(400, 0, 0))];
    let r = leaks::analyze(&[(&once[0], "a"), (&once[1], "b"), (&once[2], "c")]).unwrap();
    assert!(r.suspects.is_empty(), "{r:#?}");
    // A burst that drains.
    let burst = [analysis(heap(0, 0, 0)), analysis(heap(400, 0, 0)), analysis(heap(100, 0, 0))];
    let r = leaks::analyze(&[(&burst[0], "a"), (&burst[1], "b"), (&burst[2], "c")]).unwrap();
    assert!(r.suspects.is_empty(), "{r:#?}");
    // With two snapshots the same growth is ranked, and the report asks for a third.
    let r = leaks::analyze(&[(&once[0], "a"), (&once[1], "b")]).unwrap();
    assert_eq!(r.suspects.first().map(|s| s.edge.as_str()), Some("cache"));
    assert!(r.needs_third_snapshot());
}

#[test]
fn growth_below_the_threshold_is_silent() {
    // 3 entries of 1 kB a step: below even the quarter threshold of collections that grow at
    // every step (16 KiB), though the Map is most of this tiny heap.
    let steps: Vec<Analysis> = (1..=3).map(|k| analysis(heap(3 * k, 0, 0))).collect();
    let r = leaks::analyze(&[(&steps[0], "a"), (&steps[1], "b"), (&steps[2], "c")]).unwrap();
    assert!(r.suspects.is_empty(), "{r:#?}");
}

#[test]
fn one_snapshot_or_another_process_is_an_error() {
    let a = analysis(heap(10, 0, 0));
    assert_eq!(leaks::analyze(&[(&a, "a")]).unwrap_err(), LeakError::TooFew(1));
    // Same ids, other objects: another process.
    let mut b = SnapshotBuilder::new();
    let root = b.node_with_id(NodeType::SYNTHETIC, "", 1, 0);
    for i in 0..20u32 {
        let n = b.node_with_id(NodeType::OBJECT, "Other", 3 + 2 * i, 10);
        b.edge(root, EdgeType::ELEMENT, i, n);
    }
    let other = analysis(b.build());
    assert!(matches!(leaks::analyze(&[(&a, "a"), (&other, "b")]), Err(LeakError::DifferentProcess { .. })));
}

/// A module's closure context holding two indexes of the same orders: `ordersById` (a Map whose
/// table gains an 80-byte entry per order) and `ordersByCustomer` (a Map of 10 stable per-customer
/// arrays that each gain orders). Every order is reachable from both, so only the context
/// dominates the orders.
fn shared_index_heap(orders: u32) -> HeapSnapshot {
    let mut b = SnapshotBuilder::new();
    let root = b.node_with_id(NodeType::SYNTHETIC, "", 1, 0);
    let context = b.node_with_id(NodeType::OBJECT, "system / Context", 3, 64);
    let by_id = b.node_with_id(NodeType::OBJECT, "Map", 5, 32);
    let by_customer = b.node_with_id(NodeType::OBJECT, "Map", 7, 32);
    let id_table = b.node_with_id(NodeType::ARRAY, "", 1_000 + orders * 2 + 1, 16 + 80 * orders);
    let customer_table = b.node_with_id(NodeType::ARRAY, "", 9, 16 + 8 * 10);
    b.edge(root, EdgeType::SHORTCUT, "module", context);
    b.edge(context, EdgeType::CONTEXT, "ordersById", by_id);
    b.edge(context, EdgeType::CONTEXT, "ordersByCustomer", by_customer);
    b.edge(by_id, EdgeType::INTERNAL, "table", id_table);
    b.edge(by_customer, EdgeType::INTERNAL, "table", customer_table);
    let lists: Vec<_> = (0..10u32)
        .map(|c| {
            let list = b.node_with_id(NodeType::OBJECT, "Array", 11 + 2 * c, 32);
            b.edge(customer_table, EdgeType::INTERNAL, c.to_string().as_str(), list);
            list
        })
        .collect();
    for i in 0..orders {
        let order = b.node_with_id(NodeType::OBJECT, "Order", 100_001 + 2 * i, 1000);
        b.edge(id_table, EdgeType::INTERNAL, i.to_string().as_str(), order);
        b.edge(lists[(i % 10) as usize], EdgeType::ELEMENT, i / 10, order);
    }
    b.build()
}

#[test]
fn growth_shared_by_two_indexes_names_the_index_not_the_context() {
    let steps: Vec<Analysis> = (1..=3).map(|k| analysis(shared_index_heap(150 * k))).collect();
    let r = leaks::analyze(&[(&steps[0], "a"), (&steps[1], "b"), (&steps[2], "c")]).unwrap();
    let edges: Vec<&str> = r.suspects.iter().map(|s| s.edge.as_str()).collect();
    assert!(!r.suspects.is_empty(), "{r:#?}");
    assert!(
        r.suspects.iter().all(|s| s.class_name != "system / Context"),
        "the context is where the variables live, not the holder: {edges:?}"
    );
    assert_eq!(edges.first().copied(), Some("ordersById"), "{r:#?}");
}

/// `heapscope diff` of two snapshots from separate profiler sessions (the ids name other objects)
/// pairs objects by their paths from the root and says so on stderr; its JSON keeps DevTools'
/// shape. Its numbers come near DevTools' own Comparison of the same two heaps numbered in one
/// session (the corpus' oracle file): the leak's classes exactly, where matching by id made
/// 24,944 of the 100,000 new `{username}` objects seem deleted and 54,817 unrelated pairs "grow".
/// Of one session it says nothing.
#[test]
fn diff_across_profiler_sessions_pairs_objects_by_their_paths() {
    let dir = tempfile::tempdir().unwrap();
    let [s2, s3] = ["s2", "s3"]
        .map(|s| Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-snapshots").join(format!("{s}.heapsnapshot.gz")));
    // (The tutorial's s1 is numbered nearly 1, 3, 5, … in node order already: renumber s2.)
    let renumbered_s2 = dir.path().join("s2.heapsnapshot");
    renumbered(&s2, &renumbered_s2);
    let text = |p: &Path| p.display().to_string();
    let separate = heapscope(&["diff", &text(&renumbered_s2), &text(&s3), "--json"]);
    let one = heapscope(&["diff", &text(&s2), &text(&s3), "--json"]);
    assert!(separate.status.success() && one.status.success());
    let said = String::from_utf8_lossy(&separate.stderr);
    assert!(said.contains("paired by their paths from the root") && said.contains("profiler session"), "{said}");
    assert!(!String::from_utf8_lossy(&one.stderr).contains("paired by their paths"));

    let ours: Value = serde_json::from_slice(&separate.stdout).expect("JSON on stdout");
    let oracle: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/corpus/tutorial_session_leak/expected/s2-s3.diff.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let row = |doc: &Value, name: &str| -> (u64, u64) {
        let c =
            doc["classes"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("{name}"));
        (c["new"].as_u64().unwrap(), c["deleted"].as_u64().unwrap())
    };
    for class in ["{username}", "(number)"] {
        let (new, deleted) = row(&ours, class);
        let (devtools_new, devtools_deleted) = row(&oracle, class);
        assert!(new.abs_diff(devtools_new) <= devtools_new / 100, "{class}: {new} new, DevTools {devtools_new}");
        assert!(deleted <= devtools_deleted + devtools_new / 100, "{class}: {deleted} deleted");
    }
    // Paired survivors: the leaking dictionary grew, and not tens of thousands of unrelated pairs.
    let grown = ours["grown_survivors"].as_array().unwrap();
    assert!(grown[0]["name"].as_str().unwrap().contains("user_"), "{}", grown[0]);
    assert!(ours["grown_survivors_count"].as_u64().unwrap() < 1_000, "{}", ours["grown_survivors_count"]);
}
