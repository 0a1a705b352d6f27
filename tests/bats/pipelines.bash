# Shared by tests/bats/pipelines.bats (Iris, in make check) and
# tests/long/pipelines.bats (the other pipelines, in make check-long).

P="$ROOT/pipelines"

# pmake NAME [ARGS...]: make in pipelines/NAME with the programs under test.
pmake() {
	local name=$1
	shift
	make --no-print-directory -C "$P/$name" NN_BIN="$BUILD/bin" "$@"
}

# metric FILE KEY: the number after "KEY": in nn-eval's JSON.
metric() {
	grep -o "\"$2\": [-0-9.e]*" "$1" | head -n 1 | sed 's/.*: //'
}

# at_least X FLOOR: X >= FLOOR, or fail saying both.
at_least() {
	awk -v x="$1" -v f="$2" 'BEGIN { exit !(x >= f) }' || fail "$1 is below $2"
}

# checksums DIR: sha256 of the files that must be byte-identical between
# runs — streams, models, metrics — not the log, report and pictures,
# which hold times.
checksums() {
	(cd "$1" && find . \( -name '*.nns' -o -name '*.nnm' -o -name 'metrics.*' \) -print |
		LC_ALL=C sort | xargs sha256sum)
}

# raw_scores_equal NAME OUT: a pipeline that scores its raw test rows
# (IMPORT_RAW in its Makefile) says so in every report, with the same
# scores as the prepared path.
raw_scores_equal() {
	local r
	grep -q '^IMPORT_RAW' "$P/$1/Makefile" || return 0
	for r in $(find "$2" -name report.md); do
		grep -q '^## Scoring raw rows' "$r" || fail "$r: no raw scoring"
		grep -q 'scores equal, byte for byte, those of the prepared path' "$r" ||
			fail "$r: $(grep -A8 '^## Scoring raw rows' "$r")"
	done
}

# check_pipeline NAME: make, make again (nothing to do), clean all (same bytes).
check_pipeline() {
	local name=$1 out="$T/out"
	run pmake "$name" OUT="$out"
	[ "$status" -eq 0 ] || fail "$output"
	checksums "$out" > "$T/first.sum"
	[ "$(wc -l < "$T/first.sum")" -ge 6 ] || fail "too few outputs: $(cat "$T/first.sum")"

	raw_scores_equal "$name" "$out"

	run pmake "$name" OUT="$out" -q
	[ "$status" -eq 0 ] || fail "make -q: something is out of date after a full run"
	run pmake "$name" OUT="$out"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Nothing to be done"* ]] || fail "second make did something: $output"

	run pmake "$name" OUT="$out" clean all
	[ "$status" -eq 0 ] || fail "$output"
	checksums "$out" > "$T/second.sum"
	diff "$T/first.sum" "$T/second.sum" || fail "clean all gave other bytes"
	no_temporaries "$out"
}
