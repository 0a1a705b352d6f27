#!/bin/sh
# make bench: throughput and peak memory of what exists, next to the floor
# (the cost of merely decompressing and recompressing the same bytes).
# Timings are reported, never asserted.  Writes the tables to build/bench.md
# too; bench/results.md keeps the runs worth keeping, by hand, with dates.
#
# Parts left out when set to 0: BENCH_SCALE (the 2 GB rows), BENCH_OOC
# (the out-of-core epoch on BENCH_OOC_GB, 20, GB of rows), BENCH_MPI (the
# 2-rank run), BENCH_DEFAULTS (the writer's defaults); BENCH_REPEAT runs
# of each row, the best kept (3).  PyTorch and scikit-learn are compared
# when python3-torch and python3-sklearn are installed.
set -eu
cd "$(dirname "$0")/.."
BIN=build/bin
PROG=build/bench    # bench/*.c, built by make bench-programs
W=$(mktemp -d "${TMPDIR:-/tmp}/nn-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
FASHION=/usr/share/datasets/fashion-mnist
OUT=build/bench.md

[ -d "$FASHION" ] || { echo "bench: $FASHION missing (make deps)"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (make deps)"; exit 1; }

# row NAME INPUT_BYTES CMD...: seconds (the best of BENCH_REPEAT runs,
# default 3: a shared machine only ever adds time), MB/s of input, peak
# RSS, and the ratio to the floor.  With FLOOR_CMD set, the floor runs
# before every try and the ratio is over the best of those floor runs:
# this machine's speed drifts by 20% from one minute to the next, so a
# ratio is only fair between runs taken side by side.
row() {
	name=$1 bytes=$2
	shift 2
	secs= rss=0 floor=
	for _ in $(seq "${BENCH_REPEAT:-3}"); do
		if [ -n "${FLOOR_CMD:-}" ]; then
			/usr/bin/time -f '%e' -o "$W/t" sh -c "$FLOOR_CMD" > /dev/null
			floor=$(awk -v a="$floor" -v b="$(cat "$W/t")" 'BEGIN { print (a == "" || b < a) ? b : a }')
		fi
		/usr/bin/time -f '%e %M' -o "$W/t" sh -c "$*" > /dev/null
		read -r s m < "$W/t"
		secs=$(awk -v a="$secs" -v b="$s" 'BEGIN { print (a == "" || b < a) ? b : a }')
		[ "$m" -gt "$rss" ] && rss=$m
	done
	mbs=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? b / s / 1e6 : 0) }')
	ratio=$(awk -v s="$secs" -v f="${floor:-${FLOOR:-$secs}}" 'BEGIN { printf "%.2f", (f > 0 ? s / f : 0) }')
	printf '| %s | %s | %s | %s | %s |\n' "$name" "$secs" "$mbs" "$ratio" "$((rss / 1024))" | tee -a "$OUT"
	LAST=$secs
}

$BIN/nn-import --format idx --labels "$FASHION/train-labels-idx1-ubyte.gz" --classes fashion-mnist \
	-o "$W/train-u8.nns" "$FASHION/train-images-idx3-ubyte.gz"
