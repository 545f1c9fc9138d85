//! Summary rows: one per class, with count, distance, shallow and retained size.
//!
//! Implements DevTools `buildAggregates` (HeapSnapshot.ts:1919) and
//! `calculateClassesRetainedSize` (:1969), as called by `aggregatesWithFilter` for the Summary:
//!
//! * only nodes with (post-transfer) self size > 0 count, optionally only those a filter keeps;
//! * **Count**, **Shallow Size** (Σ self) and **Distance** (minimum) over those nodes;
//! * **Retained Size**: Σ of the members' retained sizes, skipping members that have a
//!   dominator-tree ancestor of the same class, so nothing is counted twice. The walk is a DFS of
//!   the dominator tree with a per-class "on the current path" mark.
//!
//! Rows are then keyed by the public class key; where two internal classes share one (see
//! [`super::classes`]) the one first seen later in node order replaces the other, as DevTools'
//! `aggregates[newKey] = aggregate` does.

use std::collections::HashMap;

use super::bits::BitVec;
use super::classes::{ClassId, Classification};
use crate::snapshot::NodeIdx;

/// One Summary row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassAggregate {
    pub class: ClassId,
    pub key: String,
    pub name: String,
    pub count: u32,
    /// Minimum distance of the members (raw: −5 unreachable, ≥ 100000000 system).
    pub distance: i32,
    pub self_size: u64,
    pub retained_size: u64,
    /// Where this row's members start in [`Aggregates::members`].
    pub members_start: u32,
}

/// All rows, and the members of each row in node order.
#[derive(Clone, Debug, Default)]
pub struct Aggregates {
    /// In order of first appearance (the order DevTools inserts them), not sorted.
    pub rows: Vec<ClassAggregate>,
    pub members: Vec<NodeIdx>,
}

impl Aggregates {
    /// The nodes of row `i`, in node order.
    pub fn members_of(&self, i: usize) -> &[NodeIdx] {
        let row = &self.rows[i];
        let start = row.members_start as usize;
        &self.members[start..start + row.count as usize]
    }

    pub fn total_count(&self) -> u64 {
        self.rows.iter().map(|r| u64::from(r.count)).sum()
    }

    pub fn total_self_size(&self) -> u64 {
        self.rows.iter().map(|r| r.self_size).sum()
    }

    pub fn row_by_key(&self, key: &str) -> Option<usize> {
        self.rows.iter().position(|r| r.key == key)
    }

    pub fn heap_bytes(&self) -> usize {
        self.members.capacity() * 4 + self.rows.iter().map(|r| r.key.len() + r.name.len() + 80).sum::<usize>()
    }
}

/// Children lists of the dominator tree (DevTools `buildDominatedNodes`), as a CSR.
pub struct DominatedNodes {
    pub first: Vec<u32>,
    pub nodes: Vec<NodeIdx>,
}

impl DominatedNodes {
    pub fn build(dominator: &[NodeIdx], root: NodeIdx) -> DominatedNodes {
        let n = dominator.len();
        let mut first = vec![0u32; n + 1];
        for (i, &d) in dominator.iter().enumerate() {
            if i as NodeIdx != root {
                first[d as usize + 1] += 1;
            }
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        let mut cursor = first.clone();
        let mut nodes = vec![0; n.saturating_sub(1)];
        for (i, &d) in dominator.iter().enumerate() {
            if i as NodeIdx != root {
                nodes[cursor[d as usize] as usize] = i as NodeIdx;
                cursor[d as usize] += 1;
            }
        }
        DominatedNodes { first, nodes }
    }

    pub fn children(&self, n: NodeIdx) -> &[NodeIdx] {
        &self.nodes[self.first[n as usize] as usize..self.first[n as usize + 1] as usize]
    }
}

/// The inputs of one aggregation.
pub struct AggregateInput<'a> {
    pub classes: &'a Classification,
    pub self_size: &'a [u32],
    pub distance: &'a [i32],
    pub retained_size: &'a [u64],
    pub dominated: &'a DominatedNodes,
    pub root: NodeIdx,
    /// Only nodes whose bit is set count (`None`: all objects).
    pub filter: Option<&'a BitVec>,
}

pub fn aggregate(input: &AggregateInput<'_>) -> Aggregates {
    let class_count = input.classes.classes.len();
    let keep = |n: usize| input.filter.is_none_or(|f| f.get(n));
    let mut count = vec![0u32; class_count];
    let mut self_size = vec![0u64; class_count];
    let mut distance = vec![i32::MAX; class_count];
    let mut first_seen = vec![u32::MAX; class_count];
    for (n, &size) in input.self_size.iter().enumerate() {
        if size == 0 || !keep(n) {
            continue;
        }
        let c = input.classes.class_of[n] as usize;
        if count[c] == 0 {
            first_seen[c] = n as u32;
        }
        count[c] += 1;
        self_size[c] += u64::from(size);
        distance[c] = distance[c].min(input.distance[n]);
    }

    // Retained sizes without double counting: DFS of the dominator tree.
    let mut retained = vec![0u64; class_count];
    let mut on_path = BitVec::new(class_count);
    const EXIT: u32 = 1 << 31;
    let mut stack: Vec<u32> = vec![input.root];
    while let Some(item) = stack.pop() {
        if item & EXIT != 0 {
            on_path.clear((item & !EXIT) as usize);
            continue;
        }
        let n = item as usize;
        let c = input.classes.class_of[n] as usize;
        let children = input.dominated.children(item);
        if !on_path.get(c) && keep(n) && input.self_size[n] > 0 {
            retained[c] += input.retained_size[n];
            if !children.is_empty() {
                on_path.set(c);
                stack.push(EXIT | c as u32);
            }
        }
        stack.extend_from_slice(children);
    }

    // Public keys; a later-inserted class replaces an earlier one with the same key.
    let mut order: Vec<usize> = (0..class_count).filter(|&c| count[c] > 0).collect();
    order.sort_by_key(|&c| first_seen[c]);
    let mut by_key: HashMap<&str, usize> = HashMap::new();
    let mut winners: Vec<usize> = Vec::new();
    for &c in &order {
        let key = input.classes.classes[c].key.as_str();
        match by_key.get(key) {
            Some(&slot) => winners[slot] = c,
            None => {
                by_key.insert(key, winners.len());
                winners.push(c);
            }
        }
    }
    // Members grouped by row, in node order.
    let mut row_of_class = vec![u32::MAX; class_count];
    let mut rows = Vec::with_capacity(winners.len());
    let mut start = 0u32;
    for (r, &c) in winners.iter().enumerate() {
        row_of_class[c] = r as u32;
        let info = &input.classes.classes[c];
        rows.push(ClassAggregate {
            class: c as ClassId,
            key: info.key.clone(),
            name: info.name.clone(),
            count: count[c],
            distance: distance[c],
            self_size: self_size[c],
            retained_size: retained[c],
            members_start: start,
        });
        start += count[c];
    }
    let mut cursor: Vec<u32> = rows.iter().map(|r| r.members_start).collect();
    let mut members = vec![0u32; start as usize];
    for (n, &size) in input.self_size.iter().enumerate() {
        if size == 0 || !keep(n) {
            continue;
        }
        let r = row_of_class[input.classes.class_of[n] as usize];
        if r != u32::MAX {
            members[cursor[r as usize] as usize] = n as NodeIdx;
            cursor[r as usize] += 1;
        }
    }
    Aggregates { rows, members }
}
