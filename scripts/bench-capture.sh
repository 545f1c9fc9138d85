#!/usr/bin/env bash
# Capture cost (issue 12), in one run on one Node.js heap, REPS times each:
#   write    the process writing its own snapshot, v8.writeHeapSnapshot() (after one warm-up);
#   ours     `heapscope capture --pid P --summary`: the request (attach; the process writes the
#            file itself, v8.writeHeapSnapshot() by Runtime.evaluate, read as it grows) to a ready
#            Summary through the window's path (bytes parsed as they arrive, then the analyses), as
#            the command reports it on stderr, and the command's wall time (which adds detaching
#            and printing);
#   inspector the same with --via-inspector: HeapProfiler.takeHeapSnapshot, chunks over the
#            WebSocket (the route for Chromium and for inspectors reached by address);
#   devtools DevTools' take-and-load: scripts/devtools-take.mjs sends the same command and posts
#            each chunk to a worker running DevTools' HeapSnapshotLoader (the oracle's bundle of
#            chrome-devtools-frontend), then buildSnapshot() and the Summary's aggregates.
# Usage: scripts/bench-capture.sh [OBJECTS] [REPS]   (defaults 1.9e6 objects, ~300 MB snapshot; 3)
# Needs node, a release build (target/release/heapscope, or $HEAPSCOPE_BIN) and an installed oracle
# ($HEAPSCOPE_ORACLE, else target/oracle: see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1.9e6}
REPS=${2:-3}
H=${HEAPSCOPE_BIN:-target/release/heapscope}
ORACLE=${HEAPSCOPE_ORACLE:-target/oracle}
[ -x "$H" ] || { echo "no $H: cargo build --release first" >&2; exit 1; }
[ -f "$ORACLE/dist/devtools_heap.mjs" ] || { echo "no installed oracle in $ORACLE (see .ci/run)" >&2; exit 1; }
DIR=$(mktemp -d)
NP=
trap '[ -n "$NP" ] && kill "$NP" 2>/dev/null; rm -rf "$DIR"' EXIT
cat > "$DIR/big.js" <<JS
const http = require('http'); const v8 = require('v8');
globalThis.keep = []; for (let i = 0; i < $N; i++) keep.push({ i, s: 'k' + (i % 1000) });
http.createServer((req, res) => {
  // Only this path writes: \`capture --pid\` asks a process started with --inspect=…:0 which of
  // its ports is the inspector (GET /json/list on each), and must not start a write by asking.
  if (req.url !== '/write') { res.statusCode = 404; return res.end(); }
  const t = process.hrtime.bigint(); v8.writeHeapSnapshot('$DIR/written.heapsnapshot');
  res.end(String(Number(process.hrtime.bigint() - t) / 1e9));
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
JS
# The inspector is open from the start (as with `node --inspect`), so that both tools find it
# open: opening it by SIGUSR1 is not timed.
node --max-old-space-size=8192 --inspect=127.0.0.1:0 "$DIR/big.js" > "$DIR/port" 2> "$DIR/node.err" & NP=$!
for _ in $(seq 1 600); do [ -s "$DIR/port" ] && grep -q "Debugger listening" "$DIR/node.err" && break; sleep 0.2; done
PORT=$(cat "$DIR/port")
WS=$(grep -o 'ws://[^ ]*' "$DIR/node.err" | head -1)
curl -s "http://127.0.0.1:$PORT/write" > /dev/null   # warm-up
echo "rep,write_s,ours_ready_s,ours_received_s,ours_wall_s,inspector_ready_s,inspector_received_s,devtools_received_s,devtools_ready_s,snapshot_mb"
for rep in $(seq 1 "$REPS"); do
  rm -f "$DIR/written.heapsnapshot"
  WRITE=$(curl -s "http://127.0.0.1:$PORT/write")
  SIZE=$(stat -c %s "$DIR/written.heapsnapshot")
  rm -f "$DIR/written.heapsnapshot" "$DIR/cap.heapsnapshot"
  ours() {
    START=$(date +%s.%N)
    "$H" capture --pid "$NP" --summary --top 3 -o "$DIR/cap.heapsnapshot" > "$DIR/ours.out" 2> "$DIR/ours.err"
    END=$(date +%s.%N)
    grep -q 'written by the process' "$DIR/ours.out" || { echo "the process did not write it:" >&2; cat "$DIR/ours.err" >&2; exit 1; }
    OURS=$(grep -o 'Summary ready [0-9.]* s' "$DIR/ours.err" | grep -o '[0-9.]*')
    RECV=$(grep -o 'saved at [0-9.]* s' "$DIR/ours.err" | grep -o '[0-9.]*')
    rm -f "$DIR/cap.heapsnapshot"
  }
  inspector() {
    "$H" capture --pid "$NP" --via-inspector --summary --top 3 -o "$DIR/cap.heapsnapshot" > "$DIR/insp.out" 2> "$DIR/insp.err"
    INSP=$(grep -o 'Summary ready [0-9.]* s' "$DIR/insp.err" | grep -o '[0-9.]*')
    IRECV=$(grep -o 'saved at [0-9.]* s' "$DIR/insp.err" | grep -o '[0-9.]*')
    rm -f "$DIR/cap.heapsnapshot"
  }
  devtools() { DT=$(node --experimental-websocket --no-warnings scripts/devtools-take.mjs "$ORACLE" "$WS"); }
  # Each snapshot follows another, and the process is not the same after each (its heap grows
  # while V8 queues the chunks): the three captures take turns going first.
  case $((rep % 3)) in
    1) ours; inspector; devtools ;;
    2) inspector; devtools; ours ;;
    0) devtools; ours; inspector ;;
  esac
  python3 - "$rep" "$WRITE" "$OURS" "$RECV" "$START" "$END" "$INSP" "$IRECV" "$DT" "$SIZE" <<'PY'
import json, sys
rep, write, ours, recv, start, end, insp, irecv, dt, size = sys.argv[1:]
d = json.loads(dt)
print(f"{rep},{float(write):.2f},{float(ours):.2f},{float(recv):.2f},{float(end) - float(start):.2f},"
      f"{float(insp):.2f},{float(irecv):.2f},"
      f"{d['received_ms'] / 1000:.2f},{d['ready_ms'] / 1000:.2f},{int(size) / 1e6:.0f}")
PY
done
