#!/bin/sh
# run-one.sh TEST: one job of tests/run-tests.sh, as TAP on stdout: a
# "# NAME" line, the test's own ok / not ok lines, and "# NAME: N s".
#
#   build/tests/test-NAME          a C unit test; a non-zero exit is one
#                                  more "not ok"
#   build/tests/replay-fuzz-NAME   replays tests/fuzz/corpus/NAME and
#                                  tests/fuzz/regressions/NAME: one ok or
#                                  not ok, the replay's output kept in
#                                  $NN_BUILD/tests/replay-fuzz-NAME.log
#   tests/.../NAME.bats            bats --tap; a bats that fails without
#                                  a "not ok" (a syntax error, a crash of
#                                  bats itself) is one "not ok"
#
# Run from the top of the tree with NN_BUILD set.
t=${1:?usage: run-one.sh TEST}
: "${NN_BUILD:?NN_BUILD must name the build folder}"
name=${t##*/}
start=$(date +%s)
echo "# $name"
case $t in
*.bats)
	# Under the sanitizers, programs that exit on an error skip freeing
	# on purpose: leak reports are for the unit tests, not for them.
	out=$(ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" \
		bats --tap "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	if [ $rc -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^not ok '; then
		echo "not ok - $name: bats exited with status $rc"
	fi
	;;
*/replay-fuzz-*)
	target=${name#replay-fuzz-}
	if "$t" "tests/fuzz/corpus/$target" "tests/fuzz/regressions/$target" \
		> "$t.log" 2>&1; then
		echo "ok - fuzz corpus replay: $target"
	else
		sed 's/^/#   /' "$t.log"
		echo "not ok - fuzz corpus replay: $target"
	fi
	;;
*)
	"$t" 2>&1
	rc=$?
	[ $rc -eq 0 ] || echo "not ok - $name exited with status $rc"
	;;
esac
echo "# $name: $(($(date +%s) - start)) s"
