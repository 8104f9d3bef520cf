#!/bin/sh
# SPDX-License-Identifier: MIT
# make rust-check: bindgen over the installed headers of PREFIX must give
# types with the headers' names, and tests/rust/smoke.rs built with them and
# linked with PREFIX's libvsmmu.a must bring an SMMU up and translate.
# Usage: check.sh PREFIX WORKDIR.  BINDGEN and RUSTC name the tools.
set -u
prefix=$1
work=$(cd "$2" && pwd)
BINDGEN=${BINDGEN:-bindgen}
RUSTC=${RUSTC:-rustc}
fail() { echo "rust-check: FAIL: $*"; exit 1; }

printf '#include <vsmmu.h>\n#include <vsmmu_iommufd.h>\n' > "$work/wrapper.h"
"$BINDGEN" "$work/wrapper.h" -o "$work/bindings.rs" --size_t-is-usize \
    --allowlist-function 'vsmmu_.*' --allowlist-type 'vsmmu_.*' --allowlist-var 'VSMMU_.*' \
    -- -I"$prefix/include" || fail "bindgen"
if grep -n '_bindgen_ty_' "$work/bindings.rs"; then
    fail "anonymous types in the bindings (a header has an unnamed enum or struct)"
fi
for want in 'pub struct vsmmu_config ' 'pub struct vsmmu_host_ops ' \
    'pub struct vsmmu_xlate_result ' 'pub struct vsmmu_inval ' 'pub struct vsmmu_stats ' \
    'pub struct vsmmu_iommufd_dev ' 'pub struct vsmmu_accel_objects ' \
    'pub type vsmmu_inval_kind ' 'pub type vsmmu_flag ' 'pub type vsmmu_access ' \
    'pub type vsmmu_perm ' 'pub const vsmmu_inval_kind_VSMMU_INVAL_ALL: vsmmu_inval_kind'; do
    grep -qF "$want" "$work/bindings.rs" || fail "bindings lack '$want'"
done
VSMMU_BINDINGS="$work/bindings.rs" "$RUSTC" --edition 2021 -O -o "$work/smoke" \
    "$(dirname "$0")/smoke.rs" -L "native=$prefix/lib" -l static=vsmmu -l pthread \
    || fail "rustc"
"$work/smoke" || fail "the smoke program"
echo "rust-check: PASS"
