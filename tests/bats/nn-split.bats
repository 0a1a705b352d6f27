#!/usr/bin/env bats
# nn-split: exact sizes, stratified class counts, folds, shards, streaming,
# --no-shuffle order, atomic outputs, bad inputs, determinism.

load helper

# ids: the id (first column) of every row of a stream, one per line.
ids() {
	nn-export --no-header "$1" | cut -d, -f1
}

# 10 rows, ids 0..9, no label worth stratifying.
ten() {
	{ echo id,v; for i in $(seq 0 9); do echo "$i,$((i * i))"; done; } |
		nn-import --format csv -o "$T/ten.nns"
}

# 20 rows with classes a (10 rows), b (6), c (4), interleaved.
twenty() {
	{
		echo id,label
		i=0
		for l in a a b a c a b a a c b a a b c a b a b c; do
			echo "$i,$l"
			i=$((i + 1))
		done
	} | nn-import --format csv --label label -o "$T/s.nns"
}

# class_counts FILE: "a=N b=N c=N" from nn-info.
class_counts() {
	nn-info "$1" | awk -F '\t' '$1 == "class" { printf "%s%s=%s", n++ ? " " : "", $5, $4 }'
}

@test "nn-split: usage errors exit 2 and write nothing" {
	ten
	cd "$T"
	for args in "" "--train a.nns" "--test b.nns" \
		"--train a.nns --test b.nns --val c.nns" \
		"--train a.nns --test b.nns --val-size 0.1" \
		"--train a.nns --test b.nns --kfold 3" \
		"--train a.nns --test b.nns --fold 1" \
		"--train a.nns --test b.nns --kfold 3 --fold 3" \
		"--train a.nns --test b.nns --kfold 3 --fold 0 --test-size 0.2" \
		"--train a.nns --test b.nns --test-size 1.5" \
		"--train a.nns --test b.nns --test-size 0" \
		"--train a.nns --test b.nns --test-size -0.1" \
		"--train a.nns --test b.nns --test-size 1.0" \
		"--train a.nns --test b.nns --test-size abc" \
		"--train a.nns --test b.nns --test-size 0.6 --val-size 0.4 --val c.nns" \
		"--train a.nns --test b.nns --streaming --test-size 3" \
		"--train a.nns --test b.nns --streaming --stratify" \
		"--train a.nns --test a.nns" \
		"--train - --test -" \
		"--shards 3" \
		"--shards 3 --shard-pattern p%d.nns --train a.nns" \
		"--shards 3 --shard-pattern p%d.nns --stratify" \
		"--shard-pattern p%d.nns" \
		"--round-robin --train a.nns --test b.nns" \
		"--shards 3 --shard-pattern p.nns" \
		"--shards 3 --shard-pattern p%d%d.nns" \
		"--shards 3 --shard-pattern p%s.nns" \
		"--shards 3 --shard-pattern p%5.2f.nns" \
		"--shards 3 --shard-pattern p%n.nns" \
		"--shards 3 --shard-pattern p%+d.nns" \
		"--shards 3 --shard-pattern p%1000d.nns" \
		"--shards 3 --shard-pattern p%ld.nns" \
		"--shards 3 --shard-pattern p%%d.nns" \
		"--shards 3 --shard-pattern p%"; do
		run --separate-stderr nn-split $args ten.nns
		[ "$status" -eq 2 ] || fail "'$args': status $status: $stderr"
		[ -z "$output" ]
		[[ "$stderr" == "nn-split: "* ]] || fail "'$args': $stderr"
		[ ! -e a.nns ] && [ ! -e b.nns ] && [ ! -e c.nns ] || fail "'$args' wrote a file"
		no_temporaries .
	done
}

