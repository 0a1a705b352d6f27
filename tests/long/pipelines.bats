#!/usr/bin/env bats
# The pipelines under pipelines/: each small one run into a temporary OUT
# folder, its held-out accuracy against the floor the README promises, a
# second make that does nothing, and `make clean all` that gives the same
# bytes again; their reports; make's behaviour after a failed or changed
# step.  (Fashion-MNIST is left to `make demo`: minutes, not seconds.)
load helper
load ../bats/pipelines

@test "iris: 3 species >= 0.93, virginica or not >= 0.93, make twice does nothing, same bytes" {
	check_pipeline iris
	at_least "$(metric "$T/out/species/metrics.json" accuracy)" 0.93
	at_least "$(metric "$T/out/virginica/metrics.json" accuracy)" 0.93
	# The two-class network of the classic write-up: one sigmoid output, MSE.
	run nn-info "$T/out/virginica/model.nnm"
	[[ "$output" == *'"layers": [4, 16, 1]'* ]] || fail "$output"
	[[ "$output" == *'"output": "sigmoid", "loss": "mse"'* ]] || fail "$output"
	# 80/20, stratified, seed 42.
	run nn-info "$T/out/species/test.nns"
	[[ "$output" == *$'rows\t30'* ]]
	[[ "$output" == *$'class\ty\t0\t10\tsetosa'* ]] || fail "$output"
}

@test "wine: accuracy >= 0.97, make twice does nothing, same bytes" {
	check_pipeline wine
	at_least "$(metric "$T/out/metrics.json" accuracy)" 0.97
}

@test "breast-cancer: accuracy >= 0.96, make twice does nothing, same bytes" {
	check_pipeline breast-cancer
	at_least "$(metric "$T/out/metrics.json" accuracy)" 0.96
}

@test "digits: augmented training set, accuracy >= 0.97, make twice does nothing, same bytes" {
	check_pipeline digits
	at_least "$(metric "$T/out/metrics.json" accuracy)" 0.97
	# Two transformed copies of every training image besides itself; the
	# validation and test sets untouched.
	raw=$(nn-info "$T/out/train-raw.nns" | awk -F'\t' '$1 == "rows" { print $2 }')
	aug=$(nn-info "$T/out/train.nns" | awk -F'\t' '$1 == "rows" { print $2 }')
	[ "$aug" -eq $((3 * raw)) ] || fail "train-raw $raw rows, train $aug"
	run nn-info "$T/out/train.nns"
	[[ "$output" == *$'field\tx\tf32\t[8,8]'* ]] || fail "$output"
	[ "$(nn-info "$T/out/test.nns" | awk -F'\t' '$1 == "rows" { print $2 }')" -eq 360 ]
}

