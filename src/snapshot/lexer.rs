//! A streaming JSON lexer specialised for heap snapshots.
//!
//! A snapshot is one JSON object whose bulk is two arrays of non-negative integers (`nodes`,
//! `edges`) and one array of strings. Building a generic JSON tree would cost several times the
//! file in memory (the `serde` lower bound in `../shared/bench` needs over 10×), so this lexer
//! reads through a fixed buffer and hands integers out in chunks that the reader scatters
//! straight into columns. Everything else (the small `snapshot` header, unknown sections) is
//! either captured as raw bytes for `serde_json` or skipped without being stored.
//!
//! Like DevTools' `HeapSnapshotLoader`, it never holds more than a buffer of text; unlike it, it
//! is strict: a character that does not belong is an error with its byte offset, not skipped.

use std::io::Read;

use super::error::{ReadError, ReadErrorKind, Section};

const BUFFER_SIZE: usize = 1 << 20;

/// Byte-level reader with one-token lookahead and exact offsets.
pub struct Lexer<R> {
    inner: R,
    buf: Box<[u8]>,
    /// Unread bytes are `buf[pos..end]`.
    pos: usize,
    end: usize,
    /// Offset of `buf[0]` in the stream.
    base: u64,
    eof: bool,
    pub section: Section,
    decompressed: bool,
}

/// Integers parsed from an array, with the offset of each (for error messages).
/// Receives each chunk of integers.
pub type UintSink<'s> = dyn FnMut(&Where, UintChunk<'_>) -> Result<(), ReadError> + 's;
/// Receives each string.
pub type StringSink<'s> = dyn FnMut(&Where, &str) -> Result<(), ReadError> + 's;
/// Runs between chunks (progress, cancellation).
pub type Tick<'s> = dyn FnMut(&Where) -> Result<(), ReadError> + 's;

/// Where the lexer is: enough to build a [`ReadError`] without borrowing the lexer.
#[derive(Clone, Debug)]
pub struct Where {
    pub section: Section,
    pub decompressed: bool,
    pub offset: u64,
}

impl Where {
    pub fn error(&self, kind: ReadErrorKind) -> ReadError {
        self.error_at(self.offset, kind)
    }

    pub fn error_at(&self, offset: u64, kind: ReadErrorKind) -> ReadError {
        ReadError { kind, section: self.section.clone(), offset, decompressed: self.decompressed }
    }
}

pub struct UintChunk<'a> {
    pub values: &'a [u32],
    /// `offsets[i]` is the byte offset of `values[i]` relative to `base`.
    pub offsets: &'a [u32],
    pub base: u64,
}

impl UintChunk<'_> {
    pub fn offset_of(&self, i: usize) -> u64 {
        self.base + u64::from(self.offsets.get(i).copied().unwrap_or(0))
    }
}

fn describe(b: Option<u8>) -> String {
    match b {
        None => "the end of the file".to_string(),
        Some(b) if b.is_ascii_graphic() || b == b' ' => format!("'{}'", b as char),
        Some(b) => format!("byte 0x{b:02x}"),
    }
}

impl<R> Lexer<R> {
    pub fn new(inner: R, decompressed: bool) -> Lexer<R> {
        Lexer::starting_at(inner, 0, decompressed)
    }

    /// A lexer over `inner`, whose first byte is at `offset` of the file: offsets in errors are
    /// the file's.
    pub fn starting_at(inner: R, offset: u64, decompressed: bool) -> Lexer<R> {
        Lexer {
            inner,
            buf: vec![0u8; BUFFER_SIZE].into_boxed_slice(),
            pos: 0,
            end: 0,
            base: offset,
            eof: false,
            section: Section::TopLevel,
            decompressed,
        }
    }

    /// Offset of the next unread byte.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub fn error(&self, kind: ReadErrorKind) -> ReadError {
        self.error_at(self.offset(), kind)
    }

    /// Whether the bytes come out of gzip (offsets are then the decompressed stream's).
    pub fn decompressed(&self) -> bool {
        self.decompressed
    }

    pub fn here(&self) -> Where {
        Where { section: self.section.clone(), decompressed: self.decompressed, offset: self.offset() }
    }

    pub fn error_at(&self, offset: u64, kind: ReadErrorKind) -> ReadError {
        ReadError { kind, section: self.section.clone(), offset, decompressed: self.decompressed }
    }
}

