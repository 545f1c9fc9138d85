#!/usr/bin/env python3
"""Merged retainer paths of one class, builds in turns (issue 13's "ready <= 1 s").

Usage: scripts/bench-paths.py FILE CLASS REPS NAME=BINARY [NAME=BINARY ...]

Each repetition runs `BINARY paths FILE CLASS --time --depth 3` for every NAME, each a whole
process, in turns (every other repetition in reverse order, so no build always runs first). The
first NAME is the baseline. Every run after the first opens FILE from its index (the first run
writes it). Prints per build the median and range of the merge's wall time and of select + merge
(the time from the click to a ready tree), the median over the baseline's median, and checks that
every build printed the same tree.
"""
import re
import statistics
import subprocess
import sys

TIMES = re.compile(r"select \d+ objects ([0-9.]+) s, merge ([0-9.]+) s")


def run(binary: str, path: str, class_name: str) -> tuple[float, float, bytes]:
    p = subprocess.run(
        [binary, "paths", path, class_name, "--time", "--depth", "3"],
        capture_output=True,
        check=True,
    )
    m = TIMES.search(p.stderr.decode())
    if not m:
        sys.exit(f"{binary}: no timing in {p.stderr.decode()!r}")
    return float(m.group(1)), float(m.group(2)), p.stdout


def main() -> None:
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    path, class_name, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    builds = [arg.split("=", 1) for arg in sys.argv[4:]]
    # The index is written by the first open: not measured.
    run(builds[0][1], path, class_name)
    merges: dict[str, list[float]] = {name: [] for name, _ in builds}
    ready: dict[str, list[float]] = {name: [] for name, _ in builds}
    trees: dict[str, bytes] = {}
    for rep in range(reps):
        order = builds if rep % 2 == 0 else list(reversed(builds))
        for name, binary in order:
            select, merge, tree = run(binary, path, class_name)
            merges[name].append(merge)
            ready[name].append(select + merge)
            if trees.setdefault(name, tree) != tree:
                sys.exit(f"{name} printed two different trees")
    base = builds[0][0]
    for name, _ in builds:
        med = statistics.median(merges[name])
        ratio = med / statistics.median(merges[base])
        r = ready[name]
        print(
            f"{name:>8}: merge median {med:.3f} s ({min(merges[name]):.3f}-{max(merges[name]):.3f}), "
            f"{ratio:.2f}x {base}; select+merge median {statistics.median(r):.3f} s "
            f"({min(r):.3f}-{max(r):.3f})"
        )
    same = all(t == trees[base] for t in trees.values())
    print("trees: " + ("the same" if same else "DIFFERENT"))
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
