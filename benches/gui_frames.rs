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
//! Frames driven by input (scrolling, hovering, zoom clicks) run back to back; after a click whose
//! result is computed on a worker (a sort, an expansion, opening Dominators or the flame chart)
//! frames run only when the window asks for one and it is due, as eframe's event loop runs them
//! (a busy indicator redraws every 100 ms; the worker asks for a frame when its result is ready).
//!
//! Prints one JSON document: per interaction, the frame count, and median, p99 and max in ms of
//! CPU time (`cpu_*`) and of wall time (`wall_*`); `rows_ready_after_ms`, the wall time until the
//! frame that showed the result, `frames_to_ready` and `cpu_to_ready_ms`, the UI thread's CPU time
//! summed over the frames from the click to that frame (its cost to the UI thread; the rest ran
//! on workers).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
        "frames_to_ready": frames.ready_frames,
        "cpu_to_ready_ms": (frames.cpu_to_ready_ms * 100.0).round() / 100.0,
    })
}

struct Frames {
    count: usize,
    cpu_ms: Vec<f64>,
    wall_ms: Vec<f64>,
    /// Wall time from the first frame until the frame that showed the result.
    ready_ms: f64,
    /// Frames up to and including the one that showed the result.
    ready_frames: usize,
    /// The UI thread's CPU time summed over those frames: what the interaction cost the UI
    /// thread until its result was on screen (the rest ran on workers).
    cpu_to_ready_ms: f64,
}

