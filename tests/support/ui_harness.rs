//! The window under test, shared by the `ui*` test files: the tutorial's sample snapshots (loaded
//! once per test binary), an [`App`] with them, the kittest harness at 1280×800, and [`settle`],
//! which runs frames until the window and all its background work rest.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use egui_kittest::{Harness, HarnessBuilder};
use heapscope::analysis::Analysis;
use heapscope::progress::NoProgress;
use heapscope::ui::App;

/// `sample-snapshots/NAME`: the tutorial's s1–s3.
pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-snapshots").join(name)
}

/// The tutorial's three snapshots, loaded once for all tests of a binary.
pub fn samples() -> &'static [Arc<Analysis>] {
    static LOADED: OnceLock<Vec<Arc<Analysis>>> = OnceLock::new();
    LOADED.get_or_init(|| {
        std::thread::scope(|scope| {
            let jobs: Vec<_> = (1..=3)
                .map(|i| {
                    scope.spawn(move || {
                        let path = sample(&format!("s{i}.heapsnapshot.gz"));
                        Arc::new(heapscope::analysis::load_file(&path, &NoProgress).unwrap())
                    })
                })
                .collect();
            jobs.into_iter().map(|j| j.join().unwrap()).collect()
        })
    })
}

/// A window with the first `n` samples, as opened from the command line: the last one shown.
pub fn app_with(n: usize) -> App {
    let mut app = App::empty();
    for (i, a) in samples().iter().take(n).enumerate() {
        app.add_analysis(sample(&format!("s{}.heapsnapshot.gz", i + 1)), a.clone());
    }
    app
}

/// A window with all three samples.
pub fn app_with_samples() -> App {
    app_with(3)
}

/// A window with `files` (loaded in parallel), the last one shown.
pub fn app_with_files(files: &[PathBuf]) -> App {
    let loaded: Vec<Arc<Analysis>> = std::thread::scope(|scope| {
        let jobs: Vec<_> = files
            .iter()
            .map(|f| scope.spawn(move || Arc::new(heapscope::analysis::load_file(f, &NoProgress).unwrap())))
            .collect();
        jobs.into_iter().map(|j| j.join().unwrap()).collect()
    });
    let mut app = App::empty();
    for (f, a) in files.iter().zip(loaded) {
        app.add_analysis(f.clone(), a);
    }
    app
}

/// The harness every window test uses: 1280×800, and up to 64 frames for `run` to come to rest.
pub fn builder() -> HarnessBuilder<App> {
    Harness::builder().with_size(egui::vec2(1280.0, 800.0)).with_max_steps(64)
}

/// The window, no frame run yet.
pub fn window(app: App) -> Harness<'static, App> {
    builder().build_ui_state(|ui, app: &mut App| app.ui(ui), app)
}

/// The window, settled.
pub fn harness(app: App) -> Harness<'static, App> {
    let mut h = window(app);
    settle(&mut h);
    h
}

/// Runs frames until the UI and its background work are done (loads, Comparisons, and every
/// per-snapshot computation: [`App::wait_for_background_work`]).
pub fn settle(h: &mut Harness<'static, App>) {
    // Bounded in time, not in rounds: on a loaded machine the Summary's background rows can take
    // longer than a fixed number of frames.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while std::time::Instant::now() < deadline {
        // Spinners repaint while work runs: step, wait for the work, then run to rest.
        h.run_steps(2);
        let ctx = h.ctx.clone();
        h.state_mut().wait_for_background_work(&ctx);
        let busy = h.state().summary.tree.is_computing() || h.state().background_work_running();
        if busy {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        if h.run_ok().is_some() && !busy {
            break;
        }
    }
}
