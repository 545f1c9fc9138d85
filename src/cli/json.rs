//! The `--json` documents: the oracle's key names and orders for everything
//! `../shared/oracle/compare.mjs` checks, plus Heapscope's own additions (grown survivors).
//!
//! Lists are in DevTools' default sort orders: Summary classes by retained size descending, then
//! name, then key; Comparison classes by Alloc. Size descending, then name, then key; retainers in
//! the Retainers grid's order. Names compare as JavaScript strings (UTF-16 code units).

use serde_json::{Value, json};

use crate::analysis::diff::Comparison;
use crate::analysis::format::{bytes, distance_ui, kb, percent};
use crate::analysis::jsstr::cmp_utf16;
use crate::analysis::paths::{self, RetainersView};
use crate::analysis::{Analysis, ClassAggregate};
use crate::snapshot::NodeIdx;

fn header(command: &str, files: &[&str]) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("tool".into(), json!("heapscope"));
    m.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    m.insert("command".into(), json!(command));
    m.insert("files".into(), json!(files));
    m
}

/// `nodeInfo` of the oracle: the fields DevTools' grids show for one object.
pub fn node_info(a: &Analysis, n: NodeIdx) -> serde_json::Map<String, Value> {
    let d = a.distance[n as usize];
    let mut m = serde_json::Map::new();
    m.insert("id".into(), json!(a.snapshot.node_id(n)));
    m.insert("name".into(), json!(a.display_name(n)));
    m.insert("class_name".into(), json!(a.class_name(n)));
    m.insert("type".into(), json!(a.snapshot.node_type_name(n)));
    m.insert("self_size".into(), json!(a.self_size[n as usize]));
    m.insert("retained_size".into(), json!(a.retained_size[n as usize]));
    m.insert("distance".into(), json!(d));
    m.insert("distance_ui".into(), json!(distance_ui(i64::from(d))));
    m
}

