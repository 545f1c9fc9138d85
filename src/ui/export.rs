//! Export: every table as CSV or JSON (**Copy** to the clipboard, **Save…** to a file) and the
//! window as PNG.
//!
//! The rows exported are the rows the grid shows ([`super::tree::TreeState::rows`]: its sort, its
//! filter, its expanded children, each with its `depth`), with raw numbers. The conversion of a
//! row to a record is here, for every view, so the views agree on the columns an object has
//! (`name`, `id`, `edge`, `distance`, `self_size`, `retained_size`); writing CSV and JSON is the
//! engine's ([`crate::analysis::export`]), testable without a window.
//!
//! The PNG is egui's screenshot of the window (`ViewportCommand::Screenshot`, whose callback gets the image a
//! frame later), encoded by the `image` crate eframe already uses.

use std::path::Path;

use egui::Ui;

use super::app::Command;
use super::rows::RowKey;
use super::tree::FlatRow;
use crate::analysis::Analysis;
use crate::analysis::diff::Comparison;
use crate::analysis::export::{Cell, Format, Table};
use crate::analysis::trends::ClassTrends;
use crate::snapshot::{EdgeIdx, NodeIdx};

/// What is exported.
#[derive(Clone, Debug)]
pub enum Payload {
    /// A table, and the file name a Save… dialog suggests (without extension).
    Table(Table, String),
    /// The window as it is drawn.
    Png,
}

/// How.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Copy(Format),
    Save(Format),
}

/// An object's columns, shared by every view.
const OBJECT_COLUMNS: [&str; 5] = ["name", "id", "edge", "distance", "self_size"];

/// `name, id, edge, distance, self_size` of an object (reached through `edge`, if any).
fn object_cells(a: &Analysis, node: NodeIdx, edge: Option<EdgeIdx>) -> Vec<Cell> {
    let name = a.display_name(node);
    let name = if name.is_empty() { a.class_name(node).to_string() } else { name.into_owned() };
    vec![
        name.into(),
        a.snapshot.node_id(node).into(),
        edge.map(|e| a.snapshot.edge_name(e).into_owned()).into(),
        a.distance[node as usize].into(),
        a.self_size[node as usize].into(),
    ]
}

fn columns(head: &[&str], tail: &[&str]) -> Vec<String> {
    std::iter::once("depth").chain(head.iter().copied()).chain(tail.iter().copied()).map(String::from).collect()
}

/// The table of `rows` as shown: `depth`, then `record(key)`.
fn grid_table<K>(columns: Vec<String>, rows: &[FlatRow<K>], record: impl Fn(&K) -> Vec<Cell>) -> Table {
    let mut t = Table { columns, rows: Vec::with_capacity(rows.len()) };
    for r in rows {
        let mut cells = vec![Cell::UInt(u64::from(r.depth))];
        cells.extend(record(&r.key));
        t.push(cells);
    }
    t
}

/// The Summary as shown. Class rows carry their count and, with trends, their growth and the
/// shallow size in each snapshot; object rows their own sizes.
pub fn summary_table(
    a: &Analysis,
    aggs: &crate::analysis::Aggregates,
    trends: Option<&ClassTrends>,
    rows: &[FlatRow<RowKey>],
) -> Table {
    let mut tail = vec!["retained_size", "count", "class_key"];
    let per_snapshot: Vec<String> =
        trends.map(|t| t.snapshots.iter().map(|s| format!("self_size {s}")).collect()).unwrap_or_default();
    if trends.is_some() {
        tail.push("growth");
        tail.extend(per_snapshot.iter().map(String::as_str));
    }
    grid_table(columns(&OBJECT_COLUMNS, &tail), rows, |key| match key {
        RowKey::Class(i) => {
            let r = &aggs.rows[*i as usize];
            let mut cells = vec![
                r.name.as_str().into(),
                Cell::Empty,
                Cell::Empty,
                r.distance.into(),
                r.self_size.into(),
                r.retained_size.into(),
                r.count.into(),
                r.key.as_str().into(),
            ];
            if let Some(t) = trends {
                match t.by_key(&r.key) {
                    Some(s) => {
                        cells.push(s.growth().into());
                        cells.extend(s.self_size.iter().map(|&v| Cell::UInt(v)));
                    }
                    None => cells.push(Cell::Empty),
                }
            }
            cells
        }
        k => object_row(a, k),
    })
}

