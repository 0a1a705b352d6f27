#!/usr/bin/env bats
# Allocation failures in whole programs: build/tests/libfault-alloc.so
# (tests/fault-alloc.c), preloaded, fails the Nth allocation after main()
# starts — libcommon's, libzstd's, msgpack-c's, libc's own — for N = 1, 2,
# … until a run gets through without reaching N.  Every run must exit 1
# with a message, leave no output file, or succeed with the same output
# as without the failure; never crash.  make check-long (NN_LONG=1) tries
# every N; run alone, this file tries every N up to 30 and every 7th after.
# (tests/unit/test-faults.c does the same inside libcommon, with leak
# checks.)

load helper

SHIM="$BUILD/tests/libfault-alloc.so"

setup() {
	T="$BATS_TEST_TMPDIR"
	[ -e "$SHIM" ] || skip "no $SHIM"
	# a sanitizer runtime must come first in the process: no preloading
	if ldd "$BUILD/bin/nn-info" | grep -q 'libasan\|libubsan'; then
		skip "allocation failures are not injected in sanitizer builds"
	fi
	export NN_BLAS_CORETYPE=keep OPENBLAS_NUM_THREADS=1
}

# sweep_allocs CMD...: @OUT in CMD is the output file
sweep_allocs() {
	local c="$*" n=1 last=0
	rm -f "$T/out" "$T/ref"
	${c//@OUT/$T/ref} > "$T/ref.stdout" 2>/dev/null || fail "$c fails without faults"
	while [ $n -lt 5000 ]; do
		rm -f "$T/out"
		status=0
		LD_PRELOAD="$SHIM" NN_FAIL_ALLOC=$n NN_FAIL_ALLOC_REPORT=1 ${c//@OUT/$T/out} \
			> "$T/stdout" 2> "$T/err" || status=$?
		if [ $status -eq 0 ]; then
			cmp -s "$T/ref.stdout" "$T/stdout" || fail "$c, allocation $n failed: exit 0, other output"
			[ ! -e "$T/ref" ] || cmp -s "$T/ref" "$T/out" || fail "$c, allocation $n failed: exit 0, other file"
			grep -q 'fault-alloc: not reached' "$T/err" && break
		elif [ $status -eq 1 ]; then
			grep -q '^nn-[a-z]*: ' "$T/err" || fail "$c, allocation $n failed: exit 1 without a message: $(cat "$T/err")"
			[ ! -e "$T/out" ] || fail "$c, allocation $n failed: the output file was left"
			no_temporaries "$T" || fail "$c, allocation $n failed: a temporary was left"
		else
			fail "$c, allocation $n failed: exit $status: $(cat "$T/err")"
		fi
		last=$n
		if [ "${NN_LONG:-0}" = 1 ] || [ $n -lt 30 ]; then n=$((n + 1)); else n=$((n + 7)); fi
	done
	[ $n -lt 5000 ] || fail "$c: more than 5000 allocations?"
	echo "# $c: $last allocations failed in turn" >&3
}

inputs() {
	cp "$DATA/bad/good.nns" "$T/in.nns"
	nn-export --format csv -o "$T/in.csv" "$T/in.nns"
	nn-train -q --threads 1 --layers 4 --epochs 1 --seed 1 -o "$T/m.nnm" "$T/in.nns"
	nn-normalize -q --save "$T/p.nnp" -o /dev/null "$T/in.nns"
}

@test "alloc-faults: the reading programs fail cleanly at every allocation" {
	inputs
	sweep_allocs nn-info --verify "$T/in.nns"
	sweep_allocs nn-info -o @OUT "$T/in.nns"
	sweep_allocs nn-export --format csv -o @OUT "$T/in.nns"
	sweep_allocs nn-eval -m "$T/m.nnm" "$T/in.nns"
}

@test "alloc-faults: the stream-writing programs fail cleanly at every allocation" {
	inputs
	sweep_allocs nn-import -q -o @OUT "$T/in.csv"
	sweep_allocs nn-clean -q -o @OUT "$T/in.nns"
	sweep_allocs nn-normalize -q -o @OUT "$T/in.nns"
	sweep_allocs nn-normalize -q --load "$T/p.nnp" -o @OUT "$T/in.nns"
	sweep_allocs nn-augment -q --noise 1 --seed 1 -o @OUT "$T/in.nns"
	sweep_allocs nn-split -q --seed 1 --train @OUT --test "$T/test.nns" "$T/in.nns"
	sweep_allocs nn-predict -m "$T/m.nnm" -o @OUT "$T/in.nns"
}

@test "alloc-faults: nn-train fails cleanly at every allocation" {
	inputs
	sweep_allocs nn-train -q --threads 1 --layers 4 --epochs 1 --seed 1 -o @OUT "$T/in.nns"
}
