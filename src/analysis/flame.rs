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
    pub fn name<'a>(&self, a: &'a Analysis, f: u32) -> &'a str {
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
    FlameGraph { frames, frame_of }
}
