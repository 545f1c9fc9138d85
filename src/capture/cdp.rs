//! One Chrome DevTools Protocol session over WebSocket, and the heap snapshot command.
//!
//! CDP is JSON-RPC-like: we send `{"id", "method", "params"}`, the target answers with the same
//! `id` and sends events (`{"method", "params"}`) in between. `tungstenite` does the WebSocket
//! framing; this file only builds and reads the JSON.
//!
//! The snapshot command is what DevTools' Memory panel sends when its "Take snapshot" button is
//! pressed (`HeapProfilerModel.takeHeapSnapshot` in devtools-frontend, called from
//! `HeapSnapshotProfileType` with the panel's two checkboxes off): `reportProgress: true`,
//! `treatGlobalObjectsAsRoots: true` (V8's default, named so that a future default cannot change
//! our numbers), `captureNumericValue: false` ("Include numerical values in capture" unchecked)
//! and `exposeInternals: false` ("Expose internals" unchecked).

use std::fs::File;
use std::io::{BufWriter, ErrorKind, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

use super::{CaptureError, CaptureProgress};

/// Splits `ws://host:port/path` into (`host:port`, `/path`).
pub fn split_ws_url(url: &str) -> Result<(&str, &str), CaptureError> {
    let bad = |what: &str| CaptureError::BadAddress { what: what.to_string(), addr: url.to_string() };
    let rest = url.strip_prefix("ws://").ok_or_else(|| bad("not a ws:// URL (wss:// is not supported)"))?;
    let (host_port, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if host_port.is_empty() || !host_port.contains(':') {
        return Err(bad("no host:port in the WebSocket URL"));
    }
    Ok((host_port, if path.is_empty() { "/" } else { path }))
}

/// An open session with one target.
pub struct Session {
    ws: WebSocket<TcpStream>,
    addr: String,
    next_id: u64,
    idle: Duration,
}

/// The parts of an incoming message we look at; `chunk` borrows from the message when it has no
/// escapes, so a 100 MB snapshot is not copied twice.
#[derive(Deserialize)]
struct Incoming<'a> {
    id: Option<u64>,
    #[serde(borrow)]
    method: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    params: Option<EventParams<'a>>,
    error: Option<Value>,
    result: Option<Value>,
}

#[derive(Deserialize, Default)]
struct EventParams<'a> {
    #[serde(borrow)]
    chunk: Option<std::borrow::Cow<'a, str>>,
    done: Option<u64>,
    total: Option<u64>,
}

impl Session {
    /// Connects to a `ws://` debugger URL. `idle` bounds every wait for a message.
    pub fn connect(url: &str, idle: Duration) -> Result<Session, CaptureError> {
        let (host_port, _) = split_ws_url(url)?;
        let addr = host_port.to_string();
        let sock = host_port
            .to_socket_addrs()
            .map_err(|e| CaptureError::BadAddress { what: format!("cannot resolve ({e})"), addr: addr.clone() })?
            .next()
            .ok_or_else(|| CaptureError::BadAddress { what: "no address".into(), addr: addr.clone() })?;
        let stream = TcpStream::connect_timeout(&sock, Duration::from_secs(5)).map_err(|e| match e.kind() {
            ErrorKind::ConnectionRefused => CaptureError::ConnectionRefused(addr.clone()),
            _ => CaptureError::io(format!("connecting to {addr}"), e),
        })?;
        stream.set_read_timeout(Some(idle)).map_err(|e| CaptureError::io("setting a timeout", e))?;
        stream.set_nodelay(true).map_err(|e| CaptureError::io("setting TCP_NODELAY", e))?;
        let (ws, _response) = tungstenite::client::client(url, stream).map_err(|e| CaptureError::Protocol {
            addr: addr.clone(),
            method: "the WebSocket handshake".into(),
            message: e.to_string(),
        })?;
        Ok(Session { ws, addr, next_id: 1, idle })
    }

