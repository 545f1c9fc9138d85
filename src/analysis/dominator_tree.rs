//! The dominator tree as children lists: what the Dominators view, `heapscope dominators`, the
//! Summary's class retained sizes and the leak report walk.
//!
//! [`Analysis::dominator`] gives each node its immediate dominator; the views need the other
//! direction. [`DominatorChildren`] is that inverse as one CSR (compressed sparse rows): one
//! `Vec<u32>` of offsets (N + 1) and one of children (N − 1), built by a counting pass, a prefix
//! sum and a scatter: O(N), no per-node `Vec` (DevTools `buildDominatedNodes`, HeapSnapshot.ts,
//! builds the same two arrays). [`DominatorChildren::build`] then sorts each list into the one
//! order every front end shows ([`views::sort_dominated`]: retained size descending, then id
//! ascending); [`DominatorChildren::build_unsorted`] keeps node order for passes that only sum.
//!
//! [`group_by_class`] is Eclipse MAT's "Group by class" of a node's children: one row per class
//! with the members' count and summed self and retained sizes. The members are siblings, so
//! their dominator subtrees are disjoint and the sums count nothing twice.

use std::borrow::Cow;

use super::Analysis;
use super::classes::ClassId;
use super::views;
use crate::snapshot::NodeIdx;

/// Children lists of the dominator tree, as a CSR.
#[derive(Clone, Debug, Default)]
pub struct DominatorChildren {
    /// `children[first[n]..first[n + 1]]` are the nodes `n` immediately dominates.
    first: Vec<u32>,
    children: Vec<NodeIdx>,
    /// Objects in each node's dominator subtree, itself included: how many objects go if it
    /// goes (the Count column). Empty from [`DominatorChildren::build_unsorted`].
    retained_count: Vec<u32>,
}

impl DominatorChildren {
    /// Children in node order. O(N). Every node but the root has a dominator (the dominator pass
    /// attaches unreachable nodes under the root); a node that is its own dominator would be a
    /// bug upstream and is left out rather than made a cycle.
    pub fn build_unsorted(dominator: &[NodeIdx], root: NodeIdx) -> DominatorChildren {
        let n = dominator.len();
        let is_child = |v: usize, d: NodeIdx| v as NodeIdx != root && d as usize != v;
        let mut first = vec![0u32; n + 1];
        for (v, &d) in dominator.iter().enumerate() {
            if is_child(v, d) {
                first[d as usize + 1] += 1;
            }
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        // Scatter with a cursor per parent, then shift the offsets back: no second array.
        let mut children = vec![0; first[n] as usize];
        for (v, &d) in dominator.iter().enumerate() {
            if is_child(v, d) {
                children[first[d as usize] as usize] = v as NodeIdx;
                first[d as usize] += 1;
            }
        }
        for i in (1..=n).rev() {
            first[i] = first[i - 1];
        }
        if n > 0 {
            first[0] = 0;
        }
        DominatorChildren { first, children, retained_count: Vec::new() }
    }

    /// Children in the dominator views' order: retained size descending, then id ascending
    /// ([`views::DOMINATORS_DEFAULT_SORT`]).
    /// Also counts each subtree's objects. O(N) plus the sorts of the lists.
    pub fn build(a: &Analysis) -> DominatorChildren {
        let root = a.snapshot.root();
        let mut tree = DominatorChildren::build_unsorted(&a.dominator, root);
        tree.retained_count = tree.subtree_counts(root);
        let (key, ascending) = views::DOMINATORS_DEFAULT_SORT;
        let mut children = std::mem::take(&mut tree.children);
        for i in 0..tree.node_count() {
            let (start, end) = (tree.first[i] as usize, tree.first[i + 1] as usize);
            if end - start > 1 {
                views::sort_dominated(a, &tree.retained_count, &mut children[start..end], key, ascending);
            }
        }
        tree.children = children;
        tree
    }

    /// Subtree sizes: a breadth-first order from the root (parents before children), summed
    /// backwards. Nodes outside the tree count themselves.
    fn subtree_counts(&self, root: NodeIdx) -> Vec<u32> {
        let n = self.node_count();
        let mut count = vec![1u32; n];
        if n == 0 {
            return count;
        }
        let mut order: Vec<NodeIdx> = Vec::with_capacity(n);
        order.push(root);
        let mut i = 0;
        while i < order.len() {
            let v = order[i];
            order.extend_from_slice(self.children(v));
            i += 1;
        }
        for &v in order.iter().rev() {
            let below: u32 = self.children(v).iter().map(|&c| count[c as usize]).sum();
            count[v as usize] += below;
        }
        count
    }

    /// Objects in `n`'s dominator subtree, itself included (built by [`DominatorChildren::build`]).
    pub fn retained_count(&self, n: NodeIdx) -> u32 {
        self.retained_count.get(n as usize).copied().unwrap_or(1)
    }

    /// The per-node counts, for [`views::sort_dominated`].
    pub fn retained_counts(&self) -> &[u32] {
        &self.retained_count
    }

    /// The nodes `n` immediately dominates.
    pub fn children(&self, n: NodeIdx) -> &[NodeIdx] {
        &self.children[self.first[n as usize] as usize..self.first[n as usize + 1] as usize]
    }

    pub fn node_count(&self) -> usize {
        self.first.len().saturating_sub(1)
    }

    pub fn heap_bytes(&self) -> usize {
        (self.first.capacity() + self.children.capacity() + self.retained_count.capacity()) * 4
    }
}

/// One class among a node's dominator-tree children (MAT's "Group by class" row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassGroup {
    pub class: ClassId,
    pub count: u32,
    /// Objects in the members' dominator subtrees (disjoint: the members are siblings).
    pub retained_count: u64,
    pub self_size: u64,
    pub retained_size: u64,
    /// The members, in the order they were given (the children's order).
    pub members: Vec<NodeIdx>,
}

