//! The Dominators view driven as a user drives it (egui_kittest, by labels): on the tutorial's
//! s3, the root's largest child is the module context; expanding it shows the `loginUsers`
//! object; selecting that object fills the Retainers pane; "Group by class" shows classes with
//! counts; sorting and the row menu work.

#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use egui::Key;
use egui_kittest::kittest::Queryable;
use heapscope::analysis::Analysis;
use heapscope::analysis::dominator_tree::DominatorChildren;
use heapscope::progress::NoProgress;
use heapscope::snapshot::NodeIdx;
use heapscope::ui::{App, Item, View};

fn s3() -> Arc<Analysis> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-snapshots/s3.heapsnapshot.gz");
    Arc::new(heapscope::analysis::load_file(&path, &NoProgress).unwrap())
}

#[path = "support/ui_harness.rs"]
mod ui_harness;
use ui_harness::{harness, settle, window};

/// The object the tutorial's `loginUsers` edge points to (found by the edge, not by its id).
fn login_users(a: &Analysis) -> NodeIdx {
    let s = &a.snapshot;
    (0..a.node_count() as NodeIdx)
        .flat_map(|n| s.edges(n))
        .find(|&e| s.edge_name(e) == "loginUsers")
        .map(|e| s.edge_to(e))
        .unwrap()
}

#[test]
fn dominators_view_from_the_root_down_to_login_users() {
    let a = s3();
    let mut app = App::empty();
    let snapshot = app.add_analysis("s3.heapsnapshot.gz".into(), a.clone());
    app.current = Some(snapshot);
    let mut h = harness(app);

    // The toolbar button opens the view.
    h.get_by_label("Dominators").click();
    settle(&mut h);
    assert_eq!(h.state().view, View::Dominators);

    // The top rows are the root's dominated objects, the largest first: the module context
    // that holds the session store.
    let tree = DominatorChildren::build(&a);
    let top = tree.children(a.snapshot.root());
    let (context, second) = (top[0], top[1]);
    let store = login_users(&a);
    assert_eq!(a.dominator[store as usize], context, "loginUsers' object is dominated by the context");
    let label = |n: NodeIdx| format!("@{}", a.snapshot.node_id(n));
    h.get_by_label(&label(context));
    h.get_by_label(&label(second));
    assert!(h.query_by_label(&label(store)).is_none(), "collapsed");
    h.get_by_label("Retained Size ⬇");

    // Select the context, expand it with →: the loginUsers object appears under it.
    h.get_by_label(&label(context)).click();
    h.run();
    h.key_press(Key::ArrowRight);
    settle(&mut h);
    h.get_by_label(&label(store)).click();
    settle(&mut h);
    assert_eq!(h.state().selection, Some(Item::Node { snapshot, node: store }));
    // The Retainers pane follows the selection: the store is held through `loginUsers`.
    h.get_by_label("loginUsers");

    // Virtualized: its 400,000 dominated objects are not all laid out when it is expanded.
    h.key_press(Key::ArrowRight);
    settle(&mut h);
    let labels = h.query_all_by_role(egui::accesskit::Role::Label).count();
    assert!(labels < 2_000, "{labels} labels");

    // The row menu offers the same object actions as elsewhere.
    h.get_by_label(&label(store)).click_secondary();
    h.run();
    h.get_by_label("Reveal in Summary view").click();
    settle(&mut h);
    assert_eq!(h.state().view, View::Summary);
}

#[test]
fn group_by_class_and_sort() {
    let a = s3();
    let mut app = App::empty();
    let snapshot = app.add_analysis("s3.heapsnapshot.gz".into(), a.clone());
    app.current = Some(snapshot);
    app.view = View::Dominators;
    let mut h = harness(app);

    let tree = DominatorChildren::build(&a);
    let root = a.snapshot.root();
    let groups = heapscope::analysis::dominator_tree::group_by_class(&a, &tree, tree.children(root));
    h.get_by_label("Group by class").click();
    settle(&mut h);
    // One row per class of the root's children, with its member count.
    let first = &groups[0];
    h.get_all_by_label(first.name(&a)).next().unwrap();
    let members = format!("×{}", heapscope::analysis::format::count(u64::from(first.count)));
    assert!(h.query_all_by_label(&members).count() >= 1, "{members}");
    assert!(h.query_by_label(&format!("@{}", a.snapshot.node_id(tree.children(root)[0]))).is_none());
    // Count: the objects its members hold.
    let held = heapscope::analysis::format::count(first.retained_count);
    assert!(h.query_all_by_label(&held).count() >= 1, "{held}");

    // Expanding a class lists its objects.
    h.get_all_by_label(first.name(&a)).next().unwrap().click();
    h.run();
    h.key_press(Key::ArrowRight);
    settle(&mut h);
    h.get_by_label(&format!("@{}", a.snapshot.node_id(first.members[0])));

    // Ungrouped again, sorted by Retained Size ascending: the largest child is no longer first
    // on screen (the smallest ones are).
    h.get_by_label("Group by class").click();
    settle(&mut h);
    h.get_by_label("Retained Size ⬇").click();
    settle(&mut h);
    h.get_by_label("Retained Size ⬆");
    assert!(h.query_by_label(&format!("@{}", a.snapshot.node_id(tree.children(root)[0]))).is_none());
}

/// The Flame chart: built on a worker, hover names a frame's path, a click zooms into it and the
/// breadcrumb zooms back out.
#[test]
fn flame_chart_hover_zoom_and_back() {
    let a = s3();
    let mut app = App::empty();
    let snapshot = app.add_analysis("s3.heapsnapshot.gz".into(), a.clone());
    app.current = Some(snapshot);
    let mut h = window(app);
    h.run_steps(2);
    h.get_by_label("Flame chart").click();
    settle(&mut h);
    h.run_steps(3);
    assert_eq!(h.state().view, View::Flame);
    h.get_by_label("(root)");

    // The frame the loginUsers store is drawn in: its path is its dominator chain's classes.
    let store = login_users(&a);
    let chart = h.state().flame.chart().unwrap().clone();
    let f = chart.frame_of[store as usize];
    let rect = heapscope::ui::flame::frame_rect(&chart, 0, f, h.state().flame.last_rect).unwrap();
    h.hover_at(rect.center());
    // Tooltips wait for the pointer to rest (half a second of frames).
    h.run_steps(60);
    let path: Vec<&str> = chart.path(f).iter().map(|&x| chart.name(&a, x)).collect();
    h.get_by_label(&path.join(" › "));

    // Click: the frame fills the width; its path is the breadcrumb.
    h.event(egui::Event::PointerButton {
        pos: rect.center(),
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    h.step();
    h.event(egui::Event::PointerButton {
        pos: rect.center(),
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_steps(3);
    assert_eq!(h.state().flame.zoom, f);
    h.get_by_label("(root)").click();
    h.run_steps(3);
    assert_eq!(h.state().flame.zoom, 0);
}
