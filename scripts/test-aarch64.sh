#!/usr/bin/env bash
# Cross-compiles gc2pc's AES/hash/PRG tests (and the library's unit tests) for
# aarch64-unknown-linux-gnu and runs them under `qemu-aarch64 -cpu max`, so the
# ARMv8 AES backend really executes (the tests check that it is detected).
#
# Usage: scripts/test-aarch64.sh [TEST-FILTER]
# Installs what it needs (apt: gcc-aarch64-linux-gnu libc6-dev-arm64-cross
# qemu-user; rustup: the aarch64 target). If the Rust target cannot be
# installed it prints a loud SKIPPED line and exits 0; every other failure fails.
set -euo pipefail

cd "$(dirname "$0")/.."
TARGET=aarch64-unknown-linux-gnu
FILTER="${1:-}"
start=$(date +%s)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

need_apt=()
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need_apt+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null 2>&1 || need_apt+=(qemu-user)
if [ "${#need_apt[@]}" -gt 0 ]; then
    echo "test-aarch64: installing ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${need_apt[@]}"
fi

if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
    echo "test-aarch64: rustup target add $TARGET"
    if ! rustup target add "$TARGET"; then
        echo "=================================================================="
        echo "SKIPPED: aarch64 tests NOT RUN: 'rustup target add $TARGET' failed"
        echo "=================================================================="
        exit 0
    fi
fi

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
# ring (rustls' crypto provider) compiles C and assembly for the target.
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu"
# The backend test asserts that Armv8 is among the available backends.
export GC2PC_EXPECT_ARMV8=1
# Tests that start themselves as a child process run it through the emulator.
export GC2PC_TEST_RUNNER="$CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER"
unset GC2PC_AES

args=()
if [ -n "$FILTER" ]; then
    args+=("$FILTER")
fi

echo "test-aarch64: building and running under qemu-aarch64 -cpu max"
cargo test --target "$TARGET" --lib --test aes_backends --test hash_prg -- "${args[@]}"
# Show the detected backends (the test prints them) as evidence.
cargo test --target "$TARGET" --test aes_backends portable_is_always_available -- --nocapture 2>&1 \
    | grep "available AES backends"
echo "test-aarch64: OK in $(( $(date +%s) - start )) s"
