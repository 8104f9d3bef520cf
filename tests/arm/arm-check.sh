#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make arm-check, in two steps (the Makefile cross-compiles the tests in
# between, against the guest kernel's uAPI headers):
#
#   arm-check.sh prepare ARM_WORK QEMU_WORK
#       build (or reuse) QEMU (integrations/qemu/build-qemu.sh, the build
#       shared with make guest-check) and the guest (build-guest.sh) at the
#       same time, niced; on failure print "0 passed, 1 failed"
#   arm-check.sh run ARM_WORK QEMU_WORK TEST...
#       boot the guest with x-fwb=on and run every TEST; boot it again with
#       x-fwb=off (the control: Linux refuses the vIOMMU and vsmmu's attach
#       must fail cleanly); print each result and "N passed, N failed"
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/../.." && pwd)"
mode=$1 work=$2 qwork=$3
shift 3
start=$(date +%s)
for d in "$work" "$qwork"; do
    case "$(realpath -m "$d")" in
        "$top"|"$top"/*)
            echo "arm-check: $d is inside the clone; use a directory outside it" >&2
            echo "0 passed, 1 failed"
            exit 1 ;;
    esac
done
unset MAKEFLAGS MFLAGS MAKELEVEL

if [[ $mode == prepare ]]; then
    mkdir -p "$work" "$qwork"
    nice -n 10 bash "$top/integrations/qemu/build-qemu.sh" "$qwork" >"$qwork/arm-check-build.log" 2>&1 &
    qpid=$!
    nice -n 10 bash "$here/build-guest.sh" "$work" >"$work/arm-check-build.log" 2>&1 &
    gpid=$!
    ok=0
    wait $qpid || { tail -n 30 "$qwork/arm-check-build.log"; ok=1; }
    wait $gpid || { tail -n 30 "$work/arm-check-build.log"; ok=1; }
    grep -h '^\[build-' "$qwork/arm-check-build.log" "$work/arm-check-build.log" | tail -n 4
    if ((ok)); then
        echo "arm-check: build failed (logs: $qwork/arm-check-build.log, $work/arm-check-build.log)" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
    echo "arm-check: QEMU and guest ready after $(( $(date +%s) - start ))s"
    exit 0
fi

qemu="$qwork/qemu-build/qemu-system-aarch64"
passed=0 failed=0
boot() {    # boot LABEL ENV... -- runs the tests, counts PASS/FAIL lines
    local label=$1 out rc p f
    shift
    out=$(env "$@" bash "$here/boot.sh" "$qemu" "$work/Image" "$work/busybox" "${tests[@]}" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -E '^(PASS |FAIL |# |ARM-EXIT |edu |arm-smmu-v3 features|arm guest|boot\.sh|  [^ ]*\.c:[0-9]+)' |
        sed "s|^|[arm $label] |"
    p=$(printf '%s\n' "$out" | grep -c '^PASS ')
    f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
    if ((rc != 0 && f == 0)); then
        printf '%s\n' "$out" | tail -n 30 | sed "s|^|[arm $label] |"
        echo "[arm $label] FAIL boot (status $rc)"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
}
tests=("$@")
boot fwb-on FWB=on
boot fwb-off FWB=off 'KERNEL_APPEND=ARM_EXPECT_FWB_OFF=1 ARM_ONLY=arm_viommu_needs_fwb'
echo "arm-check: done in $(( $(date +%s) - start ))s"
echo "$passed passed, $failed failed"
((failed == 0 && passed > 0))
