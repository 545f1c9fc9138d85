//! The Attach… dialog (issue 12, the window part): local Node/Electron processes and the targets
//! of inspector addresses the user adds; attaching to one, taking snapshots (once or every N s)
//! into a folder the user sees and can change, and detaching.
//!
//! The view keeps view state only. Listing processes, asking an inspector for its targets and the
//! session itself run on worker threads (`crate::capture` does the work); every answer carries
//! what it was computed for (the listing's generation, the address, the session's id), and an
//! answer for something that is no longer shown is dropped.
//!
//! Each snapshot is loaded while it is received: the dialog makes a `capture::stream` pipe, gives
//! its sink to the session's worker (which writes every chunk to the file and to the sink) and its
//! reader to the app's loader ([`App::open_capture`]), so the snapshot is in the sidebar, loading,
//! from the first chunk, and its Summary is ready soon after the last one, without reading the
//! file again. If the capture fails, the reader fails, and neither a file nor a snapshot is left;
//! the dialog says why.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use egui::{Color32, RichText, Ui};

use super::app::App;
use crate::analysis::format::bytes;
use crate::capture::stream::{ChunkReader, ChunkSink};
use crate::capture::{self, CaptureProgress, NodeProcess, Options, Target, targets::TargetInfo};

/// What the user picked in the lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    Pid(u32),
    Ws { url: String, title: String },
}

/// What the session's worker reports.
enum Event {
    Attached { title: String, opened_inspector: bool },
    Progress(CaptureProgress),
    Taken(Result<(PathBuf, capture::Route), String>),
    Detached(Result<(), String>),
    Failed(String),
}

enum Request {
    Take { dest: PathBuf, cancel: Arc<AtomicBool>, sink: ChunkSink },
    Detach,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SessionState {
    Attaching,
    Ready,
    Taking { done: u64, total: u64, received: u64, written_by_process: bool },
    Detaching,
}

/// One attach: the worker's channels and what the dialog shows of it.
pub struct Session {
    /// Identity of this attach; events of an older one are dropped.
    pub id: u64,
    pub label: String,
    pub title: String,
    pub opened_inspector: bool,
    pub state: SessionState,
    requests: Sender<Request>,
    events: Receiver<(u64, Event)>,
    cancel: Option<Arc<AtomicBool>>,
    /// "Every N s": the next snapshot's time.
    next_at: Option<Instant>,
}

/// A process listing and the generation it was asked for.
type Listing = (u64, Vec<NodeProcess>);
/// An inspector address's targets, or why there are none.
pub type Targets = Result<Vec<TargetInfo>, String>;

/// The dialog's state (open or not: a session and its schedule go on while it is closed).
pub struct AttachDialog {
    pub open: bool,
    pub processes: Vec<NodeProcess>,
    listing: Option<(u64, Receiver<Listing>)>,
    listing_generation: u64,
    /// The HOST:PORT field.
    pub address: String,
    pub allow_remote: bool,
    /// Added inspector addresses and their targets (or why there are none).
    pub addresses: Vec<(String, Option<Targets>)>,
    address_jobs: Vec<Receiver<(String, Targets)>>,
    pub choice: Option<Choice>,
    /// The folder snapshots are saved in (editable).
    pub folder: String,
    pub every: bool,
    pub every_secs: u32,
    pub session: Option<Session>,
    next_session: u64,
    /// The last error, shown in the dialog until the next action.
    pub error: Option<String>,
    /// The last snapshot saved (its load shows in the dialog until it is done), and how it came
    /// (with the reason when a process by pid could not write it itself).
    pub last_saved: Option<(PathBuf, capture::Route)>,
    pub saved_count: usize,
    /// A short confirmation ("Detached from …"), until the next attach.
    pub notice: Option<String>,
    /// Snapshots being taken whose load the app has not started yet: the file they will be
    /// saved as and the reader of their chunks.
    to_load: Vec<(PathBuf, ChunkReader)>,
    /// The app's load job of the last snapshot taken (its progress and Cancel show here).
    pub load_job: Option<u64>,
}

impl Default for AttachDialog {
    fn default() -> Self {
        AttachDialog {
            open: false,
            processes: Vec::new(),
            listing: None,
            listing_generation: 0,
            address: String::new(),
            allow_remote: false,
            addresses: Vec::new(),
            address_jobs: Vec::new(),
            choice: None,
            folder: default_folder().display().to_string(),
            every: false,
            every_secs: 60,
            session: None,
            next_session: 1,
            error: None,
            last_saved: None,
            saved_count: 0,
            notice: None,
            to_load: Vec::new(),
            load_job: None,
        }
    }
}

/// `$XDG_DATA_HOME/heapscope/captures`, else `~/.local/share/heapscope/captures`.
pub fn default_folder() -> PathBuf {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir);
    data.join("heapscope/captures")
}

