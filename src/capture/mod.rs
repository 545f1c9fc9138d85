//! Taking heap snapshots of running Node.js and Chromium processes (issue 12).
//!
//! DevTools attaches to a process over the Chrome DevTools Protocol (CDP) and takes a snapshot
//! in one click; this module does the same without a browser:
//!
//! ```text
//! Target::Pid      ──SIGUSR1, /proc/PID/net/tcp──▶ ┐
//! Target::Inspect  ──GET http://HOST:PORT/json/list──▶ webSocketDebuggerUrl
//! Target::Ws       ─────────────────────────────────▶ ┘ ──cdp::Session──▶ HeapProfiler.takeHeapSnapshot
//!                                                        chunks ──▶ temp file ──rename──▶ FILE
//! Target::Pid, same machine: Runtime.evaluate(v8.writeHeapSnapshot(temp file)), read as it grows ──▶ ┘
//! ```
//!
//! * [`targets`]: the inspector's HTTP listing and how a target is picked.
//! * [`pid`]: a local Node process by pid — open its inspector with `SIGUSR1` (Node's documented
//!   way, <https://nodejs.org/en/learn/getting-started/debugging#enable-inspector>), find the port
//!   it listens on, and close the inspector again afterwards.
//! * [`cdp`]: the WebSocket session (the `tungstenite` crate does the framing) and the snapshot
//!   command itself.
//! * [`handoff`]: a local process by pid writes its snapshot into our temporary file itself,
//!   which is faster than V8 sending it over the inspector and stalls the process for less time;
//!   a process that cannot (another mount namespace, a failing write) gets the inspector route.
//! * [`stream`]: the chunks handed to a reader on another thread as they arrive
//!   ([`Attached::take_streaming`]), so that the window and `capture --summary` parse the snapshot
//!   while it is received.
//!
//! Files are never partial: chunks go to a hidden temporary file next to the destination, renamed
//! only when V8's response to `takeHeapSnapshot` arrives; any error removes it.
//!
//! The inspector gives whoever connects full control of the process, so only loopback addresses
//! are accepted unless the caller opts in ([`Options::allow_remote`]).
//!
//! This module talks to processes and writes bytes; reading them (from the file, or from a
//! [`stream::ChunkReader`] while they arrive) is `snapshot`'s job, and nothing here knows the
//! analyses, the window or the command line.

pub mod cdp;
pub mod handoff;
pub mod pid;
pub mod stream;
pub mod targets;

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub use pid::{NodeProcess, list_node_processes};

/// Where to capture from.
#[derive(Clone, Debug)]
pub enum Target {
    /// A local Node process; its inspector is opened with `SIGUSR1` if it is not open yet.
    Pid(u32),
    /// An inspector's HTTP address (`node --inspect`, `chrome --remote-debugging-port`), with
    /// optional text to pick a target by title or URL.
    Inspect { addr: String, filter: Option<String> },
    /// A `ws://` debugger URL, used as is.
    Ws(String),
}

/// Settings shared by every capture.
#[derive(Clone, Debug)]
pub struct Options {
    /// Accept a non-loopback host (the inspector is full remote control of the process).
    pub allow_remote: bool,
    /// Longest silence from the inspector while a snapshot is taken before giving up. V8 reports
    /// progress while it walks the heap, so a silence this long means it is stuck or gone. When
    /// the process writes the file itself ([`handoff`]), the longest time in which neither the
    /// file grew nor the process used the CPU.
    pub idle_timeout: Duration,
    /// How long to wait for an inspector opened with `SIGUSR1` to listen.
    pub open_timeout: Duration,
    /// Take a local process's snapshot over the inspector too, rather than have the process
    /// write the file itself ([`handoff`]).
    pub via_inspector: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            allow_remote: false,
            idle_timeout: Duration::from_secs(120),
            open_timeout: Duration::from_secs(10),
            via_inspector: false,
        }
    }
}

