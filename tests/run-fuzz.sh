#!/bin/sh
# run-fuzz.sh SECONDS TARGET...: make fuzz, libFuzzer runs (clang) of
# tests/fuzz/fuzz-TARGET.c, each SECONDS long, with the dictionary
# tests/fuzz/nn.dict; size bombs count as crashes.  Crashing inputs land
# in tests/fuzz/regressions/TARGET/, which make check replays.  Prints
# each target's executions (libFuzzer's final stats); exit 1 if any
# target crashed.  Builds in build-fuzz/ from the sources of libcommon
# (libFuzzer brings its own main()).
#
# PKG_CFLAGS and PKG_LIBS from the environment: the flags of the packages
# (pkg-config), as the Makefile passes them.
cd "$(dirname "$0")/.." || exit 1
seconds=${1:?usage: run-fuzz.sh SECONDS TARGET...}
shift
mkdir -p build-fuzz
failed=
for name in "$@"; do
	# shellcheck disable=SC2086  # lists of flags
	clang -std=c11 -D_GNU_SOURCE -g -O1 -Wall -fsanitize=fuzzer,address,undefined -Iinclude \
		${PKG_CFLAGS:-} "tests/fuzz/fuzz-$name.c" libcommon/*.c ${PKG_LIBS:-} -lm \
		-o "build-fuzz/fuzz-$name" || exit 1
	mkdir -p "build-fuzz/corpus-$name" "tests/fuzz/regressions/$name"
	"build-fuzz/fuzz-$name" -max_total_time="$seconds" -malloc_limit_mb=256 \
		-rss_limit_mb=1024 -dict=tests/fuzz/nn.dict -print_final_stats=1 \
		-artifact_prefix="tests/fuzz/regressions/$name/" \
		"build-fuzz/corpus-$name" "tests/fuzz/corpus/$name" > "build-fuzz/fuzz-$name.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/fuzz-$name.log" | tail -n 1)
	if [ $rc -eq 0 ]; then
		echo "fuzz $name: ${runs:-?} executions in $seconds s"
	else
		echo "fuzz $name: ${runs:-?} executions in $seconds s, CRASHED: see build-fuzz/fuzz-$name.log"
		failed="$failed $name"
	fi
done
[ -z "$failed" ] || { echo "fuzz: crashes in:$failed (inputs in tests/fuzz/regressions/)"; exit 1; }
