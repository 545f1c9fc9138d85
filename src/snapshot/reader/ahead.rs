//! The `edges` section read ahead by a second thread.
//!
//! V8 writes `snapshot`, `nodes`, `edges`, `strings` in that order; on a large plain file a helper
//! thread finds `"edges"` ahead (a SIMD search over the digits of `nodes`) and parses it while the
//! main reader parses `nodes`. The main reader takes the helper's columns only if they start where
//! it stands ([`Ahead`]), so the guess can only save time, never change a result. The helper
//! stops within one buffer once loading is cancelled ([`StopOnCancel`]).
//!
//! `edges` is most of the file (58 % of V8's), so the main reader, done with `nodes`, `strings`
//! and the rest, used to wait for the helper (0.4–1.2 s at 1 GB). It now reads the second half of
//! what the helper has left itself ([`Ahead::take_with_rest`]): the header's `edge_count` says
//! which field a value is from the number of values after it, so it starts at a record's first
//! value, and the two sets of columns are joined. Anything that does not fit (a damaged array) is
//! read again whole, as one reader reads it: the results and errors are the one-thread reader's
//! (`tests/properties.rs`, and the `read_two` fuzz target at any take-over point).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::columns::EdgeColumns;
use super::header::{HEADER_LIMIT, Header, resolve_header};
use crate::progress::Progress;
use crate::snapshot::error::{ReadError, ReadErrorKind, Section};
use crate::snapshot::lexer::{Lexer, Tick, UintChunk};

/// Where the helper is in `edges`, and from where the main reader takes the rest over
/// ([`Ahead::take_with_rest`]). V8 writes `edges` as 58 % of the file, so the helper used to
/// finish long after the main reader was done with `nodes` and `strings`.
#[derive(Default)]
pub(super) struct Split {
    state: std::sync::Mutex<SplitState>,
    released: std::sync::Condvar,
    /// For tests: the helper waits before its first value until the main reader has planned,
    /// which then takes over from this fraction of the array (any byte, whatever the timing).
    pub(super) forced: Option<f64>,
}

impl Split {
    /// A split the tests drive: see [`Split::forced`].
    pub(super) fn forced_at(fraction: f64) -> Split {
        Split { forced: Some(fraction), ..Split::default() }
    }

    /// Lets a held helper go on (called once the main reader planned, and when it gives up).
    pub(super) fn release(&self) {
        if let Ok(mut st) = self.state.lock() {
            st.released = true;
        }
        self.released.notify_all();
    }

    fn wait_for_release(&self) {
        if self.forced.is_none() {
            return;
        }
        let Ok(mut st) = self.state.lock() else { return };
        while !st.released {
            st = match self.released.wait(st) {
                Ok(st) => st,
                Err(_) => return,
            };
        }
    }
}

#[derive(Default)]
struct SplitState {
    /// Every value the helper has given its columns starts before this offset.
    fed_to: u64,
    /// Values from this offset on are the main reader's.
    stop: Option<u64>,
    /// The helper is done with the array, however it ended: nothing to take over.
    done: bool,
    /// See [`Split::forced`].
    released: bool,
}

/// Taking over less than this is not worth a second pass over the bytes.
const MIN_TAKE_OVER: u64 = 4 << 20;

/// The part of `edges` the main reader takes over: from the value at byte `start`, which is the
/// `first_value`-th of the array and a record's first field.
struct Rest {
    start: u64,
    first_value: u64,
}

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
    pub(super) split: &'a Split,
    pub(super) path: &'a Path,
    pub(super) size: u64,
    pub(super) progress: &'a dyn Progress,
    pub(super) join: Option<Box<dyn FnOnce() -> Option<EdgesAhead> + 'a>>,
}

impl Drop for Ahead<'_> {
    /// A held helper ([`Split::forced`]) must not wait for a plan that never comes.
    fn drop(&mut self) {
        self.split.release();
    }
}