/// Why a capture failed; each message names what and where, in one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    #[error("no process with pid {0}")]
    NoSuchProcess(u32),
    #[error("process {pid} ({name}) is not a Node.js process")]
    NotNode { pid: u32, name: String },
    #[error("permission denied: process {0} belongs to another user")]
    PermissionDenied(u32),
    #[error("the inspector of process {pid} did not open within {secs} s after SIGUSR1: {why}")]
    InspectorDidNotOpen { pid: u32, secs: u64, why: NotOpened },
    #[error(
        "process {0} was started with --disable-sigusr1, so SIGUSR1 cannot open its inspector; \
         start it with --inspect=127.0.0.1:0 and capture it by pid or address"
    )]
    SignalDisabled(u32),
    #[error(
        "process {0} was started with --inspect-publish-uid without http, so its inspector's address \
         cannot be found from outside; connect to the ws:// address Node prints on its stderr when \
         the inspector opens (with --inspect, or on SIGUSR1): --ws, or Attach…'s address field"
    )]
    NotPublished(u32),
    #[error("process {0} exited")]
    ProcessExited(u32),
    #[error("connection refused at {0} (is the inspector open there?)")]
    ConnectionRefused(String),
    #[error(
        "{0} is not a loopback address; the inspector gives full control of the process, pass --allow-remote to connect anyway"
    )]
    Remote(String),
    #[error("{what}: {addr}")]
    BadAddress { what: String, addr: String },
    #[error("no debuggable target at {0}")]
    NoTargets(String),
    #[error("{count} targets at {addr} match, choose one with --target TEXT (title or URL):\n{list}")]
    AmbiguousTarget { addr: String, count: usize, list: String },
    #[error("no target at {addr} has {text:?} in its title or URL; targets:\n{list}")]
    NoMatchingTarget { addr: String, text: String, list: String },
    #[error("the connection to {0} closed during the capture (did the process exit?); no file was written")]
    ClosedDuringCapture(String),
    #[error("no message from {addr} for {secs} s during the capture; no file was written")]
    Timeout { addr: String, secs: u64 },
    #[error("the inspector at {addr} answered {method} with an error: {message}")]
    Protocol { addr: String, method: String, message: String },
    #[error("process {pid} neither wrote to its snapshot nor used the CPU for {secs} s; no file was written")]
    Stalled { pid: u32, secs: u64 },
    #[error("cancelled; no file was written")]
    Cancelled,
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

/// Why a Node process's inspector did not appear after `SIGUSR1`, as far as can be told from
/// outside: whether something answers on the port Node would have opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotOpened {
    /// Another program holds the port (Node then prints "address already in use").
    PortTaken(u16),
    /// Nothing listens there: the process did not act on the signal.
    PortFree(u16),
    /// Node picks a free port (`--inspect-port=0`): nothing to check.
    PortUnknown,
}

impl std::fmt::Display for NotOpened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotOpened::PortTaken(port) => write!(
                f,
                "port {port}, where it would listen, is taken by another program (Node prints why on its own \
                 stderr); start the process with --inspect=127.0.0.1:0 instead"
            ),
            NotOpened::PortFree(port) => write!(
                f,
                "nothing listens on port {port}, where it would, so the process did not act on the signal \
                 (it may handle SIGUSR1 itself); start it with --inspect=127.0.0.1:0 instead"
            ),
            NotOpened::PortUnknown => write!(f, "Node prints why on its own stderr"),
        }
    }
}

impl CaptureError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        CaptureError::Io { what: what.into(), source }
    }
}

/// Progress of one capture, for a terminal line or a progress bar.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CaptureProgress {
    /// V8 is walking the heap: `HeapProfiler.reportHeapSnapshotProgress`'s `done` of `total`.
    Taking { done: u64, total: u64 },
    /// Bytes of the snapshot received so far.
    Receiving { bytes: u64 },
    /// Bytes the process has written to the file so far, when it writes the snapshot itself
    /// ([`handoff`]); each was read and handed on like a received chunk.
    Writing { bytes: u64 },
}

