//! The demo server's output: stdout (the first line, the access log, dump notices) and
//! `DIR/access.log`, written on two threads of their own so that logging never takes the
//! server down or slows a request.
//!
//! * A handler only queues its line ([`std::sync::mpsc::sync_channel`], `try_send`): a sink that
//!   cannot keep up (stdout piped into a reader that stopped reading) drops lines and says how
//!   many when it catches up, instead of blocking a runtime worker.
//! * Write errors are never fatal. Scripts commonly read only the first line
//!   (`heapscope demo-server --port 0 | head -1`): once stdout's pipe is closed, writes fail
//!   with `EPIPE` (Rust ignores `SIGPIPE`), and `println!` would panic inside the request.
//!   Here the stdout sink notes it once on stderr and stops writing there; the file log goes on.
//! * The access log follows its path, as Python's `logging.handlers.WatchedFileHandler` does: before
//!   each line it checks that the path still names the open file (same device and inode), and
//!   reopens it, recreating the dump folder, when the folder or the file was removed or replaced.
//!   When that fails it says so once on stderr and tries again at the next line.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

/// Lines queued per sink before new ones are dropped.
pub const QUEUE_LINES: usize = 4096;

/// Writes a warning on stderr, ignoring failure: stderr may be closed too.
pub fn warn(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "heapscope demo-server: {message}");
}

/// One output: a queue and the thread that drains it.
struct Sink {
    tx: Option<SyncSender<String>>,
    dropped: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl Sink {
    fn start(name: &str, mut write: impl FnMut(&str) + Send + 'static) -> Sink {
        let (tx, rx): (SyncSender<String>, Receiver<String>) = sync_channel(QUEUE_LINES);
        let dropped = Arc::new(AtomicU64::new(0));
        let seen = dropped.clone();
        let thread = std::thread::Builder::new()
            .name(format!("demo-{name}"))
            .spawn(move || {
                for line in rx {
                    let lost = seen.swap(0, Ordering::Relaxed);
                    if lost > 0 {
                        write(&format!("({lost} log lines dropped: this output was not keeping up)"));
                    }
                    write(&line);
                }
            })
            .map_err(|e| warn(&format!("cannot start the {name} log thread: {e}")))
            .ok();
        Sink { tx: thread.as_ref().map(|_| tx), dropped, thread }
    }

    fn send(&self, line: &str) {
        let Some(tx) = &self.tx else { return };
        match tx.try_send(line.to_string()) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Closes the queue and waits for the thread to write what is queued.
    fn finish(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The server's two outputs.
pub struct Logger {
    stdout: Sink,
    file: Sink,
}

impl Logger {
    /// Starts the stdout writer and the `access_log` writer (the file is opened, and its folder
    /// created, at the first line and whenever it has gone).
    pub fn start(access_log: PathBuf) -> Logger {
        let mut out = StdoutSink { open: true };
        let mut file = AccessFile { path: access_log, file: None, failing: false };
        Logger {
            stdout: Sink::start("stdout", move |line| out.write(line)),
            file: Sink::start("access-log", move |line| file.write(line)),
        }
    }

    /// A line for stdout only (dump notices).
    pub fn say(&self, line: &str) {
        self.stdout.send(line);
    }

    /// An access-log line: stdout and the access-log file.
    pub fn access(&self, line: &str) {
        self.stdout.send(line);
        self.file.send(line);
    }

    /// Writes out what is queued for the file (stdout is not waited for: its reader may be gone
    /// or stuck).
    pub fn finish(&mut self) {
        self.file.finish();
    }
}

struct StdoutSink {
    open: bool,
}

impl StdoutSink {
    fn write(&mut self, line: &str) {
        if !self.open {
            return;
        }
        let mut out = std::io::stdout().lock();
        if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
            self.open = false;
            warn(&format!("stdout is closed ({e}); the access log goes on in access.log only"));
        }
    }
}

/// `DIR/access.log`, reopened when its path no longer names the open file.
struct AccessFile {
    path: PathBuf,
    file: Option<File>,
    /// Reported the current failure already.
    failing: bool,
}

impl AccessFile {
    fn write(&mut self, line: &str) {
        let result = self.ensure_open().and_then(|f| writeln!(f, "{line}"));
        match result {
            Ok(()) => self.failing = false,
            Err(e) => {
                self.file = None;
                if !self.failing {
                    self.failing = true;
                    warn(&format!(
                        "cannot write the access log {}: {e} (retrying at the next request)",
                        self.path.display()
                    ));
                }
            }
        }
    }

    fn ensure_open(&mut self) -> std::io::Result<&mut File> {
        let current = match &self.file {
            Some(f) => same_file(f, &self.path),
            None => false,
        };
        if !current {
            let reopening = self.file.take().is_some();
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let file = OpenOptions::new().create(true).append(true).open(&self.path)?;
            if reopening {
                warn(&format!("{} was removed or replaced; writing to a new one", self.path.display()));
            }
            self.file = Some(file);
        }
        // Just set or checked above.
        self.file.as_mut().ok_or_else(|| std::io::Error::other("access log not open"))
    }
}

/// Whether `path` still names the open `file`.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Whether `path` still names the open `file` (elsewhere: whether it still exists).
#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.is_file()
}