@test "nn-split: fractions round the test set up, as scikit-learn" {
	ten
	# default 0.25: ceil(2.5) = 3 test, 7 train
	run --separate-stderr nn-split --train "$T/a.nns" --test "$T/b.nns" "$T/ten.nns"
	[ "$status" -eq 0 ]
	[ "$(ids "$T/b.nns" | wc -l)" -eq 3 ]
	[ "$(ids "$T/a.nns" | wc -l)" -eq 7 ]
	[[ "$stderr" == *"'$T/a.nns': 7 rows"* ]]
	[[ "$stderr" == *"'$T/b.nns': 3 rows"* ]]
	# 0.3 * 10 = 3 exactly; 0.15 * 10 = 1.5 -> 2; train 5
	nn-split -q --test-size 0.3 --val-size 0.15 --val "$T/c.nns" --train "$T/a.nns" --test "$T/b.nns" "$T/ten.nns"
	[ "$(ids "$T/b.nns" | wc -l)" -eq 3 ]
	[ "$(ids "$T/c.nns" | wc -l)" -eq 2 ]
	[ "$(ids "$T/a.nns" | wc -l)" -eq 5 ]
	# 0.01 of 10 rounds up to 1
	nn-split -q --test-size 0.01 --train "$T/a.nns" --test "$T/b.nns" "$T/ten.nns"
	[ "$(ids "$T/b.nns" | wc -l)" -eq 1 ]
}

@test "nn-split: counts of rows, and the outputs partition the input" {
	nn-import --label species -o "$T/iris.nns" "$ROOT/data/iris.csv"
	nn-split -q --test-size 30 --val-size 15 --val "$T/c.nns" --seed 5 \
		--train "$T/a.nns" --test "$T/b.nns" "$T/iris.nns"
	[ "$(nn-export --no-header "$T/b.nns" | wc -l)" -eq 30 ]
	[ "$(nn-export --no-header "$T/c.nns" | wc -l)" -eq 15 ]
	[ "$(nn-export --no-header "$T/a.nns" | wc -l)" -eq 105 ]
	# as multisets, the three outputs are the input
	diff <(nn-export --no-header "$T/iris.nns" | sort) \
	     <(cat "$T/a.nns" "$T/b.nns" "$T/c.nns" | nn-export --no-header | sort)
	# too many: no training rows left
	run --separate-stderr nn-split --test-size 150 --train "$T/x.nns" --test "$T/y.nns" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"leave no training rows"* ]]
	[ ! -e "$T/x.nns" ]
}

@test "nn-split: the default shuffles every output" {
	ten
	nn-split -q --train "$T/a.nns" --test "$T/b.nns" "$T/ten.nns"
	[ "$(ids "$T/a.nns" | tr '\n' ' ')" != "$(ids "$T/a.nns" | sort -n | tr '\n' ' ')" ] || fail "train in input order"
}

@test "nn-split: --no-shuffle sizes and order, hand-computed" {
	ten
	nn-split -q --no-shuffle --test-size 0.3 --val-size 0.2 --val "$T/c.nns" \
		--train "$T/a.nns" --test "$T/b.nns" "$T/ten.nns"
	[ "$(ids "$T/a.nns" | tr '\n' ' ')" = "0 1 2 3 4 " ]
	[ "$(ids "$T/c.nns" | tr '\n' ' ')" = "5 6 " ]
	[ "$(ids "$T/b.nns" | tr '\n' ' ')" = "7 8 9 " ]
	# the same from a pipe
	nn-split -q --no-shuffle --test-size 0.3 --train "$T/p.nns" --test "$T/q.nns" < "$T/ten.nns"
	[ "$(ids "$T/q.nns" | tr '\n' ' ')" = "7 8 9 " ]
	[ "$(ids "$T/p.nns" | tr '\n' ' ')" = "0 1 2 3 4 5 6 " ]
}