/// How a snapshot came: which of the two routes [`Attached::take`] took, and why not the fast one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// The local process wrote it to the file itself ([`handoff`]).
    WrittenByProcess,
    /// Chunk by chunk over the inspector; with the reason the process did not write it itself,
    /// when that was tried.
    Inspector { declined: Option<String> },
}

impl Route {
    /// How the snapshot came, in a few words (the CLI's line, the Attach… dialog).
    pub fn label(&self) -> &'static str {
        match self {
            Route::WrittenByProcess => "written by the process",
            Route::Inspector { .. } => "over the inspector",
        }
    }
}

/// A finished capture.
#[derive(Debug)]
pub struct Captured {
    pub path: PathBuf,
    pub bytes: u64,
    /// The target's title, as the inspector listed it (for naming files).
    pub title: String,
    pub route: Route,
}

/// A resolved debugger endpoint, plus what to undo after capturing.
#[derive(Debug)]
pub struct Endpoint {
    pub ws_url: String,
    pub title: String,
    /// Set when we opened a Node process's inspector with `SIGUSR1`: close it afterwards.
    pub opened_pid: Option<u32>,
    /// The local process behind it, when it was chosen by pid (it may write its own snapshot,
    /// [`handoff`]).
    pub pid: Option<u32>,
}

/// Finds the WebSocket URL to talk to (opening a Node process's inspector if needed).
fn resolve(target: &Target, options: &Options) -> Result<Endpoint, CaptureError> {
    match target {
        Target::Pid(pid) => pid::open(*pid, options),
        Target::Inspect { addr, filter } => {
            let sock = check_host(addr, options)?;
            let entries = targets::list(addr, sock, Duration::from_secs(5))?;
            let t = targets::pick(addr, &entries, filter.as_deref())?;
            Ok(Endpoint { ws_url: t.ws_url.clone(), title: t.title.clone(), opened_pid: None, pid: None })
        }
        Target::Ws(url) => {
            let (host_port, _) = cdp::split_ws_url(url)?;
            check_host(host_port, options)?;
            Ok(Endpoint { ws_url: url.clone(), title: String::new(), opened_pid: None, pid: None })
        }
    }
}

/// A session with one target, kept for every snapshot of a run.
///
/// Keeping it matters for the Comparison: V8 numbers objects with ids that stay the same from one
/// snapshot to the next only while the heap profiler stays enabled; when the session ends the
/// inspector disables it (`V8HeapProfilerAgentImpl::disable` calls `ClearObjectIds`), and the next
/// session's snapshot numbers every object anew, so that a Comparison would show every object as
/// deleted and added again. DevTools keeps its session as long as its window is open.
pub struct Attached {
    endpoint: Endpoint,
    session: Option<cdp::Session>,
    options: Options,
}

/// Resolves `target` and connects to it.
pub fn attach(target: &Target, options: &Options) -> Result<Attached, CaptureError> {
    let endpoint = resolve(target, options)?;
    let (host_port, _) = cdp::split_ws_url(&endpoint.ws_url)?;
    match check_host(host_port, options).and_then(|_| cdp::Session::connect(&endpoint.ws_url, options.idle_timeout)) {
        Ok(session) => Ok(Attached { endpoint, session: Some(session), options: options.clone() }),
        Err(e) => {
            // Leave the process as it was.
            if let Some(p) = endpoint.opened_pid {
                let _ = cdp::Session::connect(&endpoint.ws_url, options.idle_timeout)
                    .and_then(|s| pid::close_inspector(p, s, &endpoint.ws_url));
            }
            Err(e)
        }
    }
}

impl Attached {
    /// The target's title, as the inspector listed it (for naming files).
    pub fn title(&self) -> &str {
        &self.endpoint.title
    }

    /// The pid and debugger URL of an inspector this run opened (and will close), if any.
    pub fn opened_inspector(&self) -> Option<(u32, String)> {
        self.endpoint.opened_pid.map(|p| (p, self.endpoint.ws_url.clone()))
    }

