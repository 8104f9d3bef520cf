#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the one qemu-system-aarch64 (QEMU 10.0 from Debian trixie's source
# package) that both aarch64 harnesses boot: `make guest-check` and
# `make arm-check` call this script with the same WORK (VSMMU_QEMU_WORK,
# default $VSMMU_WORK_ROOT/vsmmu-qemu = /var/tmp/vsmmu-qemu).
#
#   build-qemu.sh WORK       WORK: a reusable directory outside the repository
#
# Two patches, applied in this order:
#   virt-vsmmu.patch     the virt machine accepts iommu=vsmmu: the SMMUv3
#                        implemented by libvsmmu (hw/arm/vsmmu-qemu.c here,
#                        linked with the static library built from this tree);
#                        QEMU's own SMMUv3 prints its counters at exit.  For
#                        guest-check.
#   smmuv3-x-fwb.patch   QEMU's own SMMUv3 (arm-smmuv3) gains the test
#                        property x-fwb, which advertises IDR3.FWB so that
#                        Linux offers its iommufd vIOMMU.  For arm-check.
# One device set: the virt board, vsmmu, the edu test device (arm-check's
# and guest-check's passthrough device); TCG only.
#
# WORK/qemu-src/qemu-VER     unpacked, patched source (+ our device files)
# WORK/qemu-build/           the build; qemu-system-aarch64 is the result
# WORK/vsmmu/                libvsmmu as `make install` puts it (static only;
#                            files are replaced only when their content changed)
# WORK/pydeps/               meson >= 1.5 and pycotap from trixie's .debs
#                            (Debian 12 has meson 1.0 and no pycotap)
# WORK/apt-qemu/, WORK/logs/ the private apt configuration, download logs
# The source is unpacked and patched again only when a patch or the device
# set changed (a checksum in qemu-src/qemu-VER/.patched); tar keeps the
# archive's file times, so ninja then recompiles only the patched files.
# A second run rebuilds only what changed (the library, our device):
# seconds.  Two runs on the same WORK wait for each other (WORK/.lock).
# Knobs: QEMU_SUITE (trixie), QEMU_VERSION (1:10.0.13+ds-0+deb13u1; "newest"
# takes the suite's newest), JOBS (nproc), DEBIAN_MIRROR.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
[ $# = 1 ] || { echo "usage: build-qemu.sh WORK" >&2; exit 2; }
mkdir -p "$1"
case "$(cd "$1" && pwd)/" in "$ROOT"/*) echo "build-qemu: WORK must be outside the repository" >&2; exit 2 ;; esac
# shellcheck source=../../tests/lib/apt-private.sh
. "$ROOT/tests/lib/apt-private.sh"     # MIT helper: private apt, lock, say
work_setup build-qemu "$1"
WORK=$work
QEMU_SUITE=${QEMU_SUITE:-trixie}
QEMU_VERSION=${QEMU_VERSION:-1:10.0.13+ds-0+deb13u1}
JOBS=${JOBS:-$(nproc)}
PATCHES=("$HERE/virt-vsmmu.patch" "$HERE/smmuv3-x-fwb.patch")
DEVICES=(CONFIG_ARM_VIRT=y CONFIG_VSMMU=y CONFIG_TEST_DEVICES=y CONFIG_EDU=y)

host_need build-essential pkg-config ninja-build python3 python3-venv libglib2.0-dev \
    libpixman-1-dev libfdt-dev xz-utils bzip2 flex bison patch dpkg-dev ca-certificates \
    debian-archive-keyring

APT_DIR=$WORK/apt-qemu
SRC=$WORK/qemu-src; mkdir -p "$SRC"
newest() { pcache "$APT_DIR" host showsrc qemu | sed -n 's/^Version: //p' | sort -V | tail -n1; }
if [ ! -f "$SRC/.fetched" ]; then
    papt_init "$APT_DIR" host "deb-src $QEMU_SUITE" "deb $QEMU_SUITE"
    [ "$QEMU_VERSION" != newest ] || QEMU_VERSION=$(newest)
    say "downloading Debian's qemu $QEMU_VERSION source"
    if ! (cd "$SRC" && papt "$APT_DIR" host source -q --download-only "qemu=$QEMU_VERSION") \
            >"$logs/download.log" 2>&1; then
        # the suite may have moved to a newer point release: take its newest
        QEMU_VERSION=$(newest)
        say "not available; downloading qemu $QEMU_VERSION instead"
        (cd "$SRC" && papt "$APT_DIR" host source -q --download-only "qemu=$QEMU_VERSION") \
            >>"$logs/download.log" 2>&1 || { tail -n 20 "$logs/download.log"; exit 1; }
    fi
    touch "$SRC/.fetched"
fi
ORIG=$(ls "$SRC"/qemu_*.orig.tar.* | head -n1)
UP=$(basename "$ORIG"); UP=${UP#qemu_}; UP=${UP%%+*}; UP=${UP%%.orig*}
TREE=$SRC/qemu-$UP
# re-unpack when a patch or the device set changed
PSUM=$( { cat "${PATCHES[@]}"; printf '%s\n' "${DEVICES[@]}"; } | md5sum | cut -d' ' -f1)
if [ "$(cat "$TREE/.patched" 2>/dev/null)" != "$PSUM" ]; then
    say "unpacking $TREE, patches: ${PATCHES[*]##*/}"
    rm -rf "$TREE"
    (cd "$SRC" && tar xf "$ORIG")
    for p in "${PATCHES[@]}"; do patch -s -d "$TREE" -p1 <"$p"; done
    # the +ds source has no firmware blobs; we boot with -kernel
    sed -i 's/^\( *unpack_edk2_blobs = \)bzip2\.found()$/\1false/' "$TREE/meson.build"
    grep -q 'unpack_edk2_blobs = false' "$TREE/meson.build" ||
        { echo "build-qemu: could not switch off the edk2 blobs" >&2; exit 1; }
    printf '%s\n' "${DEVICES[@]}" >"$TREE/configs/devices/aarch64-softmmu/vsmmu.mak"
    echo "$PSUM" >"$TREE/.patched"
