#!/usr/bin/env bats
# nn-augment: every transform against values worked out by hand or
# invariants that pin it down, balancing, bad inputs, determinism.

load helper

setup() {
	T="$BATS_TEST_TMPDIR"
	# aug.py: write npy files and whole streams, read nn-export's CSV
	cat >"$T/aug.py" <<'EOF'
import csv, io, os, struct, subprocess, zlib

def npy(path, code, shape, values):
    descr = {'B': '|u1', 'f': '<f4', 'i': '<i4'}[code]
    dims = ', '.join(map(str, shape)) + (',' if len(shape) == 1 else '')
    hdr = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, dims)
    hdr += ' ' * ((64 - (11 + len(hdr)) % 64) % 64) + '\n'
    with open(path, 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode())
        f.write(struct.pack('<%d%s' % (len(values), code), *values))

def images(stem, h, w, imgs, labels, c=None):
    """stem.nns: x u8 [h,w] (or [h,w,c]) from flat lists, y i32 labels."""
    shape = (len(imgs), h, w) + ((c,) if c else ())
    npy(stem + '.npy', 'B', shape, [v for im in imgs for v in im])
    npy(stem + '-y.npy', 'i', (len(labels),), labels)
    subprocess.run(['nn-import', '--labels', stem + '-y.npy', '-o', stem + '.nns',
                    stem + '.npy'], check=True)

def pack(v):
    if isinstance(v, dict):
        return bytes([0x80 | len(v)]) + b''.join(pack(k) + pack(x) for k, x in v.items())
    if isinstance(v, list):
        return bytes([0x90 | len(v)]) + b''.join(pack(x) for x in v)
    if isinstance(v, str):
        return bytes([0xa0 | len(v)]) + v.encode()
    if isinstance(v, bytes):
        return b'\xc6' + struct.pack('>I', len(v)) + v
    return bytes([v]) if v < 128 else b'\xcf' + struct.pack('>Q', v)

def frame(b):
    # nn-stream(5) wants the content size in every frame header
    return subprocess.run(['zstd', '-q', '-c', '--check', '--stream-size=%d' % len(b)], input=b,
                          stdout=subprocess.PIPE, check=True).stdout

def stream(path, fields, columns, rows):
    """A stream written with no nnpipe code (nn-stream(5)): one batch."""
    out = frame(pack({'type': 'header', 'format': 'nnpipe', 'version': 1, 'kind': 'data',
                      'fields': fields, 'provenance': {'program': 'aug.py', 'version': '0',
                                                       'args': []}}))
    out += frame(pack({'type': 'batch', 'index': 0, 'rows': rows, 'columns': columns}))
    out += frame(pack({'type': 'end', 'batches': 1, 'rows': rows, 'crc32': zlib.crc32(out)}))
    open(path, 'wb').write(out)

def rows(path, *opts):
    """The rows of a stream as (header, list of lists of floats)."""
    text = subprocess.run(['nn-export', '--format', 'csv', *opts, path], check=True,
                          stdout=subprocess.PIPE).stdout.decode()
    r = list(csv.reader(io.StringIO(text)))
    return r[0], [[float(v) for v in row] for row in r[1:]]

def f32(v):
    return struct.unpack('<f', struct.pack('<f', v))[0]
EOF
}

aug() {
	PYTHONPATH="$T" python3 - "$@"
}

# A flat set: x = [a, b] f32, y = class ids cat=0 (5 rows), dog=1 (2), emu=2 (1).
flat() {
	printf 'a,b,label\n1,1,cat\n2,1,cat\n3,2,cat\n4,1,cat\n5,3,cat\n10,10,dog\n12,11,dog\n20,0,emu\n' |
		nn-import --label label -o "$T/flat.nns"
}

@test "nn-augment: usage errors exit 2 with a message" {
	flat
	for args in "" "--copies 2" "--no-keep-original" "--noise 1 --keep-original --no-keep-original" \
	            "--balance --smote 3" "--mixup 0" "--noise 1 --classes 3" "--noise 1 --x y" \
	            "--rotate 181" "--noise -1" "--smote 0" "--shift -1" "--balance --copies 2"; do
		run --separate-stderr nn-augment $args "$T/flat.nns"
		[ "$status" -eq 2 ] || fail "'$args': status $status"
		[ -z "$output" ]
		[[ "$stderr" == "nn-augment: "* ]] || fail "'$args': $stderr"
	done
	run --separate-stderr nn-augment "$T/flat.nns"
	[[ "$stderr" == *"nothing to do"* ]]
}

