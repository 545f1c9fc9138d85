//! Node names as DevTools shows them.
//!
//! * [`raw_name`]: the `name` field, with the `Detached ` prefix of the DOM-state pass.
//! * [`display_name`]: `JSHeapSnapshotNode.name` (HeapSnapshot.ts:4835): cons strings show
//!   their concatenated text (`consStringName`, cut once it reaches 1024 UTF-16 units), plain
//!   `Object`s show a property list (`#plainObjectName`: names taken alternately from the start
//!   and the end, cut at 100 units, e.g. `{a, b, …, y, z}`), everything else the raw name.

use std::borrow::Cow;

use super::bits::BitVec;
use super::jsstr::{format_property_name, utf16_len};
use crate::snapshot::{EdgeType, HeapSnapshot, NodeIdx, NodeType};

/// The node's name after the DOM-state pass.
pub fn raw_name<'a>(snapshot: &'a HeapSnapshot, renamed: &BitVec, n: NodeIdx) -> Cow<'a, str> {
    let name = snapshot.node_name(n);
    if renamed.get(n as usize) { Cow::Owned(format!("Detached {name}")) } else { Cow::Borrowed(name) }
}

/// `true` for a plain JS object: type `object` named exactly `Object`.
pub fn is_plain_object(snapshot: &HeapSnapshot, n: NodeIdx) -> bool {
    snapshot.node_type(n) == NodeType::OBJECT && snapshot.node_name(n) == "Object"
}

/// Whether `x` and `y` are shown under the same name, decided without building the names: the
/// same `name` string, the same type, neither a cons string nor a plain `Object` (whose shown
/// names come from their edges), and both `Detached` or neither. `false` means "not known here",
/// not "different". A node with many retainers of one class (every `Order` holding one shared
/// object) makes a row sort compare that class's name hundreds of thousands of times.
pub fn same_display_name(snapshot: &HeapSnapshot, renamed: &BitVec, x: NodeIdx, y: NodeIdx) -> bool {
    let t = snapshot.node_type(x);
    x == y
        || (snapshot.node_name_idx(x) == snapshot.node_name_idx(y)
            && t == snapshot.node_type(y)
            && t != NodeType::CONS_STRING
            && !is_plain_object(snapshot, x)
            && renamed.get(x as usize) == renamed.get(y as usize))
}

/// The name DevTools displays for a node.
pub fn display_name<'a>(snapshot: &'a HeapSnapshot, renamed: &BitVec, n: NodeIdx) -> Cow<'a, str> {
    match snapshot.node_type(n) {
        NodeType::CONS_STRING => Cow::Owned(cons_string_name(snapshot, n)),
        NodeType::OBJECT if snapshot.node_name(n) == "Object" => Cow::Owned(plain_object_name(snapshot, n)),
        _ => raw_name(snapshot, renamed, n),
    }
}

/// `consStringName`: leaves of the cons tree, `first` before `second`, until 1024 units.
fn cons_string_name(snapshot: &HeapSnapshot, n: NodeIdx) -> String {
    let mut stack = vec![n];
    let mut name = String::new();
    let mut units = 0usize;
    // A malformed snapshot could make a cycle of cons strings without leaves; DevTools would
    // loop forever there. Bound the walk.
    let mut budget = 1 << 20;
    while let Some(node) = stack.pop() {
        if units >= 1024 || budget == 0 {
            break;
        }
        budget -= 1;
        if snapshot.node_type(node) != NodeType::CONS_STRING {
            let s = snapshot.node_name(node);
            units += utf16_len(s);
            name.push_str(s);
            continue;
        }
        let (mut first, mut second) = (0u32, 0u32);
        for e in snapshot.edges(node) {
            if first != 0 && second != 0 {
                break;
            }
            if snapshot.edge_type(e) == EdgeType::INTERNAL {
                match snapshot.string(snapshot.edge_name_or_index(e)) {
                    "first" => first = snapshot.edge_to(e),
                    "second" => second = snapshot.edge_to(e),
                    _ => {}
                }
            }
        }
        stack.push(second);
        stack.push(first);
    }
    name
}

