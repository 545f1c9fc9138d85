//! The Leaks view: the leak report ([`crate::analysis::leaks`]) over every loaded snapshot,
//! oldest first, the newest being the one whose objects are shown — or over the snapshots it was
//! focused on (the Demo tutorial's three dumps, opened next to other files), while two of them
//! remain loaded.
//!
//! The report is computed on a worker thread and carries the ids of the snapshots it was
//! computed for; when the loaded set changes, a new one is started and the old one is no longer
//! shown. Selecting a suspect selects its holder in the newest snapshot (the Retainers pane
//! follows); its context menu reveals it in the Summary or opens the Comparison of the first
//! and newest snapshots; expanding it lists the classes it added, then their instances.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use egui::{Color32, Pos2, RichText, Stroke, Ui, vec2};

use super::app::{App, Command, Item, SnapshotId, View};
use crate::analysis::Analysis;
use crate::analysis::format::{bytes, count, signed_bytes};
use crate::analysis::leaks::{LeakReport, LeakSession, Suspect};

/// The report for one list of snapshots, or why there is none.
type Outcome = Result<Arc<LeakReport>, String>;

#[derive(Default)]
pub struct LeaksView {
    /// The snapshots (oldest first) and the finished report for them.
    done: Option<(Vec<SnapshotId>, Outcome)>,
    job: Option<(Vec<SnapshotId>, Receiver<Outcome>)>,
    /// Expanded suspects and added classes: (suspect index, class index or usize::MAX).
    expanded: Vec<(usize, usize)>,
    /// The snapshots chosen for the report; `None`: every loaded one.
    focus: Option<Vec<SnapshotId>>,
}

impl LeaksView {
    pub fn new() -> LeaksView {
        LeaksView::default()
    }

    /// The report for exactly these snapshots, if finished.
    pub fn report_for(&self, ids: &[SnapshotId]) -> Option<&Outcome> {
        self.done.as_ref().filter(|(d, _)| d == ids).map(|(_, r)| r)
    }

    pub fn is_busy(&self) -> bool {
        self.job.is_some()
    }

    /// Reports over these snapshots only (others stay loaded), until [`LeaksView::unfocus`].
    pub fn focus(&mut self, ids: Vec<SnapshotId>) {
        self.focus = Some(ids);
    }

    /// Reports over every loaded snapshot again.
    pub fn unfocus(&mut self) {
        self.focus = None;
    }

    /// Starts the report for `snapshots` unless it is done or under way; collects a finished one.
    pub fn ensure(&mut self, snapshots: Vec<(SnapshotId, String, Arc<Analysis>)>, ctx: &egui::Context) {
        let ids: Vec<SnapshotId> = snapshots.iter().map(|s| s.0).collect();
        if let Some((job_ids, rx)) = &self.job {
            match rx.try_recv() {
                Ok(outcome) => {
                    self.done = Some((job_ids.clone(), outcome));
                    self.job = None;
                    self.expanded.clear();
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    self.done = Some((job_ids.clone(), Err("the leak report failed unexpectedly".into())));
                    self.job = None;
                }
            }
        }
        let current = self.done.as_ref().is_some_and(|(d, _)| *d == ids);
        let running = self.job.as_ref().is_some_and(|(j, _)| *j == ids);
        if current || running || ids.len() < 2 {
            return;
        }
        let (tx, rx) = channel();
        let ctx = ctx.clone();
        std::thread::Builder::new()
            .name("leak report".into())
            .spawn(move || {
                let _ = tx.send(compute(&snapshots));
                ctx.request_repaint();
            })
            .map_err(|e| eprintln!("heapscope: cannot start the leak report thread: {e}"))
            .ok();
        self.job = Some((ids, rx));
    }

    /// Waits for the report (tests).
    pub fn wait(&mut self) {
        if let Some((ids, rx)) = self.job.take() {
            let outcome = rx.recv().unwrap_or_else(|_| Err("the leak report failed unexpectedly".into()));
            self.done = Some((ids, outcome));
        }
    }
}

fn compute(snapshots: &[(SnapshotId, String, Arc<Analysis>)]) -> Outcome {
    let Some(((_, last_title, last), rest)) = snapshots.split_last() else {
        return Err("no snapshot".into());
    };
    let mut session = LeakSession::new();
    for (_, title, a) in rest {
        session.push(a.retained_view(), title);
    }
    let mut again = |k: usize, visit: &mut dyn FnMut(&crate::snapshot::HeapSnapshot)| {
        visit(&rest[k].2.snapshot);
        Ok(())
    };
    session.finish(last, last_title, &mut again).map(Arc::new).map_err(|e| e.to_string())
}

