//! Comparison of two snapshots, and what DevTools' Comparison misses.
//!
//! **Comparison** implements DevTools `HeapSnapshotDiffDataGrid.populateChildren`
//! (HeapSnapshotDataGrids.ts:999) → `aggregatesForDiff` (HeapSnapshot.ts:1786) →
//! `calculateSnapshotDiff` (:3239) / `calculateDiffForClass` (:3271):
//!
//! * the base snapshot is re-classified with the *current* snapshot's interface definitions;
//! * per class key, the ids of both snapshots' members (self size > 0) are sorted and
//!   merge-joined: an id only in the base is **Deleted** (its base size is **Freed**), an id only
//!   in the current snapshot is **New** (its size is **Alloc.**);
//! * rows where nothing was added or deleted are dropped.
//!
//! **Grown survivors** are what that view cannot see: an object present in both snapshots (same
//! id) whose shallow or retained size grew contributes nothing to any Comparison column. In the
//! tutorial, `loginUsers` grows from 6,291,544 B to 12,583,000 B under the same id: exactly the
//! leak. [`Comparison::grown`] lists such objects, largest shallow growth first.

use super::Analysis;
use super::aggregates::{self, Aggregates};
use super::classes::{self, Classification, InterfaceDefinition};
use crate::snapshot::NodeIdx;

/// One Comparison row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassDiff {
    pub key: String,
    pub name: String,
    /// `# New`.
    pub new_count: u32,
    /// `# Deleted`.
    pub deleted_count: u32,
    /// `Alloc. Size`.
    pub alloc_size: u64,
    /// `Freed Size`.
    pub freed_size: u64,
    /// New objects (current-snapshot nodes), by ascending id.
    pub added: Vec<NodeIdx>,
    /// Deleted objects (base-snapshot nodes), by ascending id.
    pub deleted: Vec<NodeIdx>,
}

impl ClassDiff {
    /// `# Delta`.
    pub fn count_delta(&self) -> i64 {
        i64::from(self.new_count) - i64::from(self.deleted_count)
    }

    /// `Size Delta`.
    pub fn size_delta(&self) -> i64 {
        self.alloc_size as i64 - self.freed_size as i64
    }
}

/// A surviving object (same id in both snapshots) that grew.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrownObject {
    pub id: u32,
    /// The node in the current snapshot.
    pub node: NodeIdx,
    /// The node in the base snapshot.
    pub base_node: NodeIdx,
    pub self_before: u64,
    pub self_after: u64,
    pub retained_before: u64,
    pub retained_after: u64,
}

impl GrownObject {
    pub fn self_growth(&self) -> i64 {
        self.self_after as i64 - self.self_before as i64
    }

    pub fn retained_growth(&self) -> i64 {
        self.retained_after as i64 - self.retained_before as i64
    }

    /// Whether the object grew itself or only holds more.
    pub fn kind(&self) -> GrowthKind {
        if self.self_growth() > 0 { GrowthKind::GrewItself } else { GrowthKind::HoldsGrowth }
    }
}

/// How a survivor grew: the Grown objects' filter. A collection whose own backing store is
/// resized (V8 reports a dictionary's table in the object's self size) *grew itself*; an object
/// whose self size stayed but whose dominator subtree gained (a module context, a closure, a
/// holder of a Map) *holds growth*. The first is usually where entries are added, the second
/// what keeps it alive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrowthKind {
    /// Shallow (self) size grew.
    GrewItself,
    /// Only the retained size grew.
    HoldsGrowth,
}

/// The Comparison of `current` against `base`.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// In DevTools' insertion order (base classes first), not sorted.
    pub classes: Vec<ClassDiff>,
    /// Surviving objects that grew: by shallow growth, then retained growth, descending.
    pub grown: Vec<GrownObject>,
    /// The definitions the base was re-classified with (the current snapshot's).
    pub interface_definitions_used: Vec<InterfaceDefinition>,
    /// Why the two snapshots' ids do not name the same objects, when they do not
    /// ([`super::leaks::check_one_process`]: separate profiler sessions, or two programs). The
    /// Comparison matches by id as DevTools' does, so its New, Deleted and Grown objects then
    /// pair unrelated objects; the views say so rather than show a heap that seems replaced.
    pub ids_differ: Option<String>,
}

/// The members of every row of `aggs`, each row's sorted by id: `(starts, nodes)`.
fn members_by_id(a: &Analysis, aggs: &Aggregates, classes: &Classification) -> (Vec<u32>, Vec<NodeIdx>) {
    let (starts, mut nodes) = aggs.group_members(classes, &a.self_size);
    for w in starts.windows(2) {
        nodes[w[0] as usize..w[1] as usize].sort_unstable_by_key(|&n| a.snapshot.node_id(n));
    }
    (starts, nodes)
}

/// `calculateDiffForClass`.
fn diff_class(
    base: &Analysis,
    base_members: &[NodeIdx],
    current: &Analysis,
    members: &[NodeIdx],
    key: &str,
    name: &str,
) -> Option<ClassDiff> {
    let mut d = ClassDiff {
        key: key.to_string(),
        name: name.to_string(),
        new_count: 0,
        deleted_count: 0,
        alloc_size: 0,
        freed_size: 0,
        added: Vec::new(),
        deleted: Vec::new(),
    };
    let (mut i, mut j) = (0, 0);
    while i < base_members.len() && j < members.len() {
        let a = base.snapshot.node_id(base_members[i]);
        let b = current.snapshot.node_id(members[j]);
        if a < b {
            d.deleted.push(base_members[i]);
            i += 1;
        } else if a > b {
            d.added.push(members[j]);
            j += 1;
        } else {
            i += 1;
            j += 1;
        }
    }
    d.deleted.extend_from_slice(&base_members[i..]);
    d.added.extend_from_slice(&members[j..]);
    d.deleted_count = d.deleted.len() as u32;
    d.new_count = d.added.len() as u32;
    d.freed_size = d.deleted.iter().map(|&n| u64::from(base.self_size[n as usize])).sum();
    d.alloc_size = d.added.iter().map(|&n| u64::from(current.self_size[n as usize])).sum();
    (d.new_count > 0 || d.deleted_count > 0).then_some(d)
}

