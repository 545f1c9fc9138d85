#!/usr/bin/env bash
# Scores `heapscope leaks` on every leak scenario and corpus case the way
# scripts/memlab-compare.mjs scores MemLab: for each leak, the rank of the first suspect whose
# holder edge is in the scenario's `accept_edges` (or whose path contains one of
# `accept_path_contains`); for a control, the number of suspects (the right answer is 0).
# Usage: scripts/leaks-score.sh [HEAPSCOPE_BINARY]   (default: target/release/heapscope)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/heapscope}
score() {  # DIR MANIFEST_JSON
  local dir=$1 manifest=$2 files
  files=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(sys.argv[2]+"/"+s for s in d["snapshots"]))' "$manifest" "$dir")
  # shellcheck disable=SC2086
  "$bin" leaks $files --json | python3 -c '
import json, sys
m = json.load(open(sys.argv[1])); d = json.load(sys.stdin); sus = d["suspects"]
def match(x, l):
    return (x["holder"].get("edge") in l.get("accept_edges", [])
            or any(p in x["path"] for p in l.get("accept_path_contains", []))
            or any(x["holder"].get("name", "").startswith(p) for p in l.get("accept_holder_name_starts_with", [])))
name = m.get("name", sys.argv[2])
if m.get("control"):
    print(f"{name}\tcontrol\t{len(sus)} suspect(s)")
for l in m.get("leaks", []):
    ranks = [i + 1 for i, x in enumerate(sus) if match(x, l)]
    edge = l["holder"]["edge"]
    rank = ranks[0] if ranks else "absent"
    print(f"{name}\t{edge}\t{rank} (of {len(sus)})")
' "$manifest" "$(basename "$dir")"
}
for dir in tests/fixtures/leaks/*/; do score "${dir%/}" "$dir/scenario.json"; done
# The corpus: the expected holder is the case's retainers target (written from its scenario).
for c in tutorial_session_leak closure_leak map_cache_leak no_leak_control; do
  dir=tests/fixtures/corpus/$c
  python3 - "$dir" > /tmp/leaks-score-$c.json <<'PY'
import json, os, sys
d = sys.argv[1]
holders = {"tutorial_session_leak": "loginUsers", "closure_leak": "theThing", "map_cache_leak": "profileCache"}
name = os.path.basename(d)
snaps = sorted(f for f in os.listdir(d) if f.endswith(".heapsnapshot.gz"))
h = holders.get(name)
print(json.dumps({"name": name, "snapshots": snaps, "control": h is None,
                  "leaks": [] if h is None else [{"holder": {"edge": h}, "accept_edges": [h]}]}))
PY
  score "$dir" /tmp/leaks-score-$c.json
done
