#!/bin/sh
# run-tests.sh [long]: run a suite as TAP, several tests at once, and end
# with one line "N passed, N failed".  Exit 1 if anything failed or
# nothing ran.
#
#   run-tests.sh        make check: the C unit tests, the fuzz-corpus
#                       replays and tests/bats/*.bats; the in-process
#                       sweeps of test-stream and test-shortest take
#                       every 13th case (NN_TEST_STRIDE=13)
#   run-tests.sh long   make check-long: tests/long/*.bats, and
#                       tests/bats/*.bats again, with NN_LONG=1, and
#                       test-stream and test-shortest in full
#
# NN_BUILD names the build folder.  NN_JOBS tests run at once (default:
# one per core).  NN_LABEL, when set, starts the summary line
# ("asan: N passed, N failed").
#
# Each unit test, replay and bats file is one job (tests/run-one.sh).
# GNU parallel prints each job's output whole, in the order of the list,
# as soon as the jobs before it are done; the list starts with the jobs
# that take longest (as the last run's log timed them, else a guess), so
# that no long one starts last.  Without GNU parallel the jobs run one
# after the other.
B="${NN_BUILD:?NN_BUILD must name the build folder}"
cd "$(dirname "$0")/.." || exit 1
suite=${1:-check}
jobs=${NN_JOBS:-$(nproc 2>/dev/null || echo 2)}
log="$B/test${1:+-$1}.log"
list="$B/test${1:+-$1}.jobs"

# by_size FILE...: the files, largest first (a bats file's size is a fair
# guess at its time).
by_size() {
	[ $# -gt 0 ] && [ -e "$1" ] && ls -S "$@"
}

# longest_first: the jobs on stdin ordered by the seconds the last run of
# this suite took for each ("# NAME: N s" in the log), longest first;
# jobs it did not time first of all, in their order (a guess on stdin).
longest_first() {
	awk -v f="$1" 'BEGIN {
		while ((getline l < f) > 0)
			if (split(l, w, " ") == 4 && w[1] == "#" && w[4] == "s" && sub(/:$/, "", w[2]))
				t[w[2]] = w[3]
	}
	{ n = $0; sub(/.*\//, "", n); print (n in t ? t[n] : 1000000), NR, $0 }' |
		sort -k1,1nr -k2,2n | cut -d ' ' -f 3-
}

case $suite in
check)
	# test-stream and test-shortest sweep in-process; here every 13th
	# case of their sweeps (make check-long runs them whole).
	export NN_TEST_STRIDE=13
	{
		by_size tests/bats/*.bats
		for t in "$B/tests/test-stream" "$B/tests/test-shortest" "$B"/tests/test-* "$B"/tests/replay-fuzz-*; do
			case $t in
			*.log | *.valgrind) ;;
			*) [ -x "$t" ] && echo "$t" ;;
			esac
		done | awk '!seen[$0]++'
	} > "$list.new"
	;;
long)
	# the long files, the programs' files again with their sampled loops
	# in full (sampled in helper.bash), the unit tests' sweeps whole
	export NN_LONG=1
	unset NN_TEST_STRIDE
	{
		for t in "$B/tests/test-stream" "$B/tests/test-shortest"; do
			[ -x "$t" ] && echo "$t"
		done
		by_size tests/long/*.bats tests/bats/*.bats
	} > "$list.new"
	;;
*)
	echo "usage: run-tests.sh [long]" >&2
	exit 2
	;;
esac

if [ -f "$log" ]; then
	longest_first "$log" < "$list.new" > "$list"
else
	cp "$list.new" "$list"
fi
rm -f "$list.new"

export NN_BUILD="$B"
# The programs that multiply matrices re-execute themselves once to pick
# OpenBLAS's kernels for this CPU (tools/tool-blas.c), also over an
# OPENBLAS_CORETYPE the environment sets (some machines set Haswell for
# older OpenBLAS builds), which doubles their start-up, 700 times in a
# suite: the kernels the first program picks (its self-check passed, or
# what it kept) are named to all of them, so that none re-executes and
# each runs the kernels it would have chosen.  nn-train.bats tests the
# re-execution itself.  A user's NN_BLAS_CORETYPE is left as it is.
if [ -z "${NN_BLAS_CORETYPE:-}" ] && [ -x "$B/bin/nn-train" ]; then
	core=$("$B/bin/nn-train" --version 2>/dev/null |
		sed -n 's/^BLAS: OpenBLAS, \([A-Za-z0-9]*\) (.*/\1/p')
	case $core in
	'' | unknown) ;;
	*) export OPENBLAS_CORETYPE="$core" NN_BLAS_CORETYPE="$core" ;;
	esac
fi
# The tests start python3 hundreds of times (standard library only): the
# one make deps installs, not a version manager's shim first on PATH
# (pyenv's costs ten times the interpreter's own start-up).
if [ -x /usr/bin/python3 ]; then
	mkdir -p "$B/tests/python"
	ln -sf /usr/bin/python3 "$B/tests/python/python3"
	PATH="$B/tests/python:$PATH"
fi
if parallel --version 2>/dev/null | grep -q 'GNU parallel'; then
	parallel --will-cite --keep-order --jobs "$jobs" sh tests/run-one.sh {} < "$list"
else
	while read -r t; do sh tests/run-one.sh "$t"; done < "$list"
fi 2>&1 | tee "$log"

passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")
echo
echo "${NN_LABEL:+$NN_LABEL: }$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
