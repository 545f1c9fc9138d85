//! Heapscope: an analyzer for V8 heap snapshots whose numbers are Chrome DevTools' numbers.
//!
//! # The pipeline
//!
//! ```text
//! .heapsnapshot[.gz] ──snapshot::read_file──▶ HeapSnapshot (flat columns, validated)
//!                    ──analysis::Analysis::run──▶ Analysis (distances, dominators, retained
//!                                                  sizes, classes, aggregates, statistics)
//!                    ──▶ cli (tables, --json) / ui (egui views)
//!                    ──index::Pending::write──▶ FILE's index (the next open reads it instead)
//! ```
//!
//! Data flows one way: [`snapshot`] knows only the file format; [`analysis`] is pure passes over
//! flat arrays, each citing the DevTools function it reproduces; the front ends only ask.
//!
//! # Vocabulary
//!
//! *ordinal* — a node's or edge's row in the columns ([`snapshot::NodeIdx`]);
//! *id* — V8's stable object id (`@123` in the UI);
//! *distance* — BFS depth from the user roots (DevTools' "Distance" column);
//! *retained size* — the bytes freed if a node were gone (its dominator subtree's self sizes);
//! *class key* — what a Summary row and a Comparison row are keyed by.
//!
//! # Contents
//!
//! * [`snapshot`]: reader, writer, builder, columns.
//! * [`analysis`]: every pass and the queries the views use.
//! * [`index`]: the persisted index (open once, reopen without parsing).
//! * [`cli`]: the `heapscope` subcommands.
//! * `capture` (feature `capture`): snapshots of running Node/Chromium processes over the
//!   DevTools protocol.

pub mod analysis;
pub mod bench;
#[cfg(feature = "capture")]
pub mod capture;
pub mod cli;
#[cfg(feature = "demo")]
pub mod demo;
pub mod index;
pub mod progress;
pub mod rss;
#[cfg(any(feature = "demo", feature = "capture"))]
pub mod schedule;
pub mod snapshot;
#[cfg(feature = "gui")]
pub mod ui;
