//! Trends in the Summary and the Comparison: per class, and per grown object, a small chart of
//! its size across every loaded snapshot, when three or more of one process are loaded
//! ([`crate::analysis::trends`]).
//!
//! The snapshots are the Leaks view's ([`super::leaks::inputs`]: oldest first, the focused ones
//! if any), checked to be of one process by the leak report's rule. The series are computed on a
//! worker and carry the snapshots they are for ([`PerSnapshot`] keyed by the list); a changed
//! list drops them.

use std::sync::Arc;

use egui::{Color32, Pos2, Stroke, Ui, vec2};

use super::app::{App, SnapshotId};
use super::per_snapshot::{PerSnapshot, Ready};
use crate::analysis::diff::Comparison;
use crate::analysis::format::count;
use crate::analysis::trends::{ClassTrend, ClassTrends, MIN_SNAPSHOTS, ObjectTrend, ObjectTrends};

/// The series being computed or kept.
#[derive(Default)]
pub struct TrendsState {
    classes: PerSnapshot<Result<Arc<ClassTrends>, String>, Vec<SnapshotId>>,
    /// For (snapshots, base, current): the Comparison's grown objects.
    objects: PerSnapshot<ObjectTrends, (Vec<SnapshotId>, SnapshotId, SnapshotId)>,
}

impl TrendsState {
    /// Waits for running jobs (tests).
    pub fn wait(&mut self) {
        self.classes.wait();
        self.objects.wait();
    }

    pub fn is_busy(&self) -> bool {
        self.classes.is_busy() || self.objects.is_busy()
    }
}

/// What the views show.
pub enum Status {
    Ready(Arc<ClassTrends>),
    Pending,
    /// Why there is no trend (fewer than three snapshots, other processes): shown as a hint.
    Unavailable(String),
}

/// The class trends over the loaded snapshots, or why there are none.
pub fn class_trends(app: &mut App, ctx: &egui::Context) -> Status {
    let inputs = super::leaks::inputs(app);
    if inputs.len() < MIN_SNAPSHOTS {
        return Status::Unavailable(format!(
            "Trends: open {MIN_SNAPSHOTS} or more snapshots of one process to chart each class across them ({} open).",
            inputs.len()
        ));
    }
    let ids: Vec<SnapshotId> = inputs.iter().map(|s| s.0).collect();
    let ready = app.trends.classes.get_or_start(ids, ctx, move || {
        let list: Vec<_> = inputs.iter().map(|(_, t, a)| (a.as_ref(), t.as_str())).collect();
        ClassTrends::build(&list).map(Arc::new).map_err(|e| format!("No trends: {e}"))
    });
    match ready {
        Ready::Kept(r) | Ready::Arrived(r) => match r.as_ref() {
            Ok(t) => Status::Ready(t.clone()),
            Err(e) => Status::Unavailable(e.clone()),
        },
        Ready::Pending => Status::Pending,
    }
}

/// The series of the Comparison's grown objects across the loaded snapshots, once ready (only
/// when class trends are: three or more snapshots of one process).
pub fn object_trends(
    app: &mut App,
    cmp: &Arc<Comparison>,
    base: SnapshotId,
    current: SnapshotId,
    ctx: &egui::Context,
) -> Option<Arc<ObjectTrends>> {
    let inputs = super::leaks::inputs(app);
    let ids: Vec<SnapshotId> = inputs.iter().map(|s| s.0).collect();
    let cmp = cmp.clone();
    match app.trends.objects.get_or_start((ids, base, current), ctx, move || {
        let list: Vec<_> = inputs.iter().map(|(_, _, a)| a.as_ref()).collect();
        let ids: Vec<u32> = cmp.grown.iter().map(|g| g.id).collect();
        ObjectTrends::build(&list, &ids)
    }) {
        Ready::Kept(t) | Ready::Arrived(t) => Some(t),
        Ready::Pending => None,
    }
}

const LEAK_RED: Color32 = Color32::from_rgb(210, 80, 60);

/// A sparkline of `values` (oldest first) in a cell, red when it grows at every step; hovering
/// shows `tooltip`. Its accessible label is `label`.
pub fn sparkline_ui(ui: &mut Ui, label: &str, values: &[u64], monotonic: bool, tooltip: &str) -> egui::Response {
    let height = (ui.available_height() - 2.0).clamp(10.0, 22.0);
    let (rect, resp) =
        ui.allocate_exact_size(vec2(ui.available_width().clamp(40.0, 120.0), height), egui::Sense::hover());
    let label = label.to_string();
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Unknown, true, &label));
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f32;
    let n = values.len().max(2) as f32;
    let points: Vec<Pos2> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            Pos2::new(
                rect.left() + 2.0 + (rect.width() - 4.0) * i as f32 / (n - 1.0),
                rect.bottom() - 2.0 - (rect.height() - 4.0) * v as f32 / max,
            )
        })
        .collect();
    let color = if monotonic { LEAK_RED } else { ui.visuals().text_color() };
    ui.painter().add(egui::Shape::line(points.clone(), Stroke::new(1.5, color)));
    for p in points {
        ui.painter().circle_filled(p, 2.0, color);
    }
    resp.on_hover_text(tooltip)
}

/// The tooltip of a class's series: each snapshot's count and sizes, exact.
pub fn class_tooltip(snapshots: &[String], t: &ClassTrend<'_>) -> String {
    let mut out = format!("{}: shallow size across {} snapshots", t.name, snapshots.len());
    for (i, title) in snapshots.iter().enumerate() {
        out.push_str(&format!(
            "\n{title}: {} objects, shallow {} B, retained {} B",
            count(u64::from(t.count[i])),
            count(t.self_size[i]),
            count(t.retained_size[i])
        ));
    }
    let growth = t.growth();
    out.push_str(&format!(
        "\ngrowth (newest − oldest shallow): {}{} B{}",
        if growth < 0 { "−" } else { "+" },
        count(growth.unsigned_abs()),
        if t.monotonic() { ", at every step" } else { "" }
    ));
    out
}

/// The tooltip of an object's series.
pub fn object_tooltip(snapshots: &[String], t: &ObjectTrend<'_>) -> String {
    let mut out = format!("@{}: across {} snapshots", t.id, snapshots.len());
    for (i, title) in snapshots.iter().enumerate() {
        if t.present[i] {
            out.push_str(&format!(
                "\n{title}: shallow {} B, retained {} B",
                count(t.self_size[i]),
                count(t.retained_size[i])
            ));
        } else {
            out.push_str(&format!("\n{title}: not present"));
        }
    }
    out
}

/// Whether a series never shrinks and grows overall.
pub fn grows_at_every_step(values: &[u64]) -> bool {
    values.windows(2).all(|w| w[1] >= w[0]) && values.last() > values.first()
}

/// A class row's Trend cell: its shallow size across the snapshots, the exact numbers on hover.
pub fn class_sparkline_ui(ui: &mut Ui, snapshots: &[String], t: &ClassTrend<'_>) {
    sparkline_ui(ui, &format!("Trend of {}", t.name), t.self_size, t.monotonic(), &class_tooltip(snapshots, t));
}

/// Beside a view's totals: a hint when there are no trends, a spinner while they are computed.
pub fn status_ui(ui: &mut Ui, status: &Status) {
    match status {
        Status::Ready(_) => {}
        Status::Pending => super::rows::busy_ui(ui, "trends…"),
        Status::Unavailable(why) => {
            ui.separator();
            ui.label(egui::RichText::new(why).weak());
        }
    }
}
