//! Class names ("Constructor" column) and class keys.
//!
//! Implements DevTools `calculateObjectNames` (HeapSnapshot.ts:2392), `inferInterfaceDefinitions`
//! (:2773), `applyInterfaceDefinitions` (:2846) and the class keys of `classKeyInternal` (:348) /
//! `#classKeyFromClassKey` (:3346):
//!
//! * `hidden` → `(system)`, `code` → `(compiled code)`, `closure` → `Function`, `regexp` →
//!   `RegExp`; `object` and `native` → their (renamed) name, with `<div id=a>` cut to `<div>`;
//!   any other type T → `(T)`.
//! * Plain objects (`object` named `Object`) are re-classified by shape: the most common property
//!   lists become interface definitions (`{a, b}`), and each object takes the definition with the
//!   most properties among those whose properties it all has (earlier definition on a tie).
//! * An `object` node with a constructor location is keyed `"script,line,column,Name"`; every
//!   other node `",Name"`.
//!
//! DevTools identifies a class internally by a *string index* in its own string table, to which it
//! appends names as it needs them. Two classes can therefore have the same text (an object whose
//! constructor is called `Function` and the closures' `Function`) but different internal keys; the
//! Summary then shows only the one inserted last under the shared public key. [`ClassId`]s here
//! reproduce those internal identities so that the numbers match in such cases too.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::bits::BitVec;
use super::inthash::IntMap;
use super::jsstr::{cmp_utf16, format_property_name, utf16_len};
use super::names::raw_name;
use crate::snapshot::{Column, EdgeType, HeapSnapshot, NodeIdx, NodeType};

/// A row identity: an index into [`Classification::classes`].
pub type ClassId = u32;

/// An inferred object shape (`HeapSnapshot.ts` `InterfaceDefinition` plus the count it was
/// inferred from, as DevTools serialises it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterfaceDefinition {
    pub name: String,
    pub properties: Vec<String>,
    #[serde(default)]
    pub count: u64,
}

/// One class: its display name and its public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassInfo {
    pub name: String,
    /// `",Name"` or `"script,line,column,Name"`; what Comparison matches on.
    pub key: String,
}

/// Every node's class.
#[derive(Clone, Debug)]
pub struct Classification {
    pub class_of: Column<ClassId>,
    pub classes: Vec<ClassInfo>,
}

impl Classification {
    pub fn class(&self, n: NodeIdx) -> &ClassInfo {
        &self.classes[self.class_of[n as usize] as usize]
    }

    pub fn heap_bytes(&self) -> usize {
        self.class_of.heap_bytes() + self.classes.iter().map(|c| c.name.len() + c.key.len() + 48).sum::<usize>()
    }
}

/// The identity DevTools gives a class name: which string-table entry it is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum NameIdentity {
    /// A name from the snapshot's own `strings`.
    Original(u32),
    /// `"Detached " + strings[i]`, added by the DOM-state pass.
    Detached(u32),
    /// Added by `calculateObjectNames`' `getIndexForString` (type names, `<tag>` names).
    Added(String),
    /// Added by `applyInterfaceDefinitions`.
    Interface(String),
}

struct ClassTableBuilder {
    classes: Vec<ClassInfo>,
    by_identity: HashMap<NameIdentity, ClassId>,
    /// Fast path for the common case, `Original(i)`.
    by_original: Vec<ClassId>,
    /// Location keys, by text (DevTools' internal key is that string).
    by_location_key: HashMap<String, ClassId>,
    by_location: IntMap<(u32, u32, u32, ClassId), ClassId>,
}

impl ClassTableBuilder {
    fn new(string_count: usize) -> ClassTableBuilder {
        ClassTableBuilder {
            classes: Vec::new(),
            by_identity: HashMap::new(),
            by_original: vec![ClassId::MAX; string_count],
            by_location_key: HashMap::new(),
            by_location: IntMap::default(),
        }
    }

