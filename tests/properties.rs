//! Property tests: every pass against an independent, obviously correct reference on random
//! graphs, the reader against the writer, and the reader against mutated input.

#![allow(clippy::unwrap_used)]

use std::collections::{HashSet, VecDeque};

use heapscope::analysis::Analysis;
use heapscope::analysis::distances::{BASE_SYSTEM_DISTANCE, NO_DISTANCE};
use heapscope::analysis::dominator_tree::{DominatorChildren, group_by_class};
use heapscope::analysis::flame;
use heapscope::progress::NoProgress;
use heapscope::snapshot::builder::SnapshotBuilder;
use heapscope::snapshot::writer::write_snapshot;
use heapscope::snapshot::{EdgeType, HeapSnapshot, NodeType, read_from};
use petgraph::algo::dominators::simple_fast;
use petgraph::graph::{DiGraph, NodeIndex};
use proptest::prelude::*;

/// A random heap: node 0 is the synthetic root; others are objects or arrays (arrays are
/// "unowned" for the shallow-size transfer).
#[derive(Clone, Debug)]
struct Graph {
    n: usize,
    sizes: Vec<u32>,
    arrays: Vec<bool>,
    /// (from, to, weak)
    edges: Vec<(usize, usize, bool)>,
}

fn graphs(max_nodes: usize) -> impl Strategy<Value = Graph> {
    (2..max_nodes).prop_flat_map(|n| {
        (
            prop::collection::vec(0u32..1000, n),
            prop::collection::vec(prop::bool::weighted(0.25), n),
            prop::collection::vec((0..n, 0..n, prop::bool::weighted(0.15)), 0..n * 3),
        )
            .prop_map(move |(sizes, arrays, edges)| Graph { n, sizes, arrays, edges })
    })
}

fn build(g: &Graph) -> HeapSnapshot {
    let mut b = SnapshotBuilder::new();
    for i in 0..g.n {
        if i == 0 {
            b.node(NodeType::SYNTHETIC, "", 0);
        } else if g.arrays[i] {
            b.node(NodeType::ARRAY, "", g.sizes[i]);
        } else {
            b.node(NodeType::OBJECT, &format!("C{}", i % 4), g.sizes[i]);
        }
    }
    for (k, &(from, to, weak)) in g.edges.iter().enumerate() {
        let t = if weak {
            EdgeType::WEAK
        } else if from == 0 {
            EdgeType::ELEMENT
        } else {
            EdgeType::PROPERTY
        };
        if t == EdgeType::ELEMENT {
            b.edge(from as u32, t, k as u32, to as u32);
        } else {
            b.edge(from as u32, t, format!("e{k}").as_str(), to as u32);
        }
    }
    b.build()
}

/// Successors over edges that matter for dominators: not weak, not self edges.
fn strong_successors(g: &Graph) -> Vec<Vec<usize>> {
    let mut succ = vec![Vec::new(); g.n];
    for &(from, to, weak) in &g.edges {
        if !weak && from != to {
            succ[from].push(to);
        }
    }
    succ
}

/// The graph the dominator pass effectively works on (DevTools
/// `calculateDominatorsAndRetainedSizes`): nodes the root cannot reach but that have no strong
/// retainer are given an edge from the root, in ascending order, each followed by a DFS. Returns
/// the successors and the nodes still unreached (retained only by each other).
fn augmented_successors(g: &Graph) -> (Vec<Vec<usize>>, Vec<usize>) {
    let mut succ = strong_successors(g);
    let mut has_strong_pred = vec![false; g.n];
    for list in &succ {
        for &w in list {
            has_strong_pred[w] = true;
        }
    }
    let mut seen = reachable(&succ, 0, None);
    for v in 1..g.n {
        if !seen[v] && !has_strong_pred[v] {
            succ[0].push(v);
            let more = reachable(&succ, v, None);
            for (u, m) in more.iter().enumerate() {
                seen[u] |= m;
            }
        }
    }
    let unreached = (0..g.n).filter(|&v| !seen[v]).collect();
    (succ, unreached)
}

