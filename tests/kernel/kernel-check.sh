#!/bin/sh
# SPDX-License-Identifier: MIT
# Run the iommufd backend tests on a real Linux kernel (make kernel-check).
#
#   kernel-check.sh WORK_DIR TEST_BINARY...
#
# WORK_DIR is the kernel work directory, outside the clone, kept between
# runs.  Steps: build (or reuse) the kernel with build-kernel.sh; check our
# uAPI definitions against the uAPI headers of that kernel at compile time;
# boot each static test binary with boot.sh and VSMMU_IOMMUFD=real on the
# kernel command line (the kernel passes it to init's environment), so the
# tests use /dev/iommu.  Prints every test result and, as the last line,
# "N passed, N failed"; exits 1 on failure.
set -u

work=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cc=${KERNEL_CC:-gcc}
passed=0
failed=0

summary() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
    exit $?
}

case "$work" in
    "$top"|"$top"/*)
        echo "kernel-check: KERNEL_WORK=$work is inside the clone; use a directory outside it" >&2
        failed=1
        summary
        ;;
esac

start=$(date +%s)
echo "kernel-check: kernel work directory $work"
# build-kernel.sh runs its own `make -jJOBS`; do not hand it this make's jobserver
# (unreachable from here, so the kernel would be built with -j1).
unset MAKEFLAGS MFLAGS MAKELEVEL
mkdir -p "$work"
if ! bash "$here/build-kernel.sh" "$work" > "$work/kernel-check-build.log" 2>&1; then
    tail -n 40 "$work/kernel-check-build.log"
    echo "kernel-check: kernel build failed (log: $work/kernel-check-build.log)" >&2
    failed=1
    summary
fi
grep '^\[build-kernel' "$work/kernel-check-build.log" | tail -n 3
echo "kernel-check: kernel ready after $(( $(date +%s) - start ))s"

# Compile-time cross-check of src/iommufd/iommufd_uapi.h against this kernel's headers.
if "$cc" -std=c11 -Wall -Werror -I "$work/usr/include" \
        -I "$work/linux/drivers/iommu/iommufd" -I "$top/src" -I "$top/include" \
        -c -o /dev/null "$here/uapi_crosscheck.c"; then
    echo "PASS uapi_crosscheck (src/iommufd/iommufd_uapi.h matches the kernel's uAPI headers)"
    passed=$((passed + 1))
else
    echo "FAIL uapi_crosscheck"
    failed=$((failed + 1))
fi

for t in "$@"; do
    name=$(basename "$t")
    out=$(BOOT_TIMEOUT=${BOOT_TIMEOUT:-600} KERNEL_APPEND="VSMMU_IOMMUFD=real" \
          bash "$here/boot.sh" "$work" "$t" 2>&1)
    rc=$?
    printf '%s\n' "$out" | sed "s|^|[kernel] |"
    p=$(printf '%s\n' "$out" | grep -c '^PASS ')
    f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
    if ! printf '%s\n' "$out" | grep -q '^iommufd transport: real '; then
        echo "[kernel] FAIL $name (did not run on the real /dev/iommu)"
        f=$((f + 1))
    elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "[kernel] FAIL $name (exit status $rc)"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
done
echo "kernel-check: done in $(( $(date +%s) - start ))s"
summary
