//! A layered drawing of the merged retainer paths' top branches (issue 13, item 4): the small
//! subgraph is taken into `petgraph`, laid out in layers by depth from the objects (Sugiyama's
//! layering; the merged tree needs no cycle removal), ordered within a layer by count, then one
//! barycenter pass (Sugiyama, Tagawa & Toda, "Methods for visual understanding of hierarchical
//! system structures", IEEE SMC 11(2), 1981) puts each branch near the mean position of the
//! branches it is linked to in the previous layer, which reduces edge crossings.
//!
//! Positions are in layer/slot units; the view scales them to points.

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::analysis::merged_paths::{self, MergedPaths};

/// One drawn branch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LaidBranch {
    pub branch: u32,
    /// Depth from the objects (0: the objects).
    pub layer: u32,
    /// Position within its layer, 0 at the top.
    pub slot: u32,
}

/// The drawing: branches and the links between them (child index, parent index into
/// `branches`: the retainer branch and the branch it holds).
#[derive(Clone, Debug, Default)]
pub struct GraphLayout {
    pub branches: Vec<LaidBranch>,
    pub links: Vec<(usize, usize)>,
    pub layers: u32,
    /// The most branches in one layer.
    pub widest: u32,
    /// The tree has more branches than were drawn.
    pub cut: bool,
}

/// Lays out at most `limit` branches of `m` ([`merged_paths::top_branches`]).
pub fn layout(m: &MergedPaths, limit: usize) -> GraphLayout {
    let picked = merged_paths::top_branches(m, limit);
    let mut graph: DiGraph<u32, ()> = DiGraph::with_capacity(picked.len(), picked.len());
    let mut index = std::collections::HashMap::new();
    for &b in &picked {
        let i = graph.add_node(b);
        index.insert(b, i);
        if let Some(&p) = index.get(&m.parent[b as usize]) {
            // Parent → child: the branch and the retainer branch above it.
            graph.add_edge(p, i, ());
        }
    }
    let layers = picked.iter().map(|&b| m.depth[b as usize]).max().map_or(0, |d| d + 1);
    let mut by_layer: Vec<Vec<NodeIndex>> = vec![Vec::new(); layers as usize];
    for i in graph.node_indices() {
        by_layer[m.depth[graph[i] as usize] as usize].push(i);
    }
    // Within a layer: most objects first; then, layer after layer, by the barycenter of the
    // linked branches in the previous layer (a tree: the parent's slot), count breaking ties.
    let mut slot_of = vec![0f32; graph.node_count()];
    for (depth, layer) in by_layer.iter_mut().enumerate() {
        let count = |i: &NodeIndex| m.count[graph[*i] as usize];
        if depth == 0 {
            layer.sort_by_key(|i| std::cmp::Reverse(count(i)));
        } else {
            let bary = |i: &NodeIndex| {
                let linked: Vec<f32> =
                    graph.neighbors_directed(*i, Direction::Incoming).map(|p| slot_of[p.index()]).collect();
                if linked.is_empty() { f32::MAX } else { linked.iter().sum::<f32>() / linked.len() as f32 }
            };
            let mut keyed: Vec<(f32, u32, u32, NodeIndex)> =
                layer.iter().map(|i| (bary(i), count(i), graph[*i], *i)).collect();
            keyed.sort_by(|x, y| x.0.total_cmp(&y.0).then(y.1.cmp(&x.1)).then(x.2.cmp(&y.2)));
            *layer = keyed.into_iter().map(|k| k.3).collect();
        }
        for (slot, i) in layer.iter().enumerate() {
            slot_of[i.index()] = slot as f32;
        }
    }
    let mut out = GraphLayout {
        layers,
        widest: by_layer.iter().map(|l| l.len() as u32).max().unwrap_or(0),
        cut: picked.len() < m.len(),
        ..GraphLayout::default()
    };
    let mut position = vec![0usize; graph.node_count()];
    for (depth, layer) in by_layer.iter().enumerate() {
        for (slot, &i) in layer.iter().enumerate() {
            position[i.index()] = out.branches.len();
            out.branches.push(LaidBranch { branch: graph[i], layer: depth as u32, slot: slot as u32 });
        }
    }
    for e in graph.raw_edges() {
        out.links.push((position[e.target().index()], position[e.source().index()]));
    }
    out
}

/// Pairs of links that cross (drawn as straight lines between adjacent layers): what the
/// barycenter pass reduces (tests).
pub fn crossings(g: &GraphLayout) -> usize {
    let mut n = 0;
    for (i, &(c1, p1)) in g.links.iter().enumerate() {
        for &(c2, p2) in &g.links[i + 1..] {
            let (a, b) = (&g.branches, &g.branches);
            if a[c1].layer != b[c2].layer {
                continue;
            }
            let child = i64::from(a[c1].slot) - i64::from(b[c2].slot);
            let parent = i64::from(a[p1].slot) - i64::from(b[p2].slot);
            if child * parent < 0 {
                n += 1;
            }
        }
    }
    n
}