impl Ahead<'_> {
    /// The helper's result; only called once the helper found the key where the main reader
    /// stands.
    pub(super) fn take(&mut self) -> Option<EdgesAhead> {
        self.join.take().and_then(|j| j())
    }

    /// [`Ahead::take`], once this thread, done with its own sections, has read the end of the
    /// array itself when the helper still had far to go (`close`: the offset of the array's `]`).
    ///
    /// The header gives the array's length, so the values counted from a byte offset to the
    /// end say which field each is: this thread starts at a record's first field, the helper
    /// stops just before it, and the two sets of columns are joined. The guess can only save
    /// time: if the counts, the records or either read disagree, the whole array is read again
    /// as one reader reads it, with its errors at their offsets.
    pub(super) fn take_with_rest(&mut self, h: &Header, close: u64, tick: &mut Tick<'_>) -> Option<EdgesAhead> {
        let started = std::time::Instant::now();
        let rest = self.plan_rest(h, close);
        self.split.release();
        let Some(rest) = rest else { return self.take() };
        let trace = |what: &str| {
            if std::env::var_os("HEAPSCOPE_TRACE").is_some() {
                eprintln!("[read] {what} at {:.3}s after planning", started.elapsed().as_secs_f64());
            }
        };
        trace(&format!("edges from byte {} on taken over", rest.start));
        let ef = h.edge_fields.len().max(1) as u64;
        let records = (h.edge_count.saturating_mul(ef).saturating_sub(rest.first_value) / ef) as usize;
        let mine = read_rest(
            self.path,
            self.progress,
            rest.start,
            h,
            EdgeColumns::starting_at(rest.first_value, records),
            tick,
        );
        trace("this thread's part read");
        let mut helper = self.take()?;
        trace("the helper's part read");
        let stopped = helper.stopped;
        let joined = match (&mut helper.result, mine) {
            // An error before the rest is the file's first; a helper that ended before it saw
            // the plan read it all.
            (Err(_), _) => true,
            (Ok(_), _) if !stopped => true,
            (Ok((cols, end)), Ok((tail, tail_end))) => {
                *end == rest.start && cols.append(tail, rest.first_value) && {
                    *end = tail_end;
                    true
                }
            }
            _ => false,
        };
        if !joined {
            // The parts do not fit (a damaged array): read it all again as one reader does, for
            // its exact columns or error.
            helper.result = read_whole(self.path, self.size, self.progress, helper.key_offset, h, tick);
        }
        Some(helper)
    }

    /// Where this thread takes over: half of what the helper has left, from a record's first
    /// value; the helper is told to stop there. `None` when the helper is (nearly) done.
    fn plan_rest(&self, h: &Header, close: u64) -> Option<Rest> {
        let fed_to = {
            let st = self.split.state.lock().ok()?;
            if st.done || st.stop.is_some() {
                return None;
            }
            st.fed_to
        };
        let left = close.checked_sub(fed_to)?;
        let from = match self.split.forced {
            Some(f) => {
                let open = self.found.wait()?;
                open + ((close.saturating_sub(open)) as f64 * f.clamp(0.0, 1.0)) as u64
            }
            None if left < MIN_TAKE_OVER => return None,
            None => close - left / 2,
        };
        let ef = h.edge_fields.len() as u64;
        // The values that start after the first comma from there: one more than the commas
        // after it.
        let (after_comma, commas, value_starts) = commas_after(self.path, from, close, ef as usize)?;
        let count = commas + 1;
        let first = h.edge_count.checked_mul(ef)?.checked_sub(count)?;
        // Skip to the first value that begins a record.
        let skip = (ef - first % ef) % ef;
        let start = if skip == 0 { after_comma } else { *value_starts.get(skip as usize - 1)? };
        let mut st = self.split.state.lock().ok()?;
        if st.done || st.fed_to > start {
            return None;
        }
        st.stop = Some(start);
        Some(Rest { start, first_value: first + skip })
    }
}

fn chunk_len(h: &Header) -> usize {
    (1 << 14) / h.edge_fields.len() * h.edge_fields.len()
}

/// Reads the values of `edges` from `start` (a value's first digit) to its `]` into `cols`; the
/// columns and the offset after the `]`.
fn read_rest(
    path: &Path,
    progress: &dyn Progress,
    start: u64,
    h: &Header,
    mut cols: EdgeColumns,
    tick: &mut Tick<'_>,
) -> Result<(EdgeColumns, u64), ReadError> {
    let mut lx = lexer_at(path, progress, start)?;
    lx.uint_array_rest(chunk_len(h), &mut |w, c| cols.feed(h, w, &c), tick)?;
    Ok((cols, lx.offset()))
}

/// Reads `edges` whole from its key at `key_offset`, as the one-thread reader does.
fn read_whole(
    path: &Path,
    size: u64,
    progress: &dyn Progress,
    key_offset: u64,
    h: &Header,
    tick: &mut Tick<'_>,
) -> Result<(EdgeColumns, u64), ReadError> {
    let mut lx = lexer_at(path, progress, key_offset)?;
    let mut key = Vec::new();
    lx.string(&mut key)?;
    lx.expect(b':', "':' after a key")?;
    lx.section = Section::Edges;
    let mut cols = EdgeColumns::with_capacity(h, Some(size));
    lx.uint_array(chunk_len(h), &mut |w, c| cols.feed(h, w, &c), tick)?;
    Ok((cols, lx.offset()))
}

