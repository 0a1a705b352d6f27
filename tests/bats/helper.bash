# Shared setup for every bats file: the built programs first on PATH, a
# private temporary folder, bats-support/bats-assert when installed.
ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
BUILD="${NN_BUILD:-$ROOT/build}"
export PATH="$BUILD/bin:$BUILD/tests:$PATH"
export LC_ALL=C
DATA="$ROOT/tests/data"
FASHION=/usr/share/datasets/fashion-mnist

if [ -d /usr/lib/bats/bats-support ]; then
	load /usr/lib/bats/bats-support/load
	load /usr/lib/bats/bats-assert/load
fi

setup() {
	T="$BATS_TEST_TMPDIR"
}

# Keep stdout and stderr apart with `run --separate-stderr` ($output and
# $stderr): a diagnostic must never land in a data stream.
bats_require_minimum_version 1.5.0

# no_temporaries DIR: no temporary output (.nn-*) was left behind in DIR.
no_temporaries() {
	local left
	left=$(find "$1" -maxdepth 1 -name '.nn-*' | head -n 1)
	[ -z "$left" ]
}

# sampled STEP ITEM...: the items a loop tries.  make check (NN_LONG
# unset) takes every STEP-th, so that each kind of case still runs;
# make check-long (NN_LONG=1), which runs these files again, takes all.
sampled() {
	local step=$1 i=0
	shift
	for item; do
		if [ "${NN_LONG:-0}" = 1 ] || [ $((i % step)) -eq 0 ]; then
			printf '%s\n' "$item"
		fi
		i=$((i + 1))
	done
}
