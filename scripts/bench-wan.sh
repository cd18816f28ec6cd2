#!/usr/bin/env bash
# Runs `gc2pc bench --link` over three emulated links (release build): a LAN
# (1 ms, 10 Gbit/s), a regional link (20 ms, 1 Gbit/s) and a long, thin one
# (60 ms, 100 Mbit/s), each with half-gates and with three-halves garbling.
# Each prints AES-128 from connect and the AND-heavy circuit (2^22 ANDs; 2^20
# with --quick): wall time, time ÷ RTT, bytes and the fraction of the link's
# rate used. The link is emulated in process (a rate-limited queue and a
# fixed delay each way between loopback sockets), so it needs no privileges
# and no `tc netem`.
#
# Usage: scripts/bench-wan.sh [--json] [--quick]
set -euo pipefail

cd "$(dirname "$0")/.."
cargo build --release --quiet
for link in 1,10000 20,1000 60,100; do
    for scheme in half-gates three-halves; do
        echo "== link ${link/,/ ms RTT, } Mbit/s, $scheme" >&2
        target/release/gc2pc bench --link "$link" --scheme "$scheme" "$@"
    done
done
