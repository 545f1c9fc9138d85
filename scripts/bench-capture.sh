#!/usr/bin/env bash
# Capture cost (issue 12): time from `heapscope capture --pid` to a ready Summary, against the time
# the same Node process needs to write the same snapshot itself with v8.writeHeapSnapshot(), in one
# run on one heap. Usage: scripts/bench-capture.sh [OBJECTS] (default 3e6: a ~480 MB snapshot).
# Uses target/release/heapscope if built, else target/debug/heapscope.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-3e6}
H=target/release/heapscope
[ -x "$H" ] || H=target/debug/heapscope
DIR=$(mktemp -d)
trap 'kill "$NP" 2>/dev/null || true; rm -rf "$DIR"' EXIT
cat > "$DIR/big.js" <<JS
const http = require('http'); const v8 = require('v8');
globalThis.keep = []; for (let i = 0; i < $N; i++) keep.push({ i, s: 'k' + (i % 1000) });
http.createServer((req, res) => {
  const t = process.hrtime.bigint(); v8.writeHeapSnapshot('$DIR/written.heapsnapshot');
  res.end(String(Number(process.hrtime.bigint() - t) / 1e9));
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
JS
node --max-old-space-size=8192 "$DIR/big.js" > "$DIR/port" & NP=$!
for _ in $(seq 1 600); do [ -s "$DIR/port" ] && break; sleep 0.2; done
PORT=$(cat "$DIR/port")
# Warm-up, then the process writing its own snapshot.
curl -s "http://127.0.0.1:$PORT/" > /dev/null; rm -f "$DIR/written.heapsnapshot"
WRITE=$(curl -s "http://127.0.0.1:$PORT/")
START=$(date +%s.%N)
"$H" capture --pid "$NP" -o "$DIR/cap.heapsnapshot" > /dev/null
MID=$(date +%s.%N)
"$H" summary "$DIR/cap.heapsnapshot" --top 1 > /dev/null
END=$(date +%s.%N)
python3 - "$WRITE" "$START" "$MID" "$END" "$(stat -c %s "$DIR/cap.heapsnapshot")" <<'PY'
import sys
write, start, mid, end, size = map(float, sys.argv[1:])
cap, ready = mid - start, end - start
print(f"snapshot {size/1e6:.0f} MB: writeHeapSnapshot {write:.2f} s; capture (incl. read-back check) {cap:.2f} s; "
      f"capture + Summary {ready:.2f} s = {ready/write:.2f}x")
PY
