//! The Demo panel: runs the bundled leaking server and the tutorial in this window.

use egui::Ui;

use super::app::App;

#[derive(Default)]
pub struct DemoPanel {}

impl DemoPanel {
    pub fn new() -> DemoPanel {
        DemoPanel::default()
    }

    /// Stops the server (window closing).
    pub fn stop(&mut self) {}
}

pub fn demo_ui(_app: &mut App, ui: &mut Ui) {
    ui.label("The demo server panel is being built.");
}