    /// Takes one snapshot into `dest` (written whole or not at all).
    pub fn take(&mut self, dest: &Path, progress: &mut dyn FnMut(CaptureProgress)) -> Result<Captured, CaptureError> {
        self.take_cancellable(dest, progress, &AtomicBool::new(false))
    }

    /// [`Attached::take`] that gives up with [`CaptureError::Cancelled`] (and no file) at the
    /// next message from the inspector after `cancel` is set. V8 keeps sending the rest of that
    /// snapshot, so the session ends with it: the next snapshot needs a new attach.
    pub fn take_cancellable(
        &mut self,
        dest: &Path,
        progress: &mut dyn FnMut(CaptureProgress),
        cancel: &AtomicBool,
    ) -> Result<Captured, CaptureError> {
        self.take_to(dest, progress, cancel, &mut |_| {})
    }

    /// [`Attached::take_cancellable`] that also hands every chunk to `sink` as it arrives (for a
    /// reader on another thread, see [`stream`]): the sink is finished once the file is in place,
    /// and aborted with the error's message when there is none.
    pub fn take_streaming(
        &mut self,
        dest: &Path,
        progress: &mut dyn FnMut(CaptureProgress),
        cancel: &AtomicBool,
        mut sink: stream::ChunkSink,
    ) -> Result<Captured, CaptureError> {
        let result = self.take_to(dest, progress, cancel, &mut |bytes| sink.send(bytes));
        match &result {
            Ok(_) => sink.finish(),
            Err(e) => sink.abort(&e.to_string()),
        }
        result
    }

    fn take_to(
        &mut self,
        dest: &Path,
        progress: &mut dyn FnMut(CaptureProgress),
        cancel: &AtomicBool,
        on_chunk: &mut dyn FnMut(&[u8]),
    ) -> Result<Captured, CaptureError> {
        let session =
            self.session.as_mut().ok_or_else(|| CaptureError::ClosedDuringCapture(self.endpoint.ws_url.clone()))?;
        let cancelled = || cancel.load(Ordering::Relaxed);
        let idle = self.options.idle_timeout;
        let handoff = self
            .endpoint
            .pid
            .filter(|_| !self.options.via_inspector)
            .map(|pid| handoff::write_in_process(session, pid, dest, idle, progress, &cancelled, on_chunk));
        let result = match handoff {
            Some(Ok(handoff::Handoff::Written(bytes))) => Ok((bytes, Route::WrittenByProcess)),
            Some(Err(e)) => Err(e),
            // Not tried, or declined before a byte was handed on: over the inspector.
            other => {
                let declined = match other {
                    Some(Ok(handoff::Handoff::Declined(why))) => Some(why),
                    _ => None,
                };
                session
                    .take_heap_snapshot_to(dest, progress, &cancelled, on_chunk)
                    .map(|b| (b, Route::Inspector { declined }))
            }
        };
        let (bytes, route) = match (result, self.endpoint.pid) {
            (Ok(r), _) => r,
            (Err(e), p) => {
                // The session is unusable after an error.
                self.session = None;
                return Err(match (e, p) {
                    // A dropped connection from a process we watch: say that it exited, if it did.
                    (CaptureError::ClosedDuringCapture(_) | CaptureError::Timeout { .. }, Some(p))
                        if pid::exits_within(p, Duration::from_secs(2)) =>
                    {
                        CaptureError::ProcessExited(p)
                    }
                    (e, _) => e,
                });
            }
        };
        Ok(Captured { path: dest.to_path_buf(), bytes, title: self.endpoint.title.clone(), route })
    }

    /// Ends the session, and closes the inspector if we opened it (returns whether its port
    /// stopped listening; `true` when there was nothing to close).
    pub fn detach(mut self) -> Result<bool, CaptureError> {
        let session = self.session.take();
        match (self.endpoint.opened_pid, session) {
            (None, Some(s)) => {
                s.close();
                Ok(true)
            }
            (None, None) => Ok(true),
            (Some(p), Some(s)) => pid::close_inspector(p, s, &self.endpoint.ws_url),
            (Some(p), None) if !pid::alive(p) => Ok(true),
            (Some(p), None) => {
                let s = cdp::Session::connect(&self.endpoint.ws_url, Duration::from_secs(10))?;
                pid::close_inspector(p, s, &self.endpoint.ws_url)
            }
        }
    }
}

