#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build (or reuse) the arm64 guest of make arm-check on an amd64 Debian 12
# host: Linux from Debian's linux-source-7.3 (trixie-backports), cross-built
# from arm64 allnoconfig + tests/arm/guest.config (Debian's own arm64 kernel
# has no iommufd), its uAPI headers, and Debian's static arm64 busybox for
# the initramfs that tests/arm/boot.sh packs.
#
#   build-guest.sh WORK
#
# WORK (outside the clone, ~2 GB) afterwards holds
#   WORK/Image              the kernel
#   WORK/usr/include        its uAPI headers
#   WORK/busybox            busybox (static, arm64)
#   WORK/logs               one log per step
# A finished step is not redone; the kernel make runs each time (seconds
# when nothing changed).  Two runs on the same WORK wait for each other.
# Environment: JOBS (default 2), LINUX_TREE (an unpacked Linux 7.3 source
# tree to build from instead of downloading one, e.g. kernel-check's; it is
# only read), KERNEL_SOURCE_PKG (linux-source-7.3), KERNEL_SUITE
# (trixie-backports), BUSYBOX_SUITE (bookworm), DEBIAN_MIRROR.
set -euo pipefail
(($# == 1)) || { echo "usage: $0 WORK" >&2; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/apt-private.sh
. "$here/../lib/apt-private.sh"
work_setup build-guest "$1"
pkg="${KERNEL_SOURCE_PKG:-linux-source-7.3}"
ksuite="${KERNEL_SUITE:-trixie-backports}"
bsuite="${BUSYBOX_SUITE:-bookworm}"
jobs="${JOBS:-2}"
fragment="$here/guest.config"

host_need make gcc gcc-aarch64-linux-gnu libc6-dev-arm64-cross flex bison bc cpio gzip \
    xz-utils rsync ca-certificates debian-archive-keyring

apt_dir="$work/apt"
fetch() {   # fetch SUITE PACKAGE: download one .deb into WORK/deb
    papt_init "$apt_dir" arm64 "deb $ksuite" "deb $bsuite"
    mkdir -p "$work/deb"
    (cd "$work/deb" && papt "$apt_dir" arm64 download "$2/$1") >>"$logs/download.log" 2>&1 ||
        { tail -n 20 "$logs/download.log"; exit 1; }
}

if [[ ! -x "$work/busybox" ]]; then
    say "busybox-static (arm64, $bsuite)"
    rm -f "$work"/deb/busybox-static_*.deb
    fetch "$bsuite" busybox-static
    rm -rf "$work/bb"
    dpkg-deb -x "$work"/deb/busybox-static_*.deb "$work/bb"
    install -m 755 "$work/bb/bin/busybox" "$work/busybox"
    rm -rf "$work/bb"
fi

tree="${LINUX_TREE:-}"
if [[ -n "$tree" && -f "$tree/Makefile" ]]; then
    tree="$(cd "$tree" && pwd -P)"
    say "kernel source: $tree (LINUX_TREE)"
else
    tree="$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'linux-source-*' 2>/dev/null |
            head -n 1 || true)"
    if [[ -z "$tree" || ! -f "$tree/.ready" ]]; then
        say "$pkg ($ksuite): download and unpack"
        rm -rf "$work/src" "$work"/deb/"$pkg"_*.deb
        fetch "$ksuite" "$pkg"
        mkdir -p "$work/src/pkg"
        dpkg-deb -x "$work"/deb/"$pkg"_*.deb "$work/src/pkg"
        tar -C "$work/src" -xf "$(ls "$work/src/pkg/usr/src/$pkg".tar.* | head -n 1)"
        rm -rf "$work/src/pkg" "$work"/deb/"$pkg"_*.deb
        tree="$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'linux-source-*' | head -n 1)"
        touch "$tree/.ready"
    fi
fi

kb="$work/kbuild"
mkdir -p "$kb"
kmake=(make -C "$tree" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- O="$kb")
mapfile -t wanted < <(grep -oE '^CONFIG_[A-Za-z0-9_]+=y' "$fragment")
config_ok() {
    local s ok=0
    for s in "${wanted[@]}"; do
        grep -qx "$s" "$kb/.config" 2>/dev/null || { echo "  missing: $s"; ok=1; }
    done
    return $ok
}
if [[ ! -f "$kb/.config" || "$fragment" -nt "$kb/.config" ]] || ! config_ok >/dev/null; then
    say "config: arm64 allnoconfig + $(basename "$fragment")"
    "${kmake[@]}" allnoconfig >"$logs/config.log" 2>&1
    (cd "$tree" && ./scripts/kconfig/merge_config.sh -m -O "$kb" "$kb/.config" "$fragment") \
        >>"$logs/config.log" 2>&1
    "${kmake[@]}" olddefconfig >>"$logs/config.log" 2>&1
    config_ok || { echo "build-guest.sh: the options above did not stick" >&2; exit 1; }
fi
say "make -j$jobs Image (log $logs/kernel.log)"
"${kmake[@]}" -j"$jobs" Image >"$logs/kernel.log" 2>&1 || { tail -n 30 "$logs/kernel.log"; exit 1; }
cp -f "$kb/arch/arm64/boot/Image" "$work/Image.new" && mv "$work/Image.new" "$work/Image"
"${kmake[@]}" -s headers_install INSTALL_HDR_PATH="$work/usr" >"$logs/headers.log" 2>&1 ||
    { tail -n 20 "$logs/headers.log"; exit 1; }
say "ready: Linux $("${kmake[@]}" -s kernelrelease) arm64 in $work/Image"