@test "nn-augment: --flip-h mirrors a 2x3 image exactly, or leaves it, and keeps u8" {
	aug "$T" <<'EOF'
import sys, aug
aug.images(sys.argv[1] + '/img', 2, 3, [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]], [0, 1])
EOF
	nn-augment --flip-h --copies 20 --seed 1 -o "$T/out.nns" "$T/img.nns"
	nn-info "$T/out.nns" | grep -q $'^field\tx\tu8\t\\[2,3\\]$'
	aug "$T/out.nns" <<'EOF'
import sys, aug
hdr, rows = aug.rows(sys.argv[1])
assert len(rows) == 42, len(rows)
orig = {0: [1, 2, 3, 4, 5, 6], 1: [7, 8, 9, 10, 11, 12]}
mirror = {0: [3, 2, 1, 6, 5, 4], 1: [9, 8, 7, 12, 11, 10]}
seen = set()
for k, r in enumerate(rows):
    x, y = r[:6], int(r[6])
    if k % 21 == 0:
        assert x == orig[y], r      # the row itself first
    else:
        assert x in (orig[y], mirror[y]), r
        seen.add(x == mirror[y])
assert seen == {True, False}, 'both outcomes of the coin'
EOF
}

@test "nn-augment: --flip-v swaps rows; channels of [H,W,C] stay together" {
	aug "$T" <<'EOF'
import sys, aug
# 2x2 pixels of 2 channels: pixel (i,j) = (10*i + j, 100 + 10*i + j)
aug.images(sys.argv[1] + '/rgb', 2, 2, [[0, 100, 1, 101, 10, 110, 11, 111]], [0], c=2)
EOF
	nn-augment --flip-v --flip-h --copies 30 --no-keep-original -o "$T/out.nns" "$T/rgb.nns"
	aug "$T/out.nns" <<'EOF'
import sys, aug
hdr, rows = aug.rows(sys.argv[1])
assert len(rows) == 30
px = lambda i, j: [10 * i + j, 100 + 10 * i + j]
want = {}
for fh in (0, 1):
    for fv in (0, 1):
        img = []
        for i in range(2):
            for j in range(2):
                img += px(1 - i if fv else i, 1 - j if fh else j)
        want[(fh, fv)] = img
got = set()
for r in rows:
    match = [k for k, v in want.items() if v == r[:8]]
    assert len(match) == 1, r
    got.add(match[0])
assert len(got) == 4, got
EOF
}

@test "nn-augment: --shift translates by at most PX with zero fill, keeping the dtype" {
	aug "$T" <<'EOF'
import sys, aug
aug.images(sys.argv[1] + '/img', 4, 5, [[1 + k for k in range(20)]], [3])
EOF
	nn-augment --shift 2 --copies 60 --seed 5 -o "$T/out.nns" "$T/img.nns"
	nn-info "$T/out.nns" | grep -q $'^field\tx\tu8\t\\[4,5\\]$'
	aug "$T/out.nns" <<'EOF'
import sys, aug
hdr, rows = aug.rows(sys.argv[1])
src = [[1 + 5 * i + j for j in range(5)] for i in range(4)]
def shifted(dx, dy):
    return [src[i - dy][j - dx] if 0 <= i - dy < 4 and 0 <= j - dx < 5 else 0
            for i in range(4) for j in range(5)]
assert rows[0][:20] == shifted(0, 0)
moves = set()
for r in rows[1:]:
    assert r[20] == 3, r
    m = [(dx, dy) for dx in range(-2, 3) for dy in range(-2, 3) if shifted(dx, dy) == r[:20]]
    assert len(m) == 1, r
    moves.add(m[0])
assert len(moves) >= 20, moves     # 25 possible, 60 draws
EOF
}

