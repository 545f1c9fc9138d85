//! Queries the views ask: children of a row, filters, search, sort orders, path text.
//!
//! The GUI never walks the graph itself; it asks these functions (and [`super::paths`]) for
//! rows, as DevTools' grids ask the worker's providers.

use std::cmp::Ordering;

use super::Analysis;
use super::aggregates::{self, Aggregates, ClassAggregate};
use super::bits::BitVec;
use super::diff::ClassDiff;
use super::jsstr::cmp_utf16;
use super::paths::{self, RetainersView};
use crate::snapshot::{EdgeIdx, EdgeType, NodeIdx, NodeType};

/// The edges a node shows when expanded (DevTools `containmentEdgesFilter`: all but invisible).
pub fn containment_edges(a: &Analysis, n: NodeIdx) -> Vec<EdgeIdx> {
    a.snapshot.edges(n).filter(|&e| a.snapshot.edge_type(e) != EdgeType::INVISIBLE).collect()
}

/// The Summary's preset filters (DevTools' "All objects", "Objects allocated between …",
/// "Duplicated strings").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeFilter {
    All,
    /// Objects whose id is in `(min, max]` (`createNodeIdFilter`).
    IdRange {
        min: u32,
        max: u32,
    },
    /// Strings whose text occurs in more than one string object (`createDuplicatedStringsFilter`).
    DuplicatedStrings,
}

fn duplicated_strings(a: &Analysis) -> BitVec {
    let s = &a.snapshot;
    let mut bits = BitVec::new(a.node_count());
    let mut first_by_name: std::collections::HashMap<std::borrow::Cow<'_, str>, NodeIdx> =
        std::collections::HashMap::new();
    for n in 0..a.node_count() as NodeIdx {
        let t = s.node_type(n);
        if t != NodeType::STRING && t != NodeType::CONS_STRING {
            continue;
        }
        // A cons string one of whose halves is empty is already flat: not a duplicate of itself.
        if t == NodeType::CONS_STRING
            && s.edges(n).any(|e| {
                s.edge_type(e) == EdgeType::INTERNAL
                    && matches!(s.string(s.edge_name_or_index(e)), "first" | "second")
                    && a.display_name(s.edge_to(e)).is_empty()
            })
        {
            continue;
        }
        if a.self_size[n as usize] == 0 {
            continue;
        }
        let name = a.display_name(n);
        match first_by_name.get(&name) {
            Some(&first) => {
                bits.set(first as usize);
                bits.set(n as usize);
            }
            None => {
                first_by_name.insert(name, n);
            }
        }
    }
    bits
}

/// Summary rows under a filter (`aggregatesWithFilter`): only the nodes the filter keeps count,
/// for counts, sizes and the no-double-counting retained sizes alike.
pub fn filtered_aggregates(a: &Analysis, filter: &NodeFilter) -> std::sync::Arc<Aggregates> {
    let bits = match filter {
        NodeFilter::All => return a.aggregates.clone(),
        NodeFilter::IdRange { min, max } => {
            let mut bits = BitVec::new(a.node_count());
            for n in 0..a.node_count() {
                let id = a.snapshot.node_id(n as NodeIdx);
                if id > *min && id <= *max {
                    bits.set(n);
                }
            }
            bits
        }
        NodeFilter::DuplicatedStrings => duplicated_strings(a),
    };
    let dominated = super::dominator_tree::DominatorChildren::build_unsorted(&a.dominator, a.snapshot.root());
    std::sync::Arc::new(aggregates::aggregate(&aggregates::AggregateInput {
        classes: &a.classes,
        self_size: &a.self_size,
        distance: &a.distance,
        retained_size: &a.retained_size,
        dominated: &dominated,
        root: a.snapshot.root(),
        filter: Some(std::sync::Arc::new(bits)),
    }))
}

