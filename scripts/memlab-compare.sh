#!/usr/bin/env bash
# Runs MemLab's leak checks on the leak scenarios (tests/fixtures/leaks/*) and on the four corpus
# cases, and scores them (scripts/memlab-compare.mjs): is the true holder MemLab's first result,
# among its first three, or absent; how many results on a control. Results: docs/leak-report-vs-memlab.md.
#
#   scripts/memlab-compare.sh [SCENARIO_DIR ...]     (default: all leak scenarios + 4 corpus cases)
#
# env: MEMLAB_DIR  where npm `memlab` is installed (default /tmp/memlab; installed if missing with
#                  `PUPPETEER_SKIP_DOWNLOAD=1 npm install memlab`, no browser needed for these checks)
#      WORK        scratch folder for un-gzipped snapshots and raw outputs (default /tmp/memlab-compare)
# Per scenario, with the snapshots un-gzipped to WORK/<name>/snaps/s1.heapsnapshot ... (MemLab orders
# s<N>.heapsnapshot by N):
#   memlab analyze unbound-object     --snapshot-dir DIR
#   memlab analyze unbound-collection --snapshot-dir DIR
#   memlab find-leaks --baseline s1 --target s2 --final s3 --work-dir W                       (default leak filter)
#   memlab find-leaks --baseline s1 --target s2 --final s3 --work-dir W --trace-all-objects   (filter off)
# With only two snapshots (corpus no_leak_control) find-leaks gets --target s2 --final s2.
# Raw outputs: WORK/<name>/<check>.txt; scores: WORK/results.json and WORK/results.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
memlab_dir=${MEMLAB_DIR:-/tmp/memlab}
work=${WORK:-/tmp/memlab-compare}
if [ ! -x "$memlab_dir/node_modules/.bin/memlab" ]; then
  mkdir -p "$memlab_dir" && (cd "$memlab_dir" && PUPPETEER_SKIP_DOWNLOAD=1 npm install memlab)
fi
memlab="$memlab_dir/node_modules/.bin/memlab"
if [ $# -gt 0 ]; then dirs=("$@"); else
  dirs=("$root"/tests/fixtures/leaks/*/)
  for c in tutorial_session_leak closure_leak map_cache_leak no_leak_control; do dirs+=("$root/tests/fixtures/corpus/$c"); done
fi
mkdir -p "$work"
for dir in "${dirs[@]}"; do
  dir=${dir%/}; name=$(basename "$dir"); out="$work/$name"
  rm -rf "$out"; mkdir -p "$out/snaps" "$out/wd"
  for f in "$dir"/s*.heapsnapshot.gz; do gzip -dc "$f" >"$out/snaps/$(basename "$f" .gz)"; done
  snaps=($(ls "$out/snaps" | sort -V))
  base="$out/snaps/${snaps[0]}"; target="$out/snaps/${snaps[1]}"; final="$out/snaps/${snaps[${#snaps[@]}-1]}"
  run() {  # run CHECK ARGS...: MemLab's exit status is recorded, never fatal to the script
    local check=$1; shift
    local t0=$(date +%s.%N)
    timeout 900 "$memlab" "$@" >"$out/$check.txt" 2>&1 && rc=0 || rc=$?
    printf '%s %s rc=%s %.1fs\n' "$name" "$check" "$rc" "$(echo "$(date +%s.%N) - $t0" | bc)" | tee -a "$work/runs.log"
  }
  run unbound-object analyze unbound-object --snapshot-dir "$out/snaps"
  run unbound-collection analyze unbound-collection --snapshot-dir "$out/snaps"
  run find-leaks find-leaks --baseline "$base" --target "$target" --final "$final" --work-dir "$out/wd"
  run find-leaks-all find-leaks --baseline "$base" --target "$target" --final "$final" --work-dir "$out/wd" --trace-all-objects
  rm -rf "$out/wd"
done
node "$root/scripts/memlab-compare.mjs" "$work" "${dirs[@]%/}" >"$work/results.json"
node "$root/scripts/memlab-compare.mjs" --md "$work" "${dirs[@]%/}" >"$work/results.md"
echo "scores: $work/results.json, $work/results.md"