@test "nn-augment: --rotate 0 is the identity; rotations keep the centre and stay in range" {
	aug "$T" <<'EOF'
import sys, aug
aug.images(sys.argv[1] + '/img', 5, 5, [[(7 * k) % 23 for k in range(25)]], [0])
EOF
	nn-augment --rotate 0 --copies 3 -o "$T/r0.nns" "$T/img.nns"
	nn-info "$T/r0.nns" | grep -q $'^field\tx\tf32\t\\[5,5\\]$'
	nn-augment --rotate 45 --copies 40 --seed 2 -o "$T/r45.nns" "$T/img.nns"
	aug "$T/r0.nns" "$T/r45.nns" <<'EOF'
import sys, aug
_, r0 = aug.rows(sys.argv[1])
assert len(r0) == 4 and all(r == r0[0] for r in r0), r0
src = r0[0][:25]
_, r45 = aug.rows(sys.argv[2])
changed = 0
for r in r45[1:]:
    assert r[12] == src[12], 'the centre pixel is the centre of rotation'
    assert all(0 <= v <= max(src) + 1e-4 for v in r[:25]), r   # convex weights, zero fill
    changed += r[:25] != src
assert changed == 40
EOF
}

@test "nn-augment: --noise adds N(0, SIGMA): mean and std of out - in" {
	# 400 rows of 50 features: 20,000 noise values
	python3 -c '
for i in range(400):
    print(",".join(str((i * 7 + k) % 13) for k in range(50)))' | nn-import --no-header -o "$T/n.nns"
	nn-augment --noise 0.5 --seed 3 -o "$T/out.nns" "$T/n.nns"
	aug "$T/out.nns" <<'EOF'
import math, sys, aug
hdr, rows = aug.rows(sys.argv[1])
assert len(rows) == 800
d = []
for k in range(0, 800, 2):
    orig, copy = rows[k], rows[k + 1]
    d += [b - a for a, b in zip(orig, copy)]
n = len(d)
mean = sum(d) / n
std = math.sqrt(sum((v - mean) ** 2 for v in d) / n)
assert n == 20000
assert abs(mean) < 0.5 * 4 / math.sqrt(n), mean          # 4 standard errors
assert abs(std - 0.5) < 0.5 * 4 / math.sqrt(2 * n), std
tails = sum(abs(v) > 1.0 for v in d) / n                  # P(|z| > 2) = 0.0455
assert abs(tails - 0.0455) < 0.006, tails
EOF
}

@test "nn-augment: --balance repeats minority rows up to the majority count, originals kept in order" {
	flat
	nn-augment --balance --seed 4 -o "$T/out.nns" "$T/flat.nns"
	run --separate-stderr nn-info "$T/out.nns"
	[[ "$output" == *$'\nclass\ty\t0\t5\tcat\nclass\ty\t1\t5\tdog\nclass\ty\t2\t5\temu'* ]]
	nn-info "$T/out.nns" | grep -q $'^field\tx\tf32\t\\[2\\]$'
	aug "$T/flat.nns" "$T/out.nns" <<'EOF'
import sys, aug
_, src = aug.rows(sys.argv[1])
_, out = aug.rows(sys.argv[2])
assert len(out) == 15
# every output row is an input row; dropping the repeats (a row equal to
# the one before it) gives the input back in order
assert all(r in src for r in out)
firsts = [r for k, r in enumerate(out) if k == 0 or r != out[k - 1]]
assert firsts == src, firsts
# dog: 2 rows lacking 3: one gets 1 extra, the other 2; emu's row 4 extras
dogs = [out.count(r) for r in src if r[2] == 1]
assert sorted(dogs) == [2, 3], dogs
assert out.count(src[7]) == 5
EOF
}

@test "nn-augment: --balance with a transform: copies of every row of the balanced set" {
	flat
	nn-augment --balance --noise 0.1 --copies 2 -o "$T/out.nns" "$T/flat.nns"
	run --separate-stderr nn-info "$T/out.nns"
	[[ "$output" == *$'\nrows\t45\n'* ]]
	[[ "$output" == *$'\nclass\ty\t0\t15\tcat\nclass\ty\t1\t15\tdog\nclass\ty\t2\t15\temu'* ]]
	nn-augment --balance --noise 0.1 --no-keep-original -o "$T/out2.nns" "$T/flat.nns"
	[ "$(nn-info "$T/out2.nns" | grep '^rows')" = "$(printf 'rows\t15')" ]
}

