#!/usr/bin/env bats
# nn-normalize: every method against hand-computed values, --save/--load/
# --inverse, --dtype, integer input, bad inputs, determinism.

load helper

# x = [a, b, c] (f32), y = class ids.  a = 1 2 3 4: mean 2.5, std
# sqrt(1.25), min 1, max 4, quartiles 1.75 2.5 3.25.  b is constant 10.
# c = 5 NaN 7 9: mean 7, std sqrt(8/3), quartiles 6 7 8, NaN left out.
small() {
	printf 'a,b,c,label\n1,10,5,0\n2,10,NA,1\n3,10,7,0\n4,10,9,1\n' |
		nn-import --label label -o "$T/s.nns"
}

csv() { nn-export --format csv --no-header "$@"; }

@test "nn-normalize: zscore (the default): (x - mean) / population std; constant column 0" {
	small
	run --separate-stderr sh -c 'nn-normalize "$1" | nn-export --no-header' sh "$T/s.nns"
	[ "$status" -eq 0 ]
	# -1.5/sqrt(1.25), -0.5/sqrt(1.25); -2/sqrt(8/3)
	[ "$output" = "$(printf '%s\n' -1.3416408,0,-1.2247449,0 -0.4472136,0,nan,1 \
		0.4472136,0,0,0 1.3416408,0,1.2247449,1)" ]
	[ "$stderr" = "nn-normalize: 1 NaN or infinite values passed through" ]
}

@test "nn-normalize: minmax to [0,1] and to --range -1,1; a constant column maps to LO" {
	small
	run --separate-stderr sh -c 'nn-normalize -m minmax -q "$1" | nn-export --no-header' sh "$T/s.nns"
	[ "$output" = "$(printf '%s\n' 0,0,0,0 0.33333334,0,nan,1 0.6666667,0,0.5,0 1,0,1,1)" ]
	[ -z "$stderr" ]
	run --separate-stderr sh -c 'nn-normalize --method minmax --range -1,1 -q "$1" | nn-export --no-header' sh "$T/s.nns"
	[ "$output" = "$(printf '%s\n' -1,-1,-1,0 -0.33333334,-1,nan,1 0.33333334,-1,0,0 1,-1,1,1)" ]
}

@test "nn-normalize: robust: (x - median) / IQR, numpy's linear quartiles; IQR 0 gives scale 1" {
	small
	run --separate-stderr sh -c 'nn-normalize -m robust -q "$1" | nn-export --no-header' sh "$T/s.nns"
	# a: (x - 2.5) / 1.5; b: x - 10; c: (x - 7) / 2
	[ "$output" = "$(printf '%s\n' -1,0,-1,0 -0.33333334,0,nan,1 0.33333334,0,0,0 1,0,1,1)" ]
}

@test "nn-normalize: maxabs: x / max|x|" {
	small
	run --separate-stderr sh -c 'nn-normalize -m maxabs -q "$1" | nn-export --no-header' sh "$T/s.nns"
	[ "$output" = "$(printf '%s\n' 0.25,1,0.5555556,0 0.5,1,nan,1 0.75,1,0.7777778,0 1,1,1,1)" ]
	printf 'a,b\n-8,0\n2,0\n' | nn-import -o "$T/n.nns"
	run --separate-stderr sh -c 'nn-normalize -m maxabs -q "$1" | nn-export --no-header' sh "$T/n.nns"
	[ "$output" = "$(printf '%s\n' -1,0 0.25,0)" ]
}

@test "nn-normalize: l2: each row over its Euclidean norm; a zero row stays zero" {
	printf 'a,b,c\n3,0,4\n0,0,0\n1,NA,0\n' | nn-import -o "$T/l.nns"
	run --separate-stderr sh -c 'nn-normalize -m l2 "$1" | nn-export --no-header' sh "$T/l.nns"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' 0.6,0,0.8 0,0,0 1,nan,0)" ]
	[ "$stderr" = "nn-normalize: 1 NaN or infinite values passed through" ]
}

