//! Where memory comes from (issue 13, item 2, second half): every object attributed to a script
//! file and an npm package, so a user sees "express 3 %, our `session.js` 40 %".
//!
//! What a V8 snapshot says about scripts (`v8/src/profiler/heap-snapshot-generator.cc`):
//!
//! * a **closure** has an internal `shared` edge to its SharedFunctionInfo, which has an internal
//!   `script_or_debug_info` (older V8: `script`) edge to the **Script** node: type `code`, named
//!   by the script's name (`ExtractScriptReferences`; its `name` edge leads to the same string);
//! * an object's **location** (the `locations` section: `object_index, script_id, line, column`,
//!   `HeapSnapshotGenerator` `ExtractLocation`) is where its constructor (or, for a closure, the
//!   function) is defined, as a script *id*. The snapshot has no table from ids to names, so the
//!   ids are named through the closures that have both a location and a Script node;
//! * a closure's internal `context` edge leads to its **Context** (`system / Context`): the
//!   variables of the enclosing function scopes that its code reads (the tutorial module's
//!   `loginUsers` store). A function context is the scope of one function, so it belongs to the
//!   script of the closures that reference it, as DevTools attributes a closure to the script of
//!   its `location`. Native (global) and script contexts are shared by every script; they get none.
//!
//! So an object's own script is its closure's script or its location's script, and a function
//! context's is its closures' (the first in node order, should two disagree). Most bytes are in
//! objects that have neither (strings, arrays, plain objects, V8 internals); each is attributed
//! to the nearest object up its dominator chain that has one (the object that alone keeps it
//! alive: a `Session`'s strings belong to `session.js`). Nodes with none up to the root are "(no
//! script)". Every node gets exactly one script, so the per-script self sizes sum to the heap.
//!
//! A script's **package** is the directory after its last `node_modules/` (`@scope/name` for
//! scoped packages); Node's own modules (`node:…`, or names without a `/`) are "(node)"; other
//! files are "(app)".

use std::collections::HashMap;

use super::Analysis;
use super::dominator_tree::DominatorChildren;
use crate::snapshot::{EdgeType, NodeIdx, NodeType, StringIdx};

/// No script.
pub const NONE: u32 = u32::MAX;

/// The package of Node's own modules.
pub const NODE: &str = "(node)";
/// The package of scripts outside `node_modules`.
pub const APP: &str = "(app)";
/// The package and script of nodes with no script up their dominator chain.
pub const NO_SCRIPT: &str = "(no script)";
/// A function's context, as V8 names it (`HeapSnapshotGenerator`'s "system / Context"); the
/// native and script contexts are "system / NativeContext" and "system / ScriptContext".
const FUNCTION_CONTEXT: &str = "system / Context";

/// One script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    /// The Script node's name (a path, a URL, or `node:…`).
    pub name: StringIdx,
    /// Index into [`Sources::packages`].
    pub package: u32,
}

/// Every node's script.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// Each node's script (index into `scripts`; [`NONE`]: none up to the root).
    pub script_of: Vec<u32>,
    pub scripts: Vec<Script>,
    /// Package names, [`NO_SCRIPT`] first.
    pub packages: Vec<String>,
}

/// The package a script belongs to: `express`, `@scope/name`, [`NODE`] or [`APP`].
pub fn package_of(script: &str) -> &str {
    let path = script.replace('\\', "/");
    if let Some(at) = path.rfind("node_modules/") {
        let rest = &script[at + "node_modules/".len()..];
        let mut parts = rest.split(['/', '\\']);
        let first = parts.next().unwrap_or("");
        let len = if first.starts_with('@') { first.len() + 1 + parts.next().map_or(0, str::len) } else { first.len() };
        if len > 0 {
            return &rest[..len.min(rest.len())];
        }
    }
    if script.starts_with("node:") || !(script.contains('/') || script.contains('\\')) {
        return NODE;
    }
    APP
}

/// The Script node a closure's SharedFunctionInfo points to.
fn closure_script(a: &Analysis, closure: NodeIdx) -> Option<NodeIdx> {
    let s = &a.snapshot;
    let internal = |n: NodeIdx, names: &[&str]| {
        s.edges(n)
            .find(|&e| s.edge_type(e) == EdgeType::INTERNAL && names.contains(&&*s.edge_name(e)))
            .map(|e| s.edge_to(e))
    };
    let shared = internal(closure, &["shared"])?;
    let script = internal(shared, &["script_or_debug_info", "script"])?;
    (s.node_type(script) == NodeType::CODE).then_some(script)
}

