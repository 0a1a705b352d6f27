#!/usr/bin/env bats
# nn-predict --soft-labels and --temperature: the teacher's side of
# distillation (pipelines/distill runs the whole of it in check-long).

load helper

setup_file() {
	local d="$BATS_FILE_TMPDIR"
	nn-import --label species "$ROOT/data/iris.csv" -o "$d/iris.nns" 2>/dev/null
	nn-normalize -q --save "$d/z.nns" -o "$d/train.nns" "$d/iris.nns"
	nn-train -q --layers 8 --epochs 40 --seed 3 -o "$d/teacher.nnm" "$d/train.nns"
}

setup() {
	T="$BATS_TEST_TMPDIR"
	D="$BATS_FILE_TMPDIR"
}

@test "nn-predict --soft-labels: the probabilities as the label field, features kept, a stream nn-train learns from" {
	nn-predict -q -m "$D/teacher.nnm" --soft-labels --keep x -o "$T/soft.nns" "$D/train.nns"
	run nn-info "$T/soft.nns"
	[[ "$output" == *$'field\ty\tf32\t[3]\t3 classes'* ]] || fail "$output"
	[[ "$output" == *$'field\tx\tf32\t[4]'* ]]
	[[ "$output" != *$'field\tpred'* ]]
	# the same numbers as --proba
	nn-predict -q -m "$D/teacher.nnm" --proba -o "$T/p.nns" "$D/train.nns"
	nn-export --format csv "$T/soft.nns" | cut -d, -f1-3 | tail -n +2 > "$T/a"
	nn-export --format csv "$T/p.nns" | cut -d, -f2-4 | tail -n +2 > "$T/b"
	cmp "$T/a" "$T/b"
	# a student trained on them records the teacher's input preparation
	nn-train -q --layers 4 --epochs 20 --seed 3 -o "$T/student.nnm" "$T/soft.nns"
	run --separate-stderr nn-predict -m "$T/student.nnm" -o "$T/s.nns" "$D/iris.nns"
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$stderr" != *"records no preparation"* ]] || fail "the student lost the chain: $stderr"
}

@test "nn-predict --temperature: softmax(logits / T), the same argmax" {
	nn-predict -q -m "$D/teacher.nnm" --proba -o "$T/p1.nns" "$D/train.nns"
	nn-predict -q -m "$D/teacher.nnm" --proba --temperature 3 -o "$T/p3.nns" "$D/train.nns"
	nn-export --format csv "$T/p1.nns" | tail -n +2 > "$T/a"
	nn-export --format csv "$T/p3.nns" | tail -n +2 > "$T/b"
	/usr/bin/python3 - "$T/a" "$T/b" <<'PY'
import math, sys
a = [list(map(float, l.split(","))) for l in open(sys.argv[1])]
b = [list(map(float, l.split(","))) for l in open(sys.argv[2])]
assert len(a) == len(b) == 150
for ra, rb in zip(a, b):
    assert ra[0] == rb[0]                       # pred unchanged
    p = [max(v, 1e-45) for v in ra[1:4]]
    w = [v ** (1 / 3) for v in p]
    s = sum(w)
    for x, y in zip(w, rb[1:4]):
        assert abs(x / s - y) < 2e-6, (ra, rb)
    assert max(rb[1:4]) <= max(ra[1:4]) + 1e-7  # softer, never sharper
PY
}

@test "nn-predict --soft-labels and --temperature: misuse is a usage error" {
	run --separate-stderr nn-predict -m "$D/teacher.nnm" --temperature 2 -o "$T/o.nns" "$D/train.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--temperature changes probabilities: give --proba or --soft-labels"* ]]
	run --separate-stderr nn-predict -m "$D/teacher.nnm" --soft-labels --proba -o "$T/o.nns" "$D/train.nns"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-predict -m "$D/teacher.nnm" --soft-labels --keep y -o "$T/o.nns" "$D/train.nns"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-predict -m "$D/teacher.nnm" --proba --temperature 0 -o "$T/o.nns" "$D/train.nns"
	[ "$status" -eq 2 ]
	[ ! -e "$T/o.nns" ]
}