/// An object or edge row's cells: the object columns and its retained size.
fn object_row(a: &Analysis, key: &RowKey) -> Vec<Cell> {
    let (node, edge) = match key {
        RowKey::Object { node, .. } => (*node, None),
        RowKey::Edge { edge, node, .. } | RowKey::Retainer { edge, node } => (*node, Some(*edge)),
        _ => return Vec::new(),
    };
    let mut cells = object_cells(a, node, edge);
    cells.push(a.retained_size[node as usize].into());
    cells
}

/// The Comparison's classes as shown: class rows with DevTools' columns (and growth with
/// trends); new objects (`change` +) and deleted ones (−) with their size.
pub fn comparison_table(
    cmp: &Comparison,
    base: &Analysis,
    current: &Analysis,
    trends: Option<&ClassTrends>,
    rows: &[FlatRow<RowKey>],
) -> Table {
    let mut tail = vec![
        "retained_size",
        "change",
        "new",
        "deleted",
        "delta",
        "alloc_size",
        "freed_size",
        "size_delta",
        "class_key",
    ];
    if trends.is_some() {
        tail.push("growth");
    }
    grid_table(columns(&OBJECT_COLUMNS, &tail), rows, |key| match key {
        RowKey::DiffClass(i) => {
            let d = &cmp.classes[*i as usize];
            let mut cells = vec![
                d.name.as_str().into(),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                d.new_count.into(),
                d.deleted_count.into(),
                d.count_delta().into(),
                d.alloc_size.into(),
                d.freed_size.into(),
                d.size_delta().into(),
                d.key.as_str().into(),
            ];
            if let Some(t) = trends {
                cells.push(t.by_key(&d.key).map(|s| s.growth()).into());
            }
            cells
        }
        k => {
            let a = if k.in_base() { base } else { current };
            let mut cells = object_row(a, k);
            if let RowKey::Object { node, base: deleted } = k {
                let size = u64::from(a.self_size[*node as usize]);
                cells.push(if *deleted { "-" } else { "+" }.into());
                cells.extend([Cell::Empty, Cell::Empty, Cell::Empty]);
                if *deleted {
                    cells.extend([Cell::Empty, size.into()]);
                } else {
                    cells.extend([size.into(), Cell::Empty]);
                }
            }
            cells
        }
    })
}

/// The Grown objects as shown: before and after sizes, and with trends each snapshot's
/// retained size.
pub fn grown_table(
    cmp: &Comparison,
    current: &Analysis,
    snapshots: &[String],
    objects: Option<&crate::analysis::trends::ObjectTrends>,
    rows: &[FlatRow<RowKey>],
) -> Table {
    let mut tail = vec![
        "retained_size",
        "class",
        "self_before",
        "self_growth",
        "retained_before",
        "retained_growth",
        "grew_itself",
    ];
    let per_snapshot: Vec<String> = match objects {
        Some(_) => snapshots.iter().map(|s| format!("retained_size {s}")).collect(),
        None => Vec::new(),
    };
    tail.extend(per_snapshot.iter().map(String::as_str));
    grid_table(columns(&OBJECT_COLUMNS, &tail), rows, |key| match key {
        RowKey::Grown(i) => {
            let g = &cmp.grown[*i as usize];
            let mut cells = object_cells(current, g.node, None);
            cells.extend([
                Cell::UInt(g.retained_after),
                current.class_name(g.node).into(),
                Cell::UInt(g.self_before),
                Cell::Int(g.self_growth()),
                Cell::UInt(g.retained_before),
                Cell::Int(g.retained_growth()),
                (if g.kind() == crate::analysis::diff::GrowthKind::GrewItself { "true" } else { "false" }).into(),
            ]);
            if let Some(s) = objects.and_then(|o| o.get(g.id)) {
                cells.extend(
                    s.retained_size.iter().zip(s.present).map(|(&v, &p)| if p { Cell::UInt(v) } else { Cell::Empty }),
                );
            }
            cells
        }
        k => object_row(current, k),
    })
}

/// Containment and Retainers as shown: objects through their edges.
pub fn objects_table(a: &Analysis, rows: &[FlatRow<RowKey>]) -> Table {
    grid_table(columns(&OBJECT_COLUMNS, &["retained_size"]), rows, |k| object_row(a, k))
}

