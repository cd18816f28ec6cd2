#!/usr/bin/env bash
# Cross-compiles gc2pc's tests for aarch64-unknown-linux-gnu and runs them under
# `qemu-aarch64 -cpu max`, so the ARMv8 AES backend and the NEON transpose
# really execute: the library's unit tests, the AES/hash/PRG backend tests
# (which check that Armv8 is detected), every reference vector garbled on
# every backend, random circuits, and OT.
#
# Usage: scripts/test-aarch64.sh [TEST-FILTER]
# Installs what it needs (see aarch64-env.sh); if the Rust target cannot be
# installed it prints a loud SKIPPED line and exits 1 (GC2PC_ALLOW_SKIP=1: 0); every other failure fails.
set -euo pipefail

cd "$(dirname "$0")/.."
FILTER="${1:-}"
start=$(date +%s)
source scripts/aarch64-env.sh

# The backend test asserts that Armv8 is among the available backends.
export GC2PC_EXPECT_ARMV8=1
# Tests that start themselves as a child process run it through the emulator.
export GC2PC_TEST_RUNNER="$CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER"

args=()
if [ -n "$FILTER" ]; then
    args+=("$FILTER")
fi

echo "test-aarch64: building and running under qemu-aarch64 -cpu max"
cargo test --target "$TARGET" --lib --test aes_backends --test hash_prg \
    --test garble_vectors --test garble_random --test ot -- "${args[@]}"
# Show the detected backends (the test prints them) as evidence.
cargo test --target "$TARGET" --test aes_backends portable_is_always_available -- --nocapture 2>&1 \
    | grep "available AES backends"
echo "test-aarch64: OK in $(( $(date +%s) - start )) s"
