#!/usr/bin/env bats
# Round trips across programs: what goes in comes out.
load helper

# npy FILE DESCR SHAPE VALUES...: a .npy v1.0 file, written with struct
npy() {
	python3 - "$@" <<'PY'
import struct, sys
path, descr, shape, *vals = sys.argv[1:]
code = {'<f4': 'f', '<f8': 'd', '|u1': 'B', '<i4': 'i', '<i8': 'q'}[descr]
dims = tuple(int(d) for d in shape.split(',')) if shape else ()
hdr = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
    descr, '%d,' % dims[0] if len(dims) == 1 else ', '.join(map(str, dims)))
pad = 64 - (10 + len(hdr) + 1) % 64
hdr = hdr + ' ' * pad + '\n'
conv = float if code in 'fd' else int
with open(path, 'wb') as f:
    f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode())
    f.write(struct.pack('<%d%s' % (len(vals), code), *map(conv, vals)))
PY
}

@test "npy -> stream -> npy gives the same bytes (f32 matrix, u8 images, i64 vector)" {
	npy "$T/a.npy" '<f4' 4,3 0.5 -1 2.25 3 4 5 6 7 8 9 1e-7 -0
	npy "$T/b.npy" '|u1' 2,2,3 $(seq 0 11)
	npy "$T/c.npy" '<i8' 5 -3 0 7 9223372036854775807 -9223372036854775808
	for f in a b c; do
		nn-import --format npy -o "$T/$f.nns" "$T/$f.npy"
		nn-export --format npy --field x -o "$T/$f.out.npy" "$T/$f.nns"
		cmp "$T/$f.npy" "$T/$f.out.npy" || fail "$f.npy changed in the round trip"
	done
}

@test "csv -> stream -> csv: every value of Iris reads back the same number" {
	nn-import --label species -o "$T/iris.nns" "$ROOT/data/iris.csv"
	nn-export --format csv --class-names -o "$T/iris.csv" "$T/iris.nns"
	python3 - "$ROOT/data/iris.csv" "$T/iris.csv" <<'PY'
import csv, sys
a = list(csv.reader(open(sys.argv[1])))
b = list(csv.reader(open(sys.argv[2])))
assert a[0] == b[0], (a[0], b[0])
assert len(a) == len(b) == 151, (len(a), len(b))
for ra, rb in zip(a[1:], b[1:]):
    assert [float(v) for v in ra[:4]] == [float(v) for v in rb[:4]], (ra, rb)
    assert ra[4] == rb[4], (ra, rb)
PY
}

@test "cat of shards is the concatenated data, in order" {
	head -n 51 "$ROOT/data/iris.csv" > "$T/p1.csv"
	{ head -n 1 "$ROOT/data/iris.csv"; tail -n +52 "$ROOT/data/iris.csv"; } > "$T/p2.csv"
	nn-import --label species --classes setosa,versicolor,virginica -o "$T/p1.nns" "$T/p1.csv"
	nn-import --label species --classes setosa,versicolor,virginica -o "$T/p2.nns" "$T/p2.csv"
	nn-import --label species -o "$T/all.nns" "$ROOT/data/iris.csv"
	cat "$T/p1.nns" "$T/p2.nns" | nn-export --format csv > "$T/cat.csv"
	nn-export --format csv "$T/all.nns" > "$T/all.csv"
	cmp "$T/cat.csv" "$T/all.csv"
	run --separate-stderr sh -c "cat '$T/p1.nns' '$T/p2.nns' | nn-info --verify"
	[ "$output" = "OK rows=150 members=2" ]
}
