//! Staged progress and cancellation, shared by the reader and the analyses.
//!
//! Loading a 1 GB snapshot takes seconds; the GUI shows which stage runs and how far it is,
//! like DevTools' "Building dominator tree…", and can cancel. Each stage reports a fraction in
//! `0.0..=1.0`; [`Phase::weight`] turns stages into one overall percentage.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// A loading stage, in the order [`crate::snapshot::read_file`] and
/// [`crate::analysis::Analysis::run`] report them.
///
/// Only the passes on `Analysis::run`'s reporting thread are phases: shallow sizes, distances
/// and class names run on the second thread meanwhile (during Flags … Dominators) and report
/// nothing, so they have no phase of their own (a phase that is never reported would make the
/// bar jump; one listed out of order would make it go backwards).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    Reading,
    DomState,
    Flags,
    Retainers,
    Dominators,
    RetainedSizes,
    Aggregates,
    Statistics,
    Done,
}

impl Phase {
    /// Every phase, in the order they are reported.
    pub const ALL: [Phase; 9] = [
        Phase::Reading,
        Phase::DomState,
        Phase::Flags,
        Phase::Retainers,
        Phase::Dominators,
        Phase::RetainedSizes,
        Phase::Aggregates,
        Phase::Statistics,
        Phase::Done,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Phase::Reading => "Reading snapshot",
            Phase::DomState => "Propagating DOM state",
            Phase::Flags => "Marking page-owned objects",
            Phase::Retainers => "Building retainers",
            Phase::Dominators => "Building dominator tree",
            Phase::RetainedSizes => "Calculating retained sizes",
            Phase::Aggregates => "Aggregating classes",
            Phase::Statistics => "Calculating statistics",
            Phase::Done => "Finished",
        }
    }

    /// Rough share of total load time (wall clock, the second thread's passes overlapping
    /// Flags … Dominators), measured on the tutorial snapshots.
    pub fn weight(self) -> f32 {
        match self {
            Phase::Reading => 0.55,
            Phase::DomState => 0.02,
            Phase::Flags => 0.06,
            Phase::Retainers => 0.06,
            Phase::Dominators => 0.20,
            Phase::RetainedSizes => 0.02,
            Phase::Aggregates => 0.07,
            Phase::Statistics => 0.02,
            Phase::Done => 0.0,
        }
    }

    /// Overall fraction done when `self` is `fraction` done.
    pub fn overall(self, fraction: f32) -> f32 {
        let mut before = 0.0;
        for p in Phase::ALL {
            if p == self {
                return (before + p.weight() * fraction.clamp(0.0, 1.0)).min(1.0);
            }
            before += p.weight();
        }
        1.0
    }
}

/// Receives progress; may ask the work to stop.
pub trait Progress: Sync {
    fn report(&self, phase: Phase, fraction: f32);
    /// Polled between chunks of work; `true` makes the work return a cancellation error.
    fn is_cancelled(&self) -> bool {
        false
    }
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn report(&self, _phase: Phase, _fraction: f32) {}
}

/// Progress kept in atomics, for a UI thread to poll, with a cancel flag.
#[derive(Default)]
pub struct SharedProgress {
    phase: Mutex<Option<Phase>>,
    /// Fraction in millionths.
    fraction: AtomicU32,
    cancel: AtomicBool,
}

impl SharedProgress {
    pub fn new() -> SharedProgress {
        SharedProgress::default()
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// The current phase and its fraction.
    pub fn get(&self) -> (Option<Phase>, f32) {
        let phase = self.phase.lock().map(|p| *p).unwrap_or(None);
        (phase, self.fraction.load(Ordering::Relaxed) as f32 / 1e6)
    }
}

impl Progress for SharedProgress {
    fn report(&self, phase: Phase, fraction: f32) {
        if let Ok(mut p) = self.phase.lock() {
            *p = Some(phase);
        }
        self.fraction.store((fraction.clamp(0.0, 1.0) * 1e6) as u32, Ordering::Relaxed);
    }

    fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_add_up_to_one_and_overall_is_monotonic() {
        let total: f32 = Phase::ALL.iter().map(|p| p.weight()).sum();
        assert!((total - 1.0).abs() < 1e-4, "{total}");
        let mut last = 0.0;
        for p in Phase::ALL {
            for f in [0.0, 0.5, 1.0] {
                let o = p.overall(f);
                assert!(o >= last - 1e-6);
                last = o;
            }
        }
    }
}
