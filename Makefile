# SPDX-License-Identifier: MIT
# vsmmu build.  Targets:
#   make               library (static + shared), pkg-config file, vsmmu tool
#   make check         every test, plain and under ASan+UBSan, the threaded ones
#                      under TSan (clang, TSAN_CC); ends "N passed, N failed"
#   make demo          narrated bring-up of the SMMU (and accel mode)
#   make bench         translation benchmark
#   make bench-qemu    the same translate cases against QEMU 7.2's SMMUv3
#   make fuzz          libFuzzer targets: MMIO sequences, translations, state
#                      loads (clang; FUZZ_SECONDS per target)
#   make kernel-check  iommufd backend tests on a real Linux kernel under QEMU
#   make arm-check     accel mode on Linux's arm-smmu-v3 driver (arm64 guest)
#   make guest-check   Linux's arm-smmu-v3 driver on vsmmu inside QEMU
#   make install       library, product headers, vsmmu.pc, the tool, its man page
#   make install-sim   the test doubles: vsmmu_sim.h, libvsmmu-sim.a, vsmmu-sim.pc
#   make uninstall, make uninstall-sim   remove exactly what those installed
#   make deb           Debian packages (dpkg-buildpackage on a copy of the tree)
# Variables: CC, VARIANT (plain|asan|tsan), BUILDDIR (default build); PREFIX,
# LIBDIR, INCLUDEDIR, BINDIR, MANDIR, DESTDIR; CPPFLAGS, CFLAGS, LDFLAGS
# (added after the project's own flags); WERROR=1 adds -Werror (make check
# and CI set it; off by default so a newer compiler's warnings never break a
# packager's build).
# Work directories outside the clone, reused between runs: VSMMU_WORK_ROOT
# (default /var/tmp) holds them all, so one variable gives a cold run:
#   KERNEL_WORK       $(VSMMU_WORK_ROOT)/vsmmu-kernel  kernel-check's kernel
#   ARM_WORK          $(VSMMU_WORK_ROOT)/vsmmu-arm     arm-check's guest kernel
#   VSMMU_GUEST_WORK  $(VSMMU_WORK_ROOT)/vsmmu-guest   guest-check's guest
#   VSMMU_QEMU_WORK   $(VSMMU_WORK_ROOT)/vsmmu-qemu    the QEMU 10 build that
#                     arm-check and guest-check share
#   VSMMU_QEMU72_DIR  $(VSMMU_WORK_ROOT)/vsmmu-qemu72  bench-qemu's QEMU 7.2
# Each of those variables, when set, overrides its default.

CC ?= cc
VARIANT ?= plain
BUILDDIR ?= build
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
WERROR ?= 0
OBJCOPY ?= objcopy
VSMMU_WORK_ROOT ?= /var/tmp
ifdef QEMU10_WORK
# the old name of arm-check's QEMU directory, from before the shared build
VSMMU_QEMU_WORK ?= $(QEMU10_WORK)
endif
VSMMU_QEMU_WORK ?= $(VSMMU_WORK_ROOT)/vsmmu-qemu

# The version is the one include/vsmmu.h declares (VSMMU_VERSION_*).
version_part = $(shell sed -n 's/^\#define VSMMU_VERSION_$(1) \([0-9]*\)$$/\1/p' include/vsmmu.h)
VERSION_MAJOR := $(call version_part,MAJOR)
VERSION := $(VERSION_MAJOR).$(call version_part,MINOR).$(call version_part,PATCH)
SONAME := libvsmmu.so.$(VERSION_MAJOR)

O := $(BUILDDIR)/$(VARIANT)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(WERROR),1)
WARN += -Werror
endif
CPPFLAGS_ALL := -Iinclude -Isrc -D_GNU_SOURCE $(CPPFLAGS)
CFLAGS_ALL := -std=c11 $(WARN) -pthread -fPIC -fvisibility=default
ifeq ($(VARIANT),asan)
CFLAGS_ALL += -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS_ALL := -fsanitize=address,undefined
else ifeq ($(VARIANT),tsan)
CFLAGS_ALL += -O1 -g -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS_ALL := -fsanitize=thread
else
CFLAGS_ALL += -O2 -g
LDFLAGS_ALL :=
endif
CFLAGS_ALL += $(CFLAGS)
LDFLAGS_ALL += -pthread $(LDFLAGS)

