#!/usr/bin/env bash
# Runs the real window under Xvfb, replays xdotool actions, and saves a screenshot.
#
#   scripts/screenshot.sh OUT.png 'ACTIONS' [heapscope args...]
#
# ACTIONS is a shell snippet run once the window is up, e.g.
#   'xdotool mousemove 300 60 click 1; sleep 1'
# HEAPSCOPE_BIN overrides the binary (default target/debug/heapscope); WAIT the start-up wait.
set -euo pipefail
export OUT=$1 ACTIONS=${2:-}
shift 2 || shift $#
bin=${HEAPSCOPE_BIN:-$(cd "$(dirname "$0")/.." && pwd)/target/debug/heapscope}
export HEAPSCOPE_CONFIG_DIR=${HEAPSCOPE_CONFIG_DIR:-$(mktemp -d)}
xvfb-run -a -s "-screen 0 ${SCREEN:-1280x800x24}" bash -c '
  "$0" "$@" & pid=$!
  xdotool search --sync --onlyvisible --name "Heapscope" >/dev/null
  sleep "${WAIT:-4}"
  eval "$ACTIONS"
  sleep 1
  import -window root "$OUT"
  kill $pid; wait $pid 2>/dev/null || true' "$bin" "$@"
