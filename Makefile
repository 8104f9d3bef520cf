# SPDX-License-Identifier: MIT
# vsmmu build.  Targets:
#   make               library (static + shared), pkg-config file, vsmmu tool
#   make check         every test, plain and under ASan+UBSan; ends "N passed, N failed"
#   make demo          narrated bring-up of the SMMU (and accel mode)
#   make bench         translation benchmark
#   make fuzz          libFuzzer targets: MMIO sequences, translations, state
#                      loads (clang; FUZZ_SECONDS per target)
#   make kernel-check  iommufd backend tests on a real Linux kernel under QEMU
#   make install       PREFIX=/usr/local DESTDIR=
# Variables: CC, VARIANT (plain|asan), BUILDDIR (default build).

CC ?= cc
VARIANT ?= plain
BUILDDIR ?= build
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin

VERSION_MAJOR := 0
VERSION := 0.1.0
SONAME := libvsmmu.so.$(VERSION_MAJOR)

O := $(BUILDDIR)/$(VARIANT)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS_ALL := -Iinclude -Isrc -D_GNU_SOURCE
CFLAGS_ALL := -std=c11 $(WARN) -pthread -fPIC -fvisibility=default
ifeq ($(VARIANT),asan)
CFLAGS_ALL += -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS_ALL := -fsanitize=address,undefined
else
CFLAGS_ALL += -O2 -g
LDFLAGS_ALL :=
endif
CFLAGS_ALL += $(CFLAGS)
LDFLAGS_ALL += -pthread $(LDFLAGS)

