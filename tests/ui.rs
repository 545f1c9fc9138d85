//! The analyzer window driven as a user drives it (egui_kittest, no display needed): widgets are
//! found by their labels, clicked, right-clicked and typed into, and the resulting state and
//! numbers are checked against the engine and DevTools' expected files.

#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use heapscope::analysis::Analysis;
use heapscope::progress::NoProgress;
use heapscope::ui::{App, Item, View};

#[path = "support/ui_harness.rs"]
mod ui_harness;
use ui_harness::{app_with_samples, builder, harness, sample, samples, settle, window};

fn expected_diff() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/corpus/tutorial_session_leak/expected/s2-s3.diff.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn selected_node(h: &Harness<'static, App>) -> Option<(u64, u32)> {
    h.state().selection.as_ref().map(|Item::Node { snapshot, node }| (*snapshot, *node))
}

/// The whole tutorial: Comparison s2 → s3 by Size Delta, expand the top class, reveal an instance
/// in the Summary, sort by Retained Size, and read the Retainers pane down to `loginUsers`.
#[test]
fn tutorial_workflow_from_comparison_to_login_users() {
    let mut h = harness(app_with_samples());
    assert_eq!(h.state().current().unwrap().title, "Snapshot 3: s3");

    h.get_by_label("Comparison").click();
    settle(&mut h);
    assert_eq!(h.state().view, View::Comparison);
    // The base defaults to the previous snapshot.
    h.get_by_label("Snapshot 2: s2");

    // DevTools sorts by Alloc. Size; click Size Delta until it sorts descending.
    for _ in 0..3 {
        if h.query_by_label("Size Delta ⬇").is_some() {
            break;
        }
        h.get_by_label("Size Delta").click();
        h.run();
    }
    h.get_by_label("Size Delta ⬇");

    // The top row is the class with the largest Size Delta in DevTools' own numbers.
    let expected = expected_diff();
    let top = expected["classes"].as_array().unwrap().iter().max_by_key(|c| c["size_delta"].as_i64().unwrap()).unwrap();
    assert_eq!(top["name"], "{username}");
    let (cmp, _, _) = h.state().comparison().unwrap();
    let row = cmp.classes.iter().max_by_key(|d| d.size_delta()).unwrap();
    assert_eq!(row.name, top["name"].as_str().unwrap());
    assert_eq!(i64::from(row.new_count), top["new"].as_i64().unwrap());
    assert_eq!(row.size_delta(), top["size_delta"].as_i64().unwrap());
    // … and it is the first row on screen, with DevTools' numbers.
    let first_class = h.state().comparison.tree.rows()[0].key.clone();
    assert_eq!(
        first_class,
        heapscope::ui::rows::RowKey::DiffClass(cmp.classes.iter().position(|d| d.name == "{username}").unwrap() as u32)
    );
    assert!(h.query_all_by_label("+100,000").count() >= 1);
    h.get_by_label("+4.0MB");

    // Expand it: select the row, press →.
    h.get_by_label("{username}").click();
    h.run();
    h.key_press(Key::ArrowRight);
    h.run();
    let rows = h.state().comparison.tree.rows().to_vec();
    assert!(rows.len() > 100, "the class expanded into its new objects");
    let first_instance = rows[1].key.node().unwrap();
    let a3 = samples()[2].clone();
    let instance_label = format!("@{}", a3.snapshot.node_id(first_instance));

    // Right-click the first instance → Reveal in Summary view.
    h.get_by_label(&instance_label).click_secondary();
    h.run();
    h.get_by_label("Reveal in Summary view").click();
    settle(&mut h);
    assert_eq!(h.state().view, View::Summary);
    let (snapshot, node) = selected_node(&h).unwrap();
    assert_eq!(node, first_instance);
    assert_eq!(h.state().current, Some(snapshot));
    // The Summary shows it, selected, inside its expanded class.
    h.get_by_label(&instance_label);
    let selected = h.state().summary.tree.selected_row().unwrap().key.clone();
    assert_eq!(selected.node(), Some(first_instance));

    // Sort by Retained Size (descending).
    for _ in 0..3 {
        if h.query_by_label("Retained Size ⬇").is_some() {
            break;
        }
        h.get_all_by_label_contains("Retained Size").next().unwrap().click();
        h.run();
    }
    h.get_by_label("Retained Size ⬇");

    // The Retainers pane expanded the path: the session map, held by `loginUsers`.
    h.get_by_label("loginUsers");
    let map_id = a3.snapshot.node_id(a3.find_node_by_id(82201).unwrap());
    h.get_by_label(&format!("@{map_id}"));
}

