//! The flame chart of retained size (issue 13, item 2; the engine half): the dominator tree with
//! the children of the same class merged along each path, as Perfetto's heap flame graph merges
//! them. A frame's width is the summed retained size of its objects.
//!
//! Frames are built breadth first from the root's frame (the root alone): the dominated objects of
//! all of a frame's objects, grouped by class, become its child frames. Every object is in exactly
//! one frame (its parent's frame's child of its class), so the whole pass is O(N) plus the
//! per-frame sorts, and at most N frames exist; frames narrower than `min_retained` are left out
//! with everything below them (a chart cannot draw them), which bounds the count by what can be
//! seen. Siblings are ordered widest first, then by class name, and each frame's `offset` is its
//! left edge in bytes from the chart's left: an icicle layout a view scales to pixels.

use std::collections::HashMap;

use super::Analysis;
use super::classes::ClassId;
use super::dominator_tree::DominatorChildren;
use super::jsstr::cmp_utf16;
use crate::snapshot::NodeIdx;

/// No parent (the root frame) / no class (the root frame).
pub const NONE: u32 = u32::MAX;

/// One frame: objects of one class at one place in the dominator tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Index of the parent frame ([`NONE`] for the root frame).
    pub parent: u32,
    /// The class of its objects ([`NONE`] for the root frame).
    pub class: ClassId,
    pub depth: u32,
    /// Objects in the frame.
    pub count: u32,
    pub self_size: u64,
    /// The frame's width: its objects' retained sizes summed (disjoint subtrees: siblings).
    pub retained_size: u64,
    /// Left edge, in bytes from the chart's left.
    pub offset: u64,
    /// Child frames: `first_child..first_child + child_count`, widest first.
    pub first_child: u32,
    pub child_count: u32,
}

/// The chart: frames in breadth-first order (parents before children, siblings contiguous).
#[derive(Clone, Debug, Default)]
pub struct FlameGraph {
    pub frames: Vec<Frame>,
    /// Which frame each object is drawn in (`NONE`: in a frame left out as too narrow), for
    /// highlighting a selected object.
    pub frame_of: Vec<u32>,
    /// Frame names where frames are not classes ([`by_source`]'s packages and files); empty for
    /// the dominator chart.
    pub labels: Vec<String>,
}

impl FlameGraph {
    pub fn children(&self, f: u32) -> std::ops::Range<u32> {
        let fr = &self.frames[f as usize];
        fr.first_child..fr.first_child + fr.child_count
    }

    /// The frames from the root down to `f`, for the hover text.
    pub fn path(&self, f: u32) -> Vec<u32> {
        let mut out = vec![f];
        let mut x = f;
        while self.frames[x as usize].parent != NONE {
            x = self.frames[x as usize].parent;
            out.push(x);
        }
        out.reverse();
        out
    }

    /// A frame's class name ("(root)" for the root frame).
    pub fn name<'a>(&'a self, a: &'a Analysis, f: u32) -> &'a str {
        if let Some(label) = self.labels.get(f as usize).filter(|l| !l.is_empty()) {
            return label;
        }
        match self.frames[f as usize].class {
            NONE => "(root)",
            c => &a.classes.classes[c as usize].name,
        }
    }
}

/// Builds the chart from the dominator tree's children lists (any order). Frames narrower than
/// `min_retained` bytes are left out with their subtrees (0 keeps every frame).
pub fn build(a: &Analysis, tree: &DominatorChildren, min_retained: u64) -> FlameGraph {
    let root = a.snapshot.root();
    let mut frame_of = vec![NONE; a.node_count()];
    let mut frames = vec![Frame {
        parent: NONE,
        class: NONE,
        depth: 0,
        count: 1,
        self_size: u64::from(a.self_size[root as usize]),
        retained_size: a.retained_size[root as usize],
        offset: 0,
        first_child: 1,
        child_count: 0,
    }];
    frame_of[root as usize] = 0;
    // The objects of the frames not yet expanded, in frame order.
    let mut queue: std::collections::VecDeque<Vec<NodeIdx>> = std::collections::VecDeque::from([vec![root]]);
    let mut next = 0usize;
    while let Some(members) = queue.pop_front() {
        let f = next;
        next += 1;
        let mut by_class: HashMap<ClassId, usize> = HashMap::new();
        let mut groups: Vec<(Frame, Vec<NodeIdx>)> = Vec::new();
        for &m in &members {
            for &c in tree.children(m) {
                let class = a.classes.class_of[c as usize];
                let i = *by_class.entry(class).or_insert_with(|| {
                    let frame = Frame {
                        parent: f as u32,
                        class,
                        depth: frames[f].depth + 1,
                        count: 0,
                        self_size: 0,
                        retained_size: 0,
                        offset: 0,
                        first_child: 0,
                        child_count: 0,
                    };
                    groups.push((frame, Vec::new()));
                    groups.len() - 1
                });
                let (g, list) = &mut groups[i];
                g.count += 1;
                g.self_size += u64::from(a.self_size[c as usize]);
                g.retained_size += a.retained_size[c as usize];
                list.push(c);
            }
        }
        drop(members);
        groups.retain(|(g, _)| g.retained_size >= min_retained);
        let name = |c: ClassId| a.classes.classes[c as usize].name.as_str();
        groups.sort_by(|(x, _), (y, _)| {
            y.retained_size
                .cmp(&x.retained_size)
                .then_with(|| cmp_utf16(name(x.class), name(y.class)))
                .then(x.class.cmp(&y.class))
        });
        frames[f].first_child = frames.len() as u32;
        frames[f].child_count = groups.len() as u32;
        let mut offset = frames[f].offset;
        for (mut g, list) in groups {
            g.offset = offset;
            offset += g.retained_size;
            let index = frames.len() as u32;
            for &m in &list {
                frame_of[m as usize] = index;
            }
            frames.push(g);
            queue.push_back(list);
        }
    }
    FlameGraph { frames, frame_of, labels: Vec::new() }
}

