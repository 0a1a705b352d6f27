#!/usr/bin/env bats
# nn-quantize: int8 weights and pruning on a small trained model.  The
# arithmetic (codes, scales, the scale/2 bound, exact prune counts and
# ties) is checked against hand-computed values in tests/unit/test-quant.c;
# here: the files, the readers, the options and the refusals.

load helper

setup_file() {
	local d="$BATS_FILE_TMPDIR"
	nn-import --label species "$ROOT/data/iris.csv" -o "$d/iris.nns"
	nn-split -q --test-size 0.3 --stratify --seed 1 --train "$d/train.nns" --test "$d/test.nns" "$d/iris.nns"
	nn-normalize -q --save "$d/scale.nns" -o "$d/train-n.nns" "$d/train.nns"
	nn-normalize -q --load "$d/scale.nns" -o "$d/test-n.nns" "$d/test.nns"
	nn-train -q --layers 16 --epochs 60 --seed 1 -o "$d/model.nnm" "$d/train-n.nns"
}

setup() {
	T="$BATS_TEST_TMPDIR"
	D="$BATS_FILE_TMPDIR"
}

@test "nn-quantize: int8 weights with a scale per output, read by nn-info, nn-predict and nn-eval" {
	run --separate-stderr nn-quantize -o "$T/q.nnm" "$D/model.nnm"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"layer 0: 64 weights, 0 zero (0.0%), int8 error at most "* ]]
	run nn-info "$T/q.nnm"
	[[ "$output" == *$'field\tlayer0.weight\ti8\t[16,4]'* ]]
	[[ "$output" == *$'field\tlayer0.weight_scale\tf32\t[16]'* ]]
	[[ "$output" == *$'field\tlayer1.bias\tf32\t[3]'* ]]
	[[ "$output" == *'"quantization": {"weights": "int8", "scheme": "symmetric-per-output-channel"}'* ]]
	# the weights span -127..127 in every row that is not all zeros
	[[ "$output" == *$'stats\tlayer0.weight\tmin=-127\tmax=127'* ]]
	nn-predict -m "$T/q.nnm" -o "$T/p.nns" "$D/test-n.nns"
	nn-eval -m "$T/q.nnm" -o "$T/m.txt" "$D/test-n.nns"
	grep -q '^accuracy' "$T/m.txt"
}

@test "nn-quantize: the quantized model agrees with the original on the test rows, reported by --calibrate" {
	run --separate-stderr nn-quantize --calibrate "$D/test-n.nns" -o "$T/q.nnm" "$D/model.nnm"
	[ "$status" -eq 0 ]
	[[ "$stderr" =~ calibration\ on\ .*test-n.nns:\ 45\ rows,\ same\ class\ for\ (4[3-5]) ]] || fail "$stderr"
	nn-eval --json -m "$D/model.nnm" "$D/test-n.nns" > "$T/a.json"
	nn-eval --json -m "$T/q.nnm" "$D/test-n.nns" > "$T/b.json"
	/usr/bin/python3 - "$T/a.json" "$T/b.json" <<'PY'
import json, sys
a, b = (json.load(open(f))["accuracy"] for f in sys.argv[1:])
assert abs(a - b) <= 2 / 45 + 1e-12, (a, b)   # at most two of 45 rows change
PY
}

@test "nn-quantize: --prune per layer and global zero exactly floor(fraction x n) weights" {
	run --separate-stderr nn-quantize --prune 0.5 --f32 -o "$T/p.nnm" "$D/model.nnm"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"layer 0: 64 weights, 32 zero (50.0%)"* ]]
	[[ "$stderr" == *"layer 1: 48 weights, 24 zero (50.0%)"* ]]
	# the file says the same: count the zeros in the exported weights
	nn-export --format csv "$T/p.nnm" | tail -n 1 | tr , '\n' | head -n 64 > "$T/w0"
	[ "$(grep -c '^0$' "$T/w0")" -eq 32 ]
	run --separate-stderr nn-quantize --prune 0.3 --prune-scope global -o "$T/g.nnm" "$D/model.nnm"
	[ "$status" -eq 0 ]
	# 112 weights in all: floor(33.6) = 33 zeros, shared by magnitude
	[[ "$stderr" =~ layer\ 0:\ 64\ weights,\ ([0-9]+)\ zero ]]
	z0=${BASH_REMATCH[1]}
	[[ "$stderr" =~ layer\ 1:\ 48\ weights,\ ([0-9]+)\ zero ]]
	[ $((z0 + BASH_REMATCH[1])) -eq 33 ]
	nn-eval -m "$T/g.nnm" "$D/test-n.nns" > /dev/null
}