#[test]
fn loading_runs_in_the_background_and_bad_files_leave_the_others_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.heapsnapshot");
    std::fs::write(&bad, br#"{"snapshot":{"meta":{}},"nodes":[1,2"#).unwrap();
    let mut h = window(App::empty());
    let ctx = h.ctx.clone();
    h.state_mut().open(vec![sample("s1.heapsnapshot.gz"), bad.clone()], &ctx);
    h.step();
    // While loading, the sidebar shows a progress bar with a Cancel button.
    assert!(h.query_all_by_label("Cancel").count() >= 1 || h.state().jobs.is_empty());
    settle(&mut h);
    assert_eq!(h.state().snapshots.len(), 1);
    h.get_by_label("Snapshot 1: s1");
    h.get_by_label("Could not load broken.heapsnapshot");
    h.get_by_label_contains("bad header");
    h.get_by_label("Dismiss").click();
    h.run();
    assert!(h.query_by_label("Could not load broken.heapsnapshot").is_none());
}

#[test]
fn cancelling_a_load() {
    let mut h = window(App::empty());
    let ctx = h.ctx.clone();
    h.state_mut().open(vec![sample("s3.heapsnapshot.gz")], &ctx);
    h.step();
    h.get_by_label("Cancel").click();
    h.step();
    let ctx = h.ctx.clone();
    h.state_mut().wait_for_background_work(&ctx);
    h.step();
    // Nothing was loaded, no error entry, and the window says it was cancelled.
    assert!(h.state().snapshots.is_empty(), "the load went on after Cancel");
    assert!(h.state().errors.is_empty());
    h.get_by_label("Cancelled loading s3.heapsnapshot.gz");
}

#[test]
fn summary_sorts_both_ways_and_filters_classes() {
    let mut h = harness(app_with_samples());
    h.get_by_label("Retained Size ⬇");
    h.get_by_label("Retained Size ⬇").click();
    h.run();
    h.get_by_label("Retained Size ⬆");
    h.get_by_label("Constructor").click();
    h.run();
    h.get_by_label("Constructor ⬆");
    h.get_by_label("Distance").click();
    h.run();
    h.get_by_label("Distance ⬇");

    let filter = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Class filter");
    filter.focus();
    filter.type_text("usern");
    h.run();
    let classes: Vec<_> = h.state().summary.tree.rows().iter().map(|r| r.key.clone()).collect();
    assert_eq!(classes.len(), 1, "only {{username}} matches");
    h.get_by_label("{username}");
    h.get_by_label("Total: 645,471 objects, 33.8MB");
}

#[test]
fn expanding_a_class_of_200000_instances_keeps_the_grid_virtualized() {
    let mut h = harness(app_with_samples());
    h.get_by_label("{username}").click();
    h.run();
    h.key_press(Key::ArrowRight);
    h.run();
    assert!(h.state().summary.tree.rows().len() > 200_000);
    let labels = h.query_all_by_role(egui::accesskit::Role::Label).count();
    assert!(labels < 2_000, "only visible rows are laid out: {labels} labels");
    // Arrow keys move the selection down the instances and back.
    h.key_press(Key::ArrowDown);
    h.run();
    let first = selected_node(&h).unwrap().1;
    h.key_press(Key::ArrowDown);
    h.run();
    assert_ne!(selected_node(&h).unwrap().1, first);
    h.key_press(Key::ArrowUp);
    h.run();
    assert_eq!(selected_node(&h).unwrap().1, first);
    // ← on an instance goes to its class; ← again collapses it.
    h.key_press(Key::ArrowLeft);
    h.run();
    h.key_press(Key::ArrowLeft);
    h.run();
    assert!(h.state().summary.tree.rows().len() < 500);
}

