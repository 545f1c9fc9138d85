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
//!
//! **Snapshots of separate profiler sessions** (two `capture --pid` runs, two Attach… sessions,
//! a reopened DevTools) number their objects anew: matched by id, every object would seem
//! deleted and new, and survivors would pair unrelated objects. When the ids do not name the
//! same objects ([`super::leaks::check_one_process`]), objects are paired by their path keys
//! instead ([`super::path_keys`]: a key from one shortest path from the root, unique in its
//! snapshot), as the leak report follows them; an object without a unique key pairs with none.
//! [`Comparison::matching`] says which was done and how many objects were paired.

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

/// A surviving object (paired by id, or by path key: [`Matching`]) that grew.
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
    /// How objects of the two snapshots were paired.
    pub matching: Matching,
}

/// How a [`Comparison`] pairs an object of the base with one of the current snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matching {
    /// By V8's object id, as DevTools' Comparison does: the snapshots are of one profiler session.
    Ids,
    /// By path key, because the ids do not name the same objects.
    Paths {
        /// Why the ids do not ([`super::leaks::check_one_process`]: separate profiler sessions,
        /// or two programs).
        why: String,
        /// Objects of the base's Summary (self size > 0) paired with one of the current one's.
        paired: u64,
        /// Objects of the base's Summary.
        objects: u64,
    },
}

impl Matching {
    /// What a paired object has in both snapshots, as the views say it.
    pub fn pairs_by(&self) -> &'static str {
        match self {
            Matching::Ids => "same id",
            Matching::Paths { .. } => "same path from the root",
        }
    }
}

/// What pairs a node with a node of the other snapshot: its id, or its unique path key.
enum PairKeys {
    Ids,
    /// Per node, its path key if no other node of its snapshot has it, else [`UNPAIRED`].
    Paths(Vec<u64>),
}

/// The key of a node that pairs with nothing.
const UNPAIRED: u64 = 0;

impl PairKeys {
    fn of_paths(a: &Analysis) -> PairKeys {
        let mut keys = vec![UNPAIRED; a.node_count()];
        for (key, n) in super::path_keys::unique_keys(&super::path_keys::path_keys(&a.snapshot)) {
            keys[n as usize] = key;
        }
        PairKeys::Paths(keys)
    }

    /// Never [`UNPAIRED`] for an id (`id + 1`); path keys are never 0 but [`path_keys::NO_KEY`]
    /// (unreachable), which pairs with nothing either.
    ///
    /// [`path_keys::NO_KEY`]: super::path_keys::NO_KEY
    #[inline]
    fn of(&self, a: &Analysis, n: NodeIdx) -> u64 {
        match self {
            PairKeys::Ids => u64::from(a.snapshot.node_id(n)) + 1,
            PairKeys::Paths(keys) => keys[n as usize],
        }
    }
}

/// The members of every row of `aggs`, each row's sorted by pairing key (the unpaired first):
/// `(starts, nodes)`.
fn members_by_key(
    a: &Analysis,
    aggs: &Aggregates,
    classes: &Classification,
    keys: &PairKeys,
) -> (Vec<u32>, Vec<NodeIdx>) {
    let (starts, mut nodes) = aggs.group_members(classes, &a.self_size);
    for w in starts.windows(2) {
        nodes[w[0] as usize..w[1] as usize].sort_unstable_by_key(|&n| keys.of(a, n));
    }
    (starts, nodes)
}

/// The two sides of a [`diff_class`]: a snapshot, how its nodes pair, and a row's members
/// ([`members_by_key`]).
struct Side<'a> {
    a: &'a Analysis,
    keys: &'a PairKeys,
    members: &'a [NodeIdx],
}