impl<R: Read> Lexer<R> {
    fn io_error(&self, e: std::io::Error) -> ReadError {
        // flate2 reports a truncated or corrupt gzip member as an io::Error from `read`.
        let kind = if self.decompressed
            && matches!(
                e.kind(),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData
            ) {
            ReadErrorKind::Gzip(e)
        } else {
            ReadErrorKind::Io(e)
        };
        self.error(kind)
    }

    /// Reads more input, keeping the unread bytes. Returns `false` at the end of input.
    fn fill(&mut self) -> Result<bool, ReadError> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.base += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
        }
        while self.end < self.buf.len() {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    self.end += n;
                    // Enough to make progress; don't block for a full buffer.
                    if self.end >= 64 {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io_error(e)),
            }
        }
        Ok(self.pos < self.end)
    }

    /// Makes at least `n` bytes available if the input has them.
    fn ensure(&mut self, n: usize) -> Result<(), ReadError> {
        while self.end - self.pos < n && !self.eof {
            self.fill()?;
        }
        Ok(())
    }

    pub fn peek(&mut self) -> Result<Option<u8>, ReadError> {
        if self.pos == self.end && !self.fill()? {
            return Ok(None);
        }
        Ok(Some(self.buf[self.pos]))
    }

    pub fn bump(&mut self) {
        if self.pos < self.end {
            self.pos += 1;
        }
    }

    pub fn skip_ws(&mut self) -> Result<(), ReadError> {
        loop {
            while self.pos < self.end {
                match self.buf[self.pos] {
                    b' ' | b'\n' | b'\r' | b'\t' => self.pos += 1,
                    _ => return Ok(()),
                }
            }
            if !self.fill()? {
                return Ok(());
            }
        }
    }

    /// Skips whitespace and returns the next byte without consuming it.
    pub fn peek_token(&mut self) -> Result<Option<u8>, ReadError> {
        self.skip_ws()?;
        self.peek()
    }

    /// Skips whitespace, then consumes `byte` or fails naming `expected`.
    pub fn expect(&mut self, byte: u8, expected: &'static str) -> Result<(), ReadError> {
        match self.peek_token()? {
            Some(b) if b == byte => {
                self.pos += 1;
                Ok(())
            }
            None => Err(self.error(ReadErrorKind::UnexpectedEof { expected })),
            found => Err(self.error(ReadErrorKind::Syntax { expected, found: describe(found) })),
        }
    }

    pub fn syntax(&self, expected: &'static str, found: Option<u8>) -> ReadError {
        match found {
            None => self.error(ReadErrorKind::UnexpectedEof { expected }),
            found => self.error(ReadErrorKind::Syntax { expected, found: describe(found) }),
        }
    }

    /// The length of the string that starts at `pos` when all of it, to its closing quote, is in
    /// the buffer and it has no escape and no control byte: then it can be handed on from the
    /// buffer as it is, without [`Lexer::string`]'s copy. Most of V8's strings are such.
    fn plain_string_len(&self) -> Option<usize> {
        let rest = self.buf.get(self.pos..self.end)?;
        if rest.first() != Some(&b'"') {
            return None;
        }
        let len = memchr::memchr2(b'"', b'\\', &rest[1..])?;
        let body = &rest[1..1 + len];
        if rest[1 + len] != b'"' || body.iter().fold(false, |control, &b| control | (b < 0x20)) {
            return None;
        }
        Some(len)
    }

    /// Reads a JSON string (the opening quote is next) into `out`, decoding escapes.
    /// Invalid UTF-8 and lone surrogates become U+FFFD.
    pub fn string(&mut self, out: &mut Vec<u8>) -> Result<(), ReadError> {
        out.clear();
        self.expect(b'"', "a string")?;
        loop {
            // Copy the run of plain bytes in one go.
            let start = self.pos;
            while self.pos < self.end {
                let b = self.buf[self.pos];
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.extend_from_slice(&self.buf[start..self.pos]);
            if self.pos == self.end {
                if !self.fill()? {
                    return Err(self.error(ReadErrorKind::UnexpectedEof { expected: "the end of a string" }));
                }
                continue;
            }
            match self.buf[self.pos] {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                b'\\' => {
                    self.pos += 1;
                    self.escape(out)?;
                }
                b => {
                    return Err(self.error(ReadErrorKind::Syntax {
                        expected: "a string character (control characters must be escaped)",
                        found: describe(Some(b)),
                    }));
                }
            }
        }
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), ReadError> {
        let Some(b) = self.peek()? else {
            return Err(self.error(ReadErrorKind::UnexpectedEof { expected: "an escape sequence" }));
        };
        self.pos += 1;
        let simple = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let unit = self.hex4()?;
                let c = if (0xD800..0xDC00).contains(&unit) {
                    // A high surrogate: a low one must follow to form a character.
                    self.ensure(6)?;
                    if self.end - self.pos >= 6 && self.buf[self.pos] == b'\\' && self.buf[self.pos + 1] == b'u' {
                        let save = self.pos;
                        self.pos += 2;
                        let low = self.hex4()?;
                        if (0xDC00..0xE000).contains(&low) {
                            char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                        } else {
                            self.pos = save;
                            None
                        }
                    } else {
                        None
                    }
                } else {
                    char::from_u32(unit)
                };
                let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
                let mut tmp = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                return Ok(());
            }
            other => {
                self.pos -= 1;
                return Err(self.error(ReadErrorKind::Syntax {
                    expected: "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                    found: describe(Some(other)),
                }));
            }
        };
        out.push(simple);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, ReadError> {
        self.ensure(4)?;
        if self.end - self.pos < 4 {
            return Err(self.error(ReadErrorKind::UnexpectedEof { expected: "four hex digits" }));
        }
        let mut v = 0u32;
        for _ in 0..4 {
            let b = self.buf[self.pos];
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return Err(self.syntax("a hex digit", Some(b))),
            };
            v = v * 16 + u32::from(d);
            self.pos += 1;
        }
        Ok(v)
    }

    /// Skips one JSON value of any kind, without storing it. Iterative: nesting depth costs no
    /// stack.
    pub fn skip_value(&mut self) -> Result<(), ReadError> {
        let mut scratch = Vec::new();
        self.value_bytes(None, &mut scratch)
    }

    /// Copies one JSON value's raw text into `out` (at most `limit` bytes), for small values
    /// such as the `snapshot` header that `serde_json` then decodes.
    pub fn capture_value(&mut self, limit: usize, out: &mut Vec<u8>) -> Result<(), ReadError> {
        self.value_bytes(Some(limit), out)
    }

    fn value_bytes(&mut self, limit: Option<usize>, out: &mut Vec<u8>) -> Result<(), ReadError> {
        out.clear();
        let keep = limit.is_some();
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        self.skip_ws()?;
        let mut started = false;
        loop {
            if self.pos == self.end && !self.fill()? {
                if started && depth == 0 && !in_string {
                    // A number or literal that ends the input.
                    return self.check_limit(limit, out);
                }
                let expected = if in_string { "the end of a string" } else { "the end of a value" };
                return Err(self.error(ReadErrorKind::UnexpectedEof { expected }));
            }
            let b = self.buf[self.pos];
            if in_string {
                self.pos += 1;
                if keep {
                    out.push(b);
                }
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                    if depth == 0 {
                        return self.check_limit(limit, out);
                    }
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => depth += 1,
                b']' | b'}' => {
                    if depth == 0 {
                        // The end of the enclosing container: a scalar value ended before it.
                        if started {
                            return self.check_limit(limit, out);
                        }
                        return Err(self.syntax("a value", Some(b)));
                    }
                    depth -= 1;
                    self.pos += 1;
                    if keep {
                        out.push(b);
                    }
                    if depth == 0 {
                        return self.check_limit(limit, out);
                    }
                    continue;
                }
                b',' | b' ' | b'\n' | b'\r' | b'\t' if depth == 0 && started => {
                    return self.check_limit(limit, out);
                }
                b'-' | b'+' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' => {}
                b',' | b':' | b' ' | b'\n' | b'\r' | b'\t' if depth > 0 => {}
                _ => return Err(self.syntax("a JSON value", Some(b))),
            }
            started = true;
            self.pos += 1;
            if keep {
                out.push(b);
                if let Some(limit) = limit
                    && out.len() > limit
                {
                    return Err(self.error(ReadErrorKind::TooLarge(format!(
                        "this value is over {limit} bytes; it should be small"
                    ))));
                }
            }
        }
    }

    fn check_limit(&self, limit: Option<usize>, out: &[u8]) -> Result<(), ReadError> {
        if let Some(limit) = limit
            && out.len() > limit
        {
            return Err(self.error(ReadErrorKind::TooLarge(format!("this value is over {limit} bytes"))));
        }
        Ok(())
    }

    /// Reads an array of non-negative integers (the `[` is next), handing them to `sink` in
    /// chunks of `chunk_len` (the last one may be shorter), so a caller whose records have `k`
    /// fields gets whole records when `chunk_len` is a multiple of `k`. `sink` may return an
    /// error to stop. `tick` runs after every chunk (progress, cancellation). Returns the count
    /// of integers read.
    ///
    /// This is the hot loop of loading: a byte state machine over the buffer with the state in
    /// locals, one pass per integer, refilling only when fewer than 24 bytes remain.
    pub fn uint_array(
        &mut self,
        chunk_len: usize,
        sink: &mut UintSink<'_>,
        tick: &mut Tick<'_>,
    ) -> Result<u64, ReadError> {
        self.expect(b'[', "'[' (an array of numbers)")?;
        self.uint_values(0, chunk_len, sink, tick)
    }

    /// [`Lexer::uint_array`] for the rest of an array, from the first digit of a value that
    /// follows a `,` (where a second reader takes over an array another one started): the same
    /// checks, offsets and end, as if the lexer had read the array from its `[`.
    pub fn uint_array_rest(
        &mut self,
        chunk_len: usize,
        sink: &mut UintSink<'_>,
        tick: &mut Tick<'_>,
    ) -> Result<u64, ReadError> {
        self.uint_values(1, chunk_len, sink, tick)
    }

    fn uint_values(
        &mut self,
        mut state: u8,
        chunk_len: usize,
        sink: &mut UintSink<'_>,
        tick: &mut Tick<'_>,
    ) -> Result<u64, ReadError> {
        let chunk_len = chunk_len.max(1);
        let mut values = vec![0u32; chunk_len];
        let mut offsets = vec![0u32; chunk_len];
        let mut count = 0u64;
        let mut n = 0usize;
        let mut chunk_base = self.offset();
        let mut here = self.here();
        // `state` 0: after '[' (a number or ']'), 1: after ',' (a number), 2: after a number.
        const LOOKAHEAD: usize = 24;
        loop {
            // `<=`: with exactly LOOKAHEAD bytes left the fast loop below could not advance.
            if self.end - self.pos <= LOOKAHEAD && !self.eof {
                self.fill()?;
            }
            if self.pos == self.end {
                return Err(self.error(ReadErrorKind::UnexpectedEof { expected: "the rest of a number array" }));
            }
            let end = self.end;
            let limit = if self.eof { end } else { end - LOOKAHEAD };
            let base = self.base;
            let buf = &self.buf[..end];
            let mut p = self.pos;
            while p < limit {
                let b = buf[p];
                let d = b.wrapping_sub(b'0');
                if d < 10 {
                    if state == 2 {
                        self.pos = p;
                        return Err(self.syntax("',' or ']'", Some(b)));
                    }
                    let start = p;
                    let mut v = u64::from(d);
                    p += 1;
                    // At most 19 digits: they cannot overflow u64 (20 could: a fuzzer found it),
                    // so the loop is two `lea`s a digit, no overflow test.
                    let max = (start + 19).min(end);
                    while p < max {
                        let d = buf[p].wrapping_sub(b'0');
                        if d >= 10 {
                            break;
                        }
                        v = v * 10 + u64::from(d);
                        p += 1;
                    }
                    if v > u64::from(u32::MAX) || (p < end && buf[p].is_ascii_digit()) {
                        // The whole number as written (up to 40 digits), not the 19 parsed.
                        let mut q = p;
                        while q < end && q - start < 40 && buf[q].is_ascii_digit() {
                            q += 1;
                        }
                        let mut text = String::from_utf8_lossy(&buf[start..q]).into_owned();
                        if q < end && buf[q].is_ascii_digit() {
                            text.push('…');
                        }
                        self.pos = start;
                        return Err(self.error(ReadErrorKind::NumberTooLarge { value: text }));
                    }
                    let at = base + start as u64;
                    if n == 0 {
                        chunk_base = at;
                    }
                    values[n] = v as u32;
                    offsets[n] = (at - chunk_base) as u32;
                    n += 1;
                    state = 2;
                    if n == chunk_len {
                        count += n as u64;
                        here.offset = base + p as u64;
                        sink(&here, UintChunk { values: &values, offsets: &offsets, base: chunk_base })?;
                        tick(&here)?;
                        n = 0;
                    }
                    continue;
                }
                match b {
                    b',' if state == 2 => state = 1,
                    b']' if state != 1 => {
                        self.pos = p + 1;
                        if n > 0 {
                            count += n as u64;
                            here.offset = self.offset();
                            sink(&here, UintChunk { values: &values[..n], offsets: &offsets[..n], base: chunk_base })?;
                        }
                        here.offset = self.offset();
                        tick(&here)?;
                        return Ok(count);
                    }
                    b' ' | b'\n' | b'\r' | b'\t' => {}
                    _ => {
                        self.pos = p;
                        let expected = match state {
                            0 => "a non-negative integer or ']'",
                            1 => "a non-negative integer",
                            _ => "',' or ']'",
                        };
                        return Err(self.syntax(expected, Some(b)));
                    }
                }
                p += 1;
            }
            self.pos = p;
        }
    }

    /// Moves to the next occurrence of `needle` (its first byte) and returns its offset, or
    /// `None` at the end of the input. Scans with SIMD `memmem`, without looking at the text's
    /// structure: for finding a section ahead of the parser, which checks the guess.
    pub fn find(&mut self, needle: &[u8]) -> Result<Option<u64>, ReadError> {
        let finder = memchr::memmem::Finder::new(needle);
        loop {
            if let Some(i) = finder.find(&self.buf[self.pos..self.end]) {
                self.pos += i;
                return Ok(Some(self.offset()));
            }
            // Keep a possible partial match at the end of the buffer.
            self.pos = self.end.saturating_sub(needle.len() - 1).max(self.pos);
            if !self.fill()? || self.end - self.pos < needle.len() && self.eof {
                return Ok(None);
            }
        }
    }

    /// Skips an array of numbers whose content another reader has already parsed and checked:
    /// only looks for its closing `]`.
    pub fn skip_number_array(&mut self) -> Result<(), ReadError> {
        self.expect(b'[', "'[' (an array of numbers)")?;
        loop {
            if let Some(i) = memchr::memchr(b']', &self.buf[self.pos..self.end]) {
                self.pos += i + 1;
                return Ok(());
            }
            self.pos = self.end;
            if !self.fill()? {
                return Err(self.error(ReadErrorKind::UnexpectedEof { expected: "the rest of a number array" }));
            }
        }
    }

    /// Reads an array of strings (the `[` is next), calling `sink` with each one's UTF-8.
    pub fn string_array(&mut self, sink: &mut StringSink<'_>, tick: &mut Tick<'_>) -> Result<u64, ReadError> {
        self.expect(b'[', "'[' (an array of strings)")?;
        let mut raw = Vec::with_capacity(256);
        let mut count = 0u64;
        if self.peek_token()? == Some(b']') {
            self.pos += 1;
            return Ok(0);
        }
        loop {
            self.skip_ws()?;
            let here = if let Some(len) = self.plain_string_len()
                && let Ok(text) = std::str::from_utf8(&self.buf[self.pos + 1..self.pos + 1 + len])
            {
                // Handed on from the buffer, quotes excluded.
                let here = Where {
                    section: self.section.clone(),
                    decompressed: self.decompressed,
                    offset: self.offset() + len as u64 + 2,
                };
                sink(&here, text)?;
                self.pos += len + 2;
                here
            } else {
                self.string(&mut raw)?;
                let text = String::from_utf8_lossy(&raw);
                let here = self.here();
                sink(&here, &text)?;
                here
            };
            count += 1;
            if count.is_multiple_of(1 << 14) {
                tick(&here)?;
            }
            match self.peek_token()? {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    tick(&self.here())?;
                    return Ok(count);
                }
                found => return Err(self.syntax("',' or ']' in an array of strings", found)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexer(text: &str) -> Lexer<&[u8]> {
        Lexer::new(text.as_bytes(), false)
    }

    fn numbers(text: &str) -> Result<Vec<u32>, ReadError> {
        let mut lx = lexer(text);
        let mut out = Vec::new();
        lx.uint_array(
            7,
            &mut |_, c| {
                out.extend_from_slice(c.values);
                Ok(())
            },
            &mut |_| Ok(()),
        )?;
        Ok(out)
    }

    #[test]
    fn number_arrays_with_any_whitespace() {
        assert_eq!(numbers("[]").unwrap(), Vec::<u32>::new());
        assert_eq!(numbers(" [ 1 ,2,\n3\r\n,\t4294967295 ] ").unwrap(), vec![1, 2, 3, u32::MAX]);
    }

    #[test]
    fn number_array_errors_say_what_and_where() {
        let e = numbers("[1,,2]").unwrap_err();
        assert_eq!(e.offset, 3);
        assert!(e.to_string().contains("expected a non-negative integer, found ','"), "{e}");
        let e = numbers("[1,-2]").unwrap_err();
        assert_eq!(e.offset, 3);
        let e = numbers("[1,4294967296]").unwrap_err();
        assert!(matches!(e.kind, ReadErrorKind::NumberTooLarge { .. }), "{e}");
        // 2^64 + 16 must not wrap to 16; 20 digits must not overflow (found by cargo-fuzz).
        for big in ["[18446744073709551632]", "[99999999999999999999]", "[000000000000000000004294967296]"] {
            let e = numbers(big).unwrap_err();
            assert!(matches!(e.kind, ReadErrorKind::NumberTooLarge { .. }), "{big}: {e}");
            // The message quotes the number whole, not its first 19 digits.
            assert!(e.to_string().contains(&big[1..big.len() - 1]), "{big}: {e}");
        }
        let e = numbers(&format!("[{}]", "9".repeat(60))).unwrap_err();
        assert!(e.to_string().contains(&format!("{}…", "9".repeat(40))), "{e}");
        assert_eq!(numbers("[0000000000000000007]").unwrap(), vec![7]);
        let e = numbers("[1,2").unwrap_err();
        assert!(matches!(e.kind, ReadErrorKind::UnexpectedEof { .. }), "{e}");
        let e = numbers("[1 2]").unwrap_err();
        assert!(e.to_string().contains("expected ',' or ']', found '2'"), "{e}");
        let e = numbers("[1,]").unwrap_err();
        assert!(e.to_string().contains("found ']'"), "{e}");
    }

    #[test]
    fn strings_decode_escapes_and_surrogates() {
        let mut lx = lexer(r#""a\"b\\c\/\n\u00e9\ud83d\ude00\ud800x""#);
        let mut out = Vec::new();
        lx.string(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "a\"b\\c/\né😀\u{FFFD}x");
    }

    /// A reader that hands out a few bytes a call, so that strings start and end at every place
    /// relative to the buffer's refills.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn string_array_of(bytes: &[u8], step: usize) -> Result<Vec<String>, ReadError> {
        let mut lx = Lexer::new(Trickle(bytes, step), false);
        let mut out = Vec::new();
        lx.string_array(
            &mut |_, s| {
                out.push(s.to_string());
                Ok(())
            },
            &mut |_| Ok(()),
        )?;
        Ok(out)
    }

    /// Plain strings are handed on from the buffer, the others decoded: the same strings either
    /// way, wherever the refills fall, and the same error at the same byte for a raw control
    /// character.
    #[test]
    fn string_arrays_read_the_same_whatever_the_refills() {
        let mut bytes = b"[\"plain\", \"\",\n\"esc\\\"aped\", \"caf\xc3\xa9\", \"bad \xff byte\", ".to_vec();
        let long = "x".repeat(150);
        bytes.extend_from_slice(format!("\"{long}\"]").as_bytes());
        let expected = ["plain", "", "esc\"aped", "café", "bad \u{FFFD} byte", long.as_str()];
        for step in [1, 3, 7, 64, 1 << 20] {
            assert_eq!(string_array_of(&bytes, step).unwrap(), expected, "{step} bytes a read");
        }
        let bad = b"[\"ok\", \"tab\there\"]";
        for step in [1, 5, 1 << 20] {
            let e = string_array_of(bad, step).unwrap_err();
            assert_eq!(e.offset, 11, "{step} bytes a read: {e}");
            assert!(e.to_string().contains("control characters must be escaped"), "{e}");
        }
    }

    #[test]
    fn skip_and_capture_nested_values() {
        let mut lx = lexer(r#"{"a":[1,{"b":"]}"}],"c":true} , 7"#);
        let mut out = Vec::new();
        lx.capture_value(1000, &mut out).unwrap();
        assert_eq!(std::str::from_utf8(&out).unwrap(), r#"{"a":[1,{"b":"]}"}],"c":true}"#);
        lx.expect(b',', "','").unwrap();
        lx.skip_value().unwrap();
        assert_eq!(lx.peek_token().unwrap(), None);
    }

    #[test]
    fn long_input_crosses_buffer_refills() {
        let n = 400_000u32;
        let text = format!("[{}]", (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(" ,\n "));
        let got = numbers(&text).unwrap();
        assert_eq!(got.len(), n as usize);
        assert!(got.iter().enumerate().all(|(i, &v)| v == i as u32));
    }
}