/// The flame chart "by source": root → package → script → class frames, each node counted once
/// under the script it is attributed to ([`super::sources`]) and its own class. A frame's width
/// is its nodes' self sizes summed, so the root is the sum of all self sizes (the heap's size)
/// and every level sums to it. Siblings widest first, then by name.
pub fn by_source(a: &Analysis, sources: &super::sources::Sources) -> FlameGraph {
    use super::sources::{self, NONE as NO};
    let s = &a.snapshot;
    // Per package, per script, per (script, class): count and bytes.
    let mut packages: HashMap<u32, (u32, u64)> = HashMap::new();
    let mut scripts: HashMap<u32, (u32, u64)> = HashMap::new();
    let mut classes: HashMap<(u32, ClassId), (u32, u64)> = HashMap::new();
    for n in 0..a.node_count() {
        let script = sources.script_of[n];
        let package = if script == NO { 0 } else { sources.scripts[script as usize].package };
        let size = u64::from(a.self_size[n]);
        for acc in [
            packages.entry(package).or_default(),
            scripts.entry(script).or_default(),
            classes.entry((script, a.classes.class_of[n])).or_default(),
        ] {
            acc.0 += 1;
            acc.1 += size;
        }
    }
    let package_of = |script: u32| if script == NO { 0 } else { sources.scripts[script as usize].package };
    let script_name = |script: u32| {
        if script == NO {
            sources::NO_SCRIPT.to_string()
        } else {
            s.string(sources.scripts[script as usize].name).to_string()
        }
    };
    let class_name = |c: ClassId| a.classes.classes[c as usize].name.as_str();
    let by_width = |x: &(u64, String), y: &(u64, String)| y.0.cmp(&x.0).then_with(|| cmp_utf16(&x.1, &y.1));

    let total: u64 = packages.values().map(|p| p.1).sum();
    let count: u32 = packages.values().map(|p| p.0).sum();
    let mut frames = vec![Frame {
        parent: NONE,
        class: NONE,
        depth: 0,
        count,
        self_size: total,
        retained_size: total,
        offset: 0,
        first_child: 1,
        child_count: 0,
    }];
    let mut labels = vec!["(all scripts)".to_string()];
    let frame = |parent: u32, class: ClassId, depth: u32, (count, size): (u32, u64), offset: u64| Frame {
        parent,
        class,
        depth,
        count,
        self_size: size,
        retained_size: size,
        offset,
        first_child: 0,
        child_count: 0,
    };
    // Packages.
    let mut level: Vec<(u64, String, u32)> =
        packages.iter().map(|(&p, v)| (v.1, sources.packages[p as usize].clone(), p)).collect();
    level.sort_by(|x, y| by_width(&(x.0, x.1.clone()), &(y.0, y.1.clone())));
    frames[0].child_count = level.len() as u32;
    let mut offset = 0;
    let mut package_frames = Vec::new();
    for (size, name, p) in level {
        package_frames.push((frames.len() as u32, p));
        frames.push(frame(0, NONE, 1, (packages[&p].0, size), offset));
        labels.push(name);
        offset += size;
    }
    // Scripts, package by package.
    let mut script_frames = Vec::new();
    let mut scripts_of: HashMap<u32, Vec<(u64, String, u32)>> = HashMap::new();
    for (&sc, v) in &scripts {
        scripts_of.entry(package_of(sc)).or_default().push((v.1, script_name(sc), sc));
    }
    for &(pf, p) in &package_frames {
        let mut level = scripts_of.remove(&p).unwrap_or_default();
        level.sort_by(|x, y| by_width(&(x.0, x.1.clone()), &(y.0, y.1.clone())));
        frames[pf as usize].first_child = frames.len() as u32;
        frames[pf as usize].child_count = level.len() as u32;
        let mut offset = frames[pf as usize].offset;
        for (size, name, sc) in level {
            script_frames.push((frames.len() as u32, sc));
            frames.push(frame(pf, NONE, 2, (scripts[&sc].0, size), offset));
            labels.push(if sc == NO { name } else { sources::short_script_name(&name).to_string() });
            offset += size;
        }
    }
    // Classes, script by script.
    let mut frame_of = vec![NONE; a.node_count()];
    let mut class_frame: HashMap<(u32, ClassId), u32> = HashMap::new();
    let mut classes_of: HashMap<u32, Vec<(u64, String, ClassId)>> = HashMap::new();
    for (&(sc, c), v) in &classes {
        classes_of.entry(sc).or_default().push((v.1, class_name(c).to_string(), c));
    }
    for &(sf, sc) in &script_frames {
        let mut level = classes_of.remove(&sc).unwrap_or_default();
        level.sort_by(|x, y| by_width(&(x.0, x.1.clone()), &(y.0, y.1.clone())).then(x.2.cmp(&y.2)));
        frames[sf as usize].first_child = frames.len() as u32;
        frames[sf as usize].child_count = level.len() as u32;
        let mut offset = frames[sf as usize].offset;
        for (size, name, c) in level {
            class_frame.insert((sc, c), frames.len() as u32);
            frames.push(frame(sf, c, 3, (classes[&(sc, c)].0, size), offset));
            labels.push(name);
            offset += size;
        }
    }
    for (n, f) in frame_of.iter_mut().enumerate() {
        *f = class_frame[&(sources.script_of[n], a.classes.class_of[n])];
    }
    let first_leaf = frames.len() as u32;
    for f in frames.iter_mut().filter(|f| f.depth == 3) {
        f.first_child = first_leaf;
    }
    FlameGraph { frames, frame_of, labels }
}
