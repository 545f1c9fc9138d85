//! The leak report: what leaks across N ≥ 2 snapshots of one process, who holds it, how fast.
//!
//! # Inputs, one snapshot at a time
//!
//! A [`LeakSession`] takes the snapshots in order. Of every snapshot but the last it keeps a
//! [`SnapshotSeries`]: the node ids sorted, with each id's retained size and entry count (12
//! bytes a node; the rest is dropped). An earlier snapshot is read through a [`RetainedView`],
//! so the CLI loads it with only the passes retained sizes need ([`super::RetainedSizes`]) while
//! the window passes the [`Analysis`] it already has. Only the last snapshot stays whole: its
//! dominator tree is walked, its retainer paths are printed.
//!
//! # Identity
//!
//! V8 keeps an object's id for its whole life within one profiler session, so an id seen twice
//! names the same object (DevTools' Comparison relies on the same fact). Ids are *not* unique
//! across sessions: each starts numbering again (the inspector clears them when a session
//! closes), and two runs of one program number their heaps alike. [`same_session`] says two
//! snapshots continue one session when, among the ids both have, nearly all name the same string
//! (measured: ≥ 99% within a session, 5–62% between two Node.js runs of similar programs, 6–38%
//! between two `capture --pid` runs on one process).
//!
//! When they do not (two `capture` runs, two Attach… sessions), the earlier snapshots are
//! renumbered by the paths of their objects from the root ([`path_keys`]): an object gets the id
//! of the last snapshot's object at the same path. That is done only for snapshots of one
//! program — the earlier one's scripts all in the last (or, with no scripts, at least
//! [`MIN_PATH_MATCH`] of its objects found) — and the report says it was done
//! ([`LeakReport::identity_note`]).
//!
//! # The walk (Eclipse MAT's accumulation point, on growth instead of size)
//!
//! *Growth* of a node of the last snapshot is its retained size minus its retained size in the
//! first snapshot (0 there when it is new). MAT's Leak Suspects descends the dominator tree
//! "while one child holds most of the parent's retained size" and reports where the size spreads
//! (`FindLeaksQuery`, "accumulation point"). Here the same descent follows growth, not size, so a
//! large but stable cache is not a suspect and a small module variable that gains 1 MB per step
//! is:
//!
//! 1. from every node whose growth is above the threshold, follow the *dominant* child (≥ 80% of
//!    the parent's growth, MAT's ratio) down to the node `q` where no child dominates; children
//!    above the threshold met on the way start walks of their own (two leaks under one module);
//! 2. if the path ends in a *chain* — the same (class, edge name) step repeating at least three
//!    times, as a linked list's `next`, Node's `_idleNext` or a closure chain's
//!    `someMethod → context → originalThing` — the accumulation point is the chain's head;
//! 3. otherwise `q` is the accumulation point when the growth it holds outside its
//!    above-threshold children is itself above the threshold: it spreads its growth over many
//!    small new children (a Map's table, a dictionary's properties, an array's elements), and
//!    at most half of the new bytes there are V8's own (code, shapes, feedback): V8 compiling
//!    the functions under a global object spreads growth too (`jit_warmup_under_global`);
//! 4. a V8-internal accumulation point (a backing store, a `table`) is reported as its JS owner,
//!    the first program object up its dominator chain; one with no JS owner below the root is
//!    V8's own bookkeeping (code, feedback, shapes) and is not reported; an accumulation point
//!    inside another's dominator subtree is part of that leak — except inside a closure context:
//!    a module's variables live there, and when growth shared by two of them (an index by id
//!    and one by customer over the same orders) stops the walk at the context, the holders
//!    found inside it are reported instead of the context, since they name the variables.
//!
//! MemLab's `unbound-collection` idea adds the collections (Map, Set, Array, object) that survive
//! in every snapshot and whose entry count grows at every step, even when their entries are
//! small (a Set of ids): they need only a quarter of the size threshold.
//!
//! # Not leaks
//!
//! A holder other than a chain's head must be present in two snapshots or more, up to the last:
//! an object that only exists in the last snapshot was allocated, not seen growing.
//! With three or more snapshots, a suspect must grow at *every* step, each step by at least a
//! tenth of its mean step: growth that stops (a table that grew its capacity once, a cache that
//! fills and stays) or shrinks back (a burst that drains) is not a leak. With two snapshots that
//! cannot be told; the report says so ([`LeakReport::needs_third_snapshot`]) and still ranks what
//! grew.
//!
//! The threshold is `max(64 KiB, 1% of the last heap)`: a leak is worth a user's attention when
//! it is a visible part of the heap, and below 64 KiB V8's own churn between two snapshots of an
//! idle Node.js process (lazily compiled code, feedback vectors) is of the same order.

use std::collections::HashMap;

use super::dominator_tree::DominatorChildren;
use super::path_keys;
use super::paths::{self, RetainersView};
use super::{Analysis, RetainedSizes, RetainedView};
use crate::snapshot::{EdgeType, HeapSnapshot, Location, NodeIdx, NodeType};

/// MAT's "one child holds most of the parent": the share of the parent's growth.
const DOMINANT_SHARE: f64 = 0.8;
/// Floor of the growth threshold (see the module docs).
const MIN_THRESHOLD: u64 = 64 * 1024;
/// Share of the last heap's total size the threshold scales with.
const HEAP_SHARE: f64 = 0.01;
/// A step must add at least this share of the mean step growth.
const MIN_STEP_SHARE: f64 = 0.1;
/// Times a (class, edge) step must repeat to make a chain.
const CHAIN_REPEATS: usize = 3;
/// Longest period of a chain (`someMethod → context → originalThing` is 3).
const CHAIN_MAX_PERIOD: usize = 6;
/// Of two snapshots' shared ids, the share that must name the same string (see the module docs).
const SAME_PROCESS_SHARE: f64 = 0.9;
/// Of an earlier snapshot with no scripts of its own ([`path_keys::program_scripts`]), the share
/// of objects that must be found at the same path in the last when ids cannot be used
/// ([`path_keys`]). The share cannot tell two programs apart: measured on this project's
/// fixtures, 55–92% of the objects match between two programs on one Node.js version (Node's
/// own objects), while a Chromium page that re-lays out its DOM keeps only 67–74% between two
/// of its own snapshots (Blink's layout objects are made anew). So the scripts decide where
/// there are any, and this share only rejects what is plainly another heap.
const MIN_PATH_MATCH: f64 = 0.5;
/// Instances kept per added class, for the views.
const INSTANCES_PER_CLASS: usize = 200;
/// Added classes kept per suspect.
const TOP_CLASSES: usize = 10;

/// Why the snapshots cannot be compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LeakError {
    #[error("a leak report needs at least two snapshots of one process (got {0})")]
    TooFew(usize),
    #[error("{later} is not a later snapshot of the process that wrote {earlier}: {why}")]
    DifferentProcess { earlier: String, later: String, why: NotOneProgram },
    /// An earlier snapshot, read again to follow its objects by their paths, is not what it was.
    #[error("{0} changed while the report was made (it was read again to follow its objects by their paths)")]
    Changed(String),
    /// An earlier snapshot could not be read again.
    #[error("{file}: cannot read it again to follow its objects by their paths: {why}")]
    ReadAgain { file: String, why: String },
}

/// Why two snapshots whose object ids differ are not taken as one program's.
#[derive(Debug, Clone, PartialEq)]
pub enum NotOneProgram {
    /// Scripts of the earlier snapshot missing from the later one (the first few, and how many).
    Scripts { missing: Vec<String>, count: usize },
    /// The share of the earlier snapshot's objects found at the same path from the root.
    FewAtSamePaths { matched_pct: f64 },
    /// Of the ids (sampled) both snapshots have, the share that name the same object: below
    /// [`SAME_PROCESS_SHARE`], another profiler session.
    OtherSession { shared: usize, same_pct: f64 },
}

