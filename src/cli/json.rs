//! The `--json` documents: the oracle's key names and orders for everything
//! `../shared/oracle/compare.mjs` checks, plus Heapscope's own additions (grown survivors).
//!
//! Lists are in DevTools' default sort orders ([`views::SUMMARY_DEFAULT_SORT`],
//! [`views::COMPARISON_DEFAULT_SORT`]); retainers in the Retainers grid's order.
//!
//! # Streaming
//!
//! A document is written as it is produced, straight to a buffered writer: each row of a long
//! list (classes, retainers, the dominator chain) is serialized by serde_json from a small struct
//! of borrowed fields, written, and forgotten. No `Value` tree of the whole document exists, so
//! printing a million rows costs what the rows' text costs in the output buffer, and a 100 MB
//! name printed several times is copied from the string table each time, never held again.
//! Only small fixed-size parts (totals, statistics, the auto-expanded path of at most 20 steps)
//! go through a `Value`. The layout is the oracle's: objects indented two spaces, arrays of
//! objects one element per line.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Value, json};

use crate::analysis::diff::Comparison;
use crate::analysis::format::{bytes, distance_ui, kb, percent};
use crate::analysis::paths::{self, RetainersView};
use crate::analysis::{Analysis, views};
use crate::snapshot::NodeIdx;

/// A top-level JSON object being written key by key.
pub struct Doc<'w> {
    out: &'w mut dyn Write,
    keys: usize,
}

impl<'w> Doc<'w> {
    fn start(out: &'w mut dyn Write, command: &str, files: &[&str]) -> io::Result<Doc<'w>> {
        out.write_all(b"{")?;
        let mut doc = Doc { out, keys: 0 };
        doc.field("tool", &"heapscope")?;
        doc.field("version", &env!("CARGO_PKG_VERSION"))?;
        doc.field("command", &command)?;
        doc.field("files", &files)?;
        Ok(doc)
    }

    fn key(&mut self, key: &str) -> io::Result<()> {
        self.out.write_all(if self.keys == 0 { b"\n  " } else { b",\n  " })?;
        self.keys += 1;
        serde_json::to_writer(&mut *self.out, key)?;
        self.out.write_all(b": ")
    }

    /// A small value: nested objects indented, as the oracle prints them.
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> io::Result<()> {
        self.key(key)?;
        let value = serde_json::to_value(value)?;
        let mut text = String::new();
        write_value(&mut text, &value, "  ");
        self.out.write_all(text.as_bytes())
    }

    /// A list of objects, one per line, each serialized as it comes.
    fn rows<T: Serialize>(&mut self, key: &str, rows: impl IntoIterator<Item = T>) -> io::Result<()> {
        self.key(key)?;
        let mut any = false;
        for row in rows {
            self.out.write_all(if any { b",\n    " } else { b"[\n    " })?;
            serde_json::to_writer(&mut *self.out, &row)?;
            any = true;
        }
        self.out.write_all(if any { b"\n  ]" } else { b"[]" })
    }

    fn finish(self) -> io::Result<()> {
        self.out.write_all(b"\n}\n")
    }
}

/// `nodeInfo` of the oracle: the fields DevTools' grids show for one object.
#[derive(Serialize)]
struct NodeInfo<'a> {
    id: u32,
    name: Cow<'a, str>,
    class_name: &'a str,
    #[serde(rename = "type")]
    node_type: &'a str,
    self_size: u32,
    retained_size: u64,
    distance: i32,
    distance_ui: String,
    class_key: &'a str,
}

fn node_info(a: &Analysis, n: NodeIdx) -> NodeInfo<'_> {
    let d = a.distance[n as usize];
    NodeInfo {
        id: a.snapshot.node_id(n),
        name: a.display_name(n),
        class_name: a.class_name(n),
        node_type: a.snapshot.node_type_name(n),
        self_size: a.self_size[n as usize],
        retained_size: a.retained_size[n as usize],
        distance: d,
        distance_ui: distance_ui(i64::from(d)),
        class_key: a.class_key(n),
    }
}

/// Totals shared by `summary` and both sides of `diff`.
fn totals(a: &Analysis) -> serde_json::Map<String, Value> {
    let total = a.total_size();
    let mut m = serde_json::Map::new();
    m.insert("node_count".into(), json!(a.node_count()));
    m.insert("edge_count".into(), json!(a.snapshot.edge_count()));
    m.insert("total_size".into(), json!(total));
    m.insert("total_size_ui".into(), json!(bytes(total as f64)));
    m.insert("root_retained_size".into(), json!(a.root_retained_size()));
    m.insert("extra_native_bytes".into(), json!(a.snapshot.extra_native_bytes().unwrap_or(0)));
    m.insert("max_js_object_id".into(), json!(a.max_js_object_id()));
    m.insert("root_node_index".into(), json!(u64::from(a.snapshot.root()) * u64::from(a.snapshot.node_field_count())));
    m.insert("statistics".into(), serde_json::to_value(&a.statistics).unwrap_or(Value::Null));
    m
}