impl AttachDialog {
    /// Opens the dialog and lists the processes anew.
    pub fn show_dialog(&mut self, ctx: &egui::Context) {
        self.open = true;
        self.refresh(ctx);
    }

    /// Lists local Node/Electron processes on a worker thread.
    pub fn refresh(&mut self, ctx: &egui::Context) {
        self.listing_generation += 1;
        let generation = self.listing_generation;
        let (tx, rx) = channel();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let _ = tx.send((generation, capture::list_node_processes()));
            ctx.request_repaint();
        });
        self.listing = Some((generation, rx));
    }

    /// Whether background work is under way (tests wait for it).
    pub fn is_busy(&self) -> bool {
        self.listing.is_some()
            || !self.address_jobs.is_empty()
            || self.session.as_ref().is_some_and(|s| s.state != SessionState::Ready)
    }

    fn options(&self) -> Options {
        Options { allow_remote: self.allow_remote, ..Options::default() }
    }

    fn add_address(&mut self, ctx: &egui::Context) {
        let addr = self.address.trim().to_string();
        if addr.is_empty() {
            return;
        }
        self.error = None;
        self.addresses.retain(|(a, _)| *a != addr);
        self.address.clear();
        self.addresses.push((addr.clone(), None));
        let (tx, rx) = channel();
        let (ctx, options) = (ctx.clone(), self.options());
        std::thread::spawn(move || {
            let result = capture::list_targets(&addr, &options).map_err(|e| e.to_string());
            let _ = tx.send((addr, result));
            ctx.request_repaint();
        });
        self.address_jobs.push(rx);
    }

    fn attach(&mut self, choice: Choice, ctx: &egui::Context) {
        self.error = None;
        self.notice = None;
        let (target, label) = match &choice {
            Choice::Pid(pid) => (Target::Pid(*pid), format!("process {pid}")),
            Choice::Ws { url, title } => (Target::Ws(url.clone()), title.clone()),
        };
        let id = self.next_session;
        self.next_session += 1;
        let (req_tx, req_rx) = channel();
        let (ev_tx, ev_rx) = channel();
        let (ctx, options) = (ctx.clone(), self.options());
        std::thread::spawn(move || worker(id, target, options, req_rx, ev_tx, ctx));
        self.session = Some(Session {
            id,
            label,
            title: String::new(),
            opened_inspector: false,
            state: SessionState::Attaching,
            requests: req_tx,
            events: ev_rx,
            cancel: None,
            next_at: None,
        });
    }

    fn take(&mut self) {
        let folder = PathBuf::from(self.folder.trim());
        let Some(s) = self.session.as_mut().filter(|s| s.state == SessionState::Ready) else { return };
        if let Err(e) = std::fs::create_dir_all(&folder) {
            self.error = Some(format!("cannot create the folder {}: {e}", folder.display()));
            self.every = false;
            return;
        }
        self.error = None;
        let dest = capture::timestamped(&folder, &capture::short_name(&s.title));
        let cancel = Arc::new(AtomicBool::new(false));
        let (sink, reader) = capture::stream::pipe();
        if s.requests.send(Request::Take { dest: dest.clone(), cancel: cancel.clone(), sink }).is_ok() {
            s.state = SessionState::Taking { done: 0, total: 0, received: 0, written_by_process: false };
            s.cancel = Some(cancel);
            self.to_load.push((dest, reader));
        }
    }

    fn detach(&mut self) {
        self.every = false;
        if let Some(s) = self.session.as_mut() {
            if let Some(c) = &s.cancel {
                c.store(true, Ordering::Relaxed);
            }
            let _ = s.requests.send(Request::Detach);
            s.state = SessionState::Detaching;
        }
    }

    /// The window is closing: detach (closing an inspector we opened) and wait for it, at most
    /// `wait` — a snapshot being taken is cancelled first.
    pub fn shutdown(&mut self, wait: Duration) {
        let Some(s) = self.session.take() else { return };
        if let Some(c) = &s.cancel {
            c.store(true, Ordering::Relaxed);
        }
        let _ = s.requests.send(Request::Detach);
        let deadline = Instant::now() + wait;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match s.events.recv_timeout(left) {
                Ok((_, Event::Detached(_) | Event::Failed(_))) | Err(_) => return,
                Ok(_) => {}
            }
        }
    }

    /// Takes the worker's answers.
    fn poll(&mut self, ctx: &egui::Context) {
        if let Some((generation, rx)) = &self.listing
            && let Ok((g, list)) = rx.try_recv()
        {
            if g == *generation {
                self.processes = list;
            }
            self.listing = None;
        }
        let mut answered = Vec::new();
        self.address_jobs.retain(|rx| match rx.try_recv() {
            Ok(a) => {
                answered.push(a);
                false
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => true,
            Err(_) => false,
        });
        for (addr, result) in answered {
            // Only for an address still in the list.
            if let Some(slot) = self.addresses.iter_mut().find(|(a, _)| *a == addr) {
                if let Err(e) = &result {
                    self.error = Some(e.clone());
                }
                slot.1 = Some(result);
            }
        }

        let Some(s) = self.session.as_mut() else { return };
        let mut end = false;
        while let Ok((id, event)) = s.events.try_recv() {
            if id != s.id {
                continue;
            }
            match event {
                Event::Attached { title, opened_inspector } => {
                    // A target chosen by its debugger URL has no title from the engine: the one
                    // its inspector listed (the label) names its files.
                    s.title = if title.is_empty() { s.label.clone() } else { title };
                    s.opened_inspector = opened_inspector;
                    s.state = SessionState::Ready;
                }
                Event::Progress(p) => {
                    if let SessionState::Taking { done, total, received, written_by_process } = &mut s.state {
                        match p {
                            // A process by pid that could not write its snapshot itself is then
                            // taken over the inspector: the last kind of progress says which.
                            CaptureProgress::Taking { done: d, total: t } => {
                                (*done, *total, *written_by_process) = (d, t, false)
                            }
                            CaptureProgress::Receiving { bytes } => (*received, *written_by_process) = (bytes, false),
                            CaptureProgress::Writing { bytes } => (*received, *written_by_process) = (bytes, true),
                        }
                    }
                }
                Event::Taken(result) => {
                    s.cancel = None;
                    if s.state != SessionState::Detaching {
                        s.state = SessionState::Ready;
                    }
                    match result {
                        // Its load, started with the capture, now reads the last chunks.
                        Ok(saved) => {
                            self.saved_count += 1;
                            self.last_saved = Some(saved);
                        }
                        Err(e) => {
                            self.error = Some(e);
                            self.every = false;
                        }
                    }
                }
                Event::Detached(result) => {
                    if let Err(e) = result {
                        self.error = Some(format!("detaching: {e}"));
                    }
                    end = true;
                }
                Event::Failed(e) => {
                    self.error = Some(e);
                    self.every = false;
                    end = true;
                }
            }
        }
        if end {
            if self.error.is_none() {
                self.notice = Some(format!("Detached from {}; the process keeps running.", s.label));
            }
            self.session = None;
            // The processes' inspectors may have changed (closed again).
            self.refresh(ctx);
            return;
        }
        // Every N s: due snapshots start when the previous one is done.
        if self.every {
            let period = Duration::from_secs(u64::from(self.every_secs.max(1)));
            let now = Instant::now();
            let due = s.next_at.is_none_or(|t| now >= t);
            if s.state == SessionState::Ready && due {
                s.next_at = Some(now + period);
                self.take();
            } else if let Some(t) = s.next_at {
                ctx.request_repaint_after(t.saturating_duration_since(now));
            }
        } else {
            s.next_at = None;
        }
    }
}