@test "nn-augment: --smote rows lie on segments between rows of their class, after the input" {
	printf 'a,b,c,label\n0,0,0,p\n4,0,0,p\n0,4,0,p\n0,0,4,p\n9,9,9,p\n1,1,1,q\n2,3,1,q\n5,5,5,r\n5,7,5,r\n6,5,8,r\n' |
		nn-import --label label -o "$T/s.nns"
	nn-augment --smote 2 --seed 9 -o "$T/out.nns" "$T/s.nns"
	run --separate-stderr nn-info "$T/out.nns"
	[[ "$output" == *$'\nclass\ty\t0\t5\tp\nclass\ty\t1\t5\tq\nclass\ty\t2\t5\tr'* ]]
	aug "$T/s.nns" "$T/out.nns" <<'EOF'
import sys, aug
_, src = aug.rows(sys.argv[1])
_, out = aug.rows(sys.argv[2])
assert out[:10] == src, 'the input rows come first, unchanged'
new = out[10:]
assert [r[3] for r in new] == [1, 1, 1, 2, 2], 'by class'
def on_segment(p, a, b):
    # p = a + u (b - a), u in [0, 1], within float rounding
    d = [y - x for x, y in zip(a, b)]
    n2 = sum(v * v for v in d)
    if n2 == 0:
        return p == a
    u = sum((q - x) * v for q, x, v in zip(p, a, d)) / n2
    return -1e-6 <= u <= 1 + 1e-6 and all(abs(x + u * v - q) < 1e-4 for q, x, v in zip(p, a, d))
for p in new:
    same = [r[:3] for r in src if r[3] == p[3]]
    assert any(on_segment(p[:3], a, b) for a in same for b in same if a != b), p
# q has 2 rows (1 neighbour each): lacks 3, so one row makes 2, the other 1
# r has 3 rows: lacks 2, two of its rows make one each
assert len({tuple(p[:3]) for p in new}) == 5
EOF
}

@test "nn-augment: --smote 1 uses the nearest neighbour; --smote on image u8 makes f32" {
	printf 'a,b,label\n0,0,0\n1,0,0\n10,0,0\n11,0,0\n0,0,1\n1,1,1\n2,2,1\n3,3,1\n4,4,1\n5,5,1\n6,6,1\n7,7,1\n' |
		nn-import --label label -o "$T/s.nns"
	nn-augment --smote 1 --seed 1 -o "$T/out.nns" "$T/s.nns"
	aug "$T/out.nns" <<'EOF'
import sys, aug
_, out = aug.rows(sys.argv[1])
new = out[12:]
assert len(new) == 4 and all(r[2] == 0 for r in new)
# the nearest of 0 is 1 and of 10 is 11 (and back): never across the gap
for r in new:
    assert r[1] == 0 and (0 <= r[0] <= 1 or 10 <= r[0] <= 11), r
EOF
	aug "$T" <<'EOF'
import sys, aug
aug.images(sys.argv[1] + '/img', 2, 2, [[0, 0, 0, 0], [4, 4, 4, 4], [9, 9, 9, 9]], [0, 0, 1])
EOF
	run --separate-stderr nn-augment --smote 3 -o "$T/img-out.nns" "$T/img.nns"
	[[ "$stderr" == *"class 1 has one row"* ]]
	run --separate-stderr nn-info "$T/img-out.nns"
	[[ "$output" == *$'\nfield\tx\tf32\t[2,2]\n'* ]]
	[[ "$output" == *$'\nrows\t4\n'* ]]
}

