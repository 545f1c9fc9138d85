#!/usr/bin/env bash
# Peak memory and time at first open (issue 14), in one run: per file and repetition, the parse
# lower bound (../shared/bench/lowerbound, `scan`), then `heapscope bench --no-index FILE` with
# spilling (the default) and with HEAPSCOPE_NO_SPILL=1, each a whole process under
# /usr/bin/time. Prints CSV: file, rep, tool, wall seconds, peak RSS (MB), file MB (uncompressed),
# peak RSS / file. The lower bound is skipped for .gz files (it reads plain JSON).
# Usage: scripts/bench-memory.sh REPS FILE...
# Needs a release build (target/release/heapscope, or $HEAPSCOPE_BIN) and cargo (builds the lower
# bound once into target/lowerbound).
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=$1; shift
H=${HEAPSCOPE_BIN:-target/release/heapscope}
LB=target/lowerbound/release/snapshot-lowerbound
if [ ! -x "$LB" ]; then
  rm -rf target/lowerbound-src && cp -r ../shared/bench/lowerbound target/lowerbound-src
  (cd target/lowerbound-src && CARGO_TARGET_DIR=../lowerbound cargo build --release -q)
fi
echo "file,rep,tool,wall_s,peak_rss_mb,file_mb,ratio"
for f in "$@"; do
  size=$(stat -c %s "$f")
  case "$f" in *.gz) size=$(zcat "$f" | wc -c);; esac
  for rep in $(seq 1 "$REPS"); do
    for tool in lowerbound spill nospill; do
      case $tool in
        lowerbound) case "$f" in *.gz) continue;; esac; cmd=("$LB" scan "$f"); spill=0;;
        spill) cmd=("$H" bench --no-index "$f"); spill=0;;
        nospill) cmd=("$H" bench --no-index "$f"); spill=1;;
      esac
      HEAPSCOPE_NO_SPILL=$spill /usr/bin/time -f "%e %M" -o target/bench-memory.time "${cmd[@]}" > /dev/null 2>&1
      read -r wall kb < target/bench-memory.time
      python3 -c "w,kb,sz=float('$wall'),int('$kb'),int('$size'); print(f'$(basename "$f"),$rep,$tool,{w:.2f},{kb*1024/1e6:.0f},{sz/1e6:.0f},{kb*1024/sz:.3f}')"
    done
  done
done
