#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot the make arm-check guest once and run static aarch64 test programs in
# it; print the guest's console and exit 0 when every program exited 0.
#
#   boot.sh QEMU IMAGE BUSYBOX PROGRAM...
#
# The machine: QEMU's virt board (TCG, 1 CPU, 1 GiB) with a GICv3 ITS (VFIO
# wants MSI isolation), its SMMUv3 in nested mode with x-fwb (advertise
# IDR3.FWB, which Linux needs for the SMMUv3 vIOMMU), two edu devices.
# The initramfs holds busybox, tests/arm/init.sh and the programs in /tests.
# Environment: FWB (on; "off" for the control run), EDUS (2), KERNEL_APPEND
# (key=value words reach the programs as environment variables),
# BOOT_TIMEOUT (600 s), BOOT_LOG (keep the console there).
set -euo pipefail
(($# >= 4)) || { echo "usage: $0 QEMU IMAGE BUSYBOX PROGRAM..." >&2; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
qemu=$1 image=$2 busybox=$3
shift 3
tmp="$(mktemp -d "${TMPDIR:-/tmp}/vsmmu-arm.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/bin" "$tmp/root/dev" "$tmp/root/proc" "$tmp/root/sys" "$tmp/root/tests"
install -m 755 "$busybox" "$tmp/root/bin/busybox"
install -m 755 "$here/init.sh" "$tmp/root/init"
for p in "$@"; do install -m 755 "$p" "$tmp/root/tests/"; done
(cd "$tmp/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$tmp/initrd"

devs=()
for ((i = 0; i < ${EDUS:-2}; i++)); do devs+=(-device edu); done
rc=0
timeout --foreground -k 5 "${BOOT_TIMEOUT:-600}" "$qemu" \
    -machine virt,iommu=smmuv3,gic-version=3,its=on \
    -global arm-smmuv3.stage=nested -global arm-smmuv3.x-fwb="${FWB:-on}" \
    -cpu cortex-a57 -smp 1 -m 1G -nographic -no-reboot -nic none \
    -kernel "$image" -initrd "$tmp/initrd" \
    -append "console=ttyAMA0 panic=-1 quiet ${KERNEL_APPEND:-}" "${devs[@]}" \
    </dev/null >"$tmp/console" 2>&1 || rc=$?
tr -d '\r' <"$tmp/console" >"$tmp/out"
[[ -n "${BOOT_LOG:-}" ]] && cp "$tmp/out" "$BOOT_LOG"
cat "$tmp/out"
grep -q '^ARM-DONE$' "$tmp/out" || { echo "boot.sh: the guest did not finish (qemu status $rc)"; exit 1; }
! grep -q '^ARM-EXIT .* [1-9][0-9]*$' "$tmp/out"
