#!/usr/bin/env bats
# nn-train --memory: training rows larger than SIZE read from their file
# every epoch through a seeded shuffle buffer; a pipe gets one pass; a
# set that fits trains as without the option.

load helper

setup_file() {
	nn-import -q --label digit -o "$BATS_FILE_TMPDIR/d.nns" "$ROOT/data/digits.csv"
}

setup() {
	T="$BATS_TEST_TMPDIR"
	cp "$BATS_FILE_TMPDIR/d.nns" "$T/d.nns"
}

# accuracy MODEL: the model's accuracy on the digits, as a whole number of
# tenths of a percent
accuracy() {
	nn-eval -m "$1" "$T/d.nns" | awk '$1 == "accuracy" { printf "%d\n", $2 * 1000 }'
}

@test "out of core: read each epoch, reproducible, as accurate as in memory" {
	run --separate-stderr nn-train --layers 32 --epochs 10 --seed 1 --memory 64K -o "$T/a.nnm" "$T/d.nns"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"1797 rows, more than --memory 65536 bytes: read from the file each epoch, shuffled through a buffer of 252 rows"* ]]
	[[ "$stderr" == *"epoch 10/10"* ]]
	nn-train -q --layers 32 --epochs 10 --seed 1 --memory 64K -o "$T/b.nnm" "$T/d.nns"
	cmp "$T/a.nnm" "$T/b.nnm"
	nn-train -q --layers 32 --epochs 10 --seed 1 -o "$T/m.nnm" "$T/d.nns"
	a=$(accuracy "$T/a.nnm")
	m=$(accuracy "$T/m.nnm")
	[ "$a" -gt 700 ]
	[ $((a - m)) -lt 50 ] && [ $((m - a)) -lt 50 ]
	nn-train -q --layers 32 --epochs 10 --seed 2 --memory 64K -o "$T/c.nnm" "$T/d.nns"
	! cmp -s "$T/a.nnm" "$T/c.nnm"
}

@test "a set that fits in --memory trains and writes the same bytes as without it" {
	nn-train -q --layers 16 --epochs 2 --seed 1 --val-size 0.2 -o "$T/a.nnm" "$T/d.nns"
	nn-train -q --layers 16 --epochs 2 --seed 1 --val-size 0.2 --memory 1M -o "$T/b.nnm" "$T/d.nns"
	cmp "$T/a.nnm" "$T/b.nnm"
}

@test "out of core: --val-size holds rows out by a hash, --val FILE, early stopping, the log" {
	run --separate-stderr nn-train --layers 16 --epochs 3 --seed 1 --val-size 0.2 --memory 64K \
	    --log "$T/log.tsv" -o "$T/a.nnm" "$T/d.nns"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"val_acc"* ]]
	[ "$(wc -l < "$T/log.tsv")" -eq 4 ]
	run nn-train -q --layers 16 --epochs 3 --val-size 100 --memory 64K -o "$T/b.nnm" "$T/d.nns"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--val-size 100: out of core"* ]]
	[ ! -e "$T/b.nnm" ]
	nn-train -q --layers 16 --epochs 2 --val "$T/d.nns" --memory 64K -o "$T/c.nnm" "$T/d.nns"
	nn-info "$T/c.nnm" > /dev/null
}

@test "out of core: a checkpoint resumed mid-run gives the uninterrupted model" {
	nn-train -q --layers 16 --epochs 4 --seed 1 --memory 64K -o "$T/a.nnm" "$T/d.nns"
	nn-train -q --layers 16 --epochs 2 --seed 1 --memory 64K --checkpoint "$T/c.ckpt" -o "$T/x.nnm" "$T/d.nns"
	nn-train -q --layers 16 --epochs 4 --seed 1 --memory 64K --resume "$T/c.ckpt" -o "$T/b.nnm" "$T/d.nns"
	cmp "$T/a.nnm" "$T/b.nnm"
}

@test "out of core from a pipe: one pass, said on stderr" {
	run --separate-stderr sh -c "cat '$T/d.nns' | nn-train --layers 16 --epochs 5 --seed 1 --memory 64K -o '$T/p.nnm'"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"(stdin): more than --memory 65536 bytes, and not a file: one pass over it (one epoch)"* ]]
	[[ "$stderr" == *"epoch 1/1"* ]]
	nn-info "$T/p.nnm" > /dev/null
	run sh -c "cat '$T/d.nns' | nn-train -q --schedule cosine --memory 64K -o '$T/q.nnm'"
	[ "$status" -eq 2 ]
	[ ! -e "$T/q.nnm" ]
}

@test "bad --memory values are usage errors" {
	for bad in 0 12X -5 1.5M '' 100; do
		run nn-train -q --memory "$bad" -o "$T/m.nnm" "$T/d.nns"
		[ "$status" -eq 2 ]
	done
	[ ! -e "$T/m.nnm" ]
	run nn-train -q --memory 1M --dry-run "$T/d.nns"
	[ "$status" -eq 2 ]
}

@test "out of core: a file cut after the first epoch ends the run with status 1, its name, no model" {
	cp "$T/d.nns" "$T/cut.nns"
	nn-train --layers 16 --epochs 100000 --patience 0 --memory 64K --log "$T/log.tsv" \
	    -o "$T/m.nnm" "$T/cut.nns" 2> "$T/err" &
	pid=$!
	for i in $(seq 100); do
		[ -s "$T/log.tsv" ] && [ "$(wc -l < "$T/log.tsv")" -ge 2 ] && break
		sleep 0.05
	done
	truncate -s 20000 "$T/cut.nns"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 1 ]
	grep -q "nn-train: '$T/cut.nns':" "$T/err"
	[ ! -e "$T/m.nnm" ]
	no_temporaries "$T"
}
