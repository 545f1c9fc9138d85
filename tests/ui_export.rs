//! Export: tables to CSV and JSON (Copy, Save…) and the CLI's `--csv`, checked against
//! `heapscope summary --json` (the document the oracle checks) and an RFC 4180 reader written
//! here; hostile names (commas, quotes, newlines) survive the round trip.

#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use heapscope::analysis::Analysis;
use heapscope::progress::NoProgress;
use heapscope::snapshot::builder::SnapshotBuilder;
use heapscope::snapshot::{EdgeType, NodeType};
use heapscope::ui::App;
use serde_json::Value;

fn corpus(case: &str, file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus").join(case).join(file)
}

fn cli(args: &[&str], file: &Path) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .env("HEAPSCOPE_NO_INDEX", "1")
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// An RFC 4180 reader: records of fields; quoted fields may hold commas, CRLF and `""`.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_start => {
                quoted = true;
                at_start = false;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                at_start = true;
            }
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CR outside quotes must start CRLF");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                at_start = true;
            }
            '\n' => panic!("bare LF outside quotes"),
            c => {
                field.push(c);
                at_start = false;
            }
        }
    }
    assert!(record.is_empty() && field.is_empty(), "the last record ends with CRLF");
    records
}

/// Rows of a CSV as maps from the header.
fn csv_objects(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let records = parse_csv(text);
    let header = &records[0];
    records[1..].iter().map(|r| header.iter().cloned().zip(r.iter().cloned()).collect()).collect()
}

#[path = "support/ui_harness.rs"]
mod ui_harness;
use ui_harness::harness;

/// Clicks `entry` of the `menu` and returns what the frame put on the clipboard.
fn copy_via_menu(h: &mut Harness<'static, App>, menu: &str, entry: &str) -> String {
    h.get_by_label(menu).click();
    h.run_ok();
    h.get_by_label(entry).click();
    for _ in 0..6 {
        h.step();
        for c in &h.output().platform_output.commands {
            if let egui::OutputCommand::CopyText(t) = c {
                return t.clone();
            }
        }
    }
    panic!("nothing was copied");
}

#[test]
fn summary_csv_and_json_equal_the_cli_json() {
    let file = corpus("map_cache_leak", "s3.heapsnapshot.gz");
    let doc: Value = serde_json::from_slice(&cli(&["summary", "--json"], &file)).unwrap();
    let classes = doc["classes"].as_array().unwrap();

    // The CLI's --csv: every class, same order, same raw numbers.
    let csv = String::from_utf8(cli(&["summary", "--csv"], &file)).unwrap();
    let rows = csv_objects(&csv);
    assert_eq!(rows.len(), classes.len());
    for (r, c) in rows.iter().zip(classes) {
        assert_eq!(r["key"], c["key"].as_str().unwrap());
        assert_eq!(r["name"], c["name"].as_str().unwrap());
        for k in ["count", "distance", "self_size", "retained_size"] {
            assert_eq!(r[k], c[k].to_string(), "{k} of {}", r["name"]);
        }
    }

    // The window's Summary, copied as JSON and as CSV: the rows it shows (by retained size).
    let a = Arc::new(heapscope::analysis::load_file(&file, &NoProgress).unwrap());
    let mut app = App::empty();
    let id = app.add_analysis(file.clone(), a);
    app.current = Some(id);
    let mut h = harness(app);
    let json: Value = serde_json::from_str(&copy_via_menu(&mut h, "Export Summary", "Copy as JSON")).unwrap();
    let json = json.as_array().unwrap();
    assert_eq!(json.len(), classes.len());
    for (r, c) in json.iter().zip(classes) {
        assert_eq!(r["depth"], 0);
        assert_eq!(r["class_key"], c["key"]);
        assert_eq!(r["name"], c["name"]);
        for k in ["count", "distance", "self_size", "retained_size"] {
            assert_eq!(r[k], c[k], "{k} of {}", c["name"]);
        }
    }
    h.run_ok();
    h.get_by_label_contains(&format!("Copied {} rows as JSON", classes.len()));
    let csv = copy_via_menu(&mut h, "Export Summary", "Copy as CSV");
    let rows = csv_objects(&csv);
    assert_eq!(rows.len(), classes.len());
    assert_eq!(rows[0]["class_key"], classes[0]["key"].as_str().unwrap());
    assert_eq!(rows[0]["retained_size"], classes[0]["retained_size"].to_string());
}