@test "nn-augment: --mixup: soft labels sum to 1 and features are the same convex combination" {
	# one row per class, so every label shows which rows were mixed
	printf 'a,b,label\n1,0,a\n0,1,b\n2,2,c\n3,-1,d\n' | nn-import --label label -o "$T/m.nns"
	nn-augment --mixup 0.4 --copies 25 --seed 2 -o "$T/out.nns" "$T/m.nns"
	run --separate-stderr nn-info "$T/out.nns"
	[[ "$output" == *$'\nfield\ty\tf32\t[4]\t4 classes\n'* ]]
	nn-info --json "$T/out.nns" | grep -q '"classes": \["a", "b", "c", "d"\]'
	aug "$T/m.nns" "$T/out.nns" <<'EOF'
import sys, aug
_, src = aug.rows(sys.argv[1])
_, out = aug.rows(sys.argv[2])
assert len(out) == 4 * 26
mixed = 0
for k, r in enumerate(out):
    i = k // 26
    x, y = r[:2], r[2:]
    assert abs(sum(y) - 1) < 1e-6, y
    assert all(0 <= v <= 1 for v in y)
    if k % 26 == 0:
        assert x == src[i][:2] and y == [1.0 if c == i else 0.0 for c in range(4)], r
        continue
    assert y[i] > 0 or sum(v > 0 for v in y) == 1, (i, y)
    lam = y[i]
    others = [c for c in range(4) if c != i and y[c] > 0]
    j = others[0] if others else i
    if j == i:
        lam = 1.0
    want = [aug.f32(aug.f32(lam * a) + aug.f32(aug.f32(1 - lam) * b)) for a, b in zip(src[i][:2], src[j][:2])]
    assert all(abs(p - q) < 1e-6 for p, q in zip(x, want)), (x, want, lam)
    mixed += j != i
assert mixed > 50, mixed
EOF
}

@test "nn-augment: --mixup without class names: a first pass (pipe too) or --classes" {
	printf 'a,label\n1,0\n2,2\n3,2\n' | nn-import --label label -o "$T/m.nns"
	nn-augment --mixup 1 -o "$T/a.nns" "$T/m.nns"
	nn-augment --mixup 1 <"$T/m.nns" >"$T/b.nns"
	cat "$T/m.nns" | nn-augment --mixup 1 -o "$T/c.nns"
	cmp "$T/b.nns" "$T/c.nns"
	[ "$(nn-export "$T/a.nns")" = "$(nn-export "$T/b.nns")" ]
	nn-info --json "$T/a.nns" | grep -q '"name": "y", "dtype": "f32", "shape": \[3\], "classes": \["0", "1", "2"\]'
	nn-augment --mixup 1 --classes 5 -o "$T/d.nns" "$T/m.nns"
	nn-info "$T/d.nns" | grep -q $'^field\ty\tf32\t\\[5\\]\t5 classes$'
	run --separate-stderr nn-augment --mixup 1 --classes 2 "$T/m.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"row 2: label 2 is not a class id from 0 to 1"* ]]
	printf 'a,label\n1,x\n2,y\n' | nn-import --label label -o "$T/named.nns"
	run --separate-stderr nn-augment --mixup 1 --classes 3 "$T/named.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"--classes 3, but field 'y' names 2 classes"* ]]
}

@test "nn-augment: --mixup on float targets mixes them with the same lambda" {
	printf 'a,t\n1,10.5\n3,-2.25\n' | nn-import --label t -o "$T/r.nns"
	nn-info "$T/r.nns" | grep -q $'^field\ty\tf32\t\\[\\]$'
	nn-augment --mixup 0.5 --copies 20 -o "$T/out.nns" "$T/r.nns"
	aug "$T/out.nns" <<'EOF'
import sys, aug
_, out = aug.rows(sys.argv[1])
assert len(out) == 42
for r in out:
    # x = lam*1 + (1-lam)*3 or lam*3 + (1-lam)*1: either way x and t lie
    # on the line through (1, 10.5) and (3, -2.25)
    lam = (3 - r[0]) / 2
    assert abs(lam * 10.5 + (1 - lam) * -2.25 - r[1]) < 1e-4, r
EOF
}

@test "nn-augment: other fields are copied with their row" {
	aug "$T/ids.nns" <<'EOF'
import struct, sys, aug
ids = struct.pack('<4q', 100, 101, 102, 103)
xs = bytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
ys = struct.pack('<4i', 0, 0, 0, 1)
aug.stream(sys.argv[1], [{'name': 'id', 'dtype': 'i64', 'shape': []},
                         {'name': 'x', 'dtype': 'u8', 'shape': [2, 2]},
                         {'name': 'y', 'dtype': 'i32', 'shape': []}], [ids, xs, ys], 4)
EOF
	nn-augment --balance --flip-h --seed 3 -o "$T/out.nns" "$T/ids.nns"
	aug "$T/out.nns" <<'EOF'
import sys, aug
hdr, out = aug.rows(sys.argv[1])
assert hdr[0] == 'id' and len(out) == 12, (hdr, len(out))
first = {100: [1, 2, 3, 4], 101: [5, 6, 7, 8], 102: [9, 10, 11, 12], 103: [13, 14, 15, 16]}
for r in out:
    i, x = int(r[0]), r[1:5]
    a = first[i]
    assert x in (a, [a[1], a[0], a[3], a[2]]), r
    assert r[5] == (1 if i == 103 else 0)
assert [int(r[0]) for r in out].count(103) == 6
EOF
}

