//! The Statistics view: the heap's bytes by kind, as a donut chart and a table (DevTools'
//! Statistics pie).

use egui::{Color32, Pos2, RichText, Shape, Stroke, Ui, vec2};

use super::app::App;
use crate::analysis::format::{bytes, count, kb, percent};
use crate::analysis::views::statistics_slices;

const COLORS: [Color32; 7] = [
    Color32::from_rgb(240, 160, 60),
    Color32::from_rgb(90, 160, 230),
    Color32::from_rgb(120, 200, 120),
    Color32::from_rgb(200, 110, 200),
    Color32::from_rgb(160, 160, 160),
    Color32::from_rgb(230, 100, 100),
    Color32::from_rgb(110, 200, 200),
];

pub fn statistics_ui(app: &mut App, ui: &mut Ui) {
    let Some(s) = app.current() else { return };
    let a = s.analysis.clone();
    let total = a.total_size();
    let slices = statistics_slices(&a);
    ui.heading(format!("Statistics: {}", s.title));
    ui.label(format!(
        "Total {} in {} objects ({} nodes, {} edges)",
        bytes(total as f64),
        count(a.aggregates.total_count()),
        count(a.node_count() as u64),
        count(a.snapshot.edge_count() as u64)
    ));
    let mut commands = Vec::new();
    super::export::export_menu_ui(ui, "Statistics", || super::export::statistics_table(&a), &mut commands);
    for c in commands {
        app.push(c);
    }
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        let size = 260.0;
        let (rect, _) = ui.allocate_exact_size(vec2(size, size), egui::Sense::hover());
        let painter = ui.painter_at(rect);
        let center = rect.center();
        let (outer, inner) = (size * 0.48, size * 0.28);
        let mut start = -std::f32::consts::FRAC_PI_2;
        for (i, slice) in slices.iter().enumerate() {
            if slice.bytes == 0 || total == 0 {
                continue;
            }
            let sweep = slice.bytes as f32 / total as f32 * std::f32::consts::TAU;
            let steps = ((sweep / 0.02).ceil() as usize).max(2);
            let color = COLORS[i % COLORS.len()];
            let p = |r: f32, t: f32| Pos2::new(center.x + r * t.cos(), center.y + r * t.sin());
            // One mesh per slice: meshes are not feathered, so the steps join without the seams
            // that separately anti-aliased quads leave; the two arcs are drawn as anti-aliased
            // lines to keep the ring's edges smooth.
            let mut mesh = egui::Mesh::default();
            let (mut outer_arc, mut inner_arc) = (Vec::with_capacity(steps + 1), Vec::with_capacity(steps + 1));
            for k in 0..=steps {
                let t = start + sweep * k as f32 / steps as f32;
                let (on_inner, on_outer) = (p(inner, t), p(outer, t));
                mesh.colored_vertex(on_inner, color);
                mesh.colored_vertex(on_outer, color);
                inner_arc.push(on_inner);
                outer_arc.push(on_outer);
                if k > 0 {
                    let v = 2 * k as u32;
                    mesh.add_triangle(v - 2, v - 1, v + 1);
                    mesh.add_triangle(v - 2, v + 1, v);
                }
            }
            painter.add(Shape::mesh(mesh));
            painter.add(Shape::line(outer_arc, Stroke::new(1.0, color)));
            painter.add(Shape::line(inner_arc, Stroke::new(1.0, color)));
            start += sweep;
        }
        painter.text(
            center,
            egui::Align2::CENTER_CENTER,
            bytes(total as f64),
            egui::FontId::proportional(18.0),
            ui.visuals().text_color(),
        );
        ui.add_space(24.0);
        egui::Grid::new("statistics").striped(true).num_columns(4).spacing(vec2(24.0, 6.0)).show(ui, |ui| {
            ui.label("");
            ui.label(RichText::new("Kind").strong());
            ui.label(RichText::new("Size").strong());
            ui.label(RichText::new("%").strong());
            ui.end_row();
            for (i, slice) in slices.iter().enumerate() {
                let (r, _) = ui.allocate_exact_size(vec2(12.0, 12.0), egui::Sense::hover());
                ui.painter().rect_filled(r, 2.0, COLORS[i % COLORS.len()]);
                ui.label(slice.label);
                ui.label(kb(slice.bytes as f64));
                ui.label(percent(slice.bytes as f64 / (total.max(1)) as f64 * 100.0));
                ui.end_row();
            }
            ui.label("");
            ui.label(RichText::new("Total").strong());
            ui.label(RichText::new(kb(total as f64)).strong());
            ui.label("");
            ui.end_row();
        });
    });
    ui.add_space(12.0);
    ui.label(
        RichText::new(format!(
            "V8 heap {} · native {} (typed arrays {}) · extra native bytes {}",
            bytes(a.statistics.v8heap.total as f64),
            bytes(a.statistics.native.total as f64),
            bytes(a.statistics.native.typed_arrays as f64),
            bytes(a.snapshot.extra_native_bytes().unwrap_or(0) as f64)
        ))
        .weak(),
    );
}
