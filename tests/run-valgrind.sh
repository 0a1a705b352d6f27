#!/bin/sh
# run-valgrind.sh UNIT...: make check-valgrind, the C unit tests under
# valgrind: no invalid access, no leak (valgrind's own status 99).  Ends
# with "valgrind: N passed, N failed", one per unit test.
#
# OpenBLAS with one thread and kernels valgrind's CPU model supports.  A
# check that fails only under valgrind is listed, not counted: valgrind
# computes long double in 64 bits, so a reference sum in long double
# (test-colstats) loses digits there.  NN_TEST_STRIDE: the sweeps of
# test-shortest check every 1000th value (the paths, not the numbers, are
# what valgrind checks).  NN_TEST_TICK_US: test-eintr's timer every 1 ms
# instead of 50 µs, which valgrind cannot keep up with.
[ $# -gt 0 ] || { echo "usage: run-valgrind.sh UNIT..." >&2; exit 2; }
export OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell NN_BLAS_CORETYPE=Haswell \
	NN_TEST_STRIDE=1000 NN_TEST_TICK_US=1000
passed=0 failed=0
for t in "$@"; do
	valgrind -q --leak-check=full --error-exitcode=99 "$t" > "$t.valgrind" 2>&1
	rc=$?
	if [ $rc -eq 99 ] || grep -q '^==[0-9]*==' "$t.valgrind"; then
		failed=$((failed + 1))
		cat "$t.valgrind"
		echo "not ok - valgrind ${t##*/}"
	else
		passed=$((passed + 1))
		echo "ok - valgrind ${t##*/}: no memory errors, no leaks"
		grep '^not ok' "$t.valgrind" | sed 's/^/#   only under valgrind: /'
	fi
done
echo
echo "valgrind: $passed passed, $failed failed"
[ $failed -eq 0 ]