raw=$((60000 * 785))
size=$(stat -c %s "$W/train-u8.nns")
{
	echo "# nnpipe bench — $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m)"
	echo
	echo "Fashion-MNIST train, u8 [28,28] + i32 label: $raw bytes raw, $size bytes as a stream (zstd level 3)."
	echo "Seconds are the best of ${BENCH_REPEAT:-3} runs (the scale runs: one)."
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

# --- what a process costs: the floor under make check's time ----------------
# make check starts about 17,000 processes and takes about 3 million page
# faults (tests/README, "How long they take"); on a virtual machine whose
# page tables are shadowed by the hypervisor each of those costs tens of
# microseconds, and no test can be faster than the processes it starts.
{
	echo
	echo "## What a process costs here (bench/procs.c; means of 300, µs)"
	echo
	echo "| what | µs |"
	echo "|---|---|"
	"$PROG/procs" 300
	# cost CMD...: the mean µs of 100 runs of CMD, output discarded.
	cost() {
		/usr/bin/time -f '%e' -o "$W/t" sh -c 'for i in $(seq 100); do "$@" > /dev/null 2>&1; done' cost "$@"
		awk '{ printf "%.0f\n", $1 / 100 * 1e6 }' "$W/t"
	}
	echo "| nn-info --version (start and exit, no OpenBLAS) | $(cost $BIN/nn-info --version) |"
	echo "| nn-eval --version (start and exit, with OpenBLAS) | $(cost $BIN/nn-eval --version) |"
	if command -v bats > /dev/null; then
		printf '@test "nothing 0" {\n\ttrue\n}\n' > "$W/one.bats"
		for i in $(seq 0 19); do printf '@test "nothing %d" {\n\ttrue\n}\n' "$i"; done > "$W/more.bats"
		/usr/bin/time -f '%e' -o "$W/t1" bats --tap "$W/one.bats" > /dev/null
		/usr/bin/time -f '%e' -o "$W/t20" bats --tap "$W/more.bats" > /dev/null
		echo "| bats: a file of one empty test | $(awk '{ printf "%.0f", $1 * 1e6 }' "$W/t1") |"
		echo "| bats: each further empty test | $(awk -v a="$(cat "$W/t1")" '{ printf "%.0f", ($1 - a) / 19 * 1e6 }' "$W/t20") |"
	fi
} | tee -a "$OUT"

# --- training and inference: the reference task of nn-train(1) ------------
# Fashion-MNIST, pixels scaled to [0,1] (min-max per pixel, fitted on the
# training set), MLP 784-256-128-10 relu, Adam lr 1e-3, batch 128.
EPOCHS=${BENCH_EPOCHS:-10}
$BIN/nn-import --format idx --labels "$FASHION/t10k-labels-idx1-ubyte.gz" --classes fashion-mnist \
	-o "$W/test-u8.nns" "$FASHION/t10k-images-idx3-ubyte.gz"
$BIN/nn-normalize --method minmax --save "$W/mm.nns" -o "$W/train.nns" "$W/train-u8.nns"
$BIN/nn-normalize --load "$W/mm.nns" -o "$W/test.nns" "$W/test-u8.nns"
REF="--layers 256,128 --activation relu --optimizer adam --lr 0.001 --batch-size 128 --seed 1"
{
	echo
	echo "## Training: Fashion-MNIST MLP 784-256-128-10, Adam, batch 128, $EPOCHS epochs"
	echo
	echo "$($BIN/nn-train --version | sed -n 2p)."
	echo
	echo "The limit: the sgemm rate \`nn-train --dry-run\` measures at the first layer's shape (on the run's"
	echo "threads) over the FLOPs per row.  Samples/s: the mean over the epochs, then the best epoch"
	echo "(the first runs slower while the memory warms up)."
	echo
	echo "| threads | sgemm GFLOPS (128×256×784) | limit samples/s | training samples/s (mean; best epoch) | × limit (mean; best) | × threads × 1-thread sgemm | test accuracy | peak RSS MiB |"
	echo "|---|---|---|---|---|---|---|---|"
} | tee -a "$OUT"
for threads in 1 2; do
	$BIN/nn-train $REF --threads $threads --dry-run "$W/train.nns" > "$W/dry"
	peak=$(awk -F'\t' '$1 == "sgemm" { print $2 + 0 }' "$W/dry")
	# the stricter peak: every thread at its one-thread rate, at once
	each=$(awk -F'\t' -v p="$peak" '$1 == "sgemm_one_thread" { e = $2 + 0 } END { print e ? e : p }' "$W/dry")
	/usr/bin/time -f '%e %M' -o "$W/t" $BIN/nn-train $REF --threads $threads --epochs "$EPOCHS" -q \
		--log "$W/log$threads" -o "$W/model$threads.nnm" "$W/train.nns"
	rss=$(awk '{ print int($2 / 1024) }' "$W/t")
	# samples/s over the epochs' training loops (the log's column 6), not
	# the loading; FLOPs per row from the model's metadata
	rate=$(awk -F'\t' 'NR > 1 { s += $6; n++ } END { printf "%.0f", s / n }' "$W/log$threads")
	best=$(awk -F'\t' 'NR > 1 && $6 > b { b = $6 } END { printf "%.0f", b }' "$W/log$threads")
	fpr=$($BIN/nn-info --json "$W/model$threads.nnm" | grep -o '"flops_per_row": [0-9.e+]*' | sed 's/.*: //')
	limit=$(awk -v p="$peak" -v f="$fpr" 'BEGIN { printf "%.0f", p * 1e9 / f }')
	ratio=$(awk -v r="$rate" -v b="$best" -v l="$limit" 'BEGIN { printf "%.2f; %.2f", r / l, b / l }')
	strict=$(awk -v r="$rate" -v f="$fpr" -v e="$each" -v t="$threads" 'BEGIN { printf "%.2f", r * f / 1e9 / (e * t) }')
	acc=$($BIN/nn-eval --json -m "$W/model$threads.nnm" "$W/test.nns" | grep -o '"accuracy": [0-9.]*' | head -n 1 | sed 's/.*: //')
	eval "RATE$threads=\$rate"   # for the frameworks' ratios below
	printf '| %s | %s | %s | %s; %s | %s | %s | %s | %s |\n' "$threads" "$peak" "$limit" "$rate" "$best" "$ratio" "$strict" "$acc" "$rss" | tee -a "$OUT"
done
# the kernels nn-train ran (its --dry-run says), for the frameworks below
KERNELS=$(sed -n 's/^sgemm\t.* threads*, \([A-Za-z0-9]*\) .*/\1/p' "$W/dry")
# Where a step's time goes (bench/step.c): each part alone, best of 3 passes.
if [ "${BENCH_STEP:-1}" != 0 ]; then
	for threads in 1 2; do
		printf '\n' | tee -a "$OUT"
		"$PROG/step" $threads 128 784,256,128,10 3 | tee -a "$OUT"
	done
	# Why a step is two shares whatever the threads (bench/rowsplit.c):
	# OpenBLAS's bits depend on a product's rows and on its threads.
	{
		printf '\nThe same bits from one BLAS thread and two (bench/rowsplit.c), the kernels the environment gives OpenBLAS, then nn-train'"'"'s:\n\n'
		"$PROG/rowsplit"
		"$PROG/rowsplit" -n
	} | sed 's/^\([0-9]\)/- \1/' | tee -a "$OUT"
fi
$BIN/nn-export "$W/model1.nnm" > "$W/w1"
$BIN/nn-export "$W/model2.nnm" > "$W/w2"
cmp -s "$W/w1" "$W/w2" && same="the same" || same="different"
echo | tee -a "$OUT"
echo "The 1- and 2-thread models' weights are $same (their files differ in the recorded --threads)." | tee -a "$OUT"

# Inference: nn-predict and nn-eval over the 10,000 test images
test_raw=$((10000 * 784 * 4))
{
	echo
	echo "| inference (10,000 rows, 2 threads) | seconds | rows/s | peak RSS MiB |"
	echo "|---|---|---|---|"
} | tee -a "$OUT"
# and the same model quantized (nn-quantize(1)): int8 products
$BIN/nn-quantize -q -o "$W/model2q.nnm" "$W/model2.nnm"
for cmd in "nn-predict --proba -m $W/model2.nnm $W/test.nns" "nn-eval -m $W/model2.nnm $W/test.nns" \
           "nn-predict --proba -m $W/model2q.nnm $W/test.nns" "nn-eval -m $W/model2q.nnm $W/test.nns"; do
	/usr/bin/time -f '%e %M' -o "$W/t" sh -c "$BIN/$cmd" > /dev/null
	set -- $(cat "$W/t")
	case $cmd in *model2q*) what="${cmd%% -m*} (int8 model)" ;; *) what="${cmd%% -m*}" ;; esac
	printf '| %s | %s | %s | %s |\n' "$what" "$1" "$(awk -v s="$1" 'BEGIN { printf "%.0f", 10000 / s }')" \
		"$(($2 / 1024))" | tee -a "$OUT"
