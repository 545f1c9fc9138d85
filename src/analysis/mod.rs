//! Pure passes over a snapshot's flat columns, and the queries the views ask.
//!
//! `run_passes` (behind [`Analysis::run`] and [`RetainedSizes::run`]) is the only place the pass
//! order is written. Each pass is its own module, computes one thing, and cites the Chrome
//! DevTools function it reproduces (`front_end/entrypoints/heap_snapshot_worker/HeapSnapshot.ts`,
//! chrome-devtools-frontend 1.0.1705227; the spec with line numbers is
//! `../shared/oracle/README.md`):
//!
//! | pass | module | DevTools |
//! |---|---|---|
//! | detached DOM state, `Detached ` names | [`domstate`] | `propagateDOMState` |
//! | page-owned flag, essential edges | [`essential`] | `markPageOwnedNodes`, `computeIsEssentialEdge` |
//! | retainers (reverse index) | [`retainers`] | `buildRetainers` |
//! | shallow-size transfer | [`shallow`] | `calculateShallowSizes` |
//! | distances | [`distances`] | `calculateDistances`, `bfs` |
//! | dominators, retained sizes | [`dominators`] | `calculateDominatorsAndRetainedSizes` |
//! | dominator tree children (CSR), group by class | [`dominator_tree`] | `buildDominatedNodes` |
//! | flame chart of retained size (classes merged along paths) | [`flame`] | (Perfetto's heap flame graph) |
//! | script and npm package of every object | [`sources`] | (closures' Script nodes, `locations`) |
//! | class names, interfaces, keys | [`classes`] | `calculateObjectNames`, `inferInterfaceDefinitions`, `applyInterfaceDefinitions` |
//! | Summary rows | [`aggregates`] | `buildAggregates`, `calculateClassesRetainedSize` |
//! | Statistics | [`statistics`] | `calculateStatistics` |
//! | Comparison, grown survivors | [`diff`] | `calculateSnapshotDiff`, `calculateDiffForClass` |
//! | class and object series over 3+ snapshots | [`trends`] | (dotMemory/YourKit class growth) |
//! | Retainers view, paths | [`paths`] | `retainingEdgesFilter`, `expandRetainersChain`, `getRetainingPaths` |
//! | merged shortest paths of many objects | [`merged_paths`] | (Eclipse MAT's `MultiplePath2GCRootsQuery`) |
//!
//! # Memory
//!
//! What stays, per node (N) and per edge (E), for the life of an [`Analysis`]:
//!
//! | column | bytes | where |
//! |---|---|---|
//! | type, name, id, first edge | 1 + 4 + 4 + 4 = 13 / N | `snapshot` |
//! | self size (transferred in place), detachedness (propagated in place) | 4 + 1 / N | `self_size`, `dom` |
//! | distance, dominator, class | 4 + 4 + 4 / N | here |
//! | retained size | 8 / N | here (sums pass 4 GiB) |
//! | first retainer | 4 / N | `retainers` |
//! | renamed, page-owned | 2 bits / N | `dom`, `page_owned` |
//! | target + type (packed), name or index | 4 + 4 / E | `snapshot` |
//! | retaining node, essential bit | 4 + 1/8 / E | `retainers` |
//!
//! That is 47 bytes a node and 12.1 a edge, plus the strings and locations: about 1.04× the file
//! for Node.js heaps (≈ 88 bytes of JSON a node with 3.4 edges). Reopened from the persisted
//! index, all but retained sizes, the bit sets and the class names are views into the mapped index
//! file ([`Column`]): file-backed pages, not heap (about 0.1× the file stays resident). Scratch, freed by its pass:
//! the essential-edge bits (E/8), shallow-size owners and worklist (8 / N), the BFS queue (4 / N),
//! the dominator pass's DFS arrays (12 / N) and then per-vertex records and DFS order (20 / N; Lengauer–Tarjan's fallback 32),
//! the dominated-nodes lists for class retained sizes (8 / N), the string-indexed tables of
//! class naming (≈ 12 / string). Summary rows keep no member lists (a view finds a class's
//! members in one pass when it is expanded). The two chains of passes run at once, so without
//! spilling the peak is the kept columns plus the dominator scratch plus the other chain's
//! scratch: 1.22× a 1 GB file.
//!
//! # Spilling (when a spill folder is set: the CLI and the window set one)
//!
//! Columns the passes have finished with go to unnamed files and are read back through mappings
//! ([`Column::spilled`]), as Eclipse MAT keeps its indexes on disk: their bytes are then page
//! cache the kernel can drop and read again, not this process's heap. The node ids go as soon as
//! the reader has all nodes; node and edge names, the strings' text and the constructor
//! locations as soon as it is done (4 + 4 bytes a node, 4 an edge, the text, 16 a location). The
//! names are mapped in at once ([`Column::populate`]) for the first passes and let go once the
//! essential edges have found the WeakMap entries' edges and the distances' filtered nodes are
//! known (the distances then read only those names), the text after the first scans of every
//! string; class names and the Statistics' name scan bring back the pages they read, and let
//! them go again. The ids stay out (only WeakMap entries read them). The self sizes and distances
//! go as soon as they are computed; the reverse index (both columns) as soon as it is built,
//! unless the load's memory budget has room for it ([`reverse_index_fits`]): writing it is on the
//! critical path, so it is kept where memory is not short (a 1.14 GB file on 24 GiB), and written
//! where it is (a 59 MB file, whose kept columns are larger next to it; a 4.4 GB one).
//! Waits keep big things apart: class names (which bring names and text back) wait until the
//! reverse index is written out (or kept), and read the names front to back, letting the pages
//! behind them go ([`HeapSnapshot::release_name_pages_before`]), so only the text and a window of
//! the names are resident. Beside them the other core runs the dominators' DFS (12 / N, over the edges still in
//! memory, while a third thread writes the edges' file copy). The rest of the dominators waits
//! for both chains: the copy replaces the edge column, whose memory goes, and then the reverse
//! index comes back for the semi-dominators, so that the two (4 / E each) are never resident
//! together, nor beside the names.
//! With glibc's malloc, freed blocks of a MiB and more go back to the kernel
//! ([`crate::rss::malloc`]).
//! Measured (BENCHMARKS.md, "Memory"): peak 0.91× a 59 MB file, 0.89–0.92× a 326 MB one and
//! 0.83× a 1.14 GB one (both keeping the reverse index), 0.592× a 4.4 GB one (1.39×, 1.24×, 1.20×
//! in memory).