/// Attributes every node to a script (see the module docs).
pub fn attribute(a: &Analysis) -> Sources {
    let s = &a.snapshot;
    let mut out = Sources { packages: vec![NO_SCRIPT.to_string()], ..Sources::default() };
    let mut script_index: HashMap<StringIdx, u32> = HashMap::new();
    let mut package_index: HashMap<String, u32> = HashMap::from([(NO_SCRIPT.to_string(), 0)]);
    let mut script_for_name = |out: &mut Sources, name: StringIdx| -> u32 {
        *script_index.entry(name).or_insert_with(|| {
            let package = package_of(s.string(name)).to_string();
            let next = out.packages.len() as u32;
            let p = *package_index.entry(package.clone()).or_insert(next);
            if p == next {
                out.packages.push(package);
            }
            out.scripts.push(Script { name, package: p });
            out.scripts.len() as u32 - 1
        })
    };
    // Each node's own script: closures through their Script node; script ids named by them.
    let mut own = vec![NONE; a.node_count()];
    let mut id_names: HashMap<u32, StringIdx> = HashMap::new();
    for n in 0..a.node_count() as NodeIdx {
        if s.node_type(n) == NodeType::CLOSURE
            && let Some(script) = closure_script(a, n)
        {
            own[n as usize] = script_for_name(&mut out, s.node_name_idx(script));
            if let Some(loc) = s.location(n) {
                id_names.insert(loc.script_id, s.node_name_idx(script));
            }
        }
    }
    // Function contexts: the script of the (first) closure that references them.
    for n in 0..a.node_count() as NodeIdx {
        let script = own[n as usize];
        if script == NONE || s.node_type(n) != NodeType::CLOSURE {
            continue;
        }
        let context = s
            .edges(n)
            .find(|&e| s.edge_type(e) == EdgeType::INTERNAL && s.edge_name(e) == "context")
            .map(|e| s.edge_to(e));
        if let Some(c) = context
            && s.node_name(c) == FUNCTION_CONTEXT
            && own[c as usize] == NONE
        {
            own[c as usize] = script;
        }
    }
    for loc in s.locations() {
        if own[loc.node as usize] == NONE
            && let Some(&name) = id_names.get(&loc.script_id)
        {
            own[loc.node as usize] = script_for_name(&mut out, name);
        }
    }
    // Down the dominator tree: a node without its own script takes its dominator's.
    let tree = DominatorChildren::build_unsorted(&a.dominator, s.root());
    let mut queue = std::collections::VecDeque::from([s.root()]);
    out.script_of = own;
    while let Some(n) = queue.pop_front() {
        let inherited = out.script_of[n as usize];
        for &c in tree.children(n) {
            if out.script_of[c as usize] == NONE {
                out.script_of[c as usize] = inherited;
            }
            queue.push_back(c);
        }
    }
    out
}

/// A script's name as a frame shows it: the path inside its package, or the last two path
/// components of an application file.
pub fn short_script_name(name: &str) -> &str {
    let unified = name.replace('\\', "/");
    if let Some(at) = unified.rfind("node_modules/") {
        let package = package_of(name);
        let start = at + "node_modules/".len() + package.len() + 1;
        if start < name.len() {
            return &name[start..];
        }
    }
    if package_of(name) == APP {
        let mut cut = name.len();
        for _ in 0..2 {
            match name[..cut].rfind(['/', '\\']) {
                Some(i) => cut = i,
                None => return name,
            }
        }
        return &name[cut + 1..];
    }
    name
}

/// One script's share: its objects' count and self sizes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptTotal {
    /// The script's name ([`NO_SCRIPT`] for nodes without one).
    pub name: String,
    pub count: u64,
    pub self_size: u64,
}

/// One package's share and its scripts', largest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageTotal {
    pub name: String,
    pub count: u64,
    pub self_size: u64,
    pub scripts: Vec<ScriptTotal>,
}

/// Self sizes summed per package and script (`heapscope sources`): largest first, then by name.
/// The packages' sizes sum to all nodes' self sizes.
pub fn totals(a: &Analysis, sources: &Sources) -> Vec<PackageTotal> {
    let mut per_script: HashMap<u32, (u64, u64)> = HashMap::new();
    for (n, &script) in sources.script_of.iter().enumerate() {
        let t = per_script.entry(script).or_default();
        t.0 += 1;
        t.1 += u64::from(a.self_size[n]);
    }
    let mut packages: Vec<PackageTotal> = sources
        .packages
        .iter()
        .map(|name| PackageTotal { name: name.clone(), count: 0, self_size: 0, scripts: Vec::new() })
        .collect();
    for (script, (count, self_size)) in per_script {
        let (package, name) = if script == NONE {
            (0, NO_SCRIPT.to_string())
        } else {
            let sc = &sources.scripts[script as usize];
            (sc.package as usize, a.snapshot.string(sc.name).to_string())
        };
        let p = &mut packages[package];
        p.count += count;
        p.self_size += self_size;
        p.scripts.push(ScriptTotal { name, count, self_size });
    }
    packages.retain(|p| p.count > 0);
    let order = |x: (u64, &str), y: (u64, &str)| y.0.cmp(&x.0).then_with(|| super::jsstr::cmp_utf16(x.1, y.1));
    for p in &mut packages {
        p.scripts.sort_by(|x, y| order((x.self_size, &x.name), (y.self_size, &y.name)));
    }
    packages.sort_by(|x, y| order((x.self_size, &x.name), (y.self_size, &y.name)));
    packages
}
