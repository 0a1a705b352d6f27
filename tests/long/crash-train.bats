#!/usr/bin/env bats
# Crash-safe training: nn-train killed with SIGKILL at seeded random
# moments (after its first checkpoint) of a run that writes one every epoch — 6 times here, 25
# in make check-long (NN_LONG=1).  Whatever checkpoint is left must load
# and verify, and --resume from it must end byte-identical to the run that
# was never interrupted.  (nn-train.bats kills a longer Fashion-MNIST run
# at fixed moments; this one kills often, anywhere, including while a
# checkpoint is being written.)

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