fn reachable(succ: &[Vec<usize>], from: usize, removed: Option<usize>) -> Vec<bool> {
    let mut seen = vec![false; succ.len()];
    if Some(from) == removed {
        return seen;
    }
    let mut stack = vec![from];
    seen[from] = true;
    while let Some(v) = stack.pop() {
        for &w in &succ[v] {
            if !seen[w] && Some(w) != removed {
                seen[w] = true;
                stack.push(w);
            }
        }
    }
    seen
}

/// Self sizes after the transfer, by definition: an unowned node whose set of owners (self-owned
/// nodes reaching it through unowned nodes only) is exactly one non-root node gives its size to it.
fn reference_self_sizes(g: &Graph) -> Vec<u32> {
    let unowned = |v: usize| v != 0 && g.arrays[v];
    let mut preds = vec![Vec::new(); g.n];
    for &(from, to, weak) in &g.edges {
        if !weak {
            preds[to].push(from);
        }
    }
    let mut sizes: Vec<u32> = (0..g.n).map(|v| if v == 0 { 0 } else { g.sizes[v] }).collect();
    let has_user_roots = g.edges.iter().any(|&(f, t, _)| f == 0 && t != 0);
    if !has_user_roots {
        return sizes;
    }
    for u in (0..g.n).filter(|&u| unowned(u)) {
        let mut owners = HashSet::new();
        let mut seen = HashSet::from([u]);
        let mut stack = vec![u];
        while let Some(v) = stack.pop() {
            for &p in &preds[v] {
                if unowned(p) {
                    if seen.insert(p) {
                        stack.push(p);
                    }
                } else {
                    owners.insert(p);
                }
            }
        }
        if owners.len() == 1 {
            let owner = *owners.iter().next().unwrap();
            if owner != 0 {
                sizes[owner] += sizes[u];
                sizes[u] = 0;
            }
        }
    }
    sizes
}

