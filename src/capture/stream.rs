//! A pipe from a capture to a snapshot reader on another thread, so that a snapshot is parsed
//! while its chunks arrive (issue 12: "parsed as they arrive so the Summary is ready soon after
//! the last chunk") instead of read back from the file once it is complete.
//!
//! [`pipe`] gives a [`ChunkSink`], which [`crate::capture::Attached::take_streaming`] feeds with
//! each `HeapProfiler.addHeapSnapshotChunk` as it writes it to the temporary file, and a
//! [`ChunkReader`], a plain [`Read`] for `snapshot::read_from` on the loader's thread. The reader
//! ends only when the sink is [finished](ChunkSink::finish) — after the file was renamed into
//! place — and fails with a [`StreamAborted`] error when the capture fails, is cancelled or the
//! sink is dropped: then there is no file, and the reader's caller drops what it parsed, so a
//! half-received snapshot is never shown.
//!
//! The pipe is bounded ([`CAPACITY`] chunks of V8's 100 kB): a reader slower than the network
//! slows the capture down instead of holding the whole snapshot in memory. A reader that is gone
//! (its load was cancelled) never blocks the capture: the chunks are then only written to the file.
//!
//! This is DevTools' own arrangement: its front end posts each chunk to the worker's
//! `HeapSnapshotLoader.write()` as it arrives (`HeapSnapshotProfileType.addHeapSnapshotChunk` →
//! `HeapProfileHeader.transferChunk` in `panels/profiler/HeapSnapshotView.ts`).

use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Chunks in flight between the capture and the reader (V8 sends 100 kB chunks: about 25 MB).
pub const CAPACITY: usize = 256;

enum Message {
    Bytes(Vec<u8>),
    End,
    Aborted(String),
}

/// The reader ended because the capture did not complete: there is no file, and what was parsed
/// must be dropped. Found as the source of the reader's I/O error
/// (`io::Error::get_ref()?.downcast_ref::<StreamAborted>()`).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the capture ended before its last chunk: {reason}")]
pub struct StreamAborted {
    pub reason: String,
}

impl StreamAborted {
    /// Whether an I/O error is a [`StreamAborted`].
    pub fn is(error: &std::io::Error) -> bool {
        error.get_ref().is_some_and(|e| e.is::<StreamAborted>())
    }
}

/// A bounded pipe: the capture's end and the reader's end.
pub fn pipe() -> (ChunkSink, ChunkReader) {
    let (tx, rx) = sync_channel(CAPACITY);
    (
        ChunkSink { tx: Some(tx), reader_gone: false, sent: 0 },
        ChunkReader { rx, current: Vec::new(), pos: 0, state: State::Open },
    )
}

/// The capture's end of a [`pipe`]. Dropped without [`ChunkSink::finish`], it aborts the reader.
pub struct ChunkSink {
    tx: Option<SyncSender<Message>>,
    /// The reader was dropped: chunks go only to the file.
    reader_gone: bool,
    sent: u64,
}

impl ChunkSink {
    /// Passes one chunk on (blocking while the pipe is full).
    pub fn send(&mut self, bytes: &[u8]) {
        if self.reader_gone || bytes.is_empty() {
            return;
        }
        if let Some(tx) = &self.tx {
            if tx.send(Message::Bytes(bytes.to_vec())).is_err() {
                self.reader_gone = true;
            } else {
                self.sent += bytes.len() as u64;
            }
        }
    }

    /// Bytes the reader was given so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// The last chunk was sent and the file is complete: the reader reaches its end.
    pub fn finish(mut self) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(Message::End);
        }
    }

    /// The capture failed: the reader fails with [`StreamAborted`] carrying `reason`.
    pub fn abort(mut self, reason: &str) {
        self.abort_with(reason.to_string());
    }

    fn abort_with(&mut self, reason: String) {
        if let Some(tx) = self.tx.take() {
            // Blocks only while the pipe is full and its reader is busy parsing the chunks ahead;
            // fails at once when the reader is gone.
            let _ = tx.send(Message::Aborted(reason));
        }
    }
}

impl Drop for ChunkSink {
    fn drop(&mut self) {
        self.abort_with("the capture stopped".to_string());
    }
}

#[derive(PartialEq)]
enum State {
    Open,
    Ended,
}

/// The reader's end of a [`pipe`]: the snapshot's bytes in order, then the end of the stream
/// once the capture is complete, or an error of kind `ConnectionAborted` whose source is a
/// [`StreamAborted`] if it is not.
pub struct ChunkReader {
    rx: Receiver<Message>,
    current: Vec<u8>,
    pos: usize,
    state: State,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.pos < self.current.len() {
                let n = buf.len().min(self.current.len() - self.pos);
                buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.state == State::Ended || buf.is_empty() {
                return Ok(0);
            }
            let aborted = |reason: String| {
                Err(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, StreamAborted { reason }))
            };
            match self.rx.recv() {
                Ok(Message::Bytes(b)) => {
                    self.current = b;
                    self.pos = 0;
                }
                Ok(Message::End) => self.state = State::Ended,
                Ok(Message::Aborted(reason)) => return aborted(reason),
                Err(_) => return aborted("the capture stopped".to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_arrive_in_order_and_end_only_when_finished() {
        let (mut sink, mut reader) = pipe();
        let t = std::thread::spawn(move || {
            let mut all = Vec::new();
            reader.read_to_end(&mut all).map(|_| all)
        });
        for part in [&b"{\"snap"[..], b"", b"shot\":", b"{}}"] {
            sink.send(part);
        }
        sink.finish();
        assert_eq!(t.join().unwrap().unwrap(), b"{\"snapshot\":{}}");
    }

    #[test]
    fn an_aborted_or_dropped_sink_fails_the_reader() {
        let (mut sink, mut reader) = pipe();
        sink.send(b"{\"nodes\":[1,2");
        sink.abort("process 7 exited");
        let mut all = Vec::new();
        let e = reader.read_to_end(&mut all).unwrap_err();
        assert!(StreamAborted::is(&e));
        assert_eq!(e.kind(), std::io::ErrorKind::ConnectionAborted);
        assert!(e.to_string().contains("process 7 exited"), "{e}");
        assert_eq!(all, b"{\"nodes\":[1,2");

        let (sink, mut reader) = pipe();
        drop(sink);
        assert!(StreamAborted::is(&reader.read(&mut [0; 8]).unwrap_err()));
    }

    #[test]
    fn a_gone_reader_never_blocks_the_capture() {
        let (mut sink, reader) = pipe();
        drop(reader);
        for _ in 0..CAPACITY * 2 {
            sink.send(b"x");
        }
        assert_eq!(sink.sent(), 0);
        sink.finish();
    }
}
