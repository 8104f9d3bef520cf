#!/bin/sh
# SPDX-License-Identifier: MIT
# Symbol hygiene checks, run by make check through build/<variant>/tests/
# test_symbols:  symbols.sh SRCDIR BUILDDIR SYMVER
#  - src/libvsmmu.sym lists exactly the functions the product headers
#    (include/*.h but vsmmu_sim.h) declare, src/libvsmmu-sim.sym exactly
#    those of vsmmu_sim.h, and every name starts with vsmmu_;
#  - libvsmmu.a, libvsmmu.so and libvsmmu-sim.a define exactly the listed
#    global symbols, libvsmmu.so's each under the version node of its
#    section of the list (SYMVER, then each "#@ NODE");
#  - src/sim includes no internal header of the library.
# The header functions come from gcc -aux-info (declarations as the
# compiler sees them, static inline ones excluded).  Prints PASS/FAIL per
# check and "N passed, N failed"; exit 1 on a failure.
src=$1
o=$2
symver=$3
gcc=${VSMMU_GCC:-gcc}
nm=${NM:-nm}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# check NAME WANT GOT: pass if the two sorted name lists are equal, else
# print what is only in one of them.
check() {
    if cmp -s "$2" "$3"; then
        echo "PASS test_symbols:$1"
        passed=$((passed + 1))
    else
        echo "FAIL test_symbols:$1"
        comm -23 "$2" "$3" | sed 's/^/    missing: /'
        comm -13 "$2" "$3" | sed 's/^/    unexpected: /'
        failed=$((failed + 1))
    fi
}

# The names of an export list, sorted.
list() {
    sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$1" | LC_ALL=C sort
}

# header_functions HEADER...: the non-static functions declared in them.
header_functions() {
    : > "$tmp/fns"
    for h in "$@"; do
        printf '#include "%s"\n' "$(basename "$h")" > "$tmp/h.c"
        "$gcc" -I"$src/include" -fsyntax-only -aux-info "$tmp/h.aux" "$tmp/h.c" ||
            echo "cannot compile $h" >> "$tmp/fns"
        grep -F "/include/$(basename "$h"):" "$tmp/h.aux" | grep -v '\*/ static ' |
            sed -e 's/ (.*//' -e 's/.*[ *]//' >> "$tmp/fns"
    done
    LC_ALL=C sort -u "$tmp/fns"
}

# defined_globals LIB [-D]: the global symbols a library defines.
defined_globals() {
    "$nm" -g --defined-only "$@" | awk 'NF == 3 && $2 != "A" { print $3 }' |
        LC_ALL=C sort -u
}

product_hdrs=$(ls "$src"/include/*.h | grep -v '/vsmmu_sim\.h$')
list "$src/src/libvsmmu.sym" > "$tmp/lib.list"
list "$src/src/libvsmmu-sim.sym" > "$tmp/sim.list"

# shellcheck disable=SC2086
header_functions $product_hdrs > "$tmp/lib.hdr"
check export_list_is_the_product_headers "$tmp/lib.hdr" "$tmp/lib.list"
header_functions "$src/include/vsmmu_sim.h" > "$tmp/sim.hdr"
check sim_list_is_vsmmu_sim_h "$tmp/sim.hdr" "$tmp/sim.list"
cat "$tmp/lib.list" "$tmp/sim.list" | LC_ALL=C sort > "$tmp/all.list"
grep '^vsmmu_' "$tmp/all.list" > "$tmp/all.prefixed"
check exports_are_vsmmu_prefixed "$tmp/all.prefixed" "$tmp/all.list"

defined_globals "$o/libvsmmu.a" > "$tmp/a.syms"
check libvsmmu_a_defines_only_the_list "$tmp/lib.list" "$tmp/a.syms"
defined_globals -D "$o/libvsmmu.so" | sed 's/@.*//' > "$tmp/so.syms"
check libvsmmu_so_exports_only_the_list "$tmp/lib.list" "$tmp/so.syms"
# every export carries the version node its list section names ($symver
# before the first "#@ NODE" line; mk/symver.awk)
"$nm" -D --defined-only --with-symbol-versions "$o/libvsmmu.so" |
    awk 'NF == 3 && $2 != "A" { print $3 }' | LC_ALL=C sort > "$tmp/so.versioned"
awk -v first="$symver" -v mode=pairs -f "$src/mk/symver.awk" "$src/src/libvsmmu.sym" |
    LC_ALL=C sort > "$tmp/lib.versioned"
check libvsmmu_so_exports_carry_their_version_nodes "$tmp/lib.versioned" "$tmp/so.versioned"
defined_globals "$o/libvsmmu-sim.a" > "$tmp/sim.syms"
check libvsmmu_sim_a_defines_only_the_sim_list "$tmp/sim.list" "$tmp/sim.syms"

# The simulated kernel sees only the public headers, its own, and the
# header-only parts of the library: the constants of src/arch, the uAPI
# header and the struct-size helpers of src/abi (so it builds and links
# against the installed library).
: > "$tmp/allowed"
grep -ho '^#include "[^"]*"' "$src"/src/sim/*.c "$src"/src/sim/*.h |
    sed 's/^#include "\(.*\)"$/\1/' |
    grep -Ev '^(vsmmu[a-z_]*\.h|sim/[a-z_]*\.h|arch/[a-z_]*\.h|abi/abi\.h|iommufd/iommufd_uapi\.h)$' |
    LC_ALL=C sort -u > "$tmp/sim.includes"
check sim_includes_only_public_and_own_headers "$tmp/allowed" "$tmp/sim.includes"

echo "test_symbols: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