/// The Dominators view as shown: objects, or (grouped) classes with their sums.
pub fn dominators_table(a: &Analysis, retained_counts: &[u32], rows: &[FlatRow<super::dominators::DomKey>]) -> Table {
    use super::dominators::DomKey;
    grid_table(columns(&OBJECT_COLUMNS, &["retained_size", "count", "class"]), rows, |key| match key {
        DomKey::Object(n) => {
            let mut cells = object_cells(a, *n, None);
            cells.push(a.retained_size[*n as usize].into());
            cells.push(retained_counts.get(*n as usize).copied().unwrap_or(1).into());
            cells.push(a.class_name(*n).into());
            cells
        }
        DomKey::Group { class, count, retained_count, self_size, retained_size, .. } => {
            let name = &a.classes.classes[*class as usize].name;
            vec![
                format!("{name} ×{count}").into(),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                (*self_size).into(),
                (*retained_size).into(),
                (*retained_count).into(),
                name.as_str().into(),
            ]
        }
    })
}

/// The Statistics legend.
pub fn statistics_table(a: &Analysis) -> Table {
    let mut t = Table::new(&["category", "size"]);
    for s in crate::analysis::views::statistics_slices(a) {
        t.push(vec![s.label.into(), s.bytes.into()]);
    }
    t.push(vec!["Total".into(), a.statistics.total.into()]);
    t
}

/// The leak report's suspects, most important first.
pub fn leaks_table(report: &crate::analysis::leaks::LeakReport) -> Table {
    let mut columns = vec!["rank", "kind", "holder", "id", "class", "edge", "growth", "added", "added_size"];
    let per: Vec<String> = report.snapshots.iter().map(|s| format!("retained_size {}", s.file)).collect();
    columns.extend(per.iter().map(String::as_str));
    let mut t = Table::new(&columns);
    for (i, s) in report.suspects.iter().enumerate() {
        let mut cells = vec![
            Cell::UInt(i as u64 + 1),
            s.kind.as_str().into(),
            s.name.as_str().into(),
            s.holder_id.into(),
            s.class_name.as_str().into(),
            s.edge.as_str().into(),
            s.growth.into(),
            s.added.into(),
            s.added_size.into(),
        ];
        cells.extend(s.retained_size.iter().map(|&v| Cell::from(v)));
        t.push(cells);
    }
    t
}

/// The Export menu of a table: copy or save it as CSV or JSON, or save the window as PNG.
/// `table` is only built when an entry is chosen. `name` labels the menu (`Export Summary`) and
/// names the file.
pub fn export_menu_ui(ui: &mut Ui, name: &str, table: impl FnOnce() -> Table, out: &mut Vec<Command>) {
    let mut chosen = None;
    ui.menu_button(format!("Export {name}"), |ui| {
        for (label, action) in [
            ("Copy as CSV", Some(Action::Copy(Format::Csv))),
            ("Copy as JSON", Some(Action::Copy(Format::Json))),
            ("Save as CSV…", Some(Action::Save(Format::Csv))),
            ("Save as JSON…", Some(Action::Save(Format::Json))),
            ("Save window as PNG…", None),
        ] {
            if ui.button(label).clicked() {
                chosen = Some(action);
                ui.close();
            }
        }
    });
    match chosen {
        Some(Some(action)) => {
            out.push(Command::Export(action, Payload::Table(table(), file_stem(name))));
        }
        Some(None) => out.push(Command::Export(Action::Save(Format::Csv), Payload::Png)),
        None => {}
    }
}

/// A file name from a table's name: `Grown objects` → `grown-objects`.
fn file_stem(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    s.trim_matches('-').to_string()
}

/// The file name a Save… dialog suggests.
pub fn suggested_name(payload: &Payload, format: Format) -> String {
    match payload {
        Payload::Table(_, stem) => format!("{stem}.{}", format.extension()),
        Payload::Png => "heapscope.png".into(),
    }
}

/// Writes a table to `path` (JSON if the name ends in `.json`, else the format chosen).
pub fn write_table(path: &Path, table: &Table, chosen: Format) -> std::io::Result<()> {
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("csv") => Format::of_path(path),
        _ => chosen,
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    match format {
        Format::Csv => crate::analysis::export::write_csv(&mut out, table)?,
        Format::Json => crate::analysis::export::write_json(&mut out, table)?,
    }
    std::io::Write::flush(&mut out)
}

/// Encodes a screenshot as PNG at `path`.
pub fn write_png(path: &Path, image: &egui::ColorImage) -> Result<(), String> {
    let [w, h] = image.size;
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_srgba_unmultiplied()).collect();
    image::save_buffer_with_format(
        path,
        &bytes,
        w as u32,
        h as u32,
        image::ExtendedColorType::Rgba8,
        image::ImageFormat::Png,
    )
    .map_err(|e| e.to_string())
}
