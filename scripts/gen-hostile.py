#!/usr/bin/env python3
"""Writes valid V8 heap snapshots shaped to stress one cost, for BENCHMARKS.md ("Hostile shapes").

    scripts/gen-hostile.py classes N PREFIX > FILE   # N objects, each of its own class PREFIX_i
    scripts/gen-hostile.py retainers N > FILE        # object @3 retained by N objects
    scripts/gen-hostile.py longname BYTES > FILE     # one object whose class name is BYTES long

`classes` with two different prefixes gives two snapshots whose Comparison has 2N rows (every
class only in one of them): the shape that made `diff` quadratic (issue 10, item 1).
`retainers` gives one object with N retainers: `retainers FILE @3 --json` prints N rows
(item 2). The files are written by this script, not by Heapscope's writer, so the reader is
tested on text it did not produce.
"""
import sys

NODE_FIELDS = ["type", "name", "id", "self_size", "edge_count", "trace_node_id", "detachedness"]
NODE_TYPES = ["hidden", "array", "string", "object", "code", "closure", "regexp", "number", "native",
              "synthetic", "concatenated string", "sliced string", "symbol", "bigint", "object shape"]
EDGE_TYPES = ["context", "element", "property", "internal", "hidden", "shortcut", "weak"]
SYNTHETIC, OBJECT = 9, 3
ELEMENT, PROPERTY = 1, 2
NF = len(NODE_FIELDS)


def write(out, nodes, edges, strings):
    """nodes: [type, name, id, self_size, edge_count]; edges: [type, name_or_index, target ordinal]."""
    meta = ('{"node_fields":%s,"node_types":[%s,"string","number","number","number","number","number"],'
            '"edge_fields":["type","name_or_index","to_node"],"edge_types":[%s,"string_or_number","node"],'
            '"trace_function_info_fields":[],"trace_node_fields":[],"sample_fields":[],"location_fields":[]}') % (
        str(NODE_FIELDS).replace("'", '"'), str(NODE_TYPES).replace("'", '"'), str(EDGE_TYPES).replace("'", '"'))
    out.write('{"snapshot":{"meta":%s,"node_count":%d,"edge_count":%d,"trace_function_count":0},\n'
              % (meta, len(nodes), len(edges)))
    out.write('"nodes":[')
    out.write(",\n".join("%d,%d,%d,%d,%d,0,0" % tuple(n) for n in nodes))
    out.write('],\n"edges":[')
    out.write(",\n".join("%d,%d,%d" % (t, name, to * NF) for t, name, to in edges))
    out.write('],\n"locations":[],\n"strings":[')
    out.write(",\n".join('"%s"' % s for s in strings))
    out.write("]}\n")


def classes(n, prefix):
    strings = ["", "(root)"]
    nodes = [[SYNTHETIC, 1, 1, 0, n]]
    edges = []
    for i in range(n):
        strings.append("%s_%d" % (prefix, i))
        nodes.append([OBJECT, len(strings) - 1, 3 + 2 * i, 16, 0])
        edges.append((ELEMENT, i, i + 1))
    return nodes, edges, strings


def retainers(n):
    strings = ["", "(root)", "Target", "Holder", "t"]
    # root → every holder; every holder → the target (@3, ordinal 1).
    nodes = [[SYNTHETIC, 1, 1, 0, n], [OBJECT, 2, 3, 32, 0]]
    edges = [(ELEMENT, i, i + 2) for i in range(n)]
    for i in range(n):
        nodes.append([OBJECT, 3, 5 + 2 * i, 16, 1])
        edges.append((PROPERTY, 4, 1))
    return nodes, edges, strings


def longname(n):
    strings = ["", "(root)", "C" * n]
    nodes = [[SYNTHETIC, 1, 1, 0, 1], [OBJECT, 2, 3, 64, 0]]
    edges = [(ELEMENT, 0, 1)]
    return nodes, edges, strings


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "classes":
        prefix = sys.argv[3] if len(sys.argv) > 3 else "Class"
        write(sys.stdout, *classes(int(sys.argv[2]), prefix))
    elif len(sys.argv) == 3 and sys.argv[1] == "retainers":
        write(sys.stdout, *retainers(int(sys.argv[2])))
    elif len(sys.argv) == 3 and sys.argv[1] == "longname":
        write(sys.stdout, *longname(int(sys.argv[2])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
