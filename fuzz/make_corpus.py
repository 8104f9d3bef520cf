#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of fuzz_mmio.c (input format described there)."""
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

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