impl std::fmt::Display for NotOneProgram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const IDS_DIFFER: &str = "their object ids differ (V8 numbers objects per profiler session), and";
        match self {
            NotOneProgram::Scripts { missing, count } => {
                write!(f, "{IDS_DIFFER} the earlier one runs scripts the later one does not ({}", missing.join(", "))?;
                if *count > missing.len() {
                    write!(f, ", … {count} in all")?;
                }
                f.write_str("): they are snapshots of different programs")
            }
            NotOneProgram::FewAtSamePaths { matched_pct } => write!(
                f,
                "{IDS_DIFFER} only {matched_pct:.0}% of the earlier one's objects are found at the same path from \
                 the root (at least {:.0}% are in snapshots of one program): they are snapshots of different \
                 programs or Node.js versions",
                MIN_PATH_MATCH * 100.0
            ),
            NotOneProgram::OtherSession { shared, same_pct } => write!(
                f,
                "of the {shared} object ids (sampled) both have, only {same_pct:.0}% name the same object. V8 keeps \
                 ids only within one profiler session: snapshots of another process, or of the same one taken in \
                 separate sessions (two `capture` runs, two Attach… sessions, a reopened DevTools), cannot be \
                 followed object by object; take them in one session (`capture --every N --count K`, one \
                 Attach… session, or one DevTools window)"
            ),
        }
    }
}

/// What is kept of an earlier snapshot: per id, sorted by id.
#[derive(Clone, Debug)]
pub struct SnapshotSeries {
    pub file: String,
    pub node_count: usize,
    pub total_size: u64,
    ids: Vec<u32>,
    /// Saturated ([`super::saturated`]): 4 bytes a node instead of 8 keeps the earlier
    /// snapshots small.
    retained: Vec<u32>,
    entries: Vec<u32>,
    /// Self sizes ([`super::Analysis::self_size`]), kept of the first snapshot only (empty in
    /// the others): growth counts what an object gained itself ([`Growth::growth`]).
    self_size: Vec<u32>,
    /// `(id, hash of the raw name)` of a sample of the nodes, by id; only kept for the latest
    /// snapshot (the next one is checked against it), then dropped.
    names: Vec<(u32, u32)>,
}

impl SnapshotSeries {
    /// The compact series of `a`.
    pub fn of(a: RetainedView, file: &str) -> SnapshotSeries {
        let s = a.snapshot;
        let retained = (0..s.node_count() as NodeIdx).map(|n| a.retained_size.saturated(n)).collect();
        let (entries, names) = (entries_by_node(a), sampled_names(s));
        SnapshotSeries::sorted(file, a.total_size, &s.node_id, retained, entries, a.self_size, names)
    }

    /// The compact series of `a`, freeing the snapshot before the sort by id: `leaks` makes it
    /// while the next file is read, and that overlap set the command's peak.
    pub fn of_owned(a: RetainedSizes, file: &str) -> SnapshotSeries {
        let (entries, names) = (entries_by_node(a.view()), sampled_names(&a.snapshot));
        let RetainedSizes { mut snapshot, retained_size, self_size, total_size, .. } = a;
        let ids = std::mem::take(&mut snapshot.node_id);
        drop(snapshot);
        SnapshotSeries::sorted(file, total_size, &ids, retained_size, entries, &self_size, names)
    }

    /// The series from per-node columns (`ids[n]`, `retained[n]`, `entries[n]`, `self_size[n]`).
    fn sorted(
        file: &str,
        total_size: u64,
        ids: &[u32],
        retained: Vec<u32>,
        entries: Vec<u32>,
        self_size: &[u32],
        names: Vec<(u32, u32)>,
    ) -> SnapshotSeries {
        let order = by_id(ids);
        let permuted = |column: &[u32]| order.iter().map(|&n| column[n as usize]).collect();
        SnapshotSeries {
            file: file.to_string(),
            node_count: ids.len(),
            total_size,
            ids: permuted(ids),
            retained: permuted(&retained),
            entries: permuted(&entries),
            self_size: permuted(self_size),
            names,
        }
    }

    /// Renumbers the series with the ids of `last`'s nodes at the same paths from the root,
    /// leaving out entries with no such node; the share of the series' nodes kept. `again` is the
    /// series' snapshot, read again (its keys are not kept meanwhile: most reports never need
    /// them); `last_keys` is [`path_keys::unique_keys`] of `last`.
    fn renumber_by_path(
        &mut self,
        again: &HeapSnapshot,
        last: &HeapSnapshot,
        last_keys: &[(u64, NodeIdx)],
    ) -> Result<f64, LeakError> {
        if again.node_count() != self.node_count {
            return Err(LeakError::Changed(self.file.clone()));
        }
        let mut mine = path_keys::unique_keys(&path_keys::path_keys(again));
        // Node → entry of the series (ids sorted), checked: a file changed meanwhile is refused.
        for (_, n) in &mut mine {
            *n = self.find(again.node_id(*n)).ok_or_else(|| LeakError::Changed(self.file.clone()))? as NodeIdx;
        }
        let mut kept: Vec<(u32, u32)> = Vec::with_capacity(mine.len().min(last_keys.len()));
        for_each_shared(&mine, last_keys, |&k, &n| kept.push((last.node_id(n), k)));
        drop(mine);
        kept.sort_unstable();
        self.ids = kept.iter().map(|&(id, _)| id).collect();
        self.retained = kept.iter().map(|&(_, k)| self.retained[k as usize]).collect();
        self.entries = kept.iter().map(|&(_, k)| self.entries[k as usize]).collect();
        if !self.self_size.is_empty() {
            self.self_size = kept.iter().map(|&(_, k)| self.self_size[k as usize]).collect();
        }
        Ok(kept.len() as f64 / self.node_count.max(1) as f64)
    }

    /// Only the sampled names of `s`, to check the next snapshot's ids against.
    fn probe(s: &HeapSnapshot, file: &str) -> SnapshotSeries {
        SnapshotSeries {
            file: file.to_string(),
            node_count: 0,
            total_size: 0,
            ids: Vec::new(),
            retained: Vec::new(),
            entries: Vec::new(),
            self_size: Vec::new(),
            names: sampled_names(s),
        }
    }

    fn find(&self, id: u32) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }

    pub fn heap_bytes(&self) -> usize {
        (self.ids.capacity() + self.retained.capacity() + self.entries.capacity() + self.self_size.capacity()) * 4
            + self.names.capacity() * 8
    }
}

/// Node ordinals by ascending id. Ids ascend in node order in some writers (then this is one
/// pass); otherwise a least-significant-digit radix sort of (id, ordinal) pairs, 11 bits a pass:
/// linear, and on 6M nodes of the demo server a third of the time of a comparison sort, which
/// took a quarter of each earlier snapshot's series. Stable, so equal ids (none in a valid
/// snapshot) keep node order, as the comparison sort of the pairs did.
fn by_id(ids: &[u32]) -> Vec<NodeIdx> {
    const BITS: u32 = 11;
    const BUCKETS: usize = 1 << BITS;
    let n = ids.len();
    if ids.windows(2).all(|w| w[0] <= w[1]) {
        return (0..n as NodeIdx).collect();
    }
    let mut pairs: Vec<(u32, NodeIdx)> = ids.iter().zip(0..n as NodeIdx).map(|(&id, i)| (id, i)).collect();
    let mut out = vec![(0u32, 0 as NodeIdx); n];
    for shift in (0..u32::BITS).step_by(BITS as usize) {
        let digit = |id: u32| ((id >> shift) as usize) & (BUCKETS - 1);
        let mut start = vec![0usize; BUCKETS];
        for &(id, _) in &pairs {
            start[digit(id)] += 1;
        }
        // Every id has the same digit here (the high bits of small ids): nothing would move.
        if start.contains(&n) {
            continue;
        }
        let mut sum = 0;
        for c in &mut start {
            (*c, sum) = (sum, sum + *c);
        }
        for &p in &pairs {
            let d = digit(p.0);
            out[start[d]] = p;
            start[d] += 1;
        }
        std::mem::swap(&mut pairs, &mut out);
    }
    // The scratch goes first: this runs beside the next file's read, whose peak it adds to.
    drop(out);
    pairs.into_iter().map(|p| p.1).collect()
}