pub mod aggregates;
pub mod bits;
pub mod classes;
pub mod diff;
pub mod distances;
pub mod dominator_tree;
pub mod dominators;
pub mod domstate;
pub mod ephemeron;
pub mod essential;
pub mod export;
pub mod flame;
pub mod format;
pub mod inthash;
pub mod jsstr;
pub mod leaks;
pub mod merged_paths;
pub mod names;
pub mod path_keys;
pub mod paths;
pub mod retainers;
pub mod shallow;
pub mod sources;
pub mod statistics;
pub mod trends;
pub mod views;

use std::borrow::Cow;

pub use aggregates::{Aggregates, ClassAggregate};
pub use classes::{ClassId, Classification, InterfaceDefinition};
pub use diff::{ClassDiff, Comparison, GrownObject};
pub use statistics::Statistics;

use crate::progress::{Phase, Progress};
use crate::snapshot::{Column, HeapSnapshot, NodeIdx, NodeType};

/// Loading was cancelled through [`Progress::is_cancelled`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("analysis was cancelled")]
pub struct Cancelled;

/// Why a snapshot file did not become an [`Analysis`]: the user cancelled, or the file could not
/// be read. A type, not a message, so the GUI and the CLI never tell them apart by matching text
/// (a file named `cancelled.heapsnapshot` is still an error).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("loading was cancelled")]
    Cancelled,
    /// The file, then (as the `source()`) the reader's error: what, in which section, at which
    /// byte.
    #[error("{}", path.display())]
    Read {
        path: std::path::PathBuf,
        #[source]
        error: crate::snapshot::ReadError,
    },
}

impl From<Cancelled> for LoadError {
    fn from(_: Cancelled) -> LoadError {
        LoadError::Cancelled
    }
}

