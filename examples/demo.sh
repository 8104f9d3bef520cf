#!/bin/sh
# SPDX-License-Identifier: MIT
#
# `make demo`: a narrated run of vsmmu for a human.
#
#   sh examples/demo.sh path/to/vsmmu
#
# Part 1 brings an emulated SMMUv3 up the way Linux's arm-smmu-v3 driver
# does (disable, queues, stream table, CMDQEN, CFGI_ALL + TLBI_NSNH_ALL +
# CMD_SYNC, EVENTQEN, IRQ_CTRL, SMMUEN, GBPA), then translates a DMA through
# a stage-1 page table and takes a fault.  Part 2 runs accel mode on the
# simulated iommufd kernel: a passthrough device is hot-plugged, the
# vEVENTQ appears when the guest enables its event queue, and a host fault
# for the device arrives in the guest's event queue with its interrupt.
#
# The script drives one `vsmmu run --trace` per part through two FIFOs:
#   "  > cmd"      a command sent to the SMMU (the protocol of docs/tool.md)
#   "vsmmu: ..."   the model's own decoded trace (standard error)
#   "  < answer"   the answer line
# and decodes registers, commands and event records with `vsmmu decode`.
set -u

VSMMU=${1:?usage: demo.sh path/to/vsmmu}
case $VSMMU in */*) ;; *) VSMMU=./$VSMMU ;; esac
[ -x "$VSMMU" ] || { echo "demo.sh: $VSMMU is not an executable" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vsmmu-demo.XXXXXX") || exit 2
pid=
failures=0

cleanup() {
    if [ -n "$pid" ]; then
        exec 3>&- 4<&-
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The model's trace goes to the demo's own standard output, so that it
# appears in order with the narration even when the output is piped.
exec 5>&1

start_smmu() {
    rm -f "$tmp/in" "$tmp/out"
    mkfifo "$tmp/in" "$tmp/out" || exit 2
    "$VSMMU" run --trace "$@" <"$tmp/in" >"$tmp/out" 2>&5 &
    pid=$!
    exec 3>"$tmp/in" 4<"$tmp/out"
}

stop_smmu() {
    exec 3>&-
    # answers never come without commands; drain anything left
    while IFS= read -r line <&4; do printf '  < %s\n' "$line"; done
    exec 4<&-
    if ! wait "$pid"; then
        echo "demo: vsmmu run exited with an error" >&2
        failures=$((failures + 1))
    fi
    pid=
}

# smmu COMMAND...: send one command; print it and its answer ($ANS, and the
# value after "OK " in $VAL).
smmu() {
    printf '  > %s\n' "$*"
    printf '%s\n' "$*" >&3
    if ! IFS= read -r ANS <&4; then
        echo "demo: vsmmu run stopped answering" >&2
        exit 1
    fi
    printf '  < %s\n' "$ANS"
    VAL=${ANS#OK }
    case $ANS in
    ERR*) failures=$((failures + 1)) ;;
    esac
}

# expect TEXT: the last answer must be TEXT.
expect() {
    if [ "$ANS" != "$1" ]; then
        echo "demo: expected '$1', got '$ANS'" >&2
        failures=$((failures + 1))
    fi
}

say() { printf '\n%s\n' "$*"; }
hex() { printf '0x%x' "$1"; }
note() { printf '    %s\n' "$*"; }
decode() { "$VSMMU" decode "$@" | sed 's/^/    = /'; }

# le64 VALUE: the 16 hex digits of VALUE in memory (little-endian) order.
le64() {
    h=$(printf '%016x' "$1")
    out=
    i=16
    while [ $i -gt 0 ]; do
        out=$out$(printf '%s' "$h" | cut -c$((i - 1))-$i)
        i=$((i - 2))
    done
    printf '%s' "$out"
}

# Guest memory layout (guest RAM: 256 MiB at 0x40000000).
STRTAB=0x40010000   # linear stream table, 32 STEs (LOG2SIZE 5)
CMDQ=0x40020000     # command queue, 16 entries (LOG2SIZE 4)
EVTQ=0x40030000     # event queue, 16 entries
CD=0x40040000       # context descriptor of StreamID 1
PGT=0x40050000      # 4K page tables: L1 at PGT, L2 at PGT+0x1000, L3 at PGT+0x2000
BUF=0x40060000      # the device's DMA buffer

cat <<'EOT'
==============================================================================
 vsmmu demo: an embeddable Arm SMMUv3 model for virtual machine monitors
==============================================================================
A VMM forwards its guest's accesses to the SMMU's 128 KiB register frame to
the model, and lets the model read and write guest memory and raise
interrupts.  Here `vsmmu run` plays the VMM: each "> command" below is a
register access, a guest-memory access or a device DMA, as a guest driver
and its devices would make them.
EOT

# ---------------------------------------------------------------------------
say "PART 1 - bring-up the way Linux's arm-smmu-v3 driver does it"
start_smmu

say "1. Probe: the driver reads the ID registers."
smmu readl 0x0;  decode idr0 "$VAL"
smmu readl 0x4;  decode idr1 "$VAL"
smmu readl 0x14; decode idr5 "$VAL"

say "2. Disable the SMMU and wait until CR0ACK says so."
smmu writel 0x20 0x0
smmu readl 0x24; decode cr0ack "$VAL"; expect "OK 0x00000000"

say "3. Queues and stream table: CMDQ_BASE (16 entries), CMDQ_PROD/CONS,"
note "EVENTQ_BASE (16 entries), EVENTQ_PROD/CONS on page 1, STRTAB_BASE and"
note "STRTAB_BASE_CFG (linear, 32 STEs); CR1 (cacheability), CR2 (RECINVSID)."
smmu writeq 0x90 $(hex $((CMDQ | 4)))
smmu writel 0x98 0
smmu writel 0x9c 0
smmu writeq 0xa0 $(hex $((EVTQ | 4)))
smmu writel 0x100a8 0
smmu writel 0x100ac 0
smmu writeq 0x80 $STRTAB
smmu writel 0x88 0x5
smmu writel 0x28 0xf3f
smmu writel 0x2c 0x2

say "4. Enable the command queue (CR0.CMDQEN)."
smmu writel 0x20 0x8
smmu readl 0x24; decode cr0ack "$VAL"

say "5. Invalidate all cached configuration and TLB entries, then wait:"
note "three commands written at CMDQ_PROD 0, 1, 2. The CMD_SYNC asks for an"
note "MSI written over its own queue slot, which the driver polls."
c0="$(le64 0x4)$(le64 0x1f)"
c1="$(le64 0x30)$(le64 0)"
c2="$(le64 0x1046)$(le64 $((CMDQ + 0x20)))"
decode cmd 0x$c0; decode cmd 0x$c1; decode cmd 0x$c2
smmu write $CMDQ 48 0x$c0$c1$c2
smmu writel 0x98 0x3
note "The SMMU consumed all three: CMDQ_CONS = 3, no error."
smmu readl 0x9c; expect "OK 0x00000003"
smmu read $(hex $((CMDQ + 0x20))) 4
note "The CMD_SYNC's MSI overwrote its first word with MSIData (0): done."
smmu irqs
smmu readl 0x60; decode gerror "$VAL"

say "6. Enable the event queue (CR0.EVENTQEN)."
smmu writel 0x20 0xc
smmu readl 0x24; decode cr0ack "$VAL"

say "7. Enable the GERROR and event-queue interrupts (IRQ_CTRL)."
smmu writel 0x50 0x5
smmu readl 0x54; decode irq_ctrlack "$VAL"

say "8. Enable translation (CR0.SMMUEN)."
smmu writel 0x20 0xd
smmu readl 0x24; decode cr0ack "$VAL"; expect "OK 0x0000000d"

say "9. GBPA: incoming traffic while the SMMU is disabled bypasses it"
note "(written with the UPDATE handshake: UPDATE reads 0 when done)."
smmu writel 0x44 0x80000000
smmu readl 0x44; decode gbpa "$VAL"

# ---------------------------------------------------------------------------
say "10. A device: StreamID 1 gets a stage-1 STE, its context descriptor"
note "(ASID 1, 39-bit input, 4K granule) and a 3-level page table mapping"
note "IOVA 0x1000 to $BUF, read/write, never executable."
ste="$(le64 $((CD | 0xb)))$(le64 0)$(le64 0)$(le64 0)$(le64 0)$(le64 0)$(le64 0)$(le64 0)"
decode ste 0x$ste
smmu write $(hex $((STRTAB + 64))) 64 0x$ste
cd="$(le64 0x16205c0000019)$(le64 $PGT)$(le64 0)$(le64 0)$(le64 0)$(le64 0)$(le64 0)$(le64 0)"
decode cd 0x$cd
smmu write $CD 64 0x$cd
smmu mem64 $PGT $(hex $((PGT + 0x1003)))
smmu mem64 $(hex $((PGT + 0x1000))) $(hex $((PGT + 0x2003)))
smmu mem64 $(hex $((PGT + 0x2008))) 0x60000040060443
note "The driver tells the SMMU: CFGI_STE StreamID 1, CMD_SYNC."
c3="$(le64 0x100000003)$(le64 0)"
c4="$(le64 0x46)$(le64 0)"
decode cmd 0x$c3
smmu write $(hex $((CMDQ + 0x30))) 32 0x$c3$c4
smmu writel 0x98 0x5
smmu readl 0x9c; expect "OK 0x00000005"

say "11. The device reads IOVA 0x1234 and writes IOVA 0x1000:"
smmu translate 1 - 0x1234 r; expect "OK 0x40060234 rw- 0x1000"
smmu translate 1 - 0x1000 w
note "Output address, permissions granted, size of the page."

say "12. The device writes IOVA 0x2000, which is not mapped: the DMA is"
note "terminated and a fault record goes to the guest's event queue."
smmu translate 1 - 0x2000 w; expect "FAULT F_TRANSLATION"
smmu readl 0x100a8
note "EVENTQ_PROD moved to 1.  The record, as the guest driver reads it:"
smmu read $EVTQ 32
decode event "$VAL"
smmu irqs; expect "OK eventq"
note "The guest consumes it: EVENTQ_CONS = 1."
smmu writel 0x100ac 0x1
smmu stats
stop_smmu

# ---------------------------------------------------------------------------
say "PART 2 - accel mode: a passthrough device on the (simulated) host SMMU"
cat <<'EOT'
    With --set accel=on the vSMMU advertises stage 1 only; a passthrough
    device runs on the host SMMU with the guest's own stage-1 tables, through
    iommufd objects the vSMMU creates: a vIOMMU, proxy and nested HWPTs, a
    vDEVICE per device and a vEVENTQ that brings host faults back to the
    guest.  Here the host kernel is vsmmu's in-process simulation of iommufd.
EOT
start_smmu --set accel=on

say "1. The guest driver sets up its queues and stream table (StreamID 8 is"
note "the passthrough device, with a stage-1 STE) and enables the command"
note "queue only."
smmu writeq 0x90 $(hex $((CMDQ | 4)))
smmu writeq 0xa0 $(hex $((EVTQ | 4)))
smmu writeq 0x80 $STRTAB
smmu writel 0x88 0x5
smmu mem64 $(hex $((STRTAB + 8 * 64))) $(hex $((CD | 0xb))) 0 0 0 0 0 0 0
smmu writel 0x20 0x8
smmu host-objects; expect "OK viommu=0 hwpt=0 vdevice=0 veventq=0"

say "2. Hot-plug: the VMM attaches a passthrough device as virtual StreamID 8."
note "The first attach creates the vIOMMU, its abort and bypass HWPTs and the"
note "device's vDEVICE.  No vEVENTQ yet: the guest's event queue is off."
smmu accel-attach 8
smmu host-objects

say "3. The guest enables its event queue: the vEVENTQ appears, as deep as"
note "the guest's queue (16 entries)."
smmu writel 0x20 0xc
smmu host-objects; expect "OK viommu=1 hwpt=2 vdevice=1 veventq=1 veventq-depth=16"
smmu writel 0x50 0x5

say "4. The guest enables the SMMU: the device leaves the GBPA proxy HWPT"
note "for a nested HWPT made from its STE in guest memory (the guest's"
note "stage 1 on the host SMMU)."
smmu writel 0x20 0xd

say "5. The guest (re)installs StreamID 8's STE, as Linux does after"
note "enabling (CFGI_STE 8 + CMD_SYNC): a new nested HWPT is allocated, the"
note "device moves to it, the old one is freed."
c0="$(le64 0x800000003)$(le64 0)"
c1="$(le64 0x46)$(le64 0)"
smmu write $CMDQ 32 0x$c0$c1
smmu writel 0x98 0x2
smmu readl 0x9c; expect "OK 0x00000002"
smmu host-objects

say "6. The device faults on the host SMMU: F_TRANSLATION, a read at 0x5000,"
note "with the host's own StreamID (0x1234).  The host kernel queues it in"
note "the vEVENTQ with the virtual StreamID in its place."
rec="$(le64 0x123400000010)$(le64 0x800000000)$(le64 0x5000)$(le64 0)"
decode event 0x$rec
smmu host-event 8 0x$rec; expect "OK"

say "7. The VMM's event loop sees the vEVENTQ readable and lets the vSMMU"
note "drain it into the guest's event queue, with its interrupt."
smmu poll; expect "OK 1"
smmu readl 0x100a8
smmu read $EVTQ 32
decode event "$VAL"
smmu irqs; expect "OK eventq"
smmu stats

say "8. Unplug: the last detach tears down everything the vSMMU made."
smmu accel-detach 8
smmu host-objects; expect "OK viommu=0 hwpt=0 vdevice=0 veventq=0"
stop_smmu

echo
if [ "$failures" -ne 0 ]; then
    echo "demo: $failures unexpected answer(s)"
    exit 1
fi
echo "Demo complete.  The protocol is in docs/tool.md; try 'vsmmu run --help'."