/// The session's worker: attach, take snapshots on request, detach when asked (or when the
/// window drops the session).
fn worker(
    id: u64,
    target: Target,
    options: Options,
    requests: Receiver<Request>,
    events: Sender<(u64, Event)>,
    ctx: egui::Context,
) {
    let send = |e: Event| {
        let _ = events.send((id, e));
        ctx.request_repaint();
    };
    let mut attached = match capture::attach(&target, &options) {
        Ok(a) => a,
        Err(e) => return send(Event::Failed(e.to_string())),
    };
    send(Event::Attached {
        title: attached.title().to_string(),
        opened_inspector: attached.opened_inspector().is_some(),
    });
    let mut last_repaint = Instant::now();
    while let Ok(Request::Take { dest, cancel, sink }) = requests.recv() {
        let result = attached.take_streaming(
            &dest,
            &mut |p| {
                let _ = events.send((id, Event::Progress(p)));
                // Ten repaints a second move the bar; each chunk would be far more.
                if last_repaint.elapsed() > Duration::from_millis(100) {
                    last_repaint = Instant::now();
                    ctx.request_repaint();
                }
            },
            &cancel,
            sink,
        );
        match result {
            Ok(c) => send(Event::Taken(Ok((c.path, c.route)))),
            // The session is unusable after a failed or cancelled snapshot (V8 may still be
            // sending it): end it, closing an inspector we opened, and say so.
            Err(e) => {
                send(Event::Taken(Err(format!("{e}; the session ended, attach again to take more"))));
                break;
            }
        }
    }
    let opened = attached.opened_inspector();
    let mut result = attached.detach().map(|_| ());
    // After a cancelled or failed snapshot V8 may still be busy writing it and not answer for a
    // while: keep asking the inspector we opened to close (the CLI's Ctrl-C does the same), so
    // the process is left as it was.
    if let (Err(_), Some((pid, ws_url))) = (&result, opened) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while result.is_err() && Instant::now() < deadline && capture::pid::alive(pid) {
            std::thread::sleep(Duration::from_millis(200));
            result = match capture::close_opened_inspector(pid, &ws_url) {
                // Nothing listens there any more: closed already.
                Ok(_) | Err(capture::CaptureError::ConnectionRefused(_)) => Ok(()),
                Err(e) => Err(e),
            };
        }
    }
    send(Event::Detached(result.map_err(|e| e.to_string())));
}

