//! A local Node process writes its own snapshot into our temporary file, which we read as it
//! grows: the fast route for `Target::Pid`.
//!
//! Over the inspector, V8 hands every chunk of the snapshot to the protocol, which copies it into
//! a JSON message (escaped, through UTF-16) that Node's inspector thread sends over the WebSocket —
//! on the process's main thread, which stalls all the while. Measured on a ~300 MB snapshot
//! (BENCHMARKS.md, "Capturing from a running process"), the last chunk arrived 1.0–1.6× after the
//! process's own `v8.writeHeapSnapshot()` of the same heap would have finished, whichever client
//! received it (DevTools' too). A process on this machine can instead be asked to write the file
//! itself — `v8.writeHeapSnapshot(PATH)`, what the `heapdump` module and `--heapsnapshot-signal`
//! do — evaluated over the same session (`Runtime.evaluate`); then it stalls only as long as that
//! write. The snapshot is the same but for one name: `writeHeapSnapshot`'s defaults are DevTools'
//! button's options (no numeric values, no internals), but only the inspector names global
//! objects after their context's origin (V8's `GlobalObjectNameResolver` in
//! `v8-heap-profiler-agent-impl.cc`), so Node's global object is `global` here and `global / `
//! (an empty origin) over the inspector.
//!
//! Only where the process sees our file system as we do: the same mount namespace (not a
//! container's), and a path it may write (the same user). Anything else, or a process that
//! cannot run the expression (no `v8` module to be had), declines before a byte is written, and
//! the caller takes the snapshot over the inspector instead ([`Handoff::Declined`]).
//!
//! The file is read while it grows and every new byte is handed on like an inspector chunk, so
//! the window and `capture --summary` parse it as it is written. Whether the process is still at
//! work during the long silence before its first byte (V8 builds the whole graph first) is told
//! by its CPU time, which keeps rising; an idle timeout counts only time in which neither that
//! nor the file moved.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::cdp::{Session, TempFile};
use super::{CaptureError, CaptureProgress, pid};

/// How often the file is read while the process writes it.
const POLL: Duration = Duration::from_millis(20);

/// What became of asking the process to write the snapshot itself.
#[derive(Debug)]
pub enum Handoff {
    /// The snapshot is in place at the destination; its size.
    Written(u64),
    /// The process did not write it, and nothing was handed on: take it over the inspector.
    Declined(String),
}

/// Whether `pid` sees the file system we see: the same mount namespace (a process in a container
/// would write into its own).
pub fn shares_our_files(pid: u32) -> bool {
    let ns = |p: &str| std::fs::read_link(format!("/proc/{p}/ns/mnt")).ok();
    matches!((ns("self"), ns(&pid.to_string())), (Some(a), Some(b)) if a == b)
}

/// The expression that makes the process write its snapshot to `path` and return the path.
/// `process.getBuiltinModule` (Node ≥ 20.16) works in CommonJS and ES modules alike; older Nodes
/// get `require` from the inspector console's command-line API.
fn write_expression(path: &str) -> String {
    // A JSON string is a JavaScript string literal.
    let literal = Value::String(path.to_string()).to_string();
    format!(
        "(() => {{ const p = globalThis.process; \
         const v8 = p && typeof p.getBuiltinModule === 'function' ? p.getBuiltinModule('v8') : require('v8'); \
         return v8.writeHeapSnapshot({literal}); }})()"
    )
}

