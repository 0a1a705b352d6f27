#!/bin/sh
# make bench: throughput and peak memory of what exists, next to the floor
# (the cost of merely decompressing and recompressing the same bytes).
# Timings are reported, never asserted.  Writes bench/results.md too.
set -eu
cd "$(dirname "$0")/.."
BIN=build/bin
W=$(mktemp -d "${TMPDIR:-/tmp}/nn-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
FASHION=/usr/share/datasets/fashion-mnist
OUT=bench/results.md

[ -d "$FASHION" ] || { echo "bench: $FASHION missing (make deps)"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (make deps)"; exit 1; }

# run NAME INPUT_BYTES CMD...: seconds, MB/s of input, peak RSS
row() {
	name=$1 bytes=$2
	shift 2
	/usr/bin/time -f '%e %M' -o "$W/t" sh -c "$*" > /dev/null
	set -- $(cat "$W/t")
	secs=$1 rss=$2
	mbs=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? b / s / 1e6 : 0) }')
	ratio=$(awk -v s="$secs" -v f="${FLOOR:-$secs}" 'BEGIN { printf "%.2f", (f > 0 ? s / f : 0) }')
	printf '| %s | %s | %s | %s | %s |\n' "$name" "$secs" "$mbs" "$ratio" "$((rss / 1024))" | tee -a "$OUT"
	LAST=$secs
}

$BIN/nn-import --format idx --labels "$FASHION/train-labels-idx1-ubyte.gz" \
	-o "$W/train-u8.nns" "$FASHION/train-images-idx3-ubyte.gz"
raw=$((60000 * 785))
size=$(stat -c %s "$W/train-u8.nns")
{
	echo "# nnpipe bench — $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m)"
	echo
	echo "Fashion-MNIST train, u8 [28,28] + i32 label: $raw bytes raw, $size bytes as a stream (zstd level 3)."
	echo
	echo "| step | seconds | MB/s (raw) | × floor | peak RSS MiB |"
	echo "|---|---|---|---|---|"
} | tee "$OUT"
row "floor: zstd -dc \| zstd -3 -c" "$raw" "zstd -dc '$W/train-u8.nns' | zstd -3 -c"
FLOOR=$LAST
row "cat through a pipe" "$size" "cat '$W/train-u8.nns' | cat"
row "nn-info --verify" "$raw" "$BIN/nn-info --verify '$W/train-u8.nns'"
row "nn-info (statistics)" "$raw" "$BIN/nn-info '$W/train-u8.nns'"
row "nn-import idx (.gz)" "$raw" "$BIN/nn-import --format idx --labels '$FASHION/train-labels-idx1-ubyte.gz' '$FASHION/train-images-idx3-ubyte.gz'"
row "nn-export npy" "$raw" "$BIN/nn-export --format npy --field x '$W/train-u8.nns'"
row "nn-export csv" "$raw" "$BIN/nn-export --format csv '$W/train-u8.nns'"
echo | tee -a "$OUT"
echo "× floor: time over the floor's time in this run." | tee -a "$OUT"