/// The names of every node of a small snapshot, or of one id in 16 of a large one: the same
/// verdict (a share of tens of thousands of ids) for a sixteenth of the time and memory.
/// Sorted by id (stably: node order among equal ids, as [`by_id`]).
fn sampled_names(s: &HeapSnapshot) -> Vec<(u32, u32)> {
    let all = s.node_count() < 100_000;
    let mut names: Vec<(u32, u32)> = (0..s.node_count() as NodeIdx)
        .map(|n| (s.node_id(n), n))
        .filter(|&(id, _)| all || (id >> 1).is_multiple_of(16))
        .map(|(id, n)| (id, name_hash(s, n)))
        .collect();
    names.sort_by_key(|p| p.0);
    names
}

/// [`entry_count`] of every node, in node order, where each node's edges follow the previous
/// node's (in id order every node's edges were a cache miss: half the series' time).
fn entries_by_node(a: RetainedView) -> Vec<u32> {
    (0..a.snapshot.node_count() as NodeIdx).map(|n| entry_count(a, n)).collect()
}

/// FNV-1a of the raw name: enough to tell "same object" from "another object at this id".
fn name_hash(s: &HeapSnapshot, n: NodeIdx) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.node_name(n).bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h
}

/// The number of entries a collection holds: its own element and property edges plus those of
/// the backing stores it holds by internal edges (`elements`, `properties`, a Map's `table`).
/// Non-objects count 0. Only ever compared with the same object's count in another snapshot.
/// A store counts only when this object is its one retainer: a shared array (V8's empty fixed
/// array, a shared descriptor) is nobody's entries, and counting it for every object that points
/// at it would cost nodes × its size.
pub fn entry_count(a: RetainedView, n: NodeIdx) -> u32 {
    let s = a.snapshot;
    if s.node_type(n) != NodeType::OBJECT {
        return 0;
    }
    let mut count = 0u32;
    for e in s.edges(n) {
        match s.edge_type(e) {
            EdgeType::ELEMENT => count += 1,
            EdgeType::PROPERTY if s.edge_name(e) != "__proto__" => count += 1,
            EdgeType::INTERNAL => {
                let to = s.edge_to(e);
                let t = s.node_type(to);
                if (t == NodeType::ARRAY || t == NodeType::HIDDEN)
                    && a.retainer_count(to) == 1
                    && s.edge_name(e) != "map"
                {
                    count += s.edges(to).filter(|&x| s.edge_type(x) != EdgeType::WEAK).count() as u32;
                }
            }
            _ => {}
        }
    }
    count
}

/// Calls `f` with the values of each key both lists have (each sorted by key, keys unique).
pub(super) fn for_each_shared<K: Ord, A, B>(a: &[(K, A)], b: &[(K, B)], mut f: impl FnMut(&A, &B)) {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                f(&a[i].1, &b[j].1);
                i += 1;
                j += 1;
            }
        }
    }
}

/// Whether `later` continues the profiler session of `earlier`: its ids name the same objects
/// (see the module docs).
fn same_session(earlier: &SnapshotSeries, later: &SnapshotSeries) -> Result<(), NotOneProgram> {
    let (mut shared, mut same) = (0usize, 0usize);
    for_each_shared(&earlier.names, &later.names, |x, y| {
        shared += 1;
        same += usize::from(x == y);
    });
    let share = if shared == 0 { 0.0 } else { same as f64 / shared as f64 };
    if share >= SAME_PROCESS_SHARE {
        Ok(())
    } else {
        Err(NotOneProgram::OtherSession { shared, same_pct: share * 100.0 })
    }
}

/// Whether `snapshots` (oldest first, with their titles) are of one profiler session:
/// [`same_session`] on each consecutive pair. For views that follow objects by id across several
/// snapshots (the Trends) without making a leak report.
pub fn check_one_process(snapshots: &[(&HeapSnapshot, &str)]) -> Result<(), LeakError> {
    let mut earlier: Option<SnapshotSeries> = None;
    for later in snapshots.iter().map(|(s, file)| SnapshotSeries::probe(s, file)) {
        if let Some(prev) = &earlier {
            same_session(prev, &later).map_err(|why| LeakError::DifferentProcess {
                earlier: prev.file.clone(),
                later: later.file.clone(),
                why,
            })?;
        }
        earlier = Some(later);
    }
    Ok(())
}

/// What the suspect is, which tells the user what to look for in the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuspectKind {
    /// A Map, Set, Array or object whose entries keep coming.
    Collection,
    /// A chain of same-class links (a linked list, a closure chain), reported at its head.
    Chain,
    /// A closure context that keeps what its variables hold.
    Closure,
    /// Detached DOM trees kept alive from JavaScript.
    DetachedDom,
    /// One object whose retained size keeps growing.
    Object,
}

impl SuspectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SuspectKind::Collection => "collection",
            SuspectKind::Chain => "chain",
            SuspectKind::Closure => "closure",
            SuspectKind::DetachedDom => "detached_dom",
            SuspectKind::Object => "object",
        }
    }
}

/// A class among what a suspect added.
#[derive(Clone, Debug)]
pub struct AddedClass {
    pub name: String,
    pub added: u64,
    /// Self sizes of the added objects.
    pub size: u64,
    /// Up to [`INSTANCES_PER_CLASS`] of them (last-snapshot nodes), largest retained first.
    pub instances: Vec<NodeIdx>,
}

/// One leak suspect.
#[derive(Clone, Debug)]
pub struct Suspect {
    /// The holder, in the last snapshot.
    pub holder: NodeIdx,
    pub holder_id: u32,
    pub name: String,
    pub class_name: String,
    /// The edge that holds the holder: the first edge of `path`.
    pub edge: String,
    /// Edge names from the holder up to a root along DevTools' shortest retainer path; a numbered
    /// slot of one of V8's synthetic root categories is named by the category (`(Stack roots)`).
    pub path: Vec<String>,
    /// The holder's retained size per snapshot (`None` where it did not exist yet).
    pub retained_size: Vec<Option<u64>>,
    /// Retained size gained since the first snapshot (all of it for a holder that is new).
    pub growth: i64,
    /// Growth between consecutive snapshots: the holder's, or for a holder new since the first
    /// snapshot (a chain's current head) that of its nearest dominator present in all of them.
    pub steps: Vec<i64>,
    /// Objects in the holder's dominator subtree that the first snapshot did not have.
    pub added: u64,
    pub added_size: u64,
    pub top_classes: Vec<AddedClass>,
    pub kind: SuspectKind,
    /// A closure's function position, or a class's constructor position.
    pub location: Option<Location>,
    /// Where the growth accumulates (the holder itself, or a backing store it owns).
    pub accumulation_point: NodeIdx,
    /// The objects from the holder down the dominator tree to the accumulation point, the holder
    /// excluded (empty when the point is the holder), each with the field that holds it where one
    /// does: what of the holder grows, such as a Map's `table (array)`, or Window's
    /// `EventTargetData` → … → `HeapVectorBacking<BasicMember<RegisteredEventListener, …` of
    /// event listeners.
    pub within: Vec<String>,
}

