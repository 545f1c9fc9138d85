//! The `heapscope` binary as a user runs it: outputs on the bundled samples, and a clear error
//! with exit status 1 for every kind of bad input (status 2 for usage errors).

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use heapscope::snapshot::builder::SnapshotBuilder;
use heapscope::snapshot::writer::write_snapshot;
use heapscope::snapshot::{EdgeType, NodeType};

/// The binary with the persisted index off: these tests parse every file (tests/index.rs
/// tests the index).
fn heapscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heapscope")).args(args).env("HEAPSCOPE_NO_INDEX", "1").output().unwrap()
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
    // A malformed id is a usage error (2), before the file is even read; so are the forms
    // `u32::from_str` would take but no tool prints.
    for bad in ["abc", "@abc", "@+3", "+3", "@03", "03", "@", "@4294967296", "@-1"] {
        let out = heapscope(&["retainers", path.to_str().unwrap(), bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(stderr(&out).contains("is not a node id"), "{bad}: {}", stderr(&out));
    }
    for good in ["@0", "0", "@1"] {
        let out = heapscope(&["retainers", path.to_str().unwrap(), good]);
        assert_ne!(out.status.code(), Some(2), "{good}: {}", stderr(&out));
    }
}

#[test]
fn usage_errors_exit_with_2() {
    assert_eq!(heapscope(&["summary"]).status.code(), Some(2));
    assert_eq!(heapscope(&["diff", "one-file-only"]).status.code(), Some(2));
    assert_eq!(heapscope(&["summary", "x", "--frobnicate"]).status.code(), Some(2));
    assert_eq!(heapscope(&["--help"]).status.code(), Some(0));
    // A mistyped subcommand is not a file to open in the window.
    let out = heapscope(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("unrecognized subcommand 'frobnicate'"), "{}", stderr(&out));
    assert_eq!(heapscope(&["sumary", "x.heapsnapshot"]).status.code(), Some(2));
}

/// Snapshot text is data: control characters in names must not reach the terminal raw.
#[test]
fn control_characters_in_names_are_escaped_in_tables() {
    let mut b = SnapshotBuilder::new();
    let root = b.node(NodeType::SYNTHETIC, "", 0);
    let evil = "E\x1b]0;t\x07\x1b[2J\r\nForged\u{9b}m";
    let obj = b.node(NodeType::OBJECT, evil, 64);
    let target = b.node(NodeType::OBJECT, "Target", 8);
    b.edge(root, EdgeType::SHORTCUT, "global", obj);
    b.edge(obj, EdgeType::PROPERTY, "edge\x1b[31m\nname", target);
    let mut text = Vec::new();
    write_snapshot(&b.build(), &mut text).unwrap();
    let scratch = Scratch::new();
    let path = scratch.file("evil.heapsnapshot", &text);
    let path = path.to_str().unwrap();
    let target_id = 5; // ids: root 1, evil 3, target 5 (the builder's odd ids)
    for args in [vec!["summary", path], vec!["retainers", path, &format!("@{target_id}")]] {
        let out = heapscope(&args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{args:?}: raw control characters in {text:?}");
        assert!(!text.lines().any(|l| l.starts_with("Forged")), "{text}");
        assert!(text.contains("E\\e]0;t\\x07\\e[2J\\r\\nForged\\u{9b}m"), "{args:?}: {text}");
    }
    let out = heapscope(&["retainers", path, &format!("@{target_id}")]);
    assert!(stdout(&out).contains("edge\\e[31m\\nname"), "{}", stdout(&out));
    // JSON keeps the exact name (escaped by JSON itself).
    let out = heapscope(&["summary", path, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["classes"].as_array().unwrap().iter().any(|c| c["name"] == evil), "{v}");
}

/// `-` is standard input and a pipe is read as a stream: `zcat x.gz | heapscope summary -`,
/// `heapscope summary <(zcat x.gz)`.
#[test]
fn standard_input_and_pipes() {
    let text = small_snapshot_text();
    let expected = heapscope(&["summary", &sample("s1.heapsnapshot.gz"), "--json"]);
    for input in [gzip(text.as_bytes()), text.clone().into_bytes()] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_heapscope"))
            .args(["summary", "-", "--json"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["node_count"], 5);
        assert_eq!(v["files"][0], "-");
    }
    // A FIFO (what `<(zcat ...)` is), fed the bundled sample: the same document as the file.
    let scratch = Scratch::new();
    let fifo = scratch.dir.path().join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let sample_bytes = std::fs::read(sample("s1.heapsnapshot.gz")).unwrap();
    let fifo_path = fifo.clone();
    let writer =
        std::thread::spawn(move || std::fs::File::options().write(true).open(&fifo_path)?.write_all(&sample_bytes));
    let out = heapscope(&["summary", fifo.to_str().unwrap(), "--json"]);
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let (mut a, mut b): (serde_json::Value, serde_json::Value) =
        (serde_json::from_slice(&out.stdout).unwrap(), serde_json::from_slice(&expected.stdout).unwrap());
    a["files"] = serde_json::Value::Null;
    b["files"] = serde_json::Value::Null;
    assert_eq!(a, b);
    // Both snapshots of a diff cannot come from one standard input.
    assert_eq!(heapscope(&["diff", "-", "-"]).status.code(), Some(1));
}

/// `gzip -d` accepts zero bytes after the last member (tape padding); so must we.
#[test]
fn gzip_with_trailing_zero_padding() {
    let scratch = Scratch::new();
    let mut gz = gzip(small_snapshot_text().as_bytes());
    gz.extend(vec![0u8; 4096]);
    let path = scratch.file("padded.heapsnapshot.gz", &gz);
    let out = heapscope(&["summary", path.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    gz.extend(b"junk");
    let err = bad_input(&gz);
    assert!(err.contains("gzip"), "{err}");
}

/// `locations` is bounded by the node count and must hold whole records.
#[test]
fn locations_must_match_the_nodes() {
    let text = small_snapshot_text();
    let fields = "\"location_fields\":[\"object_index\",\"script_id\",\"line\",\"column\"]";
    assert!(text.contains(fields), "the writer declares location fields");
    let with = |numbers: &str| {
        let start = text.find("\"locations\":[").unwrap() + "\"locations\":[".len();
        let end = start + text[start..].find(']').unwrap();
        format!("{}{numbers}{}", &text[..start], &text[end..])
    };
    // 5 nodes × 4 fields: at most 20 numbers; one more is refused, at its byte.
    let ok = ["7,1,2,3"; 5].join(",");
    let out = heapscope(&["summary", Scratch::new().file("ok.heapsnapshot", with(&ok).as_bytes()).to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let too_many = ["7,1,2,3"; 6].join(",");
    let err = bad_input(with(&too_many).as_bytes());
    assert!(err.contains("in \"locations\": expected 20 numbers (at most one record per node"), "{err}");
    let err = bad_input(with("7,1,2").as_bytes());
    assert!(err.contains("in \"locations\"") && err.contains("whole records of 4 location fields"), "{err}");
    // A few kilobytes of gzip that inflate to millions of zeros stop at the bound.
    let zeros = vec!["0"; 2_000_000].join(",");
    let err = bad_input(&gzip(with(&zeros).as_bytes()));
    assert!(err.contains("at most one record per node"), "{err}");
}

/// Numbers too large are quoted whole in the message, not cut to 19 digits.
#[test]
fn huge_numbers_are_quoted_whole() {
    let text = small_snapshot_text();
    let start = text.find("\"edges\":[").unwrap() + "\"edges\":[".len();
    let bad = format!("{}18446744073709551616{}", &text[..start], &text[start + 1..]);
    let err = bad_input(bad.as_bytes());
    assert!(err.contains("number 18446744073709551616 does not fit in 32 bits"), "{err}");
}

/// A snapshot file's arrays as JSON says them, parsed here without the crate's reader.
#[derive(serde::Deserialize)]
struct RawFile {
    snapshot: RawHeader,
    nodes: Vec<u64>,
    edges: Vec<u64>,
    strings: Vec<String>,
}

#[derive(serde::Deserialize)]
struct RawHeader {
    meta: RawMeta,
}

#[derive(serde::Deserialize)]
struct RawMeta {
    node_fields: Vec<String>,
    node_types: Vec<serde_json::Value>,
    edge_fields: Vec<String>,
    edge_types: Vec<serde_json::Value>,
}

/// Per object id: its `self_size` field plus the `self_size` of the backing stores it owns
/// through `properties` and `elements` internal edges (what DevTools' Shallow Size shows for a
/// dictionary-mode object such as a session map), straight from the file's numbers.
fn sizes_by_id(path: &str) -> std::collections::HashMap<u64, u64> {
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap()), &mut text)
        .unwrap();
    let raw: RawFile = serde_json::from_slice(&text).unwrap();
    let m = &raw.snapshot.meta;
    let field = |fields: &[String], name: &str| fields.iter().position(|f| f == name).unwrap();
    let (nf, ef) = (m.node_fields.len(), m.edge_fields.len());
    let (id, size, count) =
        (field(&m.node_fields, "id"), field(&m.node_fields, "self_size"), field(&m.node_fields, "edge_count"));
    let (etype, ename, eto) =
        (field(&m.edge_fields, "type"), field(&m.edge_fields, "name_or_index"), field(&m.edge_fields, "to_node"));
    let edge_types: Vec<&str> = m.edge_types[0].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let node_types: Vec<&str> = m.node_types[0].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let mut out = std::collections::HashMap::new();
    let mut e = 0;
    for node in raw.nodes.chunks_exact(nf) {
        let mut total = node[size];
        for edge in raw.edges[e..e + node[count] as usize * ef].chunks_exact(ef) {
            let target = &raw.nodes[edge[eto] as usize..edge[eto] as usize + nf];
            if edge_types[edge[etype] as usize] == "internal"
                && matches!(raw.strings[edge[ename] as usize].as_str(), "properties" | "elements")
                && node_types[target[0] as usize] == "array"
            {
                total += target[size];
            }
        }
        e += node[count] as usize * ef;
        out.insert(node[id], total);
    }
    out
}

/// The grown survivors checked against the files themselves: every listed object exists under
/// the same id in both files, and the one that grew most is the one whose sizes, read straight
/// from the two files' JSON, grew most.
#[test]
fn grown_survivors_agree_with_the_files() {
    let (s2, s3) = (sample("s2.heapsnapshot.gz"), sample("s3.heapsnapshot.gz"));
    let out = heapscope(&["diff", &s2, &s3, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let grown = doc["grown_survivors"].as_array().unwrap();
    assert!(!grown.is_empty());
    let (before, after) = (sizes_by_id(&s2), sizes_by_id(&s3));
    for g in grown {
        let id = g["id"].as_u64().unwrap();
        assert!(before.contains_key(&id) && after.contains_key(&id), "@{id} is not in both files");
    }
    let (top_id, top_before, top_after) = after
        .iter()
        .filter_map(|(id, &a)| before.get(id).map(|&b| (*id, b, a)))
        .filter(|&(_, b, a)| b > 0 && a > b)
        .max_by_key(|&(id, b, a)| (a - b, std::cmp::Reverse(id)))
        .unwrap();
    assert_eq!(grown[0]["id"].as_u64(), Some(top_id), "{}", grown[0]);
    assert_eq!(grown[0]["self_size_before"].as_u64(), Some(top_before), "{}", grown[0]);
    assert_eq!(grown[0]["self_size"].as_u64(), Some(top_after), "{}", grown[0]);
}

/// The edge column packs the file's own type codes in 4 bits: 16 types load (DevTools' synthetic
/// `invisible` takes none of them), a 17th is refused with the file's count.
#[test]
fn sixteen_edge_types_load_and_seventeen_do_not() {
    let text = small_snapshot_text();
    let v8 = r#""context","element","property","internal","hidden","shortcut","weak""#;
    assert!(text.contains(&format!("[{v8}]")), "the writer writes V8's 7 edge types");
    let extra = |n: usize| (0..n).map(|i| format!(",\"future{i}\"")).collect::<String>();
    // The first property edge (global → Alpha, @5) gets the sixteenth type, code 15.
    let declared = text.replace(v8, &format!("{v8}{}", extra(9)));
    let edges_at = declared.find("\"edges\":[").unwrap();
    let sixteen = format!("{}{}", &declared[..edges_at], declared[edges_at..].replacen("\n,2,", "\n,15,", 1));
    assert_ne!(sixteen, declared, "an edge was retyped");
    let scratch = Scratch::new();
    let path = scratch.file("sixteen.heapsnapshot", sixteen.as_bytes());
    let out = heapscope(&["retainers", path.to_str().unwrap(), "@5", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["retainers"][0]["edge_type"], "future8", "{v}");
    let err = bad_input(text.replace(v8, &format!("{v8}{}", extra(10))).as_bytes());
    assert!(err.contains("17 edge types; at most 16 are supported"), "{err}");
}

/// A spill folder that cannot be written costs memory, never the load: the Summary is the one
/// computed with spilling off, and stderr says how much stayed in memory and where it could not
/// go (a user near the machine's memory must know why the peak is higher). With a folder that
/// works, nothing is said. (On the target's disk: a spill folder on `tmpfs` is not used at all.)
#[test]
fn a_spill_folder_that_cannot_be_written_is_said_and_the_load_goes_on() {
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let blocker = scratch.path().join("not-a-folder");
    std::fs::write(&blocker, b"a file where the cache folder would be").unwrap();
    let file = sample("s3.heapsnapshot.gz");
    let summary = |env: (&str, &Path)| {
        Command::new(env!("CARGO_BIN_EXE_heapscope"))
            .args(["summary", &file, "--json", "--no-index"])
            .env("XDG_CACHE_HOME", env.1)
            .env_remove("HEAPSCOPE_NO_SPILL")
            .env(env.0, "1")
            .output()
            .unwrap()
    };
    let blocked = summary(("HEAPSCOPE_NO_INDEX", &blocker.join("cache")));
    let in_memory = summary(("HEAPSCOPE_NO_SPILL", scratch.path()));
    let spilled = summary(("HEAPSCOPE_NO_INDEX", scratch.path()));
    for o in [&blocked, &in_memory, &spilled] {
        assert!(o.status.success(), "{}", stderr(o));
    }
    assert_eq!(stdout(&blocked), stdout(&in_memory));
    assert_eq!(stdout(&spilled), stdout(&in_memory));
    let said = stderr(&blocked);
    assert!(said.contains("stayed in memory") && said.contains("not-a-folder"), "{said}");
    assert!(!stderr(&spilled).contains("stayed in memory"), "{}", stderr(&spilled));
    assert!(scratch.path().join("heapscope/spill").is_dir(), "the working folder was used");
}
