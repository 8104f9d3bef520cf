#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the Linux guest that `make guest-check` boots: Debian's arm64 kernel
# (unmodified, arm-smmu-v3 built in), a static busybox, tests/guest/init.sh
# as /init in a gzip'd newc initramfs, and a 64 MiB disk image whose content
# is known (its md5 is passed to the guest).
#
#   build-guest.sh WORK        WORK: a directory outside the repository
#
# WORK/guest/{Image,initramfs.cpio.gz,disk.img,disk.md5,kernel.txt} result
# WORK/apt-guest/, WORK/debs/, WORK/unpacked/                        caches
# Knobs: KERNEL_SUITE (trixie-backports), BUSYBOX_SUITE (bookworm),
#        DEBIAN_MIRROR.  A second run only re-packs the initramfs (~2 s).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${1:?usage: build-guest.sh WORK}
mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
KERNEL_SUITE=${KERNEL_SUITE:-trixie-backports}
BUSYBOX_SUITE=${BUSYBOX_SUITE:-bookworm}
# shellcheck source=../lib/apt-private.sh
. "$HERE/../lib/apt-private.sh"
T0=$(date +%s)
say() { echo "[build-guest +$(( $(date +%s) - T0 ))s] $*"; }

host_need cpio gzip xz-utils zstd dpkg python3

DEBS=$WORK/debs OUT=$WORK/guest UNP=$WORK/unpacked
mkdir -p "$DEBS" "$OUT"
if [ ! -f "$DEBS/.ok" ]; then
    APT_DIR=$WORK/apt-guest
    papt_init "$APT_DIR" arm64 "deb $KERNEL_SUITE" "deb $BUSYBOX_SUITE"
    # newest arm64 kernel of the suite: 7.x packaging first, then the classic one
    pick() { pcache "$APT_DIR" arm64 pkgnames "$1" | grep -E "$2" | sort -V | tail -n1; }
    bin=$(pick linux-binary-unsigned- '^linux-binary-unsigned-[0-9.]+\+deb[0-9]+-arm64$' || true)
    if [ -n "$bin" ]; then
        ver=${bin#linux-binary-unsigned-}
        pkgs=("$bin/$KERNEL_SUITE" "linux-base-$ver/$KERNEL_SUITE" "linux-modules-$ver/$KERNEL_SUITE")
    else
        img=$(pick linux-image- '^linux-image-[0-9.]+(-[0-9]+|\+deb[0-9]+)-arm64-unsigned$')
        [ -n "$img" ] || { echo "build-guest: no arm64 kernel in $KERNEL_SUITE" >&2; exit 1; }
        pkgs=("$img")
    fi
    pkgs+=("busybox-static/$BUSYBOX_SUITE")
    say "downloading ${pkgs[*]}"
    rm -f "$DEBS"/*.deb
    (cd "$DEBS" && papt "$APT_DIR" arm64 download -q "${pkgs[@]}" >/dev/null)
    rm -rf "$UNP"; touch "$DEBS/.ok"
fi
if [ ! -f "$UNP/.ok" ]; then
    rm -rf "$UNP"; mkdir -p "$UNP"
    for d in "$DEBS"/*.deb; do dpkg-deb -x "$d" "$UNP"; done
    touch "$UNP/.ok"
fi
MODDIR=$(ls -d "$UNP"/usr/lib/modules/*/ "$UNP"/lib/modules/*/ 2>/dev/null | head -n1 || true)
MODDIR=${MODDIR%/}; KVER=$(basename "$MODDIR")
KIMG=$(ls "$MODDIR"/vmlinuz "$MODDIR"/vmlinuz.unsigned "$UNP"/boot/vmlinuz-"$KVER" 2>/dev/null | head -n1 || true)
KCFG=$(ls "$MODDIR"/config "$UNP"/boot/config-"$KVER" 2>/dev/null | head -n1 || true)
[ -n "$KIMG" ] && [ -n "$KCFG" ] || { echo "build-guest: no kernel image/config under $UNP" >&2; exit 1; }
cp "$KIMG" "$OUT/Image"
grep -q '^CONFIG_ARM_SMMU_V3=y' "$KCFG" || { echo "build-guest: arm-smmu-v3 is not built into $KVER" >&2; exit 1; }
echo "$KVER" >"$OUT/kernel.txt"

# initramfs: busybox, /init, and the modules the checks need (with their
# dependencies, from each module's own "depends=" field), in load order
IR=$OUT/initramfs
rm -rf "$IR"; mkdir -p "$IR"/{bin,dev,proc,sys,tmp,modules}
cp "$UNP/bin/busybox" "$IR/bin/busybox"
cp "$HERE/init.sh" "$IR/init"
chmod 755 "$IR/init" "$IR/bin/busybox"
declare -A DONE=()
load_order=()
add_module() {
    local name=$1 f dep
    [ -n "${DONE[$name]:-}" ] && return 0
    DONE[$name]=1
    f=$(find "$MODDIR/kernel" -regextype egrep -regex ".*/${name//[-_]/[-_]}\.ko(\.xz|\.zst|\.gz)?" | head -n1)
    [ -n "$f" ] || return 0          # built in
    case "$f" in
        *.xz) xz -dc "$f" ;; *.zst) zstd -qdc "$f" ;; *.gz) gzip -dc "$f" ;; *) cat "$f" ;;
    esac >"$IR/modules/$name.ko"
    for dep in $(tr '\0' '\n' <"$IR/modules/$name.ko" | sed -n 's/^depends=//p' | head -n1 | tr , ' '); do
        add_module "$dep"
    done
    load_order+=("$name.ko")
}
for m in virtio_blk virtio-rng; do add_module "$m"; done
printf '%s\n' "${load_order[@]}" >"$IR/modules/order"
(cd "$IR" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -9n) >"$OUT/initramfs.cpio.gz"
say "kernel $KVER, initramfs $(du -k "$OUT/initramfs.cpio.gz" | cut -f1) KiB, modules: ${load_order[*]:-none}"

# disk image (DISK_MIB, default 64): sector N holds "vsmmu-guest N" then
# bytes (N*31 + i) & 0xff
DISK_MIB=${DISK_MIB:-64}
if [ ! -f "$OUT/disk.md5" ] || [ "$(stat -c %s "$OUT/disk.img")" != $((DISK_MIB << 20)) ]; then
    python3 - "$OUT/disk.img" "$DISK_MIB" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    for n in range(int(sys.argv[2]) * 2048):
        tag = b"vsmmu-guest %07d\n" % n
        f.write(tag + bytes((n * 31 + i) & 0xff for i in range(512 - len(tag))))
PY
    md5sum "$OUT/disk.img" | cut -d' ' -f1 >"$OUT/disk.md5"
fi
say "done: $OUT"