/// Asks Node process `pid`, over `session`, to write its heap snapshot to a temporary file beside
/// `dest`, reads the file as it grows (each new run of bytes to `on_chunk`, the count to
/// `progress`), and renames it to `dest` when the process says it is done.
pub fn write_in_process(
    session: &mut Session,
    pid: u32,
    dest: &Path,
    idle_timeout: Duration,
    progress: &mut dyn FnMut(CaptureProgress),
    cancelled: &dyn Fn() -> bool,
    on_chunk: &mut dyn FnMut(&[u8]),
) -> Result<Handoff, CaptureError> {
    if !shares_our_files(pid) {
        return Ok(Handoff::Declined(format!("process {pid} does not share this machine's file system view")));
    }
    let dest = std::path::absolute(dest).map_err(|e| CaptureError::io(format!("resolving {}", dest.display()), e))?;
    // An interrupt removes the temporary folder at once (`cdp::remove_temp`), so an I/O error
    // after it is the interrupt's doing: said as such, not as a failed read.
    let unless_cancelled = |e: CaptureError| if cancelled() { CaptureError::Cancelled } else { e };
    let temp = TempFile::create_in_own_folder(&dest).map_err(unless_cancelled)?;
    let Some(temp_text) = temp.path.to_str() else {
        return Ok(Handoff::Declined(format!("{} is not UTF-8", temp.path.display())));
    };
    let what = || format!("reading {}", temp.path.display());
    let mut file = File::open(&temp.path).map_err(|e| unless_cancelled(CaptureError::io(what(), e)))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    // Reads what the process has written since the last call.
    let mut drain = |file: &mut File, bytes: &mut u64| -> Result<u64, CaptureError> {
        let before = *bytes;
        loop {
            match file.read(&mut buf) {
                Ok(0) => return Ok(*bytes - before),
                Ok(n) => {
                    on_chunk(&buf[..n]);
                    *bytes += n as u64;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(unless_cancelled(CaptureError::io(what(), e))),
            }
        }
    };

    progress(CaptureProgress::Writing { bytes: 0 });
    let mut last_sign_of_work = Instant::now();
    let mut cpu = pid::cpu_ticks(pid);
    let params = json!({
        "expression": write_expression(temp_text),
        "includeCommandLineAPI": true,
        "returnByValue": true,
        "silent": true,
    });
    let result = session.call_waking("Runtime.evaluate", params, POLL, &mut || {
        if cancelled() {
            return Err(CaptureError::Cancelled);
        }
        let grew = drain(&mut file, &mut bytes)? > 0;
        if grew {
            progress(CaptureProgress::Writing { bytes });
        }
        let now_cpu = pid::cpu_ticks(pid);
        if grew || now_cpu != cpu {
            cpu = now_cpu;
            last_sign_of_work = Instant::now();
        } else if last_sign_of_work.elapsed() >= idle_timeout {
            return Err(CaptureError::Stalled { pid, secs: idle_timeout.as_secs() });
        }
        Ok(())
    })?;
    if let Some(exception) = result.get("exceptionDetails") {
        let message = exception
            .pointer("/exception/description")
            .or_else(|| exception.get("text"))
            .and_then(Value::as_str)
            .unwrap_or("an exception")
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        if bytes == 0 {
            return Ok(Handoff::Declined(format!("v8.writeHeapSnapshot() failed in process {pid}: {message}")));
        }
        // Part of it was handed on already: that cannot be taken back and taken again.
        return Err(CaptureError::Protocol {
            addr: format!("process {pid}"),
            method: "v8.writeHeapSnapshot()".into(),
            message,
        });
    }
    // The process closed the file before it answered: the rest is there to read.
    drain(&mut file, &mut bytes)?;
    if bytes == 0 {
        return Ok(Handoff::Declined(format!("process {pid} wrote an empty file")));
    }
    progress(CaptureProgress::Writing { bytes });
    temp.commit(&dest)?;
    Ok(Handoff::Written(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_is_a_string_literal_whatever_it_holds() {
        let e = write_expression("/tmp/a \"b\"\\c\n.heapsnapshot");
        assert!(e.contains(r#"writeHeapSnapshot("/tmp/a \"b\"\\c\n.heapsnapshot")"#), "{e}");
    }

    #[test]
    fn this_process_shares_its_own_files() {
        assert!(shares_our_files(std::process::id()));
        assert!(!shares_our_files(u32::MAX));
    }
}