# $(call stamp,FILE,VAR): FILE holds the value of VAR, rewritten only when
# it changes, so what depends on FILE is remade exactly when the value does.
stamp = $(shell mkdir -p $(dir $(1)) && \
    if [ "$$(cat $(1) 2>/dev/null)" != '$(subst ','\'',$($(2)))' ]; then \
        printf '%s\n' '$(subst ','\'',$($(2)))' > $(1); fi)
FLAGS_STAMP := $(O)/flags.stamp
PATHS_STAMP := $(O)/paths.stamp
# (-Werror changes no object: switching WERROR does not remake everything.)
FLAGS_NOW := $(CC) $(CPPFLAGS_ALL) $(filter-out -Werror,$(CFLAGS_ALL)) $(LDFLAGS_ALL)
PATHS_NOW := $(PREFIX) $(LIBDIR) $(INCLUDEDIR) $(VERSION)
$(call stamp,$(FLAGS_STAMP),FLAGS_NOW)
$(call stamp,$(PATHS_STAMP),PATHS_NOW)

# The product library: the device model, translation, accel mode and the
# iommufd backend.  The simulated iommufd kernel (src/sim/) is a test double
# with its own archive, libvsmmu-sim.a, for the tests and the vsmmu tool.
LIB_DIRS := model xlate accel iommufd abi
LIB_SRCS := $(sort $(foreach d,$(LIB_DIRS),$(wildcard src/$(d)/*.c)))
LIB_OBJS := $(patsubst src/%.c,$(O)/src/%.o,$(LIB_SRCS))
SIM_SRCS := $(sort $(wildcard src/sim/*.c))
SIM_OBJS := $(patsubst src/%.c,$(O)/src/%.o,$(SIM_SRCS))
HDRS := $(wildcard include/*.h src/*/*.h) $(FLAGS_STAMP)
# The product headers (installed by make install); vsmmu_sim.h is the sim's.
PUBLIC_HDRS := $(filter-out include/vsmmu_sim.h,$(wildcard include/*.h))

# The shipped libraries export only the functions of their export lists
# (src/*.sym, checked against the headers by tests/symbols): libvsmmu.so
# through a version script, the archives as one relocatable object whose
# other globals are made local, so a program may use any other name.
# Tests, bench and fuzz use internals: they link libvsmmu-internal.a, the
# plain objects of both.
SYMVER := VSMMU_0.2
STATIC := $(O)/libvsmmu.a
SHARED := $(O)/libvsmmu.so.$(VERSION)
SIM_STATIC := $(O)/libvsmmu-sim.a
INTERNAL := $(O)/libvsmmu-internal.a

# tests/support/harness_main.c is main() of the test binaries only.
SUPPORT_SRCS := $(sort $(filter-out tests/support/harness_main.c,$(wildcard tests/support/*.c)))
SUPPORT_OBJS := $(patsubst %.c,$(O)/%.o,$(SUPPORT_SRCS))
TEST_SRCS := $(sort $(wildcard tests/test_*.c))
TEST_BINS := $(patsubst tests/%.c,$(O)/tests/%,$(TEST_SRCS))
TOOL := $(O)/vsmmu

.PHONY: all lib tests check demo bench fuzz install install-sim uninstall uninstall-sim deb clean kernel-check
.PHONY: abi-check abi-baseline rust-check
all: lib $(TOOL) $(O)/vsmmu.pc $(O)/vsmmu-sim.pc

lib: $(STATIC) $(SHARED) $(SIM_STATIC)

# The library sees only include/ and src/; tests, tools, bench and examples
# also see the test support headers.
$(O)/src/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c -o $@ $<

$(O)/%.o: %.c $(HDRS) $(wildcard tests/support/*.h tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -Itests/support -c -o $@ $<

# The names of an export list, one a line.
$(O)/%.names: src/%.sym
	@mkdir -p $(dir $@)
	sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$$/d' $< > $@

# One relocatable object; every global not in the list becomes local.
$(O)/%-shipped.o: $(O)/%.names
	$(CC) -r -nostdlib -o $@.tmp $(filter %.o,$^)
	$(OBJCOPY) --keep-global-symbols=$< $@.tmp $@
	@rm -f $@.tmp
$(O)/libvsmmu-shipped.o: $(LIB_OBJS)
$(O)/libvsmmu-sim-shipped.o: $(SIM_OBJS)
.SECONDARY: $(O)/libvsmmu.names $(O)/libvsmmu-sim.names

$(O)/%.a: $(O)/%-shipped.o
	@rm -f $@
	ar rcs $@ $<

$(INTERNAL): $(LIB_OBJS) $(SIM_OBJS)
	@rm -f $@
	ar rcs $@ $^

# One node per "#@ NODE" section of the list, each inheriting the one
# before; the first (SYMVER) also makes everything else local.
$(O)/libvsmmu.ver: src/libvsmmu.sym
	@mkdir -p $(dir $@)
	awk -v first=$(SYMVER) -v mode=script -f mk/symver.awk $< > $@

$(SHARED): $(LIB_OBJS) $(O)/libvsmmu.ver
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script,$(O)/libvsmmu.ver \
	    -o $@ $(LIB_OBJS) $(LDFLAGS_ALL)
	ln -sf libvsmmu.so.$(VERSION) $(O)/$(SONAME)
	ln -sf $(SONAME) $(O)/libvsmmu.so

# Remade when PREFIX, LIBDIR, INCLUDEDIR or VERSION change.
$(O)/%.pc: %.pc.in $(PATHS_STAMP)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

TOOL_OBJS := $(patsubst tools/%.c,$(O)/tools/%.o,$(sort $(wildcard tools/*.c)))
# The tool is a client of the public API: it sees include/ only.
$(O)/tools/%.o: tools/%.c $(wildcard include/*.h tools/*.h) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -Iinclude -D_GNU_SOURCE $(CPPFLAGS) $(CFLAGS_ALL) -c -o $@ $<
# The tool links the shipped archives, as any client would.
$(TOOL): $(TOOL_OBJS) $(SIM_STATIC) $(STATIC)
	$(CC) -o $@ $^ $(LDFLAGS_ALL)

# examples/embed.c must keep compiling against the public headers only.
EXAMPLES := $(O)/examples/embed
$(O)/examples/%: examples/%.c $(wildcard include/*.h) $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) -Iinclude $(CFLAGS_ALL) -o $@ $< $(STATIC) $(LDFLAGS_ALL)

$(O)/tests/%: $(O)/tests/%.o $(O)/tests/support/harness_main.o $(SUPPORT_OBJS) $(INTERNAL)
	$(CC) -o $@ $^ $(LDFLAGS_ALL)

# Symbol hygiene (tests/symbols): the export lists against the headers and
# the libraries, and a program that defines internal names of the library
# linked against libvsmmu.a (and against libvsmmu.so).
SYM_TESTS := $(O)/tests/test_symbols $(O)/tests/test_link_clash $(O)/tests/test_link_clash_so \
    $(O)/tests/test_sim_shared
$(O)/tests/test_symbols: tests/symbols/symbols.sh $(STATIC) $(SHARED) $(SIM_STATIC)
	@mkdir -p $(dir $@)
	{ echo '#!/bin/sh'; \
	  echo 'exec sh "$(CURDIR)/tests/symbols/symbols.sh" "$(CURDIR)" "$(abspath $(O))" $(SYMVER)'; } > $@
	chmod +x $@
$(O)/tests/test_link_clash: tests/symbols/link_clash.c tests/symbols/client.h $(PUBLIC_HDRS) $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) -Iinclude $(CPPFLAGS) $(CFLAGS_ALL) -o $@ $< $(STATIC) $(LDFLAGS_ALL)
$(O)/tests/test_link_clash_so: tests/symbols/link_clash.c tests/symbols/client.h $(PUBLIC_HDRS) $(SHARED)
	@mkdir -p $(dir $@)
	$(CC) -Iinclude $(CPPFLAGS) $(CFLAGS_ALL) -o $@ $< -L$(O) -lvsmmu \
	    -Wl,-rpath,$(abspath $(O)) $(LDFLAGS_ALL)

# libvsmmu-sim.a needs only what libvsmmu.so exports.
$(O)/tests/test_sim_shared: tests/symbols/sim_shared.c tests/symbols/client.h $(wildcard include/*.h) $(SIM_STATIC) $(SHARED)
	@mkdir -p $(dir $@)
	$(CC) -Iinclude $(CPPFLAGS) $(CFLAGS_ALL) -o $@ $< $(SIM_STATIC) -L$(O) -lvsmmu \
	    -Wl,-rpath,$(abspath $(O)) $(LDFLAGS_ALL)

tests: $(TEST_BINS) $(SYM_TESTS) $(TOOL) $(EXAMPLES)

# ABI (docs/abi.md): callers built against the frozen header tests/abi/vsmmu.h
# with an older and a newer release's struct layouts, run against this
# tree's shared library.
ABI_CALLERS := $(O)/tests/test_abi_older $(O)/tests/test_abi_newer
HARNESS_OBJS := $(O)/tests/support/harness.o $(O)/tests/support/harness_main.o
$(ABI_CALLERS): $(O)/tests/test_abi_%: tests/abi/caller.c tests/abi/vsmmu.h $(HARNESS_OBJS) $(SHARED)
	$(CC) -Itests/abi -Itests/support $(CFLAGS_ALL) \
	    -DABI_CALLER_$(if $(filter older,$*),OLDER,NEWER) -o $@ $< $(HARNESS_OBJS) \
	    -L$(O) -lvsmmu -Wl,-rpath,'$$ORIGIN/..' $(LDFLAGS_ALL)

# C++: each public header compiles on its own as C++17 (g++, and clang++ when
# installed), and tests/cxx/test_cxx.cpp uses the API from C++.
CXXFLAGS_ALL := $(filter-out -std=c11 -Wstrict-prototypes -Wmissing-prototypes,$(CFLAGS_ALL)) \
    -std=c++17 -pedantic
CXX_HDR_OK := $(patsubst include/%.h,$(O)/cxx/%.ok,$(wildcard include/*.h))
$(O)/cxx/%.ok: include/%.h $(wildcard include/*.h)
	@mkdir -p $(dir $@)
	echo '#include "$(notdir $<)"' | \
	    $(CXX) -std=c++17 -pedantic -Wall -Wextra -Werror -Iinclude -x c++ -fsyntax-only -
	if command -v clang++ >/dev/null; then echo '#include "$(notdir $<)"' | \
	    clang++ -std=c++17 -pedantic -Wall -Wextra -Werror -Iinclude -x c++ -fsyntax-only -; fi
	@touch $@
$(O)/tests/test_cxx: tests/cxx/test_cxx.cpp $(wildcard include/*.h) $(SIM_STATIC) $(STATIC) $(CXX_HDR_OK)
	$(CXX) -Iinclude $(CXXFLAGS_ALL) -o $@ $< $(SIM_STATIC) $(STATIC) $(LDFLAGS_ALL)
tests: $(ABI_CALLERS) $(O)/tests/test_cxx

# Runs the suite in a plain build and under ASan+UBSan, and the
# concurrency tests under ThreadSanitizer (clang); the summary line counts
# every test case of the three runs.
check:
	$(MAKE) VARIANT=plain WERROR=1 tests bench-bins
	$(MAKE) VARIANT=asan WERROR=1 tests
	$(MAKE) VARIANT=tsan CC=$(TSAN_CC) WERROR=1 tsan-tests
	@sh tests/run.sh $(BUILDDIR)/plain $(BUILDDIR)/asan $(BUILDDIR)/tsan

# The tests with several threads, built with VARIANT=tsan (any report fails
# the test: TSAN_OPTIONS in tests/run.sh).
TSAN_CC ?= clang
TSAN_TESTS := test_concurrency test_xlate_slots test_xlate_cache test_eventq \
    test_accel_events test_accel_drain test_sim_veventq test_reentry test_xlate_nolock test_ram
tsan-tests: $(patsubst %,$(O)/tests/%,$(TSAN_TESTS))
.PHONY: tsan-tests

# ABI baseline (docs/abi.md): abi/libvsmmu.abi is abidw's description of the
# shared library's public interface (types reachable from include/, plain
# build).  abi-check fails on any difference but added functions (fields
# appended to a struct too: review that abidiff shows only that, then
# abi-baseline rewrites the baseline, which is committed on purpose).
ABI_BASELINE := abi/libvsmmu.abi
ABI_LIB := $(BUILDDIR)/plain/libvsmmu.so.$(VERSION)
abi-check:
	$(MAKE) VARIANT=plain lib
	@rc=0; abidiff --headers-dir2 include --drop-private-types --no-added-syms \
	    $(ABI_BASELINE) $(ABI_LIB) || rc=$$?; \
	if [ $$rc -ne 0 ]; then \
	    echo "abi-check: FAIL (abidiff status $$rc): the ABI differs from $(ABI_BASELINE);"; \
	    echo "  an intended change needs 'make abi-baseline' in its own commit (docs/abi.md)"; \
	    exit 1; fi; \
	echo "abi-check: PASS ($(ABI_LIB) matches $(ABI_BASELINE))"
abi-baseline:
	$(MAKE) VARIANT=plain lib
	abidw --headers-dir include --drop-private-types --no-corpus-path --no-comp-dir-path \
	    --out-file $(ABI_BASELINE) $(ABI_LIB)

# Rust smoke test: bindgen over the headers `make install` puts in a scratch
# prefix, and tests/rust/smoke.rs linked with the installed libvsmmu.a.
BINDGEN ?= bindgen
RUSTC ?= rustc
RUST_DIR := $(BUILDDIR)/rust
rust-check: all
	rm -rf $(RUST_DIR) && mkdir -p $(RUST_DIR)
	$(MAKE) install DESTDIR=$(abspath $(RUST_DIR))/root PREFIX=/usr/local >/dev/null
	BINDGEN=$(BINDGEN) RUSTC=$(RUSTC) sh tests/rust/check.sh $(RUST_DIR)/root/usr/local $(RUST_DIR)

demo: $(TOOL)
	@sh examples/demo.sh $(TOOL)

BENCH := $(O)/bench/bench
$(BENCH): $(O)/bench/bench.o $(SUPPORT_OBJS) $(INTERNAL)
	$(CC) -o $@ $^ $(LDFLAGS_ALL)
bench: $(BENCH)
	sh bench/run.sh $(BENCH)

# QEMU 7.2's SMMUv3 side by side (bench/qemu72/: builds QEMU's two SMMU
# files from Debian's source in $(VSMMU_QEMU72_DIR), outside the tree).
.PHONY: bench-qemu
VSMMU_QEMU72_DIR ?= $(VSMMU_WORK_ROOT)/vsmmu-qemu72
bench-qemu: $(BENCH)
	VSMMU_QEMU72_DIR='$(VSMMU_QEMU72_DIR)' sh bench/compare-qemu.sh $(BENCH)

# Worst-case command queues (full 2^19 queue per PROD write): reports only.
QSTALL := $(O)/bench/qstall
$(QSTALL): $(O)/bench/qstall.o $(SUPPORT_OBJS) $(INTERNAL)
	$(CC) -o $@ $^ $(LDFLAGS_ALL)
.PHONY: bench-qstall bench-bins
bench-qstall: $(QSTALL)
	$(QSTALL)
# The benchmark programs, built (not run) by make check so that they keep
# compiling against the internal headers they use.
bench-bins: $(BENCH) $(QSTALL)

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

# What make install puts where (make uninstall removes exactly these).
INST_HDRS := $(addprefix $(DESTDIR)$(INCLUDEDIR)/,$(notdir $(PUBLIC_HDRS)))
INST_LIBS := $(addprefix $(DESTDIR)$(LIBDIR)/,libvsmmu.a libvsmmu.so.$(VERSION) \
    $(SONAME) libvsmmu.so pkgconfig/vsmmu.pc)
INST_TOOL := $(DESTDIR)$(BINDIR)/vsmmu $(DESTDIR)$(MANDIR)/man1/vsmmu.1
INST_SIM := $(DESTDIR)$(INCLUDEDIR)/vsmmu_sim.h $(DESTDIR)$(LIBDIR)/libvsmmu-sim.a \
    $(DESTDIR)$(LIBDIR)/pkgconfig/vsmmu-sim.pc

install: all
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(PUBLIC_HDRS) $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/
	ln -sf libvsmmu.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libvsmmu.so
	install -m 644 $(O)/vsmmu.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 755 $(TOOL) $(DESTDIR)$(BINDIR)/
	install -m 644 docs/vsmmu.1 $(DESTDIR)$(MANDIR)/man1/

install-sim: $(SIM_STATIC) $(O)/vsmmu-sim.pc
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 644 include/vsmmu_sim.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(SIM_STATIC) $(DESTDIR)$(LIBDIR)/
	install -m 644 $(O)/vsmmu-sim.pc $(DESTDIR)$(LIBDIR)/pkgconfig/

uninstall:
	rm -f $(INST_HDRS) $(INST_LIBS) $(INST_TOOL)

uninstall-sim:
	rm -f $(INST_SIM)

# Debian packages (debian/), built by dpkg-buildpackage -us -uc -b in a
# copy of the tree (git's tracked and unignored files) outside the clone;
# the .debs land in DEB_OUT.
DEB_OUT ?= $(BUILDDIR)/deb
deb:
	@command -v dpkg-buildpackage >/dev/null || { echo "make deb needs dpkg-dev and debhelper"; exit 1; }
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && mkdir "$$tmp/vsmmu" && \
	{ git ls-files -z -co --exclude-standard 2>/dev/null || \
	  find . -path ./$(BUILDDIR) -prune -o -path ./.git -prune -o -type f -print0; } | \
	    tar --null -T - --ignore-failed-read -cf - | tar -xf - -C "$$tmp/vsmmu" && \
	(cd "$$tmp/vsmmu" && dpkg-buildpackage -us -uc -b) && \
	mkdir -p $(DEB_OUT) && rm -f $(DEB_OUT)/*.deb && cp "$$tmp"/*.deb $(DEB_OUT)/ && \
	ls $(DEB_OUT)

clean:
	rm -rf $(BUILDDIR)

-include mk/*.mk