impl Suspect {
    /// The edge that holds the holder where it names something: not an index, which Blink's and
    /// V8's unnamed slots get (Window's `5` for its Document), and which a view then leaves for
    /// the holder's own name.
    pub fn named_edge(&self) -> Option<&str> {
        (!self.edge.is_empty() && !self.edge.bytes().all(|b| b.is_ascii_digit())).then_some(self.edge.as_str())
    }
}

/// One snapshot of the report.
#[derive(Clone, Debug)]
pub struct SnapshotInfo {
    pub file: String,
    pub node_count: usize,
    pub total_size: u64,
}

/// The leak report.
#[derive(Clone, Debug)]
pub struct LeakReport {
    pub snapshots: Vec<SnapshotInfo>,
    /// Most important (largest growth) first; empty when nothing leaks.
    pub suspects: Vec<Suspect>,
    /// The growth a suspect needed (bytes).
    pub threshold: u64,
    /// Empty when the objects were followed by their ids; else, per earlier snapshot, the share
    /// of its objects found at the same path from the root in the last ([`path_keys`]), which
    /// followed them instead (snapshots of separate profiler sessions).
    pub matched_by_path: Vec<f64>,
}

impl LeakReport {
    /// What the report says when it followed objects by their paths, not their ids (the one
    /// wording for the CLI, the HTML report and the window).
    pub fn identity_note(&self) -> Option<String> {
        if self.matched_by_path.is_empty() {
            return None;
        }
        let shares: Vec<String> = self
            .snapshots
            .iter()
            .zip(&self.matched_by_path)
            .map(|(s, share)| format!("{:.0}% of those of {}", share * 100.0, s.file))
            .collect();
        Some(format!(
            "The snapshots come from separate profiler sessions (V8 numbers objects anew in each), so objects \
             were followed by their paths from the root, not by id. Found at the same path in the last \
             snapshot: {}. An object that moved counts as new.",
            shares.join(", ")
        ))
    }

    /// What the report says when it has no suspect (the one wording for the CLI, the HTML report
    /// and the window). It says how the heap itself went: "nothing grew" alone read as false
    /// where the heap grew by megabytes that no holder the report can follow gained at every
    /// step.
    pub fn no_suspects_text(&self) -> String {
        use super::format::bytes;
        let heap: Vec<String> = self.snapshots.iter().map(|s| bytes(s.total_size as f64)).collect();
        format!(
            "No leak suspects: no object held {} or more of new growth from the first snapshot to the last{}. \
             The heap went {}.",
            bytes(self.threshold as f64),
            if self.needs_third_snapshot() { "" } else { ", gaining at every step" },
            heap.join(" → ")
        )
    }

    /// With two snapshots, growth that happened once cannot be told from a leak.
    pub fn needs_third_snapshot(&self) -> bool {
        self.snapshots.len() < 3
    }
}

/// Gives the `k`-th earlier snapshot again to a visitor ([`LeakSession::finish`]); an error says
/// why it cannot.
pub type ReadAgain<'a> = dyn FnMut(usize, &mut dyn FnMut(&HeapSnapshot)) -> Result<(), String> + 'a;

/// Snapshots fed in order, the last one finishing the report.
pub struct LeakSession {
    earlier: Vec<SnapshotSeries>,
    /// Whether every snapshot so far continues the previous one's profiler session
    /// ([`same_session`]); else objects are matched by their paths ([`path_keys`]).
    one_session: bool,
}

impl Default for LeakSession {
    fn default() -> LeakSession {
        LeakSession { earlier: Vec::new(), one_session: true }
    }
}

impl LeakSession {
    pub fn new() -> LeakSession {
        LeakSession::default()
    }

    /// Adds a snapshot that is not the last; only its compact series is kept.
    pub fn push(&mut self, a: RetainedView, file: &str) {
        self.push_series(SnapshotSeries::of(a, file));
    }

    /// As [`LeakSession::push`], with the snapshot freed as soon as it is read (see
    /// [`SnapshotSeries::of_owned`]).
    pub fn push_owned(&mut self, a: RetainedSizes, file: &str) {
        self.push_series(SnapshotSeries::of_owned(a, file));
    }

    fn push_series(&mut self, mut series: SnapshotSeries) {
        if let Some(prev) = self.earlier.last_mut() {
            series.self_size = Vec::new();
            self.one_session &= same_session(prev, &series).is_ok();
            prev.names = Vec::new();
        }
        self.earlier.push(series);
    }

    pub fn earlier(&self) -> &[SnapshotSeries] {
        &self.earlier
    }

    pub fn heap_bytes(&self) -> usize {
        self.earlier.iter().map(SnapshotSeries::heap_bytes).sum()
    }

    /// The report, with `last` the last snapshot. When the ids of the snapshots are not of one
    /// profiler session, every earlier snapshot is renumbered by the paths of its objects
    /// ([`SnapshotSeries::renumber_by_path`]), if it is of the same program (its scripts are all
    /// in the last; without scripts, [`MIN_PATH_MATCH`] of its objects are found). For that,
    /// `again(k, visit)` calls `visit` with the `k`-th earlier snapshot, read again (the CLI reads
    /// the file, the window has it); it is not called when the ids are of one session.
    pub fn finish(mut self, last: &Analysis, file: &str, again: &mut ReadAgain<'_>) -> Result<LeakReport, LeakError> {
        if self.earlier.is_empty() {
            return Err(LeakError::TooFew(1));
        }
        let s = &last.snapshot;
        if let Some(prev) = self.earlier.last() {
            // The last snapshot's names, checked without keeping a series of it.
            self.one_session &= same_session(prev, &SnapshotSeries::probe(s, file)).is_ok();
        }
        let mut matched_by_path = Vec::new();
        if !self.one_session {
            let last_scripts = path_keys::program_scripts(s);
            let last_keys = path_keys::unique_keys(&path_keys::path_keys(s));
            for (k, e) in self.earlier.iter_mut().enumerate() {
                let mut outcome = Err(LeakError::ReadAgain { file: e.file.clone(), why: "not given".into() });
                again(k, &mut |earlier| outcome = path_match(e, earlier, file, &last_scripts, s, &last_keys))
                    .map_err(|why| LeakError::ReadAgain { file: e.file.clone(), why })?;
                matched_by_path.push(outcome?);
            }
        }
        let order = by_id(&s.node_id);
        let mut r = report(&self.earlier, last, file, order);
        r.matched_by_path = matched_by_path;
        Ok(r)
    }
}

/// [`SnapshotSeries::renumber_by_path`] of `e` (read `again`) against the last snapshot, if they
/// are of one program: the share of `e`'s objects found.
fn path_match(
    e: &mut SnapshotSeries,
    again: &HeapSnapshot,
    last_file: &str,
    last_scripts: &[String],
    last: &HeapSnapshot,
    last_keys: &[(u64, NodeIdx)],
) -> Result<f64, LeakError> {
    let earlier = e.file.clone();
    let different = |why| LeakError::DifferentProcess { earlier, later: last_file.to_string(), why };
    let scripts = path_keys::program_scripts(again);
    let missing: Vec<String> = path_keys::missing_scripts(&scripts, last_scripts).into_iter().cloned().collect();
    if !missing.is_empty() {
        let count = missing.len();
        return Err(different(NotOneProgram::Scripts { missing: missing.into_iter().take(3).collect(), count }));
    }
    let share = e.renumber_by_path(again, last, last_keys)?;
    // The scripts tell programs apart; without scripts, the share does.
    if scripts.is_empty() && share < MIN_PATH_MATCH {
        return Err(different(NotOneProgram::FewAtSamePaths { matched_pct: share * 100.0 }));
    }
    Ok(share)
}

