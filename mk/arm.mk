# SPDX-License-Identifier: MIT
# make arm-check: accel mode on Linux's own arm-smmu-v3 driver, without Arm
# hardware.  An arm64 Linux 7.3 guest under qemu-system-aarch64 10.0 (TCG)
# whose emulated SMMUv3 does nested translation; QEMU's edu device bound to
# vfio-pci is the passthrough device; tests/arm/test_*.c, cross-compiled
# static for aarch64 with libvsmmu, play the VMM.  See docs/real-kernel.md.
#
#   ARM_WORK         guest kernel work directory (default
#                    $(VSMMU_WORK_ROOT)/vsmmu-arm = /var/tmp/vsmmu-arm)
#   VSMMU_QEMU_WORK  the QEMU 10 build, shared with make guest-check
#                    (integrations/qemu/build-qemu.sh; default
#                    $(VSMMU_WORK_ROOT)/vsmmu-qemu = /var/tmp/vsmmu-qemu;
#                    the old name QEMU10_WORK is still read)
#   ARM_CC           cross compiler (default aarch64-linux-gnu-gcc)
# Both directories are outside the clone and reused: the first build takes
# about 20-25 minutes on 2 cores (QEMU and the kernel build concurrently;
# QEMU only if guest-check has not built it yet), a later run about a minute.

ARM_WORK ?= $(VSMMU_WORK_ROOT)/vsmmu-arm
ARM_CC ?= aarch64-linux-gnu-gcc

AB := $(BUILDDIR)/arm
ARM_TEST_SRCS := $(sort $(wildcard tests/arm/test_*.c))
ARM_TEST_BINS := $(patsubst tests/arm/%.c,$(AB)/%,$(ARM_TEST_SRCS))
ARM_LIB_OBJS := $(patsubst src/%.c,$(AB)/src/%.o,$(LIB_SRCS) $(SIM_SRCS))
ARM_SUP_OBJS := $(patsubst %.c,$(AB)/%.o,$(SUPPORT_SRCS) tests/support/harness_main.c)
ARM_CFLAGS := -std=c11 $(WARN) -O2 -g -pthread

$(AB)/%.o: %.c $(HDRS) $(wildcard tests/support/*.h tests/*.h)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(CPPFLAGS_ALL) $(ARM_CFLAGS) -Itests/support -isystem $(ARM_WORK)/usr/include -c -o $@ $<

$(AB)/test_%.o: tests/arm/test_%.c $(HDRS) $(wildcard tests/support/*.h tests/*.h)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(CPPFLAGS_ALL) $(ARM_CFLAGS) -Itests/support -isystem $(ARM_WORK)/usr/include -c -o $@ $<

$(AB)/test_%: $(AB)/test_%.o $(ARM_SUP_OBJS) $(ARM_LIB_OBJS)
	$(ARM_CC) -static -pthread -o $@ $^

.SECONDARY: $(ARM_LIB_OBJS) $(ARM_SUP_OBJS) $(ARM_TEST_BINS:%=%.o)

.PHONY: arm-tests arm-check arm-prepare
arm-tests: $(ARM_TEST_BINS)

# The guest (its uAPI headers) must exist before the tests compile.
arm-prepare:
	@bash tests/arm/arm-check.sh prepare '$(ARM_WORK)' '$(VSMMU_QEMU_WORK)'

arm-check: arm-prepare
	@mkdir -p $(BUILDDIR)
	@$(MAKE) --no-print-directory arm-tests >$(BUILDDIR)/arm-tests.log 2>&1 || \
	    { tail -n 30 $(BUILDDIR)/arm-tests.log; echo "0 passed, 1 failed"; exit 1; }
	@bash tests/arm/arm-check.sh run '$(ARM_WORK)' '$(VSMMU_QEMU_WORK)' $(ARM_TEST_BINS)