/// `#plainObjectName`: `{a, b, …, y, z}`.
fn plain_object_name(snapshot: &HeapSnapshot, n: NodeIdx) -> String {
    let edges = snapshot.edges(n);
    if edges.is_empty() {
        return "{}".to_string();
    }
    let mut start_parts: Vec<Cow<'_, str>> = Vec::new();
    let mut end_parts: Vec<Cow<'_, str>> = Vec::new();
    // Lengths in UTF-16 units of "{a, b" and "y, z}".
    let mut start_len = 1usize;
    let mut end_len = 1usize;
    let mut from_start = edges.start as i64;
    let mut from_end = edges.end as i64 - 1;
    let mut next_from_end = false;
    while from_start <= from_end {
        let e = if next_from_end { from_end } else { from_start } as u32;
        let is_property = snapshot.edge_type(e) == EdgeType::PROPERTY;
        let name = snapshot.string(snapshot.edge_name_or_index(e));
        if !is_property || name == "__proto__" {
            if next_from_end {
                from_end -= 1;
            } else {
                from_start += 1;
            }
            continue;
        }
        let formatted = format_property_name(name);
        let len = utf16_len(&formatted);
        if start_len > 1 && start_len + end_len + len > 100 {
            break;
        }
        if next_from_end {
            from_end -= 1;
            if end_len > 1 {
                end_len += 2;
            }
            end_len += len;
            end_parts.push(formatted);
        } else {
            from_start += 1;
            if start_len > 1 {
                start_len += 2;
            }
            start_len += len;
            start_parts.push(formatted);
        }
        next_from_end = !next_from_end;
    }
    let mut out = String::from("{");
    out.push_str(&start_parts.join(", "));
    if from_start <= from_end {
        out.push_str(", …");
    }
    if !end_parts.is_empty() {
        out.push_str(", ");
        end_parts.reverse();
        out.push_str(&end_parts.join(", "));
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::builder::SnapshotBuilder;

    #[test]
    fn plain_objects_list_properties_from_both_ends() {
        let mut b = SnapshotBuilder::new();
        let root = b.node(NodeType::SYNTHETIC, "", 0);
        let o = b.node(NodeType::OBJECT, "Object", 16);
        let empty = b.node(NodeType::OBJECT, "Object", 16);
        let v = b.node(NodeType::NUMBER, "number", 16);
        b.edge(root, EdgeType::ELEMENT, 1, o);
        b.edge(root, EdgeType::ELEMENT, 2, empty);
        b.edge(o, EdgeType::PROPERTY, "__proto__", v);
        for p in ["a", "b", "c", "d", "e"] {
            b.edge(o, EdgeType::PROPERTY, p, v);
        }
        b.edge(o, EdgeType::INTERNAL, "map", v);
        let long = "x".repeat(95);
        let s = b.build();
        let renamed = BitVec::new(s.node_count());
        assert_eq!(display_name(&s, &renamed, o), "{a, b, c, d, e}");
        assert_eq!(display_name(&s, &renamed, empty), "{}");

        let mut b = SnapshotBuilder::new();
        let root = b.node(NodeType::SYNTHETIC, "", 0);
        let o = b.node(NodeType::OBJECT, "Object", 16);
        let v = b.node(NodeType::NUMBER, "number", 16);
        b.edge(root, EdgeType::ELEMENT, 1, o);
        for p in ["first", &long, "middle", "last"] {
            b.edge(o, EdgeType::PROPERTY, p, v);
        }
        let s = b.build();
        let renamed = BitVec::new(s.node_count());
        // "first" from the start, "last" from the end, then the 95-unit name would pass 100.
        assert_eq!(display_name(&s, &renamed, o), "{first, …, last}");
    }

    #[test]
    fn cons_strings_concatenate_their_leaves() {
        let mut b = SnapshotBuilder::new();
        let root = b.node(NodeType::SYNTHETIC, "", 0);
        let cons = b.node(NodeType::CONS_STRING, "(concatenated string)", 32);
        let inner = b.node(NodeType::CONS_STRING, "(concatenated string)", 32);
        let x = b.node(NodeType::STRING, "Hello, ", 20);
        let y = b.node(NodeType::STRING, "wor", 20);
        let z = b.node(NodeType::STRING, "ld", 20);
        b.edge(root, EdgeType::ELEMENT, 1, cons);
        b.edge(cons, EdgeType::INTERNAL, "first", x);
        b.edge(cons, EdgeType::INTERNAL, "second", inner);
        b.edge(inner, EdgeType::INTERNAL, "first", y);
        b.edge(inner, EdgeType::INTERNAL, "second", z);
        let s = b.build();
        let renamed = BitVec::new(s.node_count());
        assert_eq!(display_name(&s, &renamed, cons), "Hello, world");
    }
}