/// Names with commas, quotes, CR and LF come back whole from the CSV (and the JSON), and an
/// expanded class's objects follow it with depth 1.
#[test]
fn hostile_names_round_trip_and_expanded_rows_have_a_depth() {
    let hostile = ["a,b", "say \"hi\"", "two\nlines", "cr\r\nlf", "\"", ",", "plain"];
    let mut b = SnapshotBuilder::new();
    let root = b.node(NodeType::SYNTHETIC, "", 0);
    let global = b.node(NodeType::OBJECT, "global", 100);
    b.edge(root, EdgeType::SHORTCUT, "global", global);
    for (i, name) in hostile.iter().enumerate() {
        let n = b.node(NodeType::OBJECT, name, 10 + i as u32);
        b.edge(global, EdgeType::PROPERTY, *name, n);
    }
    let a = Arc::new(Analysis::run(b.build(), &NoProgress).unwrap());
    let mut app = App::empty();
    let id = app.add_analysis("hostile.heapsnapshot".into(), a.clone());
    app.current = Some(id);
    let mut h = harness(app);
    let csv = copy_via_menu(&mut h, "Export Summary", "Copy as CSV");
    let rows = csv_objects(&csv);
    let mut names: Vec<String> = rows.iter().map(|r| r["name"].clone()).collect();
    names.sort();
    let mut expected: Vec<String> = a.aggregates.rows.iter().map(|r| r.name.clone()).collect();
    expected.sort();
    assert_eq!(names, expected);
    for name in hostile {
        assert!(names.iter().any(|n| n == name), "{name:?} in {names:?}");
    }

    // Expand `a,b`'s class: its object follows with depth 1, its id and size.
    let node = (0..a.node_count() as u32).find(|&n| a.snapshot.node_name(n) == "a,b").unwrap();
    h.state_mut().push(heapscope::ui::Command::RevealInSummary(heapscope::ui::Item::Node { snapshot: id, node }));
    h.run_ok();
    let json: Value = serde_json::from_str(&copy_via_menu(&mut h, "Export Summary", "Copy as JSON")).unwrap();
    let json = json.as_array().unwrap();
    let at = json.iter().position(|r| r["depth"] == 1).unwrap();
    assert_eq!(json[at - 1]["name"], "a,b");
    assert_eq!(json[at]["id"], a.snapshot.node_id(node));
    assert_eq!(json[at]["self_size"], a.self_size[node as usize]);
}

