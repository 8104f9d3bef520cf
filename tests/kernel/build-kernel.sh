#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build (or reuse) the Linux kernel that `make kernel-check` boots: Linux 7.3
# for x86_64, tinyconfig plus tests/kernel/kernel.config, so it has iommufd
# and its selftest mock driver (CONFIG_IOMMUFD_TEST=y).  See
# docs/real-kernel.md.
#
#   build-kernel.sh WORK
#
# WORK is a directory outside the clone (about 2 GB), kept between runs.
# Afterwards it holds:
#   WORK/bzImage        the kernel
#   WORK/usr/include    its uAPI headers (linux/iommufd.h, linux/vfio.h)
#   WORK/linux          link to the kernel tree (for the selftest's
#                       drivers/iommu/iommufd/iommufd_test.h)
#   WORK/build          the out-of-tree build (.config, usr/gen_init_cpio)
#   WORK/logs           one log per step
# Every step is skipped when its result is already there and current, so a
# second run takes a few seconds.  Two runs on the same WORK wait for each
# other (flock on WORK/.lock).
#
# Needs root on Debian 12 the first time: it installs the build tools and
# QEMU with apt-get, and downloads the Debian package linux-source-7.3 from
# trixie-backports through an apt configuration of its own under WORK/apt
# (the system's apt sources are left as they are).
# Environment: JOBS (make -j, default 2), KERNEL_SOURCE_PKG (default
# linux-source-7.3), KERNEL_SUITE (default trixie-backports), DEBIAN_MIRROR
# (default: the Debian archive named in the system's apt sources).
set -euo pipefail

if (($# != 1)); then
    echo "usage: $0 WORK" >&2
    exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/apt-private.sh
. "$here/../lib/apt-private.sh"
work_setup build-kernel "$1"
pkg="${KERNEL_SOURCE_PKG:-linux-source-7.3}"
suite="${KERNEL_SUITE:-trixie-backports}"
jobs="${JOBS:-2}"
fragment="$here/kernel.config"
build="$work/build"

# --- 1. Tools: compiler and kernel build dependencies, QEMU. ---------------
host_need build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils rsync \
    ca-certificates debian-archive-keyring qemu-system-x86

# --- 2. Kernel source: the linux-source package, fetched with a private apt
# configuration so that adding the suite does not change the system. -------
find_source() {
    find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'linux-source-*' 2>/dev/null | head -n 1
}
src="$(find_source || true)"
if [[ -z "$src" || ! -f "$src/Makefile" ]]; then
    apt_dir="$work/apt"
    say "fetching $pkg from $suite ($(debian_mirror))"
    papt_init "$apt_dir" host "deb $suite" || exit 1
    mkdir -p "$work/deb"
    rm -f "$work/deb/${pkg}"_*.deb
    (cd "$work/deb" && papt "$apt_dir" host download "$pkg") >"$logs/apt-source.log" 2>&1 ||
        { cat "$logs/apt-source.log"; exit 1; }
    deb="$(ls "$work/deb/${pkg}"_*.deb | head -n 1)"
    say "unpacking $(basename "$deb")"
    rm -rf "$work/deb/unpacked"
    dpkg-deb -x "$deb" "$work/deb/unpacked"
    mkdir -p "$work/src"
    tar -xf "$(ls "$work/deb/unpacked/usr/src/${pkg}".tar.* | head -n 1)" -C "$work/src"
    rm -rf "$work/deb/unpacked"
    basename "$deb" >"$work/source-package.txt"
    src="$(find_source)"
fi
ln -sfn "$src" "$work/linux"
say "kernel source: $src (Linux $(make -s -C "$src" kernelversion))"

# --- 3. Configuration: tinyconfig + the fragment, then check it took. ------
mapfile -t wanted < <(grep -oE '^CONFIG_[A-Za-z0-9_]+=y' "$fragment"; echo CONFIG_X86_64=y)
config_ok() {
    local s ok=0
    for s in "${wanted[@]}"; do
        grep -qx "$s" "$build/.config" 2>/dev/null || { echo "  missing: $s"; ok=1; }
    done
    return $ok
}
mkdir -p "$build"
if [[ -f "$build/.config" && "$build/.config" -nt "$fragment" ]] && config_ok >/dev/null; then
    say "configuration current"
else
    say "configuring: tinyconfig + $(basename "$fragment")"
    {
        make -C "$src" O="$build" tinyconfig
        "$src/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" "$fragment"
        make -C "$src" O="$build" olddefconfig
    } >"$logs/config.log" 2>&1 || { tail -n 30 "$logs/config.log"; exit 1; }
    if ! config_ok; then
        echo "build-kernel.sh: the fragment did not take effect (log: $logs/config.log)" >&2
        exit 1
    fi
fi

# --- 4. The kernel image. --------------------------------------------------
if [[ -f "$work/bzImage" && "$work/bzImage" -nt "$build/.config" ]]; then
    say "bzImage current"
else
    say "make -j$jobs bzImage (log: $logs/bzImage.log)"
    make -C "$src" O="$build" -j"$jobs" bzImage >"$logs/bzImage.log" 2>&1 ||
        { tail -n 40 "$logs/bzImage.log"; exit 1; }
    cp "$build/arch/x86/boot/bzImage" "$work/bzImage"
fi

# --- 5. uAPI headers for uapi_crosscheck.c. --------------------------------
uapi_header="$work/usr/include/linux/iommufd.h"
if [[ -f "$uapi_header" && "$uapi_header" -nt "$build/.config" ]]; then
    say "uAPI headers current"
else
    say "make headers_install"
    make -C "$src" O="$build" INSTALL_HDR_PATH="$work/usr" headers_install >"$logs/headers.log" 2>&1 ||
        { tail -n 20 "$logs/headers.log"; exit 1; }
fi
[[ -f "$work/linux/drivers/iommu/iommufd/iommufd_test.h" ]] ||
    { echo "build-kernel.sh: the kernel tree has no iommufd_test.h" >&2; exit 1; }
say "ready: $work/bzImage, $work/usr/include"