@test "nn-normalize: --save writes a params stream that nn-info shows" {
	small
	nn-normalize -q --save "$T/p.nns" -o "$T/z.nns" "$T/s.nns"
	run --separate-stderr nn-info "$T/p.nns"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\nkind\tparams\n'* ]]
	[[ "$output" == *$'\nmeta\t{"program": "nn-normalize", "method": "zscore", "field": "x", "dtype": "f32", "shape": [3], "rows": 4, "names": ["a", "b", "c"]}\n'* ]]
	[[ "$output" == *$'\nrows\t1\n'* ]]
	[[ "$output" == *$'\nfield\toffset\tf64\t[3]\nfield\tscale\tf64\t[3]\n'* ]]
	# sqrt(1.25) and sqrt(8/3) in double
	[ "$(csv "$T/p.nns")" = "2.5,10,7,1.118033988749895,1,1.632993161855452" ]
	nn-normalize -q -m minmax --range 2,4 --save "$T/m.nns" "$T/s.nns" >/dev/null
	[[ "$(nn-info "$T/m.nns")" == *'"range": [2, 4], "names": ["a", "b", "c"]}'* ]]
	[ "$(csv "$T/m.nns")" = "1,10,5,1.5,0.5,2" ]
	nn-normalize -q -m robust --save "$T/r.nns" "$T/s.nns" >/dev/null
	[ "$(csv "$T/r.nns")" = "2.5,10,7,1.5,1,2" ]
	nn-normalize -q -m maxabs --save "$T/a.nns" "$T/s.nns" >/dev/null
	[ "$(csv "$T/a.nns")" = "0,0,0,4,10,9" ]
}

@test "nn-normalize: --load applies the training set's numbers to another set" {
	small
	nn-normalize -q --save "$T/p.nns" -o "$T/z.nns" "$T/s.nns"
	printf 'a,b,c,label\n5,10,7,0\n2.5,11,NA,1\n' | nn-import --label label -o "$T/t.nns"
	run --separate-stderr sh -c 'nn-normalize --load "$1" "$2" | nn-export --no-header' sh "$T/p.nns" "$T/t.nns"
	[ "$status" -eq 0 ]
	# (5 - 2.5) / sqrt(1.25) = sqrt(5); b: (11 - 10) / 1
	[ "$output" = "$(printf '%s\n' 2.236068,0,0,0 0,1,nan,1)" ]
	# the same transform as fitting
	[ "$(nn-normalize -q --load "$T/p.nns" "$T/s.nns" | csv)" = "$(csv "$T/z.nns")" ]
	# minmax with its range
	nn-normalize -q -m minmax --range -1,1 --save "$T/m.nns" "$T/s.nns" >/dev/null
	# (x - min) / ((max - min) / 2) - 1; b is constant: (x - 10) * 2 - 1
	[ "$(nn-normalize -q --load "$T/m.nns" "$T/t.nns" | csv)" = "$(printf '%s\n' 1.6666666,-1,0,0 0,1,nan,1)" ]
}

@test "nn-normalize: --inverse undoes a saved transform" {
	small
	nn-normalize -q --save "$T/p.nns" -o "$T/z.nns" "$T/s.nns"
	printf 'a,b,c\n0,0,0\n1,1,1\n' | nn-import -o "$T/u.nns"
	# 0 -> mean, 1 -> mean + std
	[ "$(nn-normalize -q --load "$T/p.nns" --inverse --dtype f64 "$T/u.nns" | csv)" = \
	  "$(printf '%s\n' 2.5,10,7 3.618033988749895,11,8.632993161855453)" ]
	nn-normalize -q -m minmax --range -1,1 --save "$T/m.nns" "$T/s.nns" >/dev/null
	[ "$(nn-normalize -q --load "$T/m.nns" --inverse "$T/u.nns" | csv)" = "$(printf '%s\n' 2.5,10.5,7 4,11,9)" ]
	# a round trip in f64
	nn-normalize -q --load "$T/p.nns" --dtype f64 "$T/s.nns" | nn-normalize -q --load "$T/p.nns" --inverse >"$T/back.nns"
	[ "$(csv "$T/back.nns")" = "$(csv "$T/s.nns")" ]
	nn-normalize -q -m l2 --save "$T/l.nns" "$T/s.nns" >/dev/null
	run --separate-stderr nn-normalize --load "$T/l.nns" --inverse "$T/u.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"cannot be undone"* ]]
}

