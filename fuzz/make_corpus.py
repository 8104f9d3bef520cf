#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of the fuzz targets: fuzz/corpus/fuzz_mmio and
fuzz/corpus/fuzz_translate (input formats described in fuzz_mmio.c and
fuzz_translate.c)."""
import os
import struct

REGS = ["IDR0", "IDR1", "IDR2", "IDR3", "IDR4", "IDR5", "IIDR", "AIDR",
        "CR0", "CR0ACK", "CR1", "CR2", "STATUSR", "GBPA", "AGBPA", "IRQ_CTRL", "IRQ_CTRLACK",
        "GERROR", "GERRORN", "GERROR_IRQ_CFG0", "GERROR_IRQ_CFG0_HI", "GERROR_IRQ_CFG1",
        "GERROR_IRQ_CFG2", "STRTAB_BASE", "STRTAB_BASE_HI", "STRTAB_BASE_CFG",
        "CMDQ_BASE", "CMDQ_BASE_HI", "CMDQ_PROD", "CMDQ_CONS",
        "EVENTQ_BASE", "EVENTQ_BASE_HI", "EVENTQ_IRQ_CFG0", "EVENTQ_IRQ_CFG0_HI",
        "EVENTQ_IRQ_CFG1", "EVENTQ_IRQ_CFG2", "PRIQ_BASE", "PRIQ_BASE_HI",
        "PRIQ_IRQ_CFG0", "PRIQ_IRQ_CFG0_HI", "PRIQ_IRQ_CFG1", "PRIQ_IRQ_CFG2",
        "EVENTQ_PROD", "EVENTQ_CONS", "PRIQ_PROD", "PRIQ_CONS", "ALIAS_A8", "ALIAS_AC",
        "PIDR4", "CIDR3"]
R = {n: i for i, n in enumerate(REGS)}


def w32(reg, v):
    return bytes([0, R[reg]]) + struct.pack("<I", v & 0xffffffff)


def w64(reg, v, ram=False):
    return bytes([1 | (8 if ram else 0), R[reg]]) + struct.pack("<Q", v)


def rd(reg, q=False):
    return bytes([2 | (8 if q else 0), R[reg]])


def mem(off, v):
    return bytes([3]) + struct.pack("<H", off) + struct.pack("<Q", v)


def submit(op, dw0=0, dw1=0):
    return bytes([3 | 8]) + struct.pack("<QQ", op | dw0, dw1)


def event(typ, sid, flags, addr):
    return bytes([4, typ]) + struct.pack("<I", sid) + bytes([flags]) + struct.pack("<Q", addr)


def xlate(sid, ssid, iova, acc):
    return bytes([5]) + struct.pack("<H", sid) + bytes([ssid]) + struct.pack("<Q", iova) + bytes([acc, 0])


def raw(off, size, v, write):
    return bytes([7 | (8 if write else 0)]) + struct.pack("<I", off)[:3] + bytes([size]) + struct.pack("<Q", v)


def cmd(op, dw0=0, dw1=0):
    return struct.pack("<QQ", op | dw0, dw1)


def seed(sel, image, ops):
    return bytes([sel]) + struct.pack("<H", len(image)) + image + b"".join(ops)


def image_with(placements, size=0x3000):
    img = bytearray(size)
    for off, data in placements:
        img[off:off + len(data)] = data
    return bytes(img)


RAM = 0x40000000
seeds = {}

# Linux-style bring-up: linear stream table at 0x0, commands at 0x1000, events at 0x2000.
cmds = cmd(0x04, 0, 31) + cmd(0x30) + cmd(0x46, 1 << 12, RAM + 0x1020)
img = image_with([(0x1000, cmds), (0x40, struct.pack("<Q", 1 | (4 << 1)))])
seeds["bringup"] = seed(0x40, img, [
    w32("CR0", 0), w32("CR1", 0xd75), w32("CR2", 2),
    w64("STRTAB_BASE", 0x6, ram=True), w32("STRTAB_BASE_CFG", 6),
    w64("CMDQ_BASE", 0x1000 | 4, ram=True), w32("CMDQ_PROD", 0), w32("CMDQ_CONS", 0),
    w32("CR0", 8), w32("CMDQ_PROD", 3), rd("CMDQ_CONS"),
    w64("EVENTQ_BASE", 0x2000 | 3, ram=True), w32("EVENTQ_PROD", 0), w32("EVENTQ_CONS", 0),
    w32("CR0", 0xc), w64("GERROR_IRQ_CFG0", 0x2f00, ram=True), w32("GERROR_IRQ_CFG1", 7),
    w64("EVENTQ_IRQ_CFG0", 0x2f04, ram=True), w32("EVENTQ_IRQ_CFG1", 9),
    w32("IRQ_CTRL", 5), w32("CR0", 0xd), w32("GBPA", 0x80000000),
    xlate(1, 0x80, 0x1000, 1), event(0x10, 1, 0x0f, 0x1234), rd("EVENTQ_PROD"),
    rd("GERROR"), w32("GERRORN", 0),
    submit(0x03, 1 << 32, 1), submit(0x05, 1 << 32), submit(0x12, 0, 0x1000 | 1 << 10 | 1 << 12),
    submit(0x46, 1 << 12, RAM + 0x1080), submit(0x46, 2 << 12),
])

# Garbage commands with an illegal one in the middle, then recovery.
cmds = cmd(0x30) + cmd(0x3b) + cmd(0x46, 3 << 12) + cmd(0x12, 0, 1 << 10) + cmd(0x46)
img = image_with([(0x1000, cmds)])
seeds["cmd_errors"] = seed(0x00, img, [
    w64("CMDQ_BASE", 0x1000 | 3, ram=True), w32("IRQ_CTRL", 1), w32("CR0", 8),
    w32("CMDQ_PROD", 5), rd("CMDQ_CONS"), rd("GERROR"), mem(0x1010, 0x46),
    w32("GERRORN", 1), rd("CMDQ_CONS"), w32("GERRORN", 0), mem(0x1020, 0x46),
    w32("GERRORN", 1), w32("CMDQ_PROD", 0x8),
])

# Event queue overflow, abort and MSI failure.
seeds["eventq"] = seed(0x02, b"", [
    w64("EVENTQ_BASE", 0x3000 | 1, ram=True), w32("CR0", 4), w32("IRQ_CTRL", 7),
    w64("EVENTQ_IRQ_CFG0", 0x3f00, ram=True),
    event(0x10, 5, 0x1f, 0xdead000), event(0x0b, 6, 0x24, 0x40001000),
    event(0x03, 7, 0x01, 0x40002000), rd("EVENTQ_PROD"), w32("EVENTQ_CONS", 0x80000001),
    bytes([6]), event(0x05, 8, 0, 0x1000), w32("CR0", 0),
    w64("EVENTQ_BASE", 0xfff0 | 5, ram=True), w32("CR0", 4), event(0x02, 9, 0, 0),
])

# Raw, odd-sized and out-of-frame accesses, PRI registers, reset.
seeds["raw"] = seed(0x8a, b"", [
    raw(0x20, 1, 0xff, True), raw(0x21, 4, 0xff, True), raw(0x1ffff, 8, 0, False),
    raw(0x10000 + 0xa8, 8, 0x8000000100000001, True), raw(0xffffff, 4, 0, True),
    w64("PRIQ_BASE", 0x4000 | 2, ram=True), w32("PRIQ_PROD", 0x80000003), rd("PRIQ_CONS"),
    w64("PRIQ_IRQ_CFG0", 0x100, ram=True), w32("CR0", 3), bytes([6 | 8]), rd("CR0"),
])


# ---- fuzz_translate -------------------------------------------------------


def t_ste(sid, config, cdslot=0, root=0, fmt=0, dss=0, cdmax=0, strw=0, s2r=1, s2t0sz=0,
          sl0=0, s2tg=0, s2ps=5, vmid=0, xor_dw=None, xor=0):
    b = bytes([sid, config | fmt << 4 | dss << 6, cdmax | strw << 5 | s2r << 7,
               s2t0sz | sl0 << 6, s2tg | s2ps << 2, vmid,
               (0x80 | xor_dw) if xor_dw is not None else 0]) + struct.pack("<Q", xor)
    return bytes([1]) + b + bytes([cdslot | root << 2])


def t_cd(slot, idx, t0sz, tg0=0, root0=0, root1=1, fmt=0, epd1=1, t1sz=16, tg1=2, ips=5,
         asid=1, a=1, r=1, flags4=0, ha=0):
    b = bytes([slot | fmt << 2 | epd1 << 6 | ha << 7, idx | a << 7, t0sz | tg0 << 6,
               t1sz | tg1 << 6, ips | flags4, asid & 0xff, r | (asid >> 8) << 4,
               root0 | root1 << 2]) + bytes(8)
    return bytes([2]) + b


def t_map(tree, gsel, start, target, ia, va, kind=3, attrs=0x440, page=0x80, tattr=0):
    b = bytes([tree | gsel << 2 | target << 4 | start << 6, (ia - 25) % 28]) + struct.pack("<Q", va)
    return bytes([3]) + b + bytes([kind | tattr << 3]) + struct.pack("<HH", attrs, page)


def t_xlate(sid, ssid, acc, mode, data=0):
    ss = 0x80 if ssid is None else ssid
    return bytes([4, sid, ss, acc | mode << 4]) + struct.pack("<Q", data)


def t_cmd(sel, dw0=0, dw1=0):
    return bytes([5, sel]) + struct.pack("<QQ", dw0, dw1)


def t_reg(idx, v):
    return bytes([6, idx]) + struct.pack("<I", v)


def t_raw(dword, v):
    return bytes([0]) + struct.pack("<I", dword)[:3] + struct.pack("<Q", v)


DRAIN, ABORT = bytes([7]), bytes([0xF])
RW = 3
tseeds = {}

# Stage 1 only, linear stream table: STE -> CD -> 4-level 4K walk; TLBI by VA.
tseeds["s1_linear"] = bytes([0x01, 0x00, 6 << 3, 3]) + b"".join([
    t_ste(1, 5), t_cd(0, 0, 16), t_map(0, 0, 0, 3, 48, 0x12345000),
    t_xlate(1, None, RW, 1, 0x12345678), t_xlate(1, None, 1, 0, 0x10),
    t_cmd(6 | 0x10, 1 << 48), t_xlate(1, None, 1, 0, 0x20), t_cmd(0, 1 << 32),
    t_xlate(2, None, 1, 1, 0x1000), DRAIN,
])

# Nested, 2-level stream table and CD table, SubstreamIDs, stage-2 identity 1G block.
tseeds["nested_2lvl"] = bytes([0x04 | 0x08 | 0x10 | 0x20 | 0x40, 0x18, 1 | 1 << 1 | 8 << 3,
                               4 | 1 << 3 | 1 << 5]) + b"".join([
    t_ste(0x81, 7, cdslot=1, root=2, fmt=1, cdmax=6, s2t0sz=24, sl0=1, vmid=3),
    t_map(2, 0, 1, 1, 40, 0x40000000, attrs=0x4fc, page=0),
    t_cd(1, 5, 25, root0=3, fmt=1, asid=7),
    t_map(3, 0, 1, 2, 39, 0x200000, page=0x100),
    t_xlate(0x81, 5, 1, 1, 0x201234), t_xlate(0x81, 6, 1, 1, 0x201234),
    t_xlate(0x81, None, 1, 1, 0x201234), t_cmd(12, 3 << 32), t_xlate(0x81, 5, RW, 0, 0x1234),
    t_cmd(13 | 0x10, 3 << 32 | 1 << 12, 1 << 10 | 1 << 8), t_cmd(2, 0x81 << 32 | 5 << 12),
    t_xlate(0x81, 5, 4, 0, 0), DRAIN,
])

# Stage 2 only, 64K granule, two levels; aborts and a disabled SMMU.
tseeds["s2_64k"] = bytes([0x02, 0x00, 6 << 3, 2]) + b"".join([
    t_ste(2, 6, root=1, s2t0sz=22, sl0=1, s2tg=1, vmid=9),
    t_map(1, 2, 2, 3, 42, 0x10000, attrs=0x4fc, page=0x30),
    t_xlate(2, None, RW, 1, 0x12344), t_xlate(2, None, 2, 0, 0), ABORT,
    t_cmd(14), t_xlate(2, None, 1, 0, 8), ABORT, t_reg(0, 0xC), t_xlate(2, None, 1, 0, 8),
    t_reg(0, 0xD), t_reg(2, 0x100000), t_xlate(3, None, 1, 1, 0xffffffffffff), DRAIN,
])

# Hostile: self-referencing tables, a garbage STE, odd stream-table settings.
tseeds["hostile"] = bytes([0x83, 0x07, 0xff, 0x7f]) + b"".join([
    t_ste(0, 5, xor_dw=1, xor=0xffffffffffffffff), t_ste(1, 7, s2t0sz=16, vmid=1),
    t_cd(0, 0, 16), t_map(0, 0, 0, 1, 48, 0x8000000000, kind=2),
    t_map(0, 1, 0, 2, 47, 0x8000000000, kind=2), t_xlate(0, None, 1, 1, 0x8000000000),
    t_xlate(1, 3, 1, 1, 0), t_raw(0, 0xffffffffffffffff), t_reg(3, 0x1ffff),
    t_xlate(0xff, None, 1, 1, 0), t_cmd(1, 31 << 32 | 0xffff << 32, 31), t_reg(5, 0x80000000),
    t_xlate(0, None, 0x8f, 3, 63), DRAIN,
])

# ATS (IDR0.ATS): STE.EATS = 01, CR0.ATSCHK; translation requests (data byte 1
# even) and translated transactions (odd), then a bypass STE and ATSCHK = 0.
ATS = 0x40
tseeds["ats"] = bytes([0x01, 0x20, 6 << 3, 3]) + b"".join([
    t_ste(1, 5)[:7] + bytes([1]) + t_ste(1, 5)[8:], t_cd(0, 0, 16),
    t_map(0, 0, 0, 3, 48, 0x12345000), t_reg(0, 0x1D),
    t_xlate(1, None, RW | ATS, 1, 0x12345000), t_xlate(1, None, 1 | ATS, 1, 0x12345100),
    t_xlate(1, None, 1 | ATS, 1, 0x99000000), t_xlate(1, 4, 1 | ATS, 1, 0x12345000),
    t_ste(2, 4), t_cmd(0, 2 << 32), t_xlate(2, None, 1 | ATS, 1, 0x1000),
    t_xlate(2, None, 2 | ATS, 1, 0x1100), t_reg(0, 0xD), t_xlate(2, None, 1 | ATS, 1, 0x1100),
    DRAIN,
])

base = os.path.dirname(os.path.abspath(__file__))
for target, corpus in (("fuzz_mmio", seeds), ("fuzz_translate", tseeds)):
    out = os.path.join(base, "corpus", target)
    os.makedirs(out, exist_ok=True)
    for name, data in corpus.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