/// The snapshots the report is over, oldest first, as it takes them: the focused ones while two
/// of them are loaded, else every loaded one.
pub fn inputs(app: &App) -> Vec<(SnapshotId, String, Arc<Analysis>)> {
    let all = app.snapshots.iter().map(|s| (s.id, s.title.clone(), s.analysis.clone()));
    if let Some(focus) = &app.leaks.focus {
        let chosen: Vec<_> = all.clone().filter(|s| focus.contains(&s.0)).collect();
        if chosen.len() >= 2 {
            return chosen;
        }
    }
    all.collect()
}

/// A small line chart of the retained size per snapshot.
fn sparkline(ui: &mut Ui, s: &Suspect) {
    let (rect, resp) = ui.allocate_exact_size(vec2(90.0, 26.0), egui::Sense::hover());
    let max = s.retained_size.iter().flatten().copied().max().unwrap_or(1).max(1) as f32;
    let n = s.retained_size.len().max(2) as f32;
    let pts: Vec<Pos2> = s
        .retained_size
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            v.map(|v| {
                Pos2::new(
                    rect.left() + 4.0 + (rect.width() - 8.0) * i as f32 / (n - 1.0),
                    rect.bottom() - 3.0 - (rect.height() - 6.0) * v as f32 / max,
                )
            })
        })
        .collect();
    let color = Color32::from_rgb(220, 90, 70);
    let painter = ui.painter_at(rect);
    painter.line_segment([rect.left_bottom(), rect.right_bottom()], Stroke::new(1.0, ui.visuals().weak_text_color()));
    if pts.len() > 1 {
        painter.add(egui::Shape::line(pts.clone(), Stroke::new(1.5, color)));
    }
    for p in pts {
        painter.circle_filled(p, 2.5, color);
    }
    let series: Vec<String> = s.retained_size.iter().map(|r| r.map_or("-".into(), |b| bytes(b as f64))).collect();
    resp.on_hover_text(format!("Retained size per snapshot: {}", series.join(" -> ")));
}