@test "diabetes: R^2 >= 0.4 where predicting the mean scores about 0, make twice does nothing, same bytes" {
	check_pipeline diabetes
	at_least "$(metric "$T/out/metrics.json" r2)" 0.4
	run grep -o 'Predicting the mean of the training labels for every row instead: MSE [0-9.]*, R² [-0-9.e]*' "$T/out/report.md"
	[ "$status" -eq 0 ] || fail "no baseline in the report"
	base=${output##* }
	awk -v b="$base" 'BEGIN { exit !(b < 0.05) }' || fail "baseline R^2 $base"
}

@test "report.md holds metrics, confusion matrix, checksums, seed, versions, time, FLOPs and pictures" {
	run pmake iris OUT="$T/out"
	[ "$status" -eq 0 ] || fail "$output"
	r="$T/out/species/report.md"
	grep -q '^| accuracy | 1 |$' "$r" || grep -q '^| accuracy | 0\.9' "$r"
	# the headline at 6 significant digits, not the JSON's 0.8710000000000001
	grep -Eq '^\*\*Accuracy [0-9.]{1,8}\*\* \(balanced accuracy [0-9.]{1,8}\)\.$' "$r" || fail "$(grep Accuracy "$r")"
	[ "$(echo 0.8710000000000001 | (. "$ROOT/pipelines/lib.sh"; six_digits))" = 0.871 ]
	grep -q '^| setosa | 10 | 0 | 0 |$' "$r"     # the confusion matrix row
	grep -q "^$(sha256sum < "$ROOT/data/iris.csv" | cut -d' ' -f1)  ../../data/iris.csv$" "$r"
	grep -q "^$(sha256sum < "$T/out/species/model.nnm" | cut -d' ' -f1)  " "$r"
	grep -q '^| seed | 42 |$' "$r"
	grep -q '^nn-train (nnpipe) ' "$r"
	grep -q '^| training time | [0-9.]* s ' "$r"
	grep -q '^| flops_per_row | 544 |$' "$r"
	grep -q '^nn-train --layers 16 .* --seed 42 --threads 1 ' "$r"
	if command -v gnuplot > /dev/null; then
		grep -q '!\[training curve\](curve.png)' "$r"
		grep -q '!\[confusion matrix\](confusion.png)' "$r"
		[ "$(head -c 4 "$T/out/species/curve.png" | od -An -c | tr -d ' ')" = '211PNG' ]
		[ -s "$T/out/species/confusion.png" ]
	fi
	[ -z "$(find "$T/out" -name '.report.*')" ]
}

@test "report.md says so when gnuplot is missing" {
	run pmake iris OUT="$T/out" "$T/out/species/metrics.txt" "$T/out/species/metrics.json"
	[ "$status" -eq 0 ] || fail "$output"
	# A PATH with everything but gnuplot.
	mkdir "$T/bin"
	for d in /usr/local/bin /usr/bin /bin; do
		for f in "$d"/*; do
			[ "${f##*/}" = gnuplot ] || [ -e "$T/bin/${f##*/}" ] || ln -s "$f" "$T/bin/${f##*/}"
		done
	done
	(cd "$P/iris" && PATH="$BUILD/bin:$T/bin" sh ../report.sh -t Iris -d "$T/out/species")
	grep -q 'No pictures: gnuplot is not installed' "$T/out/species/report.md"
	[ ! -e "$T/out/species/curve.png" ]
}

@test "a failed step leaves no target that looks up to date" {
	# nn-train that writes half a model the plain way, then fails.
	mkdir "$T/bin"
	for p in "$BUILD"/bin/nn-*; do ln -s "$p" "$T/bin/"; done
	rm "$T/bin/nn-train"
	cat > "$T/bin/nn-train" <<-'EOF'
		#!/bin/sh
		while [ $# -gt 0 ]; do [ "$1" = -o ] && echo half > "$2"; shift; done
		exit 1
	EOF
	chmod +x "$T/bin/nn-train"
	run make --no-print-directory -C "$P/wine" NN_BIN="$T/bin" OUT="$T/out"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Deleting file '$T/out/model.nnm'"* ]] || fail "$output"
	[ ! -e "$T/out/model.nnm" ]
	[ -s "$T/out/train.nns" ]                     # the steps before it stay
	run make --no-print-directory -C "$P/wine" NN_BIN="$T/bin" OUT="$T/out" -q
	[ "$status" -eq 1 ]
	# With the real program the next run starts at the failed step.
	run pmake wine OUT="$T/out"
	[ "$status" -eq 0 ] || fail "$output"
	# (the raw test rows' scoring imports its own CSV after training)
	[[ "$output" != *"nn-import --label class -o"* ]] || fail "redid the import: $output"
	[[ "$output" == *nn-train* ]]
}

@test "a changed input redoes the steps after it, and only those" {
	mkdir "$T/data"
	cp "$ROOT/data/wine.csv" "$T/data/"
	run pmake wine OUT="$T/out" DATA="$T/data"
	[ "$status" -eq 0 ] || fail "$output"
	before=$(sha256sum < "$T/out/clean.nns")
	# One value changed: every step runs again.
	sed -i '2s/^14\.23,/14.24,/' "$T/data/wine.csv"
	run pmake wine OUT="$T/out" DATA="$T/data"
	[ "$status" -eq 0 ] || fail "$output"
	[[ "$output" == *nn-import* ]]
	[[ "$output" == *nn-train* ]]
	[ "$(sha256sum < "$T/out/clean.nns")" != "$before" ]
	# Only the test set's normalization touched: the model stays.
	touch "$T/out/test-raw.nns"
	run pmake wine OUT="$T/out" DATA="$T/data"
	[ "$status" -eq 0 ] || fail "$output"
	[[ "$output" != *nn-train* ]] || fail "retrained: $output"
	[[ "$output" == *"nn-normalize -q --load"* ]]
}

@test "distill: teacher, student on hard labels, distilled student side by side, same bytes" {
	check_pipeline distill
	for m in teacher student distilled; do
		grep -q "^| $m | 64-" "$T/out/report.md" || fail "no $m row: $(cat "$T/out/report.md")"
	done
	at_least "$(metric "$T/out/teacher/metrics.json" accuracy)" 0.97
	at_least "$(metric "$T/out/distilled/metrics.json" accuracy)" 0.9
	# the distilled student learned from soft labels: the teacher's
	# probabilities, one float per class, with the class names
	run nn-info "$T/out/soft.nns"
	[[ "$output" == *$'field\ty\tf32\t[10]\t10 classes'* ]] || fail "$output"
}