done
acc_q=$($BIN/nn-eval --json -m "$W/model2q.nnm" "$W/test.nns" | grep -o '"accuracy": [0-9.]*' | head -n 1 | sed 's/.*: //')
{
	echo
	echo "The int8 model: $(stat -c %s "$W/model2q.nnm") bytes against $(stat -c %s "$W/model2.nnm"), test accuracy $acc_q."
} | tee -a "$OUT"
if [ "${BENCH_INT8:-1}" != 0 ]; then
	printf '\n## int8 products against sgemm (bench/int8.c; BENCH_INT8=0 skips)\n\n' | tee -a "$OUT"
	"$PROG/int8" 9 | tee -a "$OUT"
fi

# --- the 4096-wide network: a model over the one-row limits ---------------
# (bench/bigmodel.sh; BENCH_BIG=0 skips): the second of two epochs on
# 10,000 images
if [ "${BENCH_BIG:-1}" != 0 ]; then
	{
		echo
		echo "## The 4096-wide network: 784-4096-4096-10, Adam, batch 128, 2 threads, the second epoch (bench/bigmodel.sh)"
		echo
		echo "| rows | sgemm GFLOPS (128×4096×784) | limit samples/s | training samples/s | × limit | model bytes | load: nn-predict 10 rows, s | its peak RSS MiB |"
		echo "|---|---|---|---|---|---|---|---|"
		BIN="$BIN" sh bench/bigmodel.sh 10000 || echo "(bench/bigmodel.sh failed; see above)"
	} | tee -a "$OUT"