/// Save… with a path given (as a script or a test gives it, no dialog) writes the file, in the
/// format its name asks for.
#[test]
fn save_writes_the_file() {
    let file = corpus("map_cache_leak", "s3.heapsnapshot.gz");
    let a = Arc::new(heapscope::analysis::load_file(&file, &NoProgress).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::empty();
    let id = app.add_analysis(file.clone(), a.clone());
    app.current = Some(id);
    app.view = heapscope::ui::View::Statistics;
    let target = dir.path().join("statistics.json");
    app.save_to = Some(target.clone());
    let mut h = harness(app);
    h.get_by_label("Export Statistics").click();
    h.run_ok();
    h.get_by_label("Save as JSON…").click();
    h.run_ok();
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    let doc: Value = serde_json::from_slice(&cli(&["summary", "--json"], &file)).unwrap();
    let total = saved.as_array().unwrap().iter().find(|r| r["category"] == "Total").unwrap();
    assert_eq!(total["size"], doc["statistics"]["total"]);
    h.get_by_label_contains("Saved 8 rows to");

    // A .csv name gets CSV whatever was chosen.
    let target = dir.path().join("statistics.csv");
    h.state_mut().save_to = Some(target.clone());
    h.get_by_label("Export Statistics").click();
    h.run_ok();
    h.get_by_label("Save as JSON…").click();
    h.run_ok();
    let rows = csv_objects(&std::fs::read_to_string(&target).unwrap());
    assert_eq!(rows.len(), 8);
    assert_eq!(rows[7]["size"], doc["statistics"]["total"].to_string());
}

/// `heapscope diff BASE FILE --csv` on every corpus pair DevTools' own Comparison was recorded
/// for (`expected/sA-sB.diff.json`, written by the oracle): every class, with DevTools' numbers,
/// in DevTools' default order (Alloc. Size, largest first).
#[test]
fn diff_csv_equals_devtools_comparison() {
    let corpus_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus");
    let mut checked = 0;
    for case in std::fs::read_dir(&corpus_dir).unwrap() {
        let case = case.unwrap().path();
        let Ok(expected) = std::fs::read_dir(case.join("expected")) else { continue };
        for e in expected {
            let e = e.unwrap().path();
            if !e.to_string_lossy().ends_with(".diff.json") {
                continue;
            }
            let oracle: Value = serde_json::from_str(&std::fs::read_to_string(&e).unwrap()).unwrap();
            let files: Vec<PathBuf> =
                oracle["files"].as_array().unwrap().iter().map(|f| case.join(f.as_str().unwrap())).collect();
            let out = Command::new(env!("CARGO_BIN_EXE_heapscope"))
                .env("HEAPSCOPE_NO_INDEX", "1")
                .arg("diff")
                .args(&files)
                .arg("--csv")
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let rows = csv_objects(&String::from_utf8(out.stdout).unwrap());
            let classes = oracle["classes"].as_array().unwrap();
            let what = e.display();
            assert_eq!(rows.len(), classes.len(), "{what}: one row a class");
            let by_key: std::collections::HashMap<&str, &Value> =
                classes.iter().map(|c| (c["key"].as_str().unwrap(), c)).collect();
            for r in &rows {
                let c =
                    by_key.get(r["key"].as_str()).unwrap_or_else(|| panic!("{what}: {} not in DevTools'", r["key"]));
                assert_eq!(r["name"], c["name"].as_str().unwrap(), "{what}");
                for k in ["new", "deleted", "delta", "alloc_size", "freed_size", "size_delta"] {
                    assert_eq!(r[k], c[k].to_string(), "{what}: {k} of {}", r["name"]);
                }
            }
            let alloc: Vec<u64> = rows.iter().map(|r| r["alloc_size"].parse().unwrap()).collect();
            assert!(alloc.windows(2).all(|w| w[0] >= w[1]), "{what}: by Alloc. Size, largest first");
            checked += 1;
        }
    }
    assert!(checked >= 8, "the corpus has DevTools' Comparison for {checked} pairs");
}

/// Export → "Save window as PNG…" (driven by its label, saved where `save_to` says, as a
/// script or a test gives it) asks the platform for a screenshot and writes the image it gets as
/// a PNG. kittest has no renderer here, so the test plays the platform: it answers the
/// screenshot request with an image of the window's size; the file must decode to that image.
#[test]
fn save_window_as_png_writes_the_screenshot() {
    let file = corpus("map_cache_leak", "s3.heapsnapshot.gz");
    let a = Arc::new(heapscope::analysis::load_file(&file, &NoProgress).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("window.png");
    let mut app = App::empty();
    let id = app.add_analysis(file.clone(), a);
    app.current = Some(id);
    app.save_to = Some(target.clone());
    let mut h = harness(app);
    h.get_by_label("Export Summary").click();
    h.run_ok();
    h.get_by_label("Save window as PNG…").click();
    // An opaque pattern, so that the PNG's pixels must equal it exactly.
    let (w, ht) = (1280, 800);
    let pixels: Vec<egui::Color32> =
        (0..w * ht).map(|i| egui::Color32::from_rgb((i % w) as u8, (i / w) as u8, (i % 7 * 30) as u8)).collect();
    let image = Arc::new(egui::ColorImage::new([w, ht], pixels.clone()));
    let mut asked = false;
    for _ in 0..6 {
        h.step();
        for viewport in h.output().viewport_output.values() {
            for c in &viewport.commands {
                if let egui::ViewportCommand::Screenshot(callback) = c {
                    callback.clone().complete(image.clone());
                    asked = true;
                }
            }
        }
        if asked {
            break;
        }
    }
    assert!(asked, "the window asked for a screenshot");
    h.run_ok();
    h.get_by_label_contains("Saved the window to");
    let bytes = std::fs::read(&target).unwrap();
    assert!(!bytes.is_empty());
    let png = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).unwrap().to_rgba8();
    assert_eq!((png.width() as usize, png.height() as usize), (w, ht));
    for (i, p) in png.pixels().enumerate().step_by(997) {
        assert_eq!(p.0, pixels[i].to_srgba_unmultiplied(), "pixel {i}");
    }
}