/// Reads and analyses a snapshot file: the one loading path of the GUI and the CLI.
pub fn load_file(path: &std::path::Path, progress: &dyn Progress) -> Result<Analysis, LoadError> {
    let snapshot = crate::snapshot::read_file(path, progress).map_err(|error| {
        if error.is_cancelled() { LoadError::Cancelled } else { LoadError::Read { path: path.to_path_buf(), error } }
    })?;
    Ok(Analysis::run(snapshot, progress)?)
}

/// A snapshot with every DevTools number computed. Immutable and `Send + Sync`: the UI shares it
/// in an `Arc` while a worker builds the next one.
pub struct Analysis {
    pub snapshot: HeapSnapshot,
    pub dom: domstate::DomState,
    pub page_owned: bits::BitVec,
    pub retainers: retainers::Retainers,
    /// Self sizes after the shallow-size transfer; what every view shows.
    pub self_size: Column<u32>,
    pub distance: Column<i32>,
    pub dominator: Column<NodeIdx>,
    /// Exact, in 64 bits and owned even when reopened from the index (which stores them in 32
    /// bits plus a table of the larger ones): sums pass 4 GiB, and every view reads them.
    pub retained_size: Vec<u64>,
    pub interface_definitions: Vec<InterfaceDefinition>,
    pub classes: Classification,
    /// Summary rows ("All objects").
    pub aggregates: std::sync::Arc<Aggregates>,
    pub statistics: Statistics,
    /// DevTools' console warnings (unreachable nodes), one string per report.
    pub problems: Vec<String>,
}

/// With `HEAPSCOPE_TRACE` set, prints how long each pass took (per thread) on stderr.
struct Trace {
    on: bool,
    start: std::time::Instant,
}

impl Trace {
    fn new() -> Trace {
        Trace { on: std::env::var_os("HEAPSCOPE_TRACE").is_some(), start: std::time::Instant::now() }
    }

    fn mark(&self, what: &str) {
        if self.on {
            eprintln!(
                "[analysis] {what} done at {:.3}s, rss {} MB, peak {} MB",
                self.start.elapsed().as_secs_f64(),
                crate::rss::rss_bytes() >> 20,
                crate::rss::peak_rss_bytes() >> 20
            );
        }
    }
}

fn check(progress: &dyn Progress) -> Result<(), Cancelled> {
    if progress.is_cancelled() { Err(Cancelled) } else { Ok(()) }
}

/// Which passes [`run_passes`] runs: all of them, or only those retained sizes depend on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Full,
    RetainedOnly,
}

/// The per-node chain's results that only the full analysis computes.
struct Naming {
    distance: Column<i32>,
    interface_definitions: Vec<InterfaceDefinition>,
    classes: Classification,
    statistics: statistics::StatisticsScan,
}

/// What [`run_passes`] hands on: the columns up to retained sizes, and with [`Scope::Full`] the
/// distances and class names.
struct Passes {
    snapshot: HeapSnapshot,
    dom: domstate::DomState,
    page_owned: bits::BitVec,
    retainers: retainers::Retainers,
    self_size: Column<u32>,
    tree: dominators::DominatorTree,
    retained_size: Vec<u64>,
    /// With [`Scope::Full`]: the dominator tree's children lists, for the Summary's class
    /// retained sizes.
    dominated: Option<dominator_tree::DominatorChildren>,
    naming: Option<Naming>,
    trace: Trace,
}