fn reference_distances(g: &Graph) -> Vec<i32> {
    let mut succ = vec![Vec::new(); g.n];
    for &(from, to, weak) in &g.edges {
        if !weak {
            succ[from].push(to);
        }
    }
    let mut d = vec![NO_DISTANCE; g.n];
    let mut queue = VecDeque::new();
    for &(from, to, _) in &g.edges {
        // Root edges are element edges to non-synthetic nodes: user roots, even if weak-typed?
        // No: weak root edges are still root edges, and user roots are taken from all of them.
        if from == 0 && to != 0 && d[to] == NO_DISTANCE {
            d[to] = 1;
            queue.push_back(to);
        }
    }
    let had_user_roots = !queue.is_empty();
    let bfs = |d: &mut Vec<i32>, queue: &mut VecDeque<usize>| {
        while let Some(v) = queue.pop_front() {
            for &w in &succ[v] {
                if d[w] == NO_DISTANCE {
                    d[w] = d[v] + 1;
                    queue.push_back(w);
                }
            }
        }
    };
    bfs(&mut d, &mut queue);
    d[0] = if had_user_roots { BASE_SYSTEM_DISTANCE } else { 0 };
    queue.push_back(0);
    bfs(&mut d, &mut queue);
    d
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Immediate dominators equal petgraph's Cooper–Harvey–Kennedy on the graph DevTools'
    /// pass works on (see `augmented_successors`). Nodes retained only by each other (DevTools
    /// attaches them one by one, outside the algorithm's assumptions) are left out, with
    /// everything they reach.
    #[test]
    fn dominators_equal_petgraph(g in graphs(40)) {
        let a = Analysis::run(build(&g), &NoProgress).unwrap();
        let (succ, unreached) = augmented_successors(&g);
        let mut affected = vec![false; g.n];
        for &c in &unreached {
            for (u, r) in reachable(&succ, c, None).iter().enumerate() {
                affected[u] |= r;
            }
        }
        let mut pg = DiGraph::<(), ()>::new();
        let ids: Vec<NodeIndex> = (0..g.n).map(|_| pg.add_node(())).collect();
        for (from, list) in succ.iter().enumerate() {
            for &to in list {
                pg.add_edge(ids[from], ids[to], ());
            }
        }
        let doms = simple_fast(&pg, ids[0]);
        prop_assert_eq!(a.dominator[0], 0);
        for v in 1..g.n {
            prop_assert!((a.dominator[v] as usize) < g.n);
            if affected[v] {
                continue;
            }
            let d = doms.immediate_dominator(ids[v]).unwrap();
            prop_assert_eq!(a.dominator[v] as usize, d.index(), "node {}", v);
        }
    }

    /// Retained size = the self sizes of everything that becomes unreachable from the root when
    /// the node is removed (on the same augmented graph). The root retains everything.
    #[test]
    fn retained_sizes_equal_removal_reachability(g in graphs(30)) {
        let a = Analysis::run(build(&g), &NoProgress).unwrap();
        let sizes = reference_self_sizes(&g);
        prop_assert_eq!(&a.self_size, &sizes);
        prop_assert_eq!(a.retained_size[0], sizes.iter().map(|&s| u64::from(s)).sum::<u64>());
        let (succ, unreached) = augmented_successors(&g);
        prop_assume!(unreached.is_empty());
        for v in 1..g.n {
            let after = reachable(&succ, 0, Some(v));
            let lost: u64 = (0..g.n).filter(|&u| !after[u]).map(|u| u64::from(sizes[u])).sum();
            prop_assert_eq!(a.retained_size[v], lost, "node {}", v);
        }
    }

    #[test]
    fn distances_equal_plain_bfs(g in graphs(40)) {
        let a = Analysis::run(build(&g), &NoProgress).unwrap();
        prop_assert_eq!(a.distance.clone(), reference_distances(&g));
    }

    /// Summary rows never count a retained size twice: each class's retained size is at most the
    /// total, and equals the sum over its members that have no same-class dominator ancestor.
    #[test]
    fn class_retained_sizes_skip_nested_members(g in graphs(40)) {
        let a = Analysis::run(build(&g), &NoProgress).unwrap();
        for (i, row) in a.aggregates.rows.iter().enumerate() {
            let members = a.aggregates.members(i, &a.classes, &a.self_size);
            let mut expected = 0u64;
            for &m in &members {
                let mut d = a.dominator[m as usize];
                let mut nested = false;
                while d != a.dominator[d as usize] {
                    if a.classes.class_of[d as usize] == row.class && a.self_size[d as usize] > 0 {
                        nested = true;
                        break;
                    }
                    d = a.dominator[d as usize];
                }
                if !nested {
                    expected += a.retained_size[m as usize];
                }
            }
            prop_assert_eq!(row.retained_size, expected, "class {}", &row.name);
            prop_assert!(row.retained_size <= a.total_size());
        }
    }

    /// The dominator tree's children lists: every node but the root is listed exactly once,
    /// under its dominator, in retained size descending then id ascending order; the children's
    /// retained sizes sum to at most the node's retained size minus its self size (equal, in fact:
    /// retained size is self plus what it dominates); "Group by class" partitions the children
    /// with the same sums; each node's retained count is itself plus its children's.
    #[test]
    fn dominator_children_sum_to_at_most_retained_minus_self(g in graphs(40)) {
        let a = Analysis::run(build(&g), &NoProgress).unwrap();
        let tree = DominatorChildren::build(&a);
        let root = a.snapshot.root();
        let mut seen = vec![0u32; g.n];
        for v in 0..g.n as u32 {
            let children = tree.children(v);
            let sum: u64 = children.iter().map(|&c| a.retained_size[c as usize]).sum();
            let own = a.retained_size[v as usize] - u64::from(a.self_size[v as usize]);
            prop_assert!(sum <= own, "node {}: children {} > retained - self {}", v, sum, own);
            for &c in children {
                prop_assert_eq!(a.dominator[c as usize], v);
                seen[c as usize] += 1;
            }
            for w in children.windows(2) {
                let key = |n: u32| (std::cmp::Reverse(a.retained_size[n as usize]), a.snapshot.node_id(n));
                prop_assert!(key(w[0]) < key(w[1]), "node {}: {} before {}", v, w[0], w[1]);
            }
            let below: u32 = children.iter().map(|&c| tree.retained_count(c)).sum();
            prop_assert_eq!(tree.retained_count(v), 1 + below, "node {}: retained count", v);
            let groups = group_by_class(&a, &tree, children);
            prop_assert_eq!(groups.iter().map(|g| g.retained_count).sum::<u64>(), u64::from(below));
            prop_assert_eq!(groups.iter().map(|g| g.retained_size).sum::<u64>(), sum);
            prop_assert_eq!(groups.iter().map(|g| g.count as usize).sum::<usize>(), children.len());
            for grp in &groups {
                prop_assert!(grp.members.iter().all(|&m| a.classes.class_of[m as usize] == grp.class));
            }
        }
        for (v, &times) in seen.iter().enumerate() {
            prop_assert_eq!(times, u32::from(v as u32 != root), "node {}", v);
        }
        prop_assert_eq!(tree.retained_count(root) as usize, g.n);
    }

    /// The flame chart puts every object in exactly one frame (with no width limit); a frame's
    /// width is its objects' retained sizes summed; children are of one class each, fit inside
    /// their parent (offsets within its span, widths summing to at most its width minus its self
    /// size) and are widest first. With a limit, every frame kept is at least that wide.
    #[test]
    fn flame_frames_partition_the_objects_and_nest(g in graphs(40), limit in 0u64..3000) {
        let a = Analysis::run(build(&g), &NoProgress).unwrap();
        let tree = DominatorChildren::build(&a);
        let chart = flame::build(&a, &tree, 0);
        prop_assert_eq!(chart.frames.iter().map(|f| f.count as usize).sum::<usize>(), g.n);
        prop_assert_eq!(chart.frames[0].retained_size, a.retained_size[a.snapshot.root() as usize]);
        let mut retained = vec![0u64; chart.frames.len()];
        let mut count = vec![0u32; chart.frames.len()];
        for n in 0..g.n {
            let f = chart.frame_of[n] as usize;
            prop_assert!(f < chart.frames.len(), "node {} in no frame", n);
            retained[f] += a.retained_size[n];
            count[f] += 1;
            if f > 0 {
                prop_assert_eq!(chart.frames[f].class, a.classes.class_of[n]);
                prop_assert_eq!(chart.frame_of[a.dominator[n] as usize], chart.frames[f].parent);
            }
        }
        for (i, f) in chart.frames.iter().enumerate() {
            prop_assert_eq!(f.retained_size, retained[i]);
            prop_assert_eq!(f.count, count[i]);
            let kids: Vec<&flame::Frame> = chart.children(i as u32).map(|c| &chart.frames[c as usize]).collect();
            let width: u64 = kids.iter().map(|k| k.retained_size).sum();
            prop_assert!(width <= f.retained_size - f.self_size, "frame {}", i);
            for k in &kids {
                prop_assert_eq!(k.parent as usize, i);
                prop_assert!(k.offset >= f.offset && k.offset + k.retained_size <= f.offset + f.retained_size);
            }
            prop_assert!(kids.windows(2).all(|w| w[0].retained_size >= w[1].retained_size));
        }
        let pruned = flame::build(&a, &tree, limit);
        prop_assert!(pruned.frames.iter().skip(1).all(|f| f.retained_size >= limit));
        prop_assert!(pruned.frames.len() <= chart.frames.len());
    }

    /// reader(writer(x)) == x, column by column.
    #[test]
    fn write_then_read_round_trips(g in graphs(40)) {
        let s = build(&g);
        let mut text = Vec::new();
        write_snapshot(&s, &mut text).unwrap();
        let back = read_from(&text[..], Some(text.len() as u64), &NoProgress).unwrap();
        prop_assert_eq!(back.node_count(), s.node_count());
        prop_assert_eq!(back.edge_count(), s.edge_count());
        for n in 0..s.node_count() as u32 {
            prop_assert_eq!(back.node_type(n), s.node_type(n));
            prop_assert_eq!(back.node_name(n), s.node_name(n));
            prop_assert_eq!(back.node_id(n), s.node_id(n));
            prop_assert_eq!(back.raw_self_size(n), s.raw_self_size(n));
            prop_assert_eq!(back.edges(n), s.edges(n));
        }
        for e in 0..s.edge_count() as u32 {
            prop_assert_eq!(back.edge_type(e), s.edge_type(e));
            prop_assert_eq!(back.edge_name(e), s.edge_name(e));
            prop_assert_eq!(back.edge_to(e), s.edge_to(e));
        }
    }
}

