#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench: run the benchmark binary for times, then (when valgrind is
# installed) once more under callgrind for instructions per call, counting
# only the instructions executed inside FUNCS (a space-separated list,
# default "vsmmu_translate vsmmu_accel_process_events") with --toggle-collect;
# the binary dumps one profile per case.
#   bench/run.sh BENCH_BINARY [FUNCS] [ARGS...]
# BENCH_QUICK=1 for a short run; NO_CALLGRIND=1 to skip the counts.
# Output: the binary's table, then "instructions per call" rows and the
# machine-readable lines "@ instr <case> <instructions per call>".
set -eu
bin=$1
funcs=${2:-vsmmu_translate vsmmu_accel_process_events}
[ $# -ge 2 ] && shift 2 || shift $#
"$bin" "$@"
[ "${NO_CALLGRIND:-0}" = 1 ] && exit 0
if ! command -v valgrind > /dev/null 2>&1; then
    echo "(valgrind not installed: no instruction counts)"
    exit 0
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
toggles=
for f in $funcs; do toggles="$toggles --toggle-collect=$f"; done
# shellcheck disable=SC2086
valgrind --tool=callgrind --collect-atstart=no $toggles \
    --callgrind-out-file="$dir/cg.out" "$bin" callgrind > "$dir/log" 2>&1 ||
    { echo "(no instruction counts: the callgrind run failed)"; tail -5 "$dir/log"; exit 0; }
echo
echo "Instructions per call inside: $funcs (callgrind,$toggles)"
for f in "$dir"/cg.out.*; do
    desc=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
    case $desc in case=*) ;; *) continue ;; esac
    total=$(sed -n 's/^summary: \([0-9]*\).*/\1/p; s/^totals: \([0-9]*\).*/\1/p' "$f" | head -1)
    echo "$desc $total"
done | sort | awk -v own="$(case $funcs in vsmmu_translate*) echo 1 ;; esac)" '{
    sub("case=", "", $1); sub("calls=", "", $2)
    ipc = $3 / $2
    t = ""
    if (own && $1 == "hit256") t = (ipc <= 60 ? "target <=60: met" : "target <=60: NOT met")
    if (own && $1 == "miss") t = (ipc <= 600 ? "target <=600: met" : "target <=600: NOT met")
    printf "  %-10s %8.1f instr/call  (%d calls)  %s\n", $1, ipc, $2, t
    printf "@ instr %s %.1f\n", $1, ipc
}'
