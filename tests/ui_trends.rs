//! Trends driven as a user drives them (egui_kittest, by labels): with the tutorial's three
//! snapshots loaded, Summary and Comparison rows show a trend; sorting by it puts the classes
//! that grew most first, in the order computed here from each file's `heapscope summary --json`
//! (the document the oracle checks); the Grown objects' filter keeps the objects that grew
//! themselves or only hold growth, as a brute-force join by id says. With two snapshots, no
//! Trend column, a hint.

#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use heapscope::analysis::Analysis;
use heapscope::ui::{App, View};

#[path = "support/ui_harness.rs"]
mod ui_harness;
use ui_harness::{app_with, app_with_files, harness, sample, samples, settle};
#[path = "support/renumber.rs"]
mod renumber;

/// `heapscope summary FILE --json`'s classes: key → (name, count, self_size).
fn cli_summary(file: &Path) -> HashMap<String, (String, u64, u64)> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .env("HEAPSCOPE_NO_INDEX", "1")
        .args(["summary", "--json"])
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap().to_string(),
                (
                    c["name"].as_str().unwrap().to_string(),
                    c["count"].as_u64().unwrap(),
                    c["self_size"].as_u64().unwrap(),
                ),
            )
        })
        .collect()
}

/// 1234567 → "1,234,567".
fn thousands(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn summary_rows_show_trends_and_sort_by_growth() {
    let files: Vec<PathBuf> = (1..=3).map(|i| sample(&format!("s{i}.heapsnapshot.gz"))).collect();
    let per_file: Vec<_> = files.iter().map(|f| cli_summary(f)).collect();
    // Expected order: newest − oldest shallow size per class key, largest first.
    let mut growth: Vec<(i64, String, String)> = per_file[2]
        .iter()
        .map(|(k, (name, _, size))| {
            let first = per_file[0].get(k).map_or(0, |c| c.2);
            (*size as i64 - first as i64, name.clone(), k.clone())
        })
        .collect();
    growth.sort_by_key(|g| std::cmp::Reverse(g.0));
    // The top three are far apart, so the order does not hang on ties or on how s1's few
    // objects of these shapes are classified.
    assert!(growth[0].0 > growth[1].0 + 100_000 && growth[1].0 > growth[2].0 + 100_000, "{:?}", &growth[..3]);

    let mut h = harness(app_with(3));
    assert_eq!(h.state().view, View::Summary);
    // A trend on the tutorial's classes.
    let username = growth.iter().find(|g| g.1 == "{username}").expect("the tutorial's {username} class");
    h.get_by_label("Trend of {username}").hover();
    h.run();
    let (_, count2, size2) = &per_file[1][&username.2];
    h.get_by_label_contains(&format!(
        "Snapshot 2: s2: {} objects, shallow {} B",
        thousands(*count2),
        thousands(*size2)
    ));
    h.get_by_label("Trend of Object");

    // Sort by the Trend column: largest growth first.
    h.get_by_label("Trend").click();
    settle(&mut h);
    h.get_by_label("Trend ⬇");
    let a3 = &samples()[2];
    let shown: Vec<String> = h
        .state()
        .summary
        .tree
        .rows()
        .iter()
        .take(3)
        .map(|r| match r.key {
            heapscope::ui::rows::RowKey::Class(i) => a3.aggregates.rows[i as usize].key.clone(),
            ref k => panic!("not a class row: {k:?}"),
        })
        .collect();
    let expected: Vec<String> = growth.iter().take(3).map(|g| g.2.clone()).collect();
    assert_eq!(shown, expected);
    // And on screen in that order.
    let y = |name: &str| h.get_by_label(&format!("Trend of {name}")).rect().top();
    assert!(y(&growth[0].1) < y(&growth[1].1) && y(&growth[1].1) < y(&growth[2].1));
}

#[test]
fn comparison_rows_show_trends_and_grown_objects_filter() {
    let mut h = harness(app_with(3));
    h.get_by_label("Comparison").click();
    settle(&mut h);
    assert_eq!(h.state().view, View::Comparison);
    h.get_by_label("Trend of {username}");
    // The class table's Trend header is the upper one; the Grown objects table below has its own
    // once the survivors are computed.
    h.query_all_by_label("Trend").min_by(|a, b| a.rect().top().total_cmp(&b.rect().top())).unwrap().click();
    settle(&mut h);
    h.get_by_label("Trend ⬇");

    // Brute force: objects with one id in s2 and s3, visible in both, that grew.
    let (a2, a3) = (&samples()[1], &samples()[2]);
    let by_id = |a: &Analysis| -> HashMap<u32, usize> {
        (0..a.node_count()).map(|n| (a.snapshot.node_id(n as u32), n)).collect()
    };
    let before = by_id(a2);
    let (mut grew_itself, mut holds) = (Vec::new(), Vec::new());
    for n in 0..a3.node_count() {
        let id = a3.snapshot.node_id(n as u32);
        let Some(&b) = before.get(&id) else { continue };
        let (s0, s1) = (a2.self_size[b], a3.self_size[n]);
        let (r0, r1) = (a2.retained_size[b], a3.retained_size[n]);
        if s0 == 0 || s1 == 0 {
            continue;
        }
        if s1 > s0 {
            grew_itself.push(id);
        } else if r1 > r0 {
            holds.push(id);
        }
    }
    grew_itself.sort_unstable();
    holds.sort_unstable();
    assert!(!grew_itself.is_empty() && !holds.is_empty());

    let shown = |h: &Harness<'static, App>| -> Vec<u32> {
        let (cmp, _, _) = h.state().comparison().unwrap();
        let mut ids: Vec<u32> = h
            .state()
            .comparison
            .grown
            .rows()
            .iter()
            .filter_map(|r| match r.key {
                heapscope::ui::rows::RowKey::Grown(i) => Some(cmp.grown[i as usize].id),
                _ => None,
            })
            .collect();
        ids.sort_unstable();
        ids
    };
    let all = shown(&h).len();
    assert_eq!(all, grew_itself.len() + holds.len());
    h.get_by_label_contains("Grew itself").click();
    settle(&mut h);
    assert_eq!(shown(&h), grew_itself);
    h.get_by_label_contains("Holds growth").click();
    settle(&mut h);
    assert_eq!(shown(&h), holds);
    h.get_by_label_contains("All grown").click();
    settle(&mut h);
    assert_eq!(shown(&h).len(), all);

    // loginUsers' store grew itself; its series across all three snapshots is on hover.
    let store = (0..a3.node_count() as u32)
        .flat_map(|n| a3.snapshot.edges(n))
        .find(|&e| a3.snapshot.edge_name(e) == "loginUsers")
        .map(|e| a3.snapshot.edge_to(e))
        .unwrap();
    let id = a3.snapshot.node_id(store);
    assert!(grew_itself.contains(&id));
    h.get_by_label(&format!("Trend of @{id}")).hover();
    h.run();
    for (i, a) in samples().iter().enumerate() {
        let n = (0..a.node_count()).find(|&n| a.snapshot.node_id(n as u32) == id).unwrap();
        h.get_by_label_contains(&format!(
            "Snapshot {}: s{}: shallow {} B, retained {} B",
            i + 1,
            i + 1,
            thousands(u64::from(a.self_size[n])),
            thousands(a.retained_size[n])
        ));
    }
}