/// `a`'s Summary rows with its objects classified by `definitions` (another snapshot's interface
/// definitions, as `aggregatesForDiff` re-classifies the base with the current snapshot's), and
/// that classification; `a`'s own rows and `None` when the definitions are its own.
pub fn aggregates_under(
    a: &Analysis,
    definitions: &[InterfaceDefinition],
) -> (std::sync::Arc<Aggregates>, Option<Classification>) {
    let same = a.interface_definitions.len() == definitions.len()
        && a.interface_definitions
            .iter()
            .zip(definitions)
            .all(|(x, y)| x.name == y.name && x.properties == y.properties);
    if same {
        return (a.aggregates.clone(), None);
    }
    let reclassified = classes::classify(&a.snapshot, &a.dom.renamed, definitions);
    let dominated = super::dominator_tree::DominatorChildren::build_unsorted(&a.dominator, a.snapshot.root());
    let aggs = aggregates::aggregate(&aggregates::AggregateInput {
        classes: &reclassified,
        self_size: &a.self_size,
        distance: &a.distance,
        retained_size: &a.retained_size,
        dominated: &dominated,
        root: a.snapshot.root(),
        filter: None,
    });
    (std::sync::Arc::new(aggs), Some(reclassified))
}

/// What the CLI and the window say when [`Comparison::ids_differ`] is set (with the reason: on
/// stderr after it, in the window on hover).
pub const IDS_DIFFER: &str = "These snapshots' ids do not name the same objects: the Comparison matches by id, as \
     DevTools' does, so here its New, Deleted and Grown objects pair unrelated objects. The leak report \
     (`heapscope leaks`, the Leaks view) follows the objects of one program by their paths from the root.";

/// Compares `current` against `base`.
pub fn compare(base: &Analysis, current: &Analysis) -> Comparison {
    let definitions = current.interface_definitions.clone();
    let (base_aggs, reclassified) = aggregates_under(base, &definitions);
    let base_classes = reclassified.as_ref().unwrap_or(&base.classes);
    let current_aggs = &current.aggregates;
    let (bstarts, bnodes) = members_by_id(base, &base_aggs, base_classes);
    let (cstarts, cnodes) = members_by_id(current, current_aggs, &current.classes);
    let slice = |starts: &[u32], nodes: &'_ [NodeIdx], i: usize| -> Vec<NodeIdx> {
        nodes[starts[i] as usize..starts[i + 1] as usize].to_vec()
    };
    let mut classes = Vec::new();
    for (i, row) in base_aggs.rows.iter().enumerate() {
        let base_members = slice(&bstarts, &bnodes, i);
        let (members, name) = match current_aggs.row_by_key(&row.key) {
            Some(k) => (slice(&cstarts, &cnodes, k), current_aggs.rows[k].name.as_str()),
            None => (Vec::new(), row.name.as_str()),
        };
        if let Some(d) = diff_class(base, &base_members, current, &members, &row.key, name) {
            classes.push(d);
        }
    }
    for (k, row) in current_aggs.rows.iter().enumerate() {
        if base_aggs.row_by_key(&row.key).is_some() {
            continue;
        }
        let members = slice(&cstarts, &cnodes, k);
        if let Some(d) = diff_class(base, &[], current, &members, &row.key, &row.name) {
            classes.push(d);
        }
    }
    let ids_differ = super::leaks::check_one_process(&[(&base.snapshot, "base"), (&current.snapshot, "current")])
        .err()
        .map(|e| match e {
            super::leaks::LeakError::DifferentProcess { why, .. } => why.to_string(),
            other => other.to_string(),
        });
    Comparison { classes, grown: grown_survivors(base, current), interface_definitions_used: definitions, ids_differ }
}

/// Objects with the same id in both snapshots whose self or retained size grew.
pub fn grown_survivors(base: &Analysis, current: &Analysis) -> Vec<GrownObject> {
    let by_id = |a: &Analysis| {
        let mut v: Vec<(u32, NodeIdx)> = (0..a.node_count() as NodeIdx).map(|n| (a.snapshot.node_id(n), n)).collect();
        v.sort_unstable();
        v
    };
    let (old, new) = (by_id(base), by_id(current));
    let mut grown = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < old.len() && j < new.len() {
        match old[i].0.cmp(&new[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let (b, c) = (old[i].1, new[j].1);
                let g = GrownObject {
                    id: old[i].0,
                    node: c,
                    base_node: b,
                    self_before: u64::from(base.self_size[b as usize]),
                    self_after: u64::from(current.self_size[c as usize]),
                    retained_before: base.retained_size[b as usize],
                    retained_after: current.retained_size[c as usize],
                };
                // Visible in both Summaries (self size > 0), or DevTools already counts it as New.
                if g.self_before > 0 && g.self_after > 0 && (g.self_growth() > 0 || g.retained_growth() > 0) {
                    grown.push(g);
                }
                i += 1;
                j += 1;
            }
        }
    }
    grown.sort_by(|a, b| {
        let key = |g: &GrownObject| (g.self_growth().max(0), g.retained_growth());
        key(b).cmp(&key(a)).then(a.id.cmp(&b.id))
    });
    grown
}
