#!/usr/bin/env bats
# The damage sweeps of tests/bats/sign.bats in full: a signed model, clear
# and encrypted, cut at every byte offset and with a bit flipped in every
# byte, read with NN_TRUST; no reader may exit 0, and a cut file is named.
load helper

setup() {
	T="$BATS_TEST_TMPDIR"
	nn-keygen -q --sign -o "$T/a"
	export NN_TRUST="$T/a.pub" NN_SIGN_KEY="$T/a.key"
	nn-import --label species -o "$T/d.nns" "$ROOT/data/iris.csv"
}

@test "sign sweep: a signed model cut at every byte, a bit flipped in every byte" {
	nn-train -q --layers 3 --epochs 1 -o "$T/m.nnm" "$T/d.nns"
	nn-info --verify "$T/m.nnm"
	cuts_refused "$T/m.nnm" $(seq 0 $(($(stat -c %s "$T/m.nnm") - 1)))
	flips_refused "$T/m.nnm" 1
	[ "$FLIPS_TRIED" -eq "$(stat -c %s "$T/m.nnm")" ]
	echo "# signed model: $FLIPS_TRIED flips, as many cuts, all refused" >&3
}

@test "sign sweep: a signed, encrypted model cut at every byte, a bit flipped in every byte" {
	nn-keygen -q -o "$T/k"
	export NN_KEY_FILE="$T/k"
	nn-import --label species -o "$T/de.nns" "$ROOT/data/iris.csv"
	nn-train -q --layers 3 --epochs 1 -o "$T/m.nnm" "$T/de.nns"
	nn-info --verify "$T/m.nnm"
	cuts_refused "$T/m.nnm" $(seq 0 $(($(stat -c %s "$T/m.nnm") - 1)))
	flips_refused "$T/m.nnm" 1
	[ "$FLIPS_TRIED" -eq "$(stat -c %s "$T/m.nnm")" ]
	echo "# signed encrypted model: $FLIPS_TRIED flips, as many cuts, all refused" >&3
}
