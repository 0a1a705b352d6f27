#!/usr/bin/env bats
# nn-export: stream -> CSV, TSV, LIBSVM, NPY.  Streams come from nn-import.

load helper

# import STDIN-CSV OUT [nn-import options]
import() {
	local out=$1
	shift
	nn-import --format csv "$@" -o "$out"
}

# npy_read FILE: print "descr shape" and the values, one per line (python
# with struct only: numpy is not a dependency)
npy_read() {
	python3 - "$1" <<'EOF'
import ast, struct, sys
b = open(sys.argv[1], 'rb').read()
assert b[:8] == b'\x93NUMPY\x01\x00', b[:8]
hlen = struct.unpack('<H', b[8:10])[0]
assert (10 + hlen) % 64 == 0, hlen
h = b[10:10 + hlen].decode('latin1')
assert h.endswith('\n')
d = ast.literal_eval(h)
assert d['fortran_order'] is False
n = 1
for s in d['shape']:
    n *= s
code = {'|u1': 'B', '|i1': 'b', '<i4': 'i', '<f4': 'f', '<f8': 'd'}[d['descr']]
data = b[10 + hlen:]
assert len(data) == n * struct.calcsize(code), (len(data), n)
print(d['descr'], ','.join(map(str, d['shape'])))
for v in struct.unpack('<%d%s' % (n, code), data):
    print(repr(v))
EOF
}

@test "nn-export: --help exits 0 and shows the synopsis" {
	run --separate-stderr nn-export --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: nn-export [OPTIONS] [INPUT]" ]]
	[[ "$output" == *"--class-names"* ]]
}

@test "nn-export: usage errors exit 2" {
	printf 'a,b\n1,2\n' | import "$T/s.nns"
	run --separate-stderr nn-export --bogus "$T/s.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == nn-export:* ]]
	run --separate-stderr nn-export --format xml "$T/s.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--format: 'xml' is not one of: csv, tsv, libsvm, npy, tab, svm"* ]]
	run --separate-stderr nn-export --format npy --class-names "$T/s.nns"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-export "$T/s.nns" "$T/s.nns"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
}

@test "nn-export: csv round trip gives the imported text back" {
	printf 'sepal,petal,species\n5.1,0.2,setosa\n-3,100,virginica\n1e-05,0.125,setosa\n0.33333334,-0.5,versicolor\n' >"$T/in.csv"
	import "$T/s.nns" --label species <"$T/in.csv"
	run --separate-stderr nn-export --class-names "$T/s.nns"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "$(cat "$T/in.csv")" ]
}

@test "nn-export: class ids without --class-names, NaN and infinities" {
	printf 'a,b,label\n1,2.5,cat\n3,NA,dog\ninf,-inf,cat\n' | import "$T/s.nns" --label label
	run --separate-stderr nn-export "$T/s.nns"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a,b,label\n1,2.5,0\n3,nan,1\ninf,-inf,0')" ]
}

@test "nn-export: f32 values print in their shortest round-trip form" {
	printf 'a\n0.333333343267\n16777216\n3e38\n1.17549435e-38\n100000000\n' | import "$T/s.nns"
	run --separate-stderr nn-export --no-header "$T/s.nns"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0.33333334\n16777216\n3e+38\n1.1754944e-38\n100000000')" ]
}

@test "nn-export: tsv, --no-header and the format from the -o extension" {
	printf 'a,b,label\n1,2.5,cat\n3,4,dog\n' | import "$T/s.nns" --label label
	nn-export -o "$T/out.tsv" --class-names "$T/s.nns"
	[ "$(cat "$T/out.tsv")" = "$(printf 'a\tb\tlabel\n1\t2.5\tcat\n3\t4\tdog')" ]
	run --separate-stderr nn-export --format tsv --no-header "$T/s.nns"
	[ "$output" = "$(printf '1\t2.5\t0\n3\t4\t1')" ]
	no_temporaries "$T"
}

@test "nn-export: names without a csv header: x_I and x_I_J" {
	printf '1,2,0\n3,4,1\n' | import "$T/s.nns" --no-header --label 2
	run --separate-stderr nn-export "$T/s.nns"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "x_0,x_1,y" ]
	python3 -c '