#[test]
fn search_by_id_reveals_the_object_and_history_goes_back() {
    let mut h = harness(app_with_samples());
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::F);
    h.run();
    let search = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Find");
    assert!(search.is_focused(), "Ctrl+F focuses the search box");
    search.type_text("@82201");
    h.run();
    h.key_press(Key::Enter);
    settle(&mut h);
    let a3 = samples()[2].clone();
    let map = a3.find_node_by_id(82201).unwrap();
    assert_eq!(selected_node(&h).unwrap().1, map);
    h.get_by_label("1 of 1");
    // Select something else, then Alt+← returns to the map.
    let global = a3.find_node_by_id(6047).unwrap();
    let id = h.state().current.unwrap();
    h.state_mut().push(heapscope::ui::Command::Select(Item::Node { snapshot: id, node: global }));
    h.run();
    assert_eq!(selected_node(&h).unwrap().1, global);
    h.key_press_modifiers(egui::Modifiers::ALT, Key::ArrowLeft);
    h.run();
    assert_eq!(selected_node(&h).unwrap().1, map);
    h.key_press_modifiers(egui::Modifiers::ALT, Key::ArrowRight);
    h.run();
    assert_eq!(selected_node(&h).unwrap().1, global);
}

#[test]
fn retainers_ignore_and_restore() {
    let mut h = harness(app_with_samples());
    let a3 = samples()[2].clone();
    let id = h.state().current.unwrap();
    let map = a3.find_node_by_id(82201).unwrap();
    h.state_mut().push(heapscope::ui::Command::RevealInSummary(Item::Node { snapshot: id, node: map }));
    settle(&mut h);
    // The map's only retainer is the module context, reached through `loginUsers`.
    h.get_by_label("loginUsers");
    h.get_by_label("@6199").click_secondary();
    h.run();
    h.get_by_label("Ignore this retainer").click();
    settle(&mut h);
    h.get_by_label("Restore ignored retainers");
    h.get_by_label("(ignored)");
    // With its only retainer ignored, the map is unreachable: its distance shows "−".
    let view = &h.state().current().unwrap().retainers_view;
    assert!(view.distance(&a3, a3.find_node_by_id(6199).unwrap()) >= 200_000_000);
    h.get_by_label("Restore ignored retainers").click();
    settle(&mut h);
    assert!(h.query_by_label("Restore ignored retainers").is_none());
}

#[test]
fn path_to_gc_root_and_copy_id() {
    let mut h = harness(app_with_samples());
    let a3 = samples()[2].clone();
    let id = h.state().current.unwrap();
    let map = a3.find_node_by_id(82201).unwrap();
    h.state_mut().push(heapscope::ui::Command::RevealInSummary(Item::Node { snapshot: id, node: map }));
    settle(&mut h);
    h.get_all_by_label("@82201").next().unwrap().click_secondary();
    h.run();
    h.get_by_label("Path to GC root").click();
    h.run();
    let text = h.get_by_label_contains("<- loginUsers in system / Context @6199");
    let path = text.value().unwrap();
    assert!(path.contains("<- get process in global @6047 (distance 1)"), "{path}");
    assert!(path.ends_with("(reached distance <= 1 (a user root))\n"), "{path}");
    h.get_by_label("Copy").click();
    h.run();
    h.get_all_by_label("@82201").next().unwrap().click_secondary();
    h.run();
    h.get_by_label("Copy @id").click();
    h.step();
    let copied = h
        .output()
        .platform_output
        .commands
        .iter()
        .any(|c| matches!(c, egui::OutputCommand::CopyText(t) if t == "@82201"));
    assert!(copied);
}