#[derive(Serialize)]
struct ClassRow<'a> {
    key: &'a str,
    name: &'a str,
    count: u32,
    distance: i32,
    distance_ui: String,
    self_size: u64,
    retained_size: u64,
    self_size_ui: String,
    retained_size_ui: String,
    self_pct_ui: String,
    retained_pct_ui: String,
}

/// `heapscope summary --json`.
pub fn summary(out: &mut dyn Write, a: &Analysis, file: &str) -> io::Result<()> {
    let mut doc = Doc::start(out, "summary", &[file])?;
    doc.field("problems", &a.problems)?;
    for (k, v) in totals(a) {
        doc.field(&k, &v)?;
    }
    let total = a.total_size() as f64;
    let count = a.aggregates.total_count();
    let shallow = a.aggregates.total_self_size();
    doc.field("summary_object_count", &count)?;
    doc.field("summary_shallow_size", &shallow)?;
    doc.field(
        "summary_status_ui",
        &format!("Total: {} objects, {}", crate::analysis::format::count(count), bytes(shallow as f64)),
    )?;
    doc.field("class_count", &a.aggregates.rows.len())?;
    doc.field("interface_definitions", &a.interface_definitions)?;
    let order = views::sorted_class_rows(&a.aggregates, views::SUMMARY_DEFAULT_SORT);
    doc.rows(
        "classes",
        order.iter().map(|&i| {
            let r = &a.aggregates.rows[i as usize];
            ClassRow {
                key: &r.key,
                name: &r.name,
                count: r.count,
                distance: r.distance,
                distance_ui: distance_ui(i64::from(r.distance)),
                self_size: r.self_size,
                retained_size: r.retained_size,
                self_size_ui: kb(r.self_size as f64),
                retained_size_ui: kb(r.retained_size as f64),
                self_pct_ui: percent(r.self_size as f64 / total * 100.0),
                retained_pct_ui: percent(r.retained_size as f64 / total * 100.0),
            }
        }),
    )?;
    drop(order);
    doc.rows("top_nodes", paths::top_nodes(a, 20, true).into_iter().map(|n| node_info(a, n)))?;
    doc.rows("top_nodes_all", paths::top_nodes(a, 20, false).into_iter().map(|n| node_info(a, n)))?;
    doc.finish()
}

#[derive(Serialize)]
struct DiffRow<'a> {
    key: &'a str,
    name: &'a str,
    new: u32,
    deleted: u32,
    delta: i64,
    alloc_size: u64,
    freed_size: u64,
    size_delta: i64,
}

#[derive(Serialize)]
struct GrownRow<'a> {
    id: u32,
    name: Cow<'a, str>,
    class_name: &'a str,
    class_key: &'a str,
    self_size_before: u64,
    self_size: u64,
    self_size_growth: i64,
    retained_size_before: u64,
    retained_size: u64,
    retained_size_growth: i64,
    distance: i32,
}

/// `heapscope diff --json`.
pub fn diff(
    out: &mut dyn Write,
    base: &Analysis,
    current: &Analysis,
    cmp: &Comparison,
    files: &[&str],
) -> io::Result<()> {
    let mut doc = Doc::start(out, "diff", files)?;
    doc.field("problems", &json!({"base": base.problems, "snapshot": current.problems}))?;
    doc.field("base_totals", &totals(base))?;
    doc.field("totals", &totals(current))?;
    doc.field("interface_definitions_used", &cmp.interface_definitions_used)?;
    doc.field("class_count", &cmp.classes.len())?;
    let sums = cmp.classes.iter().fold([0i64; 6], |mut s, d| {
        s[0] += i64::from(d.new_count);
        s[1] += i64::from(d.deleted_count);
        s[2] += d.count_delta();
        s[3] += d.alloc_size as i64;
        s[4] += d.freed_size as i64;
        s[5] += d.size_delta();
        s
    });
    doc.field(
        "sums",
        &json!({"new": sums[0], "deleted": sums[1], "delta": sums[2], "alloc_size": sums[3], "freed_size": sums[4], "size_delta": sums[5]}),
    )?;
    let order = views::sorted_diff_rows(&cmp.classes, views::COMPARISON_DEFAULT_SORT);
    doc.rows(
        "classes",
        order.iter().map(|&i| {
            let d = &cmp.classes[i as usize];
            DiffRow {
                key: &d.key,
                name: &d.name,
                new: d.new_count,
                deleted: d.deleted_count,
                delta: d.count_delta(),
                alloc_size: d.alloc_size,
                freed_size: d.freed_size,
                size_delta: d.size_delta(),
            }
        }),
    )?;
    drop(order);
    doc.field("grown_survivors_count", &cmp.grown.len())?;
    doc.rows(
        "grown_survivors",
        cmp.grown.iter().take(100).map(|g| GrownRow {
            id: g.id,
            name: current.display_name(g.node),
            class_name: current.class_name(g.node),
            class_key: current.class_key(g.node),
            self_size_before: g.self_before,
            self_size: g.self_after,
            self_size_growth: g.self_growth(),
            retained_size_before: g.retained_before,
            retained_size: g.retained_after,
            retained_size_growth: g.retained_growth(),
            distance: current.distance[g.node as usize],
        }),
    )?;
    doc.finish()
}