/// Convenience for tests and small inputs: the report over analyses all in memory.
pub fn analyze(snapshots: &[(&Analysis, &str)]) -> Result<LeakReport, LeakError> {
    let Some(((last, last_file), rest)) = snapshots.split_last() else {
        return Err(LeakError::TooFew(0));
    };
    if rest.is_empty() {
        return Err(LeakError::TooFew(1));
    }
    let mut session = LeakSession::new();
    for (a, f) in rest {
        session.push(a.retained_view(), f);
    }
    session.finish(last, last_file, &mut |k, visit| {
        visit(&rest[k].0.snapshot);
        Ok(())
    })
}

/// The dominator tree's children lists ([`DominatorChildren`], node order), with preorder
/// intervals.
struct DomTree {
    tree: DominatorChildren,
    /// Preorder number of each node, and one past its subtree's last.
    pre: Vec<u32>,
    end: Vec<u32>,
}

impl DomTree {
    fn build(a: &Analysis) -> DomTree {
        let n = a.node_count();
        let root = a.snapshot.root();
        let tree = DominatorChildren::build_unsorted(&a.dominator, root);
        // Unreached nodes keep pre = end = u32::MAX: in no subtree.
        let mut pre = vec![u32::MAX; n];
        let mut end = vec![u32::MAX; n];
        let mut counter = 0u32;
        let mut stack: Vec<(NodeIdx, usize)> = vec![(root, 0)];
        pre[root as usize] = 0;
        counter += 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&c) = tree.children(v).get(*next) {
                *next += 1;
                pre[c as usize] = counter;
                counter += 1;
                stack.push((c, 0));
            } else {
                end[v as usize] = counter;
                stack.pop();
            }
        }
        DomTree { tree, pre, end }
    }

    fn children(&self, v: NodeIdx) -> &[NodeIdx] {
        self.tree.children(v)
    }

    /// Whether `n` is in the dominator subtree of `h` (itself included).
    fn contains(&self, h: NodeIdx, n: NodeIdx) -> bool {
        let p = self.pre[n as usize];
        p != u32::MAX && self.pre[h as usize] <= p && p < self.end[h as usize]
    }
}

/// A program object a user can name: not V8's machinery (code, shapes, internal arrays, roots),
/// nor the embedder's C++ internals ([`is_cpp_internal`]).
fn is_program_object(a: &Analysis, n: NodeIdx) -> bool {
    let s = &a.snapshot;
    let t = s.node_type(n);
    if n == s.root() {
        return false;
    }
    match t {
        NodeType::OBJECT | NodeType::NATIVE => {
            let name = s.node_name(n);
            (!name.starts_with("system /") || name == "system / Context")
                && !(t == NodeType::NATIVE && is_cpp_internal(name))
        }
        NodeType::CLOSURE | NodeType::REGEXP | NodeType::STRING | NodeType::CONS_STRING | NodeType::SLICED_STRING => {
            true
        }
        _ => false,
    }
}