#[test]
fn containment_and_statistics_views() {
    let mut h = harness(app_with_samples());
    h.get_by_label("Containment").click();
    h.run();
    assert_eq!(h.state().view, View::Containment);
    h.get_by_label("(GC roots)");
    h.get_by_label("global");
    h.get_by_label("Statistics").click();
    h.run();
    let a3 = samples()[2].clone();
    h.get_by_label("Strings");
    h.get_by_label(&heapscope::analysis::format::kb(a3.statistics.v8heap.strings as f64));
    h.get_by_label("Total");
}

#[test]
fn closing_a_snapshot_and_choosing_another_base() {
    let mut h = harness(app_with_samples());
    h.get_by_label("Comparison").click();
    settle(&mut h);
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Base snapshot").click();
    h.run();
    h.get_all_by_label("Snapshot 1: s1").last().unwrap().click();
    settle(&mut h);
    let (cmp, base, _) = h.state().comparison().unwrap();
    assert_eq!(h.state().loaded(base).unwrap().title, "Snapshot 1: s1");
    assert!(cmp.classes.iter().any(|d| d.name == "{username}" && d.new_count == 200_001));
    let s2 = h.state().snapshots[1].id;
    h.state_mut().push(heapscope::ui::Command::CloseSnapshot(s2));
    settle(&mut h);
    assert_eq!(h.state().snapshots.len(), 2);
    assert!(h.query_by_label("Snapshot 2: s2").is_none());
}