/// Nodes matching a search (DevTools `HeapSnapshot.search`, plain text, case-insensitive):
/// `@123` finds that object; other text finds visible objects (self size > 0) whose name
/// contains it. In node order.
pub fn search(a: &Analysis, query: &str) -> Vec<NodeIdx> {
    let query = query.trim();
    if query.is_empty() {
        return Vec::new();
    }
    if let Some(id) = query.strip_prefix('@').and_then(|d| d.parse::<u32>().ok()) {
        return a.find_node_by_id(id).into_iter().collect();
    }
    let needle = query.to_lowercase();
    let s = &a.snapshot;
    let matching: Vec<bool> = s.strings().iter().map(|t| t.to_lowercase().contains(&needle)).collect();
    (0..a.node_count() as NodeIdx)
        .filter(|&n| a.self_size[n as usize] > 0)
        .filter(|&n| {
            let t = s.node_type(n);
            let custom = t == NodeType::CONS_STRING || (t == NodeType::OBJECT && s.node_name(n) == "Object");
            if custom || a.dom.renamed.get(n as usize) {
                a.display_name(n).to_lowercase().contains(&needle)
            } else {
                matching[s.node_name_idx(n) as usize]
            }
        })
        .collect()
}

/// A sortable column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortKey {
    Name,
    Distance,
    Count,
    ShallowSize,
    RetainedSize,
    New,
    Deleted,
    Delta,
    AllocSize,
    FreedSize,
    SizeDelta,
    /// Growth across three or more snapshots ([`super::trends`]): the Trend column.
    Growth,
}

/// The Summary's default order: Retained Size, descending (DevTools' `HeapSnapshotConstructorsDataGrid`
/// sorts by `retainedSize` first).
pub const SUMMARY_DEFAULT_SORT: (SortKey, bool) = (SortKey::RetainedSize, false);
/// The Comparison's default order: Alloc. Size, descending (`HeapSnapshotDiffDataGrid`'s
/// `addedSize` column is sorted first).
pub const COMPARISON_DEFAULT_SORT: (SortKey, bool) = (SortKey::AllocSize, false);

/// Sorts Summary rows (indexes into `rows`) by a column. Ties go to the name, then the class key,
/// both as JavaScript compares strings (UTF-16 code units), in both directions: the one order the
/// window, the tables and `--json` share (DevTools' comparator falls back to the name the same way).
pub fn sort_class_rows(rows: &[ClassAggregate], order: &mut [u32], key: SortKey, ascending: bool) {
    order.sort_by(|&x, &y| {
        let (x, y) = (&rows[x as usize], &rows[y as usize]);
        let o = match key {
            SortKey::Name => cmp_utf16(&x.name, &y.name),
            SortKey::Distance => x.distance.cmp(&y.distance),
            SortKey::Count => x.count.cmp(&y.count),
            SortKey::ShallowSize => x.self_size.cmp(&y.self_size),
            _ => x.retained_size.cmp(&y.retained_size),
        };
        let o = if ascending { o } else { o.reverse() };
        o.then_with(|| cmp_utf16(&x.name, &y.name)).then_with(|| cmp_utf16(&x.key, &y.key))
    });
}

/// Sorts Comparison rows (indexes into `rows`) by a column; ties as in [`sort_class_rows`].
pub fn sort_diff_rows(rows: &[ClassDiff], order: &mut [u32], key: SortKey, ascending: bool) {
    order.sort_by(|&x, &y| {
        let (x, y) = (&rows[x as usize], &rows[y as usize]);
        let o = match key {
            SortKey::Name => cmp_utf16(&x.name, &y.name),
            SortKey::New => x.new_count.cmp(&y.new_count),
            SortKey::Deleted => x.deleted_count.cmp(&y.deleted_count),
            SortKey::Delta => x.count_delta().cmp(&y.count_delta()),
            SortKey::AllocSize => x.alloc_size.cmp(&y.alloc_size),
            SortKey::FreedSize => x.freed_size.cmp(&y.freed_size),
            _ => x.size_delta().cmp(&y.size_delta()),
        };
        let o = if ascending { o } else { o.reverse() };
        o.then_with(|| cmp_utf16(&x.name, &y.name)).then_with(|| cmp_utf16(&x.key, &y.key))
    });
}

