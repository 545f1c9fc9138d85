#!/usr/bin/env bash
# Runs every oracle command recorded in a case.json through heapscope's --json output and
# checks it with ../shared/oracle/compare.mjs (DevTools' numbers, field by field, in order).
#
#   scripts/oracle-check.sh [CASE_DIR...]     default: every case under tests/fixtures
#
# Needs node and ../shared/oracle; builds heapscope in release mode first.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
compare=${COMPARE:-$root/../shared/oracle/compare.mjs}
cargo build --release --quiet
bin=$root/target/release/heapscope
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
  mapfile -t dirs < <(find tests/fixtures -name case.json -printf '%h\n' | sort)
fi
fail=0
for dir in "${dirs[@]}"; do
  python3 - "$dir" > "$tmp/cmds" <<'PY'
import json, sys, os
d = sys.argv[1]
case = json.load(open(os.path.join(d, "case.json")))
for c in case["commands"]:
    words = c["command"].split()[2:]
    # Paths in case.json are relative to wherever the oracle ran; keep file names only.
    sub = words[0]
    files = [os.path.join(d, os.path.basename(w)) if w.endswith(".gz") or ".heapsnapshot" in w else w for w in words[1:]]
    exp = os.path.join(d, "expected", os.path.basename(c["expected"]))
    print("\t".join([sub, exp] + files))
PY
  while IFS=$'\t' read -r sub exp args; do
    read -r -a argv <<< "$args"
    out=$tmp/out.json
    "$bin" "$sub" "${argv[@]}" --json > "$out"
    expected=$exp
    if [[ $exp == *.gz ]]; then gunzip -c "$exp" > "$tmp/exp.json"; expected=$tmp/exp.json; fi
    if result=$(node "$compare" "$expected" "$out" --quiet); then
      echo "ok   $sub ${argv[*]##*/}: $result"
    else
      echo "FAIL $sub ${argv[*]}: $result"
      node "$compare" "$expected" "$out" | head -20 || true
      fail=1
    fi
  done < "$tmp/cmds"
done
exit $fail