/// Draws the dialog (when open) and hands snapshots being taken to the app's loader.
pub fn attach_ui(app: &mut App, ctx: &egui::Context) {
    let mut dialog = std::mem::take(&mut app.attach);
    dialog.poll(ctx);
    for (dest, reader) in dialog.to_load.drain(..) {
        dialog.load_job = Some(app.open_capture(dest, reader, ctx));
    }
    if dialog.open {
        let loading = dialog.load_job.and_then(|id| app.jobs.iter().find(|j| j.id == id)).map(|j| (j.id, j.status()));
        let loaded = dialog.last_saved.as_ref().and_then(|(p, _)| app.snapshots.iter().find(|s| &s.path == p));
        let loaded = loaded.map(|s| s.title.clone());
        let mut open = true;
        let mut cancel_load = None;
        egui::Window::new("Attach to a process")
            .open(&mut open)
            .default_width(640.0)
            // Below the toolbar, right of the sidebar: Open…/Attach… and the snapshots stay visible.
            .default_pos([240.0, 60.0])
            .default_height(480.0)
            .show(ctx, |ui| dialog_ui(&mut dialog, ui, loading, loaded, &mut cancel_load));
        dialog.open = open;
        if let Some(id) = cancel_load {
            app.push(super::app::Command::CancelLoad(id));
        }
    }
    if dialog.is_busy() {
        ctx.request_repaint_after(Duration::from_millis(250));
    }
    app.attach = dialog;
}

