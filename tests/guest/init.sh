#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /init of the guest-check guest.  It checks, from inside an unmodified Linux,
# that its arm-smmu-v3 driver drives the SMMU and that PCI DMA goes through
# it, then the features beyond QEMU's own SMMUv3 model.  Every check prints
# "GUEST PASS <id>: ..." or "GUEST FAIL <id>: ...", the last line is
# "GUEST RESULT: N passed, M failed"; figures are "GUEST PERF key=value".
# Kernel parameters: vt.md5=<md5 of the disk> (tests/guest/run.sh sets it).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc none /proc
mount -t sysfs none /sys
mount -t devtmpfs none /dev 2>/dev/null
mount -t tmpfs none /tmp
echo "GUEST PERF init_uptime_s=$(cut -d' ' -f1 /proc/uptime)"

npass=0; nfail=0
check() {  # check ID CONDITION-STATUS TEXT
    if [ "$2" = 0 ]; then echo "GUEST PASS $1: $3"; npass=$((npass + 1))
    else echo "GUEST FAIL $1: $3"; nfail=$((nfail + 1)); fi
}
arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p"; }
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
cfg_byte() { dd if="$1/config" bs=1 skip="$2" count=1 2>/dev/null | od -An -tu1 | tr -d ' '; }

for m in $(cat /modules/order); do insmod /modules/$m || echo "insmod $m failed"; done
n=0; while [ ! -b /dev/vda ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done

echo "--- SMMU driver"
dmesg | grep -iE 'smmu|iommu|its' | sed 's/^/  /'
probe=$(dmesg | grep -oE 'arm-smmu-v3 [^ ]+: .*features 0x[0-9a-f]+' | head -n1)
[ -n "$probe" ]; check probe $? "arm-smmu-v3 probed: ${probe:-no probe line}"
ls /sys/class/iommu | grep -q '^smmu3\.'; check sysfs $? "/sys/class/iommu: $(ls /sys/class/iommu | tr '\n' ' ')"
feat=$(( $(echo "$probe" | grep -oE '0x[0-9a-f]+$' || echo 0) ))

echo "--- IOMMU groups"
total=0; good=0; edu=
for d in /sys/bus/pci/devices/*; do
    id="$(cat $d/vendor):$(cat $d/device)"
    type=none; [ -e $d/iommu_group/type ] && type=$(cat $d/iommu_group/type)
    echo "  $(basename $d) $id group=$(basename "$(readlink $d/iommu_group)") type=$type"
    case $id in
        0x1af4:*) total=$((total + 1)); case $type in DMA|DMA-FQ) good=$((good + 1)) ;; esac ;;
        0x1234:0x11e8) edu=$d ;;
    esac
done
[ $total -gt 0 ] && [ $good = $total ]; check groups $? "$good of $total virtio devices in translating (DMA) domains"

echo "--- DMA through the SMMU"
ap=$(cut -c34 /sys/block/vda/device/features 2>/dev/null)
[ "$ap" = 1 ]; check access_platform $? "virtio-blk VIRTIO_F_ACCESS_PLATFORM=${ap:-?}"
bytes=$(( $(cat /sys/block/vda/size 2>/dev/null || echo 0) * 512 ))
t0=$(ms); dd if=/dev/vda of=/dev/null bs=1M 2>/dev/null; t1=$(ms)
echo "GUEST PERF disk_bytes=$bytes disk_read_ms=$((t1 - t0))"
echo 3 >/proc/sys/vm/drop_caches
sum=$(dd if=/dev/vda bs=1M 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$sum" = "$(arg vt.md5)" ]; check disk_read $? "whole-disk read md5 $sum (expected $(arg vt.md5))"
dd if=/dev/urandom of=/tmp/w bs=64k count=16 2>/dev/null
dd if=/tmp/w of=/dev/vda bs=64k seek=32 conv=fsync 2>/dev/null
echo 3 >/proc/sys/vm/drop_caches
a=$(md5sum </tmp/w | cut -d' ' -f1)
b=$(dd if=/dev/vda bs=64k skip=32 count=16 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$a" = "$b" ]; check disk_write $? "1 MiB written, caches dropped, read back: $b"
rng=$(dd if=/dev/hwrng bs=512 count=1 2>/dev/null | wc -c)
[ "$rng" = 512 ]; check rng $? "virtio-rng: $rng bytes"
BAD='event 0x[0-9a-f]+ received|event: [A-Z_]+|global error|CMDQ error|CMD_SYNC timeout'
dmesg | grep -E "$BAD" | sed 's/^/  /'
! dmesg | grep -qE "$BAD"; check no_events $? "no SMMU event, global error or command-queue error logged"

echo "--- beyond QEMU's SMMUv3 model"
# the driver's features word (Linux 7.x ARM_SMMU_FEAT_* bits): 0 = 2-level
# stream table, 7 = MSI, 15 = range invalidation
[ $((feat & 1)) = 1 ]; check strtab_2lvl $? "driver uses a 2-level stream table (features $(printf 0x%x $feat))"
[ $(((feat >> 15) & 1)) = 1 ]; check range_inv $? "driver uses range invalidation (RIL)"
grep -E 'smmu|evtq|gerror' /proc/interrupts | sed 's/^/  /'
msi=$(grep -E 'arm-smmu-v3-(evtq|gerror)' /proc/interrupts | grep -c 'ITS')
! dmesg | grep -q 'falling back to wired' && [ "$msi" = 2 ]
check msi $? "event queue and GERROR interrupts are ITS MSIs ($msi of 2)"

# edu, no driver bound: DMA from an IOVA nothing maps must fault, and the
# driver must report the event for edu's StreamID from the event queue
if [ -n "$edu" ]; then
    bar=$(( $(head -n1 $edu/resource | cut -d' ' -f1) ))
    bdf=$(basename $edu)
    printf '\006' | dd of=$edu/config bs=1 seek=4 conv=notrunc 2>/dev/null
    echo "  edu $bdf BAR0 $(printf 0x%x $bar) id $(devmem $bar 32) command $(cfg_byte $edu 4)"
    devmem $((bar + 0x80)) 32 0x3000000      # source: an unmapped IOVA
    devmem $((bar + 0x88)) 32 0x40000        # destination: edu's buffer
    devmem $((bar + 0x90)) 32 8
    devmem $((bar + 0x98)) 32 1              # start, from the bus to edu
    n=0; while [ $(( $(devmem $((bar + 0x98)) 32) & 1 )) = 1 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
    sleep 0.5
    dmesg | grep -E "$BAD|$bdf" | grep -vE 'probe|Adding to iommu|BAR|class|enabling' | sed 's/^/  /'
    dmesg | grep -E "event: F_TRANSLATION|event 0x10 received" >/dev/null &&
        dmesg | grep -qiE "(client|sid).*($bdf|0x3000000)|iova: 0x3000000"
    check dma_fault $? "edu DMA from IOVA 0x3000000: F_TRANSLATION reported by the driver"
else
    check dma_fault 1 "no edu device"
fi
echo "GUEST RESULT: $npass passed, $nfail failed"
sync
poweroff -f