fi

# --- data programs on f32: Fashion-MNIST scaled (60,000 x 784 f32) --------
f32_raw=$((60000 * (784 * 4 + 4)))
{
	echo
	echo "## Data programs on f32 (60,000 × 784 f32 + label, $f32_raw bytes raw)"
	echo
	echo "| step | seconds | MB/s (raw) | × floor | peak RSS MiB |"
	echo "|---|---|---|---|---|"
} | tee -a "$OUT"
FLOOR=
row "floor: zstd -dc \| zstd -3 -c" "$f32_raw" "zstd -dc '$W/train.nns' | zstd -3 -c"
FLOOR=$LAST
FLOOR_CMD="zstd -dc '$W/train.nns' | zstd -3 -c"   # and again beside every try below
row "nn-normalize --load" "$f32_raw" "$BIN/nn-normalize -q --load '$W/mm.nns' '$W/train.nns'"
row "nn-normalize --method zscore (fit + apply; 2 compression threads, the default between files)" "$f32_raw" "$BIN/nn-normalize -q --method zscore '$W/train.nns'"
row "nn-normalize --method zscore --threads 1 (the default in a pipeline)" "$f32_raw" "$BIN/nn-normalize -q --method zscore --threads 1 '$W/train.nns'"
row "nn-clean (non-finite check)" "$f32_raw" "$BIN/nn-clean -q '$W/train.nns'"
row "nn-augment --noise 0.1 --no-keep-original" "$f32_raw" "$BIN/nn-augment -q --noise 0.1 --no-keep-original '$W/train.nns'"
row "nn-split --stratify --test-size 0.2 (2 compression threads per output)" "$f32_raw" "$BIN/nn-split -q --stratify --test-size 0.2 --train '$W/s1.nns' --test '$W/s2.nns' '$W/train.nns'"
row "nn-split --stratify --test-size 0.2 --threads 1" "$f32_raw" "$BIN/nn-split -q --stratify --test-size 0.2 --threads 1 --train '$W/s1.nns' --test '$W/s2.nns' '$W/train.nns'"
row "nn-info --verify (decompression on 2 threads)" "$f32_raw" "$BIN/nn-info --verify '$W/train.nns'"
# Encryption (--key, nn-stream(5) Encrypted streams): the same two steps
# on an encrypted copy of the stream, read and written with the key; the
# cost of encryption is the difference from their clear rows, over the
# floor (issue 17's target: under 10%).  The parameters file stays clear:
# --accept-clear reads it.
$BIN/nn-keygen -q -o "$W/key"
$BIN/nn-clean -q --key "$W/key" --accept-clear -o "$W/train-enc.nns" "$W/train.nns"
row "nn-normalize --load, encrypted in and out (--key)" "$f32_raw" "$BIN/nn-normalize -q --key '$W/key' --accept-clear --load '$W/mm.nns' '$W/train-enc.nns'"
row "nn-info --verify, encrypted (--key)" "$f32_raw" "$BIN/nn-info --key '$W/key' --verify '$W/train-enc.nns'"
rm -f "$W/train-enc.nns"
row "libcommon's reader alone, 2 read-ahead threads (bench/scan.c)" "$f32_raw" "'$PROG/scan' 2 < '$W/train.nns'"
row "the same, no read-ahead thread (nn_reader_set_threads 0)" "$f32_raw" "'$PROG/scan' 0 < '$W/train.nns'"
# zscore's output, full-precision floats, costs more to compress than its
# input; and libzstd compressing it frame by frame (256 KiB each, as every
# stream) costs more than the zstd program compressing one long frame.
$BIN/nn-normalize -q --method zscore -o "$W/zs.nns" "$W/train.nns"
row "floor on zscore's output ($(stat -c %s "$W/zs.nns") bytes): zstd -dc \| zstd -3 -c" "$f32_raw" "zstd -dc '$W/zs.nns' | zstd -3 -c"
row "libcommon's reader and writer copying zscore's output, 1 compression thread (bench/rebatch.c)" "$f32_raw" "'$PROG/rebatch' 262144 3 1 < '$W/zs.nns'"
row "the same, 2 compression threads" "$f32_raw" "'$PROG/rebatch' 262144 3 2 < '$W/zs.nns'"
rm -f "$W/zs.nns"
row "nn-export csv" "$f32_raw" "$BIN/nn-export --format csv '$W/train.nns'"
row "nn-export csv --threads 1" "$f32_raw" "$BIN/nn-export --format csv --threads 1 '$W/train.nns'"
$BIN/nn-export --format csv "$W/train.nns" > "$W/train.csv"
csv_bytes=$(stat -c %s "$W/train.csv")
row "nn-import csv ($csv_bytes bytes of text; MB/s of text)" "$csv_bytes" "$BIN/nn-import -q --label y '$W/train.csv'"
# nn-import's CSV path through libcommon (bench/import.c), as nn-import
# did it before issue 15 (parse into a buffer of its own, nn_writer_write
# copies it into the writer's batch) and as it does now, the rows parsed,
# or read back from the spool, straight into the writer's batch
# (nn_writer_room): one copy of every feature byte less.
row "libcommon's CSV import, --label y, copied (bench/import.c)" "$csv_bytes" "'$PROG/import' copy y 1 < '$W/train.csv'"
row "the same, read back into the writer's batch (as nn-import)" "$csv_bytes" "'$PROG/import' room y 1 < '$W/train.csv'"
row "libcommon's CSV import, no label, copied" "$csv_bytes" "'$PROG/import' copy - 1 < '$W/train.csv'"
row "the same, parsed into the writer's batch (as nn-import)" "$csv_bytes" "'$PROG/import' room - 1 < '$W/train.csv'"
rm -f "$W/train.csv" "$W/s1.nns" "$W/s2.nns"
FLOOR_CMD=
echo "× floor: over the best of the floor runs taken beside this row's tries." | tee -a "$OUT"