/// Totals shared by `summary` and both sides of `diff`.
pub fn totals(a: &Analysis) -> serde_json::Map<String, Value> {
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

/// Summary rows in DevTools' default order.
pub fn sorted_classes(a: &Analysis) -> Vec<&ClassAggregate> {
    let mut rows: Vec<&ClassAggregate> = a.aggregates.rows.iter().collect();
    rows.sort_by(|x, y| {
        y.retained_size
            .cmp(&x.retained_size)
            .then_with(|| cmp_utf16(&x.name, &y.name))
            .then_with(|| cmp_utf16(&x.key, &y.key))
    });
    rows
}

pub fn summary(a: &Analysis, file: &str) -> Value {
    let mut m = header("summary", &[file]);
    m.insert("problems".into(), json!(a.problems));
    m.extend(totals(a));
    let total = a.total_size() as f64;
    let count = a.aggregates.total_count();
    let shallow = a.aggregates.total_self_size();
    m.insert("summary_object_count".into(), json!(count));
    m.insert("summary_shallow_size".into(), json!(shallow));
    m.insert(
        "summary_status_ui".into(),
        json!(format!("Total: {} objects, {}", crate::analysis::format::count(count), bytes(shallow as f64))),
    );
    m.insert("class_count".into(), json!(a.aggregates.rows.len()));
    m.insert("interface_definitions".into(), json!(a.interface_definitions));
    let classes: Vec<Value> = sorted_classes(a)
        .into_iter()
        .map(|r| {
            json!({
                "key": r.key,
                "name": r.name,
                "count": r.count,
                "distance": r.distance,
                "distance_ui": distance_ui(i64::from(r.distance)),
                "self_size": r.self_size,
                "retained_size": r.retained_size,
                "self_size_ui": kb(r.self_size as f64),
                "retained_size_ui": kb(r.retained_size as f64),
                "self_pct_ui": percent(r.self_size as f64 / total * 100.0),
                "retained_pct_ui": percent(r.retained_size as f64 / total * 100.0),
            })
        })
        .collect();
    m.insert("classes".into(), Value::Array(classes));
    let top = |visible: bool| -> Vec<Value> {
        paths::top_nodes(a, 20, visible)
            .into_iter()
            .map(|n| {
                let mut info = node_info(a, n);
                info.insert("class_key".into(), json!(a.class_key(n)));
                Value::Object(info)
            })
            .collect()
    };
    m.insert("top_nodes".into(), Value::Array(top(true)));
    m.insert("top_nodes_all".into(), Value::Array(top(false)));
    Value::Object(m)
}

pub fn diff(base: &Analysis, current: &Analysis, cmp: &Comparison, files: &[&str]) -> Value {
    let mut m = header("diff", files);
    m.insert("problems".into(), json!({"base": base.problems, "snapshot": current.problems}));
    m.insert("base_totals".into(), Value::Object(totals(base)));
    m.insert("totals".into(), Value::Object(totals(current)));
    m.insert("interface_definitions_used".into(), json!(cmp.interface_definitions_used));
    m.insert("class_count".into(), json!(cmp.classes.len()));
    let mut rows: Vec<_> = cmp.classes.iter().collect();
    rows.sort_by(|x, y| {
        y.alloc_size
            .cmp(&x.alloc_size)
            .then_with(|| cmp_utf16(&x.name, &y.name))
            .then_with(|| cmp_utf16(&x.key, &y.key))
    });
    let sums = rows.iter().fold([0i64; 6], |mut s, d| {
        s[0] += i64::from(d.new_count);
        s[1] += i64::from(d.deleted_count);
        s[2] += d.count_delta();
        s[3] += d.alloc_size as i64;
        s[4] += d.freed_size as i64;
        s[5] += d.size_delta();
        s
    });
    m.insert(
        "sums".into(),
        json!({"new": sums[0], "deleted": sums[1], "delta": sums[2], "alloc_size": sums[3], "freed_size": sums[4], "size_delta": sums[5]}),
    );
    let classes: Vec<Value> = rows
        .iter()
        .map(|d| {
            json!({
                "key": d.key,
                "name": d.name,
                "new": d.new_count,
                "deleted": d.deleted_count,
                "delta": d.count_delta(),
                "alloc_size": d.alloc_size,
                "freed_size": d.freed_size,
                "size_delta": d.size_delta(),
            })
        })
        .collect();
    m.insert("classes".into(), Value::Array(classes));
    let grown: Vec<Value> = cmp
        .grown
        .iter()
        .take(100)
        .map(|g| {
            json!({
                "id": g.id,
                "name": current.display_name(g.node),
                "class_name": current.class_name(g.node),
                "class_key": current.class_key(g.node),
                "self_size_before": g.self_before,
                "self_size": g.self_after,
                "self_size_growth": g.self_growth(),
                "retained_size_before": g.retained_before,
                "retained_size": g.retained_after,
                "retained_size_growth": g.retained_growth(),
                "distance": current.distance[g.node as usize],
            })
        })
        .collect();
    m.insert("grown_survivors_count".into(), json!(cmp.grown.len()));
    m.insert("grown_survivors".into(), Value::Array(grown));
    Value::Object(m)
}

fn retainer_row_json(a: &Analysis, r: &paths::RetainerRow, with_node_index: bool) -> Value {
    let s = &a.snapshot;
    let mut m = serde_json::Map::new();
    m.insert("edge_name".into(), json!(s.edge_name(r.edge)));
    m.insert("edge_type".into(), json!(s.edge_type_name(r.edge)));
    m.insert("edge_index".into(), json!(u64::from(r.edge) * u64::from(s.edge_field_count())));
    m.insert("node_id".into(), json!(s.node_id(r.node)));
    m.insert("node_name".into(), json!(a.display_name(r.node)));
    m.insert("node_type".into(), json!(s.node_type_name(r.node)));
    if with_node_index {
        m.insert("node_index".into(), json!(u64::from(r.node) * u64::from(s.node_field_count())));
    }
    m.insert("distance".into(), json!(r.distance));
    m.insert("distance_ui".into(), json!(distance_ui(r.distance)));
    m.insert("self_size".into(), json!(a.self_size[r.node as usize]));
    m.insert("retained_size".into(), json!(a.retained_size[r.node as usize]));
    Value::Object(m)
}

pub fn retainers(a: &Analysis, n: NodeIdx, file: &str) -> Value {
    let view = RetainersView::new();
    let s = &a.snapshot;
    let mut m = header("retainers", &[file]);
    let mut node = node_info(a, n);
    node.insert("class_key".into(), json!(a.class_key(n)));
    m.insert("node".into(), Value::Object(node));
    m.insert("retainer_count_raw".into(), json!(a.retainers.count(n)));
    let rows = paths::retainer_rows(a, &view, n);
    m.insert("retainers".into(), Value::Array(rows.iter().map(|r| retainer_row_json(a, r, true)).collect()));
    let path = paths::shortest_path(a, &view, n);
    m.insert(
        "shortest_path".into(),
        json!({
            "description": "DevTools Retainers view auto-expansion (expandRetainersChain(20)): first retainer at each level",
            "stop_reason": path.stop_reason.as_str(),
            "edges": path.edges.iter().map(|r| retainer_row_json(a, r, false)).collect::<Vec<_>>(),
        }),
    );
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
    let limits: serde_json::Map<String, Value> = limits.hit.iter().map(|k| (k.to_string(), json!(true))).collect();
    m.insert("retaining_paths_first".into(), json!({"limits_reached": limits, "edges": first}));
    let chain: Vec<Value> = paths::dominator_chain(a, n)
        .into_iter()
        .map(|d| {
            json!({
                "node_id": s.node_id(d),
                "node_name": a.display_name(d),
                "self_size": a.self_size[d as usize],
                "retained_size": a.retained_size[d as usize],
            })
        })
        .collect();
    m.insert("dominator_chain".into(), Value::Array(chain));
    Value::Object(m)
}

/// Pretty-prints like the oracle: objects indented, arrays of objects one element per line.
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
