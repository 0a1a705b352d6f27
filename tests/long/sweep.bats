#!/usr/bin/env bats
# Truncation and corruption sweeps (tests/sweep.sh): every reading program
# against streams, models and parameters files cut at byte offsets, cut at
# every frame boundary, and with single bits flipped.  Each run must exit 1
# naming the input and leave no output file, or give byte-identical output
# to the intact run.  make check-long (NN_LONG=1) runs every byte offset
# and over 1,000 flips per file kind; run alone, this file runs a sample.

load helper

LONG=${NN_LONG:-0}
SWEEP="$ROOT/tests/sweep.sh"

# sweep ARGS...: run the sweep, show its report, fail on any bad run
sweep() {
	run bash "$SWEEP" "$@"
	echo "$output" | tail -n 20
	[ "$status" -eq 0 ]
}

model_and_params() {
	nn-train -q --layers 4 --epochs 1 --threads 1 --seed 1 -o "$T/m.nnm" "$DATA/bad/good.nns"
	nn-normalize -q --save "$T/p.nnp" -o /dev/null "$DATA/bad/good.nns"
}

@test "sweep: a small stream cut at byte offsets, every reading program" {
	sweep data cuts "$DATA/bad/good.nns" $([ "$LONG" = 1 ] && echo 1 || echo 8)
}

@test "sweep: a 24-batch stream (200 in check-long) cut at every frame boundary, every reading program" {
	python3 "$DATA/bad/make-bad.py" --stream $([ "$LONG" = 1 ] && echo 200 || echo 24) "$T/big.nns"
	sweep data frames "$T/big.nns"
}

@test "sweep: single-bit flips in a stream (50; 1000 in check-long), every reading program" {
	sweep data flips "$DATA/bad/good.nns" $([ "$LONG" = 1 ] && echo 1000 || echo 50) 1
}

@test "sweep: a model cut at byte offsets and with bits flipped (nn-eval -m, nn-predict -m)" {
	model_and_params
	sweep model cuts "$T/m.nnm" $([ "$LONG" = 1 ] && echo 1 || echo 10)
	sweep model flips "$T/m.nnm" $([ "$LONG" = 1 ] && echo 1000 || echo 50) 2
}

@test "sweep: a parameters file cut at byte offsets and with bits flipped (nn-normalize --load)" {
	model_and_params
	sweep params cuts "$T/p.nnp" $([ "$LONG" = 1 ] && echo 1 || echo 10)
	sweep params flips "$T/p.nnp" $([ "$LONG" = 1 ] && echo 1000 || echo 50) 3
}
