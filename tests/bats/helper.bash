# Shared setup for every bats file: the built programs first on PATH, a
# private temporary folder, fail.
# (BATS_TEST_DIRNAME is absolute: no subshell to find the top.)
ROOT="${BATS_TEST_DIRNAME%/*/*}"
BUILD="${NN_BUILD:-$ROOT/build}"
export PATH="$BUILD/bin:$BUILD/tests:$PATH"
export LC_ALL=C
DATA="$ROOT/tests/data"
FASHION=/usr/share/datasets/fashion-mnist

# fail [MESSAGE]: fail the test with MESSAGE (else standard input) on
# stderr, as bats-support's fail does; the only function of bats-support
# and bats-assert the tests use, and sourcing their fifteen files cost
# every test as much as a process.
fail() {
	if [ $# -gt 0 ]; then
		echo "$@"
	else
		cat -
	fi >&2
	return 1
}

setup() {
	T="$BATS_TEST_TMPDIR"
}

# Keep stdout and stderr apart with `run --separate-stderr` ($output and
# $stderr): a diagnostic must never land in a data stream.
bats_require_minimum_version 1.5.0

# bats names the stderr file of each `run --separate-stderr` with
# mktemp(1), one process more per run (hundreds per file): the same empty
# file made by the shell ($BASHPID: bats calls mktemp in a subshell).
mktemp() {
	if [ $# -eq 1 ] && [ "$1" = "$BATS_TEST_TMPDIR/separate-stderr-XXXXXX" ]; then
		: > "${1%XXXXXX}$BASHPID" && printf '%s\n' "${1%XXXXXX}$BASHPID"
	else
		command mktemp "$@"
	fi
}

# wait_until SECONDS WHAT CMD...: run CMD every 50 ms until it succeeds;
# after SECONDS, fail saying WHAT did not happen.  Tests that send a
# signal wait for the state they mean to interrupt, never a fixed sleep.
wait_until() {
	local i tries=$(($1 * 20)) what=$2
	shift 2
	for ((i = 0; i < tries; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	fail "$what after $tries tries in $((tries / 20)) s"
}

# has_temporary DIR: a program writing with -o into DIR has made its
# temporary (.nn-*).
has_temporary() {
	local left=("$1"/.nn-*)
	[ -e "${left[0]}" ]
}

# temporary_appears DIR: wait (up to 10 s) until the output in DIR is half
# written, so that a signal finds it so.
temporary_appears() {
	wait_until 10 "no temporary in $1" has_temporary "$1"
}

# trial_running: wait (up to 20 s) until nn-tune, started in the
# background with TMPDIR=$T/tmp, runs a trial (an nn-train whose command
# line names its private folder), so that a signal finds one running.
trial_running() {
	wait_until 20 "no trial started" pgrep -f "$T/tmp/nn-tune-" > /dev/null
}

# no_temporaries DIR: no temporary output (.nn-*) was left behind in DIR
# (a glob, not find: tests call this hundreds of times).
no_temporaries() {
	local left=("$1"/.nn-*)
	[ ! -e "${left[0]}" ] && [ ! -L "${left[0]}" ]
}

# sampled STEP ITEM...: the items a loop tries.  make check (NN_LONG
# unset) takes every STEP-th, so that each kind of case still runs;
# make check-long (NN_LONG=1), which runs these files again, takes all.
# (One awk, not a shell loop: bats runs its DEBUG trap before every shell
# command, 0.5 ms each, and the lists run to thousands of byte offsets.)
sampled() {
	local step=$1
	shift
	printf '%s\n' "$@" | awk -v step="$step" -v all="${NN_LONG:-0}" 'all == 1 || (NR - 1) % step == 0'
}

# cuts_refused FILE OFFSET...: FILE cut at each offset is refused by
# nn-info --verify and nn-export, with the cut file named (tests/long/damage.bats
# takes every offset).
cuts_refused() {
	local f=$1 size cut r err
	size=$(stat -c %s "$f")
	shift
	for cut; do
		head -c "$cut" "$f" > "$T/cut.nns"
		for r in "nn-info --verify" "nn-export --format csv"; do
			if $r "$T/cut.nns" > /dev/null 2> "$T/err"; then
				fail "$r accepted the stream cut at byte $cut of $size"
			fi
			read -r -d '' err < "$T/err" || true
			[[ "$err" == *"'$T/cut.nns': "* ]] || fail "cut at $cut: $err"
		done
	done
}

# flips_refused FILE STEP: bit I % 8 of byte I flipped, for every STEP-th
# byte I (the copies written by one python3), each refused by nn-info
# --verify.  Sets FLIPS_TRIED to how many copies were tried (not printed:
# a failure inside $(...) would not fail the test).
flips_refused() {
	local g i n=0
	python3 - "$1" "$T" "$2" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
for i in range(0, len(b), int(sys.argv[3])):
    c = bytearray(b)
    c[i] ^= 1 << (i % 8)
    open('%s/flip-%d.nns' % (sys.argv[2], i), 'wb').write(c)
PY
	for g in "$T"/flip-*.nns; do
		if nn-info --verify "$g" > /dev/null 2>&1; then
			i=${g##*/flip-}
			i=${i%.nns}
			fail "a flip of bit $((i % 8)) in byte $i went unnoticed"
		fi
		n=$((n + 1))
	done
	FLIPS_TRIED=$n
}
