#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write a map/unmap churn trace (docs/trace-format.md) with its results.

usage: gen_trace.py RECORDS OUT

One IOAS, then RECORDS-2 ioctls alternating a fixed-IOVA MAP of one 4 KiB
page at a pseudo-random free slot and the UNMAP of the same page, with the
results Linux 6.12 gives (0, the IOVA, 4096 bytes unmapped). Used by
replay_bench.sh to measure iommufd-sim replay.
"""
import json
import struct
import sys

ARG = 0x7FFD5C000100
UVA = 0x7F1200000000


def rec(seq, name, nr, fields, inb, out_fields, outb):
    return json.dumps({
        "seq": seq, "kind": "ioctl",
        "fd": {"kind": "iommufd", "handle": 1},
        "ioctl": name, "nr": nr, "arg": hex(ARG),
        "in": {"fields": fields, "hex": inb.hex()},
        "ret": 0,
        "out": {"fields": out_fields, "hex": outb.hex()},
    }, separators=(",", ":"))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = 0x9E3779B97F4A7C15
    with open(out, "w") as f:
        f.write(json.dumps({"format": "iommufd-trace", "version": 1,
                            "kernel": "6.12", "arch": "x86_64",
                            "page_size": 4096, "producer": "gen_trace.py",
                            "env": {"caps": [], "rlimit_memlock":
                                    "infinity"}}) + "\n")
        f.write(json.dumps({"seq": 1, "kind": "open",
                            "fd": {"kind": "iommufd", "handle": 1,
                                   "num": 3},
                            "path": "/dev/iommu", "ret": 3}) + "\n")
        alloc = struct.pack("<III", 12, 0, 0)
        f.write(rec(2, "IOMMU_IOAS_ALLOC", "0x3b81",
                    {"size": 12, "flags": 0, "out_ioas_id": 0}, alloc,
                    {"out_ioas_id": 1}, struct.pack("<III", 12, 0, 1))
                + "\n")
        seq = 3
        while seq < n:
            rng ^= (rng >> 12)
            rng ^= (rng << 25) & (2**64 - 1)
            rng ^= (rng >> 27)
            slot = (rng * 2685821657736338717 % 2**64) % (1 << 20)
            iova = (slot + 1) << 12
            uva = UVA + iova
            m = struct.pack("<IIIIQQQ", 40, 7, 1, 0, uva, 4096, iova)
            f.write(rec(seq, "IOMMU_IOAS_MAP", "0x3b85",
                        {"size": 40, "flags": 7, "ioas_id": 1,
                         "__reserved": 0, "user_va": hex(uva),
                         "length": 4096, "iova": hex(iova)}, m,
                        {"iova": hex(iova)}, m) + "\n")
            u = struct.pack("<IIQQ", 24, 1, iova, 4096)
            f.write(rec(seq + 1, "IOMMU_IOAS_UNMAP", "0x3b86",
                        {"size": 24, "ioas_id": 1, "iova": hex(iova),
                         "length": 4096}, u, {"length": 4096}, u) + "\n")
            seq += 2


if __name__ == "__main__":
    main()
