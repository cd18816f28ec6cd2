#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for a bounded time on the committed corpus.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]     (default 15)
#   FUZZ_TARGETS="bristol_parse value_parse" scripts/fuzz.sh 60   (a subset)
#
# The fuzzer is libFuzzer through the `libfuzzer-sys` crate: the same targets
# `cargo fuzz run <target>` runs. cargo-fuzz itself needs nothing from nightly
# except the sanitizer flag, and we fuzz without a sanitizer (gc2pc has no
# `unsafe`; panics, overflow checks, debug assertions, the allocation cap in
# fuzz/src/lib.rs and libFuzzer's timeout and RSS limit are what we look for),
# so this script builds the targets with plain stable `cargo build` and the
# exact coverage flags `cargo fuzz build --sanitizer none` passes. No tool to
# install, no RUSTC_BOOTSTRAP, and the build is cached in fuzz/target.
# libFuzzer itself is compiled from C++ source by libfuzzer-sys (needs c++).
#
# New corpus entries go to a temporary directory, so CI never dirties the
# tree. Prints per target the executions and whether it crashed; exits 1 if
# any target crashed (with the input's path and a hex dump), 0 otherwise.
# If libFuzzer cannot be built here at all (no C++ compiler, no crates), it
# prints a loud SKIPPED line and exits 1 (a skipped stage fails CI); set
# GC2PC_ALLOW_SKIP=1 to make that exit 0 on a machine where that is expected.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-15}"
if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] || [ "$SECONDS_PER_TARGET" -lt 1 ]; then
    echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]  (a positive integer, got '$SECONDS_PER_TARGET')" >&2
    exit 2
fi

MANIFEST=fuzz/Cargo.toml
TARGET_DIR=fuzz/target
ALL_TARGETS=$(sed -n 's/^name = "\([a-z0-9_]*\)"$/\1/p' "$MANIFEST" | grep -v '^gc2pc-fuzz$' || true)
TARGETS="${FUZZ_TARGETS:-$ALL_TARGETS}"
if [ -z "$TARGETS" ]; then
    echo "fuzz.sh: no targets found in $MANIFEST" >&2
    exit 2
fi

skip() {
    echo
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    echo "SKIPPED: fuzzing did not run: $*"
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    if [ "${GC2PC_ALLOW_SKIP:-0}" = 1 ]; then exit 0; fi
    exit 1
}

# --- prerequisites: a C++ compiler for libFuzzer, and the crates -----------
command -v cargo >/dev/null || skip "cargo is not installed"
command -v c++ >/dev/null || command -v clang++ >/dev/null || command -v g++ >/dev/null ||
    skip "no C++ compiler (c++/g++/clang++) to build libFuzzer"
HOST=$(rustc -vV | sed -n 's/^host: //p')
case "$HOST" in
    x86_64-*-linux-gnu | aarch64-*-linux-gnu | x86_64-apple-darwin | aarch64-apple-darwin) ;;
    *) skip "libFuzzer is not supported on host $HOST" ;;
esac
if ! cargo fetch --manifest-path "$MANIFEST" --locked >/dev/null 2>&1 &&
    ! cargo fetch --manifest-path "$MANIFEST" >/dev/null 2>&1; then
    skip "cannot fetch the fuzz crate's dependencies (offline?)"
fi

# --- build: the flags of `cargo fuzz build --sanitizer none` ------------------
# (--target keeps them off build scripts and proc macros, as cargo fuzz does.)
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing \
-Cllvm-args=-simplifycfg-branch-fold-threshold=0 -Cllvm-args=-sanitizer-coverage-stack-depth \
-Cdebug-assertions"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
echo "fuzz.sh: building the fuzz targets (libFuzzer, $HOST, release + debug assertions)"
BUILD_START=$(date +%s)
cargo build --manifest-path "$MANIFEST" --target-dir "$TARGET_DIR" --target "$HOST" \
    --release --locked --bins
echo "fuzz.sh: built in $(($(date +%s) - BUILD_START)) s"
BIN_DIR="$TARGET_DIR/$HOST/release"

# --- run ----------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gc2pc-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failed=()
summary=()
for target in $TARGETS; do
    bin="$BIN_DIR/$target"
    if [ ! -x "$bin" ]; then
        echo "fuzz.sh: no binary for target '$target' ($bin)" >&2
        exit 2
    fi
    seeds="fuzz/corpus/$target"
    mkdir -p "$WORK/$target/new" "$WORK/$target/artifacts"
    [ -d "$seeds" ] || seeds="$WORK/$target/new" # no seeds yet: start empty
    echo
    echo "=== fuzzing $target for ${SECONDS_PER_TARGET}s ($(find "$seeds" -type f | wc -l) seeds)"
    log="$WORK/$target/log"
    set +e
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a memory blow-up.
    # The outer timeout only guards against libFuzzer itself wedging.
    timeout --kill-after=10 $((SECONDS_PER_TARGET + 60)) "$bin" \
        "$WORK/$target/new" "$seeds" \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -close_fd_mask=1 \
        -artifact_prefix="$WORK/$target/artifacts/" </dev/null >"$log" 2>&1
    rc=$?
    set -e
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    execs="${execs:-$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)}"
    execs="${execs:-?}"
    corpus=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 | sed 's/corp: //')
    artifact=$(find "$WORK/$target/artifacts" -type f | head -1)
    if [ "$rc" -eq 0 ] && [ -z "$artifact" ]; then
        line="$target: ok, $execs executions in ${SECONDS_PER_TARGET}s, corpus ${corpus:-?}, no crash"
        echo "$line"
        summary+=("$line")
        continue
    fi
    line="$target: CRASHED (exit $rc) after $execs executions"
    echo "$line"
    summary+=("$line")
    failed+=("$target")
    echo "--- last lines of the libFuzzer log:"
    grep -v '^#[0-9]' "$log" | tail -40
    if [ -n "$artifact" ]; then
        keep="fuzz/artifacts/$target"
        mkdir -p "$keep"
        cp "$artifact" "$keep/"
        echo "--- crashing input: $keep/$(basename "$artifact") ($(wc -c <"$artifact") bytes)"
        od -A x -t x1z -v "$artifact" | head -32
        echo "--- reproduce: $bin $keep/$(basename "$artifact")"
    else
        echo "--- no crashing input was written (libFuzzer exited $rc; see the log above)"
    fi
done

echo
echo "=== fuzzing summary (${SECONDS_PER_TARGET}s per target)"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz.sh: FAILED: ${failed[*]} crashed; add the input to tests/fuzz_regressions.rs once fixed" >&2
    exit 1
fi