# --- the writer's defaults: batch size, compression threads, level --------
if [ "${BENCH_DEFAULTS:-1}" != 0 ]; then
	OUT="$OUT" REPEAT="${BENCH_REPEAT:-3}" sh bench/defaults.sh "$W"
fi

# --- scale: the same programs on ~2 GB: bounded memory, linear time ---------
if [ "${BENCH_SCALE:-1}" != 0 ]; then
	for copies in 5 11; do
		for i in $(seq "$copies"); do cat "$W/train.nns"; done > "$W/big.nns"
		big_raw=$((f32_raw * copies))
		{
			echo
			echo "## Scale: $copies copies concatenated ($big_raw bytes raw, $(stat -c %s "$W/big.nns") as a stream)"
			echo
			echo "| step | seconds | s per GB raw | × floor | peak RSS MiB |"
			echo "|---|---|---|---|---|"
		} | tee -a "$OUT"
		FLOOR=
		for step in "floor|zstd -dc '$W/big.nns' | zstd -3 -c" \
		            "nn-normalize --load|$BIN/nn-normalize -q --load '$W/mm.nns' '$W/big.nns'" \
		            "nn-normalize zscore|$BIN/nn-normalize -q --method zscore '$W/big.nns'" \
		            "nn-clean|$BIN/nn-clean -q '$W/big.nns'" \
		            "nn-augment --noise|$BIN/nn-augment -q --noise 0.1 --no-keep-original '$W/big.nns'" \
		            "nn-split --stratify|$BIN/nn-split -q --stratify --test-size 0.2 --train '$W/b1.nns' --test '$W/b2.nns' '$W/big.nns'" \
		            "nn-info --verify|$BIN/nn-info --verify '$W/big.nns'" \
		            "nn-export csv (to a file)|$BIN/nn-export --format csv '$W/big.nns' > '$W/big.csv'" \
		            "nn-import csv (the file above; s per GB raw)|$BIN/nn-import -q --label y '$W/big.csv'"; do
			name=${step%%|*}
			/usr/bin/time -f '%e %M' -o "$W/t" sh -c "${step#*|}" > /dev/null
			set -- $(cat "$W/t")
			[ -n "$FLOOR" ] || FLOOR=$1
			printf '| %s | %s | %s | %s | %s |\n' "$name" "$1" \
				"$(awk -v s="$1" -v b="$big_raw" 'BEGIN { printf "%.2f", s / (b / 1e9) }')" \
				"$(awk -v s="$1" -v f="$FLOOR" 'BEGIN { printf "%.2f", s / f }')" "$(($2 / 1024))" | tee -a "$OUT"
		done
		printf "\n(nn-import read %s bytes of CSV text.)\n" "$(stat -c %s "$W/big.csv")" | tee -a "$OUT"
		rm -f "$W/big.nns" "$W/b1.nns" "$W/b2.nns" "$W/big.csv"
	done
