#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every test binary of each build directory given and print the total
# as the last line: "N passed, N failed".  Exit 1 on any failure.
# Tests find the command-line tool of their build through $VSMMU_TOOL.
passed=0
failed=0
# ThreadSanitizer builds (make check's tsan run): the first report ends the
# test with a failure.
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
export TSAN_OPTIONS
for dir in "$@"; do
    VSMMU_TOOL=$(cd "$dir" && pwd)/vsmmu
    export VSMMU_TOOL
    for t in "$dir"/tests/test_*; do
        [ -x "$t" ] || continue
        out=$("$t" 2>&1)
        rc=$?
        printf '%s\n' "$out" | sed "s|^|[$(basename "$dir")] |"
        p=$(printf '%s\n' "$out" | grep -c '^PASS ')
        f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
            echo "[$(basename "$dir")] FAIL $(basename "$t") (exit status $rc)"
            f=1
        fi
        passed=$((passed + p))
        failed=$((failed + f))
    done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