@test "nn-normalize: integer input comes out as f32, or f64 with --dtype; other fields pass through" {
	python3 "$DATA/import/mkbin.py" idx "$T/img.idx" u8 3,2,2
	python3 "$DATA/import/mkbin.py" idx "$T/lab.idx" u8 3 --values 2,0,1
	nn-import "$T/img.idx" --labels "$T/lab.idx" -o "$T/u8.nns"
	nn-normalize -q -o "$T/f.nns" "$T/u8.nns"
	[[ "$(nn-info "$T/f.nns")" == *$'\nfield\tx\tf32\t[2,2]\nfield\ty\ti32\t[]\n'* ]]
	# each element is c, c + 4, c + 8: (x - mean) / sqrt(32/3)
	[ "$(csv "$T/f.nns")" = "$(printf '%s\n' -1.2247449,-1.2247449,-1.2247449,-1.2247449,2 \
		0,0,0,0,0 1.2247449,1.2247449,1.2247449,1.2247449,1)" ]
	nn-normalize -q --dtype f64 -o "$T/d.nns" "$T/u8.nns"
	[[ "$(nn-info "$T/d.nns")" == *$'\nfield\tx\tf64\t[2,2]\n'* ]]
	[ "$(csv "$T/d.nns" | head -n 1)" = "-1.224744871391589,-1.224744871391589,-1.224744871391589,-1.224744871391589,2" ]
	# u8 robust takes one pass of radix selection
	[ "$(nn-normalize -q -m robust "$T/u8.nns" | csv | head -n 1)" = "-1,-1,-1,-1,2" ]
}

@test "nn-normalize: --x picks the feature field; NaN labels pass through" {
	printf 'a,b,t\n1,2,NA\n3,6,0.5\n' | nn-import --label t --x feat --y target -o "$T/n.nns"
	run --separate-stderr sh -c 'nn-normalize -q --x feat "$1" | nn-export --no-header' sh "$T/n.nns"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' -1,-1,nan 1,1,0.5)" ]
	run --separate-stderr nn-normalize "$T/n.nns"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-normalize: '$T/n.nns': no field 'x' (choose one with --x)" ]
}

@test "nn-normalize: usage errors exit 2" {
	small
	for args in "-m bogus" "--dtype i32" "--dtype u8" "--range 1,0 -m minmax" "--range 0,1" \
	            "--range x,1 -m minmax" "--inverse" "--load $T/s.nns --save $T/p.nns" \
	            "--load $T/s.nns -m zscore"; do
		run --separate-stderr nn-normalize $args "$T/s.nns"
		[ "$status" -eq 2 ] || fail "$args: status $status"
		[ -z "$output" ]
		[[ "$stderr" == "nn-normalize: "* ]]
	done
}

@test "nn-normalize: bad inputs exit 1 naming the file, and leave no output" {
	small
	for f in empty cut-mid-frame cut-at-frame bit-flip trailer-count; do
		run --separate-stderr nn-normalize -o "$T/out.nns" "$DATA/bad/$f.nns"
		[ "$status" -eq 1 ] || fail "$f: status $status"
		[[ "$stderr" == "nn-normalize: '$DATA/bad/$f.nns': "* ]] || fail "$f: $stderr"
		[ ! -e "$T/out.nns" ]
		no_temporaries "$T"
	done
	# a cut stream through a pipe: the fit reads it whole before writing
	run --separate-stderr sh -c 'cat "$1" | nn-normalize -m robust -o "$2"' sh \
		"$DATA/bad/cut-mid-frame.nns" "$T/out.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-normalize: '(stdin)': truncated"* ]]
	[ ! -e "$T/out.nns" ]
	# a stream without rows cannot be fitted
	printf 'a,b\n' | nn-import -o "$T/zero.nns"
	run --separate-stderr nn-normalize "$T/zero.nns"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-normalize: '$T/zero.nns': no rows to fit on" ]
	# but loaded parameters apply to it
	nn-normalize -q --save "$T/p2.nns" "$DATA/bad/good.nns" >/dev/null
	printf 'a,b\n' | nn-import -o "$T/zero.nns"
	[ "$(nn-normalize --load "$T/p2.nns" "$T/zero.nns" | nn-info --verify)" = "OK rows=0 members=1" ]
}

@test "nn-normalize: --load refuses a file of another kind, program or feature shape" {
	small
	run --separate-stderr nn-normalize --load "$T/s.nns" "$T/s.nns"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-normalize: '$T/s.nns': a stream of kind 'data', not fitted parameters" ]
	nn-clean -q --save "$T/c.nns" "$T/s.nns" >/dev/null
	run --separate-stderr nn-normalize --load "$T/c.nns" "$T/s.nns"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-normalize: '$T/c.nns': parameters of nn-clean, not of nn-normalize" ]
	nn-normalize -q --save "$T/p.nns" "$T/s.nns" >/dev/null
	printf 'a,b\n1,2\n' | nn-import -o "$T/two.nns"
	run --separate-stderr nn-normalize --load "$T/p.nns" -o "$T/out.nns" "$T/two.nns"
	[ "$status" -eq 1 ]
	# columns by name: the one missing is named
	[ "$stderr" = "nn-normalize: '$T/two.nns': the columns of field 'x' are not those the parameters in '$T/p.nns' were fitted on: 1 column(s) missing: 'c'" ]
	[ ! -e "$T/out.nns" ]
	# without names, by position: the shapes must agree
	printf '1,2\n' | nn-import --no-header -o "$T/two.nns"
	run --separate-stderr nn-normalize --load "$T/p.nns" -o "$T/out.nns" "$T/two.nns"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-normalize: '$T/two.nns': field 'x' has shape [2]; the parameters in '$T/p.nns' were fitted on shape [3]" ]
	[ ! -e "$T/out.nns" ]
	run --separate-stderr nn-normalize --load "$T/missing.nns" "$T/s.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-normalize: '$T/missing.nns': No such file"* ]]
}

