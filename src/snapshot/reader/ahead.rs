//! The `edges` section read ahead by a second thread.
//!
//! V8 writes `snapshot`, `nodes`, `edges`, `strings` in that order; on a large plain file a helper
//! thread finds `"edges"` ahead (a SIMD search over the digits of `nodes`) and parses it while the
//! main reader parses `nodes`. The main reader takes the helper's columns only if they start where
//! it stands ([`Ahead`]), so the guess can only save time, never change a result. The helper
//! stops within one buffer once loading is cancelled ([`StopOnCancel`]).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::columns::EdgeColumns;
use super::header::{HEADER_LIMIT, resolve_header};
use crate::progress::Progress;
use crate::snapshot::error::{ReadError, Section};
use crate::snapshot::lexer::Lexer;

/// Where the helper thread found `"edges"`, published as soon as it knows.
#[derive(Default)]
pub(super) struct Found {
    /// `None`: still looking; `Some(None)`: gave up; `Some(Some(offset))`: the key's offset.
    pub(super) state: std::sync::Mutex<Option<Option<u64>>>,
    pub(super) ready: std::sync::Condvar,
}

impl Found {
    pub(super) fn publish(&self, at: Option<u64>) {
        if let Ok(mut s) = self.state.lock() {
            *s = Some(at);
        }
        self.ready.notify_all();
    }

    /// Waits until the helper knows whether (and where) it found the key.
    pub(super) fn wait(&self) -> Option<u64> {
        let Ok(mut s) = self.state.lock() else { return None };
        loop {
            if let Some(at) = *s {
                return at;
            }
            s = match self.ready.wait(s) {
                Ok(s) => s,
                Err(_) => return None,
            };
        }
    }
}

/// The main reader's handle on the helper thread.
pub(super) struct Ahead<'a> {
    pub(super) found: &'a Found,
    pub(super) join: Option<Box<dyn FnOnce() -> Option<EdgesAhead> + 'a>>,
}

impl Ahead<'_> {
    /// The helper's result; only called once the helper found the key where the main reader
    /// stands.
    pub(super) fn take(&mut self) -> Option<EdgesAhead> {
        self.join.take().and_then(|j| j())
    }
}

/// The `edges` section, parsed by a thread that went looking for it.
pub(super) struct EdgesAhead {
    /// Offset of the `"edges"` key's opening quote.
    pub(super) key_offset: u64,
    pub(super) result: Result<(EdgeColumns, u64), ReadError>,
}

/// Finds and parses `edges` on its own (V8 writes `snapshot` first and `edges` after `nodes`).
/// `None` when the file does not look like that; the main reader then does it all.
pub(super) fn edges_ahead(path: &Path, size: u64, found: &Found, progress: &dyn Progress) -> Option<EdgesAhead> {
    let result = parse_edges_ahead(path, size, found, progress);
    // Whatever happened, the main reader must not wait forever.
    found.publish(result.as_ref().map(|r| r.key_offset));
    result
}

/// The helper's file, which fails its next read once loading is cancelled: the helper then stops
/// within one buffer (1 MiB) wherever it is, searching or parsing.
pub(super) struct StopOnCancel<'a> {
    pub(super) file: File,
    pub(super) progress: &'a dyn Progress,
}

impl Read for StopOnCancel<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.progress.is_cancelled() {
            return Err(std::io::Error::other("loading was cancelled"));
        }
        self.file.read(buf)
    }
}

pub(super) fn parse_edges_ahead(path: &Path, size: u64, found: &Found, progress: &dyn Progress) -> Option<EdgesAhead> {
    let file = StopOnCancel { file: File::open(path).ok()?, progress };
    let mut lx = Lexer::new(file, false);
    lx.expect(b'{', "'{'").ok()?;
    let mut key = Vec::new();
    lx.string(&mut key).ok()?;
    if key != b"snapshot" {
        return None;
    }
    lx.expect(b':', "':'").ok()?;
    let mut raw = Vec::new();
    lx.capture_value(HEADER_LIMIT, &mut raw).ok()?;
    let h = resolve_header(serde_json::from_slice(&raw).ok()?).ok()?;
    let key_offset = lx.find(b"\"edges\"").ok()??;
    found.publish(Some(key_offset));
    lx.string(&mut key).ok()?;
    lx.expect(b':', "':'").ok()?;
    lx.section = Section::Edges;
    let mut cols = EdgeColumns::with_capacity(&h, Some(size));
    let chunk = (1 << 14) / h.edge_fields.len() * h.edge_fields.len();
    let result = lx.uint_array(chunk, &mut |w, c| cols.feed(&h, w, &c), &mut |_| Ok(())).map(|_| (cols, lx.offset()));
    Some(EdgesAhead { key_offset, result })
}