/// The passes up to retained sizes, in DevTools' order where order matters; with
/// [`Scope::Full`] also distances and class names on the second core. The one place the pass
/// order is written, so [`Analysis::run`] and [`RetainedSizes::run`] cannot disagree on a
/// retained size.
fn run_passes(snapshot: HeapSnapshot, scope: Scope, progress: &dyn Progress) -> Result<Passes, Cancelled> {
    progress.report(Phase::DomState, 0.0);
    // Two per-node columns move out of the snapshot and are updated in place (DevTools
    // rewrites them in its `nodes` array too): no second copy at any time.
    let (mut snapshot, sizes) = snapshot.into_parts();
    let (detachedness, raw_self_size) = (sizes.detachedness, sizes.self_size);
    let trace = Trace::new();
    crate::rss::malloc::give_back_free_heap();
    // The peak came while dominators ran (their scratch beside everything else): with a spill
    // folder, the columns only the first passes read go to files first (see "Spilling" above).
    let spill_dir = crate::snapshot::column::spill_dir();
    snapshot.spill_cold_columns(spill_dir.as_deref());
    // The names are read by both chains' first passes; let go before the distances (below).
    snapshot.populate_cold_pages();
    trace.mark("spilled cold columns");
    let dom = domstate::propagate(&snapshot, detachedness);
    trace.mark("dom state");
    check(progress)?;

    let ephemerons = ephemeron::EphemeronNames::new(&snapshot);
    let distance_filter = distances::FilterNames::find(&snapshot);
    // Those were the last scans of every string until class names: while the reverse index is
    // built beside the distances, the text need not be resident.
    snapshot.release_text_pages();
    // And class names wait until the reverse index is built and written out: class names bring
    // back the strings' pages, and those beside the index being built made the peak (60 MB
    // against 56 at a 59 MB file; 907 MB at 1 GB).
    let (reverse_spilled, wait_for_reverse) = std::sync::mpsc::channel::<()>();
    // The distances wait for the WeakMap entries' edges, found with the essential edges: then
    // they read no other edge's name (nor, with the filtered nodes found first, any node's), and
    // the names (4 bytes an edge and a node) need not be resident beside the reverse index being
    // built, where the peak was (3.1 GB at 4.6 GB).
    let (ephemeron_edges_found, wait_for_ephemeron_edges) = std::sync::mpsc::channel::<bits::BitVec>();
    let is_cancelled = || progress.is_cancelled();
    // Two independent chains, one per core: the dominator chain (flags, essential edges,
    // retainers, the dominators' DFS) and the per-node chain (shallow sizes, distances, class
    // names). Progress is reported from the first, the longer one. With spilling on, the rest of
    // the dominators runs after both (see "Spilling" above).
    let (chain_a, chain_b) = std::thread::scope(|scope_| {
        let b = scope_.spawn(|| -> Result<_, Cancelled> {
            // Owned here, so that the channels close when this chain ends, however it ends.
            let (wait_for_reverse, wait_for_ephemeron_edges) = (wait_for_reverse, wait_for_ephemeron_edges);
            // Read again only by retained sizes, Summary rows and statistics, after dominators.
            let self_size = Column::from(shallow::transferred_self_sizes(&snapshot, &dom, raw_self_size))
                .spilled(spill_dir.as_deref());
            trace.mark("B: shallow sizes");
            check(progress)?;
            if scope == Scope::RetainedOnly {
                return Ok((self_size, None));
            }
            let ephemeron_edges = wait_for_ephemeron_edges.recv().ok();
            let filtered_nodes = distance_filter.filtered_nodes(&snapshot);
            if ephemeron_edges.is_some() {
                snapshot.release_name_pages();
            }
            trace.mark("B: waited for the WeakMap entries");
            let known =
                distances::Known { ephemeron_edges: ephemeron_edges.as_ref(), filtered_nodes: Some(&filtered_nodes) };
            let distance =
                Column::from(distances::calculate_with(&snapshot, &distance_filter, &ephemerons, known, None))
                    .spilled(spill_dir.as_deref());
            drop((ephemeron_edges, filtered_nodes));
            trace.mark("B: distances");
            check(progress)?;
            if spill_dir.is_some() {
                let _ = wait_for_reverse.recv();
                trace.mark("B: waited for the reverse index");
            }
            let interface_definitions = classes::infer_interface_definitions(&snapshot);
            let classes = classes::classify(&snapshot, &dom.renamed, &interface_definitions);
            trace.mark("B: classes");
            let statistics = statistics::scan(&snapshot, &dom.renamed, &self_size);
            snapshot.release_cold_pages();
            self_size.release_resident_pages();
            trace.mark("B: statistics' names");
            Ok((self_size, Some(Naming { distance, interface_definitions, classes, statistics })))
        });
        let a = (|| -> Result<_, Cancelled> {
            // Owned here, so that the channels close when this chain ends, however it ends.
            let (reverse_spilled, ephemeron_edges_found) = (reverse_spilled, ephemeron_edges_found);
            progress.report(Phase::Flags, 0.0);
            let page_owned = essential::page_owned(&snapshot);
            let essential::EssentialEdges { essential: essential_edges, ephemeron } =
                essential::essential_and_ephemeron_edges(&snapshot, &page_owned, &ephemerons);
            let _ = ephemeron_edges_found.send(ephemeron);
            trace.mark("A: flags and essential edges");
            check(progress)?;
            progress.report(Phase::Retainers, 0.0);
            let mut retainers = retainers::Retainers::build(&snapshot, &essential_edges);
            trace.mark("A: retainers");
            check(progress)?;
            // Written out, unless it fits in the load's memory budget beside the search that comes
            // next ([`reverse_index_fits`]): the dominators read it back from the page cache, and
            // afterwards its pages are let go at no cost. (Retained sizes alone drop it after the
            // dominators: nothing to keep.)
            if scope == Scope::Full && spill_dir.is_some() {
                if reverse_index_fits(&snapshot) {
                    trace.mark("A: kept the reverse index");
                } else {
                    let reverse = std::mem::take(&mut retainers.retainer_node);
                    retainers.retainer_node = reverse.spilled(spill_dir.as_deref());
                    let first = std::mem::take(&mut retainers.first_retainer);
                    retainers.first_retainer = first.spilled(spill_dir.as_deref());
                    trace.mark("A: spilled the reverse index");
                }
            }
            let _ = reverse_spilled.send(());
            if spill_dir.is_none() {
                progress.report(Phase::Dominators, 0.0);
                let tree =
                    dominators::compute(&dominator_input(&snapshot, &essential_edges, &retainers, &is_cancelled))?;
                trace.mark("A: dominators");
                return Ok((page_owned, essential_edges, retainers, Dominators::Done(tree)));
            }
            // The edges' file copy is written on a third thread while this one searches: the
            // search reads the column in memory (its last full read), and the copy replaces it
            // once both chains are done.
            let copy_of_edges = scope_.spawn(|| snapshot.spill_copy_of_edges(spill_dir.as_deref()));
            progress.report(Phase::Dominators, 0.0);
            let input = dominator_input(&snapshot, &essential_edges, &retainers, &is_cancelled);
            let found = dominators::depth_first(&input);
            let copy = copy_of_edges.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            let found = found?;
            trace.mark("A: dominators' DFS");
            Ok((page_owned, essential_edges, retainers, Dominators::Searched(found, copy)))
        })();
        // A panic on the other thread is a bug; re-raise it here.
        let b = b.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (a, b)
    });
    let (page_owned, essential_edges, retainers, dominators) = chain_a?;
    // With spilling, the rest of the dominators waits for both chains: the reverse index it reads
    // (4 bytes an edge) is never resident beside the names that class naming brings back.
    let tree = match dominators {
        Dominators::Done(tree) => tree,
        Dominators::Searched(found, copy) => {
            // The copy replaces the edge column (its memory goes) before the reverse index, as
            // large, comes back for the semi-dominators: the two are never resident together.
            snapshot.adopt_spilled_edges(copy);
            trace.mark("adopted the edges' copy");
            let reverse_index_in = || {
                retainers.first_retainer.populate();
                retainers.retainer_node.populate();
                trace.mark("reverse index in");
            };
            let input = dominator_input(&snapshot, &essential_edges, &retainers, &is_cancelled);
            let tree = found.dominators(&input, &reverse_index_in)?;
            trace.mark("dominators");
            tree
        }
    };
    retainers.first_retainer.release_resident_pages();
    retainers.retainer_node.release_resident_pages();
    drop(essential_edges);
    let (self_size, naming) = chain_b?;
    check(progress)?;

    progress.report(Phase::RetainedSizes, 0.0);
    self_size.populate();
    // The Summary's dominated-node lists need only the tree: built on the other core meanwhile.
    let (retained_size, dominated) = std::thread::scope(|scope_| {
        let dominated = (scope == Scope::Full).then(|| {
            scope_.spawn(|| dominator_tree::DominatorChildren::build_unsorted(&tree.dominator, snapshot.root()))
        });
        let retained_size = dominators::retained_sizes(&tree, &self_size);
        let dominated = dominated.map(|d| d.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        (retained_size, dominated)
    });
    trace.mark("retained sizes");
    check(progress)?;
    Ok(Passes { snapshot, dom, page_owned, retainers, self_size, tree, retained_size, dominated, naming, trace })
}

/// Whether the reverse index, just built (so resident now), may stay in memory through the
/// dominators rather than be written out: the memory in use now plus what comes back beside it
/// before the dominators — the search's arrays ([`dominators::SEARCH_BYTES_PER_NODE`]) and the
/// strings' text, which class names read again — within the load's budget
/// ([`crate::snapshot::column::memory_budget`]). Kept, it is not written on this chain while
/// class names wait: at 1.14 GB the load took 4.1–4.2 s instead of 5.1–5.4, at a peak of 0.83× the
/// file instead of 0.71×. At 59 MB, where the columns are larger next to the file, it would have
/// made the peak 1.07–1.10× (this sum: 64 MB against 58.7). A 4.4 GB one, more than an eighth of
/// this machine's memory, has no budget for it.
fn reverse_index_fits(snapshot: &HeapSnapshot) -> bool {
    let search = dominators::SEARCH_BYTES_PER_NODE * snapshot.node_count() as u64;
    let text = snapshot.strings().parts().0.len() as u64;
    crate::rss::rss_bytes() + search + text <= crate::snapshot::column::memory_budget(snapshot.json_bytes())
}

/// The dominators' input: the snapshot's forward edges and the analyses' essential bits.
fn dominator_input<'a>(
    snapshot: &'a HeapSnapshot,
    essential_edges: &'a bits::BitVec,
    retainers: &'a retainers::Retainers,
    is_cancelled: &'a dyn Fn() -> bool,
) -> dominators::DominatorInput<'a> {
    dominators::DominatorInput {
        root: snapshot.root(),
        first_edge: &snapshot.first_edge,
        edges: snapshot.edge_column(),
        edge_packing: snapshot.edge_packing(),
        essential_edge: essential_edges,
        first_retainer: &retainers.first_retainer,
        retainer_node: &retainers.retainer_node,
        essential_retainer: &retainers.essential,
        is_cancelled,
    }
}