/// A native object the embedder names by its C++ type: Blink's garbage-collected internals
/// (`blink::EventTargetData`, `blink::HeapVectorBacking<…>`) are written under their qualified
/// class names (cppgc's `NameProvider`), or as `InternalNode` where a build hides them, while
/// what a page's code can touch is named as the page sees it (`<div>`, `Window / …`,
/// `EventListener`). Like V8's backing stores, such an accumulation point is reported as the
/// object that owns it: a `resize` listener added to `window` at every step grows Window's
/// `blink::HeapVectorBacking` of listeners, a new object in each snapshot, which no report can
/// follow, under Window, which the page's code named.
fn is_cpp_internal(name: &str) -> bool {
    if name == "InternalNode" {
        return true;
    }
    // `namespace::…`: an identifier, then `::`, before any space or template argument.
    let head = name.split([' ', '<']).next().unwrap_or("");
    head.find("::").is_some_and(|i| i > 0 && head[..i].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

/// V8's own objects, which grow as it compiles and optimizes: code, shapes, and the `system / …`
/// internals (feedback vectors, scope infos) but for contexts, which hold the program's variables.
fn is_v8_bookkeeping(a: &Analysis, n: NodeIdx) -> bool {
    let s = &a.snapshot;
    match s.node_type(n) {
        NodeType::CODE | NodeType::OBJECT_SHAPE => true,
        NodeType::HIDDEN | NodeType::OBJECT | NodeType::ARRAY => {
            let name = s.node_name(n);
            name.starts_with("system /") && name != "system / Context"
        }
        _ => false,
    }
}

/// The kept facts of the last snapshot's nodes against the earlier ones.
struct Growth<'a> {
    a: &'a Analysis,
    earlier: &'a [SnapshotSeries],
    /// Per last-snapshot node: its position in the first snapshot's series (`u32::MAX`: new).
    base: Vec<u32>,
    tree: &'a DomTree,
    /// The bytes added since the first snapshot — a new object's self size, an old one's gain
    /// (an array's or a Map's backing store grows into a new object, whose size the shallow-size
    /// transfer gives to its owner) — summed in dominator-tree preorder: a node's subtree holds
    /// `[end] - [pre]` of them.
    new_bytes_before: Vec<u64>,
}

impl<'a> Growth<'a> {
    fn new(a: &'a Analysis, earlier: &'a [SnapshotSeries], base: Vec<u32>, tree: &'a DomTree) -> Growth<'a> {
        let mut new_bytes_before = vec![0u64; a.node_count() + 1];
        let then = &earlier[0].self_size;
        for ((&p, &b), &now) in tree.pre.iter().zip(&base).zip(a.self_size.iter()) {
            if p == u32::MAX {
                continue;
            }
            new_bytes_before[p as usize + 1] = u64::from(match b {
                u32::MAX => now,
                i => now.saturating_sub(then.get(i as usize).copied().unwrap_or(now)),
            });
        }
        for i in 1..new_bytes_before.len() {
            new_bytes_before[i] += new_bytes_before[i - 1];
        }
        Growth { a, earlier, base, tree, new_bytes_before }
    }

    fn is_new(&self, n: NodeIdx) -> bool {
        self.base[n as usize] == u32::MAX
    }

    /// What `n` holds of the heap's growth: its retained size now minus in the first snapshot (0
    /// there when new), but no more than the bytes added in its dominator subtree since the first
    /// snapshot (new objects, and what old ones gained). The bound matters where the dominator tree itself changed: an
    /// array held in the first snapshot also by a transient root (`(Handle scope)`, a compile
    /// job's `(Strong roots)`) is dominated by the root there and by its owner later, so the
    /// owner's retained size jumps by the array's old bytes once; they are not new, and the walk
    /// must not take that jump for growth of the owner's own (a prototype named instead of its
    /// `history` array, found by the third set of unseen scenarios). It also keeps the bytes a
    /// new head of a rope or chain already held before out of its growth.
    fn growth(&self, n: NodeIdx) -> i64 {
        let now = self.a.retained_size[n as usize] as i64;
        let diff = match self.base[n as usize] {
            u32::MAX => now,
            i => now - i64::from(self.earlier[0].retained[i as usize]),
        };
        match self.tree.pre[n as usize] {
            u32::MAX => diff,
            p => {
                let end = self.tree.end[n as usize] as usize;
                let added = self.new_bytes_before[end] - self.new_bytes_before[p as usize];
                diff.min(added as i64)
            }
        }
    }

    /// Per snapshot: the retained size of the object with `n`'s id.
    fn series(&self, n: NodeIdx) -> Vec<Option<u64>> {
        let id = self.a.snapshot.node_id(n);
        let mut v: Vec<Option<u64>> =
            self.earlier.iter().map(|s| s.find(id).map(|i| u64::from(s.retained[i]))).collect();
        v.push(Some(self.a.retained_size[n as usize]));
        v
    }

    fn entries(&self, n: NodeIdx) -> Vec<Option<u32>> {
        let id = self.a.snapshot.node_id(n);
        let mut v: Vec<Option<u32>> = self.earlier.iter().map(|s| s.find(id).map(|i| s.entries[i])).collect();
        v.push(Some(entry_count(self.a.retained_view(), n)));
        v
    }
}

/// The holder's own retained-size series, or (for a holder new since the first snapshot, as the
/// current head of a chain) that of its nearest dominator present in every snapshot.
fn surviving_series(g: &Growth, h: NodeIdx) -> Option<Vec<Option<u64>>> {
    let (a, root) = (g.a, g.a.snapshot.root());
    let mut x = h;
    loop {
        let series = g.series(x);
        if series.iter().all(Option::is_some) {
            return Some(series);
        }
        let d = a.dominator[x as usize];
        if d == x || x == root {
            return None;
        }
        x = d;
    }
}

/// Whether `h`, an object new in the last snapshot, is a collection replaced by a grown copy
/// (`state.items = [...state.items, x]`, the immutable update of web stores; Node's
/// `diagnostics_channel` does it to a Channel's `_subscribers` at every `subscribe()`): held by a
/// named slot (a property, a variable, an internal field) of its immediate dominator, an object
/// present in every snapshot whose retained size grows (at every step, with three snapshots or
/// more). Such a holder is reported as that slot, with its owner's steps
/// ([`surviving_series`]): it is a new object only because the code replaces it.
fn replaced_by_a_grown_copy(g: &Growth, h: NodeIdx, many: bool) -> bool {
    let (a, s) = (g.a, &g.a.snapshot);
    let owner = a.dominator[h as usize];
    if owner == h || owner == s.root() || !is_program_object(a, owner) {
        return false;
    }
    let named_slot = s.edges(owner).any(|e| s.edge_to(e) == h && s.edge_type(e).has_string_name());
    let series = g.series(owner);
    named_slot
        && series.iter().all(Option::is_some)
        && if many { grows_every_step(&series) } else { series[series.len() - 1] > series[0] }
}

/// Whether a series grows at every step, each step by a fair share of the mean (module docs).
fn grows_every_step(series: &[Option<u64>]) -> bool {
    if series.iter().any(Option::is_none) || series.len() < 2 {
        return false;
    }
    let steps: Vec<i64> = series.windows(2).map(|w| w[1].unwrap_or(0) as i64 - w[0].unwrap_or(0) as i64).collect();
    let mean = steps.iter().sum::<i64>() as f64 / steps.len() as f64;
    mean > 0.0 && steps.iter().all(|&d| d > 0 && d as f64 >= MIN_STEP_SHARE * mean)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Found {
    Spread,
    Chain,
    Collection,
}

/// The (class, edge name) step from `x` to its dominated child `c`: what a chain repeats.
fn step_key(a: &Analysis, x: NodeIdx, c: NodeIdx) -> (u32, String) {
    let s = &a.snapshot;
    let edge = s.edges(x).find(|&e| s.edge_to(e) == c);
    let name = match edge {
        None => "~".to_string(),
        Some(e) if !s.edge_type(e).has_string_name() => "[]".to_string(),
        Some(e) => s.edge_name(e).into_owned(),
    };
    (a.classes.class_of[x as usize], name)
}

/// The head of a chain the path ends in, if it ends in one (module docs, step 2).
fn chain_head(keys: &[(u32, String)]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for k in 1..=CHAIN_MAX_PERIOD {
        if keys.len() < k * CHAIN_REPEATS {
            break;
        }
        // The longest suffix where key[j] == key[j + k].
        let mut s = keys.len() - k;
        while s > 0 && keys[s - 1] == keys[s - 1 + k] {
            s -= 1;
        }
        if keys.len() - s >= k * CHAIN_REPEATS {
            best = Some(best.map_or(s, |b: usize| b.min(s)));
        }
    }
    best
}

/// The accumulation points of the last snapshot's dominator tree (module docs, steps 1–3).
fn accumulation_points(g: &Growth, tree: &DomTree, threshold: i64) -> Vec<(NodeIdx, Found)> {
    let a = g.a;
    let mut found = Vec::new();
    // Spread points found: their place in `found`, and their regions (the node, its big children).
    let mut spread_at: Vec<usize> = Vec::new();
    let mut regions: Vec<(NodeIdx, Vec<NodeIdx>)> = Vec::new();
    let mut work = vec![a.snapshot.root()];
    while let Some(p) = work.pop() {
        let mut path = vec![p];
        let mut keys = Vec::new();
        let mut x = p;
        loop {
            let gx = g.growth(x);
            if gx <= 0 {
                break;
            }
            let mut dominant: Option<(NodeIdx, i64)> = None;
            // Children in descending node order (the order this pass was tuned with): a tie in
            // growth goes to the last node, and the work stack pops the first node first.
            for &c in tree.children(x).iter().rev() {
                let gc = g.growth(c);
                if dominant.is_none_or(|(_, d)| gc > d) {
                    dominant = Some((c, gc));
                }
            }
            let dominant = dominant.filter(|&(_, gc)| gc as f64 >= DOMINANT_SHARE * gx as f64).map(|d| d.0);
            for &c in tree.children(x).iter().rev() {
                if Some(c) != dominant && g.growth(c) >= threshold {
                    work.push(c);
                }
            }
            match dominant {
                Some(c) => {
                    keys.push(step_key(a, x, c));
                    path.push(c);
                    x = c;
                }
                None => break,
            }
        }
        if let Some(h) = chain_head(&keys)
            && g.growth(path[h]) >= threshold
        {
            found.push((path[h], Found::Chain));
            continue;
        }
        let q = x;
        let big: Vec<NodeIdx> = tree.children(q).iter().copied().filter(|&c| g.growth(c) >= threshold).collect();
        let spread = g.growth(q) - big.iter().map(|&c| g.growth(c)).sum::<i64>();
        if spread >= threshold {
            found.push((q, Found::Spread));
            spread_at.push(found.len() - 1);
            regions.push((q, big));
        }
    }
    // The spread growth must be the program's: V8 compiling code for the functions under a
    // global object spreads growth too, in code, shapes and feedback; so at least half of the new
    // bytes outside the big children must not be V8's own.
    let mut keep = vec![true; found.len()];
    for (&at, (all, v8)) in spread_at.iter().zip(added_in_regions(g, tree, &regions)) {
        keep[at] = 2 * v8 <= all;
    }
    let mut kept = keep.into_iter();
    found.retain(|_| kept.next().unwrap_or(true));
    found
}

/// Per region (a node's dominator subtree but its listed children's): the self sizes of the new
/// objects in it, all and V8's own ([`is_v8_bookkeeping`]). One pass over the nodes; a node finds
/// the regions around it by a binary search among the regions' preorder intervals, which nest
/// or are apart, and then up the chain of those that enclose it.
fn added_in_regions(g: &Growth, tree: &DomTree, regions: &[(NodeIdx, Vec<NodeIdx>)]) -> Vec<(i64, i64)> {
    let interval = |h: NodeIdx| (tree.pre[h as usize], tree.end[h as usize]);
    let mut order: Vec<usize> = (0..regions.len()).collect();
    order.sort_by_key(|&i| {
        let (start, end) = interval(regions[i].0);
        (start, std::cmp::Reverse(end))
    });
    let starts: Vec<u32> = order.iter().map(|&i| interval(regions[i].0).0).collect();
    // The nearest region before each (in `order`) that encloses it.
    let mut enclosing = vec![usize::MAX; order.len()];
    let mut open: Vec<usize> = Vec::new();
    for k in 0..order.len() {
        let (start, _) = interval(regions[order[k]].0);
        while open.last().is_some_and(|&o| interval(regions[order[o]].0).1 <= start) {
            open.pop();
        }
        enclosing[k] = open.last().copied().unwrap_or(usize::MAX);
        open.push(k);
    }
    let excluded: Vec<Vec<(u32, u32)>> = regions
        .iter()
        .map(|(_, big)| {
            let mut v: Vec<(u32, u32)> = big.iter().map(|&c| interval(c)).collect();
            v.sort_unstable();
            v
        })
        .collect();
    let mut sums = vec![(0i64, 0i64); regions.len()];
    let a = g.a;
    for n in 0..a.node_count() as NodeIdx {
        let p = tree.pre[n as usize];
        if p == u32::MAX || !g.is_new(n) {
            continue;
        }
        let mut k = match starts.partition_point(|&start| start <= p) {
            0 => continue,
            k => k - 1,
        };
        while k != usize::MAX {
            let i = order[k];
            let (_, end) = interval(regions[i].0);
            let big = &excluded[i];
            let in_big = match big.partition_point(|&(start, _)| start <= p) {
                0 => false,
                b => p < big[b - 1].1,
            };
            if p < end && !in_big {
                let size = i64::from(a.self_size[n as usize]);
                sums[i].0 += size;
                if is_v8_bookkeeping(a, n) {
                    sums[i].1 += size;
                }
            }
            k = enclosing[k];
        }
    }
    sums
}

/// The threshold for the last snapshot (module docs).
pub fn threshold_for(total_size: u64) -> u64 {
    MIN_THRESHOLD.max((total_size as f64 * HEAP_SHARE) as u64)
}

/// The report; `order` is the last snapshot's nodes by ascending id.
fn report(earlier: &[SnapshotSeries], a: &Analysis, file: &str, order: Vec<NodeIdx>) -> LeakReport {
    let s = &a.snapshot;
    let threshold = threshold_for(a.total_size());
    let t = threshold as i64;
    // Match the last snapshot's nodes with the first's by id (merge of two sorted lists).
    let first = &earlier[0];
    let mut base = vec![u32::MAX; a.node_count()];
    let mut i = 0;
    for &n in &order {
        let id = s.node_id(n);
        while i < first.ids.len() && first.ids[i] < id {
            i += 1;
        }
        if i < first.ids.len() && first.ids[i] == id {
            base[n as usize] = i as u32;
        }
    }
    drop(order);
    let tree = DomTree::build(a);
    let g = Growth::new(a, earlier, base, &tree);
    let many = earlier.len() + 1 >= 3;

    // Accumulation points, then their JS owners.
    let mut candidates: Vec<(NodeIdx, NodeIdx, Found)> = Vec::new(); // (holder, point, how)
    for (point, how) in accumulation_points(&g, &tree, t) {
        let mut h = point;
        while !is_program_object(a, h) {
            let d = a.dominator[h as usize];
            if d == h || h == s.root() {
                break;
            }
            h = d;
        }
        if is_program_object(a, h) {
            candidates.push((h, point, how));
        }
    }
    // Collections that survive everywhere and gain entries at every step (MemLab's
    // unbound-collection), with a quarter of the threshold.
    if many {
        for n in 0..a.node_count() as NodeIdx {
            if s.node_type(n) != NodeType::OBJECT || g.is_new(n) || !is_program_object(a, n) || g.growth(n) < t / 4 {
                continue;
            }
            let e = g.entries(n);
            let grows = e.iter().all(Option::is_some) && e.windows(2).all(|w| w[1] > w[0]);
            if grows {
                candidates.push((n, n, Found::Collection));
            }
        }
    }

    // One candidate per holder; growth checks.
    candidates.sort_by_key(|c| (c.0, c.2 != Found::Chain));
    candidates.dedup_by_key(|c| c.0);
    candidates.retain(|&(h, _, how)| {
        let need = if how == Found::Collection { t / 4 } else { t };
        if g.growth(h) < need {
            return false;
        }
        // Only a chain's head is legitimately a new object at every step. Any other holder must
        // have been seen growing: present in two snapshots or more, without a gap, up to the
        // last. An object that only appears in the last snapshot (a connection's parser buffer)
        // is an allocation, not growth.
        if how != Found::Chain {
            let series = g.series(h);
            let Some(born) = series.iter().position(Option::is_some) else { return false };
            let seen = &series[born..];
            if seen.len() < 2 || seen.iter().any(Option::is_none) {
                // A collection replaced by a grown copy is new at every step, yet its slot is not.
                return seen.len() == 1 && replaced_by_a_grown_copy(&g, h, many);
            }
            if many && born > 0 {
                return grows_every_step(seen);
            }
        }
        if !many {
            return true;
        }
        surviving_series(&g, h).is_some_and(|series| grows_every_step(&series))
    });
    // A closure context is where a module's variables live, not what a user calls the holder.
    // The walk stops at one when the growth is shared: objects reachable from two of its
    // collections (an index by id and an index by customer) are dominated by neither, only by
    // the context. Then the holders found inside it (a collection that gains entries at every
    // step, a variable's object whose own growth passed the threshold) name the leak: report
    // them instead of the context. A global object is such a scope too: growth shared by two
    // owners anywhere in the program (a timer kept in a module's Set and in Node's timer list)
    // is dominated only by it.
    let scopes_with_collections: Vec<NodeIdx> = candidates
        .iter()
        .map(|c| c.0)
        .filter(|&h| {
            (s.node_name(h) == "system / Context" || is_global_object(s, h))
                && candidates.iter().any(|&(o, _, _)| o != h && tree.contains(h, o))
        })
        .collect();
    candidates.retain(|c| !scopes_with_collections.contains(&c.0));
    // A holder inside another holder's dominator subtree is part of that leak.
    let holders: Vec<NodeIdx> = candidates.iter().map(|c| c.0).collect();
    candidates.retain(|&(h, _, _)| !holders.iter().any(|&o| o != h && tree.contains(o, h)));

    let mut suspects: Vec<Suspect> = candidates.iter().map(|&(h, point, how)| suspect(&g, h, point, how)).collect();
    suspects.sort_by(|x, y| y.growth.cmp(&x.growth).then(x.holder_id.cmp(&y.holder_id)));
    added_objects(&g, &tree, &mut suspects);

    let mut snapshots: Vec<SnapshotInfo> = earlier
        .iter()
        .map(|e| SnapshotInfo { file: e.file.clone(), node_count: e.node_count, total_size: e.total_size })
        .collect();
    snapshots.push(SnapshotInfo { file: file.to_string(), node_count: a.node_count(), total_size: a.total_size() });
    LeakReport { snapshots, suspects, threshold, matched_by_path: Vec::new() }
}

/// The field a Proxy's hidden edge is: V8 writes a `JSProxy`'s fields without names, as hidden
/// edges numbered by slot after its map (`properties_or_hash`, `target`, `handler`: V8's
/// `js-proxy.tq`), so what a program keeps by setting properties through a Proxy, held by the
/// Proxy's target, would read `1 ← sessionState`.
fn proxy_field(s: &HeapSnapshot, from: NodeIdx, e: crate::snapshot::EdgeIdx) -> Option<&'static str> {
    if s.edge_type(e) != EdgeType::HIDDEN || s.node_name(from) != "system / JSProxy" {
        return None;
    }
    match s.edge_name_or_index(e) {
        1 => Some("target"),
        2 => Some("handler"),
        _ => None,
    }
}

fn suspect(g: &Growth, h: NodeIdx, point: NodeIdx, how: Found) -> Suspect {
    let a = g.a;
    let s = &a.snapshot;
    let sp = paths::shortest_path(a, &RetainersView::new(), h);
    // An index into one of V8's root categories says nothing ("latency ← 31 ← 7"); the category
    // does ("latency ← (Stack roots) ← (GC roots)").
    let path: Vec<String> = sp
        .edges
        .iter()
        .map(|r| {
            let name = s.edge_name(r.edge);
            let category = s.node_type(r.node) == NodeType::SYNTHETIC && s.node_name(r.node).starts_with('(');
            if category && name.bytes().all(|b| b.is_ascii_digit()) {
                s.node_name(r.node).to_string()
            } else if let Some(field) = proxy_field(s, r.node, r.edge) {
                field.to_string()
            } else {
                name.into_owned()
            }
        })
        .collect();
    let kind = match how {
        Found::Chain => SuspectKind::Chain,
        _ if s.node_name(h) == "system / Context" => SuspectKind::Closure,
        Found::Collection => SuspectKind::Collection,
        Found::Spread if point != h || entry_count(a.retained_view(), h) > 16 => SuspectKind::Collection,
        Found::Spread => SuspectKind::Object,
    };
    // V8 writes a location for closures (their function) and for objects (their constructor).
    let location = s.location(h);
    Suspect {
        holder: h,
        holder_id: s.node_id(h),
        name: a.display_name(h).into_owned(),
        class_name: a.class_name(h).to_string(),
        edge: path.first().cloned().unwrap_or_default(),
        path,
        retained_size: g.series(h),
        growth: g.growth(h),
        steps: surviving_series(g, h)
            .unwrap_or_else(|| g.series(h))
            .windows(2)
            .map(|w| w[1].unwrap_or(0) as i64 - w[0].unwrap_or(0) as i64)
            .collect(),
        added: 0,
        added_size: 0,
        top_classes: Vec::new(),
        kind,
        location,
        accumulation_point: point,
        within: within(a, h, point),
    }
}

/// Whether `n` is a global object (Node's `global`, a page's `Window`): V8 links the snapshot's
/// root to each one by a shortcut edge (`V8HeapExplorer::SetUserGlobalReference`, for the
/// `JSGlobalObject` behind every native context's global proxy), whatever the embedder names it.
fn is_global_object(s: &HeapSnapshot, n: NodeIdx) -> bool {
    s.edges(s.root()).any(|e| s.edge_type(e) == EdgeType::SHORTCUT && s.edge_to(e) == n)
}

/// A C++ type name without its namespaces, cut at [`WITHIN_NAME_CHARS`]: Blink's run to 300
/// characters of `cppgc::internal::` (`blink::HeapVectorBacking<cppgc::internal::BasicMember<
/// blink::RegisteredEventListener, …>>` reads `HeapVectorBacking<BasicMember<
/// RegisteredEventListener, …`). Other names pass unchanged but for the cut.
fn short_type_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut word = String::new();
    let mut rest = name;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else if c == ':' && rest.starts_with(':') && !word.is_empty() {
            // `word::`: a namespace (or enclosing class), dropped.
            rest = &rest[1..];
            word.clear();
        } else {
            out.push_str(&word);
            word.clear();
            out.push(c);
        }
    }
    out.push_str(&word);
    match out.char_indices().nth(WITHIN_NAME_CHARS) {
        Some((i, _)) => format!("{}…", &out[..i]),
        None => out,
    }
}

