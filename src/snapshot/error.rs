//! What can go wrong while reading a snapshot, and where.
//!
//! Every error carries the byte offset at which the problem was found (in the decompressed
//! text for `.gz` files) and the section being read, so a user can look at the exact spot with
//! `head -c`/`dd`. The `Display` form is one line:
//!
//! ```text
//! heap snapshot: byte 1204331 in "edges": edge 17: to_node 45 is not a multiple of 7 node fields
//! ```

use std::fmt;

/// The part of the file being read when an error happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Section {
    /// Outside any section: the top-level object, its keys and punctuation.
    TopLevel,
    /// `"snapshot"`: the header with `meta`, `node_count` and `edge_count`.
    Header,
    Nodes,
    Edges,
    Strings,
    Locations,
    /// Any other top-level key, skipped (`samples`, `trace_tree`, ...).
    Other(String),
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Section::TopLevel => f.write_str("the top-level object"),
            Section::Header => f.write_str("\"snapshot\""),
            Section::Nodes => f.write_str("\"nodes\""),
            Section::Edges => f.write_str("\"edges\""),
            Section::Strings => f.write_str("\"strings\""),
            Section::Locations => f.write_str("\"locations\""),
            Section::Other(name) => write!(f, "{name:?}"),
        }
    }
}

/// The kind of problem. `#[non_exhaustive]`: new checks may add kinds.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadErrorKind {
    // The I/O error is the `source()`, not part of the message: `{:#}` and error reporters
    // print the chain, and a message that also embedded it said it twice.
    #[error("read failed")]
    Io(#[source] std::io::Error),
    #[error("the gzip stream is corrupt or ends early")]
    Gzip(#[source] std::io::Error),
    #[error("the file is empty")]
    Empty,
    #[error("not a heap snapshot: expected a JSON object ('{{'), found {found}")]
    NotJson { found: String },
    #[error("the file ends early (truncated?) while reading {expected}")]
    UnexpectedEof { expected: &'static str },
    #[error("expected {expected}, found {found}")]
    Syntax { expected: &'static str, found: String },
    #[error("not a V8 heap snapshot: no {0:?} section")]
    MissingSection(&'static str),
    #[error("the top-level key {0:?} appears twice")]
    DuplicateSection(String),
    #[error("bad header: {0}")]
    Header(String),
    #[error("number {value} does not fit in 32 bits")]
    NumberTooLarge { value: String },
    #[error("expected {expected} numbers ({what}), found {found}")]
    ArrayLength { what: String, expected: u64, found: u64 },
    #[error("node {node}: type {code} is not one of the {count} node types in meta")]
    NodeType { node: u64, code: u32, count: usize },
    #[error("edge {edge}: type {code} is not one of the {count} edge types in meta")]
    EdgeType { edge: u64, code: u32, count: usize },
    #[error("edge {edge}: to_node {to_node} is not a multiple of {field_count} node fields")]
    EdgeTargetMisaligned { edge: u64, to_node: u32, field_count: usize },
    #[error("edge {edge}: to_node {to_node} is past the last node ({node_count} nodes)")]
    EdgeTargetOutOfRange { edge: u64, to_node: u32, node_count: u64 },
    #[error("the nodes' edge_count fields add up to {sum}, but there are {edge_count} edges")]
    EdgeCountMismatch { sum: u64, edge_count: u64 },
    #[error("{what}: string index {index} is out of range (there are {count} strings)")]
    StringIndex { what: String, index: u32, count: usize },
    #[error("root_index {0} is not the index of a node")]
    RootIndex(u64),
    #[error("the snapshot is too large for this reader: {0}")]
    TooLarge(String),
    #[error("loading was cancelled")]
    Cancelled,
}

/// A failure to read a snapshot: what, in which section, at which byte.
#[derive(Debug)]
pub struct ReadError {
    pub kind: ReadErrorKind,
    pub section: Section,
    /// Byte offset into the (decompressed) JSON text.
    pub offset: u64,
    /// The offset counts decompressed bytes of a gzip file.
    pub decompressed: bool,
}

impl ReadError {
    pub fn is_cancelled(&self) -> bool {
        matches!(self.kind, ReadErrorKind::Cancelled)
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if matches!(self.kind, ReadErrorKind::Cancelled) {
            return f.write_str("heap snapshot: loading was cancelled");
        }
        let gz = if self.decompressed { " (decompressed)" } else { "" };
        write!(f, "heap snapshot: byte {}{gz} in {}: {}", self.offset, self.section, self.kind)
    }
}

/// The I/O error under `Io` and `Gzip` (the message does not repeat it: print the chain, as
/// `{:#}` of `anyhow` does).
impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ReadErrorKind::Io(e) | ReadErrorKind::Gzip(e) => Some(e),
            _ => None,
        }
    }
}