    /// Sends a command and waits for its response, passing every event on the way to `on_event`.
    /// Returns the response's `result`.
    pub fn call(
        &mut self,
        method: &str,
        params: Value,
        on_event: &mut dyn FnMut(&str, &EventView<'_>) -> Result<(), CaptureError>,
    ) -> Result<Value, CaptureError> {
        self.call_with(method, params, on_event, None)
    }

    /// [`Session::call`] for a command that may run long without any message from the target
    /// (a `Runtime.evaluate` that makes the process write its snapshot): instead of the idle
    /// timeout, it wakes every `poll` and runs `on_wait`, which decides whether to go on waiting
    /// (its error ends the call). `tungstenite` keeps a partly read frame across such wake-ups.
    pub fn call_waking(
        &mut self,
        method: &str,
        params: Value,
        poll: Duration,
        on_wait: &mut dyn FnMut() -> Result<(), CaptureError>,
    ) -> Result<Value, CaptureError> {
        let set_timeout = |ws: &WebSocket<TcpStream>, t: Duration| {
            ws.get_ref().set_read_timeout(Some(t)).map_err(|e| CaptureError::io("setting a timeout", e))
        };
        set_timeout(&self.ws, poll)?;
        let result = self.call_with(method, params, &mut |_, _| Ok(()), Some(on_wait));
        set_timeout(&self.ws, self.idle)?;
        result
    }

    fn call_with(
        &mut self,
        method: &str,
        params: Value,
        on_event: &mut dyn FnMut(&str, &EventView<'_>) -> Result<(), CaptureError>,
        mut on_wait: Option<&mut dyn FnMut() -> Result<(), CaptureError>>,
    ) -> Result<Value, CaptureError> {
        let id = self.next_id;
        self.next_id += 1;
        let text = json!({ "id": id, "method": method, "params": params }).to_string();
        self.ws.send(Message::text(text)).map_err(|e| self.ws_error(e))?;
        loop {
            let msg = match (self.ws.read(), on_wait.as_mut()) {
                (Err(tungstenite::Error::Io(e)), Some(wait))
                    if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                {
                    wait()?;
                    continue;
                }
                (read, _) => read.map_err(|e| self.ws_error(e))?,
            };
            let text = match &msg {
                Message::Text(t) => t.as_str(),
                Message::Close(_) => return Err(CaptureError::ClosedDuringCapture(self.addr.clone())),
                _ => continue,
            };
            let m: Incoming<'_> = serde_json::from_str(text).map_err(|e| CaptureError::Protocol {
                addr: self.addr.clone(),
                method: method.to_string(),
                message: format!("unreadable message ({e})"),
            })?;
            if m.id == Some(id) {
                if let Some(err) = m.error {
                    let message =
                        err.get("message").and_then(Value::as_str).map_or_else(|| err.to_string(), str::to_string);
                    return Err(CaptureError::Protocol {
                        addr: self.addr.clone(),
                        method: method.to_string(),
                        message,
                    });
                }
                return Ok(m.result.unwrap_or(Value::Null));
            }
            if let Some(event) = m.method.as_deref() {
                let p = m.params.unwrap_or_default();
                on_event(event, &EventView { chunk: p.chunk.as_deref(), done: p.done, total: p.total })?;
            }
        }
    }

    fn ws_error(&self, e: tungstenite::Error) -> CaptureError {
        use tungstenite::Error as E;
        match e {
            E::Io(io) if matches!(io.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                CaptureError::Timeout { addr: self.addr.clone(), secs: self.idle.as_secs() }
            }
            E::ConnectionClosed | E::AlreadyClosed | E::Io(_) | E::Protocol(_) => {
                CaptureError::ClosedDuringCapture(self.addr.clone())
            }
            other => CaptureError::Protocol {
                addr: self.addr.clone(),
                method: "WebSocket".into(),
                message: other.to_string(),
            },
        }
    }

    /// `HeapProfiler.enable` then `HeapProfiler.takeHeapSnapshot` (DevTools' options, see the
    /// module doc); the chunks go to a temporary file beside `dest`, renamed to `dest` when the
    /// command's response arrives. Returns the file's size.
    pub fn take_heap_snapshot(
        &mut self,
        dest: &Path,
        progress: &mut dyn FnMut(CaptureProgress),
    ) -> Result<u64, CaptureError> {
        self.take_heap_snapshot_cancellable(dest, progress, &|| false)
    }

