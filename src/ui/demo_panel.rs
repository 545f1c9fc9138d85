//! The Demo panel: runs the bundled leaking server and the tutorial in this window.
//!
//! The server is a child process (`heapscope demo-server --port 0 --exit-with-stdin`) on
//! 127.0.0.1: it exits when this window closes, and also if this process dies (its stdin closes),
//! so no server is left behind. Every HTTP call runs on a worker thread; the panel shows each
//! step and never blocks the window. **Run the tutorial** takes a snapshot, leaks, snapshots,
//! leaks, snapshots, then opens the Leaks view over the three dumps and selects the first
//! suspect's holder, the object held by `loginUsers` (the Retainers pane follows). The
//! Comparison of the last two, sorted by Size Delta, is computed meanwhile: one click away.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command as Process, Stdio};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use egui::{RichText, Ui};

use super::app::{App, Command, Item, SnapshotId, View};
use crate::analysis::views::SortKey;

const LOG_TAIL: usize = 300;

/// A running server.
struct Server {
    child: Child,
    /// Held open: the server exits when it closes.
    _stdin: Option<ChildStdin>,
    url: Arc<Mutex<Option<String>>>,
}

/// How long a request waits for a just-started server to print its URL (on the worker thread).
const URL_WAIT: Duration = Duration::from_secs(10);

/// Messages from worker threads.
enum Event {
    Step(String),
    Dumped(PathBuf),
    Done(String),
    Failed(String),
}

/// Where the tutorial is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tutorial {
    /// HTTP steps running; dumps arrive as `Dumped`.
    Requests {
        dumps: Vec<PathBuf>,
    },
    /// All dumps written; waiting for them to load.
    Loading {
        dumps: Vec<PathBuf>,
    },
    /// Leaks shown over these snapshots; waiting for the report, then select its first suspect.
    Reporting {
        ids: Vec<SnapshotId>,
    },
    Finished,
}

pub struct DemoPanel {
    server: Option<Server>,
    binary: Option<PathBuf>,
    dump_dir: PathBuf,
    pub leak_times: u32,
    pub leak_count: u32,
    busy: bool,
    steps: Vec<String>,
    tutorial: Option<Tutorial>,
    snapshot_no: u32,
    tx: Sender<Event>,
    rx: Receiver<Event>,
    /// The server's output, kept after Stop (it says what happened).
    log: Arc<Mutex<VecDeque<String>>>,
    pub error: Option<String>,
}

/// Where demo dumps go unless told otherwise: a folder the user can find again
/// (`$XDG_DATA_HOME/heapscope/demo-dumps`, else `~/.local/share/…`), shown in the panel; the
/// temporary folder only when there is no home.
fn default_dump_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .map(|d| d.join("heapscope").join("demo-dumps"))
        .unwrap_or_else(|| std::env::temp_dir().join("heapscope-demo-dumps"))
}

impl Default for DemoPanel {
    fn default() -> Self {
        DemoPanel::new()
    }
}

impl DemoPanel {
    pub fn new() -> DemoPanel {
        let (tx, rx) = channel();
        DemoPanel {
            server: None,
            binary: None,
            dump_dir: default_dump_dir(),
            leak_times: 1,
            leak_count: 100_000,
            busy: false,
            steps: Vec::new(),
            tutorial: None,
            snapshot_no: 0,
            tx,
            rx,
            log: Arc::new(Mutex::new(VecDeque::new())),
            error: None,
        }
    }

    /// The folder the server writes its dumps to.
    pub fn dump_dir(&self) -> &std::path::Path {
        &self.dump_dir
    }

    /// Use this `heapscope` binary for the server (tests run from a test binary).
    pub fn with_binary(mut self, binary: PathBuf, dump_dir: PathBuf) -> DemoPanel {
        self.binary = Some(binary);
        self.dump_dir = dump_dir;
        self
    }

    pub fn url(&self) -> Option<String> {
        self.server.as_ref().and_then(|s| s.url.lock().ok().and_then(|u| u.clone()))
    }

    pub fn is_running(&self) -> bool {
        self.server.is_some()
    }

    /// The tutorial ran to its end (Leaks shown, the first suspect's holder selected).
    pub fn tutorial_finished(&self) -> bool {
        self.tutorial == Some(Tutorial::Finished)
    }

