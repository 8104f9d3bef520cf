#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build qemu-system-aarch64 (QEMU 10.0 from Debian's source package) whose
# virt machine accepts iommu=vsmmu: the SMMUv3 implemented by libvsmmu from
# this repository (hw/arm/vsmmu-qemu.c here, linked with the static library).
#
#   build-qemu.sh WORK       WORK: a reusable directory outside the repository
#
# WORK/qemu-src/qemu-VER     unpacked, patched source (virt-vsmmu.patch + our files)
# WORK/qemu-build/           the build; qemu-system-aarch64 is the result
# WORK/vsmmu/                libvsmmu as `make install` puts it (static only)
# WORK/pydeps/               meson >= 1.5 and pycotap from trixie's .debs
#                            (Debian 12 has meson 1.0 and no pycotap)
# A second run rebuilds only what changed (the library, our device): seconds.
# Knobs: QEMU_SUITE (trixie), QEMU_VERSION (1:10.0.13+ds-0+deb13u1; "newest"
# takes the suite's newest), JOBS (nproc), DEBIAN_MIRROR.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${1:?usage: build-qemu.sh WORK}
mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
case "$WORK/" in "$ROOT"/*) echo "build-qemu: WORK must be outside the repository" >&2; exit 2 ;; esac
QEMU_SUITE=${QEMU_SUITE:-trixie}
QEMU_VERSION=${QEMU_VERSION:-1:10.0.13+ds-0+deb13u1}
JOBS=${JOBS:-$(nproc)}
T0=$(date +%s)
say() { echo "[build-qemu +$(( $(date +%s) - T0 ))s] $*"; }
. "$ROOT/tests/guest/apt-private.sh"

host_pkgs build-essential pkg-config ninja-build python3 python3-venv libglib2.0-dev \
    libpixman-1-dev libfdt-dev xz-utils bzip2 flex bison patch dpkg-dev

APT_DIR=$WORK/apt-qemu; export APT_DIR
SRC=$WORK/qemu-src; mkdir -p "$SRC"
if [ ! -f "$SRC/.fetched" ]; then
    apt_private_init "deb-src - $QEMU_SUITE" "deb - $QEMU_SUITE"
    if [ "$QEMU_VERSION" = newest ]; then
        QEMU_VERSION=$(apt_private_cache showsrc qemu | sed -n 's/^Version: //p' | sort -V | tail -n1)
    fi
    say "downloading Debian's qemu $QEMU_VERSION source"
    if ! (cd "$SRC" && apt_private source -q --download-only "qemu=$QEMU_VERSION" >/dev/null); then
        # the suite may have moved to a newer point release: take its newest
        QEMU_VERSION=$(apt_private_cache showsrc qemu | sed -n 's/^Version: //p' | sort -V | tail -n1)
        say "not available; downloading qemu $QEMU_VERSION instead"
        (cd "$SRC" && apt_private source -q --download-only "qemu=$QEMU_VERSION" >/dev/null)
    fi
    touch "$SRC/.fetched"
fi
ORIG=$(ls "$SRC"/qemu_*.orig.tar.* | head -n1)
UP=$(basename "$ORIG"); UP=${UP#qemu_}; UP=${UP%%+*}; UP=${UP%%.orig*}
TREE=$SRC/qemu-$UP
# re-unpack when the patch changed (unchanged files keep their old times)
PSUM=$(cat "$HERE/virt-vsmmu.patch" | md5sum | cut -d' ' -f1)
if [ "$(cat "$TREE/.vsmmu-patch" 2>/dev/null)" != "$PSUM" ]; then
    say "unpacking and patching $TREE"
    rm -rf "$TREE"
    (cd "$SRC" && tar xf "$ORIG")
    patch -s -d "$TREE" -p1 <"$HERE/virt-vsmmu.patch"
    # the +ds source has no firmware blobs; we boot with -kernel
    sed -i 's/^    unpack_edk2_blobs = bzip2.found()$/    unpack_edk2_blobs = false/' "$TREE/meson.build"
    printf '%s\n' CONFIG_ARM_VIRT=y CONFIG_VSMMU=y CONFIG_TEST_DEVICES=y CONFIG_EDU=y \
        >"$TREE/configs/devices/aarch64-softmmu/vsmmu.mak"
    echo "$PSUM" >"$TREE/.vsmmu-patch"
fi
for f in hw/arm/vsmmu-qemu.c include/hw/arm/vsmmu-qemu.h; do
    cmp -s "$HERE/$f" "$TREE/$f" || cp "$HERE/$f" "$TREE/$f"
done

PY=$WORK/pydeps
if [ ! -f "$PY/.ok" ]; then
    apt_private_init "deb-src - $QEMU_SUITE" "deb - $QEMU_SUITE"
    say "meson and pycotap from $QEMU_SUITE"
    mkdir -p "$PY/debs"
    (cd "$PY/debs" && apt_private download -q meson python3-pycotap >/dev/null)
    for d in "$PY"/debs/*.deb; do dpkg-deb -x "$d" "$PY"; done
    touch "$PY/.ok"
fi
export PYTHONPATH=$PY/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}

# the library from this tree, static only, so QEMU needs no runtime path
LIB=$WORK/vsmmu
say "libvsmmu from $ROOT"
make -s -C "$ROOT" -j"$JOBS" install PREFIX="$LIB" >/dev/null
rm -f "$LIB"/lib/libvsmmu.so*
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
"$B/qemu-system-aarch64" -machine virt,help | grep -q vsmmu ||
    { echo "build-qemu: the virt machine has no iommu=vsmmu" >&2; exit 1; }
say "done: $B/qemu-system-aarch64 ($("$B/qemu-system-aarch64" --version | head -n1))"