/// The top-level keys in any order, with any whitespace, give the same snapshot.
#[test]
fn key_order_and_whitespace_do_not_matter() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus/closure_leak/s1.heapsnapshot.gz");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap()), &mut text)
        .unwrap();
    let original = Analysis::run(read_from(text.as_bytes(), None, &NoProgress).unwrap(), &NoProgress).unwrap();
    // Split the top-level object into its sections by their known starts.
    let keys = [
        "\"snapshot\"",
        "\"nodes\"",
        "\"edges\"",
        "\"trace_function_infos\"",
        "\"trace_tree\"",
        "\"samples\"",
        "\"locations\"",
        "\"strings\"",
    ];
    let mut starts: Vec<usize> = keys.iter().map(|k| text.find(k).unwrap()).collect();
    starts.push(text.rfind('}').unwrap());
    let mut sections: Vec<String> =
        starts.windows(2).map(|w| text[w[0]..w[1]].trim_end().trim_end_matches(',').to_string()).collect();
    // Strings first, nodes and edges before the header, pretty whitespace.
    sections.reverse();
    let shuffled = format!("{{\n  {}\n}}\n", sections.join(" ,\n\t "));
    let again = Analysis::run(read_from(shuffled.as_bytes(), None, &NoProgress).unwrap(), &NoProgress).unwrap();
    assert_eq!(again.retained_size, original.retained_size);
    assert_eq!(again.distance, original.distance);
    assert_eq!(again.aggregates.rows, original.aggregates.rows);
    assert_eq!(again.snapshot.locations(), original.snapshot.locations());
}