/// The dominator chain's end: the tree, or (with spilling) the search and the edges' file copy,
/// for the rest of the dominators after both chains.
enum Dominators {
    Done(dominators::DominatorTree),
    Searched(dominators::DepthFirst, Option<crate::snapshot::column::SpillCopy>),
}

/// What an earlier snapshot of a leak report needs ([`leaks::SnapshotSeries`]): ids and names,
/// retained sizes, and each node's retainer count (entry counts ask whether a backing store has
/// one owner). Without distances, class names, Summary rows and statistics, which the report
/// never reads of an earlier snapshot: about a third less work than [`Analysis::run`]. Of the
/// retainer index only the offsets stay (4 bytes a node, not 4 an edge more): `leaks` holds this
/// while it reads the next file, which sets its peak.
pub struct RetainedSizes {
    pub snapshot: HeapSnapshot,
    /// [`retainers::Retainers::first_retainer`].
    pub first_retainer: Column<u32>,
    /// Saturated ([`saturated`]), as the series keeps them: half the bytes of the exact column,
    /// held while the next file is read.
    pub retained_size: Vec<u32>,
    /// [`Analysis::self_size`]: the leak report keeps the first snapshot's.
    pub self_size: Column<u32>,
    /// `HeapSnapshot.totalSize`, from the exact root retained size.
    pub total_size: u64,
}