    /// [`Session::take_heap_snapshot`] that stops with [`CaptureError::Cancelled`] (removing the
    /// temporary file) at the first message after `cancelled()` turns true.
    pub fn take_heap_snapshot_cancellable(
        &mut self,
        dest: &Path,
        progress: &mut dyn FnMut(CaptureProgress),
        cancelled: &dyn Fn() -> bool,
    ) -> Result<u64, CaptureError> {
        self.take_heap_snapshot_to(dest, progress, cancelled, &mut |_| {})
    }

    /// [`Session::take_heap_snapshot_cancellable`] that also passes each chunk's bytes to
    /// `on_chunk` right after writing them to the temporary file (for a reader parsing them as
    /// they arrive, [`super::stream`]).
    pub fn take_heap_snapshot_to(
        &mut self,
        dest: &Path,
        progress: &mut dyn FnMut(CaptureProgress),
        cancelled: &dyn Fn() -> bool,
        on_chunk: &mut dyn FnMut(&[u8]),
    ) -> Result<u64, CaptureError> {
        self.call("HeapProfiler.enable", json!({}), &mut |_, _| Ok(()))?;
        let mut temp = TempFile::create(dest)?;
        let mut bytes = 0u64;
        let temp_path = temp.path.clone();
        let params = json!({
            "reportProgress": true,
            "treatGlobalObjectsAsRoots": true,
            "captureNumericValue": false,
            "exposeInternals": false,
        });
        let out = &mut temp.out;
        self.call("HeapProfiler.takeHeapSnapshot", params, &mut |event, p| {
            if cancelled() {
                return Err(CaptureError::Cancelled);
            }
            match event {
                "HeapProfiler.addHeapSnapshotChunk" => {
                    if let Some(chunk) = p.chunk {
                        out.write_all(chunk.as_bytes())
                            .map_err(|e| CaptureError::io(format!("writing {}", temp_path.display()), e))?;
                        bytes += chunk.len() as u64;
                        on_chunk(chunk.as_bytes());
                        progress(CaptureProgress::Receiving { bytes });
                    }
                }
                "HeapProfiler.reportHeapSnapshotProgress" => {
                    progress(CaptureProgress::Taking { done: p.done.unwrap_or(0), total: p.total.unwrap_or(0) });
                }
                _ => {}
            }
            Ok(())
        })?;
        temp.commit(dest)?;
        Ok(bytes)
    }

    /// `Runtime.evaluate` of `expression` with the console's command-line API (where Node puts
    /// `require`); returns the response's `result`.
    pub fn evaluate(&mut self, expression: &str) -> Result<Value, CaptureError> {
        self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "includeCommandLineAPI": true, "returnByValue": true }),
            &mut |_, _| Ok(()),
        )
    }

    /// Closes the WebSocket politely (errors ignored: the peer may already be gone).
    pub fn close(mut self) {
        let _ = self.ws.close(None);
        let _ = self.ws.flush();
    }
}

/// What an event carried, of the fields the snapshot needs.
pub struct EventView<'a> {
    pub chunk: Option<&'a str>,
    pub done: Option<u64>,
    pub total: Option<u64>,
}

/// The temporary files (or folders) being written, for [`remove_temp_files`].
fn live_temp_files() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    static LIVE: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes every temporary file still being written: for an interrupt (Ctrl-C), when the
/// process exits without unwinding and `TempFile`'s `Drop` would not run.
pub fn remove_temp_files() {
    for p in live_temp_files().drain(..) {
        remove_temp(&p);
    }
}

/// Removes a temporary file, or a temporary folder with what is in it. Another process may be
/// creating a file in that folder at that moment ([`TempFile::create_in_own_folder`]): a few
/// tries, after which it can create nothing there.
fn remove_temp(p: &Path) {
    if p.is_dir() {
        for _ in 0..3 {
            if std::fs::remove_dir_all(p).is_ok() || !p.exists() {
                return;
            }
        }
    } else {
        let _ = std::fs::remove_file(p);
    }
}

