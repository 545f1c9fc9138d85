//! Frame times of the analyzer window on a big snapshot: the Summary grid sorts, scrolls and
//! expands the largest class, then opens the Dominators view and the flame chart (hovered and
//! zoomed) while every frame is timed: the UI thread's CPU time (our views,
//! egui layout and tessellation; headless, so no GPU), and the wall time, which on a shared
//! 2-core machine also counts the moments the OS gave the core to the row worker or a neighbour.
//! Painting is not measured: kittest renders nothing here, so a frame's time on screen adds the
//! GL backend's upload and draw (shared/GUI-HEADLESS.md measured a 1M-row table under Xvfb's
//! llvmpipe at 7.5 ms a frame in all, 0.17 ms of it in `ui()`).
//!
//! ```sh
//! cargo bench --bench gui_frames -- FILE        # default: the tutorial's s3
//! ```
//!
//! Prints one JSON document: per interaction, the frame count, and median, p99 and max in ms of
//! CPU time (`cpu_*`) and of wall time (`wall_*`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use heapscope::analysis::Analysis;
use heapscope::progress::NoProgress;
use heapscope::ui::App;

fn quantiles(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms.get(((ms.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0);
    let round = |x: f64| (x * 100.0).round() / 100.0;
    (round(at(0.5)), round(at(0.99)), round(ms.last().copied().unwrap_or(0.0)))
}

fn stats(name: &str, frames: Frames) -> serde_json::Value {
    let (cpu_median, cpu_p99, cpu_max) = quantiles(frames.cpu_ms);
    let (wall_median, wall_p99, wall_max) = quantiles(frames.wall_ms);
    serde_json::json!({
        "interaction": name,
        "frames": frames.count,
        "cpu_median_ms": cpu_median,
        "cpu_p99_ms": cpu_p99,
        "cpu_max_ms": cpu_max,
        "wall_median_ms": wall_median,
        "wall_p99_ms": wall_p99,
        "wall_max_ms": wall_max,
        "rows_ready_after_ms": (frames.ready_ms * 100.0).round() / 100.0,
    })
}

struct Frames {
    count: usize,
    cpu_ms: Vec<f64>,
    wall_ms: Vec<f64>,
    ready_ms: f64,
}

/// Runs at least `n` frames, and more until background row computations are done (as a real
/// window keeps drawing at ~60 Hz meanwhile), timing each. Also returns how long until the rows
/// were ready.
fn timed_frames(
    h: &mut Harness<'static, App>,
    n: usize,
    mut before_each: impl FnMut(&mut Harness<'static, App>, usize),
) -> Frames {
    let mut wall_ms = Vec::with_capacity(n);
    let mut cpu_ms = Vec::with_capacity(n);
    let start = Instant::now();
    let mut ready = None;
    let mut i = 0;
    while i < n || ready.is_none() {
        before_each(h, i);
        let (t, cpu) = (Instant::now(), cpu_time::ThreadTime::now());
        h.step();
        cpu_ms.push(cpu.elapsed().as_secs_f64() * 1000.0);
        wall_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let app = h.state();
        let computing = app.summary.tree.is_computing()
            || app.dominators.is_busy()
            || app.dominators.tree.is_computing()
            || app.flame.is_busy();
        // Ready when the last background job ended (a view may start one a frame after the
        // click that opened it).
        if computing {
            ready = None;
        } else if ready.is_none() {
            ready = Some(start.elapsed().as_secs_f64() * 1000.0);
        }
        if computing {
            std::thread::sleep(std::time::Duration::from_millis(8));
        }
        i += 1;
        if start.elapsed().as_secs() > 120 {
            break;
        }
    }
    Frames { count: wall_ms.len(), cpu_ms, wall_ms, ready_ms: ready.unwrap_or(f64::NAN) }
}

fn main() {
    let path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-snapshots/s3.heapsnapshot.gz"));
    let t = Instant::now();
    let snapshot = heapscope::snapshot::read_file(&path, &NoProgress).expect("readable snapshot");
    let analysis = Arc::new(Analysis::run(snapshot, &NoProgress).expect("analysis"));
    let load_s = t.elapsed().as_secs_f64();
    let biggest =
        analysis.aggregates.rows.iter().max_by_key(|r| r.count).map(|r| (r.name.clone(), r.count)).unwrap_or_default();
    let mut app = App::empty();
    app.add_analysis(path.clone(), analysis.clone());
    let mut h =
        Harness::builder().with_size(egui::vec2(1280.0, 800.0)).build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    let mut results = Vec::new();
    results.push(stats("first frames", timed_frames(&mut h, 5, |_, _| {})));
    // Sort by Count, largest first, so the largest class is the first row.
    h.get_by_label("Count").click();
    results.push(stats("sort classes by Count", timed_frames(&mut h, 10, |_, _| {})));
    h.get_by_label(&biggest.0).click();
    timed_frames(&mut h, 2, |_, _| {});
    h.key_press(egui::Key::ArrowRight);
    results
        .push(stats(&format!("expand {} ({} instances)", biggest.0, biggest.1), timed_frames(&mut h, 30, |_, _| {})));
    let grid = h.get_by_label("Constructor").rect().center() + egui::vec2(0.0, 200.0);
    results.push(stats(
        "scroll through the instances",
        timed_frames(&mut h, 200, |h, _| {
            h.hover_at(grid);
            h.event(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Point,
                delta: egui::vec2(0.0, -300.0),
                modifiers: egui::Modifiers::NONE,
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Wheel,
            });
        }),
    ));
    h.get_by_label("Retained Size").click();
    results.push(stats("sort the expanded class by Retained Size", timed_frames(&mut h, 30, |_, _| {})));
    h.get_by_label("Retained Size ⬇").click();
    results.push(stats("sort it the other way", timed_frames(&mut h, 30, |_, _| {})));
    // The Dominators view: its children lists are built on a worker; then the largest child of
    // the root is expanded.
    h.get_by_label("Dominators").click();
    results.push(stats("open Dominators", timed_frames(&mut h, 30, |_, _| {})));
    let tree = heapscope::analysis::dominator_tree::DominatorChildren::build(&analysis);
    let top = tree.children(analysis.snapshot.root())[0];
    h.get_by_label(&format!("@{}", analysis.snapshot.node_id(top))).click();
    timed_frames(&mut h, 2, |_, _| {});
    h.key_press(egui::Key::ArrowRight);
    results.push(stats(
        &format!("expand the root's largest child ({} children)", tree.children(top).len()),
        timed_frames(&mut h, 30, |_, _| {}),
    ));
    // The flame chart: built on a worker, then hovered across and zoomed.
    h.get_by_label("Flame chart").click();
    results.push(stats("open the flame chart", timed_frames(&mut h, 30, |_, _| {})));
    let chart = h.state().flame.last_rect;
    results.push(stats(
        "hover across the flame chart",
        timed_frames(&mut h, 200, |h, i| {
            let x = chart.left() + (i % 100) as f32 / 100.0 * chart.width();
            let y = chart.top() + 10.0 + (i / 100) as f32 * 20.0 * 2.0;
            h.hover_at(egui::pos2(x, y));
        }),
    ));
    let press = |h: &mut Harness<'static, App>, pressed: bool, pos: egui::Pos2| {
        h.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        })
    };
    results.push(stats(
        "zoom into flame frames and out",
        timed_frames(&mut h, 60, |h, i| {
            let pos = egui::pos2(chart.left() + 20.0, chart.top() + 10.0 + (i % 6) as f32 * 20.0);
            h.hover_at(pos);
            press(h, i % 2 == 0, pos);
        }),
    ));
    let report = serde_json::json!({
        "file": path.display().to_string(),
        "nodes": analysis.node_count(),
        "load_s": (load_s * 1000.0).round() / 1000.0,
        "largest_class": {"name": biggest.0, "instances": biggest.1},
        "results": results,
    });
    println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
}
