//! Open…: the platform's file chooser when there is one, else a file browser in the window.
//!
//! rfd's `xdg-portal` backend asks the desktop's file-chooser portal over D-Bus and falls back
//! to `zenity`; with neither (a plain X11 session: i3, Xfce without the portal) it returns
//! nothing at once, exactly as if the user had cancelled, and the window would seem dead. So
//! the dialog is chosen up front ([`Backend::detect`]) and, when the platform dialog comes back
//! empty sooner than a person can cancel it ([`TOO_FAST_TO_BE_A_USER`]) with no zenity to have
//! shown it, it is taken as a failure: the window says so and opens its own browser
//! (`egui_file`). Only one dialog is open at a time; a click on Open… while one is open says
//! where it is instead of doing nothing.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::{Duration, Instant};

/// An empty answer sooner than this is the platform dialog failing, not a user cancelling.
pub const TOO_FAST_TO_BE_A_USER: Duration = Duration::from_millis(300);

/// Which file dialog Open… shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The platform's (portal, zenity), on its own thread.
    Platform,
    /// The window's own browser: no platform dialog is available (or tests say so).
    InWindow,
}

impl Backend {
    /// The platform dialog where one can appear: on Windows and macOS always; elsewhere when
    /// there is a D-Bus session (the portal) or `zenity` on `PATH`.
    pub fn detect() -> Backend {
        if cfg!(any(target_os = "windows", target_os = "macos"))
            || std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
            || zenity_on_path()
        {
            Backend::Platform
        } else {
            Backend::InWindow
        }
    }
}

fn zenity_on_path() -> bool {
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join("zenity").is_file()))
}

/// What a finished dialog gives the app.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Picked(Vec<PathBuf>),
    Cancelled,
    /// The platform dialog could not be shown: fall back to the window's own.
    PlatformFailed,
}

/// The open dialog, if any.
pub enum OpenDialog {
    Platform(Receiver<Outcome>),
    InWindow(Box<egui_file::FileDialog>),
}

impl OpenDialog {
    /// Starts the platform dialog on its own thread (it blocks); asks for a repaint when it
    /// closes, so the result shows without waiting for the mouse to move.
    pub fn platform(ctx: &egui::Context) -> OpenDialog {
        let (tx, rx) = channel();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let files = rfd::FileDialog::new()
                .set_title("Open heap snapshots")
                .add_filter("Heap snapshots", &["heapsnapshot", "gz"])
                .add_filter("All files", &["*"])
                .pick_files();
            let outcome = match files {
                Some(files) if !files.is_empty() => Outcome::Picked(files),
                _ if started.elapsed() < TOO_FAST_TO_BE_A_USER
                    && !cfg!(any(target_os = "windows", target_os = "macos")) =>
                {
                    Outcome::PlatformFailed
                }
                _ => Outcome::Cancelled,
            };
            let _ = tx.send(outcome);
            ctx.request_repaint();
        });
        OpenDialog::Platform(rx)
    }

    /// The platform's Save dialog (Export's Save…), suggesting `name`; like [`OpenDialog::platform`],
    /// an empty answer sooner than a person can cancel is the dialog failing.
    pub fn platform_save(ctx: &egui::Context, name: &str) -> OpenDialog {
        let (tx, rx) = channel();
        let ctx = ctx.clone();
        let name = name.to_string();
        std::thread::spawn(move || {
            let started = Instant::now();
            let file = rfd::FileDialog::new().set_title("Save").set_file_name(&name).save_file();
            let outcome = match file {
                Some(file) => Outcome::Picked(vec![file]),
                None if started.elapsed() < TOO_FAST_TO_BE_A_USER
                    && !cfg!(any(target_os = "windows", target_os = "macos")) =>
                {
                    Outcome::PlatformFailed
                }
                None => Outcome::Cancelled,
            };
            let _ = tx.send(outcome);
            ctx.request_repaint();
        });
        OpenDialog::Platform(rx)
    }

    /// The window's own Save dialog, in `dir`, suggesting `name`.
    pub fn in_window_save(dir: &Path, name: &str) -> OpenDialog {
        let mut dialog = egui_file::FileDialog::save_file()
            .title("Save")
            .initial_path(dir)
            .default_filename(name)
            .default_size(egui::vec2(560.0, 420.0))
            .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0));
        dialog.open();
        OpenDialog::InWindow(Box::new(dialog))
    }

    /// The window's own browser, opened in `dir`, listing folders and snapshot files.
    pub fn in_window(dir: &Path) -> OpenDialog {
        let mut dialog = egui_file::FileDialog::open_file()
            .title("Open heap snapshots")
            .initial_path(dir)
            .multi_select(true)
            .show_rename(false)
            .show_new_folder(false)
            .show_files_filter(Box::new(|p: &Path| {
                let name = p.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
                name.ends_with(".heapsnapshot") || name.ends_with(".heapsnapshot.gz") || name.ends_with(".gz")
            }))
            .default_size(egui::vec2(560.0, 420.0))
            // In the middle, clear of the toolbar (a second click on Open… must land).
            .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0));
        dialog.open();
        OpenDialog::InWindow(Box::new(dialog))
    }

    /// Shows the in-window browser; returns the outcome once the dialog is done.
    pub fn poll(&mut self, ctx: &egui::Context) -> Option<Outcome> {
        match self {
            OpenDialog::Platform(rx) => match rx.try_recv() {
                Ok(outcome) => Some(outcome),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => Some(Outcome::PlatformFailed),
            },
            OpenDialog::InWindow(dialog) => {
                dialog.show(ctx);
                match dialog.state() {
                    egui_file::State::Open => None,
                    egui_file::State::Selected => {
                        let mut files: Vec<PathBuf> = dialog.selection().into_iter().map(Path::to_path_buf).collect();
                        if files.is_empty() {
                            files.extend(dialog.path().map(Path::to_path_buf));
                        }
                        Some(if files.is_empty() { Outcome::Cancelled } else { Outcome::Picked(files) })
                    }
                    egui_file::State::Cancelled | egui_file::State::Closed => Some(Outcome::Cancelled),
                }
            }
        }
    }
}
