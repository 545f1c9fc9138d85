//! The Statistics view: where the heap's bytes are.
//!
//! Implements DevTools `JSHeapSnapshot.calculateStatistics` and `calculateArraySize`
//! (HeapSnapshot.ts, end of `JSHeapSnapshot`), on post-transfer self sizes:
//!
//! * native = `extra_native_bytes` + Σ self of `native` nodes; typed arrays = those named
//!   `system / JSArrayBufferData`;
//! * code (`code` nodes), strings (flat, cons and sliced), system (`hidden` nodes);
//! * JS arrays: for each node named `Array`, its self size plus its `elements` backing store's
//!   if the array is the store's only retainer;
//! * V8 heap = total − native; total = root retained + `extra_native_bytes`.

use serde::{Deserialize, Serialize};

use super::bits::BitVec;
use super::names::raw_name;
use super::retainers::Retainers;
use crate::snapshot::{EdgeType, HeapSnapshot, NodeIdx, NodeType};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativeStatistics {
    pub total: u64,
    #[serde(rename = "typedArrays")]
    pub typed_arrays: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct V8HeapStatistics {
    pub total: u64,
    pub code: u64,
    #[serde(rename = "jsArrays")]
    pub js_arrays: u64,
    pub strings: u64,
    pub system: u64,
}

/// DevTools' `Statistics` (field names as DevTools serialises them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statistics {
    pub total: u64,
    pub native: NativeStatistics,
    pub v8heap: V8HeapStatistics,
}

/// The part of the statistics that reads names, in one pass over the nodes: run while the names
/// are resident (right after class names, see `super::run_passes`); [`StatisticsScan::finish`]
/// adds what needs the retainer index and the total.
pub struct StatisticsScan {
    native: u64,
    typed_arrays: u64,
    code: u64,
    strings: u64,
    system: u64,
    /// Σ self size of the nodes named `Array`.
    arrays_self: u64,
    /// The `elements` backing store of each such array that has one (an array per entry, so a
    /// store two arrays point to counts for each, as in `calculateArraySize`).
    array_elements: Vec<NodeIdx>,
}

pub fn scan(snapshot: &HeapSnapshot, renamed: &BitVec, self_size: &[u32]) -> StatisticsScan {
    let mut out = StatisticsScan {
        native: snapshot.extra_native_bytes().unwrap_or(0),
        typed_arrays: 0,
        code: 0,
        strings: 0,
        system: 0,
        arrays_self: 0,
        array_elements: Vec::new(),
    };
    for n in 0..snapshot.node_count() as NodeIdx {
        if n.is_multiple_of(super::classes::RELEASE_NAMES_EVERY) {
            snapshot.release_name_pages_before(n);
        }
        let size = u64::from(self_size[n as usize]);
        match snapshot.node_type(n) {
            NodeType::HIDDEN => out.system += size,
            NodeType::NATIVE => {
                out.native += size;
                if raw_name(snapshot, renamed, n) == "system / JSArrayBufferData" {
                    out.typed_arrays += size;
                }
            }
            NodeType::CODE => out.code += size,
            NodeType::CONS_STRING | NodeType::SLICED_STRING | NodeType::STRING => out.strings += size,
            _ => {
                if snapshot.node_name(n) == "Array" {
                    out.arrays_self += size;
                    out.array_elements.extend(elements_of(snapshot, n));
                }
            }
        }
    }
    out
}

impl StatisticsScan {
    /// `calculateArraySize`'s "only retainer" test, and the totals.
    pub fn finish(self, self_size: &[u32], retainers: &Retainers, total_size: u64) -> Statistics {
        let js_arrays = self.arrays_self
            + self
                .array_elements
                .iter()
                .filter(|&&el| retainers.count(el) == 1)
                .map(|&el| u64::from(self_size[el as usize]))
                .sum::<u64>();
        Statistics {
            total: total_size,
            native: NativeStatistics { total: self.native, typed_arrays: self.typed_arrays },
            v8heap: V8HeapStatistics {
                total: total_size.wrapping_sub(self.native),
                code: self.code,
                js_arrays,
                strings: self.strings,
                system: self.system,
            },
        }
    }
}

/// The target of an array's first internal edge named `elements`.
fn elements_of(snapshot: &HeapSnapshot, n: NodeIdx) -> Option<NodeIdx> {
    snapshot
        .edges(n)
        .find(|&e| {
            snapshot.edge_type(e) == EdgeType::INTERNAL && snapshot.string(snapshot.edge_name_or_index(e)) == "elements"
        })
        .map(|e| snapshot.edge_to(e))
}