@test "nn-split: --stratify class counts by largest remainder" {
	twenty
	# 5 test rows; shares a 2.5, b 1.5, c 1 -> a 3, b 1, c 1 (tie to the lower class)
	run --separate-stderr nn-split --stratify --seed 9 --train "$T/a.nns" --test "$T/b.nns" "$T/s.nns"
	[ "$status" -eq 0 ]
	[ "$(class_counts "$T/b.nns")" = "a=3 b=1 c=1" ]
	[ "$(class_counts "$T/a.nns")" = "a=7 b=5 c=3" ]
	[[ "$stderr" == *"'$T/a.nns': 15 rows; y: a=7 b=5 c=3"* ]] || fail "$stderr"
	[[ "$stderr" == *"'$T/b.nns': 5 rows; y: a=3 b=1 c=1"* ]]
	# 15 test rows: a 7.5, b 4.5, c 3 -> a 8, b 4, c 3
	nn-split -q --stratify --test-size 0.75 --train "$T/a.nns" --test "$T/b.nns" "$T/s.nns"
	[ "$(class_counts "$T/b.nns")" = "a=8 b=4 c=3" ]
	[ "$(class_counts "$T/a.nns")" = "a=2 b=2 c=1" ]
	# three ways, 20 rows, test 0.3 (6), val 0.25 (5), train 9:
	# test a 3, b 1.8, c 1.2; val a 2.5, b 1.5, c 1; train a 4.5, b 2.7, c 1.8.
	# Leftovers: a's one to val (tie with train: the earlier output), b's two
	# to test and train, c's one to train; every total is then right.
	nn-split -q --stratify --test-size 0.3 --val-size 0.25 --val "$T/c.nns" \
		--train "$T/a.nns" --test "$T/b.nns" "$T/s.nns"
	[ "$(class_counts "$T/b.nns")" = "a=3 b=2 c=1" ]
	[ "$(class_counts "$T/c.nns")" = "a=3 b=1 c=1" ]
	[ "$(class_counts "$T/a.nns")" = "a=4 b=3 c=2" ]
	diff <(ids "$T/s.nns" | sort -n) <(cat "$T/a.nns" "$T/b.nns" "$T/c.nns" | nn-export --no-header | cut -d, -f1 | sort -n)
}

@test "nn-split: --stratify --no-shuffle takes each class's first rows for training" {
	twenty
	nn-split -q --stratify --no-shuffle --train "$T/a.nns" --test "$T/b.nns" "$T/s.nns"
	# a: 0 1 3 5 7 8 11 | 12 15 17; b: 2 6 10 13 16 | 18; c: 4 9 14 | 19
	[ "$(ids "$T/b.nns" | tr '\n' ' ')" = "12 15 17 18 19 " ]
	[ "$(ids "$T/a.nns" | tr '\n' ' ')" = "0 1 2 3 4 5 6 7 8 9 10 11 13 14 16 " ]
}

@test "nn-split: --stratify errors name the class, the field, the dtype" {
	twenty
	{ echo id,label; i=0; for l in a a b b c; do echo "$i,$l"; i=$((i + 1)); done; } |
		nn-import --label label -o "$T/one.nns"
	run --separate-stderr nn-split --stratify --train "$T/a.nns" --test "$T/b.nns" "$T/one.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-split: '$T/one.nns': class 'c' (2) has 1 row; --stratify needs at least 2"* ]] || fail "$stderr"
	[ ! -e "$T/a.nns" ] && [ ! -e "$T/b.nns" ]
	# the same class is fine without --stratify
	run --separate-stderr nn-split --train "$T/a.nns" --test "$T/b.nns" "$T/one.nns"
	[ "$status" -eq 0 ]
	# no such field
	run --separate-stderr nn-split --stratify --y label --train "$T/x.nns" --test "$T/y.nns" "$T/s.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no field 'label' (choose one with --y)"* ]]
	# float labels (regression), NaN among them
	printf 'a,t\n1,0.5\n2,NA\n3,1.5\n4,2.5\n' | nn-import --label t -o "$T/f.nns"
	run --separate-stderr nn-split --stratify --train "$T/x.nns" --test "$T/y.nns" "$T/f.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"label field 'y' holds f32 numbers, not class ids"* ]] || fail "$stderr"
	[ ! -e "$T/x.nns" ]
	# without --stratify, NaN labels just pass through
	run --separate-stderr nn-split --no-shuffle --test-size 1 --train "$T/x.nns" --test "$T/y.nns" "$T/f.nns"
	[ "$status" -eq 0 ]
	[ "$(nn-export --no-header "$T/x.nns" | tr '\n' ' ')" = "1,0.5 2,nan 3,1.5 " ]
	# an output smaller than the number of classes
	run --separate-stderr nn-split --stratify --test-size 2 --train "$T/x.nns" --test "$T/y.nns" "$T/s.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"test would get 2 rows, fewer than the 3 classes"* ]]
}

