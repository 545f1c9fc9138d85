#!/usr/bin/env bash
# Runs one fuzz target with libFuzzer on stable Rust (RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass
# its nightly flags), one job, at low priority, with the build kept out of the main target/.
#
#   fuzz/run.sh read [SECONDS [LIBFUZZER_FLAGS...]]   # or read_gz; SECONDS defaults to 600
#
# To keep going past crashers (one worker process at a time, each crasher saved):
#   fuzz/run.sh read 600 -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1
#
# Needs `cargo install cargo-fuzz`. New corpus entries go to fuzz/corpus/TARGET, crashers to
# fuzz/artifacts/TARGET (both git-ignored); minimize one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz tmin --target-dir "$CARGO_TARGET_DIR" TARGET ARTIFACT
# and keep it in tests/fuzz-regressions/, which `cargo test --test fuzz` replays.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${1:?usage: fuzz/run.sh read|read_gz|read_two|index [SECONDS]}"
secs="${2:-600}"
shift $(( $# >= 2 ? 2 : 1 ))
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${TMPDIR:-/tmp}/heapscope-fuzz-target}"
mkdir -p "$here/corpus/$target"
# Gzip input is inflated on a second thread (read_gz always, read when its bytes start with
# 1f 8b). LeakSanitizer reports the 32-byte thread-exit destructor list glibc allocates for
# each such thread as a leak; fuzz/lsan.supp suppresses exactly that frame, so leak checks stay
# on for both targets.
leaks=1
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
cd "$here/.."
# The `index` target reads its input as a persisted index: its seed is a valid index
# (seeds-index/), and the snapshot dictionary does not apply.
seeds="$here/seeds" dict=(-dict="$here/heapsnapshot.dict")
if [ "$target" = index ]; then seeds="$here/seeds-index" dict=(); fi
exec nice -n 10 cargo fuzz run --target-dir "$CARGO_TARGET_DIR" "$target" \
    "$here/corpus/$target" "$seeds" -- \
    "${dict[@]}" -max_total_time="$secs" -max_len=20000 \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -detect_leaks=$leaks "$@"
