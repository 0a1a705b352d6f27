#!/usr/bin/env python3
"""Write the importers' seed corpora: tests/fuzz/corpus/import-{csv,libsvm,idx,npy}/.

Small valid files of every kind (csv/tsv with quotes, CRLF, a BOM, missing
values, labels; libsvm; idx and npy of every dtype), then for each one a
truncated copy and bit-flipped copies (seeded, so the corpus is
reproducible).  The csv and libsvm targets read their options from the
first byte, so each text seed is written with a few option bytes.
Run from anywhere: python3 tests/fuzz/mkcorpus.py
"""
import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(7)

CSV = [
    b"a,b,y\n1,2,cat\n3.5,-4e2,dog\n",
    b"\xef\xbb\xbfx1,x2,label\r\n0.25,NA,1\r\n,?,2\r\n1e-3,inf,3\r\n",
    b'"a","b ""q""",y\n"1","2,5",a\n"3\n4",5,b\n  6 , 7 ,c\n\n',
    b"p,q,r\n0,0,0\n0,0.003921569,1\n0.28627452,0.99999994,-1\n",
    b"a\tb\ty\n1\t2\t0\n3\t4\t1\n",
    b"1,2,3\n4,5,6\n",
    b"a,b,y\n1,2,3,4\n",
    b"a,b,y\n1,x,3\n",
    b'a,b,y\n1,"2"x,3\n',
    b"a,b,y\n123456789012345678901234567890,1.5e400,-0\n",
]
SVM = [
    b"+1 1:0.5 3:2\n-1 2:1e1 # c\n\n+1\n",
    b"# head\n0 1:1 2:2 3:3\n1 4:0.25\n2.5 1:-1\n",
    b"1 2:1 2:3\n",
    b"1 0:1\n",
    b"a 1:1\nb 2:2\n",
    b"1 1:1 qid:3\n",
]
IDX = {"u8": (0x08, "B"), "i8": (0x09, "b"), "i16": (0x0B, "h"),
       "i32": (0x0C, "i"), "f32": (0x0D, "f"), "f64": (0x0E, "d")}
NPY = {"b1": "?", "u1": "B", "i1": "b", "u2": "H", "i2": "h", "u4": "I",
       "i4": "i", "u8": "Q", "i8": "q", "f4": "f", "f8": "d"}


def idx(t, dims):
    code, fmt = IDX[t]
    n = 1
    for d in dims:
        n *= d
    vals = [i % 100 for i in range(n)]
    return bytes([0, 0, code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + \
        struct.pack(">%d%s" % (n, fmt), *vals)


def npy(descr, shape, version=1):
    n = 1
    for d in shape:
        n *= d
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    h = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, dims)
    pre = 10 if version == 1 else 12
    h += " " * ((64 - (pre + len(h) + 1) % 64) % 64) + "\n"
    head = b"\x93NUMPY" + bytes([version, 0]) + \
        (struct.pack("<H", len(h)) if version == 1 else struct.pack("<I", len(h)))
    fmt = NPY[descr[1:]]
    vals = [bool(i % 2) if fmt == "?" else i % 100 for i in range(n)]
    return head + h.encode() + struct.pack("<%d%s" % (n, fmt), *vals)


def variants(data):
    out = [data]
    if len(data) > 1:
        out.append(data[: rng.randrange(1, len(data))])
    for _ in range(3):
        b = bytearray(data)
        if b:
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        out.append(bytes(b))
    return out


def write(name, seeds):
    d = os.path.join(HERE, "corpus", name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    k = 0
    for s in seeds:
        for v in variants(s):
            with open(os.path.join(d, "seed-%03d" % k), "wb") as f:
                f.write(v)
            k += 1


def with_options(seeds, opts):
    return [bytes([o]) + s for s in seeds for o in opts]


# csv option byte: bit 0 tab, bit 1 no header, bits 2-3 label (none, 0, -1, y), bit 4 drop 1, bit 5 skip 1
write("import-csv", with_options(CSV, [0x00, 0x0c, 0x08, 0x02 | 0x08, 0x10 | 0x0c]) +
      with_options(CSV[4:5], [0x01, 0x01 | 0x0c]))
write("import-libsvm", with_options(SVM, [0x00, 0x01, 0x02, 0x04]))
write("import-idx", [idx(t, [3, 2, 2]) for t in IDX] + [idx("u8", [4]), idx("f32", [2, 3])])
write("import-npy", [npy("<" + t if t not in ("u1", "i1", "b1") else "|" + t, [3, 2]) for t in NPY] +
      [npy("<f4", [5]), npy("<i8", [2, 2, 2], 2), npy("<f8", [2, 3], 3)])