@test "nn-split: --kfold sizes, and the test folds partition the rows" {
	ten
	for i in 0 1 2; do
		nn-split -q --kfold 3 --fold $i --seed 4 --train "$T/tr$i.nns" --test "$T/fold$i.nns" "$T/ten.nns"
		# KFold: 10 = 4 + 3 + 3
		want=$([ $i -eq 0 ] && echo 4 || echo 3)
		[ "$(ids "$T/fold$i.nns" | wc -l)" -eq "$want" ]
		[ "$(ids "$T/tr$i.nns" | wc -l)" -eq $((10 - want)) ]
		# train is everything else
		diff <(seq 0 9) <(cat "$T/tr$i.nns" "$T/fold$i.nns" | nn-export --no-header | cut -d, -f1 | sort -n)
	done
	diff <(seq 0 9) <(cat "$T"/fold?.nns | nn-export --no-header | cut -d, -f1 | sort -n)
	# --no-shuffle: consecutive folds
	nn-split -q --kfold 3 --fold 1 --no-shuffle --train "$T/a.nns" --test "$T/b.nns" "$T/ten.nns"
	[ "$(ids "$T/b.nns" | tr '\n' ' ')" = "4 5 6 " ]
	run --separate-stderr nn-split --kfold 11 --fold 0 --train "$T/x.nns" --test "$T/y.nns" "$T/ten.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"10 rows cannot make 11 folds"* ]]
}

@test "nn-split: --kfold --stratify: StratifiedKFold's class counts" {
	twenty
	# sorted by class: a at 0-9, b 10-15, c 16-19, dealt round-robin to 3 folds
	want=("a=4 b=2 c=1" "a=3 b=2 c=2" "a=3 b=2 c=1")
	for i in 0 1 2; do
		nn-split -q --kfold 3 --fold $i --stratify --seed 2 --train "$T/tr$i.nns" --test "$T/fold$i.nns" "$T/s.nns"
		[ "$(class_counts "$T/fold$i.nns")" = "${want[$i]}" ] || fail "fold $i: $(class_counts "$T/fold$i.nns")"
	done
	diff <(seq 0 19) <(cat "$T"/fold?.nns | nn-export --no-header | cut -d, -f1 | sort -n)
	run --separate-stderr nn-split --kfold 5 --fold 0 --stratify --train "$T/x.nns" --test "$T/y.nns" "$T/s.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"class 'c' (2) has 4 rows; --stratify needs at least 5, one for each fold"* ]] || fail "$stderr"
}