fi

# --- out of core: nn-train --memory on Fashion-MNIST concatenated to 20 GB --
# The training images (u8) with 7 flipped/shifted copies each (4 seeds),
# concatenated until the rows take BENCH_OOC_GB GB in memory as u8 (788
# bytes a row; 4x as f32).  One epoch of the reference network out of
# core with --memory 256M (peak RSS, samples/s), the in-memory samples/s
# of 2 epochs on the 60,000 u8 rows just before, and the test accuracy of
# the reference task out of core (--memory 16M: a tenth of the set in
# the shuffle buffer) against the 2-thread in-memory model above.
if [ "${BENCH_OOC:-1}" != 0 ]; then
	gb=${BENCH_OOC_GB:-20}
	for s in 0 1 2 3; do
		$BIN/nn-augment -q --flip-h --shift 2 --copies 7 --seed $s -o "$W/aug$s.nns" "$W/train-u8.nns"
	done
	per=$((60000 * 8 * 788))
	copies=$(awk -v g="$gb" -v p="$per" 'BEGIN { c = int(g * 1e9 / p + 0.999); print (c > 0 ? c : 1) }')
	for i in $(seq 0 $((copies - 1))); do cat "$W/aug$((i % 4)).nns"; done > "$W/ooc.nns"
	rm -f "$W/aug0.nns" "$W/aug1.nns" "$W/aug2.nns" "$W/aug3.nns"
	OOC="--layers 256,128 --activation relu --optimizer adam --lr 0.001 --batch-size 128 --seed 1 --threads 2"
	$BIN/nn-train $OOC --epochs 2 -q --log "$W/ooc-mem.tsv" -o "$W/ooc-mem.nnm" "$W/train-u8.nns"
	/usr/bin/time -f '%e %M' -o "$W/t" $BIN/nn-train $OOC --epochs 1 -q --memory 256M --log "$W/ooc.tsv" \
		-o "$W/ooc.nnm" "$W/ooc.nns"
	set -- $(cat "$W/t")
	mem_rate=$(awk -F'\t' 'NR > 1 { s += $6; n++ } END { printf "%.0f", s / n }' "$W/ooc-mem.tsv")
	ooc_rate=$(awk -F'\t' 'NR > 1 { s += $6; n++ } END { printf "%.0f", s / n }' "$W/ooc.tsv")
	$BIN/nn-train $REF --threads 2 --epochs "$EPOCHS" -q --memory 16M -o "$W/ooc-ref.nnm" "$W/train.nns"
	acc_ooc=$($BIN/nn-eval --json -m "$W/ooc-ref.nnm" "$W/test.nns" | grep -o '"accuracy": [0-9.]*' | head -n 1 | sed 's/.*: //')
	acc_mem=$($BIN/nn-eval --json -m "$W/model2.nnm" "$W/test.nns" | grep -o '"accuracy": [0-9.]*' | head -n 1 | sed 's/.*: //')
	{
		echo
		echo "## Out of core: nn-train --memory 256M, $copies x 480,000 u8 rows ($(stat -c %s "$W/ooc.nns") bytes of stream, $((copies * per / 1000000)) MB in memory as u8)"
		echo
		echo "| rows | seconds | peak RSS MiB | samples/s out of core | samples/s in memory (60,000 u8) | ratio | test accuracy in memory | out of core (--memory 16M), $EPOCHS epochs |"
		echo "|---|---|---|---|---|---|---|---|"
		printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$((copies * 480000))" "$1" "$(($2 / 1024))" "$ooc_rate" \
			"$mem_rate" "$(awk -v a="$ooc_rate" -v b="$mem_rate" 'BEGIN { printf "%.2f", a / b }')" "$acc_mem" "$acc_ooc"
	} | tee -a "$OUT"
	rm -f "$W/ooc.nns"
