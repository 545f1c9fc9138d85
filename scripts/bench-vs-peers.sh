#!/usr/bin/env bash
# Measures heapscope beside the parse lower bound and the peer tools (Chrome DevTools' own
# heap-snapshot code, MemLab, VS Code's WASM parser), in one run, with ../shared/bench's
# run_peers.sh: each tool as a whole process under /usr/bin/time -v, RUNS times, medians.
#
#   scripts/bench-vs-peers.sh [-n RUNS] [-t TOOLS] FILE...
#
# TOOLS default: lowerbound-scan,devtools,memlab,vscode-wasm,heapscope. The bench folder is
# copied to $BENCH_DIR (default /tmp/heapscope-bench; shared/ is read-only) and given a
# `heapscope` tool (scripts/bench-peers-heapscope.patch: runs `heapscope bench FILE`). Big inputs:
#   node --max-old-space-size=16384 $BENCH_DIR/gen_snapshot.js --size 300mb|1gb --out FILE
# Results: $BENCH_DIR/results/<timestamp>/summary.md and results.jsonl.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_DIR:-/tmp/heapscope-bench}
runs=3
tools=lowerbound-scan,devtools,memlab,vscode-wasm,heapscope
while getopts "n:t:" o; do
  case $o in
    n) runs=$OPTARG ;;
    t) tools=$OPTARG ;;
    *) sed -n '2,14p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '2,14p' "$0"; exit 2; }
if [ ! -f "$bench/run_peers.sh" ]; then
  mkdir -p "$bench"
  cp -r "$root/../shared/bench/." "$bench/"
  chmod -R u+w "$bench"
  (cd "$bench" && patch -p1 < "$root/scripts/bench-peers-heapscope.patch")
fi
(cd "$root" && cargo build --release --quiet)
export HEAPSCOPE="$root/target/release/heapscope"
cd "$bench"
./run_peers.sh -n "$runs" -t "$tools" -o "results/$(date +%Y%m%d-%H%M%S)" "$@"
