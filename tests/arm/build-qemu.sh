#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build (or reuse) qemu-system-aarch64 10.0 from Debian trixie's qemu source
# package with tests/arm/qemu/smmuv3-x-fwb.patch: the virt machine (whose
# SMMUv3 offers stage=nested), the edu test device, TCG only.  The QEMU 10
# build directory shared by the aarch64 test harnesses (make arm-check).
#
#   build-qemu.sh WORK
#
# WORK (outside the clone, ~1 GB) afterwards holds
#   WORK/build/qemu-system-aarch64   the emulator
#   WORK/logs                        one log per step
# A finished step is not redone, so a second run takes a second.  Two runs
# on the same WORK wait for each other (flock).
#
# QEMU >= 9.1 wants meson >= 1.5 and pycotap: Debian 12 has neither, so the
# pure-Python meson and python3-pycotap .debs of trixie are unpacked into
# WORK/py and put on PYTHONPATH for configure (nothing installed).  The
# "+ds" source lacks the edk2 firmware: we boot with -kernel, so configure
# is told not to unpack it.
# Environment: JOBS (default 2), QEMU_SUITE (trixie), QEMU_VERSION (newest
# of the suite), DEBIAN_MIRROR.
set -euo pipefail
(($# == 1)) || { echo "usage: $0 WORK" >&2; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=apt-private.sh
. "$here/apt-private.sh"
work_setup build-qemu "$1"
suite="${QEMU_SUITE:-trixie}"
jobs="${JOBS:-2}"
patchfile="$here/qemu/smmuv3-x-fwb.patch"

host_need build-essential pkg-config ninja-build python3 python3-venv libglib2.0-dev \
    libpixman-1-dev libfdt-dev xz-utils bzip2 flex bison patch ca-certificates \
    debian-archive-keyring

apt_dir="$work/apt"
if [[ ! -f "$work/src/.ready" ]]; then
    private_apt "$apt_dir" amd64 "deb-src $suite" "deb $suite"
    ver="${QEMU_VERSION:-$(pcache "$apt_dir" amd64 showsrc qemu |
        sed -n 's/^Version: //p' | sort -V | tail -n 1)}"
    [[ -n "$ver" ]] || { echo "build-qemu.sh: no qemu source in $suite" >&2; exit 1; }
    say "qemu $ver from $suite: download"
    rm -rf "$work/src" "$work/dl"
    mkdir -p "$work/dl" "$work/src"
    (cd "$work/dl" && papt "$apt_dir" amd64 source --download-only "qemu=$ver") \
        >"$logs/download.log" 2>&1 || { tail -n 20 "$logs/download.log"; exit 1; }
    tar -C "$work/src" --strip-components=1 -xf "$(ls "$work"/dl/qemu_*.orig.tar.* | head -n 1)"
    say "patch: $(basename "$patchfile")"
    patch -s -d "$work/src" -p1 <"$patchfile"
    sed -i 's/^\( *unpack_edk2_blobs = \)bzip2\.found()$/\1false/' "$work/src/meson.build"
    grep -q 'unpack_edk2_blobs = false' "$work/src/meson.build" ||
        { echo "build-qemu.sh: could not switch off the edk2 blobs" >&2; exit 1; }
    printf '%s\n' CONFIG_ARM_VIRT=y CONFIG_TEST_DEVICES=y CONFIG_EDU=y \
        >"$work/src/configs/devices/aarch64-softmmu/vsmmu-arm.mak"
    cp "$patchfile" "$work/src/.applied.patch"
    touch "$work/src/.ready"
elif ! cmp -s "$patchfile" "$work/src/.applied.patch"; then
    echo "build-qemu.sh: $patchfile changed; remove $work/src and $work/build to rebuild" >&2
    exit 1
fi

py="$work/py"
if [[ ! -f "$py/.ready" ]]; then
    private_apt "$apt_dir" amd64 "deb-src $suite" "deb $suite"
    say "meson and pycotap from $suite (unpacked into $py)"
    rm -rf "$py"
    mkdir -p "$py/debs"
    (cd "$py/debs" && papt "$apt_dir" amd64 download meson python3-pycotap) \
        >"$logs/pydeps.log" 2>&1 || { tail -n 20 "$logs/pydeps.log"; exit 1; }
    for d in "$py"/debs/*.deb; do dpkg-deb -x "$d" "$py"; done
    touch "$py/.ready"
fi
export PYTHONPATH="$py/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}"

b="$work/build"
mkdir -p "$b"
if [[ ! -f "$b/build.ninja" ]]; then
    say "configure"
    (cd "$b" && "$work/src/configure" --python=/usr/bin/python3 --target-list=aarch64-softmmu \
        --without-default-features --with-devices-aarch64=vsmmu-arm --enable-tcg \
        --enable-fdt=system --disable-docs --disable-werror --disable-install-blobs) \
        >"$logs/configure.log" 2>&1 || { tail -n 30 "$logs/configure.log"; exit 1; }
fi
say "ninja -j$jobs qemu-system-aarch64 (log $logs/ninja.log)"
(cd "$b" && ninja -j"$jobs" qemu-system-aarch64) >"$logs/ninja.log" 2>&1 ||
    { tail -n 30 "$logs/ninja.log"; exit 1; }
grep -q "x-fwb" "$b/qemu-system-aarch64" ||
    { echo "build-qemu.sh: the built QEMU has no arm-smmuv3 x-fwb property" >&2; exit 1; }
say "ready: $("$b/qemu-system-aarch64" --version | head -n 1)"