    pub fn is_busy(&self) -> bool {
        self.busy || matches!(&self.tutorial, Some(t) if *t != Tutorial::Finished)
    }

    pub fn steps(&self) -> &[String] {
        &self.steps
    }

    pub fn log_tail(&self) -> Vec<String> {
        self.log.lock().map(|l| l.iter().cloned().collect()).unwrap_or_default()
    }

    pub fn start(&mut self) -> anyhow::Result<()> {
        if self.server.is_some() {
            return Ok(());
        }
        let binary = match &self.binary {
            Some(b) => b.clone(),
            None => std::env::current_exe()?,
        };
        std::fs::create_dir_all(&self.dump_dir)?;
        let mut child = Process::new(binary)
            .args(["demo-server", "--port", "0", "--exit-with-stdin", "--dump-dir"])
            .arg(&self.dump_dir)
            .args(["--leak-count", &self.leak_count.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let url = Arc::new(Mutex::new(None));
        let log = self.log.clone();
        for stream in [
            child.stdout.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child.stderr.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let (url, log) = (url.clone(), log.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(u) = line.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:"))
                        && let Ok(mut slot) = url.lock()
                        && slot.is_none()
                    {
                        *slot = Some(u.to_string());
                    }
                    if let Ok(mut l) = log.lock() {
                        if l.len() == LOG_TAIL {
                            l.pop_front();
                        }
                        l.push_back(line);
                    }
                }
            });
        }
        let stdin = child.stdin.take();
        self.server = Some(Server { child, _stdin: stdin, url });
        self.steps.push("Server started".into());
        Ok(())
    }

    /// Stops the server (also when the window closes).
    pub fn stop(&mut self) {
        if let Some(mut s) = self.server.take() {
            let _ = s.child.kill();
            let _ = s.child.wait();
            self.steps.push("Server stopped".into());
        }
        self.tutorial = None;
        self.busy = false;
    }