/// How much of a type's name [`Suspect::within`] keeps.
const WITHIN_NAME_CHARS: usize = 64;

/// [`Suspect::within`]: the dominator chain from `point` up to (not including) `holder`, top
/// down; empty if `holder` does not dominate `point`.
fn within(a: &Analysis, holder: NodeIdx, point: NodeIdx) -> Vec<String> {
    let mut chain = Vec::new();
    let mut x = point;
    while x != holder {
        let name = a.display_name(x);
        // (A Map's table has no name of its own: its class says what it is.)
        let name = short_type_name(if name.is_empty() { a.class_name(x) } else { &name });
        let d = a.dominator[x as usize];
        if d == x {
            return Vec::new();
        }
        // The field that holds it, where one does: `table (array)`.
        let s = &a.snapshot;
        let field = s.edges(d).find(|&e| s.edge_to(e) == x && s.edge_type(e).has_string_name());
        chain.push(match field {
            Some(e) if name.starts_with('(') => format!("{} {name}", s.edge_name(e)),
            Some(e) => format!("{} ({name})", s.edge_name(e)),
            None => name,
        });
        x = d;
    }
    chain.reverse();
    chain
}

/// Fills each suspect's added objects and their classes (MemLab's clusters of objects new since
/// the first snapshot, attributed to the holder whose dominator subtree they are in).
fn added_objects(g: &Growth, tree: &DomTree, suspects: &mut [Suspect]) {
    let a = g.a;
    if suspects.is_empty() {
        return;
    }
    // Holders sorted by preorder; subtrees of kept holders are disjoint, so a binary search
    // finds the one containing a node.
    let mut by_pre: Vec<(u32, usize)> =
        suspects.iter().enumerate().map(|(i, x)| (tree.pre[x.holder as usize], i)).collect();
    by_pre.sort_unstable();
    let mut classes: Vec<HashMap<u32, AddedClass>> = vec![HashMap::new(); suspects.len()];
    let mut detached = vec![0u64; suspects.len()];
    for n in 0..a.node_count() as NodeIdx {
        if !g.is_new(n) || tree.pre[n as usize] == u32::MAX {
            continue;
        }
        let p = tree.pre[n as usize];
        let k = by_pre.partition_point(|&(hp, _)| hp <= p);
        if k == 0 {
            continue;
        }
        let i = by_pre[k - 1].1;
        if !tree.contains(suspects[i].holder, n) {
            continue;
        }
        let size = u64::from(a.self_size[n as usize]);
        suspects[i].added += 1;
        suspects[i].added_size += size;
        if a.dom.detachedness.get(n as usize) == Some(&2) {
            detached[i] += size;
        }
        let c = classes[i].entry(a.classes.class_of[n as usize]).or_insert_with(|| AddedClass {
            name: a.class_name(n).to_string(),
            added: 0,
            size: 0,
            instances: Vec::new(),
        });
        c.added += 1;
        c.size += size;
        c.instances.push(n);
    }
    for (i, x) in suspects.iter_mut().enumerate() {
        let mut list: Vec<AddedClass> = std::mem::take(&mut classes[i]).into_values().collect();
        list.sort_by(|p, q| q.size.cmp(&p.size).then(q.added.cmp(&p.added)).then_with(|| p.name.cmp(&q.name)));
        list.truncate(TOP_CLASSES);
        for c in &mut list {
            c.instances.sort_by_key(|&n| (std::cmp::Reverse(a.retained_size[n as usize]), a.snapshot.node_id(n)));
            c.instances.truncate(INSTANCES_PER_CLASS);
        }
        x.top_classes = list;
        if x.added_size > 0 && detached[i] * 2 > x.added_size {
            x.kind = SuspectKind::DetachedDom;
        }
    }
}