    fn add(&mut self, name: String, key: String) -> ClassId {
        let id = self.classes.len() as ClassId;
        self.classes.push(ClassInfo { name, key });
        id
    }

    /// The class of an unrenamed `object` or `native` node named `strings[i]`, once one such node
    /// was named: only a name that [`base_identity`] keeps as it is (no `<tag …>` cut) is ever
    /// entered as `Original(i)`, and that depends on the text alone. Most nodes take this path,
    /// which reads no text.
    fn original(&self, i: u32) -> Option<ClassId> {
        self.by_original.get(i as usize).copied().filter(|&id| id != ClassId::MAX)
    }

    fn named(&mut self, snapshot: &HeapSnapshot, identity: NameIdentity) -> ClassId {
        if let NameIdentity::Original(i) = identity
            && let Some(&id) = self.by_original.get(i as usize)
            && id != ClassId::MAX
        {
            return id;
        }
        if let Some(&id) = self.by_identity.get(&identity) {
            return id;
        }
        let name = match &identity {
            NameIdentity::Original(i) => snapshot.string(*i).to_string(),
            NameIdentity::Detached(i) => format!("Detached {}", snapshot.string(*i)),
            NameIdentity::Added(s) | NameIdentity::Interface(s) => s.clone(),
        };
        let id = self.add(name.clone(), format!(",{name}"));
        if let NameIdentity::Original(i) = identity {
            if let Some(slot) = self.by_original.get_mut(i as usize) {
                *slot = id;
            }
        } else {
            self.by_identity.insert(identity, id);
        }
        id
    }

    /// The class of an `object` node with a constructor location.
    fn located(&mut self, base: ClassId, script: u32, line: u32, column: u32) -> ClassId {
        if let Some(&id) = self.by_location.get(&(script, line, column, base)) {
            return id;
        }
        let name = self.classes[base as usize].name.clone();
        let key = format!("{script},{line},{column},{name}");
        let id = match self.by_location_key.get(&key) {
            Some(&id) => id,
            None => {
                let id = self.add(name, key.clone());
                self.by_location_key.insert(key, id);
                id
            }
        };
        self.by_location.insert((script, line, column, base), id);
        id
    }
}

/// `getNodeClassIndex` of `calculateObjectNames`, before interface matching.
fn base_identity(snapshot: &HeapSnapshot, renamed: &BitVec, n: NodeIdx) -> NameIdentity {
    match snapshot.node_type(n) {
        NodeType::HIDDEN => NameIdentity::Added("(system)".into()),
        NodeType::CODE => NameIdentity::Added("(compiled code)".into()),
        NodeType::CLOSURE => NameIdentity::Added("Function".into()),
        NodeType::REGEXP => NameIdentity::Added("RegExp".into()),
        NodeType::OBJECT | NodeType::NATIVE => {
            let name = raw_name(snapshot, renamed, n);
            if name.starts_with('<') {
                let cut = match name.find(' ') {
                    Some(space) => format!("{}>", &name[..space]),
                    None => name.into_owned(),
                };
                return NameIdentity::Added(cut);
            }
            if let Some(tag) = name.strip_prefix("Detached <") {
                let cut = match tag.find(' ') {
                    Some(space) => format!("{}>", &name[..10 + space]),
                    None => name.into_owned(),
                };
                return NameIdentity::Added(cut);
            }
            let idx = snapshot.node_name_idx(n);
            if renamed.get(n as usize) { NameIdentity::Detached(idx) } else { NameIdentity::Original(idx) }
        }
        _ => NameIdentity::Added(format!("({})", snapshot.node_type_name(n))),
    }
}

/// Both passes read node and edge names in node order, and not again: every this many nodes,
/// the spilled names' pages behind them go ([`HeapSnapshot::release_name_pages_before`]), so
/// only a window of the names is resident beside the class tables.
pub const RELEASE_NAMES_EVERY: NodeIdx = 1 << 16;

