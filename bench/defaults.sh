#!/bin/sh
# bench/defaults.sh: the measurements behind the stream writer's defaults
# (batch size, compression threads, zstd level in pipelines), each next to
# the floor `zstd -dc | zstd -3 -c` of the same bytes in the same run.
# Called by bench/run.sh with its work folder (train.nns: Fashion-MNIST
# scaled to f32, mm.nns: its min-max parameters); alone (`sh
# bench/defaults.sh`) it makes them.  Appends to $OUT when set.
# Each time is the best of $REPEAT runs (default 3), runs interleaved.
set -eu
cd "$(dirname "$0")/.."
BIN=$PWD/build/bin
PROG=$PWD/build/bench   # bench/*.c: make bench-programs (make bench builds them)
[ -x "$PROG/rebatch" ] || make --no-print-directory bench-programs
REPEAT=${REPEAT:-3}
OUT=${OUT:-/dev/null}
if [ $# -ge 1 ]; then
	W=$1
else
	W=$(mktemp -d "${TMPDIR:-/tmp}/nn-bench.XXXXXX")
	trap 'rm -rf "$W"' EXIT
	F=/usr/share/datasets/fashion-mnist
	$BIN/nn-import -q --format idx --labels "$F/train-labels-idx1-ubyte.gz" --classes fashion-mnist \
		-o "$W/train-u8.nns" "$F/train-images-idx3-ubyte.gz"
	$BIN/nn-normalize -q --method minmax --save "$W/mm.nns" -o "$W/train.nns" "$W/train-u8.nns"
fi
IN=$W/train.nns
rm -f "$W"/floor.runs "$W"/runs.* "$W"/res.* "$W"/out.*

# the copier with a chosen batch size ($PROG/rebatch): libcommon's writer, nothing else

# best NAME CMD: best-of-REPEAT seconds, peak RSS (KiB) and CPU seconds of
# its best run into $W/res.NAME, the floor run between every two tries.
# CPU seconds (user + system) say what the machine's other load hides.
best() {
	name=$1
	shift
	for i in $(seq "$REPEAT"); do
		/usr/bin/time -f '%e %M %U %S' -o "$W/t" sh -c "zstd -dc '$IN' | zstd -3 -c" > /dev/null
		cat "$W/t" >> "$W/floor.runs"
		/usr/bin/time -f '%e %M %U %S' -o "$W/t" sh -c "$*" > "$W/out.$name"
		cat "$W/t" >> "$W/runs.$name"
	done
	sort -n "$W/runs.$name" | head -n 1 > "$W/res.$name"
}
secs() { cut -d' ' -f1 "$W/res.$1"; }
rss() { awk '{ print int($2 / 1024) }' "$W/res.$1"; }
cpu() { awk '{ printf "%.2f", $3 + $4 }' "$W/res.$1"; }   # user + system of that run
floor() { sort -n "$W/floor.runs" | head -n 1 | cut -d' ' -f1; }
ratio() { awk -v a="$1" -v b="$(floor)" 'BEGIN { printf "%.2f", a / b }'; }
size() { stat -c %s "$W/out.$1"; }

{
	echo
	echo "## Data programs, best of $REPEAT next to the floor run between every two tries"
	echo
	echo "| program | seconds | × floor | CPU s | peak RSS MiB |"
	echo "|---|---|---|---|---|"
} | tee -a "$OUT"
n=0
for cmd in "nn-normalize -q --load '$W/mm.nns' '$IN'" \
           "nn-normalize -q --method zscore '$IN'" \
           "nn-clean -q '$IN'" \
           "nn-augment -q --noise 0.1 --no-keep-original '$IN'" \
           "nn-split -q --stratify --test-size 0.2 --train '$W/s1.nns' --test '$W/s2.nns' '$IN'"; do
	n=$((n + 1))
	best "d$n" "'$BIN/'$cmd"
	printf '| %s | %s | %s | %s | %s |\n' "$(echo "$cmd" | sed "s|'[^']*/||g; s|'||g")" "$(secs "d$n")" \
		"$(ratio "$(secs "d$n")")" "$(cpu "d$n")" "$(rss "d$n")" | tee -a "$OUT"
