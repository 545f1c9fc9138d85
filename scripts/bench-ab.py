#!/usr/bin/env python3
"""Time and peak memory of first opens against the parse lower bound, in one run (issue 14).

Usage: scripts/bench-ab.py FILE REPS NAME=BINARY [NAME=[VAR:VALUE@]BINARY ...]

Each repetition runs the lower bound (`snapshot-lowerbound scan FILE`, built by
scripts/bench-memory.sh) and `BINARY bench --no-index FILE` for every NAME, each a whole process,
in turns (every other repetition in reverse order, so no build always runs right after the bound).
`VAR:VALUE@` sets one environment variable for that build (HEAPSCOPE_NO_SPILL:1@...). Prints per
tool the median wall time with its range, the median over the bound's median, and the largest
peak RSS (ru_maxrss) over the file's size.
"""
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOUND = os.path.join(ROOT, "target/lowerbound/release/snapshot-lowerbound")


def main() -> None:
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    path, reps = sys.argv[1], int(sys.argv[2])
    tools = [("bound", [BOUND, "scan", path], {})]
    for arg in sys.argv[3:]:
        name, binary = arg.split("=", 1)
        env = {}
        if "@" in binary:
            setting, binary = binary.split("@", 1)
            var, value = setting.split(":", 1)
            env[var] = value
        tools.append((name, [binary, "bench", "--no-index", path], env))
    runs = {name: [] for name, _, _ in tools}
    for rep in range(reps):
        order = tools if rep % 2 == 0 else [tools[0]] + tools[1:][::-1]
        for name, cmd, env in order:
            start = time.perf_counter()
            child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **env})
            _, status, usage = os.wait4(child.pid, 0)
            if status != 0:
                sys.exit(f"{name} failed: {' '.join(cmd)}")
            runs[name].append((time.perf_counter() - start, usage.ru_maxrss * 1024))
    size = os.path.getsize(path)
    bound = statistics.median(t for t, _ in runs["bound"])
    print(f"{os.path.basename(path)}, {size / 1e6:.1f} MB, {reps} repetitions")
    for name, samples in runs.items():
        times = sorted(t for t, _ in samples)
        peak = max(p for _, p in samples)
        print(
            f"{name:8} median {statistics.median(times):.3f} s [{times[0]:.3f}-{times[-1]:.3f}]"
            f" = {statistics.median(times) / bound:.2f}x the bound; peak {peak / 2**20:.1f} MiB = {peak / size:.3f}x the file"
        )


if __name__ == "__main__":
    main()
