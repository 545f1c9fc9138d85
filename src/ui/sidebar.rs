//! The snapshots list (DevTools' profiles sidebar): loaded snapshots with file and heap size,
//! loads in progress with their stage and a Cancel button, failed loads with the reader's
//! message, and recent files.

use egui::{Color32, RichText, Ui};

use super::app::{App, Command};
use crate::analysis::format::bytes;

pub fn sidebar_ui(app: &mut App, ui: &mut Ui) {
    let mut commands = Vec::new();
    ui.heading("Snapshots");
    ui.add_space(4.0);
    egui::ScrollArea::vertical().auto_shrink([false, true]).show(ui, |ui| {
        for s in &app.snapshots {
            let selected = app.current == Some(s.id);
            ui.horizontal(|ui| {
                let title = ui.add(egui::Button::selectable(selected, RichText::new(&s.title).strong()));
                if title.clicked() {
                    commands.push(Command::SelectSnapshot(s.id));
                }
                title.on_hover_text(s.path.display().to_string());
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.small_button("×").on_hover_text("Close this snapshot").clicked() {
                        commands.push(Command::CloseSnapshot(s.id));
                    }
                });
            });
            ui.label(
                RichText::new(format!(
                    "file {} · heap {}",
                    bytes(s.file_size as f64),
                    bytes(s.analysis.total_size() as f64)
                ))
                .weak(),
            );
            ui.add_space(4.0);
        }
        for job in &app.jobs {
            let name = job.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            ui.label(RichText::new(format!("Loading {name}")).strong());
            let (phase, fraction) = job.status();
            ui.add(egui::ProgressBar::new(fraction).text(format!("{phase} {:.0}%", fraction * 100.0)));
            if ui.small_button("Cancel").clicked() {
                commands.push(Command::CancelLoad(job.id));
            }
            ui.add_space(4.0);
        }
        for (i, e) in app.errors.iter().enumerate() {
            let name = e.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            ui.label(RichText::new(format!("Could not load {name}")).color(Color32::from_rgb(220, 80, 70)).strong());
            ui.add(egui::Label::new(RichText::new(&e.message)).wrap().selectable(true));
            if ui.small_button("Dismiss").clicked() {
                commands.push(Command::DismissError(i));
            }
            ui.add_space(4.0);
        }
        // Recent holds resolved paths: compare with the loaded files' resolved paths.
        let loaded: Vec<_> = app.snapshots.iter().map(|s| s.canonical_path.clone()).collect();
        let recent: Vec<_> = app.recent.paths().iter().filter(|p| !loaded.contains(p)).cloned().collect();
        if !recent.is_empty() {
            ui.separator();
            ui.label(RichText::new("Recent").weak());
            for p in recent.iter().take(8) {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                if ui.link(name).on_hover_text(p.display().to_string()).clicked() {
                    commands.push(Command::Open(vec![p.clone()]));
                }
            }
        }
        ui.separator();
        let hover = match &app.index.cache_dir {
            Some(dir) => format!(
                "After a snapshot loads, its columns and results are saved in {} (at most {} in all), \
                 and the next open of the same file reads them instead of parsing it",
                dir.display(),
                bytes(app.index.cache_limit as f64)
            ),
            None => "No cache folder ($XDG_CACHE_HOME or $HOME) is set".to_string(),
        };
        if ui.checkbox(&mut app.use_index, "Keep an index: reopen instantly").on_hover_text(hover).changed() {
            app.recent.save_use_index(app.use_index);
        }
    });
    for c in commands {
        app.push(c);
    }
}