@test "nn-quantize: the same model and options give the same bytes" {
	nn-quantize -q --prune 0.2 -o "$T/a.nnm" "$D/model.nnm"
	nn-quantize -q --prune 0.2 -o "$T/b.nnm" "$D/model.nnm"
	cmp "$T/a.nnm" "$T/b.nnm"
	nn-quantize -q --prune 0.2 < "$D/model.nnm" > "$T/c.nnm"
	nn-info "$T/c.nnm" > /dev/null
}

@test "nn-quantize: a quantized model predicts by int8 products, the same bytes at any --threads" {
	nn-quantize -q -o "$T/q.nnm" "$D/model.nnm"
	nn-predict --proba --threads 1 -m "$T/q.nnm" "$D/test-n.nns" | nn-export > "$T/p1"
	nn-predict --proba --threads 2 -m "$T/q.nnm" "$D/test-n.nns" | nn-export > "$T/p2"
	cmp "$T/p1" "$T/p2"
	# the same dequantized weights as f32 (pruning a fraction too small
	# to zero any weight rewrites them as they loaded) predict in f32:
	# close to the int8 products, not the same bytes
	nn-quantize -q --prune 1e-9 --f32 -o "$T/d.nnm" "$T/q.nnm"
	nn-predict --proba -m "$T/d.nnm" "$D/test-n.nns" | nn-export > "$T/pd"
	! cmp -s "$T/p1" "$T/pd"
	/usr/bin/python3 - "$T/p1" "$T/pd" <<'PY'
import sys
a, b = ([[float(v) for v in l.split(",")[1:4]] for l in open(f).readlines()[1:]] for f in sys.argv[1:])
assert len(a) == len(b) == 45
assert max(abs(x - y) for r, s in zip(a, b) for x, y in zip(r, s)) < 0.05
PY
}

@test "nn-quantize: bad usage exits 2, bad input 1, and nothing is written" {
	run --separate-stderr nn-quantize --prune 1.5 -o "$T/o.nnm" "$D/model.nnm"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-quantize --f32 -o "$T/o.nnm" "$D/model.nnm"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--f32 with no --prune"* ]]
	run --separate-stderr nn-quantize --prune-scope all -o "$T/o.nnm" "$D/model.nnm"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-quantize -o "$T/o.nnm" "$D/test-n.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-quantize: '$D/test-n.nns': not a model"* ]]
	head -c 300 "$D/model.nnm" > "$T/cut.nnm"
	run --separate-stderr nn-quantize -o "$T/o.nnm" "$T/cut.nnm"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-quantize: '$T/cut.nnm': "* ]]
	[ ! -e "$T/o.nnm" ]
	no_temporaries "$T"
}

@test "nn-quantize: a quantized model cut anywhere sampled is refused by its readers" {
	nn-quantize -q -o "$T/q.nnm" "$D/model.nnm"
	size=$(stat -c %s "$T/q.nnm")
	cuts_refused "$T/q.nnm" $(sampled 37 $(seq 1 $((size - 1))))
	for cut in $(sampled 97 $(seq 1 $((size - 1)))); do
		head -c "$cut" "$T/q.nnm" > "$T/cut.nnm"
		run nn-predict -m "$T/cut.nnm" -o "$T/p.nns" "$D/test-n.nns"
		[ "$status" -eq 1 ] || fail "nn-predict took the model cut at $cut"
	done
}