@test "nn-split: --shards by hash and round-robin; shards together are the input" {
	ten
	cd "$T"
	run --separate-stderr nn-split --shards 3 --shard-pattern 'part-%03d.nns' --seed 1 ten.nns
	[ "$status" -eq 0 ]
	[ -f part-000.nns ] && [ -f part-001.nns ] && [ -f part-002.nns ] && [ ! -e part-003.nns ]
	diff <(nn-export --no-header ten.nns | sort) <(cat part-*.nns | nn-export --no-header | sort)
	[[ "$stderr" == *"'part-000.nns': "*" rows"* ]]
	# each shard keeps input order
	for f in part-*.nns; do
		diff <(ids "$f") <(ids "$f" | sort -n)
	done
	nn-split -q --shards 3 --round-robin --shard-pattern 'rr%d.nns' ten.nns
	[ "$(ids rr0.nns | tr '\n' ' ')" = "0 3 6 9 " ]
	[ "$(ids rr1.nns | tr '\n' ' ')" = "1 4 7 " ]
	[ "$(ids rr2.nns | tr '\n' ' ')" = "2 5 8 " ]
	# names: flags, width, a literal percent sign
	nn-split -q --shards 2 --shard-pattern 'w%%-%-3d.nns' ten.nns
	[ -f 'w%-0  .nns' ] && [ -f 'w%-1  .nns' ]
}

@test "nn-split: more than 32 shards take several passes, from a file or a pipe" {
	seq 0 999 | sed 's/.*/&,&/' | nn-import --format csv --no-header -o "$T/k.nns"
	mkdir "$T/f" "$T/p"
	nn-split -q --shards 40 --shard-pattern "$T/f/s%d.nns" --seed 3 "$T/k.nns"
	nn-split -q --shards 40 --shard-pattern "$T/p/s%d.nns" --seed 3 < "$T/k.nns"
	[ "$(ls "$T/f" | wc -l)" -eq 40 ]
	# the same bytes (one diff for all), else the same ids in the same order
	diff -r "$T/f" "$T/p" > /dev/null ||
		for i in $(seq 0 39); do
			cmp "$T/f/s$i.nns" "$T/p/s$i.nns" || diff <(ids "$T/f/s$i.nns") <(ids "$T/p/s$i.nns")
		done
	diff <(seq 0 999) <(cat "$T"/f/*.nns | nn-export --no-header | cut -d, -f1 | sort -n)
}

@test "nn-split: --streaming places rows by hash, sizes approximate, and says so" {
	seq 0 9999 | sed 's/.*/&,1/' | nn-import --format csv --no-header -o "$T/big.nns"
	run --separate-stderr nn-split --streaming --test-size 0.2 --val-size 0.1 --val "$T/c.nns" \
		--train "$T/a.nns" --test "$T/b.nns" "$T/big.nns"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"sizes are approximate"* ]]
	nt=$(ids "$T/b.nns" | wc -l)
	nv=$(ids "$T/c.nns" | wc -l)
	[ "$nt" -gt 1800 ] && [ "$nt" -lt 2200 ] || fail "test $nt"
	[ "$nv" -gt 850 ] && [ "$nv" -lt 1150 ] || fail "val $nv"
	diff <(seq 0 9999) <(cat "$T/a.nns" "$T/b.nns" "$T/c.nns" | nn-export --no-header | cut -d, -f1 | sort -n)
	diff <(ids "$T/b.nns") <(ids "$T/b.nns" | sort -n)
	# the same from a pipe, and again: the same bytes
	nn-split -q --streaming --test-size 0.2 --val-size 0.1 --val "$T/c2.nns" \
		--train "$T/a2.nns" --test "$T/b2.nns" < "$T/big.nns"
	diff <(ids "$T/b.nns") <(ids "$T/b2.nns")
	# streaming folds partition the rows too
	for i in 0 1 2; do
		nn-split -q --streaming --kfold 3 --fold $i --train "$T/tr.nns" --test "$T/fold$i.nns" "$T/big.nns"
	done
	diff <(seq 0 9999) <(cat "$T"/fold?.nns | nn-export --no-header | cut -d, -f1 | sort -n)
}