/// `calculateDiffForClass`, pairing by `keys` (DevTools: by id); and how many pairs it found.
fn diff_class(base: Side<'_>, current: Side<'_>, key: &str, name: &str) -> (Option<ClassDiff>, u64) {
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
    let (bm, cm) = (base.members, current.members);
    // The unpaired sort first.
    let mut i = bm.iter().take_while(|&&n| base.keys.of(base.a, n) == UNPAIRED).count();
    let mut j = cm.iter().take_while(|&&n| current.keys.of(current.a, n) == UNPAIRED).count();
    d.deleted.extend_from_slice(&bm[..i]);
    d.added.extend_from_slice(&cm[..j]);
    let mut pairs = 0u64;
    while i < bm.len() && j < cm.len() {
        let a = base.keys.of(base.a, bm[i]);
        let b = current.keys.of(current.a, cm[j]);
        if a < b {
            d.deleted.push(bm[i]);
            i += 1;
        } else if a > b {
            d.added.push(cm[j]);
            j += 1;
        } else {
            pairs += 1;
            i += 1;
            j += 1;
        }
    }
    d.deleted.extend_from_slice(&bm[i..]);
    d.added.extend_from_slice(&cm[j..]);
    if matches!(base.keys, PairKeys::Paths(_)) {
        d.deleted.sort_unstable_by_key(|&n| base.a.snapshot.node_id(n));
        d.added.sort_unstable_by_key(|&n| current.a.snapshot.node_id(n));
    }
    d.deleted_count = d.deleted.len() as u32;
    d.new_count = d.added.len() as u32;
    d.freed_size = d.deleted.iter().map(|&n| u64::from(base.a.self_size[n as usize])).sum();
    d.alloc_size = d.added.iter().map(|&n| u64::from(current.a.self_size[n as usize])).sum();
    ((d.new_count > 0 || d.deleted_count > 0).then_some(d), pairs)
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

/// What the CLI and the window say when the Comparison pairs objects by their paths
/// ([`Matching::Paths`]; the reason after it on stderr, in the window on hover).
pub fn paired_by_paths_text(paired: u64, objects: u64) -> String {
    use super::format::count;
    format!(
        "These snapshots' ids do not name the same objects, so objects are paired by their paths from the root: \
         {} of the base's {} objects were found at the same path. An object that moved to another path counts as \
         deleted and new.",
        count(paired),
        count(objects)
    )
}

/// Compares `current` against `base`.
pub fn compare(base: &Analysis, current: &Analysis) -> Comparison {
    let ids_differ = super::leaks::check_one_process(&[(&base.snapshot, "base"), (&current.snapshot, "current")])
        .err()
        .map(|e| match e {
            super::leaks::LeakError::DifferentProcess { why, .. } => why.to_string(),
            other => other.to_string(),
        });
    let (base_keys, keys) = match ids_differ {
        Some(_) => std::thread::scope(|scope| {
            let b = scope.spawn(|| PairKeys::of_paths(base));
            let c = PairKeys::of_paths(current);
            (b.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), c)
        }),
        None => (PairKeys::Ids, PairKeys::Ids),
    };
    let definitions = current.interface_definitions.clone();
    let (base_aggs, reclassified) = aggregates_under(base, &definitions);
    let base_classes = reclassified.as_ref().unwrap_or(&base.classes);
    let current_aggs = &current.aggregates;
    let (bstarts, bnodes) = members_by_key(base, &base_aggs, base_classes, &base_keys);
    let (cstarts, cnodes) = members_by_key(current, current_aggs, &current.classes, &keys);
    fn slice<'a>(starts: &[u32], nodes: &'a [NodeIdx], i: usize) -> &'a [NodeIdx] {
        &nodes[starts[i] as usize..starts[i + 1] as usize]
    }
    let mut classes = Vec::new();
    let mut paired = 0u64;
    for (i, row) in base_aggs.rows.iter().enumerate() {
        let base_side = Side { a: base, keys: &base_keys, members: slice(&bstarts, &bnodes, i) };
        let (members, name) = match current_aggs.row_by_key(&row.key) {
            Some(k) => (slice(&cstarts, &cnodes, k), current_aggs.rows[k].name.as_str()),
            None => (&[][..], row.name.as_str()),
        };
        let (d, pairs) = diff_class(base_side, Side { a: current, keys: &keys, members }, &row.key, name);
        paired += pairs;
        classes.extend(d);
    }
    for (k, row) in current_aggs.rows.iter().enumerate() {
        if base_aggs.row_by_key(&row.key).is_some() {
            continue;
        }
        let current_side = Side { a: current, keys: &keys, members: slice(&cstarts, &cnodes, k) };
        let (d, _) = diff_class(Side { a: base, keys: &base_keys, members: &[] }, current_side, &row.key, &row.name);
        classes.extend(d);
    }
    let matching = match ids_differ {
        Some(why) => Matching::Paths { why, paired, objects: bnodes.len() as u64 },
        None => Matching::Ids,
    };
    let grown = grown_survivors(base, &base_keys, current, &keys);
    Comparison { classes, grown, interface_definitions_used: definitions, matching }
}

/// Paired objects (same id, or same path key) whose self or retained size grew.
fn grown_survivors(base: &Analysis, base_keys: &PairKeys, current: &Analysis, keys: &PairKeys) -> Vec<GrownObject> {
    /// `(key, node)` of every node that has a key, by key.
    fn by_key<K: Ord + Copy>(a: &Analysis, key: impl Fn(NodeIdx) -> K, has: impl Fn(K) -> bool) -> Vec<(K, NodeIdx)> {
        let mut v: Vec<(K, NodeIdx)> =
            (0..a.node_count() as NodeIdx).map(|n| (key(n), n)).filter(|&(k, _)| has(k)).collect();
        v.sort_unstable();
        v
    }
    let mut grown = Vec::new();
    let mut add = |&b: &NodeIdx, &c: &NodeIdx| {
        let g = GrownObject {
            id: current.snapshot.node_id(c),
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
    };
    match (base_keys, keys) {
        (PairKeys::Paths(old), PairKeys::Paths(new)) => {
            let (old, new) = (
                by_key(base, |n| old[n as usize], |k| k != UNPAIRED),
                by_key(current, |n| new[n as usize], |k| k != UNPAIRED),
            );
            super::leaks::for_each_shared(&old, &new, &mut add);
        }
        // (Ids: 4-byte keys, half the memory.)
        _ => {
            let ids = |a: &Analysis| by_key(a, |n| a.snapshot.node_id(n), |_| true);
            super::leaks::for_each_shared(&ids(base), &ids(current), &mut add);
        }
    }
    grown.sort_by(|a, b| {
        let key = |g: &GrownObject| (g.self_growth().max(0), g.retained_growth());
        key(b).cmp(&key(a)).then(a.id.cmp(&b.id))
    });
    grown
}