done
rm -f "$W/s1.nns" "$W/s2.nns"

{
	echo
	echo "## Defaults: batch size, compression threads, level in pipelines"
	echo
	echo "Copying the f32 Fashion-MNIST stream with libcommon's reader and writer"
	echo "(bench/rebatch.c), best of $REPEAT, next to the floor run between every two tries."
	echo
	echo "| batch (raw bytes) | seconds | × floor | CPU s | peak RSS MiB | stream bytes | nn-info --verify s |"
	echo "|---|---|---|---|---|---|---|"
} | tee -a "$OUT"
for kb in 256 512 1024 2048 4096 8192; do
	best "b$kb" "'$PROG/rebatch' $((kb * 1024)) 3 1 < '$IN'"
	cp "$W/out.b$kb" "$W/rb.nns"
	best "v$kb" "'$BIN/nn-info' --verify '$W/rb.nns'"
	printf '| %s KiB | %s | %s | %s | %s | %s | %s |\n' "$kb" "$(secs "b$kb")" "$(ratio "$(secs "b$kb")")" \
		"$(cpu "b$kb")" "$(rss "b$kb")" "$(size "b$kb")" "$(secs "v$kb")" | tee -a "$OUT"
done
rm -f "$W/rb.nns"

{
	echo
	echo "| compression (256 KiB batches, level 3) | seconds | × floor | CPU s | peak RSS MiB |"
	echo "|---|---|---|---|---|"
} | tee -a "$OUT"
best t0 "'$PROG/rebatch' 262144 3 0 < '$IN'"
best t1 "'$PROG/rebatch' 262144 3 1 < '$IN'"
best t2 "'$PROG/rebatch' 262144 3 2 < '$IN'"
best t4 "'$PROG/rebatch' 262144 3 4 < '$IN'"
cmp -s "$W/out.t0" "$W/out.t1" && cmp -s "$W/out.t0" "$W/out.t2" && cmp -s "$W/out.t0" "$W/out.t4" &&
	same="identical" || same="DIFFERENT"
for t in 0 1 2 4; do
	case $t in
	0) what="in the caller's thread (nn_writer_set_threads 0)" ;;
	1) what="1 writer thread (the default in a pipeline)" ;;
	*) what="$t writer threads (--threads $t)" ;;
	esac
	printf '| %s | %s | %s | %s | %s |\n' "$what" "$(secs "t$t")" "$(ratio "$(secs "t$t")")" "$(cpu "t$t")" \
		"$(rss "t$t")" | tee -a "$OUT"
done
echo | tee -a "$OUT"
echo "The four streams are $same byte for byte." | tee -a "$OUT"

{
	echo
	echo "| 3-program pipeline: nn-clean \\| nn-normalize --load \\| nn-augment --noise | seconds | × floor | CPU s |"
	echo "|---|---|---|---|"
} | tee -a "$OUT"
for level in 1 3; do
	best "p$level" "'$BIN/nn-clean' -q --level $level '$IN' | '$BIN/nn-normalize' -q --level $level --load '$W/mm.nns' | '$BIN/nn-augment' -q --noise 0.1 --no-keep-original"
	printf '| the two pipes at --level %s | %s | %s | %s |\n' "$level" "$(secs "p$level")" "$(ratio "$(secs "p$level")")" \
		"$(cpu "p$level")" | tee -a "$OUT"
done
for level in 1 3; do
	best "l$level" "'$BIN/nn-normalize' -q --level $level --load '$W/mm.nns' '$IN'"
	printf '| (one program, nn-normalize --load --level %s: %s bytes) | %s | %s | %s |\n' "$level" \
		"$(size "l$level")" "$(secs "l$level")" "$(ratio "$(secs "l$level")")" "$(cpu "l$level")" | tee -a "$OUT"
done
echo | tee -a "$OUT"
rm -f "$W"/out.*
echo "The floor: $(floor) s (best of $(wc -l < "$W/floor.runs") runs; CPU $(sort -n "$W/floor.runs" | head -n 1 | awk '{ printf "%.2f", $3 + $4 }') s)." | tee -a "$OUT"