#[test]
fn two_snapshots_have_no_trend_column_but_a_hint() {
    let mut h = harness(app_with(2));
    assert!(h.query_by_label("Trend").is_none());
    assert!(h.query_by_label_contains("Trend of").is_none());
    h.get_by_label_contains("open 3 or more snapshots of one process");
    h.get_by_label("Comparison").click();
    settle(&mut h);
    assert!(h.query_by_label("Trend").is_none());
    h.get_by_label_contains("open 3 or more snapshots of one process");
}

/// Three snapshots of one program from separate profiler sessions (three `capture --pid` runs:
/// the middle one numbered anew): classes need no ids, so their trends are drawn, with each
/// file's own Summary numbers; the grown objects' trends, found by id, are not.
#[test]
fn separate_sessions_of_one_program_chart_classes_but_not_objects_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let s2 = dir.path().join("s2.heapsnapshot");
    renumber::renumbered(&sample("s2.heapsnapshot.gz"), &s2);
    let files = vec![sample("s1.heapsnapshot.gz"), s2.clone(), sample("s3.heapsnapshot.gz")];
    let mut h = harness(app_with_files(&files));
    settle(&mut h);
    let per_file = cli_summary(&s2);
    let key = per_file.iter().find(|(_, c)| c.0 == "{username}").map(|(k, _)| k.clone()).unwrap();
    h.get_by_label("Trend of {username}").hover();
    h.run();
    let (_, count2, size2) = &per_file[&key];
    h.get_by_label_contains(&format!(
        "Snapshot 2: s2: {} objects, shallow {} B",
        thousands(*count2),
        thousands(*size2)
    ));

    h.get_by_label("Comparison").click();
    settle(&mut h);
    h.get_by_label("Trend of {username}");
    let (cmp, _, _) = h.state().comparison().unwrap();
    let grown = cmp.grown.first().expect("grown survivors, paired by path").id;
    assert!(h.query_by_label(&format!("Trend of @{grown}")).is_none(), "an object trend across sessions");
}
