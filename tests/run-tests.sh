#!/bin/sh
# Run every test — C unit tests, fuzz-corpus replays, bats files — as TAP,
# and end with one line "N passed, N failed".  Exit 1 if anything failed
# or nothing ran.
B="${NN_BUILD:?NN_BUILD must name the build folder}"
cd "$(dirname "$0")/.." || exit 1
log="$B/test.log"
: > "$log"

for t in "$B"/tests/test-*; do
	[ -x "$t" ] || continue
	echo "# $(basename "$t")" | tee -a "$log"
	"$t" 2>&1 | tee -a "$log"
	rc=$?
	[ $rc -eq 0 ] || echo "not ok - $(basename "$t") exited with status $rc" | tee -a "$log"
done
for t in "$B"/tests/replay-*; do
	[ -x "$t" ] || continue
	name=${t##*/replay-fuzz-}
	dir="tests/fuzz/corpus/$name tests/fuzz/regressions/$name"
	echo "# $(basename "$t")" | tee -a "$log"
	if "$t" $dir >>"$log" 2>&1; then
		echo "ok - fuzz corpus replay: $name" | tee -a "$log"
	else
		echo "not ok - fuzz corpus replay: $name" | tee -a "$log"
	fi
done
# bats numbers its own tests; count them by their ok/not ok lines.  Under
# the sanitizers, programs that exit on an error skip freeing on purpose:
# leak reports are for the unit tests, not for them.
ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" NN_BUILD="$B" bats --tap tests/bats 2>&1 | tee -a "$log"

passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
