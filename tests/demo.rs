//! The demo server, started for real on 127.0.0.1 and driven over HTTP: the tutorial's leak seen
//! through its own heap dumps, stable ids, bad requests, a load test, and its lifetime.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use heapscope::analysis::paths::{RetainersView, StopReason, shortest_path};
use heapscope::analysis::{Analysis, diff};
use heapscope::progress::NoProgress;

struct Server {
    child: Child,
    url: String,
    dir: tempfile::TempDir,
    second_line: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let dump_dir = dir.path().join("log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .args(["demo-server", "--port", "0", "--dump-dir", dump_dir.to_str().unwrap()])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let url = first.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:")).unwrap().to_string();
    let mut second_line = String::new();
    if extra.contains(&"--dump-at") {
        out.read_line(&mut second_line).unwrap();
    }
    // Keep draining stdout (the access log) so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in out.lines() {});
    Server { child, url, dir, second_line }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

fn get(url: &str) -> (u16, String) {
    let mut resp = agent().get(url).call().unwrap();
    (resp.status().as_u16(), resp.body_mut().read_to_string().unwrap())
}

fn dump(server: &Server, name: &str) -> PathBuf {
    let (status, body) = get(&format!("{}/v1/heapdump?name={name}", server.url));
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    PathBuf::from(v["path"].as_str().unwrap())
}

fn load(path: &Path) -> Analysis {
    let snap = heapscope::snapshot::read_file(path, &NoProgress).unwrap();
    Analysis::run(snap, &NoProgress).unwrap()
}

/// Sends raw bytes (no client-side path normalisation) and returns the status line and body.
fn raw(server: &Server, request: &str) -> (String, String) {
    let addr = server.url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text.lines().next().unwrap_or_default().to_string();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_string();
    (status, body)
}

#[test]
fn the_tutorial_leak_seen_through_the_servers_own_heap_dumps() {
    let n = 3000;
    let server = start(&["--leak-count", &n.to_string()]);
    let s1 = dump(&server, "s1");
    assert_eq!(get(&format!("{}/v1/mem-leak", server.url)), (200, "set success".to_string()));
    let s2 = dump(&server, "s2");
    assert_eq!(get(&format!("{}/v1/mem-leak", server.url)).0, 200);
    let s3 = dump(&server, "s3");
    assert!(s3.starts_with(server.dir.path()));
    let (a1, a2, a3) = (load(&s1), load(&s2), load(&s3));
    for a in [&a1, &a2, &a3] {
        assert!(a.problems.is_empty(), "every object is reachable: {:?}", a.problems);
    }

    for (base, current) in [(&a1, &a2), (&a2, &a3)] {
        let cmp = diff::compare(base, current);
        // The top Size Delta class is the session entries, one per session.set.
        let top = cmp.classes.iter().max_by_key(|d| d.size_delta()).unwrap();
        assert_eq!(top.name, "{username}");
        assert_eq!(top.count_delta(), n as i64);
        assert_eq!(top.deleted_count, 0, "survivors keep their ids");
        // The map itself survives and grows under the same id.
        let grown = &cmp.grown[0];
        assert_eq!(current.snapshot.node_id(grown.node), 13);
        assert!(grown.self_growth() > 0, "{grown:?}");
        assert!(current.display_name(grown.node).starts_with("{user_"));
    }

    // Its shortest retainer path ends at the global root, through loginUsers.
    let map = a3.find_node_by_id(13).unwrap();
    let path = shortest_path(&a3, &RetainersView::new(), map);
    assert_eq!(path.stop_reason, StopReason::UserRoot);
    assert_eq!(a3.snapshot.edge_name(path.edges[0].edge), "loginUsers");
    assert_eq!(a3.display_name(path.edges.last().unwrap().node), "global");

    let (_, stats) = get(&format!("{}/v1/stats", server.url));
    let stats: serde_json::Value = serde_json::from_str(&stats).unwrap();
    assert_eq!(stats["sessions"], 2 * n);
    assert_eq!(stats["dumps"].as_array().unwrap().len(), 3);
    let log = std::fs::read_to_string(server.dir.path().join("log/access.log")).unwrap();
    assert!(log.lines().any(|l| l.contains("GET /v1/mem-leak 200")), "{log}");
}

