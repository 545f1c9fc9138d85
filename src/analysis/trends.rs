//! Trends: how each class, and each grown object, changed across three or more snapshots of one
//! process (dotMemory's and YourKit's class-growth charts over many snapshots; DevTools compares
//! only two).
//!
//! # Classes
//!
//! [`ClassTrends::build`] takes the snapshots oldest first and gives, per class, its Summary
//! numbers in each: **count**, **shallow size** (Σ self size) and **retained size** (DevTools'
//! per-class retained size, `calculateClassesRetainedSize`: members' retained sizes without
//! counting a member dominated by another of its class). Classes are matched by the class key the
//! Comparison uses: every earlier snapshot is classified with the *newest* snapshot's interface
//! definitions, as `aggregatesForDiff` classifies the base with the current snapshot's
//! ([`super::diff::aggregates_under`]), so the newest snapshot's Summary rows are exactly the last
//! point of each series. A class missing from a snapshot has 0 there. Keys are matched by a hash
//! map, so the cost is classes × snapshots (plus one classification pass of an earlier snapshot
//! whose definitions differ).
//!
//! The **growth** a view sorts by ([`ClassTrend::growth`], the order
//! [`super::views::sort_by_growth`]) is the shallow size in the newest snapshot minus that in the
//! oldest: the bytes of objects of the class added over the whole session (retained sizes of
//! classes overlap, so their growth double-counts a collection and its entries). A class is
//! **monotonic** ([`ClassTrend::monotonic`]) when its shallow size never shrinks from one
//! snapshot to the next and grows overall: the shape of a leak, where a cache that fills once or a
//! burst that drains is not (the leak report's "growth at every step", [`super::leaks`]).
//!
//! # Objects
//!
//! [`ObjectTrends::build`] gives, for a list of object ids (the Comparison's grown survivors),
//! their self and retained sizes in each snapshot, found by id (V8 keeps an object's id for its
//! life, the fact the Comparison relies on): per snapshot one pass over its nodes with a binary
//! search among the sorted ids, N log G.
//!
//! Whether the snapshots are of one process is the leak report's rule
//! ([`super::leaks::check_one_process`]); the order is the caller's (the window's order of
//! loading, which the Leaks view uses too). Class trends need no ids: snapshots of separate
//! profiler sessions (three `capture --pid` runs), whose ids name other objects, still chart
//! their classes when they are of one program by the leak report's rule for that (every script
//! of the earlier snapshot is in the later one, [`super::path_keys::program_scripts`]); object
//! trends, found by id, are then not drawn ([`ClassTrends::ids_follow_objects`]).

use std::collections::HashMap;

use super::Analysis;
use super::leaks::{self, LeakError};
use crate::snapshot::NodeIdx;

/// Fewest snapshots a trend is drawn for: two points are a Comparison, not a trend.
pub const MIN_SNAPSHOTS: usize = 3;

/// Why there are no trends.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrendsError {
    #[error("trends need at least {MIN_SNAPSHOTS} snapshots of one process (got {0})")]
    TooFew(usize),
    #[error(transparent)]
    NotOneProcess(#[from] LeakError),
}

/// Per class, its numbers in each snapshot (columns of `classes × snapshots`, row-major).
#[derive(Clone, Debug, Default)]
pub struct ClassTrends {
    /// The snapshots' titles, oldest first.
    pub snapshots: Vec<String>,
    /// Class keys, in order of first appearance (newest snapshot's rows first).
    pub keys: Vec<String>,
    pub names: Vec<String>,
    count: Vec<u32>,
    self_size: Vec<u64>,
    retained_size: Vec<u64>,
    /// Row of each key, for [`ClassTrends::by_key`].
    index: HashMap<String, u32>,
    /// Whether the snapshots are of one profiler session, so that an id names one object in all
    /// of them and [`ObjectTrends`] can follow it; false for separate sessions of one program.
    pub ids_follow_objects: bool,
}

/// One class's series, oldest snapshot first.
#[derive(Clone, Copy, Debug)]
pub struct ClassTrend<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub count: &'a [u32],
    pub self_size: &'a [u64],
    pub retained_size: &'a [u64],
}

impl ClassTrend<'_> {
    /// Shallow size in the newest snapshot minus in the oldest (see the module docs).
    pub fn growth(&self) -> i64 {
        let first = self.self_size.first().copied().unwrap_or(0);
        let last = self.self_size.last().copied().unwrap_or(0);
        last as i64 - first as i64
    }

    /// Never shrank from one snapshot to the next, and grew overall.
    pub fn monotonic(&self) -> bool {
        self.self_size.windows(2).all(|w| w[1] >= w[0]) && self.growth() > 0
    }
}

