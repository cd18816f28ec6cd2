#!/usr/bin/env bash
# Runs `gc2pc bench --json` on this machine (release build) and appends the
# records to a results file (default: benches/results/<cpu>.json, named after
# the CPU model), then prints the joined table of every results file.
#
# Usage: scripts/bench.sh [RESULTS_FILE] [-- extra gc2pc bench flags, e.g. --quick]
set -euo pipefail

cd "$(dirname "$0")/.."
cargo build --release --quiet
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- || true)
slug=$(echo "${cpu:-unknown}" | tr -cs 'A-Za-z0-9' '-' | sed 's/^-//; s/-$//' | tr 'A-Z' 'a-z')
RESULTS="benches/results/${slug:-unknown}.json"
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
    RESULTS="$1"
    shift
fi
[ "${1:-}" = "--" ] && shift
mkdir -p "$(dirname "$RESULTS")"
target/release/gc2pc bench --json "$@" | tee -a "$RESULTS"
echo "bench: appended to $RESULTS"
target/release/gc2pc bench report benches/results/*.json --svg benches/results/chart.svg