/// Sorts rows (indexes, Summary or Comparison) by their class's growth across the snapshots of
/// `trends` ([`super::trends::ClassTrend::growth`]: newest minus oldest shallow size); a row whose
/// class has no series counts as 0. Ties as in [`sort_class_rows`]: name, then key, in UTF-16
/// order. `name_key` gives a row's class name and key.
pub fn sort_by_growth<'a>(
    order: &mut [u32],
    name_key: impl Fn(u32) -> (&'a str, &'a str),
    trends: &super::trends::ClassTrends,
    ascending: bool,
) {
    let mut keyed: Vec<(i64, &str, &str, u32)> = order
        .iter()
        .map(|&i| {
            let (name, key) = name_key(i);
            (trends.by_key(key).map_or(0, |t| t.growth()), name, key, i)
        })
        .collect();
    keyed.sort_by(|x, y| {
        let o = x.0.cmp(&y.0);
        let o = if ascending { o } else { o.reverse() };
        o.then_with(|| cmp_utf16(x.1, y.1)).then_with(|| cmp_utf16(x.2, y.2))
    });
    for (slot, k) in order.iter_mut().zip(keyed) {
        *slot = k.3;
    }
}

/// All Summary rows (indexes into `aggs.rows`) in a given order.
pub fn sorted_class_rows(aggs: &Aggregates, (key, ascending): (SortKey, bool)) -> Vec<u32> {
    let mut order: Vec<u32> = (0..aggs.rows.len() as u32).collect();
    sort_class_rows(&aggs.rows, &mut order, key, ascending);
    order
}

/// All Comparison rows (indexes into `rows`) in a given order.
pub fn sorted_diff_rows(rows: &[ClassDiff], (key, ascending): (SortKey, bool)) -> Vec<u32> {
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    sort_diff_rows(rows, &mut order, key, ascending);
    order
}

