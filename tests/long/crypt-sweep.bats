#!/usr/bin/env bats
# The damage sweeps of tests/bats/crypt.bats in full: an encrypted stream
# and an encrypted model cut at every byte offset, and a bit flipped in
# every byte; no reader may exit 0, and a cut file is named.
load helper

setup() {
	T="$BATS_TEST_TMPDIR"
	nn-keygen -q -o "$T/k"
	export NN_KEY_FILE="$T/k"
	printf 'a,b,label\n' > "$T/small.csv"
	for i in $(seq 1 40); do printf '%d,%d,c%d\n' "$i" $((i * 3)) $((i % 3)); done >> "$T/small.csv"
	nn-import --label label -o "$T/e.nns" "$T/small.csv"
}

@test "crypt sweep: an encrypted stream cut at every byte offset is refused" {
	cuts_refused "$T/e.nns" $(seq 0 $(($(stat -c %s "$T/e.nns") - 1)))
}

@test "crypt sweep: a bit flipped in every byte of an encrypted stream is refused" {
	flips_refused "$T/e.nns" 1
	[ "$FLIPS_TRIED" -eq "$(stat -c %s "$T/e.nns")" ]
}

@test "crypt sweep: an encrypted model cut at every byte, a bit flipped in every byte" {
	nn-train -q --layers 3 --epochs 1 -o "$T/m.nnm" "$T/e.nns"
	cuts_refused "$T/m.nnm" $(seq 0 $(($(stat -c %s "$T/m.nnm") - 1)))
	flips_refused "$T/m.nnm" 1
	[ "$FLIPS_TRIED" -eq "$(stat -c %s "$T/m.nnm")" ]
}