@test "nn-split: same input, options and seed give the same bytes; another seed does not" {
	nn-import --label species -o "$T/iris.nns" "$ROOT/data/iris.csv"
	for opts in "" "--stratify" "--stratify --val-size 0.1 --val V" "--no-shuffle" "--memory 100"; do
		o1=${opts/V/$T/c1.nns}
		o2=${opts/V/$T/c2.nns}
		nn-split -q $o1 --seed 42 --train "$T/a1.nns" --test "$T/b1.nns" "$T/iris.nns"
		nn-split -q $o2 --seed 42 --train "$T/a2.nns" --test "$T/b2.nns" < "$T/iris.nns"
		cmp <(nn-export "$T/a1.nns") <(nn-export "$T/a2.nns")
		nn-split -q $o2 --seed 42 --train "$T/a2.nns" --test "$T/b2.nns" "$T/iris.nns"
		cmp "$T/a1.nns" "$T/a2.nns" || fail "'$opts': train differs"
		cmp "$T/b1.nns" "$T/b2.nns" || fail "'$opts': test differs"
	done
	nn-split -q --seed 43 --train "$T/a2.nns" --test "$T/b2.nns" "$T/iris.nns"
	nn-split -q --seed 42 --train "$T/a1.nns" --test "$T/b1.nns" "$T/iris.nns"
	! cmp -s <(nn-export "$T/b1.nns") <(nn-export "$T/b2.nns")
}

@test "nn-split: rows spread over buckets on disk (--memory) still split exactly" {
	nn-import --label species -o "$T/iris.nns" "$ROOT/data/iris.csv"
	for m in 1 100 1000; do
		nn-split -q --memory $m --stratify --test-size 0.2 --seed 3 \
			--train "$T/a.nns" --test "$T/b.nns" "$T/iris.nns"
		[ "$(class_counts "$T/b.nns")" = "setosa=10 versicolor=10 virginica=10" ]
		diff <(nn-export --no-header "$T/iris.nns" | sort) \
		     <(cat "$T/a.nns" "$T/b.nns" | nn-export --no-header | sort)
	done
}

@test "nn-split: --memory takes K, M and G as sort -S does; anything else is a usage error" {
	nn-import --label species -o "$T/iris.nns" "$ROOT/data/iris.csv"
	# 2K and 2048 are the same option value: the same buckets, the same split
	nn-split -q --memory 2048 --seed 5 --train "$T/a1.nns" --test "$T/b1.nns" "$T/iris.nns"
	for m in 2K 2k; do
		nn-split -q --memory $m --seed 5 --train "$T/a2.nns" --test "$T/b2.nns" "$T/iris.nns"
		cmp <(nn-export "$T/a1.nns") <(nn-export "$T/a2.nns")
		cmp <(nn-export "$T/b1.nns") <(nn-export "$T/b2.nns")
	done
	# and another size is another permutation
	nn-split -q --memory 1K --seed 5 --train "$T/a3.nns" --test "$T/b3.nns" "$T/iris.nns"
	! cmp -s <(nn-export "$T/a1.nns") <(nn-export "$T/a3.nns")
	nn-split -q --memory 1G --seed 5 --train "$T/a4.nns" --test "$T/b4.nns" "$T/iris.nns"
	for m in 0 2G 1.5M 10X K -1M "1 M" 99999999999999999999G; do
		run --separate-stderr nn-split --memory "$m" --train "$T/x.nns" --test "$T/y.nns" "$T/iris.nns"
		[ "$status" -eq 2 ]
		[[ "$stderr" == "nn-split: --memory: '$m' is not a size from 1 to 1073741824 bytes"* ]]
		[ ! -e "$T/x.nns" ]
	done
}

@test "nn-split: schema and metadata kept; provenance without the output names" {
	nn-import --label species -o "$T/iris.nns" "$ROOT/data/iris.csv"
	nn-split -q --seed 42 --train "$T/a.nns" --test "$T/b.nns" "$T/iris.nns"
	diff <(nn-info "$T/iris.nns" | grep -E '^(kind|meta|field)') <(nn-info "$T/a.nns" | grep -E '^(kind|meta|field)')
	run nn-info "$T/b.nns"
	[[ "$output" == *$'\nprogram\tnn-split '* ]]
	[[ "$output" == *$'\nargs\t-q --seed 42 '"$T/iris.nns"$'\n'* ]] || fail "$output"
	[[ "$output" == *$'\nseed\t42\n'* ]]
	# where the outputs go does not change them
	nn-split -q --seed 42 --train="$T/x.nns" --test "$T/y.nns" "$T/iris.nns"
	cmp "$T/a.nns" "$T/x.nns"
	cmp "$T/b.nns" "$T/y.nns"
}

