//! Gzip decompression on its own thread, so that inflating and parsing run at once.
//!
//! On a `.heapsnapshot.gz` the reader's thread would otherwise alternate between the two, and
//! each is about half of the reading time. [`inflate_in_background`] moves the decoder to a
//! second thread that fills 1 MiB blocks and hands them over a bounded channel (a few blocks in
//! flight, buffers recycled); [`InflatedBlocks`] is the `Read` the lexer sees. Bytes arrive in
//! order, and a decoder error arrives after every byte decoded before it, so error offsets are
//! the same as with the decoder read in place.

use std::io::{BufRead, ErrorKind, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

const BLOCK_SIZE: usize = 1 << 20;

/// A gzip file, member after member (as `gzip -d` reads concatenated files), that may end in
/// zero bytes: tape and block devices pad files with zeros, and `gzip -d` accepts them. Anything
/// else after a member must be another member.
pub struct GzipMembers<R: BufRead> {
    member: Option<flate2::bufread::GzDecoder<R>>,
}

impl<R: BufRead> GzipMembers<R> {
    pub fn new(input: R) -> GzipMembers<R> {
        GzipMembers { member: Some(flate2::bufread::GzDecoder::new(input)) }
    }
}

impl<R: BufRead> Read for GzipMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let Some(member) = self.member.as_mut() else { return Ok(0) };
            let n = member.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // The member ended: what follows decides.
            let mut input = self.member.take().map(flate2::bufread::GzDecoder::into_inner);
            let Some(inner) = input.as_mut() else { return Ok(0) };
            let head = inner.fill_buf()?;
            match head.first() {
                None => return Ok(0),
                Some(0) => loop {
                    let block = inner.fill_buf()?;
                    if block.is_empty() {
                        return Ok(0);
                    }
                    if block.iter().any(|&b| b != 0) {
                        return Err(std::io::Error::new(
                            ErrorKind::InvalidData,
                            "bytes other than zero padding after the last gzip member",
                        ));
                    }
                    let len = block.len();
                    inner.consume(len);
                },
                Some(_) => self.member = input.map(flate2::bufread::GzDecoder::new),
            }
        }
    }
}
/// Blocks decoded ahead of the parser.
const BLOCKS_AHEAD: usize = 4;

/// The decompressed stream, block by block, as the inflating thread sends it.
pub struct InflatedBlocks {
    blocks: Receiver<std::io::Result<Vec<u8>>>,
    spare: SyncSender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
    finished: bool,
}

impl Read for InflatedBlocks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.current.len() {
            if self.finished {
                return Ok(0);
            }
            match self.blocks.recv() {
                Ok(Ok(block)) => {
                    let used = std::mem::replace(&mut self.current, block);
                    self.pos = 0;
                    // The inflater may have stopped; a lost buffer is only an allocation.
                    let _ = self.spare.try_send(used);
                }
                Ok(Err(e)) => {
                    self.finished = true;
                    return Err(e);
                }
                // The inflater reached the end of the stream and hung up.
                Err(_) => self.finished = true,
            }
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Starts inflating `decoder` on a thread of `scope`. The thread stops at the end of the stream,
/// at the first error (sent after the bytes before it), or when the returned reader is dropped.
pub fn inflate_in_background<'scope, D: Read + Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    decoder: D,
) -> InflatedBlocks {
    let (block_tx, block_rx) = sync_channel(BLOCKS_AHEAD);
    let (spare_tx, spare_rx) = sync_channel(BLOCKS_AHEAD + 2);
    scope.spawn(move || inflate(decoder, &block_tx, &spare_rx));
    InflatedBlocks { blocks: block_rx, spare: spare_tx, current: Vec::new(), pos: 0, finished: false }
}

fn inflate(mut decoder: impl Read, blocks: &SyncSender<std::io::Result<Vec<u8>>>, spare: &Receiver<Vec<u8>>) {
    loop {
        let mut block = spare.try_recv().unwrap_or_default();
        block.resize(BLOCK_SIZE, 0);
        let mut filled = 0;
        let outcome = loop {
            match decoder.read(&mut block[filled..]) {
                Ok(0) => break Ok(true),
                Ok(n) => {
                    filled += n;
                    if filled == block.len() {
                        break Ok(false);
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        block.truncate(filled);
        if filled > 0 && blocks.send(Ok(block)).is_err() {
            return; // the parser is done with the stream
        }
        match outcome {
            Ok(false) => {}
            Ok(true) => return,
            Err(e) => {
                let _ = blocks.send(Err(e));
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that yields `data` in odd-sized pieces, then fails.
    struct Faulty {
        data: Vec<u8>,
        pos: usize,
    }

    impl Read for Faulty {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.pos == self.data.len() {
                return Err(std::io::Error::new(ErrorKind::InvalidData, "corrupt deflate stream"));
            }
            let n = buf.len().min(self.data.len() - self.pos).min(777_777);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    #[test]
    fn every_byte_in_order_then_the_end() {
        let data: Vec<u8> = (0..5_000_000u32).map(|i| (i % 251) as u8).collect();
        let got = std::thread::scope(|scope| {
            let mut out = Vec::new();
            inflate_in_background(scope, &data[..]).read_to_end(&mut out).unwrap();
            out
        });
        assert_eq!(got, data);
    }

    #[test]
    fn an_error_comes_after_the_bytes_before_it() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 13) as u8).collect();
        std::thread::scope(|scope| {
            let mut reader = inflate_in_background(scope, Faulty { data: data.clone(), pos: 0 });
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            let err = loop {
                match reader.read(&mut buf) {
                    Ok(0) => panic!("an error was expected"),
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                    Err(e) => break e,
                }
            };
            assert_eq!(err.kind(), ErrorKind::InvalidData);
            assert_eq!(got, data);
        });
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn gzip_members_then_zero_padding_like_gzip_d() {
        let mut file = gzip(b"hello ");
        file.extend(gzip(b"world"));
        file.extend(vec![0u8; 70_000]);
        let mut out = Vec::new();
        GzipMembers::new(std::io::BufReader::new(&file[..])).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"hello world");
        // Not padding: garbage after zeros, or a member that is not gzip.
        for tail in [&[0u8, 0, 7][..], b"xyz"] {
            let mut bad = gzip(b"hello");
            bad.extend_from_slice(tail);
            let mut out = Vec::new();
            assert!(GzipMembers::new(std::io::BufReader::new(&bad[..])).read_to_end(&mut out).is_err(), "{tail:?}");
        }
    }

    #[test]
    fn dropping_the_reader_stops_the_thread() {
        // An endless stream: the scope can only end if the inflater notices the reader is gone.
        std::thread::scope(|scope| {
            let mut reader = inflate_in_background(scope, std::io::repeat(b'x'));
            let mut buf = [0u8; 10];
            reader.read_exact(&mut buf).unwrap();
        });
    }
}