import struct
h = "{'"'"'descr'"'"': '"'"'|u1'"'"', '"'"'fortran_order'"'"': False, '"'"'shape'"'"': (2, 2, 3), }"
h += " " * (63 - (10 + len(h)) % 64) + "\n"
open("'"$T"'/img.npy", "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + bytes(range(12)))'
	nn-import --format npy "$T/img.npy" -o "$T/img.nns"
	run --separate-stderr nn-export "$T/img.nns"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "x_0_0,x_0_1,x_0_2,x_1_0,x_1_1,x_1_2" ]
	[ "${lines[2]}" = "6,7,8,9,10,11" ]
}

@test "nn-export: names are quoted when a reader would split or trim them" {
	printf 'a,label\n1,"big, ""bad"" cat"\n2,dog\n3," pad "\n' | import "$T/s.nns" --label label
	run --separate-stderr nn-export --class-names "$T/s.nns"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = '1,"big, ""bad"" cat"' ]
	[ "${lines[3]}" = '3," pad "' ]
	nn-export --class-names "$T/s.nns" | nn-import --label label -o "$T/again.nns"
	[ "$(nn-export --class-names "$T/again.nns")" = "$(nn-export --class-names "$T/s.nns")" ]
	printf '"t\tab",b\n1,2\n' | import "$T/t.nns"
	run --separate-stderr nn-export "$T/t.nns"
	[ "${lines[0]}" = "$(printf 't\tab,b')" ]
	run --separate-stderr nn-export --format tsv "$T/t.nns"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf '"t\tab"\tb')" ]
	nn-export --format tsv "$T/t.nns" | nn-import --format tsv -o "$T/t2.nns"
	[ "$(nn-export "$T/t2.nns")" = "$(nn-export "$T/t.nns")" ]
}

@test "nn-export: libsvm writes the label and the non-zero features from 1" {
	printf 'f1,f2,f3,label\n0,1.5,0,1\n2,0,0,0\n0,0,0,1\n' | import "$T/s.nns" --label label
	run --separate-stderr nn-export --format libsvm "$T/s.nns"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '1 2:1.5\n0 1:2\n1')" ]
	nn-export -o "$T/out.svm" "$T/s.nns"
	[ "$(head -n 1 "$T/out.svm")" = "1 2:1.5" ]
}

@test "nn-export: libsvm needs its fields and refuses NaN" {
	printf 'a,b\n1,2\n' | import "$T/s.nns"
	run --separate-stderr nn-export --format libsvm "$T/s.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no field 'y'"* ]]
	run --separate-stderr nn-export --format libsvm --x nope --y x "$T/s.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no field 'nope'"* ]]
	printf 'a,label\n1,0\nNA,1\n' | import "$T/n.nns" --label label
	run --separate-stderr nn-export --format libsvm -o "$T/n.svm" "$T/n.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"row 2: feature 1 is NaN"* ]]
	[ ! -e "$T/n.svm" ]
}

@test "nn-export: npy with -o, through a pipe and appended to a file" {
	printf 'a,b,label\n1,2.5,cat\n3,NA,dog\n-0.125,1e-05,cat\n' | import "$T/s.nns" --label label
	nn-export -o "$T/x.npy" "$T/s.nns"
	run npy_read "$T/x.npy"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "<f4 3,2" ]
	[ "${lines[1]}" = "1.0" ]
	[ "${lines[2]}" = "2.5" ]
	[ "${lines[4]}" = "nan" ]
	[ "${lines[5]}" = "-0.125" ]
	nn-export --format npy "$T/s.nns" | cat >"$T/p.npy"
	cmp "$T/x.npy" "$T/p.npy"
	printf 'head' >"$T/a.npy"
	nn-export --format npy "$T/s.nns" >>"$T/a.npy"
	[ "$(head -c 4 "$T/a.npy")" = head ]
	tail -c +5 "$T/a.npy" | cmp - "$T/x.npy"
	nn-export --format npy --field y "$T/s.nns" >"$T/y.npy"
	run npy_read "$T/y.npy"
	[ "$output" = "$(printf '<i4 3\n0\n1\n0')" ]
	run --separate-stderr nn-export --format npy --field z "$T/s.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no field 'z'"* ]]
}

