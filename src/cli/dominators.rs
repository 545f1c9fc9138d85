//! `heapscope dominators FILE [@ID] [--depth N] [--json]`: the dominator tree under the root (or
//! under one object), children by retained size descending, then id ascending
//! ([`crate::analysis::views::DOMINATORS_DEFAULT_SORT`]).
//!
//! `--json` is one document:
//!
//! ```text
//! {"node": {"id", "name", "class_name", "self_size", "retained_size"},
//!  "children": [{same keys, "children": [...]}, ...]}
//! ```
//!
//! A child has `"children"` when the depth allows one more level (then possibly `[]`), none
//! below. The document is streamed: each node's fields go through serde's serializer from a
//! struct of borrowed fields and are written at once; the nesting is written by an explicit
//! stack, so a dominator chain thousands of levels deep needs no deep recursion.

use std::io::{self, Write};

use serde::Serialize;

use super::table::cut;
use crate::analysis::Analysis;
use crate::analysis::dominator_tree::{DominatorChildren, facts};
use crate::analysis::format::{bytes, percent};
use crate::snapshot::NodeIdx;

/// Levels of children printed when `--depth` is not given.
pub const DEFAULT_DEPTH: usize = 2;

#[derive(clap::Args)]
pub struct DominatorsArgs {
    pub file: std::path::PathBuf,
    /// The object whose subtree to print (@123 or 123); the root if absent.
    #[arg(value_parser = super::parse_node_id)]
    pub node_id: Option<u32>,
    /// Levels of children below the object (0: the object alone).
    #[arg(long, default_value_t = DEFAULT_DEPTH)]
    pub depth: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Fields<'a> {
    id: u32,
    name: &'a str,
    class_name: &'a str,
    self_size: u32,
    retained_size: u64,
}

/// Writes `{"id": …, …, "retained_size": …` (without the closing brace) for node `n`.
fn write_fields(out: &mut dyn Write, a: &Analysis, n: NodeIdx) -> io::Result<()> {
    let f = facts(a, n);
    let fields = Fields {
        id: f.id,
        name: &f.name,
        class_name: f.class_name,
        self_size: f.self_size,
        retained_size: f.retained_size,
    };
    let text = serde_json::to_vec(&fields)?;
    // Serialized as an object; the caller may add "children" before closing it.
    out.write_all(&text[..text.len() - 1])
}

/// The `--json` document for the subtree of `top`, `depth` levels of children.
pub fn json(out: &mut dyn Write, a: &Analysis, tree: &DominatorChildren, top: NodeIdx, depth: usize) -> io::Result<()> {
    out.write_all(b"{\"node\": ")?;
    write_fields(out, a, top)?;
    out.write_all(b"}")?;
    if depth == 0 {
        return out.write_all(b"}\n");
    }
    out.write_all(b",\n\"children\": [")?;
    // Each frame: the children being written and the next one's position.
    let mut stack: Vec<(&[NodeIdx], usize)> = vec![(tree.children(top), 0)];
    while let Some((children, next)) = stack.last_mut() {
        let Some(&c) = children.get(*next) else {
            stack.pop();
            out.write_all(b"]")?;
            if !stack.is_empty() {
                // Close the object whose "children" this was.
                out.write_all(b"}")?;
            }
            continue;
        };
        if *next > 0 {
            out.write_all(b",")?;
        }
        *next += 1;
        out.write_all(b"\n")?;
        write_fields(out, a, c)?;
        if stack.len() < depth {
            out.write_all(b", \"children\": [")?;
            stack.push((tree.children(c), 0));
        } else {
            out.write_all(b"}")?;
        }
    }
    out.write_all(b"}\n")
}

/// One line per node, indented two spaces a level:
/// `name @id (class)  shallow S, retained R  P %`, sizes as DevTools prints them, control
/// characters escaped.
pub fn text(out: &mut dyn Write, a: &Analysis, tree: &DominatorChildren, top: NodeIdx, depth: usize) -> io::Result<()> {
    let total = a.total_size() as f64;
    let line = |out: &mut dyn Write, n: NodeIdx, level: usize| -> io::Result<()> {
        let f = facts(a, n);
        // Nameless nodes (the root) are shown by their class, as the window shows them.
        let name = if f.name.is_empty() { f.class_name } else { &f.name };
        let count = tree.children(n).len();
        writeln!(
            out,
            "{}{} @{} ({})  shallow {}, retained {}  {}{}",
            "  ".repeat(level),
            cut(name, 60),
            f.id,
            cut(f.class_name, 40),
            bytes(f64::from(f.self_size)),
            bytes(f.retained_size as f64),
            percent(f.retained_size as f64 / total.max(1.0) * 100.0),
            if count > 0 && level == depth { format!("  [{count} dominated]") } else { String::new() }
        )
    };
    line(out, top, 0)?;
    let mut stack: Vec<(&[NodeIdx], usize)> = Vec::new();
    if depth > 0 {
        stack.push((tree.children(top), 0));
    }
    while let Some((children, next)) = stack.last_mut() {
        let Some(&c) = children.get(*next) else {
            stack.pop();
            continue;
        };
        *next += 1;
        let level = stack.len();
        line(out, c, level)?;
        if level < depth {
            stack.push((tree.children(c), 0));
        }
    }
    Ok(())
}

pub fn run(args: DominatorsArgs, progress: bool) -> anyhow::Result<()> {
    let a = super::load(&args.file, progress)?;
    let top = match args.node_id {
        Some(id) => a
            .find_node_by_id(id)
            .ok_or_else(|| super::InputError(format!("no node @{id} in {}", super::load::shown(&args.file))))?,
        None => a.snapshot.root(),
    };
    let tree = DominatorChildren::build(&a);
    if args.json {
        super::print_with(|out| json(out, &a, &tree, top, args.depth))?;
    } else {
        super::print_with(|out| text(out, &a, &tree, top, args.depth))?;
    }
    drop(tree);
    super::load::write_index(&args.file, &a);
    Ok(())
}
