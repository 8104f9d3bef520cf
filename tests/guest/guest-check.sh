#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make guest-check: build QEMU 10.0 with vsmmu-smmuv3 (integrations/qemu) and
# the guest (tests/guest/build-guest.sh), boot the guest on QEMU's own SMMUv3
# and on vsmmu, and check that Linux's arm-smmu-v3 driver did its DMA through
# vsmmu: every guest check passes on vsmmu, and vsmmu's own counters (printed
# by the device at exit) show translations, TLB hits and misses, commands,
# the recorded fault event, MSIs, a 2-level stream table and range
# invalidations.  Ends with "N passed, M failed"; exit 0 iff M = 0.
#
# Knobs: VSMMU_QEMU_WORK (the QEMU build shared with make arm-check, default
# $VSMMU_WORK_ROOT/vsmmu-qemu), VSMMU_GUEST_WORK ($VSMMU_WORK_ROOT/vsmmu-guest),
# VSMMU_WORK_ROOT (/var/tmp), QEMU (use this qemu-system-aarch64, skip its
# build).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
QW=${VSMMU_QEMU_WORK:-${VSMMU_WORK_ROOT:-/var/tmp}/vsmmu-qemu}
GW=${VSMMU_GUEST_WORK:-${VSMMU_WORK_ROOT:-/var/tmp}/vsmmu-guest}
T0=$(date +%s)
pass=0; fail=0
ok()  { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() { echo "guest-check: $(( $(date +%s) - T0 )) s"; echo "$pass passed, $fail failed"; [ $fail = 0 ]; exit; }

if [ -z "${QEMU:-}" ]; then
    t=$(date +%s)
    if "$ROOT/integrations/qemu/build-qemu.sh" "$QW"; then ok "QEMU with vsmmu-smmuv3 built ($(( $(date +%s) - t )) s)"
    else bad "QEMU build (see $QW/qemu-build/*.log, $QW/logs)"; finish; fi
    QEMU=$QW/qemu-build/qemu-system-aarch64
fi
t=$(date +%s)
if "$ROOT/tests/guest/build-guest.sh" "$GW"; then ok "guest built ($(( $(date +%s) - t )) s)"
else bad "guest build"; finish; fi

mkdir -p "$GW/logs"
declare -A LOG=()
for iommu in smmuv3 vsmmu; do
    LOG[$iommu]=$GW/logs/$iommu.log
    "$ROOT/tests/guest/run.sh" "$QEMU" "$iommu" "$GW/guest" "${LOG[$iommu]}"
    echo "guest-check: booted on $iommu: $(grep -a 'GUEST RESULT' "${LOG[$iommu]}" || echo 'no result'), console ${LOG[$iommu]}"
done
V=${LOG[vsmmu]} S=${LOG[smmuv3]}

# 1. the guest's own checks on vsmmu, and nothing QEMU's model passes fails on vsmmu
grep -aE '^GUEST (PASS|FAIL)' "$V" | while read -r _ r id text; do echo "  vsmmu:  $r $id $text"; done
grep -aE '^GUEST (PASS|FAIL)' "$S" | while read -r _ r id text; do echo "  smmuv3: $r $id $text"; done
n=$(grep -ac '^GUEST PASS' "$V"); m=$(grep -ac '^GUEST FAIL' "$V")
if grep -aq 'GUEST RESULT: [0-9]* passed, 0 failed' "$V" && [ "$n" -ge 12 ]; then ok "every guest check passes on vsmmu ($n)"
else bad "guest checks on vsmmu: $n passed, $m failed"; fi
worse=$(for id in $(grep -a '^GUEST PASS' "$S" | awk '{print $3}' | tr -d :); do
            grep -aq "^GUEST PASS $id:" "$V" || echo "$id"; done)
if grep -aq '^GUEST PASS' "$S" && [ -z "$worse" ]; then
    ok "vsmmu passes every check QEMU's SMMUv3 passes ($(grep -ac '^GUEST PASS' "$S") on smmuv3)"
else bad "passes on QEMU's SMMUv3 but not on vsmmu: ${worse:-no result on smmuv3}"; fi
beyond=$(grep -a '^GUEST FAIL' "$S" | awk '{print $3}' | tr -d : | tr '\n' ' ')
echo "guest-check: checks QEMU's own SMMUv3 fails: ${beyond:-none}"

# 2. vsmmu's counters
grep -a '^vsmmu-' "$V" | sed 's/^/  /'
stat() { grep -a "^vsmmu-stats:" "$V" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n1; }
num() { local v; v=$(stat "$1"); echo "${v:-0}"; }
[ "$(num translations)" -gt 1000 ] && [ "$(num translate_ok)" -gt 1000 ]
[ $? = 0 ] && ok "vsmmu translated the guest's DMA: $(num translations) translations, $(num translate_ok) ok" \
           || bad "vsmmu translations: $(num translations)"
[ "$(num tlb_hits)" -gt 0 ] && [ "$(num tlb_misses)" -gt 0 ]
[ $? = 0 ] && ok "vsmmu TLB: $(num tlb_hits) hits, $(num tlb_misses) misses" \
           || bad "vsmmu TLB: hits $(num tlb_hits) misses $(num tlb_misses)"
cmds=$(grep -a '^vsmmu-stats: cmds' "$V" | cut -d' ' -f3-)
[ "$(num CMD_SYNC)" -gt 0 ] && [ "$(num CFGI_STE)" -gt 0 ] && [ "$(num commands)" -gt 10 ]
[ $? = 0 ] && ok "vsmmu executed the driver's commands: $(num commands) ($cmds)" \
           || bad "vsmmu commands: $(num commands) ($cmds)"
[ "$(stat strtab)" = 2-level ] && ok "vsmmu: the driver set up a 2-level stream table" \
                               || bad "vsmmu stream table: $(stat strtab)"
[ "$(num tlbi_range)" -gt 0 ] && ok "vsmmu: $(num tlbi_range) range invalidations (TLBI with TG/NUM/SCALE)" \
                              || bad "vsmmu: no range invalidation"
[ "$(num msis)" -gt 0 ] && [ "$(num msi_aborts)" = 0 ] && [ "$(stat evtq_msi_addr)" != 0x0 ]
[ $? = 0 ] && ok "vsmmu signalled through the ITS: $(num msis) MSIs (event queue doorbell $(stat evtq_msi_addr))" \
           || bad "vsmmu MSIs: $(num msis), aborts $(num msi_aborts), evtq doorbell $(stat evtq_msi_addr)"
fault=$(grep -a '^vsmmu-fault:' "$V" | head -n1)
[ "$(num F_TRANSLATION)" -gt 0 ] && [ "$(num events)" -gt 0 ] && echo "$fault" | grep -q 'event=F_TRANSLATION recorded=1'
[ $? = 0 ] && ok "vsmmu recorded the edu fault: $(num events) event(s): ${fault#vsmmu-fault: }" \
           || bad "vsmmu events: $(num events) (${fault:-no fault})"

# 3. performance side by side
perf() { grep -a "PERF" "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | tail -n1; }
echo "guest-check: performance (TCG, 1 vCPU):"
printf '  %-8s %12s %14s %14s %16s %14s %12s\n' iommu run_wall_ms boot_to_init_s disk_read_ms read_MiB/s translations xlate_ns_total
for i in smmuv3 vsmmu; do
    l=${LOG[$i]} b=$(perf "${LOG[$i]}" disk_bytes) r=$(perf "${LOG[$i]}" disk_read_ms)
    tr=- tn=-
    if [ "$i" = vsmmu ]; then tr=$(num translations) tn=$(num translate_ns); fi
    if grep -aq '^smmuv3-stats:' "$l"; then
        tr=$(grep -a '^smmuv3-stats:' "$l" | tr ' ' '\n' | sed -n 's/^translations=//p')
        tn=$(grep -a '^smmuv3-stats:' "$l" | tr ' ' '\n' | sed -n 's/^translate_ns=//p')
    fi
    printf '  %-8s %12s %14s %14s %16s %14s %12s\n' "$i" "$(perf "$l" wall_ms)" "$(perf "$l" init_uptime_s)" \
        "${r:-?}" "$(awk -v b="${b:-0}" -v r="${r:-0}" 'BEGIN{ if (r > 0) printf "%.1f", b / 1048576 / (r / 1000); else print "?" }')" \
        "${tr:-?}" "${tn:-?}"
done
finish