/// `inferInterfaceDefinitions`: the popular property lists of plain objects.
pub fn infer_interface_definitions(snapshot: &HeapSnapshot) -> Vec<InterfaceDefinition> {
    const MAX_INTERFACE_NAME_LENGTH: usize = 120;
    let object_names = snapshot.strings().indexes_of("Object");
    let proto_names = snapshot.strings().indexes_of("__proto__");
    let mut formatted_len = vec![u32::MAX; snapshot.strings().len()];
    let mut candidates: IntMap<Vec<u32>, usize> = IntMap::default();
    let mut list: Vec<(Vec<u32>, u64)> = Vec::new();
    let mut total_objects = 0u64;
    let mut props: Vec<u32> = Vec::new();
    for n in 0..snapshot.node_count() as NodeIdx {
        if n.is_multiple_of(RELEASE_NAMES_EVERY) {
            snapshot.release_name_pages_before(n);
        }
        if snapshot.node_type(n) != NodeType::OBJECT || !object_names.contains(&snapshot.node_name_idx(n)) {
            continue;
        }
        total_objects += 1;
        props.clear();
        let mut name_len = 1usize; // "{"
        for e in snapshot.edges(n) {
            if snapshot.edge_type(e) != EdgeType::PROPERTY {
                continue;
            }
            let name = snapshot.edge_name_or_index(e);
            if proto_names.contains(&name) {
                continue;
            }
            let len = match formatted_len[name as usize] {
                u32::MAX => {
                    let l = utf16_len(&format_property_name(snapshot.string(name))) as u32;
                    formatted_len[name as usize] = l;
                    l
                }
                l => l,
            } as usize;
            if name_len > 1 && name_len + len > MAX_INTERFACE_NAME_LENGTH {
                break;
            }
            if name_len != 1 {
                name_len += 2;
            }
            name_len += len;
            props.push(name);
        }
        if props.is_empty() {
            continue;
        }
        match candidates.get(props.as_slice()) {
            Some(&i) => list[i].1 += 1,
            None => {
                candidates.insert(props.clone(), list.len());
                list.push((props.clone(), 1));
            }
        }
    }
    // Stable: equal counts keep the order in which they were first seen.
    list.sort_by_key(|c| std::cmp::Reverse(c.1));
    let min_count = f64::max(2.0, total_objects as f64 / 1000.0);
    list.into_iter()
        .take_while(|(_, count)| *count as f64 >= min_count)
        .map(|(props, count)| {
            let formatted: Vec<String> =
                props.iter().map(|&p| format_property_name(snapshot.string(p)).into_owned()).collect();
            InterfaceDefinition {
                name: format!("{{{}}}", formatted.join(", ")),
                properties: props.iter().map(|&p| snapshot.string(p).to_string()).collect(),
                count,
            }
        })
        .collect()
}

/// A trie over sorted property names (`applyInterfaceDefinitions`' `PropertyTreeNode`).
struct PropertyTrie {
    next: Vec<IntMap<u32, u32>>,
    /// (property count, definition index) of the definition ending at each trie node.
    matches: Vec<Option<(usize, usize)>>,
}

/// A string no definition's property is named ([`classify`]'s ranks).
const NO_RANK: u32 = u32::MAX;
/// A string whose rank was not looked up yet.
const UNRANKED: u32 = u32::MAX - 1;