fi

# --- compression: stream size against the raw bytes and the gzip originals --
{
	echo
	echo "## Compression (Fashion-MNIST train, u8 images + label)"
	echo
	echo "| form | bytes | × raw |"
	echo "|---|---|---|"
	gz=$(($(stat -c %s "$FASHION/train-images-idx3-ubyte.gz") + $(stat -c %s "$FASHION/train-labels-idx1-ubyte.gz")))
	echo "| raw | $raw | 1.00 |"
	echo "| gzip originals (Debian's files) | $gz | $(awk -v a="$gz" -v b="$raw" 'BEGIN { printf "%.3f", a / b }') |"
	for level in 1 3 9 19; do
		$BIN/nn-import -q --level $level --format idx --labels "$FASHION/train-labels-idx1-ubyte.gz" \
			-o "$W/l.nns" "$FASHION/train-images-idx3-ubyte.gz"
		b=$(stat -c %s "$W/l.nns")
		echo "| stream, zstd level $level | $b | $(awk -v a="$b" -v r="$raw" 'BEGIN { printf "%.3f", a / r }') |"
	done
	rm -f "$W/l.nns"
} | tee -a "$OUT"

# --- the same task in other frameworks, when installed (optional) ----------
{
	echo
	echo "## The reference task in other frameworks ($EPOCHS epochs; skipped when not installed)"
	echo
	if [ -x /usr/bin/python3 ]; then
		# Their OpenBLAS as the environment sets it up (as shipped), then
		# on the kernels nn-train chose (tuned), when those differ.
		frameworks() {
			OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 BENCH_EPOCHS="$EPOCHS" NN_RATE1="$RATE1" NN_RATE2="$RATE2" \
				/usr/bin/python3 bench/reference.py || echo "(bench/reference.py failed; see above)"
		}
		printf 'As shipped: their OpenBLAS on the kernels the environment gives it (%s):\n\n' \
			"${OPENBLAS_CORETYPE:-OpenBLAS's own choice}"
		frameworks
		if [ -n "$KERNELS" ] && [ "$KERNELS" != "${OPENBLAS_CORETYPE:-}" ]; then
			printf '\nTuned: their OpenBLAS on nn-train'"'"'s kernels (OPENBLAS_CORETYPE=%s):\n\n' "$KERNELS"
			(export OPENBLAS_CORETYPE="$KERNELS"; frameworks)
		fi
	else
		echo "(skipped: no /usr/bin/python3)"
	fi
} | tee -a "$OUT"