/// The Demo panel with the real server: start it, run the tutorial, end on the Leaks view over the
/// three dumps (not over a file opened before) with the `loginUsers` holder first and selected,
/// its retainers below; one click on Comparison shows the last two dumps by Size Delta.
#[test]
#[cfg(feature = "demo")]
fn demo_panel_runs_the_tutorial_against_the_real_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::empty();
    // A snapshot of another process is open: the tutorial's report must leave it out.
    let s1 = sample("s1.heapsnapshot.gz");
    let snap = heapscope::snapshot::read_file(&s1, &NoProgress).unwrap();
    app.add_analysis(s1, Arc::new(Analysis::run(snap, &NoProgress).unwrap()));
    app.demo = heapscope::ui::demo_panel::DemoPanel::new()
        .with_binary(PathBuf::from(env!("CARGO_BIN_EXE_heapscope")), dir.path().join("dumps"));
    app.demo.leak_count = 2000;
    let mut h = window(app);
    h.run_ok();
    h.get_by_label("Demo").click();
    h.run_ok();
    h.get_by_label("Start server").click();
    h.run_ok();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while h.state().demo.url().is_none() {
        assert!(std::time::Instant::now() < deadline, "the server did not start");
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    h.step();
    h.step();
    assert!(h.query_all_by_label_contains("http://127.0.0.1:").count() >= 1);
    h.get_by_label("Run the tutorial").click();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !h.state().demo.tutorial_finished() {
        assert!(std::time::Instant::now() < deadline, "tutorial stuck: {:?}", h.state().demo.steps());
        assert!(h.state().demo.error.is_none(), "{:?}", h.state().demo.error);
        h.step();
        let ctx = h.ctx.clone();
        h.state_mut().wait_for_background_work(&ctx);
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    settle(&mut h);
    let app = h.state();
    assert_eq!(app.view, View::Leaks);
    assert_eq!(app.snapshots.len(), 4);
    let dumps: Vec<u64> = app.snapshots[1..].iter().map(|s| s.id).collect();
    let current = dumps[2];
    let report = app.leaks.report_for(&dumps).expect("the report is over the three dumps").clone().unwrap();
    let first = &report.suspects[0];
    assert_eq!(first.edge, "loginUsers");
    assert!(first.growth > 0);
    // Shown first, its holder selected (in the newest dump), its retainers below.
    assert_eq!(selected_node(&h), Some((current, first.holder)));
    // The suspects' rows as drawn ("edge  Class @id"), top to bottom.
    let rows: Vec<String> = h
        .query_all_by_label_contains("  ")
        .filter_map(|n| egui_kittest::kittest::NodeT::accesskit_node(&n).label())
        .filter(|l| report.suspects.iter().any(|s| *l == format!("{}  {} @{}", s.edge, s.class_name, s.holder_id)))
        .collect();
    assert_eq!(
        rows.first().map(String::as_str),
        Some(&*format!("loginUsers  Object @{}", first.holder_id)),
        "{rows:?}"
    );
    h.get_by_label_contains("Over Snapshot 2: demo-1, Snapshot 3: demo-2, Snapshot 4: demo-3");
    // The focus can be undone: the report is then over every loaded snapshot.
    h.get_by_label("Use all loaded snapshots").click();
    h.run_ok();
    h.state_mut().leaks.wait();
    settle(&mut h);
    assert!(h.query_by_label_contains("Over Snapshot 2").is_none());
    let all: Vec<u64> = h.state().snapshots.iter().map(|s| s.id).collect();
    assert!(h.state().leaks.report_for(&all).is_some(), "the report is now over all four");
    // One click away: the Comparison of the last two dumps, by Size Delta, {username} on top.
    h.get_by_label("Comparison").click();
    settle(&mut h);
    let app = h.state();
    assert_eq!(app.view, View::Comparison);
    let (cmp, base, cur) = app.comparison().unwrap();
    assert_eq!((base, cur), (dumps[1], dumps[2]));
    let top = cmp.classes.iter().max_by_key(|d| d.size_delta()).unwrap();
    assert_eq!(top.name, "{username}");
    assert_eq!(top.new_count, 2000);
    h.get_by_label("Size Delta ⬇");
    h.get_by_label("{username}");
    // The steps and the server's access log are shown.
    h.get_by_label("Demo").click();
    h.run_ok();
    assert_eq!(h.query_all_by_label_contains("GET /v1/mem-leak 200").count(), 2, "two leak calls in the access log");
    h.get_by_label("Stop server").click();
    h.run_ok();
    assert!(!h.state().demo.is_running());
    h.get_by_label("Start server");
    // Stop keeps the access log, and the panel says where the dumps are.
    assert_eq!(h.query_all_by_label_contains("GET /v1/mem-leak 200").count(), 2, "the log survives Stop");
    h.get_by_label(&dir.path().join("dumps").display().to_string());
}

/// The Summary of one snapshot whose rows are built on a worker thread and one whose rows are
/// built in the frame, switched both ways and with presets changed while rows are being built:
/// no frame may draw a row built for other aggregates (issue 9: index out of bounds).
#[test]
fn summary_rows_built_in_the_background_never_outlive_their_snapshot_or_preset() {
    let mut app = app_with_samples();
    // s3 over the threshold, s1 and s2 under it.
    app.summary.background_rows_from_nodes = samples()[2].node_count();
    assert!(samples()[1].node_count() < samples()[2].node_count());
    let mut h = harness(app);
    let ids: Vec<_> = h.state().snapshots.iter().map(|s| s.id).collect();
    let choose_preset = |h: &mut Harness<'static, App>, label: &str| {
        h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Filter").click();
        h.run_steps(2);
        h.get_by_label(label).click();
        h.step();
    };
    for round in 0..2 {
        // s3 (background rows): a preset with few classes, drawn while its rows are sorted.
        h.state_mut().push(heapscope::ui::Command::SelectSnapshot(ids[2]));
        h.step();
        h.step();
        choose_preset(&mut h, "Duplicated strings");
        h.step();
        choose_preset(&mut h, "All objects");
        h.step();
        // To s1 (rows in the frame) and back, a frame at a time.
        h.get_by_label("Snapshot 1: s1").click();
        h.step();
        h.step();
        h.get_by_label("Snapshot 3: s3").click();
        h.step();
        if round == 0 {
            settle(&mut h);
        }
    }
    settle(&mut h);
    // The rows shown are the current snapshot's classes, all of them.
    let a3 = samples()[2].clone();
    let rows = h.state().summary.tree.rows().len();
    assert_eq!(rows, a3.aggregates.rows.len());
}

