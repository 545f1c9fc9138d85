//! The Merged paths view driven as a user drives it (egui_kittest, by labels): on the tutorial,
//! right-click `{username}` in the Comparison (s3 against s2) → "Merged retainer paths (new
//! objects)": the graph's widest chain is the 100,000 new objects held through `loginUsers`; the
//! Tree shows the same branches with their counts; and a Summary class row opens it too.

#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use heapscope::ui::{App, View};

#[path = "support/ui_harness.rs"]
mod ui_harness;
use ui_harness::{app_with_files, harness as window_harness, sample, settle};

/// A window with `files` of the samples, settled.
fn harness(files: &[&str]) -> Harness<'static, App> {
    harness_of(&files.iter().map(|&f| sample(f)).collect::<Vec<_>>())
}

fn harness_of(files: &[PathBuf]) -> Harness<'static, App> {
    window_harness(app_with_files(files))
}

#[test]
fn comparison_row_menu_opens_the_merged_paths_of_the_new_objects() {
    let mut h = harness(&["s2.heapsnapshot.gz", "s3.heapsnapshot.gz"]);
    h.get_by_label("Comparison").click();
    settle(&mut h);
    assert_eq!(h.state().view, View::Comparison);

    h.get_by_label("{username}").click_secondary();
    h.run();
    h.get_by_label("Merged retainer paths (new objects)").click();
    settle(&mut h);
    assert_eq!(h.state().view, View::MergedPaths);
    h.get_by_label_contains("Merged retainer paths of 100,000 new objects of {username}");

    // The graph: the objects' box, and the chain above them drawn with the count of objects.
    let merged = h.state().merged_paths.merged().unwrap();
    let (m, g) = (&merged.paths, &merged.graph);
    assert_eq!(m.count[0], 100_000);
    assert!(g.branches.len() >= 4 && g.branches.len() <= heapscope::ui::merged_paths::GRAPH_BRANCHES);
    assert_eq!(heapscope::ui::graph_layout::crossings(g), 0, "a tree laid out by barycenters has no crossings");
    // Layer k holds the branches k edges from the objects.
    for lb in &g.branches {
        assert_eq!(lb.layer, m.depth[lb.branch as usize]);
    }
    let boxes = h.state().merged_paths.boxes.clone();
    assert_eq!(boxes.len(), g.branches.len());
    // Hovering the box two levels up names the whole chain, `loginUsers` included.
    let store = m.children(0)[0];
    let held = m.children(store)[0];
    let (_, rect) = boxes.iter().find(|(b, _)| *b == held).unwrap();
    h.hover_at(rect.center());
    // Tooltips wait for the pointer to rest.
    h.run_steps(60);
    assert_eq!(h.state().merged_paths.hovered, Some(held));
    h.get_by_label_contains("100,000 {username} <- user_");
    h.get_by_label_contains("<- loginUsers :: ");

    // The tree: the widest chain is open, with the counts.
    h.get_by_label("Tree").click();
    settle(&mut h);
    h.get_by_label("loginUsers");
    assert!(h.query_all_by_label("100,000").count() >= 3, "the objects, the store and loginUsers each hold 100,000");
    h.get_by_label("Objects");
    h.get_by_label("Retained Size");
}

#[test]
fn summary_row_menu_opens_the_merged_paths_of_a_class() {
    let mut h = harness(&["s3.heapsnapshot.gz"]);
    h.get_by_label("{username}").click_secondary();
    h.run();
    h.get_by_label("Merged retainer paths").click();
    settle(&mut h);
    assert_eq!(h.state().view, View::MergedPaths);
    // All of the Summary row's objects (s3 holds the logins of both leak requests).
    let row =
        h.state().current().unwrap().analysis.aggregates.rows.iter().find(|r| r.name == "{username}").unwrap().count;
    assert!(row >= 200_000, "{row}");
    assert_eq!(h.state().merged_paths.merged().unwrap().paths.count[0], row);
    h.get_by_label_contains(&format!(
        "Merged retainer paths of {} objects of {{username}}",
        heapscope::analysis::format::count(u64::from(row))
    ));
    // The toolbar keeps a way back to it.
    h.get_by_label("Summary").click();
    h.run();
    h.get_by_label("Merged paths").click();
    settle(&mut h);
    assert_eq!(h.state().view, View::MergedPaths);
}

/// The flame chart's "By source" mode on an express server's snapshot: packages, then scripts,
/// then classes; hovering the application's frame names it.
#[test]
fn flame_chart_by_source() {
    let express = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sources/express/express.heapsnapshot.gz");
    let mut h = harness_of(&[express]);
    h.get_by_label("Flame chart").click();
    h.run_steps(2);
    h.get_by_label("By source").click();
    for _ in 0..20 {
        h.run_steps(2);
        h.state_mut().flame.wait();
        if !h.state().flame.is_busy() && h.state().flame.chart().is_some_and(|c| !c.labels.is_empty()) {
            break;
        }
    }
    h.run_steps(3);
    h.get_by_label("(all scripts)");
    let chart = h.state().flame.chart().unwrap().clone();
    let packages: Vec<&str> = chart.children(0).map(|f| chart.labels[f as usize].as_str()).collect();
    assert!(packages.contains(&"(app)") && packages.contains(&"express"), "{packages:?}");
    let app_frame = chart.children(0).find(|&f| chart.labels[f as usize] == "(app)").unwrap();
    let rect = heapscope::ui::flame::frame_rect(&chart, 0, app_frame, h.state().flame.last_rect).unwrap();
    h.hover_at(rect.center());
    h.run_steps(60);
    h.get_by_label("(all scripts) › (app)");
}
