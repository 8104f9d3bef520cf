#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of fuzz_state (fuzz/corpus/fuzz_state): real states
saved by `vsmmu run` from the scenarios of tests/scripts, at their middle
and at their end, as fuzz_state inputs (a mode byte, then the blob).

Usage: fuzz/make_state_corpus.py PATH/TO/vsmmu   (from the repository root)
"""
import glob
import os
import struct
import subprocess
import sys
import tempfile

OUT = "fuzz/corpus/fuzz_state"


def blob_of(save_file):
    """The vsmmu_state_save() blob: the last part of the tool's file."""
    data = open(save_file, "rb").read()
    # the blob is preceded by its u64 length; find it from the end
    for start in range(len(data) - 32, 7, -1):
        if data[start:start + 8] == b"VSMMUST\0":
            (n,) = struct.unpack_from("<Q", data, start - 8)
            if start + n == len(data):
                return data[start:]
    raise ValueError("no state in " + save_file)


def args_and_lines(path):
    args, lines = [], []
    for line in open(path):
        s = line.strip()
        if s.startswith("#!"):
            d = s[2:].strip()
            if d.startswith("args:"):
                args = d[5:].split()
            continue
        if s and not s.startswith("#"):
            lines.append(line.split("#")[0].rstrip() + "\n")
    return args, lines


def main():
    tool = sys.argv[1]
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        f = os.path.join(tmp, "s")
        for script in sorted(glob.glob("tests/scripts/*.vsmmu")):
            name = os.path.basename(script)[:-6]
            args, lines = args_and_lines(script)
            if any(a.startswith("--") and a != "--set" for a in args) or \
                    any("=" in a and a != "accel=on" for a in args):
                continue        # another configuration than fuzz_state's
            accel = "accel=on" in args
            for tag, k in (("mid", len(lines) // 2), ("end", len(lines))):
                text = "".join(lines[:k]) + "save %s\n" % f
                subprocess.run([tool, "run"] + args + ["-"], input=text.encode(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                blob = blob_of(f)
                with open(os.path.join(OUT, "%s-%s" % (name, tag)), "wb") as o:
                    o.write(bytes([1 if accel else 0]) + blob)


if __name__ == "__main__":
    main()
