#!/bin/sh
# make demo: what nnpipe can do today, on the bundled Iris table and on
# Debian's Fashion-MNIST.  Outputs go to build/demo/.  (The training loop —
# nn-train, nn-eval — joins this demo when those programs land.)
set -eu
cd "$(dirname "$0")/.."
BIN=build/bin
OUT=build/demo
FASHION=/usr/share/datasets/fashion-mnist
mkdir -p "$OUT"
step() { printf '\n== %s\n' "$*"; }

step "Iris: CSV to stream, the label's names kept"
$BIN/nn-import --label species -o "$OUT/iris.nns" data/iris.csv
$BIN/nn-info "$OUT/iris.nns"

step "Iris: the first rows back as text"
$BIN/nn-info --head 3 "$OUT/iris.nns"

if [ -d "$FASHION" ]; then
	step "Fashion-MNIST: IDX images and labels (gzip) to streams of u8 [28,28]"
	for part in train t10k; do
		$BIN/nn-import --format idx --classes fashion-mnist \
			--labels "$FASHION/$part-labels-idx1-ubyte.gz" \
			-o "$OUT/fashion-$part.nns" "$FASHION/$part-images-idx3-ubyte.gz"
		printf '%s: %s bytes (the gzip originals: %s bytes)\n' "$OUT/fashion-$part.nns" \
			"$(stat -c %s "$OUT/fashion-$part.nns")" \
			"$(($(stat -c %s "$FASHION/$part-images-idx3-ubyte.gz") + $(stat -c %s "$FASHION/$part-labels-idx1-ubyte.gz")))"
	done
	step "Fashion-MNIST: both parts verified end to end (checksums, trailer, counts)"
	cat "$OUT/fashion-train.nns" "$OUT/fashion-t10k.nns" | $BIN/nn-info --verify
	step "Fashion-MNIST test part: schema, statistics and class counts"
	$BIN/nn-info "$OUT/fashion-t10k.nns"
else
	echo "(Fashion-MNIST is not installed: make deps installs dataset-fashion-mnist)"
fi

step "done: streams are in $OUT/"
