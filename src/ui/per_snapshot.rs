//! A value computed for one snapshot on a worker thread and kept while that snapshot is shown:
//! the Dominators view's children lists, the flame chart. The result carries the identity of the
//! snapshot it was computed for; a result for another snapshot is never returned, and asking for
//! a new snapshot drops the job of the old one. The identity (`K`) may be more than one
//! snapshot's: the Trends are for a list of snapshots, the merged paths for a snapshot, a base,
//! a class and the ignored retainers.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};

use super::app::SnapshotId;

pub struct PerSnapshot<T, K = SnapshotId> {
    done: Option<(K, Arc<T>)>,
    job: Option<(K, Receiver<T>)>,
}

/// What [`PerSnapshot::get_or_start`] found.
pub enum Ready<T> {
    /// Computed earlier.
    Kept(Arc<T>),
    /// Arrived this frame: the caller resets what depended on the previous value.
    Arrived(Arc<T>),
    /// Being computed.
    Pending,
}

impl<T: Send + 'static, K: PartialEq> PerSnapshot<T, K> {
    pub fn new() -> PerSnapshot<T, K> {
        PerSnapshot { done: None, job: None }
    }

    /// The value for snapshot `id`, or starts computing it with `build` on a worker (which asks
    /// `ctx` for a repaint when done).
    pub fn get_or_start(&mut self, id: K, ctx: &egui::Context, build: impl FnOnce() -> T + Send + 'static) -> Ready<T> {
        if let Some((sid, value)) = &self.done
            && *sid == id
        {
            return Ready::Kept(value.clone());
        }
        if let Some((sid, rx)) = &self.job {
            if *sid == id {
                match rx.try_recv() {
                    Ok(value) => {
                        let value = Arc::new(value);
                        self.job = None;
                        self.done = Some((id, value.clone()));
                        return Ready::Arrived(value);
                    }
                    Err(TryRecvError::Empty) => return Ready::Pending,
                    Err(TryRecvError::Disconnected) => self.job = None,
                }
            } else {
                self.job = None;
            }
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let _ = tx.send(build());
            ctx.request_repaint();
        });
        self.job = Some((id, rx));
        Ready::Pending
    }

    /// Blocks until the running job (if any) is done; whether a value arrived (tests).
    pub fn wait(&mut self) -> bool {
        if let Some((id, rx)) = self.job.take()
            && let Ok(value) = rx.recv()
        {
            self.done = Some((id, Arc::new(value)));
            return true;
        }
        false
    }

    pub fn is_busy(&self) -> bool {
        self.job.is_some()
    }

    /// The last value computed, whichever snapshot it is for.
    pub fn last(&self) -> Option<&Arc<T>> {
        self.done.as_ref().map(|(_, v)| v)
    }
}

impl<T: Send + 'static, K: PartialEq> Default for PerSnapshot<T, K> {
    fn default() -> Self {
        Self::new()
    }
}