fi
for f in hw/arm/vsmmu-qemu.c include/hw/arm/vsmmu-qemu.h; do
    cmp -s "$HERE/$f" "$TREE/$f" || cp "$HERE/$f" "$TREE/$f"
done

PY=$WORK/pydeps
if [ ! -f "$PY/.ok" ]; then
    papt_init "$APT_DIR" host "deb-src $QEMU_SUITE" "deb $QEMU_SUITE"
    say "meson and pycotap from $QEMU_SUITE"
    rm -rf "$PY"; mkdir -p "$PY/debs"
    (cd "$PY/debs" && papt "$APT_DIR" host download -q meson python3-pycotap) \
        >"$logs/pydeps.log" 2>&1 || { tail -n 20 "$logs/pydeps.log"; exit 1; }
    for d in "$PY"/debs/*.deb; do dpkg-deb -x "$d" "$PY"; done
    touch "$PY/.ok"
fi
export PYTHONPATH=$PY/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}

# the library from this tree, static only, so QEMU needs no runtime path
LIB=$WORK/vsmmu STAGE=$WORK/vsmmu-stage
say "libvsmmu from $ROOT"
rm -rf "$STAGE"
make -s -C "$ROOT" -j"$JOBS" install PREFIX="$LIB" DESTDIR="$STAGE" >/dev/null
rm -f "$STAGE$LIB"/lib/libvsmmu.so*
# copy only what changed: an unchanged header keeps its time, so ninja
# does not recompile the device on every run
(cd "$STAGE$LIB" && find . -type f) | while read -r f; do
    cmp -s "$STAGE$LIB/$f" "$LIB/$f" ||
        { mkdir -p "$(dirname "$LIB/$f")" && cp "$STAGE$LIB/$f" "$LIB/$f"; }
done
rm -rf "$STAGE"
B=$WORK/qemu-build; mkdir -p "$B"
if [ ! -f "$B/build.ninja" ]; then
    say "configure (log $B/configure.log)"
    (cd "$B" && "$TREE/configure" --python=/usr/bin/python3 --target-list=aarch64-softmmu \
        --without-default-features --with-devices-aarch64=vsmmu --disable-docs \
        --enable-tcg --enable-fdt=system --disable-werror --disable-install-blobs \
        -Dvsmmu=enabled -Dpkg_config_path="$LIB/lib/pkgconfig") >"$B/configure.log" 2>&1 ||
        { tail -n 30 "$B/configure.log"; exit 1; }
fi
# relink when the library changed (ninja does not track -lvsmmu)
if ! cmp -s "$LIB/lib/libvsmmu.a" "$B/libvsmmu.a.linked"; then rm -f "$B/qemu-system-aarch64"; fi
say "ninja -j$JOBS qemu-system-aarch64 (log $B/ninja.log)"
(cd "$B" && nice -n 10 ninja -j"$JOBS" qemu-system-aarch64) >"$B/ninja.log" 2>&1 ||
    { tail -n 40 "$B/ninja.log"; exit 1; }
cp "$LIB/lib/libvsmmu.a" "$B/libvsmmu.a.linked"
# what each harness needs from this one binary
Q=$B/qemu-system-aarch64
"$Q" -machine virt,help | grep -q vsmmu ||
    { echo "build-qemu: the virt machine has no iommu=vsmmu (guest-check)" >&2; exit 1; }
"$Q" -machine virt -device arm-smmuv3,help 2>/dev/null | grep -q 'x-fwb' ||
    { echo "build-qemu: arm-smmuv3 has no x-fwb property (arm-check)" >&2; exit 1; }
"$Q" -machine virt -device help | grep -q '"edu"' ||
    { echo "build-qemu: no edu device (arm-check, guest-check)" >&2; exit 1; }
say "done: $Q ($("$Q" --version | head -n1))"