@test "nn-export: npy keeps a u8 image field's dtype and shape" {
	python3 -c '
import struct
h = "{'"'"'descr'"'"': '"'"'|u1'"'"', '"'"'fortran_order'"'"': False, '"'"'shape'"'"': (2, 2, 3), }"
h += " " * (63 - (10 + len(h)) % 64) + "\n"
open("'"$T"'/img.npy", "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + bytes(range(12)))'
	nn-import --format npy "$T/img.npy" -o "$T/img.nns"
	nn-export -o "$T/out.npy" "$T/img.nns"
	run npy_read "$T/out.npy"
	[ "${lines[0]}" = "|u1 2,2,3" ]
	[ "${#lines[@]}" -eq 13 ]
	[ "${lines[12]}" = "11" ]
}

@test "nn-export: a cut stream fails and leaves no output file" {
	printf 'a,b,label\n1,2.5,cat\n3,4,dog\n' | import "$T/s.nns" --label label
	head -c -5 "$T/s.nns" >"$T/cut.nns"
	for f in csv npy libsvm; do
		run --separate-stderr nn-export --format $f -o "$T/out" "$T/cut.nns"
		[ "$status" -eq 1 ]
		[[ "$stderr" == "nn-export: '$T/cut.nns': "* ]]
		[ ! -e "$T/out" ]
	done
	no_temporaries "$T"
	head -c 300 /dev/urandom >"$T/random"
	run --separate-stderr nn-export "$T/random"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"not an nn stream"* ]]
}

@test "nn-export: a failed write exits 1" {
	printf 'a,b,label\n1,2.5,cat\n3,4,dog\n' | import "$T/s.nns" --label label
	for f in csv npy; do
		run --separate-stderr nn-export --format $f -o /dev/full "$T/s.nns"
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"/dev/full"* ]]
	done
	run --separate-stderr sh -c 'nn-export "$1" >/dev/full' sh "$T/s.nns"
	[ "$status" -eq 1 ]
}

@test "nn-export: --threads N gives the same bytes for any N" {
	# 20,000 rows of 4 floats and a class: 400 kB, two batches
	seq 1 20000 | awk 'BEGIN { print "a,b,c,d,y" } { print $1, $1 / 7, -$1 / 3e6, $1 % 2 ? "nan" : 1e30 / $1, $1 % 3 ? "cat" : "dog" }' OFS=, |
		import "$T/f.nns" --label y
	nn-export --threads 1 "$T/f.nns" >"$T/one.csv"
	[ "$(wc -l <"$T/one.csv")" -eq 20001 ]
	[ "$(sed -n 7p "$T/one.csv")" = "6,0.857143,-2e-06,1.66667e+29,1" ]
	nn-export --threads 1 --format tsv --class-names "$T/f.nns" >"$T/one.tsv"
	for n in 2 3 7; do
		nn-export --threads $n "$T/f.nns" | cmp - "$T/one.csv"
		nn-export --threads $n --format tsv --class-names "$T/f.nns" | cmp - "$T/one.tsv"
	done
	run --separate-stderr nn-export --threads 0 "$T/f.nns"
	[ "$status" -eq 2 ]
}

@test "nn-export: a class id with no name is an error at its row, with any number of threads" {
	python3 "$DATA/bad/make-bad.py" --unnamed "$T/s.nns"
	run --separate-stderr nn-export "$T/s.nns"
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "1,0.5,1" ]
	for n in 1 2 3; do
		run --separate-stderr nn-export --threads $n --class-names -o "$T/out.csv" "$T/s.nns"
		[ "$status" -eq 1 ]
		[ "$stderr" = "nn-export: '$T/s.nns': row 2: field 'y' holds class 1, which has no name" ]
		[ ! -e "$T/out.csv" ]
	done
	no_temporaries
}
