//! The Leaks view driven as a user drives it (egui_kittest): the tutorial's three snapshots name
//! `loginUsers` first; selecting it selects the holder (the Retainers pane follows); its context
//! menu reveals it in the Summary and opens the Comparison; expanding it lists what it added.

#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use heapscope::analysis::Analysis;
use heapscope::progress::NoProgress;
use heapscope::ui::{App, Item, View};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-snapshots").join(name)
}

fn app_with_samples() -> App {
    let mut app = App::empty();
    for s in ["s1", "s2", "s3"] {
        let path = sample(&format!("{s}.heapsnapshot.gz"));
        let snap = heapscope::snapshot::read_file(&path, &NoProgress).unwrap();
        app.add_analysis(path, Arc::new(Analysis::run(snap, &NoProgress).unwrap()));
    }
    app.view = View::Leaks;
    app
}

/// Runs frames until the window and its background work (loads, Comparisons, the report) rest.
fn settle(h: &mut Harness<'static, App>) {
    for _ in 0..20 {
        h.run_steps(2);
        let ctx = h.ctx.clone();
        h.state_mut().wait_for_background_work(&ctx);
        h.state_mut().leaks.wait();
        if h.run_ok().is_some() && !h.state().comparison_pending() && !h.state().leaks.is_busy() {
            break;
        }
    }
}

#[test]
fn leaks_view_names_login_users_first_and_its_actions_work() {
    let app = app_with_samples();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_max_steps(64)
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    settle(&mut h);
    let last = h.state().current.unwrap();
    let first_id = h.state().snapshots[0].id;

    // The first suspect's row is labelled by the edge that holds it.
    let ids: Vec<u64> = h.state().snapshots.iter().map(|s| s.id).collect();
    let report = h.state().leaks.report_for(&ids).unwrap().clone().unwrap();
    let top = &report.suspects[0];
    assert_eq!(top.edge, "loginUsers");
    let label = format!("loginUsers  {} @{}", top.class_name, top.holder_id);
    let holder = top.holder;
    h.get_by_label(&label).click();
    settle(&mut h);
    assert_eq!(h.state().selection, Some(Item::Node { snapshot: last, node: holder }));
    // The Retainers pane follows: the module context holds it by `loginUsers`.
    assert!(h.query_all_by_label("loginUsers").count() >= 1);

    // Expand: the added classes, then their instances.
    let added = format!(
        "⏵ {} ({})",
        heapscope::analysis::format::count(top.added),
        heapscope::analysis::format::bytes(top.added_size as f64)
    );
    h.get_by_label(&added).click();
    settle(&mut h);
    h.get_by_label("⏵ {username}").click();
    settle(&mut h);
    // Its instances, each labelled by class and id.
    let first_user = report.suspects[0].top_classes.iter().find(|c| c.name == "{username}").unwrap().instances[0];
    let a3 = h.state().loaded(last).unwrap().analysis.clone();
    h.get_by_label(&format!("{{username}} @{}", a3.snapshot.node_id(first_user)));

    // Right-click → Reveal in Summary.
    h.get_by_label(&label).click_secondary();
    h.run();
    h.get_by_label("Reveal in Summary").click();
    settle(&mut h);
    assert_eq!(h.state().view, View::Summary);
    assert_eq!(h.state().selection, Some(Item::Node { snapshot: last, node: holder }));

    // Back to Leaks; right-click → Show in Comparison (first → newest).
    h.get_by_label("Leaks").click();
    settle(&mut h);
    h.get_by_label(&label).click_secondary();
    h.run();
    h.get_by_label("Show in Comparison").click();
    settle(&mut h);
    assert_eq!(h.state().view, View::Comparison);
    assert_eq!(h.state().current, Some(last));
    assert_eq!(h.state().base, Some(first_id));
    assert!(h.state().comparison().is_some());
}
