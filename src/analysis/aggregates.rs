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
use super::dominator_tree::DominatorChildren;
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
}

/// All rows. A row's members are not stored (4 bytes a node for data a view needs only for the
/// classes a user expands): [`Aggregates::members`] finds them in one pass over the nodes.
#[derive(Clone, Debug, Default)]
pub struct Aggregates {
    /// In order of first appearance (the order DevTools inserts them), not sorted.
    pub rows: Vec<ClassAggregate>,
    /// Row of each class id (`u32::MAX`: no row, or replaced by a class with the same key).
    row_of_class: Vec<u32>,
    /// Rows by key (keys are unique per [`Aggregates`]), for [`Aggregates::row_by_key`]: a
    /// binary search, so a Comparison of two snapshots with R classes costs R log R, not R².
    by_key: Vec<u32>,
    /// The filter the rows were built with.
    filter: Option<std::sync::Arc<BitVec>>,
}

impl Aggregates {
    /// Rows and their classes' row numbers, with the key lookup built (what [`aggregate`] ends
    /// with, and what the persisted index rebuilds an unfiltered Summary from).
    pub fn from_rows(
        rows: Vec<ClassAggregate>,
        row_of_class: Vec<u32>,
        filter: Option<std::sync::Arc<BitVec>>,
    ) -> Aggregates {
        let mut by_key: Vec<u32> = (0..rows.len() as u32).collect();
        by_key.sort_unstable_by(|&x, &y| rows[x as usize].key.cmp(&rows[y as usize].key));
        Aggregates { rows, row_of_class, by_key, filter }
    }

    fn row_of(&self, classes: &Classification, self_size: &[u32], n: usize) -> Option<usize> {
        if self_size[n] == 0 || self.filter.as_ref().is_some_and(|f| !f.get(n)) {
            return None;
        }
        let r = *self.row_of_class.get(classes.class_of[n] as usize)?;
        (r != u32::MAX).then_some(r as usize)
    }

    /// The nodes of row `i`, in node order (one pass over the nodes).
    pub fn members(&self, i: usize, classes: &Classification, self_size: &[u32]) -> Vec<NodeIdx> {
        let mut out = Vec::with_capacity(self.rows.get(i).map_or(0, |r| r.count as usize));
        for n in 0..self_size.len() {
            if self.row_of(classes, self_size, n) == Some(i) {
                out.push(n as NodeIdx);
            }
        }
        out
    }

    /// Whether node `n` is counted in row `i`.
    pub fn contains(&self, i: usize, n: NodeIdx, classes: &Classification, self_size: &[u32]) -> bool {
        self.row_of(classes, self_size, n as usize) == Some(i)
    }

    /// The members of every row at once: `(starts, nodes)`, row `i`'s nodes (in node order) being
    /// `nodes[starts[i]..starts[i + 1]]`. One counting pass.
    pub fn group_members(&self, classes: &Classification, self_size: &[u32]) -> (Vec<u32>, Vec<NodeIdx>) {
        let mut starts = vec![0u32; self.rows.len() + 1];
        for (i, r) in self.rows.iter().enumerate() {
            starts[i + 1] = starts[i] + r.count;
        }
        let mut cursor = starts.clone();
        let mut nodes = vec![0; starts[self.rows.len()] as usize];
        for n in 0..self_size.len() {
            if let Some(r) = self.row_of(classes, self_size, n) {
                nodes[cursor[r] as usize] = n as NodeIdx;
                cursor[r] += 1;
            }
        }
        (starts, nodes)
    }

    pub fn total_count(&self) -> u64 {
        self.rows.iter().map(|r| u64::from(r.count)).sum()
    }

    pub fn total_self_size(&self) -> u64 {
        self.rows.iter().map(|r| r.self_size).sum()
    }

    /// The row whose class key is `key`. O(log rows).
    pub fn row_by_key(&self, key: &str) -> Option<usize> {
        self.by_key
            .binary_search_by(|&r| self.rows[r as usize].key.as_str().cmp(key))
            .ok()
            .map(|i| self.by_key[i] as usize)
    }

    pub fn heap_bytes(&self) -> usize {
        (self.row_of_class.capacity() + self.by_key.capacity()) * 4
            + self.rows.iter().map(|r| r.key.len() + r.name.len() + 80).sum::<usize>()
    }
}

/// The inputs of one aggregation.
pub struct AggregateInput<'a> {
    pub classes: &'a Classification,
    pub self_size: &'a [u32],
    pub distance: &'a [i32],
    pub retained_size: &'a [u64],
    pub dominated: &'a DominatorChildren,
    pub root: NodeIdx,
    /// Only nodes whose bit is set count (`None`: all objects).
    pub filter: Option<std::sync::Arc<BitVec>>,
}

pub fn aggregate(input: &AggregateInput<'_>) -> Aggregates {
    let class_count = input.classes.classes.len();
    let keep = |n: usize| input.filter.as_ref().is_none_or(|f| f.get(n));
    // The counts, a pass in node order, on a second thread beside the walk of the dominator tree:
    // they share no output (a fifth of the time at 12.4M nodes, the walk the rest).
    let (counted, retained) = std::thread::scope(|scope| {
        let counted = scope.spawn(|| count_members(input, &keep));
        let retained = class_retained_sizes(input, &keep);
        (counted.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), retained)
    });
    let Counted { count, self_size, distance, first_seen } = counted;

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
    let mut row_of_class = vec![u32::MAX; class_count];
    let mut rows = Vec::with_capacity(winners.len());
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
        });
    }
    Aggregates::from_rows(rows, row_of_class, input.filter.clone())
}

/// Per class: members, their shallow sizes, the least distance, and the first member's node (for
/// DevTools' row order).
struct Counted {
    count: Vec<u32>,
    self_size: Vec<u64>,
    distance: Vec<i32>,
    first_seen: Vec<u32>,
}

/// **Count**, **Shallow Size** and **Distance** of every class, over the members that count.
fn count_members(input: &AggregateInput<'_>, keep: &impl Fn(usize) -> bool) -> Counted {
    let class_count = input.classes.classes.len();
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
    Counted { count, self_size, distance, first_seen }
}

/// **Retained Size** of every class: the members' retained sizes, skipping members that have a
/// dominator-tree ancestor of the same class (`calculateClassesRetainedSize`), by a DFS of the
/// dominator tree with a per-class "on the current path" mark.
fn class_retained_sizes(input: &AggregateInput<'_>, keep: &impl Fn(usize) -> bool) -> Vec<u64> {
    let class_count = input.classes.classes.len();
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
    retained
}