impl ClassTrends {
    /// The trends of `snapshots` (oldest first, with their titles); at least [`MIN_SNAPSHOTS`],
    /// all of one process.
    pub fn build(snapshots: &[(&Analysis, &str)]) -> Result<ClassTrends, TrendsError> {
        if snapshots.len() < MIN_SNAPSHOTS {
            return Err(TrendsError::TooFew(snapshots.len()));
        }
        let heaps: Vec<_> = snapshots.iter().map(|(a, t)| (&a.snapshot, *t)).collect();
        let one_session = match leaks::check_one_process(&heaps) {
            Ok(()) => true,
            Err(e) => {
                one_program(&heaps).map_err(|_| e)?;
                false
            }
        };
        let mut t = ClassTrends::build_unchecked(snapshots);
        t.ids_follow_objects = one_session;
        Ok(t)
    }

    /// [`ClassTrends::build`] without the checks (any number of snapshots, any processes).
    pub fn build_unchecked(snapshots: &[(&Analysis, &str)]) -> ClassTrends {
        let n = snapshots.len();
        let mut t = ClassTrends {
            snapshots: snapshots.iter().map(|s| s.1.to_string()).collect(),
            ids_follow_objects: true,
            ..Default::default()
        };
        let Some((newest, _)) = snapshots.last() else { return t };
        let definitions = &newest.interface_definitions;
        // Newest first, so its rows come first and name the classes.
        for (s, (a, _)) in snapshots.iter().enumerate().rev() {
            let (aggs, _) = super::diff::aggregates_under(a, definitions);
            for r in &aggs.rows {
                let row = match t.index.get(&r.key) {
                    Some(&row) => row as usize,
                    None => {
                        let row = t.keys.len();
                        t.index.insert(r.key.clone(), row as u32);
                        t.keys.push(r.key.clone());
                        t.names.push(r.name.clone());
                        t.count.resize(t.count.len() + n, 0);
                        t.self_size.resize(t.self_size.len() + n, 0);
                        t.retained_size.resize(t.retained_size.len() + n, 0);
                        row
                    }
                };
                let at = row * n + s;
                t.count[at] = r.count;
                t.self_size[at] = r.self_size;
                t.retained_size[at] = r.retained_size;
            }
        }
        t
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Class `i`'s series.
    pub fn get(&self, i: usize) -> ClassTrend<'_> {
        let n = self.snapshots.len();
        let r = i * n..(i + 1) * n;
        ClassTrend {
            key: &self.keys[i],
            name: &self.names[i],
            count: &self.count[r.clone()],
            self_size: &self.self_size[r.clone()],
            retained_size: &self.retained_size[r],
        }
    }

    /// The series of the class with this key.
    pub fn by_key(&self, key: &str) -> Option<ClassTrend<'_>> {
        self.index.get(key).map(|&i| self.get(i as usize))
    }
}

/// Whether snapshots whose ids differ are of one program: each one's scripts are all in the next
/// (the leak report's rule for renumbering by path, [`leaks`]); a snapshot without scripts of its
/// own cannot tell, and is not taken for one.
fn one_program(heaps: &[(&crate::snapshot::HeapSnapshot, &str)]) -> Result<(), ()> {
    let scripts: Vec<Vec<String>> = heaps.iter().map(|(s, _)| super::path_keys::program_scripts(s)).collect();
    for w in scripts.windows(2) {
        if w[0].is_empty() || !super::path_keys::missing_scripts(&w[0], &w[1]).is_empty() {
            return Err(());
        }
    }
    Ok(())
}

/// Per object id, its self and retained size in each snapshot (0 where it does not exist, and
/// `present` false).
#[derive(Clone, Debug, Default)]
pub struct ObjectTrends {
    pub snapshots: usize,
    /// Sorted ascending.
    ids: Vec<u32>,
    present: Vec<bool>,
    self_size: Vec<u64>,
    retained_size: Vec<u64>,
}

/// One object's series, oldest snapshot first.
#[derive(Clone, Copy, Debug)]
pub struct ObjectTrend<'a> {
    pub id: u32,
    pub present: &'a [bool],
    pub self_size: &'a [u64],
    pub retained_size: &'a [u64],
}

impl ObjectTrends {
    /// The series of the objects with these ids in `snapshots` (oldest first).
    pub fn build(snapshots: &[&Analysis], ids: &[u32]) -> ObjectTrends {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let n = snapshots.len();
        let cells = ids.len() * n;
        let mut t = ObjectTrends {
            snapshots: n,
            present: vec![false; cells],
            self_size: vec![0; cells],
            retained_size: vec![0; cells],
            ids,
        };
        for (s, a) in snapshots.iter().enumerate() {
            for node in 0..a.node_count() as NodeIdx {
                if let Ok(i) = t.ids.binary_search(&a.snapshot.node_id(node)) {
                    let at = i * n + s;
                    t.present[at] = true;
                    t.self_size[at] = u64::from(a.self_size[node as usize]);
                    t.retained_size[at] = a.retained_size[node as usize];
                }
            }
        }
        t
    }

    /// The series of object `id`, if it was asked for.
    pub fn get(&self, id: u32) -> Option<ObjectTrend<'_>> {
        let i = self.ids.binary_search(&id).ok()?;
        let r = i * self.snapshots..(i + 1) * self.snapshots;
        Some(ObjectTrend {
            id,
            present: &self.present[r.clone()],
            self_size: &self.self_size[r.clone()],
            retained_size: &self.retained_size[r],
        })
    }
}