    /// Runs `work` on a worker thread once the server has printed its URL: the wait happens
    /// there, so the window never blocks on a server that is still starting.
    fn spawn(&mut self, work: impl FnOnce(&str, &Sender<Event>) -> Result<String, String> + Send + 'static) {
        let Some(slot) = self.server.as_ref().map(|s| s.url.clone()) else {
            self.error = Some("the demo server is not running".into());
            return;
        };
        self.busy = true;
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let url = loop {
                if let Some(u) = slot.lock().ok().and_then(|u| u.clone()) {
                    break Some(u);
                }
                if started.elapsed() > URL_WAIT {
                    break None;
                }
                std::thread::sleep(Duration::from_millis(25));
            };
            let event = match url {
                None => Event::Failed("the demo server did not start (no URL on its stdout)".into()),
                Some(url) => match work(&url, &tx) {
                    Ok(done) => Event::Done(done),
                    Err(e) => Event::Failed(e),
                },
            };
            let _ = tx.send(event);
        });
    }

    pub fn take_snapshot(&mut self) {
        self.snapshot_no += 1;
        let name = format!("demo-{}", self.snapshot_no);
        self.spawn(move |url, tx| {
            let path = heap_dump(url, &name, tx)?;
            let _ = tx.send(Event::Dumped(path));
            Ok("Snapshot taken".into())
        });
    }

    pub fn hit_leak(&mut self) {
        let times = self.leak_times.max(1);
        self.spawn(move |url, tx| {
            for i in 0..times {
                leak(url, i + 1, times, tx)?;
            }
            Ok(format!("/v1/mem-leak × {times} done"))
        });
    }

    pub fn run_tutorial(&mut self) {
        let first = self.snapshot_no + 1;
        self.snapshot_no += 3;
        self.tutorial = Some(Tutorial::Requests { dumps: Vec::new() });
        self.spawn(move |url, tx| {
            for (i, step) in ["snapshot", "leak", "snapshot", "leak", "snapshot"].iter().enumerate() {
                if *step == "snapshot" {
                    let path = heap_dump(url, &format!("demo-{}", first + i as u32 / 2), tx)?;
                    let _ = tx.send(Event::Dumped(path));
                } else {
                    leak(url, 1, 1, tx)?;
                }
            }
            Ok("Tutorial requests done".into())
        });
    }

    /// The leak report over the tutorial's snapshots, started if needed (also when the user left
    /// the Leaks view meanwhile); an error if some of them were closed.
    fn report(
        app: &mut App,
        ids: &[SnapshotId],
        ctx: &egui::Context,
    ) -> Option<Result<Arc<crate::analysis::leaks::LeakReport>, String>> {
        let inputs = super::leaks::inputs(app);
        if !inputs.iter().map(|s| s.0).eq(ids.iter().copied()) {
            return Some(Err("its snapshots were closed".into()));
        }
        app.leaks.ensure(inputs, ctx);
        app.leaks.report_for(ids).cloned()
    }

    /// Applies worker events and advances the tutorial (called once a frame).
    pub fn tick(app: &mut App, ctx: &egui::Context) {
        while let Ok(event) = app.demo.rx.try_recv() {
            match event {
                Event::Step(s) => app.demo.steps.push(s),
                Event::Dumped(path) => {
                    app.demo.steps.push(format!("Loading {}", path.display()));
                    if let Some(Tutorial::Requests { dumps }) = &mut app.demo.tutorial {
                        dumps.push(path.clone());
                    }
                    app.push(Command::Open(vec![path]));
                }
                Event::Done(s) => {
                    app.demo.busy = false;
                    app.demo.steps.push(s);
                    if let Some(Tutorial::Requests { dumps }) = &app.demo.tutorial {
                        app.demo.tutorial = Some(Tutorial::Loading { dumps: dumps.clone() });
                    }
                }
                Event::Failed(e) => {
                    app.demo.busy = false;
                    app.demo.tutorial = None;
                    app.demo.steps.push(format!("Failed: {e}"));
                    app.demo.error = Some(e);
                }
            }
        }
        match app.demo.tutorial.clone() {
            Some(Tutorial::Loading { dumps }) => {
                let ids: Vec<_> =
                    dumps.iter().filter_map(|p| app.snapshots.iter().find(|s| s.path == *p).map(|s| s.id)).collect();
                let failed = dumps.iter().any(|p| app.errors.iter().any(|e| e.path == *p));
                if failed {
                    app.demo.tutorial = None;
                    app.demo.error = Some("a tutorial snapshot failed to load".into());
                } else if ids.len() == dumps.len() && ids.len() >= 2 {
                    let (base, current) = (ids[ids.len() - 2], ids[ids.len() - 1]);
                    app.demo.steps.push("Leaks over the three snapshots".into());
                    // Over these dumps only, whatever else is open.
                    app.leaks.focus(ids.clone());
                    app.push(Command::SelectSnapshot(current));
                    app.push(Command::SetView(View::Leaks));
                    // The Comparison of the last two, by Size Delta, computes meanwhile.
                    app.push(Command::SetBase(base));
                    app.comparison.tree.sort = SortKey::SizeDelta;
                    app.comparison.tree.ascending = false;
                    app.comparison.tree.invalidate();
                    app.demo.tutorial = Some(Tutorial::Reporting { ids });
                }
            }
            Some(Tutorial::Reporting { ids }) => match Self::report(app, &ids, ctx) {
                Some(Ok(report)) => {
                    let current = ids[ids.len() - 1];
                    match report.suspects.first() {
                        Some(s) => {
                            app.push(Command::Select(Item::Node { snapshot: current, node: s.holder }));
                            let name = s.named_edge().unwrap_or(&s.class_name);
                            app.demo.steps.push(format!(
                                "First suspect: {name} ({} @{}), {}; its retainers are shown below",
                                s.class_name,
                                s.holder_id,
                                crate::analysis::format::signed_bytes(s.growth)
                            ));
                            app.demo.steps.push("Comparison (toolbar): the last two snapshots by Size Delta".into());
                        }
                        None => app.demo.steps.push("No leak suspect (raise the leak count)".into()),
                    }
                    app.demo.tutorial = Some(Tutorial::Finished);
                }
                Some(Err(e)) => {
                    app.demo.tutorial = None;
                    app.demo.error = Some(format!("the leak report failed: {e}"));
                }
                None => {}
            },
            _ => {}
        }
    }
}

impl Drop for DemoPanel {
    fn drop(&mut self) {
        if let Some(mut s) = self.server.take() {
            let _ = s.child.kill();
            let _ = s.child.wait();
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(300)))
        .build()
        .into()
}

