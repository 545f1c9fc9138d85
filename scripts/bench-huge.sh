#!/usr/bin/env bash
# A snapshot bigger than memory (issue 14): per repetition, the parse lower bound
# (../shared/bench/lowerbound, `scan`) and then `heapscope bench --no-index FILE`, alternating, each a
# whole process under /usr/bin/time, with the least free disk seen while it ran (the spill files
# take about 0.65x the file; where they do not fit, columns stay in memory and the peak rises).
# Prints: tool, rep, wall seconds, peak kB, peak / file, least free disk (MB).
# Usage: scripts/bench-huge.sh REPS FILE     (make FILE with `cargo bench --bench replicate`)
# Needs a release build (target/release/heapscope, or $HEAPSCOPE_BIN); builds the lower bound once.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=$1 F=$2
H=${HEAPSCOPE_BIN:-target/release/heapscope}
LB=target/lowerbound/release/snapshot-lowerbound
if [ ! -x "$LB" ]; then
  rm -rf target/lowerbound-src && cp -r ../shared/bench/lowerbound target/lowerbound-src
  (cd target/lowerbound-src && CARGO_TARGET_DIR=../lowerbound cargo build --release -q)
fi
size=$(stat -c %s "$F")
spill_fs=${XDG_CACHE_HOME:-$HOME/.cache}
mkdir -p "$spill_fs"
echo "tool,rep,wall_s,peak_kb,peak_per_file,least_free_disk_mb"
for rep in $(seq 1 "$REPS"); do
  for tool in lowerbound heapscope; do
    case $tool in
      lowerbound) cmd=("$LB" scan "$F");;
      heapscope) cmd=("$H" bench --no-index "$F");;
    esac
    least=$(df --output=avail -B1M "$spill_fs" | tail -1)
    ( while sleep 2; do df --output=avail -B1M "$spill_fs" | tail -1; done ) > target/bench-huge.disk &
    watcher=$!
    /usr/bin/time -f "%e %M" -o target/bench-huge.time "${cmd[@]}" > /dev/null 2>&1
    kill "$watcher"
    least=$(sort -n target/bench-huge.disk | head -1 | grep . || echo "$least")
    read -r wall kb < target/bench-huge.time
    python3 -c "print('$tool,$rep,$wall,$kb,%.3f,$least' % ($kb * 1024 / $size))"
  done
done