/// Classifies every node; plain objects by `definitions`.
pub fn classify(snapshot: &HeapSnapshot, renamed: &BitVec, definitions: &[InterfaceDefinition]) -> Classification {
    let n = snapshot.node_count();
    let mut table = ClassTableBuilder::new(snapshot.strings().len());

    // Rank every property name the definitions use, in JavaScript string order.
    let mut names: Vec<&str> = definitions.iter().flat_map(|d| d.properties.iter().map(String::as_str)).collect();
    names.sort_by(|a, b| cmp_utf16(a, b));
    names.dedup();
    let rank_of_text: HashMap<&str, u32> = names.iter().enumerate().map(|(i, s)| (*s, i as u32)).collect();
    // Per string, its rank ([`NO_RANK`] if no definition uses it), looked up the first time a plain
    // object's property edge names it: only property names are hashed, not every string.
    let mut rank_of_string = vec![UNRANKED; if definitions.is_empty() { 0 } else { snapshot.strings().len() }];
    let mut trie = PropertyTrie { next: vec![IntMap::default()], matches: vec![None] };
    for (index, def) in definitions.iter().enumerate() {
        let mut ranks: Vec<u32> = def.properties.iter().map(|p| rank_of_text[p.as_str()]).collect();
        ranks.sort_unstable();
        let mut node = 0u32;
        for r in &ranks {
            node = match trie.next[node as usize].get(r) {
                Some(&child) => child,
                None => {
                    let child = trie.next.len() as u32;
                    trie.next.push(IntMap::default());
                    trie.matches.push(None);
                    trie.next[node as usize].insert(*r, child);
                    child
                }
            };
        }
        if trie.matches[node as usize].is_none() {
            trie.matches[node as usize] = Some((ranks.len(), index));
        }
    }
    let interface_identities: Vec<NameIdentity> =
        definitions.iter().map(|d| NameIdentity::Interface(d.name.clone())).collect();
    // The class each definition was given, once one object took it.
    let mut interface_class = vec![ClassId::MAX; definitions.len()];
    let object_names = snapshot.strings().indexes_of("Object");

    let mut class_of = Vec::with_capacity(n);
    let mut locations = snapshot.locations();
    // Per node type, its class once one node of the type was named (every node of a type
    // other than object and native shares one).
    let mut type_classes = [ClassId::MAX; 256];
    let mut ranks: Vec<u32> = Vec::new();
    let mut states: Vec<u32> = Vec::new();
    for node in 0..n as NodeIdx {
        if node.is_multiple_of(RELEASE_NAMES_EVERY) {
            snapshot.release_name_pages_before(node);
        }
        let t = snapshot.node_type(node);
        let mut class = if matches!(t, NodeType::OBJECT | NodeType::NATIVE) {
            match table.original(snapshot.node_name_idx(node)).filter(|_| !renamed.get(node as usize)) {
                Some(c) => c,
                None => table.named(snapshot, base_identity(snapshot, renamed, node)),
            }
        } else {
            match type_classes[t.0 as usize] {
                ClassId::MAX => {
                    let c = table.named(snapshot, base_identity(snapshot, renamed, node));
                    type_classes[t.0 as usize] = c;
                    c
                }
                c => c,
            }
        };
        if t == NodeType::OBJECT && object_names.contains(&snapshot.node_name_idx(node)) {
            ranks.clear();
            if !rank_of_string.is_empty() {
                for e in snapshot.edges(node) {
                    if snapshot.edge_type(e) == EdgeType::PROPERTY {
                        let name = snapshot.edge_name_or_index(e) as usize;
                        let Some(known) = rank_of_string.get_mut(name) else { continue };
                        if *known == UNRANKED {
                            *known = rank_of_text.get(snapshot.string(name as u32)).copied().unwrap_or(NO_RANK);
                        }
                        let r = *known;
                        if r != NO_RANK {
                            ranks.push(r);
                        }
                    }
                }
            }
            ranks.sort_unstable();
            // Best so far: (property count, definition index); the root may hold an empty one.
            let better = |a: Option<(usize, usize)>, b: Option<(usize, usize)>| match (a, b) {
                (None, b) => b,
                (a, None) => a,
                (Some(a), Some(b)) => {
                    if b.0 > a.0 || (b.0 == a.0 && b.1 < a.1) {
                        Some(b)
                    } else {
                        Some(a)
                    }
                }
            };
            let mut best = trie.matches[0];
            states.clear();
            states.push(0);
            for &r in &ranks {
                let current = states.len();
                for i in 0..current {
                    if let Some(&child) = trie.next[states[i] as usize].get(&r) {
                        if !states.contains(&child) {
                            states.push(child);
                        }
                        best = better(best, trie.matches[child as usize]);
                    }
                }
            }
            if let Some((_, index)) = best {
                class = match interface_class[index] {
                    ClassId::MAX => {
                        let c = table.named(snapshot, interface_identities[index].clone());
                        interface_class[index] = c;
                        c
                    }
                    c => c,
                };
            }
        }
        // The locations are sorted by node, one a node: a cursor finds this node's in the
        // ascending walk (a binary search per object was half of this pass).
        while locations.first().is_some_and(|l| l.node < node) {
            locations = &locations[1..];
        }
        if t == NodeType::OBJECT
            && let Some(loc) = locations.first().filter(|l| l.node == node)
        {
            class = table.located(class, loc.script_id, loc.line, loc.column);
        }
        class_of.push(class);
    }
    Classification { class_of: Column::from(class_of), classes: table.classes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::builder::SnapshotBuilder;

    fn plain(b: &mut SnapshotBuilder, root: NodeIdx, props: &[&str]) -> NodeIdx {
        let o = b.node(NodeType::OBJECT, "Object", 16);
        b.edge(root, EdgeType::ELEMENT, o, o);
        for p in props {
            let v = b.node(NodeType::NUMBER, "number", 16);
            b.edge(o, EdgeType::PROPERTY, *p, v);
        }
        o
    }

    #[test]
    fn plain_objects_take_the_largest_matching_interface() {
        let mut b = SnapshotBuilder::new();
        let root = b.node(NodeType::SYNTHETIC, "", 0);
        let mut objs = Vec::new();
        for _ in 0..3 {
            objs.push(plain(&mut b, root, &["a", "b"]));
        }
        for _ in 0..2 {
            objs.push(plain(&mut b, root, &["a"]));
        }
        let ab_c = plain(&mut b, root, &["c", "b", "a"]);
        let lone = plain(&mut b, root, &["z"]);
        let f = b.node(NodeType::CLOSURE, "f", 32);
        b.edge(root, EdgeType::ELEMENT, 99, f);
        let s = b.build();
        let renamed = BitVec::new(s.node_count());
        let defs = infer_interface_definitions(&s);
        let names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, vec!["{a, b}", "{a}"]);
        let c = classify(&s, &renamed, &defs);
        assert_eq!(c.class(objs[0]).name, "{a, b}");
        assert_eq!(c.class(objs[4]).name, "{a}");
        // {c, b, a} has both a and b: the definition with more properties wins.
        assert_eq!(c.class(ab_c).name, "{a, b}");
        assert_eq!(c.class(lone).name, "Object");
        assert_eq!(c.class(lone).key, ",Object");
        assert_eq!(c.class(f).name, "Function");
        assert_eq!(c.class(root).name, "(synthetic)");
    }

    #[test]
    fn tags_are_cut_and_locations_key_classes() {
        let mut b = SnapshotBuilder::new();
        let root = b.node(NodeType::SYNTHETIC, "", 0);
        let div = b.node(NodeType::NATIVE, "<div id=a class=b>", 10);
        let e1 = b.node(NodeType::OBJECT, "EventEmitter", 10);
        let e2 = b.node(NodeType::OBJECT, "EventEmitter", 10);
        b.set_location(e1, 9, 237, 13);
        b.edge(root, EdgeType::ELEMENT, 1, div);
        let s = b.build();
        let renamed = BitVec::new(s.node_count());
        let c = classify(&s, &renamed, &[]);
        assert_eq!(c.class(div).name, "<div>");
        assert_eq!(c.class(e1).key, "9,237,13,EventEmitter");
        assert_eq!(c.class(e2).key, ",EventEmitter");
    }
}