pub fn leaks_ui(app: &mut App, ui: &mut Ui) {
    let snapshots = inputs(app);
    let ids: Vec<SnapshotId> = snapshots.iter().map(|s| s.0).collect();
    let (first, last) = (ids.first().copied(), ids.last().copied());
    let ctx = ui.ctx().clone();
    app.leaks.ensure(snapshots, &ctx);
    ui.heading("Leaks");
    if ids.len() >= 2 && ids.len() < app.snapshots.len() {
        // Focused on some of the loaded snapshots: say which, and offer all of them.
        let titles: Vec<String> = ids.iter().filter_map(|&i| app.loaded(i).map(|s| s.title.clone())).collect();
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("Over {}", titles.join(", "))).weak());
            if ui.small_button("Use all loaded snapshots").clicked() {
                app.leaks.unfocus();
            }
        });
    }
    if ids.len() < 2 {
        ui.label(
            "Load two or more snapshots of one process, taken after the same workload, to see what keeps growing.",
        );
        return;
    }
    let Some(outcome) = app.leaks.report_for(&ids).cloned() else {
        super::rows::busy_ui(ui, "finding leaks");
        ctx.request_repaint_after(std::time::Duration::from_millis(100));
        return;
    };
    let report = match outcome {
        Ok(r) => r,
        Err(e) => {
            ui.label(RichText::new(e).color(ui.visuals().error_fg_color));
            return;
        }
    };
    let (Some(first), Some(last)) = (first, last) else { return };
    if let Some(note) = report.identity_note() {
        ui.label(RichText::new(note).weak());
    }
    if report.needs_third_snapshot() {
        ui.label(
            RichText::new("Two snapshots: growth that happened once cannot be told from a leak. A third snapshot after the same workload would.")
                .weak(),
        );
    }
    if report.suspects.is_empty() {
        ui.label(report.no_suspects_text());
        return;
    }
    let selected = match &app.selection {
        Some(Item::Node { snapshot, node }) if *snapshot == last => Some(*node),
        _ => None,
    };
    let mut commands = Vec::new();
    super::export::export_menu_ui(ui, "Leak suspects", || super::export::leaks_table(&report), &mut commands);
    let mut toggles = Vec::new();
    // The holder's column takes what the three number columns leave; its kind and path wrap
    // under it, so nothing is cut off in a narrow window.
    let holder_width = (ui.available_width() - 330.0).clamp(220.0, 640.0);
    egui::ScrollArea::both().auto_shrink([false, false]).show(ui, |ui| {
        egui::Grid::new("leaks").striped(true).num_columns(4).spacing(vec2(14.0, 6.0)).show(ui, |ui| {
            ui.label(RichText::new("Holder, kind, path to a root").strong());
            ui.label(RichText::new("Retained").strong()).on_hover_text("Retained size per snapshot, oldest first");
            ui.label(RichText::new("Growth").strong());
            ui.label(RichText::new("Added").strong());
            ui.end_row();
            for (i, s) in report.suspects.iter().enumerate() {
                let open = app.leaks.expanded.contains(&(i, usize::MAX));
                // The edge that holds it where one names it (`loginUsers  Object @82201`); else the
                // class alone (`HTMLDocument @72571`, not the class twice).
                let label = match s.named_edge() {
                    Some(edge) => format!("{edge}  {} @{}", s.class_name, s.holder_id),
                    None => format!("{} @{}", s.class_name, s.holder_id),
                };
                ui.vertical(|ui| {
                    ui.set_width(holder_width);
                    let resp =
                        ui.add(egui::Button::selectable(selected == Some(s.holder), RichText::new(label).strong()));
                    let item = Item::Node { snapshot: last, node: s.holder };
                    if resp.clicked() {
                        commands.push(Command::Select(item.clone()));
                    }
                    resp.context_menu(|ui| {
                        if ui.button("Reveal in Summary").clicked() {
                            commands.push(Command::RevealInSummary(item.clone()));
                            ui.close();
                        }
                        if ui.button("Show in Comparison").clicked() {
                            commands.push(Command::SelectSnapshot(last));
                            commands.push(Command::SetBase(first));
                            commands.push(Command::SetView(View::Comparison));
                            commands.push(Command::Select(item.clone()));
                            ui.close();
                        }
                        if ui.button("Path to GC root").clicked() {
                            commands.push(Command::PathToRoot(item.clone()));
                            ui.close();
                        }
                    });
                    let path = format!("{} · {}", s.kind.as_str(), s.path.join(" <- "));
                    ui.add(egui::Label::new(RichText::new(path).monospace().weak()).wrap());
                    if !s.within.is_empty() {
                        let within = format!("grows in: {}", s.within.join(" -> "));
                        ui.add(egui::Label::new(RichText::new(within).monospace().weak()).wrap());
                    }
                });
                sparkline(ui, s);
                ui.label(signed_bytes(s.growth));
                // The added objects expand into their classes.
                let arrow = if open { "⏷" } else { "⏵" };
                if ui.small_button(format!("{arrow} {} ({})", count(s.added), bytes(s.added_size as f64))).clicked() {
                    toggles.push((i, usize::MAX));
                }
                ui.end_row();
                if !open {
                    continue;
                }
                for (k, c) in s.top_classes.iter().enumerate() {
                    let copen = app.leaks.expanded.contains(&(i, k));
                    ui.horizontal(|ui| {
                        ui.add_space(24.0);
                        let arrow = if copen { "⏷" } else { "⏵" };
                        if ui.small_button(format!("{arrow} {}", c.name)).clicked() {
                            toggles.push((i, k));
                        }
                    });
                    ui.label("");
                    ui.label("");
                    ui.label(format!("{} ({})", count(c.added), bytes(c.size as f64)));
                    ui.end_row();
                    if !copen {
                        continue;
                    }
                    let Some(a) = app.loaded(last).map(|l| l.analysis.clone()) else { continue };
                    for &n in c.instances.iter().take(50) {
                        ui.horizontal(|ui| {
                            ui.add_space(56.0);
                            let item = Item::Node { snapshot: last, node: n };
                            let resp = ui.add(egui::Button::selectable(
                                selected == Some(n),
                                format!("{} @{}", a.class_name(n), a.snapshot.node_id(n)),
                            ));
                            if resp.clicked() {
                                commands.push(Command::Select(item.clone()));
                            }
                            resp.context_menu(|ui| {
                                if ui.button("Reveal in Summary").clicked() {
                                    commands.push(Command::RevealInSummary(item.clone()));
                                    ui.close();
                                }
                            });
                        });
                        ui.label("");
                        ui.label("");
                        ui.label(bytes(a.retained_size[n as usize] as f64));
                        ui.end_row();
                    }
                }
            }
        });
    });
    for t in toggles {
        if let Some(p) = app.leaks.expanded.iter().position(|e| *e == t) {
            app.leaks.expanded.remove(p);
        } else {
            app.leaks.expanded.push(t);
        }
    }
    for c in commands {
        app.push(c);
    }
}