/// A lexer over the file from `offset`, in `edges`.
fn lexer_at<'p>(path: &Path, progress: &'p dyn Progress, offset: u64) -> Result<Lexer<StopOnCancel<'p>>, ReadError> {
    let io = |e: std::io::Error| ReadError {
        kind: ReadErrorKind::Io(e),
        section: Section::Edges,
        offset,
        decompressed: false,
    };
    let mut file = File::open(path).map_err(io)?;
    file.seek(SeekFrom::Start(offset)).map_err(io)?;
    let mut lx = Lexer::starting_at(StopOnCancel { file, progress }, offset, false);
    lx.section = Section::Edges;
    Ok(lx)
}

/// From the first comma at or after `from` to `close`: the offset after that comma (where the
/// next value starts, past any blanks), the commas after it, and the starts of the first `want`
/// values after it. `None` if there is no comma or the file cannot be read.
fn commas_after(path: &Path, from: u64, close: u64, want: usize) -> Option<(u64, u64, Vec<u64>)> {
    let mut file = File::open(path).ok()?;
    file.seek(SeekFrom::Start(from)).ok()?;
    let mut buf = vec![0u8; 1 << 20];
    let mut at = from;
    let mut first: Option<u64> = None;
    let mut commas = 0u64;
    let mut starts = Vec::new();
    // A value's start is the first non-blank byte after a comma.
    let mut after_comma = false;
    while at < close {
        let n = file.read(&mut buf[..((close - at) as usize).min(1 << 20)]).ok()?;
        if n == 0 {
            return None;
        }
        let bytes = &buf[..n];
        let mut i = 0;
        // Until the first comma and the first few values, byte by byte; then commas only.
        while i < n && (first.is_none() || starts.len() < want || after_comma) {
            let b = bytes[i];
            if after_comma && !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                after_comma = false;
                match first {
                    None => first = Some(at + i as u64),
                    Some(_) => starts.push(at + i as u64),
                }
            }
            if b == b',' {
                if first.is_some() {
                    commas += 1;
                }
                after_comma = true;
            }
            i += 1;
        }
        commas += memchr::memchr_iter(b',', &bytes[i..]).count() as u64;
        at += n as u64;
    }
    // Commas counted include the one before each counted start, after the first value.
    Some((first?, commas, starts))
}

/// The `edges` section, parsed by a thread that went looking for it.
pub(super) struct EdgesAhead {
    /// Offset of the `"edges"` key's opening quote.
    pub(super) key_offset: u64,
    pub(super) result: Result<(EdgeColumns, u64), ReadError>,
    /// It stopped where the main reader took the rest over (the result ends there).
    pub(super) stopped: bool,
}

/// Finds and parses `edges` on its own (V8 writes `snapshot` first and `edges` after `nodes`).
/// `None` when the file does not look like that; the main reader then does it all.
pub(super) fn edges_ahead(
    path: &Path,
    size: u64,
    found: &Found,
    split: &Split,
    progress: &dyn Progress,
) -> Option<EdgesAhead> {
    let result = parse_edges_ahead(path, size, found, split, progress);
    // Whatever happened, the main reader must not wait forever, nor plan to take over.
    found.publish(result.as_ref().map(|r| r.key_offset));
    if let Ok(mut st) = split.state.lock() {
        st.done = true;
    }
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

pub(super) fn parse_edges_ahead(
    path: &Path,
    size: u64,
    found: &Found,
    split: &Split,
    progress: &dyn Progress,
) -> Option<EdgesAhead> {
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
    split.wait_for_release();
    let mut cols = EdgeColumns::with_capacity(&h, Some(size));
    // Set when the main reader took the rest over: the values from there on are its own.
    let mut stopped_at = None;
    let result = lx.uint_array(
        chunk_len(&h),
        &mut |w, c| {
            // Before each chunk: tell how far the values given go, or learn where to stop.
            let stop = match split.state.lock() {
                Ok(mut st) => {
                    if st.stop.is_none() {
                        st.fed_to = w.offset;
                    }
                    st.stop
                }
                Err(_) => None,
            };
            let Some(stop) = stop else { return cols.feed(&h, w, &c) };
            let keep = (0..c.values.len()).take_while(|&i| c.offset_of(i) < stop).count();
            if keep == c.values.len() {
                return cols.feed(&h, w, &c);
            }
            cols.feed(&h, w, &UintChunk { values: &c.values[..keep], offsets: &c.offsets[..keep], base: c.base })?;
            // Where it stops: the first value it leaves, `stop` itself when the plan holds.
            stopped_at = Some(c.offset_of(keep));
            // Ends the array here (the error is not reported: see `stopped_at`).
            Err(w.error(ReadErrorKind::Cancelled))
        },
        &mut |_| Ok(()),
    );
    let result = match (result, stopped_at) {
        (_, Some(stop)) => Ok((cols, stop)),
        (result, None) => result.map(|_| (cols, lx.offset())),
    };
    Some(EdgesAhead { key_offset, result, stopped: stopped_at.is_some() })
}
