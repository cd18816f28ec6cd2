# Sourced by test-aarch64.sh and bench-aarch64-qemu.sh: installs what an
# aarch64 cross build needs (apt: gcc-aarch64-linux-gnu libc6-dev-arm64-cross
# qemu-user; rustup: the aarch64 target) and points cargo at the cross linker
# and at `qemu-aarch64 -cpu max`. If the Rust target cannot be installed it
# prints a loud SKIPPED line and exits 1, so a skipped run fails CI
# (GC2PC_ALLOW_SKIP=1 makes it exit 0).
TARGET=aarch64-unknown-linux-gnu

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

need_apt=()
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need_apt+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null 2>&1 || need_apt+=(qemu-user)
if [ "${#need_apt[@]}" -gt 0 ]; then
    echo "aarch64: installing ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${need_apt[@]}"
fi

if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
    echo "aarch64: rustup target add $TARGET"
    if ! rustup target add "$TARGET"; then
        echo "=================================================================="
        echo "SKIPPED: aarch64 run NOT DONE: 'rustup target add $TARGET' failed"
        echo "=================================================================="
        if [ "${GC2PC_ALLOW_SKIP:-0}" = 1 ]; then exit 0; fi
        exit 1
    fi
fi

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu"
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
unset GC2PC_AES