@test "nn-normalize: the same input and options give the same bytes, from a file or a pipe" {
	small
	for m in zscore minmax robust maxabs l2; do
		nn-normalize -q -m "$m" --save "$T/p" -o "$T/a.nns" "$T/s.nns"
		mv "$T/p" "$T/p1"
		nn-normalize -q -m "$m" --save "$T/p" -o "$T/b.nns" "$T/s.nns"
		cmp "$T/a.nns" "$T/b.nns"
		cmp "$T/p" "$T/p1"
		nn-normalize -q -m "$m" - < "$T/s.nns" > "$T/c.nns"
		[ "$(csv "$T/a.nns")" = "$(csv "$T/c.nns")" ]
	done
}

@test "nn-normalize: fitted means and stds match numpy's float64 to 1e-9 on Fashion-MNIST" {
	[ -d "$FASHION" ] || skip "$FASHION is not installed"
	/usr/bin/python3 -c 'import numpy' 2>/dev/null || skip "numpy is not installed"
	# make check fits the 10,000 test images, make check-long the 60,000
	local images="$FASHION/t10k-images-idx3-ubyte.gz"
	[ "${NN_LONG:-0}" = 1 ] && images="$FASHION/train-images-idx3-ubyte.gz"
	nn-import --format idx -o "$T/f.nns" "$images"
	nn-normalize -q --save "$T/p.nns" "$T/f.nns" >/dev/null
	nn-normalize -q -m robust --save "$T/r.nns" "$T/f.nns" >/dev/null
	nn-export --format npy --field offset -o "$T/mean.npy" "$T/p.nns"
	nn-export --format npy --field scale -o "$T/std.npy" "$T/p.nns"
	nn-export --format npy --field offset -o "$T/med.npy" "$T/r.nns"
	nn-export --format npy --field scale -o "$T/iqr.npy" "$T/r.nns"
	/usr/bin/python3 - "$images" "$T" <<'EOF'
import gzip, sys
import numpy as np
X = np.frombuffer(gzip.open(sys.argv[1]).read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float64)
t = sys.argv[2]
m, s = np.load(t + "/mean.npy").ravel(), np.load(t + "/std.npy").ravel()
em, es = X.mean(axis=0), X.std(axis=0)
es[es == 0] = 1
assert np.all(np.abs(m - em) <= 1e-9 * np.abs(em)), np.max(np.abs(m - em) / np.abs(em))
assert np.all(np.abs(s - es) <= 1e-9 * es), np.max(np.abs(s - es) / es)
q = np.percentile(X, [25, 50, 75], axis=0)
iqr = q[2] - q[0]
iqr[iqr < 10 * np.finfo(float).eps] = 1
assert np.array_equal(np.load(t + "/med.npy").ravel(), q[1])
assert np.array_equal(np.load(t + "/iqr.npy").ravel(), iqr)
EOF
}

@test "nn-normalize: --threads N gives the same data for any N" {
	# 20,000 rows of 4 floats: 320 kB, two batches
	seq 1 20000 | awk 'BEGIN { print "a,b,c,d" } { print $1, $1 % 7, -$1 / 3, $1 % 2 }' OFS=, | nn-import -o "$T/in.nns"
	for m in zscore robust; do
		nn-normalize -q --method $m "$T/in.nns" | nn-export >"$T/one.csv"
		[ "$(wc -l <"$T/one.csv")" -eq 20001 ]
		for n in 2 3; do
			nn-normalize -q --method $m --threads $n "$T/in.nns" | nn-export | cmp - "$T/one.csv"
		done
	done
	run --separate-stderr nn-normalize --threads 0 "$T/in.nns"
	[ "$status" -eq 2 ]
}
