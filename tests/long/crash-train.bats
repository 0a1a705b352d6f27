#!/usr/bin/env bats
# Crash-safe training: nn-train killed with SIGKILL at seeded random
# moments (after its first checkpoint) of a run that writes one every epoch — 6 times here, 25
# in make check-long (NN_LONG=1).  Whatever checkpoint is left must load
# and verify, and --resume from it must end byte-identical to the run that
# was never interrupted.  The first test kills often, anywhere, including
# while a checkpoint is being written; the second kills a longer
# Fashion-MNIST run at fixed moments.

load helper

OPTS="--layers 32 --epochs 400 --batch-size 8 --seed 3 --threads 1 --val-size 0.2"

@test "crash-train: kill -9 at random moments; every checkpoint verifies and resumes to the same model" {
	nn-import --label species -o "$T/iris.nns" "$ROOT/data/iris.csv"
	start=$(date +%s%N)
	nn-train $OPTS -q -o "$T/full.nnm" "$T/iris.nns"
	run_ms=$(( ($(date +%s%N) - start) / 1000000 ))
	kills=$([ "${NN_LONG:-0}" = 1 ] && echo 25 || echo 6)
	RANDOM=7
	resumed=0 whole=0 none=0
	for ((k = 0; k < kills; k++)); do
		rm -f "$T/ck.nnm" "$T/x.nnm" "$T/resumed.nnm"
		delay_ms=$(( RANDOM % (run_ms + 1) ))
		nn-train $OPTS -q --checkpoint "$T/ck.nnm" -o "$T/x.nnm" "$T/iris.nns" &
		pid=$!
		# the delay counts from the first checkpoint: on a slow machine
		# (ASan, other jobs) start-up alone could otherwise outlast it
		for ((w = 0; w < 3000; w++)); do
			[ -e "$T/ck.nnm" ] || ! kill -0 "$pid" 2>/dev/null && break
			sleep 0.01
		done
		sleep "$(printf '0.%03d' $((delay_ms % 1000)))"
		sleep $((delay_ms / 1000))
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" || true
		if [ -e "$T/x.nnm" ]; then
			# it finished before the kill: then the model is whole
			cmp "$T/full.nnm" "$T/x.nnm" || fail "kill $k at ${delay_ms} ms: a finished model differs"
			whole=$((whole + 1))
		fi
		if [ ! -e "$T/ck.nnm" ]; then
			none=$((none + 1))
			continue
		fi
		nn-info --verify -q "$T/ck.nnm" || fail "kill $k at ${delay_ms} ms: the checkpoint does not verify"
		nn-train $OPTS -q --resume "$T/ck.nnm" -o "$T/resumed.nnm" "$T/iris.nns" ||
			fail "kill $k at ${delay_ms} ms: --resume failed"
		cmp "$T/full.nnm" "$T/resumed.nnm" || fail "kill $k at ${delay_ms} ms: resumed model differs"
		resumed=$((resumed + 1))
	done
	echo "# $kills kills over a ${run_ms} ms run: $resumed resumed, $whole finished, $none before any checkpoint" >&3
	[ "$resumed" -ge $((kills / 2)) ]
}

# The Fashion-MNIST test images, for a run long enough to kill at fixed
# moments after its first epoch.
fashion_small() {
	nn-import "$FASHION/t10k-images-idx3-ubyte.gz" --labels "$FASHION/t10k-labels-idx1-ubyte.gz" \
		--classes fashion-mnist -o "$T/fm.nns"
}

@test "nn-train: kill -9 at random moments: every checkpoint left loads and resumes to the same model" {
	fashion_small
	opts="--layers 128 --epochs 20 --batch-size 64 --seed 2 --threads 1"
	nn-train $opts -q -o "$T/full.nnm" "$T/fm.nns"
	resumed=0
	delays=$(sampled 5 0.05 0.13 0.21 0.34 0.55)    # 1 kill alone, 5 in make check-long
	for delay in $delays; do
		rm -f "$T/ck.nnm" "$T/log"
		nn-train $opts -q --checkpoint "$T/ck.nnm" --log "$T/log" -o "$T/x.nnm" "$T/fm.nns" &
		pid=$!
		while [ "$(cat "$T/log" 2>/dev/null | wc -l)" -lt 2 ]; do sleep 0.02; done
		sleep "$delay"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" || true
		if [ -e "$T/x.nnm" ]; then
			# a fast machine finished before the kill: then it is whole
			cmp "$T/full.nnm" "$T/x.nnm"
			rm "$T/x.nnm"
			continue
		fi
		# the checkpoint of epoch 1 at least was written before the kill
		nn-info --verify -q "$T/ck.nnm"
		nn-train $opts -q --resume "$T/ck.nnm" -o "$T/resumed.nnm" "$T/fm.nns"
		cmp "$T/full.nnm" "$T/resumed.nnm"
		resumed=$((resumed + 1))
	done
	[ "$resumed" -ge $(($(echo $delays | wc -w) - 2)) ]
}