/// A hidden `.NAME.PID.partial` file beside the destination, removed on drop unless committed, so
/// a failed capture never leaves a file that looks like a snapshot.
pub(super) struct TempFile {
    /// The file the snapshot is written to.
    pub(super) path: PathBuf,
    /// What to remove when the capture fails: the file, or the folder made for it.
    removable: PathBuf,
    out: BufWriter<File>,
    committed: bool,
}

impl TempFile {
    pub(super) fn create(dest: &Path) -> Result<TempFile, CaptureError> {
        let hidden = Self::hidden_beside(dest);
        Self::create_at(hidden.clone(), hidden)
    }

    /// A temporary file for another process to write (`v8.writeHeapSnapshot`, [`super::handoff`]):
    /// `.NAME.PID.partial/snapshot.heapsnapshot`. That process opens the path only when it has
    /// built its graph, maybe after the capture was cancelled and the file removed; it would then
    /// create it anew and write a whole snapshot nobody removes. Once the folder is gone it cannot
    /// (`fopen` does not create folders): its write fails in the process, and nothing is left.
    pub(super) fn create_in_own_folder(dest: &Path) -> Result<TempFile, CaptureError> {
        let folder = Self::hidden_beside(dest);
        // One a cancelled capture of this process could not remove yet goes now.
        if folder.exists() {
            remove_temp(&folder);
        }
        std::fs::create_dir(&folder).map_err(|e| CaptureError::io(format!("creating {}", folder.display()), e))?;
        Self::create_at(folder.join("snapshot.heapsnapshot"), folder)
    }

    /// `.NAME.PID.partial` beside `dest`, after removing the ones killed captures left there.
    fn hidden_beside(dest: &Path) -> PathBuf {
        if let Some(dir) = dest.parent() {
            remove_orphans(if dir.as_os_str().is_empty() { Path::new(".") } else { dir });
        }
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "snapshot".into());
        dest.with_file_name(format!(".{name}.{}.partial", std::process::id()))
    }

    fn create_at(path: PathBuf, removable: PathBuf) -> Result<TempFile, CaptureError> {
        // Registered first: a folder made for the file is removed with it.
        live_temp_files().push(removable.clone());
        let file = File::create(&path).map_err(|e| {
            remove_temp(&removable);
            live_temp_files().retain(|p| p != &removable);
            CaptureError::io(format!("creating {}", path.display()), e)
        })?;
        Ok(TempFile { path, removable, out: BufWriter::with_capacity(1 << 20, file), committed: false })
    }

    pub(super) fn commit(mut self, dest: &Path) -> Result<(), CaptureError> {
        let what = || format!("writing {}", self.path.display());
        self.out.flush().map_err(|e| CaptureError::io(what(), e))?;
        self.out.get_ref().sync_all().map_err(|e| CaptureError::io(what(), e))?;
        std::fs::rename(&self.path, dest)
            .map_err(|e| CaptureError::io(format!("renaming {} to {}", self.path.display(), dest.display()), e))?;
        self.committed = true;
        if self.removable != self.path {
            remove_temp(&self.removable);
        }
        live_temp_files().retain(|p| p != &self.removable);
        Ok(())
    }
}

/// Removes the temporary files a capture into `dir` left behind when its process was killed
/// (`SIGKILL`, or a window closed by a signal: no `Drop`, no interrupt handler). They are named by
/// the capturing process's pid; only those whose process is gone are removed.
fn remove_orphans(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".partial")) else { continue };
        let Some(pid) = rest.rsplit_once('.').and_then(|(_, pid)| pid.parse::<u32>().ok()) else { continue };
        if pid != me && !super::pid::alive(pid) {
            remove_temp(&entry.path());
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.committed {
            remove_temp(&self.removable);
            live_temp_files().retain(|p| p != &self.removable);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ws_urls_split_into_address_and_path() {
        let (a, p) = split_ws_url("ws://127.0.0.1:9229/abc-def").unwrap();
        assert_eq!((a, p), ("127.0.0.1:9229", "/abc-def"));
        assert!(split_ws_url("http://127.0.0.1:9229/x").is_err());
        assert!(split_ws_url("ws:///x").is_err());
    }
}
