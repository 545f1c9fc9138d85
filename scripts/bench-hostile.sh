#!/usr/bin/env bash
# The hostile-shape benchmarks of BENCHMARKS.md ("Hostile shapes"): Comparison cost against the
# number of classes, and --json's peak memory against the text form's, in one run.
#   scripts/bench-hostile.sh [BIN] [DIR]     (BIN: target/release/heapscope, DIR: a scratch folder)
# Prints one markdown table row per measurement: wall seconds and peak RSS (MB) from
# /usr/bin/time -v. The snapshots are written by scripts/gen-hostile.py (not kept).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/heapscope}
DIR=${2:-$(mktemp -d)}
mkdir -p "$DIR"
gen() { [ -f "$DIR/$1" ] || python3 scripts/gen-hostile.py "${@:2}" > "$DIR/$1"; }

# Runs "$@" with stdout to /dev/null; prints "seconds peak_MB".
measure() {
  local log="$DIR/time.log"
  /usr/bin/time -v "$@" > /dev/null 2> "$log" || { cat "$log" >&2; return 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$log")
  echo "$wall $rss"
}

echo "| what | seconds | peak RSS MB |"
echo "|---|---|---|"
for n in 10000 100000 1000000; do
  gen "classes-a-$n.heapsnapshot" classes "$n" A
  gen "classes-b-$n.heapsnapshot" classes "$n" B
  read -r s m < <(measure "$BIN" diff "$DIR/classes-a-$n.heapsnapshot" "$DIR/classes-b-$n.heapsnapshot")
  echo "| diff, $n + $n distinct classes ($((2 * n)) rows) | $s | $m |"
done
for n in 1000000; do
  gen "classes-a-$n.heapsnapshot" classes "$n" A
  read -r s m < <(measure "$BIN" summary "$DIR/classes-a-$n.heapsnapshot")
  echo "| summary, $n classes, text | $s | $m |"
  read -r s2 m2 < <(measure "$BIN" summary "$DIR/classes-a-$n.heapsnapshot" --json)
  echo "| summary, $n classes, --json | $s2 | $m2 ($(awk "BEGIN {printf \"%.2f\", $m2 / $m}")× text) |"
  read -r s m < <(measure "$BIN" diff "$DIR/classes-a-$n.heapsnapshot" "$DIR/classes-b-$n.heapsnapshot")
  read -r s2 m2 < <(measure "$BIN" diff "$DIR/classes-a-$n.heapsnapshot" "$DIR/classes-b-$n.heapsnapshot" --json)
  echo "| diff, $n + $n classes, --json | $s2 | $m2 ($(awk "BEGIN {printf \"%.2f\", $m2 / $m}")× text) |"
  gen "retainers-$n.heapsnapshot" retainers "$n"
  read -r s m < <(measure "$BIN" retainers "$DIR/retainers-$n.heapsnapshot" @3)
  echo "| retainers @3, $n retainers, text | $s | $m |"
  read -r s2 m2 < <(measure "$BIN" retainers "$DIR/retainers-$n.heapsnapshot" @3 --json)
  echo "| retainers @3, $n retainers, --json | $s2 | $m2 ($(awk "BEGIN {printf \"%.2f\", $m2 / $m}")× text) |"
done
gen longname.heapsnapshot longname 100000000
read -r s m < <(measure "$BIN" summary "$DIR/longname.heapsnapshot")
echo "| summary, one 100 MB class name, text | $s | $m |"
read -r s2 m2 < <(measure "$BIN" summary "$DIR/longname.heapsnapshot" --json)
echo "| summary, one 100 MB class name, --json | $s2 | $m2 ($(awk "BEGIN {printf \"%.2f\", $m2 / $m}")× text) |"
