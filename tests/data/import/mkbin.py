#!/usr/bin/env python3
"""Write small IDX and NPY files for nn-import's tests (no numpy needed).

  mkbin.py idx FILE TYPE DIMS [options]    TYPE: u8 i8 i16 i32 f32 f64
  mkbin.py npy FILE DESCR SHAPE [options]  DESCR: <f4 |u1 <i8 ...

DIMS/SHAPE are comma-separated ("" is a 0-d npy).  The data holds the values
of --values (comma-separated, cycled) or 0, 1, 2, ...  Options that make
bad files: --magic HEX (idx: replace the 4-byte magic), --fortran,
--version N (npy), --cut N (drop the last N bytes), --extra N (append N
zero bytes), --gz (gzip the result, after --cut/--extra), --cut-gz N
(drop the last N bytes of the gzip file), --claim DIMS (write DIMS in the
header but the data of DIMS/SHAPE), --header TEXT (npy: use TEXT as the
header dict instead of the one made from DESCR and SHAPE).

  mkbin.py -                               one file per line of standard
                                           input (the arguments above,
                                           shell-quoted): one Python start
                                           for many files
"""
import argparse
import gzip
import shlex
import sys
import struct

IDX = {"u8": (0x08, "B"), "i8": (0x09, "b"), "i16": (0x0B, "h"),
       "i32": (0x0C, "i"), "f32": (0x0D, "f"), "f64": (0x0E, "d")}
NPY = {"b1": "?", "u1": "B", "i1": "b", "u2": "H", "i2": "h", "u4": "I",
       "i4": "i", "u8": "Q", "i8": "q", "f4": "f", "f8": "d"}


def values(spec, n, code):
    if spec:
        vals = [float(v) for v in spec.split(",")]
        vals = [vals[i % len(vals)] for i in range(n)]
    else:
        vals = list(range(n))
    if code in "fd":
        return [float(v) for v in vals]
    if code == "?":
        return [bool(v) for v in vals]
    if code == "B":
        return [int(v) % 256 for v in vals]
    return [int(v) for v in vals]


def make(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["idx", "npy"])
    ap.add_argument("file")
    ap.add_argument("type")
    ap.add_argument("dims")
    ap.add_argument("--values")
    ap.add_argument("--magic")
    ap.add_argument("--fortran", action="store_true")
    ap.add_argument("--version", type=int, default=1)
    ap.add_argument("--cut", type=int, default=0)
    ap.add_argument("--extra", type=int, default=0)
    ap.add_argument("--gz", action="store_true")
    ap.add_argument("--cut-gz", type=int, default=0)
    ap.add_argument("--claim")
    ap.add_argument("--header")
    a = ap.parse_args(argv)

    dims = [int(d) for d in a.dims.split(",")] if a.dims else []
    n = 1
    for d in dims:
        n *= d
    if a.claim is not None:
        dims = [int(d) for d in a.claim.split(",")] if a.claim else []
    if a.kind == "idx":
        tcode, code = IDX[a.type]
        head = bytes([0, 0, tcode, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
        if a.magic:
            head = bytes.fromhex(a.magic) + head[4:]
        body = struct.pack(">%d%s" % (n, code), *values(a.values, n, code))
    else:
        code = NPY.get(a.type[1:], "B")  # unknown types: bytes (for --header)
        shape = "(%d,)" % dims[0] if len(dims) == 1 else "(%s)" % ", ".join(map(str, dims))
        text = a.header or "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
            a.type, "True" if a.fortran else "False", shape)
        lenfmt = "<H" if a.version == 1 else "<I"
        pre = 8 + struct.calcsize(lenfmt)
        text += " " * ((64 - (pre + len(text) + 1) % 64) % 64) + "\n"
        head = b"\x93NUMPY" + bytes([a.version, 0]) + struct.pack(lenfmt, len(text)) + text.encode()
        order = ">" if a.type[0] == ">" else "<"   # '=' is this (little-endian) machine's
        body = struct.pack("%s%d%s" % (order, n, code), *values(a.values, n, code))
    data = head + body
    if a.cut:
        data = data[:-a.cut]
    data += b"\0" * a.extra
    if a.gz:
        data = gzip.compress(data, mtime=0)
        if a.cut_gz:
            data = data[:-a.cut_gz]
    with open(a.file, "wb") as f:
        f.write(data)


def main():
    if sys.argv[1:] == ["-"]:
        for line in sys.stdin:
            if line.strip():
                make(shlex.split(line))
    else:
        make(sys.argv[1:])


if __name__ == "__main__":
    main()