fn call(url: &str) -> Result<(u16, String), String> {
    let mut resp = agent().get(url).call().map_err(|e| format!("GET {url}: {e}"))?;
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_string().map_err(|e| format!("GET {url}: {e}"))?;
    Ok((status, body))
}

fn heap_dump(url: &str, name: &str, tx: &Sender<Event>) -> Result<PathBuf, String> {
    let _ = tx.send(Event::Step(format!("GET /v1/heapdump?name={name}")));
    let (status, body) = call(&format!("{url}/v1/heapdump?name={name}"))?;
    if status != 200 {
        return Err(format!("heap dump failed ({status}): {body}"));
    }
    let v: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| format!("bad heap dump answer {body:?}: {e}"))?;
    v["path"].as_str().map(PathBuf::from).ok_or_else(|| format!("no path in {body:?}"))
}

fn leak(url: &str, i: u32, of: u32, tx: &Sender<Event>) -> Result<(), String> {
    let _ = tx.send(Event::Step(format!("GET /v1/mem-leak ({i} of {of})")));
    let (status, body) = call(&format!("{url}/v1/mem-leak"))?;
    if status != 200 {
        return Err(format!("/v1/mem-leak failed ({status}): {body}"));
    }
    Ok(())
}

pub fn demo_ui(app: &mut App, ui: &mut Ui) {
    let demo = &mut app.demo;
    ui.heading("Demo: the tutorial's session leak, in a Rust server");
    ui.label(
        "A real HTTP server on 127.0.0.1 whose session middleware keeps every login in a global map \
         that is never cleared. Its heap dumps are its own live object graph as V8 snapshots.",
    );
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        if demo.is_running() {
            if ui.button("Stop server").clicked() {
                demo.stop();
            }
            match demo.url() {
                Some(url) => {
                    ui.label(RichText::new(url).monospace());
                }
                None => {
                    super::rows::busy_ui(ui, "starting…");
                }
            }
        } else if ui.button("Start server").clicked()
            && let Err(e) = demo.start()
        {
            demo.error = Some(format!("cannot start the demo server: {e}"));
        }
    });
    let running = demo.is_running();
    let idle = running && !demo.is_busy();
    ui.horizontal(|ui| {
        if ui.add_enabled(idle, egui::Button::new("Take snapshot")).clicked() {
            demo.take_snapshot();
        }
        if ui.add_enabled(idle, egui::Button::new("Hit /v1/mem-leak")).clicked() {
            demo.hit_leak();
        }
        let times = ui.label("×");
        ui.add(egui::DragValue::new(&mut demo.leak_times).range(1..=20)).labelled_by(times.id);
        ui.separator();
        if ui.add_enabled(idle, egui::Button::new("Run the tutorial")).clicked() {
            demo.run_tutorial();
        }
        if demo.is_busy() {
            super::rows::busy_ui(ui, "working…");
        }
    });
    if let Some(e) = &demo.error {
        ui.label(RichText::new(e).color(egui::Color32::from_rgb(220, 80, 70)));
    }
    ui.horizontal(|ui| {
        ui.label(RichText::new("Dumps are written to").weak());
        ui.add(egui::Label::new(RichText::new(demo.dump_dir.display().to_string()).monospace()).selectable(true));
    });
    ui.add_space(6.0);
    ui.columns(2, |cols| {
        cols[0].label(RichText::new("Steps").strong());
        egui::ScrollArea::vertical().id_salt("steps").stick_to_bottom(true).max_height(300.0).show(
            &mut cols[0],
            |ui| {
                // Left-aligned, not justified: a wrapped line keeps its spacing.
                ui.with_layout(egui::Layout::top_down(egui::Align::LEFT), |ui| {
                    for s in demo.steps() {
                        ui.label(s);
                    }
                });
            },
        );
        cols[1].label(RichText::new("Server output (access log)").strong());
        egui::ScrollArea::vertical().id_salt("log").stick_to_bottom(true).max_height(300.0).show(&mut cols[1], |ui| {
            ui.with_layout(egui::Layout::top_down(egui::Align::LEFT), |ui| {
                for line in demo.log_tail().iter().rev().take(60).collect::<Vec<_>>().into_iter().rev() {
                    ui.label(RichText::new(line).monospace());
                }
            });
        });
    });
    if running {
        ui.ctx().request_repaint_after(Duration::from_millis(200));
    }
}