#[derive(Serialize)]
struct RetainerJson<'a> {
    edge_name: Cow<'a, str>,
    edge_type: &'a str,
    edge_index: u64,
    node_id: u32,
    node_name: Cow<'a, str>,
    node_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    node_index: Option<u64>,
    distance: i64,
    distance_ui: String,
    self_size: u32,
    retained_size: u64,
}

fn retainer_row<'a>(a: &'a Analysis, r: &paths::RetainerRow, with_node_index: bool) -> RetainerJson<'a> {
    let s = &a.snapshot;
    RetainerJson {
        edge_name: s.edge_name(r.edge),
        edge_type: s.edge_type_name(r.edge),
        edge_index: u64::from(r.edge) * u64::from(s.edge_field_count()),
        node_id: s.node_id(r.node),
        node_name: a.display_name(r.node),
        node_type: s.node_type_name(r.node),
        node_index: with_node_index.then(|| u64::from(r.node) * u64::from(s.node_field_count())),
        distance: r.distance,
        distance_ui: distance_ui(r.distance),
        self_size: a.self_size[r.node as usize],
        retained_size: a.retained_size[r.node as usize],
    }
}

#[derive(Serialize)]
struct DominatorRow<'a> {
    node_id: u32,
    node_name: Cow<'a, str>,
    self_size: u32,
    retained_size: u64,
}

/// `heapscope retainers --json`.
pub fn retainers(out: &mut dyn Write, a: &Analysis, n: NodeIdx, file: &str) -> io::Result<()> {
    let view = RetainersView::new();
    let s = &a.snapshot;
    let mut doc = Doc::start(out, "retainers", &[file])?;
    doc.field("node", &node_info(a, n))?;
    doc.field("retainer_count_raw", &a.retainers.count(n))?;
    let rows = paths::retainer_rows(a, &view, n);
    doc.rows("retainers", rows.iter().map(|r| retainer_row(a, r, true)))?;
    drop(rows);
    let path = paths::shortest_path(a, &view, n);
    doc.field(
        "shortest_path",
        &json!({
            "description": "DevTools Retainers view auto-expansion (expandRetainersChain(20)): first retainer at each level",
            "stop_reason": path.stop_reason.as_str(),
            "edges": path.edges.iter().map(|r| retainer_row(a, r, false)).collect::<Vec<_>>(),
        }),
    )?;
    let (forest, limits) = paths::retaining_paths(a, &view, n);
    let mut first = Vec::new();
    let mut level = forest.first();
    while let Some(e) = level {
        first.push(json!({
            "edge_name": s.edge_name(e.edge),
            "edge_type": s.edge_type_name(e.edge),
            "node_id": s.node_id(e.node),
            "node_name": a.display_name(e.node),
            "distance": e.distance,
        }));
        level = e.children.first();
    }
    drop(forest);
    let limits: serde_json::Map<String, Value> = limits.hit.iter().map(|k| (k.to_string(), json!(true))).collect();
    doc.field("retaining_paths_first", &json!({"limits_reached": limits, "edges": first}))?;
    doc.rows(
        "dominator_chain",
        paths::dominator_chain(a, n).into_iter().map(|d| DominatorRow {
            node_id: s.node_id(d),
            node_name: a.display_name(d),
            self_size: a.self_size[d as usize],
            retained_size: a.retained_size[d as usize],
        }),
    )?;
    doc.finish()
}

/// Pretty-prints a small document like the oracle: objects indented, arrays of objects one
/// element per line (the `bench` report; the streamed documents use the same layout).
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, "");
    out.push('\n');
    out
}

fn write_value(out: &mut String, value: &Value, indent: &str) {
    match value {
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            let inner = format!("{indent}  ");
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&inner);
                out.push_str(&serde_json::to_string(item).unwrap_or_default());
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(indent);
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            let inner = format!("{indent}  ");
            out.push_str("{\n");
            for (i, (k, v)) in map.iter().enumerate() {
                out.push_str(&inner);
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push_str(": ");
                write_value(out, v, &inner);
                out.push_str(if i + 1 < map.len() { ",\n" } else { "\n" });
            }
            out.push_str(indent);
            out.push('}');
        }
        other => out.push_str(&serde_json::to_string(other).unwrap_or_default()),
    }
}
