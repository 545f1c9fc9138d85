//! The Attach… dialog driven as a user drives it (egui_kittest), against a real `node` process
//! running tests/capture/leaky-server.js without inspector flags: open Attach…, find the process
//! by pid, attach (Heapscope opens its inspector with SIGUSR1), take two snapshots around leaking
//! requests, see them in the sidebar (loaded from their chunks as they arrived, with the Summary
//! the saved file gives), detach — the process still serves and its inspector is closed again. A
//! process killed while its snapshot is received leaves neither a file nor a snapshot, and says
//! so. A closed port and a remote host show their errors in the dialog.
//!
//! Needs `node` on PATH (`.ci/run` installs it); without it the test fails and says so.

#![cfg(all(feature = "gui", feature = "capture"))]
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use heapscope::ui::App;
use heapscope::ui::attach::SessionState;

#[path = "support/leaky_node.rs"]
mod leaky_node;
#[path = "support/ui_harness.rs"]
mod ui_harness;
use leaky_node::{DEFAULT_PORT, get, start_node};

fn harness(folder: PathBuf) -> Harness<'static, App> {
    let mut app = App::empty();
    app.attach.folder = folder.display().to_string();
    ui_harness::window(app)
}

/// Runs frames (and the app's loads) until `done` holds; panics after `secs`.
fn wait_until(h: &mut Harness<'static, App>, secs: u64, what: &str, done: impl Fn(&App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        h.run_steps(2);
        let ctx = h.ctx.clone();
        h.state_mut().wait_for_background_work(&ctx);
        h.run_steps(1);
        if done(h.state()) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: not within {secs} s; dialog error: {:?}", h.state().attach.error);
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Attach… → the process `pid` in the list → Attach, until the session is ready (or failed).
fn attach_by_pid(h: &mut Harness<'static, App>, pid: u32) {
    h.get_by_label("Attach…").click();
    wait_until(h, 30, "the process list", |a| !a.attach.is_busy());
    h.get_by_label(&pid.to_string()).click();
    h.run_steps(2);
    h.get_by_label("Attach").click();
    wait_until(h, 30, "attaching", |a| {
        a.attach.session.as_ref().is_some_and(|s| s.state == SessionState::Ready) || a.attach.error.is_some()
    });
}

/// Attach… → add inspector address 127.0.0.1:`port` → its Node target → Attach, until the session
/// is ready (or failed).
fn attach_by_address(h: &mut Harness<'static, App>, port: u16) {
    h.get_by_label("Attach…").click();
    wait_until(h, 30, "the process list", |a| !a.attach.is_busy());
    h.get_by_role(Role::TextInput).click();
    h.run_steps(1);
    h.get_by_role(Role::TextInput).type_text(&format!("127.0.0.1:{port}"));
    h.run_steps(1);
    h.get_by_label("Add").click();
    wait_until(h, 10, "the inspector's targets", |a| !a.attach.is_busy());
    h.get_by_label_contains("leaky-server.js file://").click();
    h.run_steps(2);
    h.get_by_label("Attach").click();
    wait_until(h, 30, "attaching", |a| {
        a.attach.session.as_ref().is_some_and(|s| s.state == SessionState::Ready) || a.attach.error.is_some()
    });
}

/// Runs frames only (never waits for the app's loads, which wait for the capture to end) until
/// `done` holds; panics after `secs`. For states seen while a capture runs.
fn frames_until(h: &mut Harness<'static, App>, secs: u64, what: &str, done: impl Fn(&App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        h.run_steps(1);
        if done(h.state()) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: not within {secs} s; dialog error: {:?}", h.state().attach.error);
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The Summary as `heapscope summary --json` prints it (every class row, every total).
fn summary_json(a: &heapscope::analysis::Analysis) -> String {
    let mut out = Vec::new();
    heapscope::cli::json::summary(&mut out, a, "snapshot").unwrap();
    String::from_utf8(out).unwrap()
}

fn error_text(h: &Harness<'static, App>) -> String {
    h.state().attach.error.clone().unwrap_or_default()
}

#[test]
fn attach_by_pid_take_snapshots_detach_and_the_process_still_serves() {
    let _port = DEFAULT_PORT.lock().unwrap_or_else(|e| e.into_inner());
    let server = start_node(&[]);
    let pid = server.child.id();
    let folder = tempfile::tempdir().unwrap();
    let mut h = harness(folder.path().to_path_buf());

    h.get_by_label("Attach…").click();
    wait_until(&mut h, 30, "the process list", |a| !a.attach.is_busy());
    // The process is listed by pid, without an inspector (it was started without one).
    let listed = h.state().attach.processes.iter().find(|p| p.pid == pid).cloned();
    assert_eq!(listed.map(|p| (p.inspector, p.unlisted)), Some((None, false)));
    assert!(h.query_all_by_label("no inspector").count() >= 1);
    h.get_by_label(&pid.to_string()).click();
    h.run_steps(2);
    h.get_by_label("Attach").click();
    wait_until(&mut h, 30, "attaching", |a| {
        a.attach.session.as_ref().is_some_and(|s| s.state == SessionState::Ready) || a.attach.error.is_some()
    });
    assert_eq!(error_text(&h), "");
    h.get_by_label_contains("Attached to");
    h.get_by_label_contains("Heapscope opened its inspector");

    h.get_by_label("Take snapshot").click();
    wait_until(&mut h, 60, "the first snapshot", |a| a.snapshots.len() == 1 || a.attach.error.is_some());
    for _ in 0..5 {
        get(server.port, "/leak");
    }
    h.get_by_label("Take snapshot").click();
    wait_until(&mut h, 60, "the second snapshot", |a| a.snapshots.len() == 2 || a.attach.error.is_some());
    assert_eq!(error_text(&h), "");
    // Chosen by pid, the process wrote them itself (`capture::handoff`), and the dialog says so.
    h.get_by_label_contains("2 snapshot(s) taken; last: leaky-server-");
    h.get_by_label_contains(", written by the process)");

    // Both are in the sidebar, named by the script and the time, and saved in the folder.
    let titles: Vec<String> = h.state().snapshots.iter().map(|s| s.title.clone()).collect();
    for (i, t) in titles.iter().enumerate() {
        assert!(t.starts_with(&format!("Snapshot {}: leaky-server-", i + 1)), "{t}");
        h.get_by_label(t);
    }
    let files: Vec<_> = std::fs::read_dir(folder.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.iter().all(|f| f.extension().is_some_and(|e| e == "heapsnapshot")));

    // Loaded from the chunks as they arrived, they are the snapshots the saved files hold: the
    // same Summary, field by field, as the file read back from disk.
    for s in &h.state().snapshots {
        let from_file = heapscope::analysis::load_file(&s.path, &heapscope::progress::NoProgress).unwrap();
        assert_eq!(summary_json(&s.analysis), summary_json(&from_file), "{}", s.path.display());
    }

    // One session: the leaked objects keep their ids, so the Comparison shows +5, not churn.
    let (a, b) = (h.state().snapshots[0].analysis.clone(), h.state().snapshots[1].analysis.clone());
    let cmp = heapscope::analysis::diff::compare(&a, &b);
    let leaked = cmp.classes.iter().find(|c| c.name == "LeakedRequest").expect("LeakedRequest in the Comparison");
    assert_eq!((leaked.new_count, leaked.deleted_count), (5, 0));

    h.get_by_label("Detach").click();
    wait_until(&mut h, 30, "detaching", |a| a.attach.session.is_none());
    assert_eq!(error_text(&h), "");
    // The process keeps serving, and the inspector Heapscope opened is closed again.
    assert!(get(server.port, "/").starts_with("ok "));
    let listed = heapscope::capture::list_node_processes();
    let me = listed.iter().find(|p| p.pid == pid).expect("the process is still listed");
    assert_eq!(me.inspector, None);
}

#[test]
fn a_closed_port_and_a_remote_host_show_errors_in_the_dialog() {
    let folder = tempfile::tempdir().unwrap();
    let mut h = harness(folder.path().to_path_buf());
    h.get_by_label("Attach…").click();
    wait_until(&mut h, 30, "the process list", |a| !a.attach.is_busy());

    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    h.get_by_role(Role::TextInput).click();
    h.run_steps(1);
    h.get_by_role(Role::TextInput).type_text(&format!("127.0.0.1:{port}"));
    h.run_steps(1);
    h.get_by_label("Add").click();
    wait_until(&mut h, 10, "the closed port's answer", |a| !a.attach.is_busy());
    assert!(error_text(&h).contains("connection refused"), "{}", error_text(&h));
    assert!(h.query_all_by_label_contains("connection refused").count() >= 1);

    // A remote host without "allow remote" (Add emptied the field).
    assert_eq!(h.state().attach.address, "");
    h.get_by_role(Role::TextInput).click();
    h.run_steps(1);
    h.get_by_role(Role::TextInput).type_text("192.0.2.1:9229");
    h.run_steps(1);
    h.get_by_label("Add").click();
    wait_until(&mut h, 10, "the remote host's answer", |a| !a.attach.is_busy());
    assert!(error_text(&h).contains("not a loopback address"), "{}", error_text(&h));
    assert!(h.query_all_by_label_contains("not a loopback address").count() >= 1);
    // Nothing to attach to.
    assert!(h.state().attach.session.is_none());
}

#[test]
fn a_ws_address_attaches_where_the_inspector_lists_no_targets() {
    // Node prints its inspector's address on stderr only: /json/list answers 404.
    let server = start_node(&["--inspect=127.0.0.1:0", "--inspect-publish-uid=stderr"]);
    server.inspector_port().expect("Node announced its inspector");
    let stderr = server.stderr();
    let ws = stderr.lines().find_map(|l| l.strip_prefix("Debugger listening on ")).unwrap().trim().to_string();
    let folder = tempfile::tempdir().unwrap();
    let mut h = harness(folder.path().to_path_buf());

    // By pid the dialog says why not, at once (no signal, no 10 s wait).
    attach_by_pid(&mut h, server.pid());
    // The list says its inspector is open, though not where.
    let listed = h.state().attach.processes.iter().find(|p| p.pid == server.pid()).cloned().unwrap();
    assert_eq!((listed.inspector, listed.unlisted), (None, true));
    h.get_by_label("open, address unlisted");
    assert!(error_text(&h).contains("--inspect-publish-uid"), "{}", error_text(&h));
    assert!(h.state().attach.session.is_none());

    // The printed address, typed into the address field, is a target to attach to.
    h.get_by_role(Role::TextInput).click();
    h.run_steps(1);
    h.get_by_role(Role::TextInput).type_text(&ws);
    h.run_steps(1);
    h.get_by_label("Add").click();
    wait_until(&mut h, 10, "the address's target", |a| !a.attach.is_busy());
    assert_eq!(error_text(&h), "");
    h.get_by_label(&format!("ws  {ws}")).click();
    h.run_steps(2);
    h.get_by_label("Attach").click();
    wait_until(&mut h, 30, "attaching", |a| {
        a.attach.session.as_ref().is_some_and(|s| s.state == SessionState::Ready) || a.attach.error.is_some()
    });
    assert_eq!(error_text(&h), "");
    h.get_by_label("Take snapshot").click();
    wait_until(&mut h, 60, "the snapshot", |a| !a.snapshots.is_empty() || a.attach.error.is_some());
    assert_eq!(error_text(&h), "");
    h.get_by_label("Detach").click();
    wait_until(&mut h, 30, "detaching", |a| a.attach.session.is_none());
    assert!(get(server.port, "/").starts_with("ok "));
}

#[test]
fn attach_by_address_and_take_a_snapshot_every_n_seconds() {
    let server = start_node(&["--inspect=127.0.0.1:0"]);
    let inspector = server.inspector_port().expect("Node announced its inspector");
    let folder = tempfile::tempdir().unwrap();
    let mut h = harness(folder.path().to_path_buf());
    h.get_by_label("Attach…").click();
    wait_until(&mut h, 30, "the process list", |a| !a.attach.is_busy());
    // Listed with its inspector open.
    h.get_by_label(&format!("open on 127.0.0.1:{inspector}"));

    h.get_by_role(Role::TextInput).click();
    h.run_steps(1);
    h.get_by_role(Role::TextInput).type_text(&format!("127.0.0.1:{inspector}"));
    h.run_steps(1);
    h.get_by_label("Add").click();
    wait_until(&mut h, 10, "the inspector's targets", |a| !a.attach.is_busy());
    assert_eq!(error_text(&h), "");
    h.get_by_label_contains("leaky-server.js file://").click();
    h.run_steps(2);
    h.get_by_label("Attach").click();
    wait_until(&mut h, 30, "attaching", |a| {
        a.attach.session.as_ref().is_some_and(|s| s.state == SessionState::Ready) || a.attach.error.is_some()
    });
    assert_eq!(error_text(&h), "");
    // Not opened by us: nothing to close.
    assert!(h.query_by_label_contains("Heapscope opened its inspector").is_none());

    // Every 1 s: the first snapshot at once, the next a second later, without a click.
    let spin = h.get_by_role(Role::SpinButton);
    spin.focus();
    h.run_steps(1);
    h.get_by_role(Role::SpinButton).type_text("1");
    h.run_steps(1);
    h.key_press(egui::Key::Enter);
    h.run_steps(1);
    assert_eq!(h.state().attach.every_secs, 1);
    h.get_by_label("Every").click();
    wait_until(&mut h, 60, "two scheduled snapshots", |a| a.snapshots.len() >= 2 || a.attach.error.is_some());
    h.get_by_label("Every").click();
    h.run_steps(2);
    assert_eq!(error_text(&h), "");
    h.get_by_label_contains(", over the inspector)");
    for t in h.state().snapshots.iter().map(|s| s.title.clone()).collect::<Vec<_>>() {
        assert!(t.contains(": leaky-server-"), "named by the target's title: {t}");
    }

    h.get_by_label("Detach").click();
    wait_until(&mut h, 30, "detaching", |a| a.attach.session.is_none());
    assert!(get(server.port, "/").starts_with("ok "));
    // Its own inspector stays open: we did not open it.
    assert!(std::net::TcpStream::connect(("127.0.0.1", inspector)).is_ok());
}

/// Cancel while the process writes its own snapshot (attached by pid, `capture::handoff`) and
/// while V8 sends it over the inspector (attached by address).
#[test]
fn cancel_during_a_capture_leaves_no_file_and_the_process_serving() {
    let _port = DEFAULT_PORT.lock().unwrap_or_else(|e| e.into_inner());
    for by_pid in [true, false] {
        let server = start_node(if by_pid { &[] } else { &["--inspect=127.0.0.1:0"] });
        let pid = server.child.id();
        // A big heap, so that the snapshot takes long enough to cancel.
        get(server.port, "/grow");
        get(server.port, "/grow");
        let folder = tempfile::tempdir().unwrap();
        let mut h = harness(folder.path().to_path_buf());
        if by_pid {
            attach_by_pid(&mut h, pid);
        } else {
            attach_by_address(&mut h, server.inspector_port().expect("Node announced its inspector"));
        }
        h.get_by_label("Take snapshot").click();
        if by_pid {
            frames_until(&mut h, 60, "the process writing", |a| {
                a.attach.session.as_ref().is_some_and(
                    |s| matches!(s.state, SessionState::Taking { written_by_process, .. } if written_by_process),
                )
            });
            h.get_by_label_contains("the process is writing its snapshot");
        } else {
            frames_until(&mut h, 60, "V8's progress", |a| {
                a.attach
                    .session
                    .as_ref()
                    .is_some_and(|s| matches!(s.state, SessionState::Taking { done, .. } if done > 0))
            });
            h.get_by_label_contains("V8 is taking the snapshot");
        }
        h.get_by_label("Cancel snapshot").click();
        wait_until(&mut h, 60, "the session to end", |a| a.attach.session.is_none());
        assert!(error_text(&h).contains("cancelled"), "{}", error_text(&h));
        h.get_by_label_contains("cancelled; no file was written");
        assert!(h.state().snapshots.is_empty() && h.state().jobs.is_empty());
        assert!(get(server.port, "/").starts_with("ok "));
        // Checked once the process serves again: by pid it was writing its own snapshot, whose
        // file it opens only after building the graph, after the cancel.
        let left: Vec<_> = std::fs::read_dir(folder.path()).unwrap().map(|e| e.unwrap().path()).collect();
        assert!(left.is_empty(), "{left:?}");
        if by_pid {
            // The inspector Heapscope opened is closed again.
            let listed = heapscope::capture::list_node_processes();
            assert_eq!(listed.iter().find(|p| p.pid == pid).map(|p| p.inspector.clone()), Some(None));
        }
    }
}

#[test]
fn closing_the_window_detaches_and_closes_the_inspector_it_opened() {
    let _port = DEFAULT_PORT.lock().unwrap_or_else(|e| e.into_inner());
    let server = start_node(&[]);
    let pid = server.child.id();
    let folder = tempfile::tempdir().unwrap();
    let mut h = harness(folder.path().to_path_buf());
    attach_by_pid(&mut h, pid);
    let opened = heapscope::capture::list_node_processes().into_iter().find(|p| p.pid == pid).unwrap();
    assert!(opened.inspector.is_some(), "attaching opened the inspector");
    // What eframe calls when the window closes.
    eframe::App::on_exit(h.state_mut(), None);
    assert!(h.state().attach.session.is_none());
    assert!(get(server.port, "/").starts_with("ok "));
    let after = heapscope::capture::list_node_processes().into_iter().find(|p| p.pid == pid).unwrap();
    assert_eq!(after.inspector, None);
}

#[test]
fn a_process_killed_while_its_snapshot_is_received_leaves_no_file_and_no_snapshot() {
    let _port = DEFAULT_PORT.lock().unwrap_or_else(|e| e.into_inner());
    let mut server = start_node(&[]);
    let pid = server.child.id();
    // A big heap, so that the snapshot's chunks take a while to arrive.
    get(server.port, "/grow");
    get(server.port, "/grow");
    let folder = tempfile::tempdir().unwrap();
    let mut h = harness(folder.path().to_path_buf());
    attach_by_pid(&mut h, pid);
    h.get_by_label("Take snapshot").click();
    // Chunks are arriving, and the snapshot is already loading from them in the sidebar.
    frames_until(&mut h, 120, "the first chunk", |a| {
        a.attach
            .session
            .as_ref()
            .is_some_and(|s| matches!(s.state, SessionState::Taking { received, .. } if received > 0))
    });
    assert_eq!(h.state().jobs.len(), 1, "the snapshot loads while it is received");
    h.get_by_label_contains("Loading leaky-server-");
    server.child.kill().unwrap();

    wait_until(&mut h, 60, "the session to end", |a| a.attach.session.is_none());
    let error = error_text(&h);
    assert!(error.contains(&format!("process {pid} exited")), "{error}");
    h.get_by_label_contains(&format!("process {pid} exited"));
    // Neither a snapshot, nor a load in progress, nor a load error: the dialog's line says it all.
    assert!(h.state().snapshots.is_empty() && h.state().jobs.is_empty());
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors.iter().map(|e| &e.message).collect::<Vec<_>>());
    let left: Vec<_> = std::fs::read_dir(folder.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A process chosen by pid that cannot write its own snapshot (its `v8.writeHeapSnapshot` throws)
/// is taken over the inspector, and the dialog says so and why.
#[test]
fn a_process_that_cannot_write_its_snapshot_is_taken_over_the_inspector_and_the_dialog_says_why() {
    let _port = DEFAULT_PORT.lock().unwrap_or_else(|e| e.into_inner());
    let refuses = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/capture/refuses-to-write.js");
    let server = start_node(&["--require", refuses.to_str().unwrap()]);
    let folder = tempfile::tempdir().unwrap();
    let mut h = harness(folder.path().to_path_buf());
    attach_by_pid(&mut h, server.child.id());
    assert_eq!(error_text(&h), "");
    h.get_by_label("Take snapshot").click();
    wait_until(&mut h, 60, "the snapshot", |a| a.snapshots.len() == 1 || a.attach.error.is_some());
    assert_eq!(error_text(&h), "");
    h.get_by_label_contains(", over the inspector)");
    h.get_by_label_contains(&format!(
        "Taken over the inspector: v8.writeHeapSnapshot() failed in process {}: Error: writing is refused here",
        server.child.id()
    ));
    let files: Vec<_> = std::fs::read_dir(folder.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
}
