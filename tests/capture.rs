//! `heapscope capture` against real `node` processes (issue 12): by pid (no inspector flag, opened
//! with SIGUSR1 and closed again) and by inspector address; three snapshots around leaking
//! requests, read back and compared, and loaded by DevTools' own code (the oracle) with no
//! problems and the same numbers as ours; a process killed mid-capture; bad pids and closed ports.
//!
//! Needs `node` on PATH (`.ci/run` installs it) and an installed copy of `../shared/oracle`
//! (`$HEAPSCOPE_ORACLE`, else `target/oracle`, which `.ci/run` prepares); without them these tests
//! fail and say so.

#![cfg(feature = "capture")]
#![allow(clippy::unwrap_used)]

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use heapscope::analysis::paths::{RetainersView, shortest_path};
use heapscope::analysis::{Analysis, diff};
use heapscope::progress::NoProgress;

const LEAKS: usize = 20;

#[path = "support/leaky_node.rs"]
mod leaky_node;
#[path = "support/oracle_json.rs"]
mod oracle_json;
use leaky_node::{DEFAULT_PORT, Server, get, start_node, start_node_script};

fn heapscope(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .env("HEAPSCOPE_NO_INDEX", "1")
        .arg("capture")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("heapscope capture {args:?} did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn capture_ok(args: &[&str]) -> String {
    let out = heapscope(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "heapscope capture {args:?} failed: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Exit status 1 and exactly one line on stderr, which contains `needle`.
fn capture_fails(args: &[&str], needle: &str) {
    let out = heapscope(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(stderr.contains(needle), "{args:?}: expected {needle:?} in {stderr:?}");
}

fn load(path: &Path) -> Analysis {
    let snap = heapscope::snapshot::read_file(path, &NoProgress).unwrap();
    Analysis::run(snap, &NoProgress).unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// Snapshot files (not the hidden temporary ones), sorted: by time, as they are named.
fn snapshots_in(dir: &Path) -> Vec<String> {
    files_in(dir).into_iter().filter(|n| !n.starts_with('.') && n.ends_with(".heapsnapshot")).collect()
}

/// `NAME-YYYYMMDD-HHMMSS[-N].heapsnapshot`.
fn assert_timestamped(name: &str, prefix: &str) {
    let stamp =
        name.strip_prefix(prefix).and_then(|n| n.strip_prefix('-')).and_then(|n| n.strip_suffix(".heapsnapshot"));
    let stamp = stamp.unwrap_or_else(|| panic!("{name} is not {prefix}-…heapsnapshot"));
    assert!(stamp.len() >= 15 && stamp.as_bytes()[8] == b'-', "{name}");
    assert!(stamp[..8].bytes().chain(stamp[9..15].bytes()).all(|b| b.is_ascii_digit()), "{name}");
}

/// One `capture --every 4 --count 3` run with `LEAKS` leaking requests after each of the first
/// two snapshots; each Comparison shows exactly that many new `LeakedRequest`s (and, ids being
/// stable within one run, none deleted), held by the `RequestLog`.
fn three_snapshots_show_the_leak(server: &Server, how: &[&str], dir: &Path, route: &str) {
    let out_dir = format!("{}/", dir.display());
    let mut capture = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .env("HEAPSCOPE_NO_INDEX", "1")
        .arg("capture")
        .args(how)
        .args(["--every", "4", "--count", "3", "-o", &out_dir])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    for done in 1..=2 {
        while snapshots_in(dir).len() < done {
            assert!(Instant::now() < deadline, "snapshot {done} never came");
            assert!(capture.try_wait().unwrap().is_none(), "capture stopped after {} snapshots", done - 1);
            std::thread::sleep(Duration::from_millis(20));
        }
        for _ in 0..LEAKS {
            get(server.port, "/leak");
        }
    }
    while capture.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "capture did not finish");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = capture.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches(" nodes, ").count(), 3, "each file was read back: {stdout}");
    assert_eq!(stdout.matches(route).count(), 3, "each came {route}: {stdout}");

    let names = snapshots_in(dir);
    assert_eq!(names.len(), 3, "{names:?}");
    for n in &names {
        assert_timestamped(n, "leaky-server");
    }
    let a: Vec<Analysis> = names.iter().map(|n| load(&dir.join(n))).collect();
    for (base, current) in [(&a[0], &a[1]), (&a[1], &a[2])] {
        let cmp = diff::compare(base, current);
        let leaked = cmp.classes.iter().find(|c| c.name == "LeakedRequest").expect("a LeakedRequest row");
        assert_eq!(leaked.count_delta(), LEAKS as i64);
        assert_eq!(leaked.deleted_count, 0, "ids are stable within one run");
        // The leaking holder: a new object's shortest path to a root goes through RequestLog.
        let path = shortest_path(current, &RetainersView::new(), leaked.added[0]);
        let holders: Vec<&str> = path.edges.iter().map(|r| current.snapshot.node_name(r.node)).collect();
        assert!(holders.contains(&"RequestLog"), "{holders:?}");
    }
    devtools_loads_them_with_our_numbers(dir, &names, &a);
    // The process still serves, and kept every leak.
    assert!(get(server.port, "/").contains(&format!(" {}", 2 * LEAKS)));
}

/// The captured files load in DevTools' own code (the oracle) without problems (DevTools' console
/// warnings, such as unreachable nodes), and its Summary of each and its Comparison of the last
/// two equal ours on every field it writes.
fn devtools_loads_them_with_our_numbers(dir: &Path, names: &[String], analyses: &[Analysis]) {
    let path = |n: &str| dir.join(n).display().to_string();
    let check = |what: &str, expected: &serde_json::Value, ours: Vec<u8>| {
        let ours: serde_json::Value = serde_json::from_slice(&ours).unwrap();
        let (checked, problems) = oracle_json::compare(expected, &ours);
        assert!(problems.is_empty(), "{what}: {} of {checked} fields differ:\n{}", problems.len(), problems.join("\n"));
        assert!(checked > 100, "{what}: only {checked} fields compared");
    };
    for (n, a) in names.iter().zip(analyses) {
        let expected = oracle_json::run_oracle(&["summary", &path(n)]);
        assert_eq!(expected["problems"], serde_json::json!([]), "DevTools' problems loading {n}");
        assert!(expected["node_count"].as_u64().unwrap() > 1000, "{n}: {}", expected["node_count"]);
        let mut ours = Vec::new();
        heapscope::cli::json::summary(&mut ours, a, n).unwrap();
        check(&format!("summary {n}"), &expected, ours);
    }
    let [.., b, c] = names else { panic!("two snapshots to compare") };
    let (ab, ac) = (&analyses[names.len() - 2], &analyses[names.len() - 1]);
    let expected = oracle_json::run_oracle(&["diff", &path(b), &path(c)]);
    let mut ours = Vec::new();
    heapscope::cli::json::diff(&mut ours, ab, ac, &diff::compare(ab, ac), &[b.as_str(), c.as_str()]).unwrap();
    check(&format!("diff {b} {c}"), &expected, ours);
}

#[test]
fn by_pid_opens_the_inspector_captures_and_closes_it_again() {
    let _one = DEFAULT_PORT.lock().unwrap_or_else(|e| e.into_inner());
    let server = start_node(&[]);
    let dir = tempfile::tempdir().unwrap();
    let pid = server.pid().to_string();
    // A local process writes its own snapshots (`capture::handoff`).
    three_snapshots_show_the_leak(&server, &["--pid", &pid], dir.path(), "; written by the process)");

    // The run opened the inspector once and closed it again.
    let err = server.stderr();
    assert_eq!(err.matches("Debugger listening on").count(), 1, "{err}");
    // Node prints "Debugger ending" whenever a client leaves, so the port tells: it is closed.
    let port = server.inspector_port().unwrap();
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "inspector port {port} still open");
    assert_eq!(files_in(dir.path()).len(), 3, "no temporary file is left");
}

/// `heapscope leaks FILES --json`, which must succeed.
fn leaks_json(files: &[String]) -> serde_json::Value {
    let mut args = vec!["leaks"];
    args.extend(files.iter().map(String::as_str));
    args.push("--json");
    let out =
        Command::new(env!("CARGO_BIN_EXE_heapscope")).args(&args).env("HEAPSCOPE_NO_INDEX", "1").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What a user does without `--every`: three separate `capture --pid` runs, each its own
/// inspector session, so V8 numbers the objects anew each time. The leak report cannot follow
/// them by id; it follows them by their paths, says so, and names the growing `RequestLog`.
#[test]
fn separate_captures_of_one_process_make_a_leak_report() {
    let _one = DEFAULT_PORT.lock().unwrap_or_else(|e| e.into_inner());
    let server = start_node(&[]);
    let dir = tempfile::tempdir().unwrap();
    let pid = server.pid().to_string();
    let mut files = Vec::new();
    for k in 1..=3 {
        let file = dir.path().join(format!("s{k}.heapsnapshot")).display().to_string();
        capture_ok(&["--pid", &pid, "-o", &file]);
        files.push(file);
        if k < 3 {
            // ~100 kB a step: above the report's 64 KiB floor.
            for _ in 0..200 {
                get(server.port, "/leak");
            }
        }
    }
    let r = leaks_json(&files);
    let shares = r["matched_by_path"].as_array().unwrap();
    assert_eq!(shares.len(), 2, "three sessions: objects followed by their paths: {r:#}");
    assert!(shares.iter().all(|s| s.as_f64().unwrap() > 0.5), "{shares:?}");
    let first = &r["suspects"][0];
    let path: Vec<&str> = first["path"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    assert!(path.contains(&"requestLog"), "the first suspect is the request log: {r:#}");
    // In every snapshot: the array was found at its path in the first one too.
    let sizes: Vec<u64> = first["retained_size"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert!(sizes.len() == 3 && sizes[0] < sizes[1] && sizes[1] < sizes[2], "{sizes:?}");
    // The process still serves, with every leak kept.
    assert!(get(server.port, "/").contains(" 400"));
}

#[test]
fn by_address_captures_and_leaves_the_inspector_open() {
    let server = start_node(&["--inspect=127.0.0.1:0"]);
    let port = server.inspector_port().expect("Node announced its inspector");
    let addr = format!("127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    three_snapshots_show_the_leak(&server, &["--inspect", &addr], dir.path(), "; over the inspector)");
    // We did not open it, so we leave it open.
    assert!(TcpStream::connect(("127.0.0.1", port)).is_ok());
}

#[test]
fn one_snapshot_to_a_named_file() {
    let server = start_node(&["--inspect=127.0.0.1:0"]);
    let addr = format!("127.0.0.1:{}", server.inspector_port().unwrap());
    let dir = tempfile::tempdir().unwrap();
    // What a killed capture left there (its pid, 2^22 + 1, is above Linux's highest), and what a
    // running one is writing (this test's pid): the first goes, the second stays.
    let orphan = format!(".old.heapsnapshot.{}.partial", (1u32 << 22) + 1);
    let running = format!(".now.heapsnapshot.{}.partial", std::process::id());
    for name in [&orphan, &running] {
        std::fs::write(dir.path().join(name), "{\"snapshot\"").unwrap();
    }
    let path = dir.path().join("one.heapsnapshot");
    let stdout = capture_ok(&["--inspect", &addr, "-o", path.to_str().unwrap()]);
    let a = load(&path);
    assert!(stdout.contains(&format!("{} nodes", a.node_count())), "{stdout}");
    assert_eq!(files_in(dir.path()), [running.as_str(), "one.heapsnapshot"]);
}

/// A local process that cannot write its own snapshot (here its `v8.writeHeapSnapshot` throws) is
/// captured over the inspector instead, with the reason on stderr; `--via-inspector` asks for
/// that route outright.
#[test]
fn by_pid_falls_back_to_the_inspector_when_the_process_cannot_write() {
    let _one = DEFAULT_PORT.lock().unwrap_or_else(|e| e.into_inner());
    let refuses = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/capture/refuses-to-write.js");
    let server = start_node(&["--require", refuses.to_str().unwrap()]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fallback.heapsnapshot");
    let out = heapscope(&["--pid", &server.pid().to_string(), "-o", path.to_str().unwrap()]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("; over the inspector)"), "{stdout}");
    let why =
        format!("took the snapshot over the inspector: v8.writeHeapSnapshot() failed in process {}", server.pid());
    assert!(stderr.contains(&why) && stderr.contains("writing is refused here"), "{stderr}");
    assert!(load(&path).node_count() > 1000);
    assert_eq!(files_in(dir.path()), ["fallback.heapsnapshot"]);
    drop(server);

    let server = start_node(&[]);
    let path = dir.path().join("asked.heapsnapshot");
    let pid = server.pid().to_string();
    let stdout = capture_ok(&["--pid", &pid, "--via-inspector", "-o", path.to_str().unwrap()]);
    assert!(stdout.contains("; over the inspector)"), "{stdout}");
    assert!(load(&path).node_count() > 1000);
}

#[test]
fn a_process_killed_during_capture_leaves_no_file() {
    let _one = DEFAULT_PORT.lock().unwrap_or_else(|e| e.into_inner());
    // Both routes: the process writing its own file, and chunks over the inspector.
    for route in [None, Some("--via-inspector")] {
        killed_during_capture(route);
    }
}

fn killed_during_capture(route: Option<&str>) {
    let mut server = start_node(&[]);
    get(server.port, "/grow");
    let dir = tempfile::tempdir().unwrap();
    let mut capture = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .env("HEAPSCOPE_NO_INDEX", "1")
        .args(["capture", "--pid", &server.pid().to_string(), "-o", dir.path().to_str().unwrap()])
        .args(route)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill the process once the capture has started writing its temporary file.
    let deadline = Instant::now() + Duration::from_secs(60);
    while files_in(dir.path()).is_empty() {
        assert!(Instant::now() < deadline, "the capture never started");
        if capture.try_wait().unwrap().is_some() {
            let out = capture.wait_with_output().unwrap();
            panic!("the capture finished before the kill: {}", String::from_utf8_lossy(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    server.child.kill().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while capture.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the capture did not notice the process died");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = capture.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(stderr.contains(&format!("process {} exited", server.pid())), "{stderr}");
    assert_eq!(files_in(dir.path()), Vec::<String>::new(), "no partial file is left");
}

#[test]
fn ctrl_c_during_capture_leaves_no_file_and_closes_the_inspector() {
    let _one = DEFAULT_PORT.lock().unwrap_or_else(|e| e.into_inner());
    let mut server = start_node(&[]);
    get(server.port, "/grow");
    let dir = tempfile::tempdir().unwrap();
    let mut capture = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .env("HEAPSCOPE_NO_INDEX", "1")
        .args(["capture", "--pid", &server.pid().to_string(), "-o", dir.path().to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while files_in(dir.path()).is_empty() {
        assert!(Instant::now() < deadline, "the capture never started");
        if capture.try_wait().unwrap().is_some() {
            let out = capture.wait_with_output().unwrap();
            panic!("the capture finished before the interrupt: {}", String::from_utf8_lossy(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Command::new("kill").args(["-INT", &capture.id().to_string()]).status().unwrap();
    while capture.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the capture ignored Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = capture.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    // The inspector we opened closes (at the latest when V8 has finished that snapshot).
    let port = server.inspector_port().unwrap();
    while TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(Instant::now() < deadline, "inspector port {port} still open");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Once seen here: the process was gone (the port refused); say how it ended, next time.
    if let Some(status) = server.exited() {
        panic!("the captured process ended after the interrupt ({status}):\n{}", server.stderr());
    }
    assert!(get(server.port, "/").starts_with("ok"));
    // Checked once the process serves again, so has given up the snapshot it was asked to write
    // (it opens its file only after building the graph, after the interrupt).
    assert_eq!(files_in(dir.path()), Vec::<String>::new(), "no partial file is left");
}

/// A process started with `--inspect=127.0.0.1:PORT` (on its command line or in `NODE_OPTIONS`)
/// and serving HTTP on eight ports of its own: captured by pid, and listed by the Attach… dialog's
/// process list, without one request to those ports — only the port the flag names is asked.
#[test]
fn by_pid_asks_only_the_inspector_port_its_flags_name() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/capture/many-ports-server.js");
    for in_env in [false, true] {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let flag = format!("--inspect=127.0.0.1:{port}");
        let server = if in_env {
            start_node_script(&script, &[], &[("NODE_OPTIONS", &flag)])
        } else {
            start_node_script(&script, &[&flag], &[])
        };
        assert_eq!(server.inspector_port(), Some(port), "{}", server.stderr());
        let listed = heapscope::capture::list_node_processes();
        let entry = listed.iter().find(|p| p.pid == server.pid()).expect("the process is listed");
        assert_eq!(entry.inspector.as_deref(), Some(format!("127.0.0.1:{port}").as_str()));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("one.heapsnapshot");
        capture_ok(&["--pid", &server.pid().to_string(), "-o", path.to_str().unwrap()]);
        assert!(path.exists());
        // This request is the first the process's own ports have seen.
        assert_eq!(get(server.port, "/count"), "requests 1\n", "NODE_OPTIONS: {in_env}");
    }
}

#[test]
fn a_taken_inspector_port_is_a_clear_error() {
    let _one = DEFAULT_PORT.lock().unwrap_or_else(|e| e.into_inner());
    // Hold Node's default inspector port (if something else holds it, it is taken all the same).
    let _taken = std::net::TcpListener::bind("127.0.0.1:9229");
    let server = start_node(&[]);
    capture_fails(&["--pid", &server.pid().to_string()], "is taken by another program");
    // The process lives on and serves.
    assert!(get(server.port, "/").starts_with("ok"));
}

#[test]
fn a_process_that_handles_sigusr1_itself_is_told_apart_from_a_taken_port() {
    use heapscope::capture::{CaptureError, NotOpened, Options, Target, attach};
    let _one = DEFAULT_PORT.lock().unwrap_or_else(|e| e.into_inner());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/capture/own-sigusr1-server.js");
    let server = start_node_script(&script, &[], &[]);
    let options = Options { open_timeout: Duration::from_secs(2), ..Options::default() };
    let err = attach(&Target::Pid(server.pid()), &options).err().expect("no inspector opens");
    // Whatever else runs here: if something holds Node's default port, it is taken.
    let held = TcpStream::connect(("127.0.0.1", 9229)).is_ok();
    let expected = if held { NotOpened::PortTaken(9229) } else { NotOpened::PortFree(9229) };
    assert!(matches!(err, CaptureError::InspectorDidNotOpen { why, .. } if why == expected), "{err}");
    // The process got the signal, handled it, and serves on.
    assert_eq!(get(server.port, "/"), "signals 1\n");
}

#[test]
fn an_inspector_that_does_not_list_its_address_is_named() {
    let server = start_node(&["--inspect=127.0.0.1:0", "--inspect-publish-uid=stderr"]);
    let port = server.inspector_port().expect("Node prints the address");
    capture_fails(&["--pid", &server.pid().to_string()], "--inspect-publish-uid");
    capture_fails(&["--inspect", &format!("127.0.0.1:{port}")], "--ws");
    // The address Node printed is the way in.
    let stderr = server.stderr();
    let ws = stderr.lines().find_map(|l| l.strip_prefix("Debugger listening on ")).unwrap().trim();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("by-ws.heapsnapshot");
    capture_ok(&["--ws", ws, "-o", path.to_str().unwrap()]);
    assert!(load(&path).snapshot.node_count() > 0);
    // Without an inspector open, no signal is sent: one we could not use would stay open.
    let quiet = start_node(&["--inspect-publish-uid=stderr"]);
    capture_fails(&["--pid", &quiet.pid().to_string()], "--inspect-publish-uid");
    std::thread::sleep(Duration::from_millis(500));
    assert!(!quiet.stderr().contains("Debugger listening"), "{}", quiet.stderr());
    assert!(get(quiet.port, "/").starts_with("ok"));
}

#[test]
fn bad_targets_exit_1_with_one_clear_line() {
    // Above Linux's largest pid_max (2^22), so never a real process.
    capture_fails(&["--pid", "4194305"], "no process with pid 4194305");
    let mut sleep = Command::new("sleep").arg("30").spawn().unwrap();
    capture_fails(&["--pid", &sleep.id().to_string()], "is not a Node.js process");
    let _ = sleep.kill();
    let _ = sleep.wait();
    // A port that was just free.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    capture_fails(&["--inspect", &format!("127.0.0.1:{port}")], "connection refused");
    capture_fails(&["--ws", &format!("ws://127.0.0.1:{port}/x")], "connection refused");
    capture_fails(&["--inspect", "192.0.2.1:9229"], "--allow-remote");
    // A port that answers HTTP but is no inspector.
    let server = start_node(&[]);
    capture_fails(&["--inspect", &format!("127.0.0.1:{}", server.port)], "not a DevTools inspector");
}

/// Headless Chromium on a `data:` page (no network); stopped with SIGTERM so that its helper
/// processes go with it.
struct Chromium {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_chromium(page: &str) -> Chromium {
    let profile = tempfile::tempdir().unwrap();
    let child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--remote-debugging-port=0",
            &format!("--user-data-dir={}", profile.path().display()),
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            page,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("this test needs `chromium` on PATH (apt-get install -y chromium): {e}"));
    // Chromium writes the port it chose to DevToolsActivePort (first line) in the profile.
    let file = profile.path().join("DevToolsActivePort");
    let deadline = Instant::now() + Duration::from_secs(30);
    let port = loop {
        if let Some(p) = std::fs::read_to_string(&file).ok().and_then(|t| t.lines().next()?.parse().ok()) {
            break p;
        }
        assert!(Instant::now() < deadline, "chromium did not open its debugging port");
        std::thread::sleep(Duration::from_millis(50));
    };
    Chromium { child, port, _profile: profile }
}

/// Chromium's `/json/list` body: read to its Content-Length, as Chromium keeps the connection
/// open after answering.
/// Chromium on `page`, once the page's script has set the title `leakready` (its last statement),
/// and the inspector's address. A page is listed before its script has run (CI saw a snapshot
/// without the objects, with other captures running beside it).
fn start_ready_page(page: &str) -> (Chromium, String) {
    let chromium = start_chromium(page);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !json_list(chromium.port).contains("leakready") {
        assert!(Instant::now() < deadline, "the page's script did not run");
        std::thread::sleep(Duration::from_millis(100));
    }
    let addr = format!("127.0.0.1:{}", chromium.port);
    (chromium, addr)
}

fn json_list(port: u16) -> String {
    use std::io::{Read, Write};
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                .and_then(|v| v.parse::<usize>().ok());
            if length.is_some_and(|n| body.len() >= n) {
                return body.to_string();
            }
        }
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&got).into_owned(),
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// A page that leaks detached table rows on a timer, captured by address in three separate runs
/// (three DevTools sessions): the leak report names the page's array. Chromium kept its ids
/// across such sessions here, where Node renumbers; when it does renumber (seen after other
/// clients came and went), the paths follow the objects, Chromium's `@id` names included.
#[test]
fn separate_captures_of_a_chromium_page_make_a_leak_report() {
    let page = "data:text/html,<title>rows</title><script>window.keptRows = []; \
                setInterval(() => { for (let i = 0; i < 40; i++) { const tr = document.createElement('tr'); \
                tr.innerHTML = '<td>row ' + keptRows.length + '</td><td>' + 'x'.repeat(200) + '</td>'; \
                keptRows.push(tr); } }, 50); document.title = 'leakready';</script>";
    let (_chromium, addr) = start_ready_page(page);
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for k in 1..=3 {
        std::thread::sleep(Duration::from_millis(1500));
        let file = dir.path().join(format!("s{k}.heapsnapshot")).display().to_string();
        capture_ok(&["--inspect", &addr, "--target", "keptRows", "-o", &file]);
        files.push(file);
    }
    let r = leaks_json(&files);
    let first = &r["suspects"][0];
    assert_eq!(first["holder"]["edge"], "keptRows", "{r:#}");
}

#[test]
fn a_chromium_page_by_address() {
    let page = "data:text/html,<title>leakpage</title><script>class PageLeak {}; \
                window.keep = []; for (let i = 0; i < 123; i++) keep.push(new PageLeak()); \
                document.title = 'leakready';</script>";
    let (_chromium, addr) = start_ready_page(page);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.heapsnapshot");
    // The page's URL names it (its title may not be set yet when the page is listed).
    capture_ok(&["--inspect", &addr, "--target", "PageLeak", "-o", path.to_str().unwrap()]);
    let a = load(&path);
    // The Summary has the page's class with every instance.
    let mut out = Vec::new();
    heapscope::cli::json::summary(&mut out, &a, "page").unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let classes = summary["classes"].as_array().unwrap();
    let row = classes.iter().find(|r| r["name"] == "PageLeak").expect("a PageLeak row");
    assert_eq!(row["count"], 123);
}