/// A 200,000-long linked list: every pass is iterative, so a small stack is enough.
#[test]
fn long_chains_do_not_overflow_the_stack() {
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let mut b = SnapshotBuilder::new();
            let root = b.node(NodeType::SYNTHETIC, "", 0);
            let global = b.node(NodeType::OBJECT, "global", 10);
            b.edge(root, EdgeType::SHORTCUT, "global", global);
            let mut prev = global;
            for _ in 0..200_000 {
                let next = b.node(NodeType::OBJECT, "Link", 32);
                b.edge(prev, EdgeType::PROPERTY, "next", next);
                prev = next;
            }
            let a = Analysis::run(b.build(), &NoProgress).unwrap();
            assert_eq!(a.distance[prev as usize], 200_001);
            assert_eq!(a.retained_size[global as usize], 10 + 32 * 200_000);
            assert_eq!(a.dominator[prev as usize], prev - 1);
            let link = a.aggregates.rows.iter().find(|r| r.name == "Link").unwrap();
            // Each link dominates the rest: only the first one counts.
            assert_eq!(link.retained_size, 32 * 200_000);
            let path = heapscope::analysis::paths::shortest_path(&a, &Default::default(), prev);
            assert_eq!(path.edges.len(), 20);
        })
        .unwrap();
    handle.join().unwrap();
}