#[test]
fn normal_routes_answer_json() {
    let server = start(&[]);
    for path in ["/v1/test/index", "/content/test", "/v1/test/index-test"] {
        let (status, body) = get(&format!("{}{path}", server.url));
        assert_eq!(status, 200, "{path}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(v.is_object());
    }
    let (_, body) = get(&format!("{}/v1/test/index-test", server.url));
    assert!(body.contains("\"action\":\"indexTest\""), "{body}");
}

#[test]
fn bad_requests_get_clear_errors_and_the_server_keeps_serving() {
    let server = start(&[]);
    let ok = |s: &Server| assert_eq!(get(&format!("{}/v1/test/index", s.url)).0, 200);

    let (status, body) = get(&format!("{}/nope", server.url));
    assert_eq!((status, body.as_str()), (404, r#"{"error":"path not found"}"#));
    let (status, body) = get(&format!("{}/v1/nothing/here", server.url));
    assert_eq!(status, 404);
    assert!(body.contains("no route for /v1/nothing/here"), "{body}");
    ok(&server);

    // `..` segments are dropped by the router: they never escape to another route.
    let (status, body) = raw(&server, "GET /v1/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(status.contains("404"), "{status}");
    assert!(body.contains("no route for /v1/../../etc/passwd"), "{body}");
    ok(&server);

    let (status, body) =
        raw(&server, "POST /v1/mem-leak HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert!(status.contains("405"), "{status}");
    assert!(body.contains("POST is not allowed on /v1/memLeak; use GET"), "{body}");
    ok(&server);

    let long = "a".repeat(5000);
    let (status, body) = get(&format!("{}/v1/test/index?q={long}", server.url));
    assert_eq!(status, 414, "{body}");
    let big =
        format!("GET /v1/test/index HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n", "b".repeat(20_000));
    let (status, body) = raw(&server, &big);
    assert!(status.contains("431"), "{status}");
    assert!(body.contains("the limit is 8192"), "{body}");
    ok(&server);

    let (status, body) = get(&format!("{}/v1/heapdump?name=../../x", server.url));
    assert_eq!(status, 400);
    assert!(body.contains("is not a plain file name"), "{body}");
    let (status, body) = get(&format!("{}/v1/mem-leak?count=lots", server.url));
    assert_eq!(status, 400, "{body}");
    ok(&server);

    // The dump folder becomes unwritable (replaced by a file): 500, and still serving.
    let dir = server.dir.path().join("log");
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::write(&dir, b"not a folder").unwrap();
    let (status, body) = get(&format!("{}/v1/heapdump?name=s1", server.url));
    assert_eq!(status, 500);
    assert!(body.contains("cannot write the heap dump into"), "{body}");
    ok(&server);
}

#[test]
fn concurrent_load_with_a_dump_in_the_middle() {
    let server = start(&["--leak-count", "50"]);
    let deadline = Instant::now() + Duration::from_secs(6);
    let url = server.url.clone();
    let workers: Vec<_> = (0..6)
        .map(|w| {
            let url = url.clone();
            std::thread::spawn(move || {
                let agent = agent();
                let (mut ok, mut failed) = (0u32, 0u32);
                let paths = ["/v1/test/index", "/content/test", "/v1/stats", "/v1/mem-leak", "/v1/test/index-test"];
                let mut i = w;
                while Instant::now() < deadline {
                    let path = paths[i % paths.len()];
                    i += 1;
                    match agent.get(&format!("{url}{path}")).call() {
                        Ok(r) if r.status().as_u16() == 200 => ok += 1,
                        _ => failed += 1,
                    }
                }
                (ok, failed)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(3));
    let during = dump(&server, "during-load");
    let (mut ok, mut failed) = (0, 0);
    for w in workers {
        let (o, f) = w.join().unwrap();
        ok += o;
        failed += f;
    }
    assert_eq!(failed, 0, "{ok} succeeded");
    assert!(ok > 100, "{ok} requests");
    let a = load(&during);
    assert!(a.problems.is_empty());
    assert!(a.aggregates.rows.iter().any(|r| r.name == "{username}" && r.count > 0));
}

#[test]
fn scheduled_dumps_say_when_they_happen() {
    let next_minute = (chrono::Local::now() + chrono::Duration::minutes(2)).format("%H:%M").to_string();
    let server = start(&["--dump-at", &next_minute, "--dump-every", "60", "--dump-name", "nodejs-column"]);
    assert!(server.second_line.starts_with("first heap dump at "), "{}", server.second_line);
    assert!(server.second_line.contains(&format!("{next_minute}:00")), "{}", server.second_line);
    assert!(server.second_line.contains("then every 60 s"), "{}", server.second_line);
    assert!(server.second_line.contains("nodejs-column-*.heapsnapshot"), "{}", server.second_line);
}

#[test]
fn the_server_exits_when_its_parent_closes_stdin() {
    let mut server = start(&["--exit-with-stdin"]);
    drop(server.child.stdin.take());
    let start = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "still running");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn bad_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .args(["demo-server", "--port", "0", "--dump-at", "25:99"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--dump-at \"25:99\" is not a time of day"));
}
