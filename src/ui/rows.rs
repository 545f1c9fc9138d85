//! Row keys shared by the grids, the cells and context menu of object rows, and the busy
//! indicator the views show while a worker computes their rows.
//!
//! Context-menu actions are types ([`ObjectAction`]), as in rerun's `ContextMenuAction`: each
//! knows its label and the [`Command`] it issues, so every grid offers the same words.

use egui::{Color32, RichText, Ui};

use super::app::{Command, Item, SnapshotId};
use crate::analysis::Analysis;
use crate::analysis::format::{distance_ui, kb, percent};
use crate::snapshot::{EdgeIdx, EdgeType, NodeIdx};

/// A row of any grid.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RowKey {
    /// A Summary class (index into the view's aggregates).
    Class(u32),
    /// A Comparison class (index into the Comparison's classes).
    DiffClass(u32),
    /// A grown survivor (index into the Comparison's list).
    Grown(u32),
    /// An object listed under a class. `base`: it belongs to the Comparison's base snapshot
    /// (a deleted object).
    Object { node: NodeIdx, base: bool },
    /// An object reached through an edge of the row above.
    Edge { edge: EdgeIdx, node: NodeIdx, base: bool },
    /// A retainer of the row above (Retainers pane): `node` retains it through `edge`.
    Retainer { edge: EdgeIdx, node: NodeIdx },
}

impl RowKey {
    /// The object a row stands for, if any.
    pub fn node(&self) -> Option<NodeIdx> {
        match self {
            RowKey::Object { node, .. } | RowKey::Edge { node, .. } | RowKey::Retainer { node, .. } => Some(*node),
            _ => None,
        }
    }

    pub fn in_base(&self) -> bool {
        matches!(self, RowKey::Object { base: true, .. } | RowKey::Edge { base: true, .. })
    }
}

/// The color DevTools gives each edge type's name.
pub fn edge_color(t: EdgeType) -> Color32 {
    match t {
        EdgeType::PROPERTY => Color32::from_rgb(170, 90, 200),
        EdgeType::ELEMENT => Color32::from_rgb(90, 140, 220),
        EdgeType::CONTEXT => Color32::from_rgb(60, 160, 130),
        EdgeType::WEAK => Color32::from_rgb(150, 150, 150),
        _ => Color32::from_rgb(140, 140, 140),
    }
}

/// `name @id`, shortened for a grid cell.
pub fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// The first cell of an object row: `[edge ::] name @id`.
pub fn object_label_ui(ui: &mut Ui, a: &Analysis, node: NodeIdx, edge: Option<EdgeIdx>) {
    let s = &a.snapshot;
    if let Some(e) = edge {
        ui.label(RichText::new(short(&s.edge_name(e), 60)).color(edge_color(s.edge_type(e))));
        ui.label(RichText::new("::").weak());
    }
    let name = a.display_name(node);
    let shown = if name.is_empty() { a.class_name(node).to_string() } else { short(&name, 1000) };
    let id = RichText::new(format!("@{}", s.node_id(node))).weak();
    // The name gives way to the @id: it is cut to the room the id leaves, so a long name never
    // pushes the id out of its cell; the whole name and id are in the tooltip.
    let id_width = egui::WidgetText::from(id.clone())
        .into_galley(ui, Some(egui::TextWrapMode::Extend), f32::INFINITY, egui::TextStyle::Body)
        .size()
        .x;
    let room = (ui.available_width() - id_width - ui.spacing().item_spacing.x).max(24.0);
    let tooltip = format!("{} @{}", short(&name, 2000), s.node_id(node));
    ui.allocate_ui(egui::vec2(room, ui.available_height()), |ui| {
        ui.add(egui::Label::new(shown).truncate()).on_hover_text(&tooltip);
    });
    ui.label(id).on_hover_text(tooltip);
}

/// Distance, shallow and retained cells of an object (`column` 1, 2, 3).
pub fn object_value_ui(ui: &mut Ui, a: &Analysis, node: NodeIdx, column: usize) {
    let total = a.total_size() as f64;
    match column {
        1 => {
            ui.label(distance_ui(i64::from(a.distance[node as usize])));
        }
        2 => size_ui(ui, a.self_size[node as usize] as f64, total),
        3 => size_ui(ui, a.retained_size[node as usize] as f64, total),
        _ => {}
    }
}

