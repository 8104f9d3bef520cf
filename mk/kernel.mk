# SPDX-License-Identifier: MIT
# make kernel-check: the iommufd backend tests (tests/test_iommufd*.c) on a
# real Linux kernel with iommufd and its selftest mock driver, booted under
# QEMU (TCG: no KVM, no SMMU needed).  See docs/real-kernel.md.
#
#   KERNEL_WORK     kernel work directory, outside the clone, reused between
#                   runs (default $(VSMMU_WORK_ROOT)/vsmmu-kernel =
#                   /var/tmp/vsmmu-kernel; ~2 GB; the first build takes
#                   7-15 minutes, later runs reuse it)
#   KERNEL_CC       compiler for the static test programs (default gcc)
#
# tests/kernel/build-kernel.sh builds the kernel; tests/kernel/boot.sh boots
# it with one test binary.  The same test sources as `make check` (those that
# include tests/kernel/ktest.h), built statically; each binary is
# booted once with VSMMU_IOMMUFD=real so it uses /dev/iommu.  The last line
# is "N passed, N failed"; the exit status is non-zero on any failure.

KERNEL_WORK ?= $(VSMMU_WORK_ROOT)/vsmmu-kernel
KERNEL_CC ?= gcc

KB := $(BUILDDIR)/kernel
# Every test source written for both transports (it includes
# tests/kernel/ktest.h, which picks the transport from VSMMU_IOMMUFD).
KTEST_SRCS := $(sort $(shell grep -l '"kernel/ktest.h"' tests/test_*.c 2>/dev/null))
KTEST_BINS := $(patsubst tests/%.c,$(KB)/tests/%,$(KTEST_SRCS))
KLIB_OBJS := $(patsubst src/%.c,$(KB)/src/%.o,$(LIB_SRCS) $(SIM_SRCS))
KSUP_OBJS := $(patsubst %.c,$(KB)/%.o,$(SUPPORT_SRCS) tests/support/harness_main.c)
KCFLAGS := -std=c11 $(WARN) -O2 -g -pthread

$(KB)/%.o: %.c $(HDRS) $(wildcard tests/support/*.h tests/kernel/*.h)
	@mkdir -p $(dir $@)
	$(KERNEL_CC) $(CPPFLAGS_ALL) $(KCFLAGS) -Itests/support -c -o $@ $<

$(KB)/tests/%: $(KB)/tests/%.o $(KSUP_OBJS) $(KLIB_OBJS)
	$(KERNEL_CC) -static -pthread -o $@ $^

# Keep the objects (they would be removed as intermediates after the
# link, and that removal would print after the summary line).
.SECONDARY: $(KLIB_OBJS) $(KSUP_OBJS) $(KTEST_BINS:%=%.o)

.PHONY: kernel-tests
kernel-tests: $(KTEST_BINS)

kernel-check: kernel-tests
	@KERNEL_CC='$(KERNEL_CC)' sh tests/kernel/kernel-check.sh '$(KERNEL_WORK)' $(KTEST_BINS)