/// Sorts nodes by a column, ties by node order (as DevTools' providers tie-break by index).
pub fn sort_nodes(a: &Analysis, nodes: &mut [NodeIdx], key: SortKey, ascending: bool) {
    let dir = |o: Ordering| if ascending { o } else { o.reverse() };
    match key {
        SortKey::Name => {
            let mut keyed: Vec<(std::borrow::Cow<'_, str>, NodeIdx)> =
                nodes.iter().map(|&n| (a.display_name(n), n)).collect();
            keyed.sort_by(|x, y| dir(cmp_utf16(&x.0, &y.0)).then(x.1.cmp(&y.1)));
            for (slot, (_, n)) in nodes.iter_mut().zip(keyed) {
                *slot = n;
            }
        }
        SortKey::Distance => {
            nodes.sort_by(|&x, &y| dir(a.distance[x as usize].cmp(&a.distance[y as usize])).then(x.cmp(&y)))
        }
        SortKey::ShallowSize | SortKey::Count => {
            nodes.sort_by(|&x, &y| dir(a.self_size[x as usize].cmp(&a.self_size[y as usize])).then(x.cmp(&y)))
        }
        _ => nodes.sort_by(|&x, &y| dir(a.retained_size[x as usize].cmp(&a.retained_size[y as usize])).then(x.cmp(&y))),
    }
}

/// The merged retainer paths' order of a branch's children (the window's tree, the graph's
/// layers, `heapscope paths`): most objects first, then larger retained size, then the branch made
/// first (branches are made in a fixed order, so the order is total and stable).
pub fn sort_merged_branches(m: &super::merged_paths::MergedPaths, branches: &mut [u32]) {
    branches.sort_by(|&x, &y| {
        let (x, y) = (x as usize, y as usize);
        m.count[y].cmp(&m.count[x]).then(m.retained_size[y].cmp(&m.retained_size[x])).then(x.cmp(&y))
    });
}

/// The dominator tree's order (Dominators view, `heapscope dominators`, its `--json`): retained
/// size descending, then id ascending, as the oracle orders `top_nodes`.
pub const DOMINATORS_DEFAULT_SORT: (SortKey, bool) = (SortKey::RetainedSize, false);

/// Sorts dominator-tree children by a column; ties go to the id, ascending, in both directions
/// (ids are unique, so the order is total). Count is the objects in each node's dominator
/// subtree (`retained_count`, indexed by node; [`super::dominator_tree::DominatorChildren`]).
pub fn sort_dominated(a: &Analysis, retained_count: &[u32], nodes: &mut [NodeIdx], key: SortKey, ascending: bool) {
    let id = |n: NodeIdx| a.snapshot.node_id(n);
    let dir = |o: Ordering| if ascending { o } else { o.reverse() };
    match key {
        SortKey::Name => {
            let mut keyed: Vec<(std::borrow::Cow<'_, str>, u32, NodeIdx)> =
                nodes.iter().map(|&n| (a.display_name(n), id(n), n)).collect();
            keyed.sort_by(|x, y| dir(cmp_utf16(&x.0, &y.0)).then(x.1.cmp(&y.1)));
            for (slot, (_, _, n)) in nodes.iter_mut().zip(keyed) {
                *slot = n;
            }
        }
        SortKey::Distance => {
            nodes.sort_by(|&x, &y| dir(a.distance[x as usize].cmp(&a.distance[y as usize])).then(id(x).cmp(&id(y))))
        }
        SortKey::ShallowSize => {
            nodes.sort_by(|&x, &y| dir(a.self_size[x as usize].cmp(&a.self_size[y as usize])).then(id(x).cmp(&id(y))))
        }
        SortKey::Count => {
            let count = |n: NodeIdx| retained_count.get(n as usize).copied().unwrap_or(1);
            nodes.sort_by(|&x, &y| dir(count(x).cmp(&count(y))).then(id(x).cmp(&id(y))))
        }
        _ => nodes.sort_by(|&x, &y| {
            dir(a.retained_size[x as usize].cmp(&a.retained_size[y as usize])).then(id(x).cmp(&id(y)))
        }),
    }
}

/// Sorts "Group by class" rows of the dominator tree by a column; ties go to the class name
/// (UTF-16 order), then the class key, then the class id.
pub fn sort_class_groups(
    a: &Analysis,
    groups: &mut [super::dominator_tree::ClassGroup],
    key: SortKey,
    ascending: bool,
) {
    let class = |g: &super::dominator_tree::ClassGroup| &a.classes.classes[g.class as usize];
    groups.sort_by(|x, y| {
        let o = match key {
            SortKey::Name => cmp_utf16(&class(x).name, &class(y).name),
            SortKey::Count => x.retained_count.cmp(&y.retained_count),
            SortKey::ShallowSize => x.self_size.cmp(&y.self_size),
            _ => x.retained_size.cmp(&y.retained_size),
        };
        let o = if ascending { o } else { o.reverse() };
        o.then_with(|| cmp_utf16(&class(x).name, &class(y).name))
            .then_with(|| cmp_utf16(&class(x).key, &class(y).key))
            .then(x.class.cmp(&y.class))
    });
}

/// Sorts a node's edges for display: by the target's value, or by edge name for the name column
/// (DevTools `HeapSnapshotEdgesProvider.sort`: `__proto__` last, named edges before indexes).
pub fn sort_edges(a: &Analysis, edges: &mut [EdgeIdx], key: SortKey, ascending: bool) {
    let s = &a.snapshot;
    let dir = |o: Ordering| if ascending { o } else { o.reverse() };
    match key {
        SortKey::Name => {
            edges.sort_by(|&x, &y| {
                let (nx, ny) = (s.edge_name(x), s.edge_name(y));
                let proto = (nx == "__proto__").cmp(&(ny == "__proto__"));
                if proto != Ordering::Equal {
                    return proto;
                }
                let (sx, sy) = (s.edge_type(x).has_string_name(), s.edge_type(y).has_string_name());
                let o = if sx == sy {
                    if !sx { s.edge_name_or_index(x).cmp(&s.edge_name_or_index(y)) } else { cmp_utf16(&nx, &ny) }
                } else if sx {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
                dir(o).then(x.cmp(&y))
            });
        }
        _ => {
            let value = |e: EdgeIdx| -> i128 {
                let n = s.edge_to(e) as usize;
                match key {
                    SortKey::Distance => i128::from(a.distance[n]),
                    SortKey::ShallowSize | SortKey::Count => i128::from(a.self_size[n]),
                    _ => i128::from(a.retained_size[n]),
                }
            };
            edges.sort_by(|&x, &y| dir(value(x).cmp(&value(y))).then(x.cmp(&y)));
        }
    }
}

/// The auto-expanded retainer chain as text, one `edge in Object @id` per line, for "Path to GC
/// root" (and the clipboard).
pub fn path_to_root_text(a: &Analysis, view: &RetainersView, n: NodeIdx) -> String {
    let s = &a.snapshot;
    let path = paths::shortest_path(a, view, n);
    let mut out = format!("{} @{}\n", a.display_name(n), s.node_id(n));
    for (depth, r) in path.edges.iter().enumerate() {
        out.push_str(&format!(
            "{}<- {} in {} @{} (distance {})\n",
            "  ".repeat(depth + 1),
            s.edge_name(r.edge),
            a.display_name(r.node),
            s.node_id(r.node),
            super::format::distance_ui(r.distance)
        ));
    }
    out.push_str(&format!("({})\n", path.stop_reason.as_str()));
    out
}

/// One slice of the Statistics chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatisticsSlice {
    pub label: &'static str,
    pub bytes: u64,
}

/// DevTools' Statistics legend: Code, Strings, JS arrays, Typed arrays, System objects, Other
/// JS objects, Other non-JS objects (`HeapSnapshotStatisticsView` via `HeapSnapshotView`).
pub fn statistics_slices(a: &Analysis) -> Vec<StatisticsSlice> {
    let st = &a.statistics;
    let js_other =
        st.v8heap.total.saturating_sub(st.v8heap.code + st.v8heap.strings + st.v8heap.js_arrays + st.v8heap.system);
    let native_other = st.native.total.saturating_sub(st.native.typed_arrays);
    vec![
        StatisticsSlice { label: "Code", bytes: st.v8heap.code },
        StatisticsSlice { label: "Strings", bytes: st.v8heap.strings },
        StatisticsSlice { label: "JS arrays", bytes: st.v8heap.js_arrays },
        StatisticsSlice { label: "Typed arrays", bytes: st.native.typed_arrays },
        StatisticsSlice { label: "System objects", bytes: st.v8heap.system },
        StatisticsSlice { label: "Other JS objects", bytes: js_other },
        StatisticsSlice { label: "Other non-JS objects", bytes: native_other },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, key: &str, retained: u64) -> ClassAggregate {
        ClassAggregate {
            class: 0,
            key: key.into(),
            name: name.into(),
            count: 1,
            distance: 1,
            self_size: 1,
            retained_size: retained,
        }
    }

    /// Equal values fall back to the name, then the key, as JavaScript compares strings (UTF-16:
    /// "\u{ff5e}" sorts after "\u{1f600}", unlike Rust's `str` order), in both directions.
    #[test]
    fn ties_go_to_name_then_key_in_utf16_order() {
        let rows = vec![
            row("\u{ff5e}", "b", 10),
            row("\u{1f600}", "a", 10),
            row("B", "2", 10),
            row("B", "1", 10),
            row("Z", "z", 99),
        ];
        let mut order: Vec<u32> = (0..rows.len() as u32).collect();
        sort_class_rows(&rows, &mut order, SortKey::RetainedSize, false);
        assert_eq!(order, [4, 3, 2, 1, 0]);
        sort_class_rows(&rows, &mut order, SortKey::RetainedSize, true);
        assert_eq!(order, [3, 2, 1, 0, 4]);
    }
}
