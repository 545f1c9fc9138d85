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

pub fn calculate(
    snapshot: &HeapSnapshot,
    renamed: &BitVec,
    self_size: &[u32],
    retainers: &Retainers,
    total_size: u64,
) -> Statistics {
    let mut native = snapshot.extra_native_bytes().unwrap_or(0);
    let (mut typed_arrays, mut code, mut strings, mut js_arrays, mut system) = (0u64, 0u64, 0u64, 0u64, 0u64);
    for n in 0..snapshot.node_count() as NodeIdx {
        let size = u64::from(self_size[n as usize]);
        match snapshot.node_type(n) {
            NodeType::HIDDEN => system += size,
            NodeType::NATIVE => {
                native += size;
                if raw_name(snapshot, renamed, n) == "system / JSArrayBufferData" {
                    typed_arrays += size;
                }
            }
            NodeType::CODE => code += size,
            NodeType::CONS_STRING | NodeType::SLICED_STRING | NodeType::STRING => strings += size,
            _ => {
                if snapshot.node_name(n) == "Array" {
                    js_arrays += array_size(snapshot, self_size, retainers, n);
                }
            }
        }
    }
    Statistics {
        total: total_size,
        native: NativeStatistics { total: native, typed_arrays },
        v8heap: V8HeapStatistics { total: total_size.wrapping_sub(native), code, js_arrays, strings, system },
    }
}

fn array_size(snapshot: &HeapSnapshot, self_size: &[u32], retainers: &Retainers, n: NodeIdx) -> u64 {
    let mut size = u64::from(self_size[n as usize]);
    for e in snapshot.edges(n) {
        if snapshot.edge_type(e) != EdgeType::INTERNAL || snapshot.string(snapshot.edge_name_or_index(e)) != "elements"
        {
            continue;
        }
        let elements = snapshot.edge_to(e);
        if retainers.count(elements) == 1 {
            size += u64::from(self_size[elements as usize]);
        }
        break;
    }
    size
}