/// `12,770kB  38 %`, right-aligned like DevTools.
pub fn size_ui(ui: &mut Ui, bytes: f64, total: f64) {
    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
        ui.label(RichText::new(percent(bytes / total.max(1.0) * 100.0)).weak());
        ui.label(kb(bytes)).on_hover_text(format!("{} bytes", crate::analysis::format::count(bytes as u64)));
    });
}

pub fn right_ui(ui: &mut Ui, text: impl Into<egui::WidgetText>) {
    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
        ui.label(text);
    });
}

/// Actions on an object row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectAction {
    RevealInSummary,
    ShowRetainers,
    PathToRoot,
    CopyId,
    IgnoreRetainer,
    StopIgnoring,
}

impl ObjectAction {
    pub fn label(self) -> &'static str {
        match self {
            ObjectAction::RevealInSummary => "Reveal in Summary view",
            ObjectAction::ShowRetainers => "Show retainers",
            ObjectAction::PathToRoot => "Path to GC root",
            ObjectAction::CopyId => "Copy @id",
            ObjectAction::IgnoreRetainer => "Ignore this retainer",
            ObjectAction::StopIgnoring => "Stop ignoring this retainer",
        }
    }

    pub fn command(self, a: &Analysis, snapshot: SnapshotId, node: NodeIdx) -> Command {
        let item = Item::Node { snapshot, node };
        match self {
            ObjectAction::RevealInSummary => Command::RevealInSummary(item),
            ObjectAction::ShowRetainers => Command::ShowRetainers(item),
            ObjectAction::PathToRoot => Command::PathToRoot(item),
            ObjectAction::CopyId => Command::Copy(format!("@{}", a.snapshot.node_id(node))),
            ObjectAction::IgnoreRetainer => Command::IgnoreRetainer(item),
            ObjectAction::StopIgnoring => Command::StopIgnoring(item),
        }
    }
}

/// The context menu of an object row: DevTools' words, then ours.
pub fn object_menu_ui(
    ui: &mut Ui,
    a: &Analysis,
    snapshot: SnapshotId,
    node: NodeIdx,
    actions: &[ObjectAction],
    out: &mut Vec<Command>,
) {
    for &action in actions {
        // Objects of self size 0 have no Summary row to reveal.
        let enabled = action != ObjectAction::RevealInSummary || a.self_size[node as usize] > 0;
        if ui.add_enabled(enabled, egui::Button::new(action.label())).clicked() {
            out.push(action.command(a, snapshot, node));
            ui.close();
        }
    }
}

/// The actions every object row offers.
pub const OBJECT_ACTIONS: [ObjectAction; 4] =
    [ObjectAction::RevealInSummary, ObjectAction::ShowRetainers, ObjectAction::PathToRoot, ObjectAction::CopyId];

/// A busy indicator for background work: egui's spinner arc, redrawn ten times a second.
///
/// egui's `Spinner` repaints every frame; while a worker sorts millions of rows or loads a
/// gigabyte, those frames take CPU from it (under a software renderer, a whole core).
pub fn busy_ui(ui: &mut Ui, text: &str) {
    let size = ui.text_style_height(&egui::TextStyle::Body);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    let radius = rect.height() / 2.0 - 2.0;
    let start = ui.input(|i| i.time) * std::f64::consts::TAU;
    let points: Vec<egui::Pos2> = (0..=24)
        .map(|i| {
            let angle = start + f64::from(i) / 24.0 * std::f64::consts::PI * 1.5;
            let (sin, cos) = angle.sin_cos();
            rect.center() + radius * egui::vec2(cos as f32, sin as f32)
        })
        .collect();
    let stroke = egui::Stroke::new(1.5, ui.visuals().strong_text_color());
    ui.painter().add(egui::Shape::line(points, stroke));
    ui.label(text);
    ui.ctx().request_repaint_after(std::time::Duration::from_millis(100));
}