@test "nn-augment: image options on a flat field, float labels, a wrong field: exit 1" {
	flat
	run --separate-stderr nn-augment --flip-h -o "$T/o.nns" "$T/flat.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-augment: '$T/flat.nns': field 'x' has 1 dimensions; "*"[H,W] or [H,W,C]" ]]
	[ ! -e "$T/o.nns" ]
	printf 'a,t\n1,0.5\n2,1.5\n' | nn-import --label t -o "$T/r.nns"
	run --separate-stderr nn-augment --smote 3 "$T/r.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"field 'y' holds f32 regression targets; --smote needs integer class ids" ]]
	run --separate-stderr nn-augment --balance "$T/r.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"--balance needs integer class ids" ]]
	run --separate-stderr nn-augment --noise 1 --x nope "$T/flat.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-augment: '$T/flat.nns': no field 'nope' (choose one with --x)" ]]
	run --separate-stderr nn-augment --balance --y nope "$T/flat.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no field 'nope' (choose one with --y)" ]]
	printf 'a\n1\n2\n' | nn-import -o "$T/nolabel.nns"
	run --separate-stderr nn-augment --mixup 1 "$T/nolabel.nns"
	[ "$status" -eq 1 ]
	nn-augment --noise 1 "$T/nolabel.nns" >/dev/null
}

@test "nn-augment: NaN labels, NaN features for SMOTE, negative class ids: exit 1" {
	printf 'a,t\n1,0.5\n2,NA\n' | nn-import --label t -o "$T/nan.nns"
	run --separate-stderr nn-augment --mixup 1 --copies 10 -o "$T/o.nns" "$T/nan.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"row 2: label is NaN"* ]]
	[ ! -e "$T/o.nns" ]
	no_temporaries "$T"
	printf 'a,label\n1,0\nNA,0\n3,1\n4,1\n5,1\n' | nn-import --label label -o "$T/nanx.nns"
	run --separate-stderr nn-augment --smote 2 "$T/nanx.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"row 2: x is not finite"* ]]
	aug "$T" <<'EOF'
import sys, aug
aug.images(sys.argv[1] + '/neg', 1, 1, [[1], [2]], [0, -1])
EOF
	run --separate-stderr nn-augment --balance "$T/neg.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"row 2: label -1 is not a class id"* ]]
}

@test "nn-augment: empty, cut and corrupt inputs exit 1 and leave no output" {
	local k=0
	for f in empty cut-mid-frame cut-at-frame bit-flip random-bytes; do
		for opts in "--noise 1" "--balance" "--mixup 1" "--smote 2"; do
			run --separate-stderr nn-augment $opts -o "$T/o.nns" "$DATA/bad/$f.nns"
			[ "$status" -eq 1 ] || fail "$f $opts: status $status"
			[[ "$stderr" == *"'$DATA/bad/$f.nns': "* ]] || fail "$f $opts: $stderr"
			[ ! -e "$T/o.nns" ] || fail "$f $opts left a file"
			# from stdin: make check every 3rd case, make check-long all
			k=$((k + 1))
			[ "${NN_LONG:-0}" = 1 ] || [ $((k % 3)) -eq 1 ] || continue
			run --separate-stderr sh -c 'nn-augment '"$opts"' < "$1"' sh "$DATA/bad/$f.nns"
			[ "$status" -eq 1 ] || fail "$f $opts (stdin): status $status"
		done
	done
	no_temporaries "$T"
	# two passes: a cut input fails before a single byte is written
	run --separate-stderr sh -c 'nn-augment --balance < "$1" | wc -c' sh "$DATA/bad/cut-at-frame.nns"
	[ "$output" -eq 0 ]
}

