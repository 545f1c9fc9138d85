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
target="${1:?usage: fuzz/run.sh read|read_gz [SECONDS]}"
secs="${2:-600}"
shift $(( $# >= 2 ? 2 : 1 ))
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${TMPDIR:-/tmp}/heapscope-fuzz-target}"
mkdir -p "$here/corpus/$target"
# read_gz inflates on a second thread. LeakSanitizer reports the 32-byte thread-exit destructor
# list glibc allocates for each such thread (`calloc` in `__cxa_thread_atexit_impl`) as a
# leak, as it does for any program with threads and thread locals (facebook/rocksdb#5931,
# speedb-io/speedb#599); leak checks stay on for `read`, which spawns no thread.
leaks=1
[ "$target" = read_gz ] && leaks=0
cd "$here/.."
exec nice -n 10 cargo fuzz run --target-dir "$CARGO_TARGET_DIR" "$target" \
    "$here/corpus/$target" "$here/seeds" -- \
    -dict="$here/heapsnapshot.dict" -max_total_time="$secs" -max_len=20000 \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -detect_leaks=$leaks "$@"