/// Open… with no platform dialog (no portal, no zenity): the window's own browser appears,
/// a second click says it is open, and picking a file loads it.
#[test]
fn open_without_a_platform_dialog_uses_the_in_window_browser() {
    let mut app = App::empty();
    app.dialog_backend = heapscope::ui::open_dialog::Backend::InWindow;
    app.dialog_dir = Some(sample("s1.heapsnapshot.gz").parent().unwrap().to_path_buf());
    let mut h = builder()
        // egui_file's path and file-name fields have no accessible names.
        .with_accessibility_check(false)
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.run_ok();
    h.get_by_label("Open…").click();
    h.run_ok();
    h.get_by_label_contains("Open heap snapshots");
    // One dialog at a time, but the click is answered.
    h.get_by_label("Open…").click();
    h.run_ok();
    h.get_by_label("The Open dialog is already open");
    h.get_by_label_contains("s1.heapsnapshot.gz").click();
    h.run_ok();
    h.get_by_label("Open").click();
    settle(&mut h);
    assert_eq!(h.state().snapshots.len(), 1);
    h.get_by_label("Snapshot 1: s1");
    assert!(h.query_by_label_contains("Open heap snapshots").is_none(), "the browser closed");
}

/// Where the platform dialog cannot appear (no D-Bus session, no zenity: the case of a plain X11
/// session), Open… says so and falls back to the in-window browser. Skipped where a platform
/// dialog could really open (a desktop session).
#[test]
fn a_failing_platform_dialog_falls_back_with_a_message() {
    let zenity =
        std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("zenity").is_file()));
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() || zenity {
        eprintln!("skipped: a platform file dialog may open here");
        return;
    }
    let mut app = App::empty();
    app.dialog_backend = heapscope::ui::open_dialog::Backend::Platform;
    let mut h = window(app);
    h.run_ok();
    h.get_by_label("Open…").click();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while h.query_by_label_contains("Open heap snapshots").is_none() {
        assert!(std::time::Instant::now() < deadline, "no dialog appeared");
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    h.get_by_label_contains("The system file dialog did not open");
}

/// Back and Forward move the table's highlighted row with the Retainers pane's object.
#[test]
fn history_moves_the_table_selection_with_the_retainers_pane() {
    let mut h = harness(app_with_samples());
    let a3 = samples()[2].clone();
    let id = h.state().current.unwrap();
    let map = a3.find_node_by_id(82201).unwrap();
    let global = a3.find_node_by_id(6047).unwrap();
    for node in [map, global] {
        h.state_mut().push(heapscope::ui::Command::RevealInSummary(Item::Node { snapshot: id, node }));
        settle(&mut h);
    }
    let highlighted = |h: &Harness<'static, App>| h.state().summary.tree.selected_row().and_then(|r| r.key.node());
    assert_eq!(highlighted(&h), Some(global));
    h.key_press_modifiers(egui::Modifiers::ALT, Key::ArrowLeft);
    settle(&mut h);
    assert_eq!(selected_node(&h).unwrap().1, map);
    assert_eq!(highlighted(&h), Some(map), "the table follows Back");
    h.get_by_label("◀").hover();
    h.get_by_label("▶").click();
    settle(&mut h);
    assert_eq!(selected_node(&h).unwrap().1, global);
    assert_eq!(highlighted(&h), Some(global), "the table follows Forward");
}