# --- data-parallel training on MPI: all-reduce against compute per step ----
if [ "${BENCH_MPI:-1}" != 0 ]; then
	{
		echo
		echo "## Data-parallel training on MPI (bench/mpi.sh; BENCH_MPI=0 skips)"
		echo
		BIN="$BIN" sh bench/mpi.sh 2 || echo "(bench/mpi.sh failed; see above)"
	} | tee -a "$OUT"
fi

# --- the cluster estimate against a real 2-rank run -------------------------
# nn-train --dry-run --ranks 2 --link 40 (shared memory here moves about
# 5 GB/s: bench/mpi.sh's all-reduce) against mpirun -np 2 on this machine,
# one BLAS thread per rank, on the 10,000 test images.  The measured epoch
# is the fastest after the first (the first pays MPI's setup); the CPU
# share (CPU seconds over ranks x wall) shows how much of the two cores
# the ranks had: a busy machine makes synchronous steps wait.
if [ "${BENCH_MPI:-1}" != 0 ] && command -v mpirun >/dev/null && ldd "$BIN/nn-train" | grep -q libmpi; then
	{
		echo
		echo "## The cluster estimate against a 2-rank run (784-256-128-10, batch 512 per rank, 1 thread per rank)"
		echo
		echo "| estimate s/epoch | measured s/epoch | measured / estimate | CPU share of the ranks |"
		echo "|---|---|---|---|"
		MPIRUN="mpirun --oversubscribe -np 2"
		[ "$(id -u)" -ne 0 ] || MPIRUN="$MPIRUN --allow-run-as-root"
		$BIN/nn-normalize -q --method maxabs -o "$W/cl.nns" "$W/test-u8.nns"
		set -- --threads 1 --layers 256,128 --batch-size 512 --epochs 4 "$W/cl.nns"
		est=$($BIN/nn-train --dry-run --ranks 2 --link 40 "$@" | awk -F'\t' '$1 == "cluster" { split($2, a, " "); print a[6] }')
		$MPIRUN $BIN/nn-train --mpi -q --log "$W/cl.tsv" -o "$W/cl.nnm" "$@"
		awk -F'\t' -v est="$est" 'NR > 1 { t = $7 - prev; prev = $7; if (NR > 2 && (best == "" || t < best)) best = t; w = $7; c = $8 }
			END { printf "| %s | %.3f | %.2f | %.2f |\n", est, best, best / est, c / (2 * w) }' "$W/cl.tsv"
	} | tee -a "$OUT"
fi
