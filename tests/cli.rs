//! The `heapscope` binary as a user runs it: outputs on the bundled samples, and a clear error
//! with exit status 1 for every kind of bad input (status 2 for usage errors).

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use heapscope::snapshot::builder::SnapshotBuilder;
use heapscope::snapshot::writer::write_snapshot;
use heapscope::snapshot::{EdgeType, NodeType};

fn heapscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heapscope")).args(args).output().unwrap()
}

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-snapshots").join(name).display().to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A small valid snapshot as text: root → global → {a, b}, a → string.
fn small_snapshot_text() -> String {
    let mut b = SnapshotBuilder::new();
    let root = b.node(NodeType::SYNTHETIC, "", 0);
    let global = b.node(NodeType::OBJECT, "global", 100);
    let a = b.node(NodeType::OBJECT, "Alpha", 40);
    let c = b.node(NodeType::OBJECT, "Beta", 24);
    let s = b.node(NodeType::STRING, "hello", 16);
    b.edge(root, EdgeType::SHORTCUT, "global", global);
    b.edge(global, EdgeType::PROPERTY, "a", a);
    b.edge(global, EdgeType::PROPERTY, "b", c);
    b.edge(a, EdgeType::PROPERTY, "greeting", s);
    let mut out = Vec::new();
    write_snapshot(&b.build(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch { dir: tempfile::tempdir().unwrap() }
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
        p
    }
}

/// Runs `summary` on `bytes` and returns stderr, asserting exit status 1 and one line.
fn bad_input(bytes: &[u8]) -> String {
    let scratch = Scratch::new();
    let path = scratch.file("bad.heapsnapshot", bytes);
    let out = heapscope(&["summary", path.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(out.stdout.is_empty(), "stdout: {}", stdout(&out));
    assert_eq!(err.trim_end().lines().count(), 1, "one line expected: {err}");
    assert!(err.contains("bad.heapsnapshot"), "the path is named: {err}");
    err
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn summary_of_the_tutorial_shows_the_session_objects() {
    let out = heapscope(&["summary", &sample("s3.heapsnapshot.gz"), "--top", "5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("648,606 nodes"), "{text}");
    assert!(text.contains("Total: 645,471 objects, 33.8MB"), "{text}");
    // Third row of DevTools' Summary: the 200,001 session entries.
    let row = text.lines().find(|l| l.starts_with("{username}")).unwrap();
    assert!(row.contains("200,001") && row.contains("8,000kB") && row.contains("11,229kB"), "{row}");
}

#[test]
fn diff_names_the_grown_session_map() {
    let out = heapscope(&["diff", &sample("s2.heapsnapshot.gz"), &sample("s3.heapsnapshot.gz")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let first_class = text.lines().skip_while(|l| !l.starts_with("Constructor")).nth(1).unwrap();
    assert!(first_class.starts_with("{username}") && first_class.contains("+100,000"), "{first_class}");
    let grown = text.lines().skip_while(|l| !l.starts_with("Grown objects")).nth(1).unwrap();
    assert!(grown.contains("@82201") && grown.contains("6.3MB → 12.6MB"), "{grown}");
}

#[test]
fn retainers_accepts_both_id_forms_and_reaches_login_users() {
    for id in ["@82201", "82201"] {
        let out = heapscope(&["retainers", &sample("s3.heapsnapshot.gz"), id]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        let path: Vec<&str> = text.lines().skip_while(|l| !l.starts_with("Path to a root")).skip(1).take(9).collect();
        assert!(path[0].contains("← loginUsers in system / Context @6199"), "{path:?}");
        assert!(path[8].contains("global @6047"), "{path:?}");
    }
}

#[test]
fn json_is_one_document() {
    let out = heapscope(&["retainers", &sample("s1.heapsnapshot.gz"), "@1", "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["command"], "retainers");
    assert_eq!(v["node"]["id"], 1);
}

#[test]
fn small_snapshot_round_trips_through_the_cli() {
    let scratch = Scratch::new();
    let path = scratch.file("small.heapsnapshot", small_snapshot_text().as_bytes());
    let out = heapscope(&["summary", path.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["node_count"], 5);
    assert_eq!(v["total_size"], 180);
    assert_eq!(v["classes"][0]["name"], "global");
    assert_eq!(v["classes"][0]["retained_size"], 180);
    // The same file gzip-compressed, with a name that does not say so.
    let gz = scratch.file("small.data", &gzip(small_snapshot_text().as_bytes()));
    let out2 = heapscope(&["summary", gz.to_str().unwrap(), "--json"]);
    let v2: serde_json::Value = serde_json::from_slice(&out2.stdout).unwrap();
    assert_eq!(v["classes"], v2["classes"]);
}

#[test]
fn empty_file() {
    let err = bad_input(b"");
    assert!(err.contains("the file is empty"), "{err}");
}

#[test]
fn not_json() {
    let err = bad_input(b"PK\x03\x04 this is a zip file");
    assert!(err.contains("byte 0") && err.contains("not a heap snapshot: expected a JSON object"), "{err}");
}

#[test]
fn json_that_is_not_a_snapshot() {
    let err = bad_input(br#"{"name": "my-package", "version": "1.0.0"}"#);
    assert!(err.contains("not a V8 heap snapshot: no \"snapshot\" section"), "{err}");
}

#[test]
fn truncated_in_the_nodes() {
    let text = small_snapshot_text();
    let cut = text.find("\"nodes\":[").unwrap() + 20;
    let err = bad_input(&text.as_bytes()[..cut]);
    assert!(err.contains(&format!("byte {cut} in \"nodes\"")), "{err}");
    assert!(err.contains("the file ends early (truncated?)"), "{err}");
}

#[test]
fn truncated_gzip() {
    let gz = gzip(small_snapshot_text().as_bytes());
    let err = bad_input(&gz[..gz.len() / 2]);
    assert!(err.contains("(decompressed)"), "{err}");
    assert!(err.contains("gzip stream is corrupt or ends early") || err.contains("ends early"), "{err}");
}

#[test]
fn corrupt_gzip() {
    let mut gz = gzip(small_snapshot_text().as_bytes());
    for b in gz.iter_mut().skip(12).take(40) {
        *b ^= 0x5a;
    }
    let err = bad_input(&gz);
    assert!(err.contains("gzip stream is corrupt"), "{err}");
}

#[test]
fn node_count_disagrees_with_the_nodes_array() {
    let text = small_snapshot_text().replace("\"node_count\":5", "\"node_count\":6");
    let err = bad_input(text.as_bytes());
    assert!(err.contains("in \"nodes\": expected 42 numbers (node_count 6 × 7 node fields), found 35"), "{err}");
}

#[test]
fn edge_count_disagrees_with_the_edges_array() {
    let text = small_snapshot_text().replace("\"edge_count\":4", "\"edge_count\":3");
    let err = bad_input(text.as_bytes());
    // The nodes' edge_count fields already add up to more than 3.
    assert!(err.contains("edge_count fields add up to 4, but there are 3 edges"), "{err}");
}

#[test]
fn misaligned_and_out_of_range_edge_targets() {
    let text = small_snapshot_text();
    let start = text.find("\"edges\":[").unwrap() + "\"edges\":[".len();
    // The first edge is "5,<name>,7" (root → global); point it at 8 and at 700.
    let first_edge_end = start + text[start..].find('\n').unwrap();
    let first = &text[start..first_edge_end];
    let (prefix, _) = first.rsplit_once(',').unwrap();
    for (target, expect) in
        [("8", "to_node 8 is not a multiple of 7 node fields"), ("700", "to_node 700 is past the last node (5 nodes)")]
    {
        let bad = format!("{}{prefix},{target}{}", &text[..start], &text[first_edge_end..]);
        let err = bad_input(bad.as_bytes());
        let offset = start + prefix.len() + 1;
        assert!(err.contains(&format!("byte {offset} in \"edges\": edge 0: {expect}")), "{err}");
    }
}

#[test]
fn string_index_out_of_range() {
    let text = small_snapshot_text();
    let start = text.find("\"nodes\":[").unwrap() + "\"nodes\":[".len();
    // Node 0 is "9,<name>,1,0,1,0,0": give it name 999.
    let rest = &text[start..];
    let comma = rest.find(',').unwrap();
    let after_name = comma + 1 + rest[comma + 1..].find(',').unwrap();
    let bad = format!("{}{},999{}", &text[..start], &rest[..comma], &rest[after_name..]);
    let err = bad_input(bad.as_bytes());
    assert!(err.contains(&format!("byte {} in \"nodes\"", start + comma + 1)), "{err}");
    assert!(err.contains("a node name: string index 999 is out of range"), "{err}");
}

#[test]
fn bad_type_codes_and_missing_fields() {
    let text = small_snapshot_text()
        .replace("\"node_fields\":[\"type\",\"name\",\"id\"", "\"node_fields\":[\"type\",\"name\",\"identifier\"");
    let err = bad_input(text.as_bytes());
    assert!(err.contains("bad header: meta.node_fields has no \"id\" field"), "{err}");
    let text = small_snapshot_text();
    let start = text.find("\"nodes\":[").unwrap() + "\"nodes\":[".len();
    let bad = format!("{}77{}", &text[..start], &text[start + 1..]);
    let err = bad_input(bad.as_bytes());
    assert!(err.contains("node 0: type 77 is not one of the 16 node types"), "{err}");
}

#[test]
fn garbage_inside_an_array() {
    let text = small_snapshot_text();
    let start = text.find("\"edges\":[").unwrap() + "\"edges\":[".len();
    let bad = format!("{}-1{}", &text[..start], &text[start + 1..]);
    let err = bad_input(bad.as_bytes());
    assert!(
        err.contains(&format!("byte {start} in \"edges\": expected a non-negative integer or ']', found '-'")),
        "{err}"
    );
}

#[test]
fn missing_file() {
    let out = heapscope(&["summary", "/nonexistent/x.heapsnapshot"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("No such file"), "{}", stderr(&out));
}

#[test]
fn unknown_node_id() {
    let scratch = Scratch::new();
    let path = scratch.file("small.heapsnapshot", small_snapshot_text().as_bytes());
    let out = heapscope(&["retainers", path.to_str().unwrap(), "@424242"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no node @424242 in"), "{}", stderr(&out));
    let out = heapscope(&["retainers", path.to_str().unwrap(), "abc"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("\"abc\" is not a node id"), "{}", stderr(&out));
}

#[test]
fn usage_errors_exit_with_2() {
    assert_eq!(heapscope(&["summary"]).status.code(), Some(2));
    assert_eq!(heapscope(&["diff", "one-file-only"]).status.code(), Some(2));
    assert_eq!(heapscope(&["summary", "x", "--frobnicate"]).status.code(), Some(2));
    assert_eq!(heapscope(&["--help"]).status.code(), Some(0));
}
