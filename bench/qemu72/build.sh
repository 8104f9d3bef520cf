#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build QEMU 7.2's SMMUv3 model (hw/arm/smmuv3.c, hw/arm/smmu-common.c,
# compiled unmodified from Debian bookworm's qemu source package) together
# with the driver and stubs of this directory into one benchmark binary.
#
#   bench/qemu72/build.sh [WORKDIR]      (default $VSMMU_QEMU72_DIR or
#                                         $VSMMU_WORK_ROOT/vsmmu-qemu72,
#                                         /var/tmp/vsmmu-qemu72)
#
# Every step leaves a stamp in WORKDIR and is skipped when its stamp is
# there, so a second run only recompiles the driver (a few seconds).
# Nothing of QEMU is written inside the repository.  Environment:
#   QEMU_VERSION  Debian version to fetch (default: newest 1:7.2+dfsg-7+deb12u*)
#   JOBS          ninja jobs (default 2; everything runs under nice)
#   NO_DEPS=1     do not apt-get install the build dependencies
# Prints the path of the built binary on the last line.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${1:-${VSMMU_QEMU72_DIR:-${VSMMU_WORK_ROOT:-/var/tmp}/vsmmu-qemu72}}
JOBS=${JOBS:-2}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
log() { echo "bench-qemu: $*" >&2; }
step_t0=0
start() { log "$1"; step_t0=$(date +%s); }
done_() { log "  done in $(( $(date +%s) - step_t0 )) s"; touch "$WORK/.$1"; }

# 1. Build dependencies (meson, ninja, glib headers, dpkg-source).
if [ "${NO_DEPS:-0}" != 1 ] && ! [ -e "$WORK/.deps" ]; then
    missing=
    for p in meson ninja-build pkg-config libglib2.0-dev dpkg-dev python3 xz-utils; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        start "installing$missing"
        SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
        $SUDO apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing >&2
        done_ deps
    else
        touch "$WORK/.deps"
    fi
fi

# 2. Source: Debian's qemu 7.2 package, through an apt state of our own
#    (deb-src entries for the Debian archives the system already uses), so
#    the system's apt configuration is left as it is.
if ! [ -e "$WORK/.source" ]; then
    start "fetching Debian's qemu 7.2 source package"
    A=$WORK/apt
    rm -rf "$A" "$WORK/src"
    mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/parts" "$WORK/src"
    : > "$A/parts/src.sources"
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -e "$f" ] || continue
        grep -q 'debian' "$f" || continue
        sed -e 's/^Types:.*/Types: deb-src/' "$f" >> "$A/parts/src.sources"
        echo >> "$A/parts/src.sources"
    done
    if [ -e /etc/apt/sources.list ]; then
        sed -n 's/^deb \(.*bookworm.*\)$/deb-src \1/p' /etc/apt/sources.list > "$A/parts/src.list"
    fi
    if ! grep -qs . "$A/parts/src.sources" "$A/parts/src.list"; then
        printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb-src\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\n' \
            > "$A/parts/src.sources"
    fi
    APTO=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$A/parts"
          -o "Dir::State::Lists=$A/lists" -o "Dir::Cache=$A/cache")
    apt-get "${APTO[@]}" update -q >&2
    if [ -z "${QEMU_VERSION:-}" ]; then
        QEMU_VERSION=$(apt-cache "${APTO[@]}" showsrc qemu |
            sed -n 's/^Version: \(1:7\.2+dfsg-7+deb12u\([0-9]*\)\)$/\2 \1/p' |
            sort -n | tail -1 | cut -d' ' -f2)
    fi
    [ -n "$QEMU_VERSION" ] || { log "no qemu 7.2 source in the Debian archive"; exit 1; }
    echo "$QEMU_VERSION" > "$WORK/qemu-version"
    (cd "$WORK/src" && apt-get "${APTO[@]}" source --download-only "qemu=$QEMU_VERSION" >&2 &&
     dpkg-source -x qemu_*.dsc qemu > unpack.log 2>&1)
    done_ source
fi

# 3. Configure: aarch64-softmmu, every optional feature off.
if ! [ -e "$WORK/.configure" ]; then
    start "configuring QEMU $(cat "$WORK/qemu-version")"
    rm -rf "$WORK/build"; mkdir -p "$WORK/build"
    (cd "$WORK/build" && nice ../src/qemu/configure --target-list=aarch64-softmmu \
        --without-default-features --disable-docs --disable-werror > configure.log 2>&1) ||
        { tail -20 "$WORK/build/configure.log" >&2; exit 1; }
    done_ configure
fi

# 4. Only the two SMMU objects and QEMU's utility library.
V3=libqemu-aarch64-softmmu.fa.p/hw_arm_smmuv3.c.o
COMMON=libqemu-aarch64-softmmu.fa.p/hw_arm_smmu-common.c.o
if ! [ -e "$WORK/.objects" ]; then
    start "compiling smmuv3.c, smmu-common.c, libqemuutil.a (ninja -j$JOBS)"
    (cd "$WORK/build" && nice ninja -j"$JOBS" $V3 $COMMON libqemuutil.a > ninja.log 2>&1) ||
        { tail -20 "$WORK/build/ninja.log" >&2; exit 1; }
    done_ objects
fi

# 5. The driver and stubs, with the command line meson uses for smmuv3.c.
cd "$WORK/build"
python3 - > "$WORK/flags.sh" <<'PY'
import json, shlex
for e in json.load(open('compile_commands.json')):
    if e['file'].endswith('hw/arm/smmuv3.c'):
        words = shlex.split(e['command'])
        keep, drop = [], 0
        for w in words[1:]:
            if drop:
                drop = 0
            elif w in ('-o', '-c', '-MF', '-MQ'):
                drop = 1
            elif w != '-MD':
                keep.append(w)
        print('QCC=' + shlex.quote(words[0]))
        print('QFLAGS=(' + ' '.join(shlex.quote(w) for w in keep) + ')')
        break
PY
. "$WORK/flags.sh"
CG=()
echo '#include <valgrind/callgrind.h>' | $QCC -E -x c - > /dev/null 2>&1 && CG=(-DHAVE_CALLGRIND_H)
OUT=$WORK/bin
mkdir -p "$OUT"
for c in stubs driver; do
    $QCC "${QFLAGS[@]}" -I"$HERE" -I"$HERE/.." "${CG[@]}" -c "$HERE/$c.c" -o "$OUT/$c.o"
done
$QCC -pie -o "$OUT/qemu72-bench" "$OUT/driver.o" "$OUT/stubs.o" $V3 $COMMON libqemuutil.a \
    -lm -pthread -lgthread-2.0 -lglib-2.0
echo "$OUT/qemu72-bench"
