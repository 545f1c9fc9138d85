//! The leaking Node.js server of `tests/capture/leaky-server.js`, shared by the tests that capture
//! it (`tests/capture.rs` through the CLI, `tests/ui_attach.rs` through the window).
//!
//! Needs `node` on PATH (`.ci/run` installs it); without it the tests fail and say so.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Tests that signal a process open its inspector on Node's default port 9229: one at a time.
pub static DEFAULT_PORT: Mutex<()> = Mutex::new(());

pub struct Server {
    pub child: Child,
    pub port: u16,
    /// Everything the process printed on stderr so far (Node's "Debugger listening/ending").
    stderr: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How the process ended, if it has.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The inspector port Node announced last (`Debugger listening on ws://127.0.0.1:PORT/…`).
    pub fn inspector_port(&self) -> Option<u16> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let err = self.stderr();
            let port = err.lines().rev().find_map(|l| {
                let rest = l.strip_prefix("Debugger listening on ws://")?;
                rest.split('/').next()?.rsplit(':').next()?.parse().ok()
            });
            if port.is_some() || Instant::now() > deadline {
                return port;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

pub fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/capture/leaky-server.js")
}

pub fn start_node(args: &[&str]) -> Server {
    start_node_script(&script(), args, &[])
}

/// Starts `node ARGS SCRIPT` with `env` added to its environment; the script prints
/// "listening http://127.0.0.1:PORT" first.
pub fn start_node_script(script: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Server {
    let mut child = Command::new("node")
        .args(args)
        .envs(env.iter().copied())
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("these tests need `node` on PATH (.ci/run installs it): {e}"));
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut err = child.stderr.take().unwrap();
    let sink = stderr.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = err.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let port = line.trim().rsplit(':').next().and_then(|p| p.parse().ok());
    let port = port.unwrap_or_else(|| panic!("no port in the server's first line {line:?}"));
    Server { child, port, stderr }
}

/// A plain HTTP GET with a timeout; the body.
pub fn get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    text.split("\r\n\r\n").nth(1).unwrap_or_default().to_string()
}