@test "nn-split: one output on standard output" {
	ten
	run --separate-stderr sh -c "nn-split -q --train - --test '$T/b.nns' '$T/ten.nns' | nn-export --no-header | wc -l"
	[ "$status" -eq 0 ]
	[ "$output" -eq 7 ]
}

@test "nn-split: bad and empty inputs: exit 1, no output, nothing replaced" {
	echo precious > "$T/a.nns"
	local modes=("" "--no-shuffle" "--streaming" "--shards 2 --shard-pattern $T/s%d.nns") i=0
	for f in "$DATA"/bad/*.nns; do
		[ "$(basename "$f")" = good.nns ] && continue
		# make check: each bad stream in one mode, the modes in turn
		for mode in "${modes[@]}"; do
			[ "${NN_LONG:-0}" = 1 ] || [ "$mode" = "${modes[i % 4]}" ] || continue
			if [[ "$mode" == --shards* ]]; then
				run --separate-stderr nn-split $mode "$f"
			else
				run --separate-stderr nn-split $mode --train "$T/a.nns" --test "$T/b.nns" "$f"
			fi
			[ "$status" -eq 1 ] || fail "'$mode' $(basename "$f"): status $status"
			[[ "$stderr" == *"'$f': "* ]] || fail "$(basename "$f"): $stderr"
			[ "$(cat "$T/a.nns")" = precious ]
			[ ! -e "$T/b.nns" ] && [ ! -e "$T/s0.nns" ]
			no_temporaries "$T"
		done
		i=$((i + 1))
	done
	printf 'a,b\n' | nn-import --format csv -o "$T/empty.nns"
	for mode in "" "--no-shuffle" "--streaming"; do
		run --separate-stderr nn-split $mode --train "$T/a.nns" --test "$T/b.nns" "$T/empty.nns"
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"'$T/empty.nns': no rows to split"* ]] || fail "$stderr"
		[ "$(cat "$T/a.nns")" = precious ]
		no_temporaries "$T"
	done
}

@test "nn-split: a failed output leaves no other output" {
	ten
	run --separate-stderr nn-split --train "$T/a.nns" --test /dev/full "$T/ten.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'/dev/full': "*"No space left on device"* ]] || fail "$stderr"
	[ ! -e "$T/a.nns" ]
	no_temporaries "$T"
	run --separate-stderr nn-split --train "$T/a.nns" --test "$T/nodir/b.nns" "$T/ten.nns"
	[ "$status" -eq 1 ]
	[ ! -e "$T/a.nns" ]
	no_temporaries "$T"
}

@test "nn-split: SIGINT and SIGTERM leave no output and no temporary" {
	for sig in INT TERM; do
		mkfifo "$T/slow.$sig"
		# (exec: the kill below ends the sleep; 3>&-: bats does not wait for it)
		( head -c 200 "$DATA/bad/good.nns"; exec sleep 30 ) > "$T/slow.$sig" 3>&- &
		producer=$!
		nn-split --streaming --train "$T/a.$sig" --test "$T/b.$sig" "$T/slow.$sig" &
		pid=$!
		temporary_appears "$T"
		kill -"$sig" "$pid"
		wait "$pid" || true
		kill "$producer" 2>/dev/null || true
		[ ! -e "$T/a.$sig" ] && [ ! -e "$T/b.$sig" ] || fail "output left after SIG$sig"
		no_temporaries "$T" || fail "temporary left after SIG$sig"
	done
}