/// A failed load neither uses up a number nor goes into Recent; a file opened twice is said so.
#[test]
fn failed_loads_give_their_number_back_and_stay_out_of_recent() {
    let dir = tempfile::tempdir().unwrap();
    // A failing file whose name says "cancelled" is still an error, not a silent cancel.
    let bad = dir.path().join("cancelled.heapsnapshot");
    std::fs::write(&bad, b"{}").unwrap();
    let mut h = window(App::empty());
    let ctx = h.ctx.clone();
    h.state_mut().open(vec![bad.clone()], &ctx);
    settle(&mut h);
    h.get_by_label("Could not load cancelled.heapsnapshot");
    let ctx = h.ctx.clone();
    h.state_mut().open(vec![sample("s1.heapsnapshot.gz")], &ctx);
    settle(&mut h);
    h.get_by_label("Snapshot 1: s1");
    let recent: Vec<PathBuf> = h.state().recent.paths().to_vec();
    assert_eq!(recent, vec![std::fs::canonicalize(sample("s1.heapsnapshot.gz")).unwrap()]);
    // The same file again: not loaded twice, and the window says so.
    let ctx = h.ctx.clone();
    h.state_mut().open(vec![sample("s1.heapsnapshot.gz")], &ctx);
    settle(&mut h);
    assert_eq!(h.state().snapshots.len(), 1);
    h.get_by_label("s1.heapsnapshot.gz is already open as Snapshot 1: s1");
}

/// Switching the current snapshot to an older one moves the base to the one before it.
#[test]
fn the_base_follows_the_current_snapshot_to_an_older_one() {
    let mut app = app_with_samples();
    app.add_analysis(PathBuf::from("s3-again.heapsnapshot"), samples()[2].clone());
    let mut h = harness(app);
    let ids: Vec<_> = h.state().snapshots.iter().map(|s| s.id).collect();
    assert_eq!(h.state().base, Some(ids[2]));
    h.get_by_label("Snapshot 2: s2").click();
    settle(&mut h);
    assert_eq!(h.state().current, Some(ids[1]));
    assert_eq!(h.state().base, Some(ids[0]), "the base is older than the current snapshot");
}

/// At 800 px every Summary column is on screen (the name column gives way), and the
/// Comparison's last columns are reachable by scrolling sideways.
#[test]
fn narrow_windows_keep_every_column_reachable() {
    let mut h = builder()
        .with_size(egui::vec2(800.0, 600.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app_with_samples());
    settle(&mut h);
    for title in ["Constructor", "Distance", "Count", "Shallow Size", "Retained Size ⬇"] {
        let r = h.get_by_label(title).rect();
        assert!(r.right() <= 800.0, "{title} is cut off at {r:?}");
    }
    h.get_by_label("Comparison").click();
    settle(&mut h);
    let r = h.get_by_label("Size Delta").rect();
    if r.right() > 800.0 {
        h.get_by_label("Alloc. Size ⬇").hover();
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(-2000.0, 0.0),
            modifiers: egui::Modifiers::NONE,
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
        });
        settle(&mut h);
    }
    let r = h.get_by_label("Size Delta").rect();
    assert!(r.right() <= 800.0 && r.left() >= 0.0, "Size Delta unreachable: {r:?}");
}

