//! The Flame view: retained size as an icicle chart of the dominator tree, children of one class
//! merged along each path (Perfetto's heap flame graph). Width = retained size; hover names the
//! frame's path, count and sizes; a click zooms into a frame (a click on the zoomed frame or an
//! ancestor zooms out to it); the selected object's frame is outlined.
//!
//! The frames come from the engine ([`crate::analysis::flame`]), built on a worker thread once
//! per snapshot; a frame visits and draws only the frames that intersect the zoomed span, are at
//! least a pixel wide and lie above the chart's bottom edge.

use super::per_snapshot::{PerSnapshot, Ready};
use std::sync::Arc;

use egui::{Color32, Pos2, Rect, RichText, Sense, Stroke, Ui, vec2};

use super::app::{App, Item, SnapshotId};
use crate::analysis::dominator_tree::DominatorChildren;
use crate::analysis::flame::{self, FlameGraph};
use crate::analysis::format::{bytes, count, percent};

/// Frames narrower than this share of the heap are left out (a 2,000-pixel chart cannot show them).
pub const MIN_SHARE: u64 = 4000;

/// Height of a frame row, in points.
pub const ROW_HEIGHT: f32 = 20.0;

pub struct FlameView {
    chart: PerSnapshot<FlameGraph>,
    /// The chart by script and npm package ([`flame::by_source`]).
    source_chart: PerSnapshot<FlameGraph>,
    /// Show the chart by source rather than by dominators.
    pub by_source: bool,
    /// The frame filling the width.
    pub zoom: u32,
    /// Where the chart was drawn last frame (tests aim the pointer with it).
    pub last_rect: Rect,
}

impl FlameView {
    pub fn new() -> FlameView {
        FlameView {
            chart: PerSnapshot::new(),
            source_chart: PerSnapshot::new(),
            by_source: false,
            zoom: 0,
            last_rect: Rect::NOTHING,
        }
    }

    pub fn reset(&mut self) {
        self.zoom = 0;
    }

    /// The chart of snapshot `id` once built; starts building it on a worker.
    fn chart_for(
        &mut self,
        id: SnapshotId,
        a: &Arc<crate::analysis::Analysis>,
        ctx: &egui::Context,
    ) -> Option<Arc<FlameGraph>> {
        let a = a.clone();
        let ready = if self.by_source {
            self.source_chart.get_or_start(id, ctx, move || {
                let sources = crate::analysis::sources::attribute(&a);
                flame::by_source(&a, &sources)
            })
        } else {
            self.chart.get_or_start(id, ctx, move || {
                let tree = DominatorChildren::build_unsorted(&a.dominator, a.snapshot.root());
                flame::build(&a, &tree, a.total_size() / MIN_SHARE)
            })
        };
        match ready {
            Ready::Kept(chart) => Some(chart),
            Ready::Arrived(chart) => {
                self.zoom = 0;
                Some(chart)
            }
            Ready::Pending => None,
        }
    }

    /// Waits for the charts being built (tests): the shown one (its zoom starts over, as when it
    /// arrives in a frame), and the other mode's, which no frame polls while it is not shown.
    pub fn wait(&mut self) {
        let (shown, other) = if self.by_source {
            (&mut self.source_chart, &mut self.chart)
        } else {
            (&mut self.chart, &mut self.source_chart)
        };
        other.wait();
        if shown.wait() {
            self.zoom = 0;
        }
    }

    pub fn is_busy(&self) -> bool {
        self.chart.is_busy() || self.source_chart.is_busy()
    }

    /// The chart of the current mode.
    pub fn chart(&self) -> Option<&FlameGraph> {
        let chart = if self.by_source { &self.source_chart } else { &self.chart };
        chart.last().map(|c| c.as_ref())
    }
}

impl Default for FlameView {
    fn default() -> Self {
        FlameView::new()
    }
}

/// Where frame `f` is drawn in `rect` with frame `zoom` filling the width (`None`: outside the
/// zoomed span or under a pixel wide). Ancestors of the zoomed frame span the width.
pub fn frame_rect(chart: &FlameGraph, zoom: u32, f: u32, rect: Rect) -> Option<Rect> {
    let z = &chart.frames[zoom as usize];
    let fr = &chart.frames[f as usize];
    let (z0, z1) = (z.offset as f64, (z.offset + z.retained_size.max(1)) as f64);
    let (f0, f1) = (fr.offset as f64, (fr.offset + fr.retained_size) as f64);
    let (x0, x1) = (f0.max(z0), f1.min(z1));
    if x1 <= x0 {
        return None;
    }
    let scale = f64::from(rect.width()) / (z1 - z0);
    let left = rect.left() + ((x0 - z0) * scale) as f32;
    let right = rect.left() + ((x1 - z0) * scale) as f32;
    if right - left < 1.0 {
        return None;
    }
    let top = rect.top() + fr.depth as f32 * ROW_HEIGHT;
    if top >= rect.bottom() {
        return None;
    }
    Some(Rect::from_min_max(Pos2::new(left, top), Pos2::new(right, top + ROW_HEIGHT - 1.0)))
}