/// When the main reader takes the end of `edges` over from the helper, at any byte (inside a
/// number, a record, or past the last comma), the columns and the analysis are the one-thread
/// reader's; and a damaged array gives the one-thread reader's error, wherever the damage is.
#[test]
fn taking_the_end_of_edges_over_gives_the_same_columns_and_errors() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus/closure_leak/s1.heapsnapshot.gz");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap()), &mut text)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("v8-order.heapsnapshot");
    std::fs::write(&file, &text).unwrap();
    let one = heapscope::snapshot::read_file_with(&file, &NoProgress, u64::MAX).unwrap();
    let expected = Analysis::run(one, &NoProgress).unwrap();
    let one = heapscope::snapshot::read_file_with(&file, &NoProgress, u64::MAX).unwrap();
    for fraction in [0.0, 0.001, 0.13, 0.5, 0.5003, 0.77, 0.999, 1.0] {
        let two = heapscope::snapshot::read_file_taking_edges_over_at(&file, fraction)
            .unwrap_or_else(|e| panic!("{fraction}: {e}"));
        assert_eq!(one.edge_count(), two.edge_count(), "{fraction}");
        assert!(
            (0..one.edge_count() as u32).all(|e| one.edge_to(e) == two.edge_to(e)
                && one.edge_type(e) == two.edge_type(e)
                && one.edge_name_or_index(e) == two.edge_name_or_index(e)),
            "{fraction}"
        );
        let a = Analysis::run(two, &NoProgress).unwrap();
        assert_eq!(a.retained_size, expected.retained_size, "{fraction}");
    }
    // Damage in the second half of the array: a letter, a value too many, one too few, a huge
    // number, a cut file; each at a few places.
    let start = text.find("\"edges\":[").unwrap() + 9;
    let end = start + text[start..].find(']').unwrap();
    let mut damaged: Vec<(String, String)> = Vec::new();
    for at in [start + (end - start) * 3 / 5, start + (end - start) * 4 / 5, end - 3] {
        let at = at + text[at..].find(',').unwrap() + 1;
        damaged.push((format!("letter@{at}"), format!("{}x{}", &text[..at], &text[at..])));
        damaged.push((format!("huge@{at}"), format!("{}99999999999{}", &text[..at], &text[at..])));
        damaged.push((format!("cut@{at}"), text[..at].to_string()));
    }
    damaged.push(("one more".into(), format!("{},0{}", &text[..end], &text[end..])));
    // Two faults: the one in `edges` (the helper's) comes first in the file.
    let early = start + (end - start) / 5;
    let early = early + text[early..].find(',').unwrap() + 1;
    let both = format!("{}x{}", &text[..early], &text[early..]).replacen("\"strings\":[", "\"strings\":[x", 1);
    damaged.push(("edges and strings".into(), both));
    let last_comma = start + text[start..end].rfind(',').unwrap();
    damaged.push(("one less".into(), format!("{}{}", &text[..last_comma], &text[end..])));
    for (what, body) in &damaged {
        let file = dir.path().join("damaged.heapsnapshot");
        std::fs::write(&file, body).unwrap();
        let e1 = heapscope::snapshot::read_file_with(&file, &NoProgress, u64::MAX).unwrap_err().to_string();
        let e0 = heapscope::snapshot::read_file_with(&file, &NoProgress, 0).unwrap_err().to_string();
        assert_eq!(e1, e0, "{what}, helper alone");
        for fraction in [0.3, 0.5, 0.7, 0.9] {
            let e2 = heapscope::snapshot::read_file_taking_edges_over_at(&file, fraction).unwrap_err().to_string();
            assert_eq!(e1, e2, "{what} at {fraction}");
        }
    }
}

/// The two-thread reader (edges parsed ahead) gives the same snapshot as the one-thread reader,
/// also when `"edges"` is not where it is looked for first.
#[test]
fn reading_edges_ahead_gives_the_same_columns() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus/closure_leak/s1.heapsnapshot.gz");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap()), &mut text)
        .unwrap();
    // As V8 writes it, and with the strings (which contain "edges") moved before the edges.
    let strings_at = text.find("\"strings\"").unwrap();
    let edges_at = text.find("\"edges\"").unwrap();
    let end = text.rfind('}').unwrap();
    let moved = format!(
        "{}{},\n{}}}",
        &text[..edges_at],
        text[strings_at..end].trim_end(),
        text[edges_at..strings_at].trim_end().trim_end_matches(',')
    );
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in [("v8-order.heapsnapshot", &text), ("strings-first.heapsnapshot", &moved)] {
        let file = dir.path().join(name);
        std::fs::write(&file, body).unwrap();
        let one = heapscope::snapshot::read_file_with(&file, &NoProgress, u64::MAX).unwrap();
        let two = heapscope::snapshot::read_file_with(&file, &NoProgress, 0).unwrap();
        assert_eq!(one.edge_count(), two.edge_count(), "{name}");
        assert!(
            (0..one.edge_count() as u32).all(|e| one.edge_to(e) == two.edge_to(e)
                && one.edge_type(e) == two.edge_type(e)
                && one.edge_name_or_index(e) == two.edge_name_or_index(e)),
            "{name}"
        );
        let (a, b) = (Analysis::run(one, &NoProgress).unwrap(), Analysis::run(two, &NoProgress).unwrap());
        assert_eq!(a.retained_size, b.retained_size, "{name}");
    }
    // A bad edge is reported the same way by both.
    let bad = text.replacen("\"edges\":[", "\"edges\":[x", 1);
    let file = dir.path().join("bad.heapsnapshot");
    std::fs::write(&file, &bad).unwrap();
    let e1 = heapscope::snapshot::read_file_with(&file, &NoProgress, u64::MAX).unwrap_err().to_string();
    let e2 = heapscope::snapshot::read_file_with(&file, &NoProgress, 0).unwrap_err().to_string();
    assert_eq!(e1, e2);
}
