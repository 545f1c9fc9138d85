//! The analyzer window (eframe/egui).
//!
//! Views only ask the engine (`crate::analysis`) for rows; they keep view state (sort,
//! expanded rows, selection, scroll) and issue [`app::Command`]s. Loading and Comparisons run
//! on worker threads ([`loader`]); the UI thread swaps in finished `Arc<Analysis>`es.

pub mod app;
#[cfg(feature = "capture")]
pub mod attach;
pub mod comparison;
pub mod containment;
#[cfg(feature = "demo")]
pub mod demo_panel;
pub mod dominators;
pub mod export;
pub mod flame;
pub mod graph_layout;
pub mod leaks;
pub mod loader;
pub mod merged_paths;
pub mod open_dialog;
pub mod per_snapshot;
pub mod recent;
pub mod retainers;
pub mod rows;
pub mod sidebar;
pub mod statistics;
pub mod summary;
pub mod tree;
pub mod trends;

use std::path::PathBuf;

pub use app::{App, Command, Item, View};

/// The bundled tutorial snapshots, opened when no file is given and none was opened before.
pub fn sample_snapshots() -> Vec<PathBuf> {
    let candidates = [
        std::env::current_exe().ok().and_then(|e| e.parent().map(|d| d.join("sample-snapshots"))),
        std::env::current_exe().ok().and_then(|e| e.parent().map(|d| d.join("../share/heapscope/sample-snapshots"))),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-snapshots")),
    ];
    for dir in candidates.into_iter().flatten() {
        let files: Vec<PathBuf> = ["s1", "s2", "s3"]
            .iter()
            .map(|s| dir.join(format!("{s}.heapsnapshot.gz")))
            .filter(|p| p.exists())
            .collect();
        if !files.is_empty() {
            return files;
        }
    }
    Vec::new()
}

/// Opens the window on `files` (the samples if none and no recent files).
pub fn run(files: Vec<PathBuf>) -> anyhow::Result<()> {
    let recent = recent::RecentFiles::load();
    let files = if files.is_empty() && recent.paths().is_empty() { sample_snapshots() } else { files };
    let icon = eframe::icon_data::from_png_bytes(include_bytes!("../../assets/heapscope.png")).ok();
    let mut viewport = egui::ViewportBuilder::default();
    if let Some(icon) = icon {
        viewport = viewport.with_icon(icon);
    }
    let options = eframe::NativeOptions {
        viewport: viewport
            .with_title("Heapscope")
            .with_app_id("heapscope")
            .with_inner_size([1280.0, 800.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "Heapscope",
        options,
        Box::new(move |cc| {
            let mut app = App::empty();
            app.use_index = recent.load_use_index();
            app.index = crate::index::IndexOptions::from_env();
            app.recent = recent;
            app.open(files, &cc.egui_ctx);
            // Two or more snapshots of one process: the Leaks view names what grows.
            app.view = if app.jobs.len() >= 2 { View::Leaks } else { View::Summary };
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}