impl RetainedSizes {
    /// The passes [`Analysis::run`] runs up to retained sizes, and no others.
    pub fn run(snapshot: HeapSnapshot, progress: &dyn Progress) -> Result<RetainedSizes, Cancelled> {
        let Passes { snapshot, retainers, retained_size: exact, self_size, .. } =
            run_passes(snapshot, Scope::RetainedOnly, progress)?;
        let total_size = exact[snapshot.root() as usize] + snapshot.extra_native_bytes().unwrap_or(0);
        let retained_size = exact.iter().map(|&r| saturated(r)).collect();
        progress.report(Phase::Done, 1.0);
        Ok(RetainedSizes { snapshot, first_retainer: retainers.first_retainer, retained_size, self_size, total_size })
    }

    /// Borrowed, as the leak report reads it (the same shape as [`Analysis::retained_view`]).
    pub fn view(&self) -> RetainedView<'_> {
        RetainedView {
            snapshot: &self.snapshot,
            first_retainer: &self.first_retainer,
            retained_size: RetainedColumn::Saturated(&self.retained_size),
            self_size: &self.self_size,
            total_size: self.total_size,
        }
    }
}

/// A retained size in 32 bits, saturated at 4 GiB - 1 (only roots and giant containers of
/// heaps over 4 GiB reach it).
pub fn saturated(r: u64) -> u32 {
    u32::try_from(r).unwrap_or(u32::MAX)
}