/// Runs at least `n` frames, and more until background row computations are done, timing each.
/// `before_each` gives a frame its input (the pointer moves, the wheel turns): such frames run
/// back to back, as the window draws one for every input event.
fn timed_frames(
    h: &mut Harness<'static, App>,
    n: usize,
    before_each: impl FnMut(&mut Harness<'static, App>, usize),
) -> Frames {
    frames(h, n, None, before_each)
}

/// When the window would draw its next frame. eframe's event loop sleeps until a repaint is
/// requested and due: by a widget during a frame (a busy indicator asks again in 100 ms), or by
/// a worker when its result is ready (`Context::request_repaint` from its thread). The bench
/// installs the same callback eframe does, and keeps the earliest time asked for.
#[derive(Clone, Default)]
struct RepaintClock(Arc<Mutex<Option<Instant>>>);

impl RepaintClock {
    fn install(ctx: &egui::Context) -> RepaintClock {
        let clock = RepaintClock::default();
        let due = clock.0.clone();
        ctx.set_request_repaint_callback(move |info| {
            let at = Instant::now() + info.delay;
            if let Ok(mut d) = due.lock() {
                *d = Some(d.map_or(at, |x| x.min(at)));
            }
        });
        clock
    }

    fn take(&self) -> Option<Instant> {
        self.0.lock().ok().and_then(|mut d| d.take())
    }

    /// Sleeps until a repaint is due and takes it; false when none was asked for within
    /// `idle` (the window would sleep until the next input).
    fn wait(&self, idle: Duration) -> bool {
        let start = Instant::now();
        loop {
            let due = self.0.lock().ok().and_then(|d| *d);
            match due {
                Some(at) if Instant::now() >= at => {
                    self.take();
                    return true;
                }
                None if start.elapsed() >= idle => return false,
                _ => std::thread::sleep(Duration::from_millis(1)),
            }
        }
    }
}

/// An interaction with no further input (a click, then waiting for its result): the first frame
/// handles the click, later frames run only when the window asks for them (see
/// [`RepaintClock`]), until its result is shown and the window rests, or `n` frames.
fn paced_frames(h: &mut Harness<'static, App>, n: usize, clock: &RepaintClock) -> Frames {
    frames(h, n, Some(clock), |_, _| {})
}

fn frames(
    h: &mut Harness<'static, App>,
    n: usize,
    paced: Option<&RepaintClock>,
    mut before_each: impl FnMut(&mut Harness<'static, App>, usize),
) -> Frames {
    let mut wall_ms = Vec::with_capacity(n);
    let mut cpu_ms = Vec::with_capacity(n);
    if let Some(clock) = paced {
        clock.take();
    }
    let start = Instant::now();
    let mut ready = None;
    let mut i = 0;
    while i < n || ready.is_none() {
        if let Some(clock) = paced
            && i > 0
        {
            // Idle after the result is shown: the interaction is over.
            let idle = if ready.is_some() { Duration::from_millis(300) } else { Duration::from_secs(60) };
            if !clock.wait(idle) {
                break;
            }
        }
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
        // click that opened it): this frame drew its result.
        if computing {
            ready = None;
        } else if ready.is_none() {
            ready = Some((start.elapsed().as_secs_f64() * 1000.0, i + 1));
        }
        if computing && paced.is_none() {
            std::thread::sleep(Duration::from_millis(8));
        }
        i += 1;
        if start.elapsed().as_secs() > 120 {
            break;
        }
    }
    let (ready_ms, ready_frames) = ready.unwrap_or((f64::NAN, cpu_ms.len()));
    let cpu_to_ready_ms = cpu_ms[..ready_frames].iter().sum();
    Frames { count: wall_ms.len(), cpu_ms, wall_ms, ready_ms, ready_frames, cpu_to_ready_ms }
}

fn main() {
    // As the `heapscope` binary does first thing, so the frames see the window's allocator.
    heapscope::rss::malloc::give_big_blocks_their_own_mappings();
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
    let clock = RepaintClock::install(&h.ctx);
    let mut results = Vec::new();
    results.push(stats("first frames", timed_frames(&mut h, 5, |_, _| {})));
    // Sort by Count, largest first, so the largest class is the first row.
    h.get_by_label("Count").click();
    results.push(stats("sort classes by Count", paced_frames(&mut h, 10, &clock)));
    h.get_by_label(&biggest.0).click();
    timed_frames(&mut h, 2, |_, _| {});
    h.key_press(egui::Key::ArrowRight);
    results.push(stats(&format!("expand {} ({} instances)", biggest.0, biggest.1), paced_frames(&mut h, 30, &clock)));
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
    results.push(stats("sort the expanded class by Retained Size", paced_frames(&mut h, 30, &clock)));
    h.get_by_label("Retained Size ⬇").click();
    results.push(stats("sort it the other way", paced_frames(&mut h, 30, &clock)));
    // The Dominators view: its children lists are built on a worker; then the largest child of
    // the root is expanded.
    h.get_by_label("Dominators").click();
    results.push(stats("open Dominators", paced_frames(&mut h, 30, &clock)));
    let tree = heapscope::analysis::dominator_tree::DominatorChildren::build(&analysis);
    let top = tree.children(analysis.snapshot.root())[0];
    h.get_by_label(&format!("@{}", analysis.snapshot.node_id(top))).click();
    timed_frames(&mut h, 2, |_, _| {});
    h.key_press(egui::Key::ArrowRight);
    results.push(stats(
        &format!("expand the root's largest child ({} children)", tree.children(top).len()),
        paced_frames(&mut h, 30, &clock),
    ));
    // Group the expanded rows by class (MAT's "Group by class": every expanded level regrouped
    // on a worker).
    h.get_by_label("Group by class").click();
    results.push(stats("group by class", paced_frames(&mut h, 30, &clock)));
    // The flame chart: built on a worker, then hovered across and zoomed.
    h.get_by_label("Flame chart").click();
    results.push(stats("open the flame chart", paced_frames(&mut h, 30, &clock)));
    let chart_rect = h.state().flame.last_rect;
    let rows = (chart_rect.height() / heapscope::ui::flame::ROW_HEIGHT).floor().max(1.0) as usize;
    results.push(stats(
        "hover across the flame chart",
        timed_frames(&mut h, 200, |h, i| {
            // Left to right along one row, then the next row down: over frames of every depth.
            let x = chart_rect.left() + (i % 50) as f32 / 50.0 * chart_rect.width();
            let row = (i / 50) % rows.min(8);
            let y = chart_rect.top() + (row as f32 + 0.5) * heapscope::ui::flame::ROW_HEIGHT;
            h.hover_at(egui::pos2(x, y));
        }),
    ));
    // A click is three frames: move there, press, release (the zoom changes on the release).
    let click_at = |h: &mut Harness<'static, App>, i: usize, pos: egui::Pos2| match i % 3 {
        0 => h.hover_at(pos),
        step => h.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed: step == 1,
            modifiers: egui::Modifiers::NONE,
        }),
    };
    // Where the widest child of the zoomed frame is drawn (siblings are widest first, so it
    // starts at the left), or the zoomed frame itself when it has none.
    let widest_child = |h: &Harness<'static, App>| -> egui::Pos2 {
        let view = &h.state().flame;
        let chart = view.chart().expect("the chart");
        let target = chart.children(view.zoom).next().unwrap_or(view.zoom);
        heapscope::ui::flame::frame_rect(chart, view.zoom, target, view.last_rect)
            .map_or(view.last_rect.center(), |r| r.center())
    };
    let mut target = widest_child(&h);
    results.push(stats(
        "zoom into the widest frame, level by level (10 clicks)",
        timed_frames(&mut h, 30, |h, i| {
            if i % 3 == 0 {
                target = widest_child(h);
            }
            click_at(h, i, target);
        }),
    ));
    let zoomed_depth = {
        let view = &h.state().flame;
        view.chart().map_or(0, |c| c.frames[view.zoom as usize].depth)
    };
    // The root frame spans the width at the top; a click on an ancestor zooms out to it.
    let root = egui::pos2(chart_rect.center().x, chart_rect.top() + heapscope::ui::flame::ROW_HEIGHT / 2.0);
    results.push(stats(
        &format!("zoom back out to the root (from depth {zoomed_depth}) and in again, 10 times"),
        timed_frames(&mut h, 60, |h, i| {
            if i % 6 < 3 {
                click_at(h, i, root);
            } else {
                if i % 6 == 3 {
                    target = widest_child(h);
                }
                click_at(h, i, target);
            }
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
