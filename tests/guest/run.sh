#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot the guest of build-guest.sh once and save the console (with QEMU's
# stderr, where vsmmu-smmuv3 prints its counters at exit).
#
#   run.sh QEMU IOMMU GUESTDIR LOG [extra QEMU args]
#
# IOMMU is the virt machine's iommu= value (smmuv3, vsmmu).  The machine has
# a GICv3 with an ITS; the guest gets a virtio-blk disk (snapshot: the disk
# image is not modified), a virtio-rng and an edu device, all behind the SMMU.
# Exit status: QEMU's (124 on TIMEOUT, default 600 s).
set -uo pipefail
QEMU=$1 IOMMU=$2 G=$3 LOG=$4; shift 4
args=(-machine "virt,iommu=$IOMMU,gic-version=3,its=on" -cpu cortex-a57 -smp 1 -m 1G
      -nographic -no-reboot -nic none -kernel "$G/Image" -initrd "$G/initramfs.cpio.gz"
      -append "console=ttyAMA0 panic=-1 vt.md5=$(cat "$G/disk.md5")"
      -drive "if=none,id=disk,format=raw,snapshot=on,file=$G/disk.img"
      -device virtio-blk-pci,drive=disk,iommu_platform=on,disable-legacy=on
      -device virtio-rng-pci,iommu_platform=on,disable-legacy=on
      -device edu)
echo "run.sh: $QEMU ${args[*]} $*" >"$LOG"
t0=$(date +%s%N)
timeout -k 5 "${TIMEOUT:-600}" "$QEMU" "${args[@]}" "$@" </dev/null >>"$LOG" 2>&1
rc=$?
echo "HOST PERF wall_ms=$(( ($(date +%s%N) - t0) / 1000000 )) qemu_status=$rc" >>"$LOG"
exit $rc