/// Retained sizes as [`RetainedView`] finds them: an [`Analysis`]'s exact column, or a
/// [`RetainedSizes`]' saturated one.
#[derive(Clone, Copy)]
pub enum RetainedColumn<'a> {
    Exact(&'a [u64]),
    Saturated(&'a [u32]),
}

impl RetainedColumn<'_> {
    /// Node `n`'s retained size, saturated (see [`saturated`]).
    pub fn saturated(&self, n: NodeIdx) -> u32 {
        match self {
            RetainedColumn::Exact(c) => saturated(c[n as usize]),
            RetainedColumn::Saturated(c) => c[n as usize],
        }
    }
}

/// The columns retained sizes and entry counts are read from, borrowed from an [`Analysis`] (the
/// window, whose snapshots are loaded whole) or a [`RetainedSizes`] (the CLI's earlier
/// snapshots), so the leak report takes either.
#[derive(Clone, Copy)]
pub struct RetainedView<'a> {
    pub snapshot: &'a HeapSnapshot,
    /// [`retainers::Retainers::first_retainer`]: node `n` has `[n + 1] - [n]` retainers.
    pub first_retainer: &'a [u32],
    pub retained_size: RetainedColumn<'a>,
    /// Self sizes after the shallow-size transfer ([`Analysis::self_size`]).
    pub self_size: &'a [u32],
    /// `HeapSnapshot.totalSize`: root retained size + `extra_native_bytes`.
    pub total_size: u64,
}

impl RetainedView<'_> {
    /// [`retainers::Retainers::count`].
    pub fn retainer_count(&self, n: NodeIdx) -> u32 {
        self.first_retainer[n as usize + 1] - self.first_retainer[n as usize]
    }
}

impl Analysis {
    /// Runs every pass, in DevTools' order where order matters.
    pub fn run(snapshot: HeapSnapshot, progress: &dyn Progress) -> Result<Analysis, Cancelled> {
        let Passes { snapshot, dom, page_owned, retainers, self_size, tree, retained_size, dominated, naming, trace } =
            run_passes(snapshot, Scope::Full, progress)?;
        let (Some(Naming { distance, interface_definitions, classes, statistics }), Some(dominated)) =
            (naming, dominated)
        else {
            unreachable!("Scope::Full computes distances, classes and the dominated lists")
        };

        progress.report(Phase::Aggregates, 0.0);
        let dominators::DominatorTree {
            dominator,
            weakly_retained,
            unreachable_from_root,
            still_unreachable,
            still_unreachable_count,
            ..
        } = tree;
        distance.populate();
        let aggregates = aggregates::aggregate(&aggregates::AggregateInput {
            classes: &classes,
            self_size: &self_size,
            distance: &distance,
            retained_size: &retained_size,
            dominated: &dominated,
            root: snapshot.root(),
            filter: None,
        });
        drop(dominated);
        trace.mark("aggregates");
        check(progress)?;

        progress.report(Phase::Statistics, 0.0);
        let total_size = retained_size[snapshot.root() as usize] + snapshot.extra_native_bytes().unwrap_or(0);
        let statistics = statistics.finish(&self_size, &retainers, total_size);
        // Spilled columns come back page by page as views read them.
        self_size.release_resident_pages();
        distance.release_resident_pages();
        trace.mark("statistics");

        let mut analysis = Analysis {
            snapshot,
            dom,
            page_owned,
            retainers,
            self_size,
            distance,
            dominator: Column::from(dominator),
            retained_size,
            interface_definitions,
            classes,
            aggregates: std::sync::Arc::new(aggregates),
            statistics,
            problems: Vec::new(),
        };
        // DevTools `formatProblemReport`: messages and `name @id` entries joined by "\n  ".
        let node_entry = |a: &Analysis, n: NodeIdx| format!("{} @{}", a.display_name(n), a.snapshot.node_id(n));
        if unreachable_from_root > 0 {
            let mut lines = vec![
                format!("Heap snapshot: {unreachable_from_root} nodes are unreachable from the root."),
                "The following nodes have only weak retainers:".to_string(),
            ];
            lines.extend(weakly_retained.iter().map(|&n| node_entry(&analysis, n)));
            analysis.problems.push(lines.join("\n  "));
        }
        if still_unreachable_count > 0 {
            let mut lines = vec![format!("Heap snapshot: Still found {still_unreachable_count} unreachable nodes:")];
            lines.extend(still_unreachable.iter().map(|&n| node_entry(&analysis, n)));
            analysis.problems.push(lines.join("\n  "));
        }
        trace.mark("problems");
        progress.report(Phase::Done, 1.0);
        Ok(analysis)
    }

