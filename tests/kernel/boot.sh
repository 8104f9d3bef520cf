#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot the kernel that build-kernel.sh made, under QEMU (TCG: no KVM needed),
# with one static test binary as the only workload; print the guest's output
# and exit with the binary's exit status.  See docs/real-kernel.md.
#
#   boot.sh WORK PROGRAM [ARGS...]
#
# The initramfs, made afresh for each boot, holds our init (init.c, built
# into WORK/init on first use or when init.c changes), PROGRAM under its own
# name in /bin, /test.args (its path and ARGS, NUL-separated) and
# /dev/console.  Exit status:
#   0-255  the program's exit status (128 + n if signal n killed it)
#   124    the guest did not finish within BOOT_TIMEOUT seconds (default 120)
#   125    no exit line: the kernel did not boot, panicked, or init failed
#   2      usage error, or PROGRAM is not a static executable
# Environment: BOOT_TIMEOUT, QEMU_MEM (default 512M), KERNEL_APPEND (words
# added to the kernel command line: key=value words reach the program as
# environment variables), BOOT_LOG=file (keep the raw serial output).
set -euo pipefail

if (($# < 2)); then
    echo "usage: $0 WORK PROGRAM [ARGS...]" >&2
    exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(cd "$1" && pwd)"
program="$2"
shift 2
name="$(basename "$program")"
if [[ ! -f "$work/bzImage" ]]; then
    echo "boot.sh: no kernel in $work; run tests/kernel/build-kernel.sh $work first" >&2
    exit 2
fi
if [[ ! -f "$program" || ! -x "$program" || "$name" =~ [[:space:]] ]]; then
    echo "boot.sh: $program is not an executable file with a name without spaces" >&2
    exit 2
fi
if LC_ALL=C readelf -l "$program" 2>/dev/null | grep -q 'INTERP'; then
    echo "boot.sh: $program is dynamically linked; link it with -static" >&2
    exit 2
fi

init="$work/init"
if [[ ! -x "$init" || "$here/init.c" -nt "$init" ]]; then
    gcc -static -Os -Wall -Werror -o "$init.tmp.$$" "$here/init.c"
    mv "$init.tmp.$$" "$init"
fi
# gen_init_cpio packs an initramfs from a list, with device nodes, as any user.
cpio_tool="$work/build/usr/gen_init_cpio"
if [[ ! -x "$cpio_tool" ]]; then
    cpio_tool="$work/gen_init_cpio"
    [[ -x "$cpio_tool" ]] || gcc -O2 -o "$cpio_tool" "$work/linux/usr/gen_init_cpio.c"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/vsmmu-boot.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

printf '%s\0' "/bin/$name" "$@" >"$tmp/args"
cat >"$tmp/list" <<LIST
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0555 0 0
dir /sys 0555 0 0
dir /tmp 1777 0 0
dir /bin 0755 0 0
file /init $init 0755 0 0
file /bin/$name $(realpath "$program") 0755 0 0
file /test.args $tmp/args 0644 0 0
LIST
"$cpio_tool" "$tmp/list" >"$tmp/initramfs.cpio"

qemu_rc=0
timeout --foreground -k 5 "${BOOT_TIMEOUT:-120}" \
    qemu-system-x86_64 -accel tcg -m "${QEMU_MEM:-512M}" -nographic -no-reboot -nic none \
        -kernel "$work/bzImage" -initrd "$tmp/initramfs.cpio" \
        -append "console=ttyS0 panic=-1 quiet ${KERNEL_APPEND:-}" \
        </dev/null >"$tmp/serial" 2>&1 || qemu_rc=$?
if [[ -n "${BOOT_LOG:-}" ]]; then cp "$tmp/serial" "$BOOT_LOG"; fi

# The serial output as plain lines: without the terminal escapes the
# firmware sends, with CR LF and lone CR as LF, without the firmware's
# banner (the program's first line can follow its "Booting from ROM..." on
# the same line), and from the first non-empty line on.
sed -e 's/\x1bc//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r$//' -e 's/\r/\n/g' "$tmp/serial" |
    sed -e 's/^SeaBIOS (version [^)]*)$//' -e 's/^Booting from ROM\.*//' |
    awk 'seen || NF { seen = 1; print }' >"$tmp/out"

status="$(sed -n 's/^VSMMU-KTEST-EXIT=\([0-9][0-9]*\)$/\1/p' "$tmp/out" | tail -n 1)"
# Print the program's output: everything before the exit line, less the
# empty line init's leading newline makes when the output ended with one.
awk '/^VSMMU-KTEST-EXIT=[0-9]+$/ { exit }
     { if (held) print last; last = $0; held = 1 }
     END { if (held && last != "") print last }' "$tmp/out"
if [[ -n "$status" ]]; then
    exit "$status"
fi
# Without the exit line, show the rest too (a panic, for instance).
if ((qemu_rc == 124 || qemu_rc == 137)); then
    echo "boot.sh: no result within ${BOOT_TIMEOUT:-120}s" >&2
    exit 124
fi
echo "boot.sh: no exit line from init (boot failure or panic; qemu status $qemu_rc)" >&2
exit 125