fn dialog_ui(
    d: &mut AttachDialog,
    ui: &mut Ui,
    loading: Option<(u64, (&'static str, f32))>,
    loaded: Option<String>,
    cancel_load: &mut Option<u64>,
) {
    let ctx = ui.ctx().clone();
    if let Some(e) = &d.error {
        ui.label(RichText::new(format!("⚠ {e}")).color(Color32::from_rgb(220, 80, 70)));
        ui.separator();
    }
    if let Some(n) = &d.notice
        && d.session.is_none()
    {
        ui.label(RichText::new(n).strong());
        ui.separator();
    }
    if d.session.is_some() {
        session_ui(d, ui, loading, loaded, cancel_load);
        return;
    }

    ui.horizontal(|ui| {
        ui.strong("Node.js and Electron processes");
        if d.listing.is_some() {
            ui.spinner();
        } else if ui.small_button("Refresh").clicked() {
            d.refresh(&ctx);
        }
    });
    egui::ScrollArea::vertical().id_salt("processes").max_height(200.0).show(ui, |ui| {
        if d.processes.is_empty() && d.listing.is_none() {
            ui.label(RichText::new("No Node.js or Electron process of yours is running.").weak());
        }
        egui::Grid::new("process_grid").striped(true).num_columns(3).show(ui, |ui| {
            if !d.processes.is_empty() {
                ui.label(RichText::new("PID").weak());
                ui.label(RichText::new("Inspector").weak());
                ui.label(RichText::new("Command line").weak());
                ui.end_row();
            }
            for p in &d.processes {
                let chosen = d.choice == Some(Choice::Pid(p.pid));
                if ui.selectable_label(chosen, p.pid.to_string()).clicked() {
                    d.choice = Some(Choice::Pid(p.pid));
                }
                match &p.inspector {
                    Some(a) => ui.label(format!("open on {a}")),
                    None if p.unlisted => ui.label("open, address unlisted").on_hover_text(
                        "Started with --inspect-publish-uid without http: add the ws:// address it printed on \
                         its stderr below",
                    ),
                    None => ui
                        .label(RichText::new("no inspector").weak())
                        .on_hover_text("Attaching opens it (SIGUSR1) and Detach closes it again"),
                };
                let mut command = p.command.clone();
                if command.chars().count() > 90 {
                    command = command.chars().take(89).collect::<String>() + "…";
                }
                ui.label(RichText::new(command).monospace()).on_hover_text(&p.command);
                ui.end_row();
            }
        });
    });
    ui.separator();

    ui.strong("Inspector addresses (node --inspect, chrome --remote-debugging-port, or a ws:// address)");
    ui.horizontal(|ui| {
        ui.label("HOST:PORT or ws://");
        let field = ui.add(egui::TextEdit::singleline(&mut d.address).hint_text("127.0.0.1:9229").desired_width(240.0));
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.button("Add").clicked() || enter {
            d.add_address(&ctx);
        }
        ui.checkbox(&mut d.allow_remote, "allow remote");
    });
    if d.allow_remote {
        ui.label(
            RichText::new("⚠ An inspector gives whoever connects full control of the process: only connect to hosts you trust, over a trusted network.")
                .color(Color32::from_rgb(220, 160, 0)),
        );
    }
    let mut remove = None;
    for (i, (addr, result)) in d.addresses.iter().enumerate() {
        ui.horizontal(|ui| {
            ui.label(RichText::new(addr).strong());
            if ui.small_button("×").on_hover_text("Remove this address").clicked() {
                remove = Some(i);
            }
        });
        match result {
            None => {
                ui.spinner();
            }
            Some(Err(e)) => {
                ui.label(RichText::new(e).color(Color32::from_rgb(220, 80, 70)));
            }
            Some(Ok(list)) if list.is_empty() => {
                ui.label(RichText::new("no debuggable target").weak());
            }
            Some(Ok(list)) => {
                for t in list {
                    let c = Choice::Ws { url: t.ws_url.clone(), title: t.title.clone() };
                    let text = format!("{} {} {}", t.kind, t.title, t.url);
                    if ui.selectable_label(d.choice.as_ref() == Some(&c), text).clicked() {
                        d.choice = Some(c);
                    }
                }
            }
        }
    }
    if let Some(i) = remove {
        d.addresses.remove(i);
    }
    ui.separator();
    ui.horizontal(|ui| {
        let resp = ui.add_enabled(d.choice.is_some(), egui::Button::new("Attach"));
        if resp.clicked()
            && let Some(c) = d.choice.clone()
        {
            d.attach(c, &ctx);
        }
        if d.choice.is_none() {
            ui.label(RichText::new("Choose a process or a target above.").weak());
        }
    });
}

fn session_ui(
    d: &mut AttachDialog,
    ui: &mut Ui,
    loading: Option<(u64, (&'static str, f32))>,
    loaded: Option<String>,
    cancel_load: &mut Option<u64>,
) {
    let Some(s) = d.session.as_ref() else { return };
    let state = s.state.clone();
    let name =
        if s.title.is_empty() || s.title == s.label { s.label.clone() } else { format!("{} ({})", s.title, s.label) };
    match state {
        SessionState::Attaching => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!("Attaching to {}…", s.label));
            });
            return;
        }
        SessionState::Detaching => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!("Detaching from {name}…"));
            });
            return;
        }
        _ => {}
    }
    ui.label(RichText::new(format!("Attached to {name}")).strong());
    if s.opened_inspector {
        ui.label(RichText::new("Heapscope opened its inspector; Detach closes it again.").weak());
    }
    ui.horizontal(|ui| {
        ui.label("Save in");
        ui.add(egui::TextEdit::singleline(&mut d.folder).desired_width(420.0));
    });
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let idle = state == SessionState::Ready;
        if ui.add_enabled(idle, egui::Button::new("Take snapshot")).clicked() {
            d.take();
        }
        ui.checkbox(&mut d.every, "Every");
        ui.add(egui::DragValue::new(&mut d.every_secs).range(1..=86_400).suffix(" s"));
        ui.separator();
        if ui.button("Detach").on_hover_text("End the session; the process keeps running").clicked() {
            d.detach();
        }
    });
    if let SessionState::Taking { done, total, received, written_by_process } = state {
        ui.horizontal(|ui| {
            let (fraction, text) = if written_by_process && received == 0 {
                (0.0, "the process is writing its snapshot…".to_string())
            } else if written_by_process {
                (1.0, format!("the process has written {}, loading it as it is written", bytes(received as f64)))
            } else if received > 0 {
                (1.0, format!("receiving {}, loading it as it arrives", bytes(received as f64)))
            } else if total > 0 && done >= total {
                (1.0, "V8 is writing the snapshot…".to_string())
            } else if total > 0 {
                (
                    done as f32 / total as f32,
                    format!("V8 is taking the snapshot {:.0}%", 100.0 * done as f32 / total as f32),
                )
            } else {
                (0.0, "V8 is taking the snapshot…".to_string())
            };
            // Nothing to count yet (the process builds its graph, or V8 sent no progress): a
            // moving bar says it is at work.
            let waiting = received == 0 && (written_by_process || total == 0);
            ui.add(egui::ProgressBar::new(fraction).text(text).desired_width(360.0).animate(waiting));
            // Named for what it stops: the sidebar's Cancel of the load fed by this capture is
            // on screen at the same time.
            if ui.button("Cancel snapshot").on_hover_text("Stop taking this snapshot; no file is written").clicked()
                && let Some(c) = d.session.as_ref().and_then(|s| s.cancel.as_ref())
            {
                c.store(true, Ordering::Relaxed);
            }
        });
    } else if let Some((id, (phase, fraction))) = loading {
        ui.horizontal(|ui| {
            ui.add(
                egui::ProgressBar::new(fraction)
                    .text(format!("loading: {phase} {:.0}%", fraction * 100.0))
                    .desired_width(360.0),
            );
            if ui.button("Cancel").clicked() {
                *cancel_load = Some(id);
            }
        });
    }
    if let Some((p, route)) = &d.last_saved {
        let what = match &loaded {
            Some(title) => format!("{title} loaded"),
            None => "saved".into(),
        };
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        ui.label(format!("{} snapshot(s) taken; last: {name} ({what}, {})", d.saved_count, route.label()))
            .on_hover_text(p.display().to_string());
        if let capture::Route::Inspector { declined: Some(why) } = route {
            ui.label(RichText::new(format!("Taken over the inspector: {why}")).weak());
        }
    }
    if d.every && state == SessionState::Ready {
        ui.label(RichText::new(format!("Next snapshot in {} s at most", d.every_secs)).weak());
    }
}