@test "nn-augment: a stream of zero rows gives a stream of zero rows" {
	printf 'a,label\n' | nn-import --label label -o "$T/z.nns"
	for opts in "--noise 1" "--balance" "--smote 2" "--mixup 1 --classes 2"; do
		nn-augment $opts -o "$T/o.nns" "$T/z.nns"
		[ "$(nn-info --verify "$T/o.nns")" = "OK rows=0 members=1" ] || fail "$opts"
	done
	run --separate-stderr nn-augment --mixup 1 "$T/z.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no rows to count the classes of: give --classes N" ]]
}

@test "nn-augment: --smote refuses minority classes over its memory limit" {
	# 11,000 minority rows of 784 u8 features: 34.5 MB as f32, over 32 MiB
	python3 - "$T" <<'EOF'
import struct, sys
d = sys.argv[1]
n0, n1 = 11000, 11001
hdr = "{'descr': '|u1', 'fortran_order': False, 'shape': (%d, 784), }" % (n0 + n1)
hdr += ' ' * ((64 - (11 + len(hdr)) % 64) % 64) + '\n'
with open(d + '/big.npy', 'wb') as f:
    f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode())
    f.write(bytes(784 * (n0 + n1)))
hdr = "{'descr': '<i4', 'fortran_order': False, 'shape': (%d,), }" % (n0 + n1)
hdr += ' ' * ((64 - (11 + len(hdr)) % 64) % 64) + '\n'
with open(d + '/big-y.npy', 'wb') as f:
    f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode())
    f.write(struct.pack('<%di' % (n0 + n1), *([0] * n0 + [1] * n1)))
EOF
	nn-import --labels "$T/big-y.npy" -o "$T/big.nns" "$T/big.npy"
	run --separate-stderr nn-augment --smote 5 -o "$T/o.nns" "$T/big.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"--smote holds the minority classes' rows in memory: 11000 rows of 3140 bytes is 32.9 MiB, over the limit of 32 MiB" ]]
	[ ! -e "$T/o.nns" ]
}

@test "nn-augment: same seed, same bytes; another seed, other bytes" {
	aug "$T" <<'EOF'
import sys, aug
aug.images(sys.argv[1] + '/img', 3, 3, [[k * 9 + j for j in range(9)] for k in range(6)],
           [0, 0, 0, 0, 1, 2])
EOF
	for opts in "--noise 0.3" "--flip-h --flip-v" "--shift 1" "--rotate 20" "--mixup 0.3" \
	            "--balance" "--smote 2" "--smote 2 --rotate 10 --noise 0.1 --copies 3"; do
		nn-augment $opts --seed 11 -o "$T/a.nns" "$T/img.nns"
		nn-augment $opts --seed 11 "$T/img.nns" >"$T/b.nns"
		cmp "$T/a.nns" "$T/b.nns" || fail "$opts: same seed, other bytes"
		# a pipe (spooled for two passes) gives the same rows as the file
		cat "$T/img.nns" | nn-augment $opts --seed 11 >"$T/p.nns"
		[ "$(nn-export "$T/p.nns")" = "$(nn-export "$T/a.nns")" ] || fail "$opts: pipe and file differ"
		nn-augment $opts --seed 12 -o "$T/c.nns" "$T/img.nns"
		! cmp -s "$T/a.nns" "$T/c.nns" || fail "$opts: another seed, same bytes"
	done
	# each transform has its own random sequence: adding a flip leaves the noise
	nn-augment --noise 1 --seed 4 -o "$T/n.nns" "$T/img.nns"
	nn-augment --noise 1 --shift 0 --seed 4 -o "$T/ns.nns" "$T/img.nns"
	[ "$(nn-export "$T/n.nns")" = "$(nn-export "$T/ns.nns")" ]
}

@test "nn-augment: provenance and seed are recorded; -o to /dev/full fails" {
	flat
	nn-augment --noise 0.5 --seed 8 -o "$T/o.nns" "$T/flat.nns"
	run --separate-stderr nn-info "$T/o.nns"
	[[ "$output" == *$'\nprogram\tnn-augment '* ]]
	[[ "$output" == *$'\nargs\t--noise 0.5 --seed 8 '* ]]
	[[ "$output" == *$'\nseed\t8\n'* ]]
	[[ "$output" == *'"feature_names": ["a", "b"]'* ]]
	run --separate-stderr nn-augment --noise 1 -o /dev/full "$T/flat.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"No space left on device"* ]]
}
