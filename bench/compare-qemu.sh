#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench-qemu: build QEMU 7.2's SMMUv3 benchmark (bench/qemu72/build.sh,
# work directory VSMMU_QEMU72_DIR, default $VSMMU_WORK_ROOT/vsmmu-qemu72 =
# /var/tmp/vsmmu-qemu72), run the translate cases of both models in this
# invocation, alternately, in BENCH_ROUNDS rounds (default 2; each round
# runs both binaries once), and print them side by side with ratios
# QEMU / vsmmu (thread CPU time and wall time; per case the lowest min and
# the lowest median over the rounds, the least disturbed on a shared
# machine; callgrind instructions per call when valgrind is installed,
# counted once).
#   bench/compare-qemu.sh VSMMU_BENCH_BINARY
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
qbin=$("$here/qemu72/build.sh" | tail -1)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
rounds=${BENCH_ROUNDS:-2}
files=
r=1
while [ "$r" -le "$rounds" ]; do
    cg=$([ "$r" = 1 ] && echo "${NO_CALLGRIND:-0}" || echo 1)
    echo "round $r/$rounds: vsmmu (bench noqueue), then QEMU 7.2 ($qbin)"
    NO_CALLGRIND=$cg sh "$here/run.sh" "$bin" "vsmmu_translate vsmmu_accel_process_events" noqueue > "$dir/ours.$r"
    NO_CALLGRIND=$cg sh "$here/run.sh" "$qbin" smmuv3_translate > "$dir/qemu.$r"
    files="$files $dir/ours.$r $dir/qemu.$r"
    r=$((r + 1))
done
head -1 "$dir/qemu.1"
echo "Debian source package: qemu $(cat "${VSMMU_QEMU72_DIR:-${VSMMU_WORK_ROOT:-/var/tmp}/vsmmu-qemu72}/qemu-version" 2>/dev/null)"
awk '
FNR == 1 { f = (f == 1) ? 2 : 1 }
/^@ instr / { ins[f, $3] = $4; next }
/^@ ratio_threads / { if (!((f) in rt) || $3 > rt[f]) rt[f] = $3; next }
/^@ / && NF == 6 {
    for (i = 3; i <= 6; i++)
        if (!((f, $2, i) in v) || $i < v[f, $2, i]) v[f, $2, i] = $i
}
END {
    n = split("hit256 hit1 miss cycle4096 threads1 threads2", c, " ")
    name["hit256"] = "hit, 256 pages resident"
    name["hit1"] = "hit, one page"
    name["miss"] = "miss, cold 4-level 4K walk"
    name["cycle4096"] = "4096 pages cycled"
    name["threads1"] = "hit256, 1 thread"
    name["threads2"] = "hit256, 2 threads (per thread)"
    sep = "+--------------------------------+--------------------+--------------------+----------------+----------------+----------------------+"
    print ""
    print "ns per call: thread CPU time min / median; ratio = QEMU / vsmmu (higher: vsmmu faster)"
    print sep
    printf "| %-30s | %-18s | %-18s | %-14s | %-14s | %-20s |\n", "case", "vsmmu cpu min/med", "QEMU cpu min/med", "ratio cpu min", "ratio wall min", "instr vsmmu/QEMU"
    print sep
    for (k = 1; k <= n; k++) {
        id = c[k]
        if (!((1, id, 5) in v) || !((2, id, 5) in v)) continue
        r = v[2, id, 5] / v[1, id, 5]
        rw = v[2, id, 3] / v[1, id, 3]
        ic = "-"
        if ((1, id) in ins && (2, id) in ins)
            ic = sprintf("%.0f/%.0f (%.1fx)", ins[1, id], ins[2, id], ins[2, id] / ins[1, id])
        printf "| %-30s | %7.1f / %8.1f | %7.1f / %8.1f | %13.2fx | %13.2fx | %-20s |\n", name[id], v[1, id, 5], v[1, id, 6], v[2, id, 5], v[2, id, 6], r, rw, ic
        ratio[id] = r
    }
    print sep
    if ((1 in rt) && (2 in rt))
        printf "2 threads / 1 thread throughput (best wall): vsmmu %.2fx, QEMU %.2fx\n", rt[1], rt[2]
    if ("hit256" in ratio)
        printf "target >=7x QEMU on hits (hit256, cpu min): %.2fx %s\n", ratio["hit256"], (ratio["hit256"] >= 7 ? "met" : "NOT met")
    if ("miss" in ratio)
        printf "target >=2.5x QEMU on misses (cpu min): %.2fx %s\n", ratio["miss"], (ratio["miss"] >= 2.5 ? "met" : "NOT met")
    for (k = 1; k <= n; k++)
        if ((1, c[k], 5) in v && (2, c[k], 5) in v)
            printf "@ cmp %s %.2f %.2f %.3f\n", c[k], v[1, c[k], 5], v[2, c[k], 5], v[2, c[k], 5] / v[1, c[k], 5]
}' $files