impl ClassGroup {
    pub fn name<'a>(&self, a: &'a Analysis) -> &'a str {
        &a.classes.classes[self.class as usize].name
    }
}

/// `children` grouped by class, groups in [`views::sort_class_groups`]' default order
/// (retained size descending, then name). Members keep the order of `children`.
pub fn group_by_class(a: &Analysis, tree: &DominatorChildren, children: &[NodeIdx]) -> Vec<ClassGroup> {
    let mut index: std::collections::HashMap<ClassId, usize> = std::collections::HashMap::new();
    let mut groups: Vec<ClassGroup> = Vec::new();
    for &c in children {
        let class = a.classes.class_of[c as usize];
        let i = *index.entry(class).or_insert_with(|| {
            groups.push(ClassGroup {
                class,
                count: 0,
                retained_count: 0,
                self_size: 0,
                retained_size: 0,
                members: Vec::new(),
            });
            groups.len() - 1
        });
        let g = &mut groups[i];
        g.count += 1;
        g.retained_count += u64::from(tree.retained_count(c));
        g.self_size += u64::from(a.self_size[c as usize]);
        g.retained_size += a.retained_size[c as usize];
        g.members.push(c);
    }
    let (key, ascending) = views::DOMINATORS_DEFAULT_SORT;
    views::sort_class_groups(a, &mut groups, key, ascending);
    groups
}

/// What a front end prints for one dominator-tree node.
pub struct NodeFacts<'a> {
    pub id: u32,
    pub name: Cow<'a, str>,
    pub class_name: &'a str,
    pub self_size: u32,
    pub retained_size: u64,
}

pub fn facts(a: &Analysis, n: NodeIdx) -> NodeFacts<'_> {
    NodeFacts {
        id: a.snapshot.node_id(n),
        name: a.display_name(n),
        class_name: a.class_name(n),
        self_size: a.self_size[n as usize],
        retained_size: a.retained_size[n as usize],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ```text
    ///      0 (root)
    ///     / \
    ///    1   2
    ///   / \
    ///  3   4
    /// ```
    #[test]
    fn csr_inverts_the_dominator_array() {
        let dominator = [0, 0, 0, 1, 1];
        let t = DominatorChildren::build_unsorted(&dominator, 0);
        assert_eq!(t.children(0), [1, 2]);
        assert_eq!(t.children(1), [3, 4]);
        assert!(t.children(2).is_empty());
        assert!(t.children(3).is_empty());
        assert!(t.children(4).is_empty());
        assert_eq!(t.node_count(), 5);
    }

    /// A root that is not node 0, and a node that is (wrongly) its own dominator.
    #[test]
    fn root_anywhere_and_no_self_loops() {
        let dominator = [2, 1, 2, 0];
        let t = DominatorChildren::build_unsorted(&dominator, 2);
        assert_eq!(t.children(2), [0]);
        assert_eq!(t.children(0), [3]);
        assert!(t.children(1).is_empty());
    }
}