    pub fn node_count(&self) -> usize {
        self.snapshot.node_count()
    }

    /// `HeapSnapshot.totalSize`: root retained size + `extra_native_bytes`.
    pub fn total_size(&self) -> u64 {
        // Saturating: `extra_native_bytes` is whatever number the file's meta holds.
        self.root_retained_size().saturating_add(self.snapshot.extra_native_bytes().unwrap_or(0))
    }

    pub fn root_retained_size(&self) -> u64 {
        self.retained_size[self.snapshot.root() as usize]
    }

    /// The columns the leak report reads of a snapshot (see [`RetainedView`]).
    pub fn retained_view(&self) -> RetainedView<'_> {
        RetainedView {
            snapshot: &self.snapshot,
            first_retainer: &self.retainers.first_retainer,
            retained_size: RetainedColumn::Exact(&self.retained_size),
            self_size: &self.self_size,
            total_size: self.total_size(),
        }
    }

    /// The largest odd (JavaScript) node id (`maxJsNodeId`).
    pub fn max_js_object_id(&self) -> u32 {
        self.snapshot.node_id.iter().copied().filter(|id| id % 2 == 1).max().unwrap_or(0)
    }

    /// The name DevTools shows for a node (see [`names::display_name`]).
    pub fn display_name(&self, n: NodeIdx) -> Cow<'_, str> {
        names::display_name(&self.snapshot, &self.dom.renamed, n)
    }

    /// The node's name after the DOM-state pass (`Detached …`).
    pub fn raw_name(&self, n: NodeIdx) -> Cow<'_, str> {
        names::raw_name(&self.snapshot, &self.dom.renamed, n)
    }

    pub fn class_name(&self, n: NodeIdx) -> &str {
        &self.classes.class(n).name
    }

    pub fn class_key(&self, n: NodeIdx) -> &str {
        &self.classes.class(n).key
    }

    pub fn node_type(&self, n: NodeIdx) -> NodeType {
        self.snapshot.node_type(n)
    }

    pub fn find_node_by_id(&self, id: u32) -> Option<NodeIdx> {
        self.snapshot.find_node_by_id(id)
    }

    /// Bytes held by everything, for memory reports.
    pub fn heap_bytes(&self) -> usize {
        self.snapshot.heap_bytes()
            + self.dom.detachedness.heap_bytes()
            + self.dom.renamed.heap_bytes()
            + self.page_owned.heap_bytes()
            + self.retainers.heap_bytes()
            + self.self_size.heap_bytes()
            + self.distance.heap_bytes()
            + self.dominator.heap_bytes()
            + self.retained_size.capacity() * 8
            + self.classes.heap_bytes()
            + self.aggregates.heap_bytes()
    }
}
