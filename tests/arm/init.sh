#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /init of the make arm-check guest (busybox; everything else is built into
# the kernel): bind every edu PCI device (1234:11e8) to vfio-pci, run each
# /tests/* program, print "ARM-EXIT name status" after each and
# "ARM-DONE" at the end, power off.  key=value words of the kernel command
# line reach the programs as environment variables; ARM_ONLY=word runs only
# the test cases whose name contains it.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "arm guest: Linux $(uname -r)"
fw=$(dmesg | sed -n 's/.*arm-smmu-v3.*features \(0x[0-9a-f]*\).*/\1/p' | head -n 1)
echo "arm-smmu-v3 features ${fw:-unknown}"
n=0
for d in /sys/bus/pci/devices/*; do
    [ "$(cat "$d/vendor" 2>/dev/null):$(cat "$d/device" 2>/dev/null)" = "0x1234:0x11e8" ] || continue
    b=${d##*/}
    echo vfio-pci >"$d/driver_override"
    echo "$b" >/sys/bus/pci/drivers_probe
    if [ -e "$d/driver" ]; then
        echo "edu $b -> $(basename "$(readlink "$d/driver")") $(ls "$d/vfio-dev" 2>/dev/null)"
        n=$((n + 1))
    else
        echo "edu $b: vfio-pci did not bind"
    fi
done
echo "edu devices on vfio-pci: $n"
for t in /tests/*; do
    [ -x "$t" ] || continue
    # shellcheck disable=SC2086
    "$t" ${ARM_ONLY:-}
    echo "ARM-EXIT ${t##*/} $?"
done
echo "ARM-DONE"
sync
poweroff -f
