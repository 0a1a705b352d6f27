#!/bin/sh
# bench/bigmodel.sh [ROWS] — the 4096-wide network of issue 18: Fashion-MNIST
# 784-4096-4096-10 (20M parameters, an 80 MB model written in chunks,
# nn-stream(5) "Tensors in chunks"), two epochs of ROWS training images
# (default 10,000: the test set, scaled to [0,1]) on 2 threads, Adam, batch
# 128.  Prints a markdown table row: the sgemm rate --dry-run measures at
# the first layer's shape, the limit it gives (that rate over the FLOPs per
# row), the samples/s of the second epoch (the log's column 6; the first
# also pays for the first writes to Adam's moments and the gradient, 240 MB
# of fresh pages) and their fraction of the limit, the model's bytes, and
# its load time: nn-predict on 10 rows
# (reading the model is nearly all of it) with its peak RSS.
# BIN from the environment (default build/bin).  make bench runs it.
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}
ROWS=${1:-10000}
FASHION=/usr/share/datasets/fashion-mnist
W=$(mktemp -d "${TMPDIR:-/tmp}/nn-bigmodel.XXXXXX")
trap 'rm -rf "$W"' EXIT

$BIN/nn-import -q --format idx --labels "$FASHION/t10k-labels-idx1-ubyte.gz" --classes fashion-mnist \
	-o "$W/u8.nns" "$FASHION/t10k-images-idx3-ubyte.gz"
$BIN/nn-normalize -q --method minmax -o "$W/all.nns" "$W/u8.nns"
$BIN/nn-split -q --no-shuffle --test-size 10 --test "$W/few.nns" --train /dev/null "$W/all.nns"
if [ "$ROWS" -ge 10000 ]; then
	ROWS=10000
	mv "$W/all.nns" "$W/train.nns"
else
	$BIN/nn-split -q --no-shuffle --test-size "$ROWS" --test "$W/train.nns" --train /dev/null "$W/all.nns"
fi
BIG="--layers 4096,4096 --activation relu --optimizer adam --lr 0.001 --batch-size 128 --seed 1 --threads 2"

$BIN/nn-train $BIG --dry-run "$W/train.nns" > "$W/dry"
rate=$(awk -F'\t' '$1 == "sgemm" { print $2 + 0 }' "$W/dry")
fpr=$(awk -F'\t' '$1 == "flops_per_row" { print $2 + 0 }' "$W/dry")
limit=$(awk -v g="$rate" -v f="$fpr" 'BEGIN { printf "%.0f", g * 1e9 / f }')
$BIN/nn-train $BIG --epochs 2 -q --log "$W/log" -o "$W/m.nnm" "$W/train.nns"
sps=$(awk -F'\t' 'NR == 3 { printf "%.0f", $6 }' "$W/log")
frac=$(awk -v s="$sps" -v l="$limit" 'BEGIN { printf "%.2f", s / l }')
bytes=$(stat -c %s "$W/m.nnm")
/usr/bin/time -f '%e %M' -o "$W/t" $BIN/nn-predict -m "$W/m.nnm" -o /dev/null "$W/few.nns"
set -- $(cat "$W/t")
printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$ROWS" "$rate" "$limit" "$sps" "$frac" "$bytes" "$1" \
	"$(($2 / 1024))"
