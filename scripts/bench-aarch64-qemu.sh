#!/usr/bin/env bash
# Runs `gc2pc bench --quick --json` for aarch64 under `qemu-aarch64 -cpu max`
# and appends the records to benches/results/qemu-aarch64-emulated.json. The
# records carry "emulated": true: the times are qemu's, not a real CPU's; the
# run shows that every aarch64 code path (ARMv8 AES, NEON transpose) works.
#
# Usage: scripts/bench-aarch64-qemu.sh [RESULTS_FILE]
set -euo pipefail

cd "$(dirname "$0")/.."
RESULTS="${1:-benches/results/qemu-aarch64-emulated.json}"
source scripts/aarch64-env.sh

cargo build --release --target "$TARGET"
mkdir -p "$(dirname "$RESULTS")"
GC2PC_EMULATED=1 qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu \
    "${CARGO_TARGET_DIR:-target}/$TARGET/release/gc2pc" bench --quick --json | tee -a "$RESULTS"
echo "bench-aarch64-qemu: appended to $RESULTS"
