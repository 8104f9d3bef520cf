# SPDX-License-Identifier: MIT
# make guest-check: Linux's own arm-smmu-v3 driver on vsmmu inside QEMU.
# Builds QEMU 10.0 with the vsmmu-smmuv3 device (integrations/qemu) and a
# Debian arm64 guest (tests/guest), boots the guest on QEMU's own SMMUv3 and
# on vsmmu, checks the guest's results and vsmmu's counters.  See
# docs/qemu.md.  Ends with "N passed, N failed".
#
#   VSMMU_QEMU_WORK   the QEMU 10 build, shared with make arm-check
#                     (integrations/qemu/build-qemu.sh; default
#                     $(VSMMU_WORK_ROOT)/vsmmu-qemu = /var/tmp/vsmmu-qemu,
#                     ~1 GB; the first build takes 10-30 minutes, later runs
#                     seconds)
#   VSMMU_GUEST_WORK  guest work directory (default
#                     $(VSMMU_WORK_ROOT)/vsmmu-guest = /var/tmp/vsmmu-guest)

VSMMU_GUEST_WORK ?= $(VSMMU_WORK_ROOT)/vsmmu-guest

.PHONY: guest-check
guest-check:
	VSMMU_QEMU_WORK='$(VSMMU_QEMU_WORK)' VSMMU_GUEST_WORK='$(VSMMU_GUEST_WORK)' \
	    tests/guest/guest-check.sh
