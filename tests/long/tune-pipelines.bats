#!/usr/bin/env bats
# Issue 19's "done means" for nn-tune: `make tune` in pipelines/wine and
# pipelines/digits (nn-tune's 5-fold choice over a grid around the
# hand-picked configuration, refitted) scores on the held-out test rows at
# least as well as the pipeline's hand-picked model; the table's fold
# scores are nn-eval's for nn-train on nn-split --kfold's folds with the
# row's arguments, and its means and stds those of the scores, to the
# last digit (Wine: every row, 45 trainings again; Digits: the best row).
load helper
load ../bats/pipelines

# tune NAME: make tune into $T/out; its verdict.
tune() {
	run pmake "$1" OUT="$T/out" tune
	[ "$status" -eq 0 ] || fail "$output"
	cat "$T/out/tune.md"
	grep -q "^The chosen configuration scores at least as well as the hand-picked one" "$T/out/tune.md"
	no_temporaries "$T/out"
}

# by_hand INPUT ROWS: for the table's rows ROWS (awk condition on NR), the
# 5 folds by nn-split, nn-train and nn-eval --json, against the table's
# fold_0..fold_4, mean and std.
by_hand() {
	local input=$1 rows=$2 n=0
	awk -F '\t' "NR == 1 { for (i = 1; i <= NF; i++) c[\$i] = i; next } $rows {
		print \$c[\"mean\"] \"\\t\" \$c[\"std\"] \"\\t\" \$c[\"fold_0\"] \"\\t\" \$c[\"fold_1\"] \"\\t\" \
		      \$c[\"fold_2\"] \"\\t\" \$c[\"fold_3\"] \"\\t\" \$c[\"fold_4\"] \"\\t\" \$c[\"args\"] }" \
		"$T/out/tune.tsv" > "$T/rows"
	while IFS=$'\t' read -r mean std f0 f1 f2 f3 f4 args; do
		for i in 0 1 2 3 4; do
			nn-split -q --kfold 5 --fold $i --stratify --seed 42 --train "$T/tr.nns" --test "$T/te.nns" "$input"
			# shellcheck disable=SC2086 # the table's arguments, split as nn-tune split them
			nn-train -q $args --threads 1 -o "$T/m.nnm" "$T/tr.nns"
			nn-eval --json -m "$T/m.nnm" "$T/te.nns" > "$T/e$i.json"
		done
		/usr/bin/python3 - "$T" "$mean" "$std" "$f0" "$f1" "$f2" "$f3" "$f4" <<'PY'
import json, sys
t, mean, std, *folds = sys.argv[1:]
s = [json.load(open(f"{t}/e{i}.json"))["accuracy"] for i in range(5)]
assert [repr(x) for x in s] == folds, (s, folds)
m = sum(s) / 5
assert repr(m) == mean, (m, mean)
assert float(std) == (sum((x - m) ** 2 for x in s) / 5) ** 0.5, (std, s)
PY
		n=$((n + 1))
	done < "$T/rows"
	echo "$n rows by hand"
	[ "$n" -gt 0 ]
}

@test "wine: make tune's choice scores at least as well as the hand-picked model; every row by hand" {
	tune wine
	cd "$ROOT/pipelines/wine"
	by_hand "$T/out/train.nns" 1
	[ "$(wc -l < "$T/rows")" -eq 9 ]
}

@test "digits: make tune's choice scores at least as well as the hand-picked model; its best row by hand" {
	tune digits
	cd "$ROOT/pipelines/digits"
	by_hand "$T/out/train-plain.nns" '$c["rank"] == 1'
}