/// Copy @id says what it copied; a Comparison of identical snapshots says there are no
/// differences; a long name is cut before its @id, which stays on screen.
#[test]
fn feedback_for_copy_empty_comparisons_and_long_names() {
    let mut app = App::empty();
    app.add_analysis(sample("s3.heapsnapshot.gz"), samples()[2].clone());
    app.add_analysis(PathBuf::from("s3-again.heapsnapshot"), samples()[2].clone());
    let mut h = harness(app);
    let a3 = samples()[2].clone();
    let id = h.state().current.unwrap();
    let map = a3.find_node_by_id(82201).unwrap();
    h.state_mut().push(heapscope::ui::Command::RevealInSummary(Item::Node { snapshot: id, node: map }));
    settle(&mut h);
    h.get_all_by_label("@82201").next().unwrap().click_secondary();
    h.run();
    h.get_by_label("Copy @id").click();
    h.run();
    h.get_by_label("Copied @82201");

    // The longest-named object: its @id stays inside the window.
    let long = (0..a3.node_count() as u32).max_by_key(|&n| a3.display_name(n).chars().count()).unwrap();
    assert!(a3.display_name(long).chars().count() > 300);
    h.state_mut().push(heapscope::ui::Command::RevealInSummary(Item::Node { snapshot: id, node: long }));
    settle(&mut h);
    let label = format!("@{}", a3.snapshot.node_id(long));
    // The Summary's Distance header (the Retainers pane has one too, lower down).
    let distance_left =
        h.get_all_by_label("Distance").map(|n| n.rect()).min_by(|a, b| a.top().total_cmp(&b.top())).unwrap().left();
    let r = h.get_all_by_label(&label).next().unwrap().rect();
    assert!(r.right() <= distance_left + 1.0, "the @id is cut off: {r:?}, Distance column at {distance_left}");

    h.get_by_label("Comparison").click();
    settle(&mut h);
    h.get_by_label_contains("No differences");
}

/// The phases a load reports come in `Phase::ALL`'s order, each at least once, and the
/// progress bar never goes back.
#[test]
fn load_progress_reports_phases_in_order_and_never_goes_back() {
    use heapscope::progress::{Phase, Progress};
    use std::sync::Mutex;
    struct Recording(Mutex<Vec<(Phase, f32)>>);
    impl Progress for Recording {
        fn report(&self, phase: Phase, fraction: f32) {
            self.0.lock().unwrap().push((phase, phase.overall(fraction)));
        }
    }
    let rec = Recording(Mutex::new(Vec::new()));
    heapscope::analysis::load_file(&sample("s1.heapsnapshot.gz"), &rec).unwrap();
    let seen = rec.0.into_inner().unwrap();
    let mut phases: Vec<Phase> = seen.iter().map(|(p, _)| *p).collect();
    phases.dedup();
    assert_eq!(phases, Phase::ALL.to_vec(), "reported in order, none missing");
    for w in seen.windows(2) {
        assert!(w[1].1 >= w[0].1, "progress went back: {:?} then {:?}", w[0], w[1]);
    }
}

/// The Demo panel does not wait on the UI thread for a server that has not printed its URL:
/// the request is queued on a worker and the panel stays responsive.
#[test]
fn demo_requests_wait_for_the_server_off_the_ui_thread() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // A "server" that never prints its URL.
    let silent = dir.path().join("silent-server");
    std::fs::write(&silent, "#!/bin/sh\nsleep 20\n").unwrap();
    std::fs::set_permissions(&silent, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut app = App::empty();
    app.demo = heapscope::ui::demo_panel::DemoPanel::new().with_binary(silent, dir.path().join("dumps"));
    app.view = View::Demo;
    let mut h = builder().with_max_steps(8).build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.step();
    h.get_by_label("Start server").click();
    h.step();
    h.get_by_label("Take snapshot").click();
    h.step();
    // Before, this frame waited up to 5 s and came back with "did not start".
    assert!(h.state().demo.is_busy(), "the request waits on a worker");
    assert!(h.state().demo.error.is_none());
    h.state_mut().demo.stop();
}

/// At 800 px every toolbar entry stays on screen: the toolbar wraps onto a second row instead of
/// running past the window's edge (Statistics, Demo and ◀ ▶ were cut off once the Dominators,
/// Flame chart and Attach… entries arrived).
#[test]
fn the_toolbar_fits_an_800_px_window() {
    let mut h = builder()
        .with_size(egui::vec2(800.0, 600.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app_with_samples());
    settle(&mut h);
    for label in ["Open…", "Leaks", "Summary", "Comparison", "Containment", "Dominators", "Flame chart", "Statistics"]
    {
        let r = h.get_by_label(label).rect();
        assert!(r.right() <= 800.0 && r.left() >= 0.0, "{label} is cut off at {r:?}");
    }
}