# The product library: the device model, translation, accel mode and the
# iommufd backend.  The simulated iommufd kernel (src/sim/) is a test double
# with its own archive, libvsmmu-sim.a, for the tests and the vsmmu tool.
LIB_DIRS := model xlate accel iommufd
LIB_SRCS := $(sort $(foreach d,$(LIB_DIRS),$(wildcard src/$(d)/*.c)))
LIB_OBJS := $(patsubst src/%.c,$(O)/src/%.o,$(LIB_SRCS))
SIM_SRCS := $(sort $(wildcard src/sim/*.c))
SIM_OBJS := $(patsubst src/%.c,$(O)/src/%.o,$(SIM_SRCS))
HDRS := $(wildcard include/*.h src/*/*.h)
STATIC := $(O)/libvsmmu.a
SHARED := $(O)/libvsmmu.so.$(VERSION)
SIM_STATIC := $(O)/libvsmmu-sim.a

# tests/support/harness_main.c is main() of the test binaries only.
SUPPORT_SRCS := $(sort $(filter-out tests/support/harness_main.c,$(wildcard tests/support/*.c)))
SUPPORT_OBJS := $(patsubst %.c,$(O)/%.o,$(SUPPORT_SRCS))
TEST_SRCS := $(sort $(wildcard tests/test_*.c))
TEST_BINS := $(patsubst tests/%.c,$(O)/tests/%,$(TEST_SRCS))
TOOL := $(O)/vsmmu

.PHONY: all lib tests check demo bench fuzz install clean kernel-check
all: lib $(TOOL) $(O)/vsmmu.pc

lib: $(STATIC) $(SHARED) $(SIM_STATIC)

# The library sees only include/ and src/; tests, tools, bench and examples
# also see the test support headers.
$(O)/src/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c -o $@ $<

$(O)/%.o: %.c $(HDRS) $(wildcard tests/support/*.h tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -Itests/support -c -o $@ $<

$(STATIC): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(SIM_STATIC): $(SIM_OBJS)
	@rm -f $@
	ar rcs $@ $^

# Export exactly the functions the public headers declare.
$(O)/libvsmmu.map: $(wildcard include/*.h)
	@mkdir -p $(dir $@)
	@{ echo "VSMMU_0 { global:"; \
	   grep -ho '\bvsmmu_[a-z0-9_]*(' include/*.h | tr -d '(' | sort -u | sed 's/$$/;/'; \
	   echo "local: *; };"; } > $@

$(SHARED): $(LIB_OBJS) $(O)/libvsmmu.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script,$(O)/libvsmmu.map \
	    -o $@ $(LIB_OBJS) $(LDFLAGS_ALL)
	ln -sf libvsmmu.so.$(VERSION) $(O)/$(SONAME)
	ln -sf $(SONAME) $(O)/libvsmmu.so

$(O)/vsmmu.pc: vsmmu.pc.in
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

TOOL_OBJS := $(patsubst tools/%.c,$(O)/tools/%.o,$(sort $(wildcard tools/*.c)))
$(TOOL_OBJS): $(wildcard tools/*.h)
$(TOOL): $(TOOL_OBJS) $(SIM_STATIC) $(STATIC)
	$(CC) -o $@ $^ $(LDFLAGS_ALL)

# examples/embed.c must keep compiling against the public headers only.
EXAMPLES := $(O)/examples/embed
$(O)/examples/%: examples/%.c $(wildcard include/*.h) $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) -Iinclude $(CFLAGS_ALL) -o $@ $< $(STATIC) $(LDFLAGS_ALL)

$(O)/tests/%: $(O)/tests/%.o $(O)/tests/support/harness_main.o $(SUPPORT_OBJS) $(SIM_STATIC) $(STATIC)
	$(CC) -o $@ $^ $(LDFLAGS_ALL)

tests: $(TEST_BINS) $(TOOL) $(EXAMPLES)

# Runs the suite in a plain build and under ASan+UBSan; the summary line
# counts every test case of both runs.
check:
	$(MAKE) VARIANT=plain tests
	$(MAKE) VARIANT=asan tests
	@sh tests/run.sh $(BUILDDIR)/plain $(BUILDDIR)/asan

demo: $(TOOL)
	@sh examples/demo.sh $(TOOL)

BENCH := $(O)/bench/bench
$(BENCH): $(O)/bench/bench.o $(SUPPORT_OBJS) $(SIM_STATIC) $(STATIC)
	$(CC) -o $@ $^ $(LDFLAGS_ALL)
bench: $(BENCH)
	$(BENCH)

# Each libFuzzer target runs FUZZ_SECONDS (default 60, so 3 minutes in all)
# from its seed corpus fuzz/corpus/<target> (fuzz/make_corpus.py writes it)
# plus what earlier runs found in $(BUILDDIR)/fuzz/corpus/<target>; an input
# running longer than FUZZ_TIMEOUT seconds counts as a hang.  A failing input
# is saved as $(BUILDDIR)/fuzz/<target>-crash-* (or -timeout-*, -leak-*).
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 30
FUZZ_CC ?= clang
FUZZ_TARGETS := fuzz_mmio fuzz_translate fuzz_state
FUZZ_BINS := $(patsubst %,$(BUILDDIR)/fuzz/%,$(FUZZ_TARGETS))
$(FUZZ_BINS): $(BUILDDIR)/fuzz/%: fuzz/%.c $(LIB_SRCS) $(SIM_SRCS) $(HDRS) $(SUPPORT_SRCS) $(wildcard fuzz/*.h tests/support/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS_ALL) -Itests/support -std=c11 -g -O1 -pthread \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -o $@ $< $(LIB_SRCS) $(SIM_SRCS) $(SUPPORT_SRCS)
fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(BUILDDIR)/fuzz/corpus/$$t || exit 1; \
	    echo "== $$t ($(FUZZ_SECONDS) s)"; \
	    $(BUILDDIR)/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) \
	        -artifact_prefix=$(BUILDDIR)/fuzz/$$t- -print_final_stats=1 \
	        $(BUILDDIR)/fuzz/corpus/$$t fuzz/corpus/$$t || exit 1; \
	done

install: all
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(BINDIR)
	install -m 644 include/vsmmu.h include/vsmmu_iommufd.h include/vsmmu_state.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/
	ln -sf libvsmmu.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libvsmmu.so
	install -m 644 $(O)/vsmmu.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 755 $(TOOL) $(DESTDIR)$(BINDIR)/

clean:
	rm -rf $(BUILDDIR)

-include mk/*.mk