fn color_of(name: &str) -> Color32 {
    let h = super::tree::hash_of(name);
    // Warm flame colours, varied by class.
    let r = 200 + (h % 55) as u8;
    let g = 90 + ((h >> 8) % 110) as u8;
    let b = 40 + ((h >> 16) % 50) as u8;
    Color32::from_rgb(r, g, b)
}

fn objects(n: u32) -> String {
    if n == 1 { "1 object".into() } else { format!("{} objects", count(u64::from(n))) }
}

pub fn flame_ui(app: &mut App, ui: &mut Ui) {
    let Some(s) = app.current() else { return };
    let (id, a) = (s.id, s.analysis.clone());
    let selected = match app.selection {
        Some(Item::Node { snapshot, node }) if snapshot == id => Some(node),
        _ => None,
    };
    let view = &mut app.flame;
    ui.horizontal(|ui| {
        ui.label(RichText::new("Frames:").weak());
        for (by_source, label, tip) in [
            (false, "By dominators", "The dominator tree, objects of one class merged along each path"),
            (true, "By source", "Package → script → class: each object under the script of its constructor or closure, or of the nearest object that keeps it alive"),
        ] {
            if ui.add(egui::Button::selectable(view.by_source == by_source, label)).on_hover_text(tip).clicked()
                && view.by_source != by_source
            {
                view.by_source = by_source;
                view.zoom = 0;
            }
        }
    });
    let Some(chart) = view.chart_for(id, &a, ui.ctx()) else {
        super::rows::busy_ui(ui, "building the flame chart…");
        return;
    };
    let total = a.total_size() as f64;
    view.zoom = view.zoom.min(chart.frames.len() as u32 - 1);
    // Breadcrumbs: the zoomed frame's path; a click zooms out to that frame.
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Zoom:").weak());
        for (i, f) in chart.path(view.zoom).into_iter().enumerate() {
            if i > 0 {
                ui.label(RichText::new("›").weak());
            }
            if ui.link(chart.name(&a, f)).clicked() {
                view.zoom = f;
            }
        }
        ui.separator();
        let z = &chart.frames[view.zoom as usize];
        ui.label(format!(
            "{}, retained {} ({})",
            objects(z.count),
            bytes(z.retained_size as f64),
            percent(z.retained_size as f64 / total.max(1.0) * 100.0)
        ));
    });
    let (rect, response) = ui.allocate_exact_size(ui.available_size(), Sense::click());
    view.last_rect = rect;
    let painter = ui.painter_at(rect);
    let hover = response.hover_pos();
    let mut hovered = None;
    let selected_frame = selected.map(|n| chart.frame_of[n as usize]).filter(|&f| f != flame::NONE);
    let font = egui::TextStyle::Small.resolve(ui.style());
    // Only the frames drawn are visited, from the root down: a frame's children lie inside it,
    // one row lower, so a frame outside the zoomed span, under a pixel wide or below the chart
    // hides all of its subtree. (Visiting every frame took 63 % of the UI thread's time while
    // hovering the chart of the 1 GB snapshot, whose long chains of frames run far below the
    // bottom edge: `perf` on the gui_frames bench.)
    let mut stack = vec![0u32];
    while let Some(f) = stack.pop() {
        let Some(r) = frame_rect(&chart, view.zoom, f, rect) else { continue };
        stack.extend(chart.children(f).rev());
        let name = chart.name(&a, f);
        painter.rect_filled(r, 2.0, color_of(name));
        if Some(f) == selected_frame {
            painter.rect_stroke(r, 2.0, Stroke::new(2.5, Color32::from_rgb(40, 120, 255)), egui::StrokeKind::Inside);
        }
        if r.width() > 40.0 {
            let text = super::rows::short(name, (r.width() / 7.0) as usize);
            painter.text(
                r.left_center() + vec2(4.0, 0.0),
                egui::Align2::LEFT_CENTER,
                text,
                font.clone(),
                Color32::BLACK,
            );
        }
        if hover.is_some_and(|p| r.contains(p)) {
            hovered = Some(f);
        }
    }
    if let Some(f) = hovered {
        let fr = &chart.frames[f as usize];
        let path: Vec<&str> = chart.path(f).into_iter().map(|x| chart.name(&a, x)).collect();
        response.clone().on_hover_ui_at_pointer(|ui| {
            ui.label(RichText::new(path.join(" › ")).strong());
            ui.label(format!(
                "{} · shallow {} · retained {} ({})",
                objects(fr.count),
                bytes(fr.self_size as f64),
                bytes(fr.retained_size as f64),
                percent(fr.retained_size as f64 / total.max(1.0) * 100.0)
            ));
        });
        if response.clicked() {
            view.zoom = f;
            ui.ctx().request_repaint();
        }
    }
}