/// Closes an inspector opened by an [`Attached`] that cannot be detached normally (an interrupt):
/// a second session asks Node to close it, which also ends the first.
pub fn close_opened_inspector(pid: u32, ws_url: &str) -> Result<bool, CaptureError> {
    let session = cdp::Session::connect(ws_url, Duration::from_secs(2))?;
    pid::close_inspector(pid, session, ws_url)
}

/// The debuggable targets listed at inspector address `addr` (`HOST:PORT`, or one target's
/// `ws://` address), loopback only unless `options` allow remote hosts.
pub fn list_targets(addr: &str, options: &Options) -> Result<Vec<targets::TargetInfo>, CaptureError> {
    // A target's own WebSocket address (what `--ws` takes, and what Node prints when it does not
    // list its targets over HTTP) is its one target.
    if addr.starts_with("ws://") {
        let (host_port, _) = cdp::split_ws_url(addr)?;
        check_host(host_port, options)?;
        let url = addr.to_string();
        return Ok(vec![targets::TargetInfo {
            title: String::new(),
            url: url.clone(),
            kind: "ws".into(),
            ws_url: url,
        }]);
    }
    let sock = check_host(addr, options)?;
    let entries = targets::list(addr, sock, Duration::from_secs(5))?;
    Ok(entries.into_iter().filter(|t| !t.ws_url.is_empty()).collect())
}

/// `DIR/NAME-YYYYMMDD-HHMMSS.heapsnapshot` (local time), with `-2`, `-3`… if that second is taken.
pub fn timestamped(dir: &Path, name: &str) -> PathBuf {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let first = dir.join(format!("{name}-{stamp}.heapsnapshot"));
    if !first.exists() {
        return first;
    }
    (2..).map(|i| dir.join(format!("{name}-{stamp}-{i}.heapsnapshot"))).find(|p| !p.exists()).unwrap_or(first)
}

/// Resolves `host:port` and refuses non-loopback addresses unless allowed.
fn check_host(host_port: &str, options: &Options) -> Result<SocketAddr, CaptureError> {
    let addrs: Vec<SocketAddr> = host_port
        .to_socket_addrs()
        .map_err(|e| CaptureError::BadAddress { what: format!("cannot resolve ({e})"), addr: host_port.to_string() })?
        .collect();
    let first = *addrs
        .first()
        .ok_or_else(|| CaptureError::BadAddress { what: "no address".into(), addr: host_port.to_string() })?;
    if !options.allow_remote && !addrs.iter().all(|a| a.ip().is_loopback()) {
        return Err(CaptureError::Remote(host_port.to_string()));
    }
    Ok(first)
}

/// A file-name-safe short name for a target: the script's stem for Node
/// (`file:///srv/app/server.js` → `server`), else the title's letters and digits.
pub fn short_name(title: &str) -> String {
    let base = title.rsplit(['/', '\\']).next().unwrap_or(title);
    let base = base.strip_suffix(".js").or_else(|| base.strip_suffix(".mjs")).unwrap_or(base);
    let mut out = String::new();
    for c in base.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "heap".to_string() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_file_safe() {
        assert_eq!(short_name("/work/app/leaky-server.js"), "leaky-server");
        assert_eq!(short_name("My page: «hello» world"), "My-page-hello-world");
        assert_eq!(short_name("???"), "heap");
    }

    #[test]
    fn remote_hosts_need_opt_in() {
        let o = Options::default();
        assert!(check_host("127.0.0.1:9229", &o).is_ok());
        assert!(matches!(check_host("192.0.2.1:9229", &o), Err(CaptureError::Remote(_))));
        let allowed = Options { allow_remote: true, ..Options::default() };
        assert!(check_host("192.0.2.1:9229", &allowed).is_ok());
    }
}
