#!/usr/bin/env bats
# nn-eval: every metric against values computed by hand, both label
# sources, lockstep reading, text and JSON, bad inputs, determinism.
# The hand-computed constants were checked once against scikit-learn 1.2.1
# (equal to 1e-14), as were random 2-, 5- and 7-class cases with ties; the
# tests do not need it.

load helper

# 3 classes (a b c), 10 rows; probabilities are exact in f32.
#   true   a a a a b b b c c c
#   pred   a a b c b b a c c b
# Confusion matrix [[2 1 1] [1 2 0] [0 1 2]]; precision 2/3 1/2 2/3,
# recall 1/2 2/3 2/3, f1 = 2tp/(2tp+fp+fn) = 4/7 4/7 2/3; macro P = R =
# 11/18, macro F1 = 38/63; weighted P 37/60, R = F1 = 0.6; balanced
# accuracy 11/18.  Log loss = -mean(log p_true) with p_true = 1/2 3/4 1/4
# 1/8 5/8 1 3/8 1/2 5/8 1/4 (1 clipped to 1 - 2^-52) = 0.8446843208994486.
# Top-2: rows 3 and 4 have the true class tied with a higher class index,
# which ranks first (scikit-learn's order): 8/10; top-1 6/10; top-3 1.
three() {
	cat > "$T/p.csv" <<-EOF
	p0,p1,p2,pred
	0.5,0.25,0.25,a
	0.75,0.125,0.125,a
	0.25,0.5,0.25,b
	0.125,0.125,0.75,c
	0.25,0.625,0.125,b
	0,1,0,b
	0.5,0.375,0.125,a
	0.25,0.25,0.5,c
	0.125,0.25,0.625,c
	0.25,0.5,0.25,b
	EOF
	printf 'id,y\n1,a\n2,a\n3,a\n4,a\n5,b\n6,b\n7,b\n8,c\n9,c\n10,c\n' > "$T/y.csv"
	nn-import -q --label pred --y pred --x proba --classes a,b,c -o "$T/p.nns" "$T/p.csv"
	nn-import -q --label y --classes a,b,c -o "$T/y.nns" "$T/y.csv"
}

# near GOT WANT: equal within 1e-9
near() {
	awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(a != "" && d < 1e-9 && d > -1e-9) }' ||
		fail "got '$1', want $2"
}

# jnum KEY [N]: the Nth (1-based) number after "KEY": in $output (bash's
# own regex, left to right: no processes, there are a hundred of these)
jnum() {
	local rest=$output n=${2:-1} re="\"$1\": ([-0-9.e+]*)"
	while [[ $rest =~ $re ]]; do
		if [ "$n" -eq 1 ]; then
			printf '%s\n' "${BASH_REMATCH[1]}"
			return
		fi
		n=$((n - 1))
		rest=${rest#*"${BASH_REMATCH[0]}"}
	done
}

@test "nn-eval: --help and usage errors" {
	run --separate-stderr nn-eval --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: nn-eval (-m MODEL | --pred FILE | --combine) [OPTIONS] [INPUT...]" ]
	three
	run --separate-stderr nn-eval "$T/y.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"give either -m MODEL or --pred FILE"* ]]
	run --separate-stderr nn-eval -m "$T/p.nns" --pred "$T/p.nns" "$T/y.nns"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-eval --pred "$T/p.nns" --top-k 0 "$T/y.nns"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-eval --pred - -
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"cannot both be standard input"* ]]
	run --separate-stderr nn-eval --pred "$T/p.nns" "$T/y.nns" "$T/y.nns"
	[ "$status" -eq 2 ]
}

@test "nn-eval --pred: every classification metric of the hand-computed case (JSON)" {
	three
	run --separate-stderr nn-eval --pred "$T/p.nns" --json "$T/y.nns"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == '{"task": "classification", "rows": 10, "classes": ["a", "b", "c"], '* ]]
	near "$(jnum accuracy)" 0.6
	near "$(jnum balanced_accuracy)" "$(awk 'BEGIN { printf "%.17g", 11/18 }')"
	near "$(jnum log_loss)" 0.8446843208994486
	[ "$(jnum top_k)" = 2 ]
	near "$(jnum top_k_accuracy)" 0.8
	[[ "$output" == *'"roc_auc": null'* ]]
	# per class a b c, then macro, then weighted
	near "$(jnum precision 1)" 0.66666666666666667
	near "$(jnum precision 2)" 0.5
	near "$(jnum precision 3)" 0.66666666666666667
	near "$(jnum precision 4)" 0.61111111111111111
	near "$(jnum precision 5)" 0.61666666666666667
	near "$(jnum recall 1)" 0.5
	near "$(jnum recall 2)" 0.66666666666666667
	near "$(jnum recall 3)" 0.66666666666666667
	near "$(jnum recall 4)" 0.61111111111111111
	near "$(jnum recall 5)" 0.6
	near "$(jnum f1 1)" "$(awk 'BEGIN { printf "%.17g", 4/7 }')"
	near "$(jnum f1 2)" "$(awk 'BEGIN { printf "%.17g", 4/7 }')"
	near "$(jnum f1 3)" 0.66666666666666667
	near "$(jnum f1 4)" "$(awk 'BEGIN { printf "%.17g", 38/63 }')"
	near "$(jnum f1 5)" 0.6
	[ "$(jnum support 1) $(jnum support 2) $(jnum support 3) $(jnum support 4)" = "4 3 3 10" ]
	[[ "$output" == *'"confusion_matrix": [[2, 1, 1], [1, 2, 0], [0, 1, 2]]'* ]]
	[[ "$output" == *'"notes": []}' ]]
}

@test "nn-eval --pred: --top-k 1, 2, 3 and beyond the class count" {
	three
	for kv in 1:0.6 2:0.8 3:1 7:1; do
		run --separate-stderr nn-eval --pred "$T/p.nns" --json --top-k "${kv%:*}" "$T/y.nns"
		[ "$status" -eq 0 ]
		[ "$(jnum top_k)" = "${kv%:*}" ]
		near "$(jnum top_k_accuracy)" "${kv#*:}"
	done
}

@test "nn-eval --pred: the text table" {
	three
	run --separate-stderr nn-eval --pred "$T/p.nns" "$T/y.nns"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "task                classification" ]
	[ "${lines[1]}" = "rows                10" ]
	[ "${lines[3]}" = "accuracy            0.6" ]
	[ "${lines[4]}" = "balanced accuracy   0.611111" ]
	[ "${lines[5]}" = "log loss            0.844684" ]
	[ "${lines[6]}" = "top-2 accuracy      0.8" ]
	[[ "$output" == *$'\nclass         precision   recall      f1          support\n'* ]]
	[[ "$output" == *$'\nb             0.5         0.666667    0.571429    3\n'* ]]
	[[ "$output" == *$'\nmacro avg     0.611111    0.611111    0.603175    10\n'* ]]
	[[ "$output" == *$'\nweighted avg  0.616667    0.6         0.6         10\n'* ]]
	[[ "$output" == *$'confusion matrix (rows: true class, columns: predicted class)\n              a       b       c\na             2       1       1\nb             1       2       0\nc             0       1       2' ]]
}

# Two classes, p = P(class 1), proba = (1 - p, p):
#   y  0    0    1    1    0    1    0     1
#   p  1/8  3/8  1/4  3/4  1/2  1/2  1/16  7/8
# pred = argmax, ties to class 0: 0 0 0 1 0 0 0 1; accuracy 6/8; CM
# [[4 0] [2 2]]; ROC AUC: positive-negative pairs won 2 + 4 + 3.5 + 4 of
# 16 = 0.84375; log loss -mean(log(7/8 5/8 1/2 15/16 1/4 3/4 1/2 7/8)).
@test "nn-eval --pred: two classes: ROC AUC with a tie, log loss, top-1 as p > 1/2" {
	printf 'q0,q1,pred\n0.875,0.125,0\n0.625,0.375,0\n0.75,0.25,0\n0.25,0.75,1\n0.5,0.5,0\n0.5,0.5,0\n0.9375,0.0625,0\n0.125,0.875,1\n' |
		nn-import -q --label pred --y pred --x proba -o "$T/p.nns"
	printf 'i,y\n0,0\n0,0\n0,1\n0,1\n0,0\n0,1\n0,0\n0,1\n' | nn-import -q --label y -o "$T/y.nns"
	run --separate-stderr nn-eval --pred "$T/p.nns" --json -k 1 "$T/y.nns"
	[ "$status" -eq 0 ] || fail "$stderr"
	near "$(jnum roc_auc)" 0.84375
	near "$(jnum accuracy)" 0.75
	near "$(jnum top_k_accuracy)" 0.75
	near "$(jnum log_loss)" "$(awk 'BEGIN { printf "%.17g", -(log(7/8)+log(5/8)+log(1/2)+log(15/16)+log(1/4)+log(3/4)+log(1/2)+log(7/8))/8 }')"
	near "$(jnum balanced_accuracy)" 0.75
	[[ "$output" == *'"confusion_matrix": [[4, 0], [2, 2]]'* ]]
	[[ "$output" == *'"classes": ["0", "1"]'* ]]
	run --separate-stderr nn-eval --pred "$T/p.nns" "$T/y.nns"
	[[ "$output" == *$'\nROC AUC             0.84375\n'* ]]
	# one class among the labels: AUC undefined, said so
	printf 'i,y\n0,0\n0,0\n0,0\n0,0\n0,0\n0,0\n0,0\n0,0\n' | nn-import -q --label y -o "$T/z.nns"
	run --separate-stderr nn-eval --pred "$T/p.nns" --json "$T/z.nns"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"roc_auc": null'* ]]
	[[ "$output" == *'"notes": ["roc_auc is undefined: the labels hold one class only"]}' ]]
	# precision of class 1, never true: 0/2 = 0; recall: no true rows, 0
	near "$(jnum precision 2)" 0
	near "$(jnum recall 2)" 0
	near "$(jnum balanced_accuracy)" 0.75
}

@test "nn-eval --pred: without proba the probability metrics are left out and said so" {
	printf 'i,pred\n0,a\n0,b\n0,b\n' | nn-import -q --label pred --y pred -o "$T/p.nns"
	printf 'i,y\n0,a\n0,b\n0,a\n' | nn-import -q --label y -o "$T/y.nns"
	run --separate-stderr nn-eval --pred "$T/p.nns" --json "$T/y.nns"
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$output" == *'"log_loss": null, "top_k": 2, "top_k_accuracy": null, "roc_auc": null'* ]]
	[[ "$output" == *"\"notes\": [\"log_loss, top_k_accuracy and roc_auc need probabilities: the predictions have no field 'proba'"* ]]
	near "$(jnum accuracy)" 0.66666666666666667
	run --separate-stderr nn-eval --pred "$T/p.nns" "$T/y.nns"
	[[ "$output" == *$'\nlog loss            -  (the predictions have no field \'proba\''* ]]
}

@test "nn-eval --pred: labels from the predictions stream itself (--y)" {
	three
	run --separate-stderr nn-eval --pred "$T/p.nns" --y pred --json
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$output" == *'"confusion_matrix": [[3, 0, 0], [0, 4, 0], [0, 0, 3]]'* ]]
	near "$(jnum accuracy)" 1
	run --separate-stderr nn-eval --pred "$T/p.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$T/p.nns': no field 'y' (give the labels as INPUT, or name the field with --y)" ]]
}

@test "nn-eval --pred: lockstep over different batch boundaries and members" {
	three
	cat "$T/p.nns" "$T/p.nns" "$T/p.nns" > "$T/p3.nns"
	tail -n +2 "$T/y.csv" > "$T/rows"
	{ echo id,y; cat "$T/rows" "$T/rows" "$T/rows"; } | nn-import -q --label y --classes a,b,c -o "$T/y3.nns"
	run --separate-stderr nn-eval --pred "$T/p3.nns" --json "$T/y3.nns"
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$output" == *'"rows": 30'* ]]
	[[ "$output" == *'"confusion_matrix": [[6, 3, 3], [3, 6, 0], [0, 3, 6]]'* ]]
	near "$(jnum log_loss)" 0.8446843208994486
	# labels from standard input
	run --separate-stderr sh -c "nn-eval --pred '$T/p3.nns' --json - < '$T/y3.nns'"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"rows": 30'* ]]
}

# y = 1 2 3 4 / pred 1.5 2 2 5: SSE 2.25, MSE 0.5625, RMSE 0.75, MAE
# 0.625, SS_tot 5, R^2 0.55.  Second target: labels all 0.5, one miss by 1:
# MSE 0.25, RMSE 0.5, MAE 0.25, R^2 0 (SS_tot = 0, scikit-learn's rule).
@test "nn-eval --pred: regression, one target and two" {
	printf 'a,b\n1.5,0.5\n2,0.5\n2,0.5\n5,1.5\n' | nn-import -q --x pred -o "$T/p2.nns"
	printf 'a,b\n1,0.5\n2,0.5\n3,0.5\n4,0.5\n' | nn-import -q --x y --y unused -o "$T/y2.nns"
	printf 'i,pred\n0,1.5\n0,2\n0,2\n0,5\n' | nn-import -q --label pred --y pred -o "$T/p1.nns"
	printf 'i,y\n0,1\n0,2\n0,3\n0,4\n' | nn-import -q --label y --task regression -o "$T/y1.nns"
	run --separate-stderr nn-eval --pred "$T/p1.nns" --json "$T/y1.nns"
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$output" == '{"task": "regression", "rows": 4, "targets": 1, '* ]]
	near "$(jnum mse)" 0.5625
	near "$(jnum rmse)" 0.75
	near "$(jnum mae)" 0.625
	near "$(jnum r2)" 0.55
	run --separate-stderr nn-eval --pred "$T/p2.nns" --json "$T/y2.nns"
	[ "$status" -eq 0 ] || fail "$stderr"
	near "$(jnum mse 2)" 0.5625
	near "$(jnum mse 3)" 0.25
	near "$(jnum rmse 3)" 0.5
	near "$(jnum mae 3)" 0.25
	near "$(jnum r2 2)" 0.55
	near "$(jnum r2 3)" 0
	near "$(jnum mse 1)" 0.40625
	near "$(jnum rmse 1)" 0.625
	near "$(jnum r2 1)" 0.275
	run --separate-stderr nn-eval --pred "$T/p2.nns" "$T/y2.nns"
	[ "${lines[0]}" = "task                regression" ]
	[[ "$output" == *$'\nR^2                 0.275\n'* ]]
	[[ "$output" == *$'\n1           0.25          0.5           0.25          0'* ]]
}

@test "nn-eval --pred: bad inputs exit 1 naming the file" {
	three
	# labels of the wrong dtype
	printf 'i,y\n0,1.5\n' | nn-import -q --label y -o "$T/f.nns"
	run --separate-stderr nn-eval --pred "$T/p.nns" "$T/f.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$T/f.nns': label field 'y' is f32; class predictions need integer class ids" ]]
	run --separate-stderr nn-eval --pred "$T/f.nns" --y y "$T/y.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no field 'pred'"* ]]
	# row counts differ, both ways
	head -n 10 "$T/y.csv" | nn-import -q --label y --classes a,b,c -o "$T/y9.nns"
	run --separate-stderr nn-eval --pred "$T/p.nns" "$T/y9.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$T/y9.nns': ends after 9 rows but '$T/p.nns' has more" ]]
	cat "$T/y.nns" "$T/y.nns" > "$T/y20.nns"
	run --separate-stderr nn-eval --pred "$T/p.nns" "$T/y20.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$T/p.nns': ends after 10 rows but '$T/y20.nns' has more" ]]
	# a label beyond the classes
	printf 'i,y\n0,0\n0,1\n0,2\n0,3\n0,0\n0,0\n0,0\n0,0\n0,0\n0,0\n' | nn-import -q --label y -o "$T/y4.nns"
	run --separate-stderr nn-eval --pred "$T/p.nns" "$T/y4.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$T/y4.nns': row 3: label 3 is out of the 3 classes (0 to 2)" ]]
	# class names that disagree
	nn-import -q --label y --classes a,c,b -o "$T/yx.nns" "$T/y.csv"
	run --separate-stderr nn-eval --pred "$T/p.nns" "$T/yx.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"the class names of 'pred' and 'y' differ" ]]
	# regression predictions, class labels
	printf 'i,pred\n0,1.5\n' | nn-import -q --label pred --y pred -o "$T/r.nns"
	run --separate-stderr nn-eval --pred "$T/r.nns" "$T/y.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"label field 'y' is i32 (class ids); regression predictions need float labels" ]]
	# an empty stream
	printf 'i,pred\n' | nn-import -q --label pred --y pred -o "$T/e.nns"
	printf 'i,y\n' | nn-import -q --label y -o "$T/ey.nns"
	run --separate-stderr nn-eval --pred "$T/e.nns" "$T/ey.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$T/e.nns': no rows to evaluate" ]]
	# NaN probabilities
	sed 's/^0,1,0,b$/nan,1,0,b/' "$T/p.csv" | nn-import -q --label pred --y pred --x proba --classes a,b,c -o "$T/n.nns"
	run --separate-stderr nn-eval --pred "$T/n.nns" "$T/y.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$T/n.nns': row 5: probability of class 0 is NaN" ]]
	# not a stream, a cut stream
	run --separate-stderr nn-eval --pred "$DATA/bad/not-a-stream.nns" "$T/y.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$DATA/bad/not-a-stream.nns': "* ]]
	run --separate-stderr nn-eval --pred "$DATA/bad/cut-mid-frame.nns" -o "$T/out" --y y --json
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$DATA/bad/cut-mid-frame.nns': "* ]]
	[ ! -e "$T/out" ]
	no_temporaries "$T"
}

@test "nn-eval: a cut labels or predictions stream fails even after the rows match" {
	three
	size=$(stat -c %s "$T/y.nns")
	head -c $((size - 3)) "$T/y.nns" > "$T/cut.nns"
	run --separate-stderr nn-eval --pred "$T/p.nns" -o "$T/out" "$T/cut.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$T/cut.nns': "* ]]
	[ ! -e "$T/out" ]
	size=$(stat -c %s "$T/p.nns")
	head -c $((size - 3)) "$T/p.nns" > "$T/cutp.nns"
	run --separate-stderr nn-eval --pred "$T/cutp.nns" -o "$T/out" "$T/y.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$T/cutp.nns': "* ]]
	[ ! -e "$T/out" ]
}

@test "nn-eval: -o writes the report atomically; runs are byte-identical" {
	three
	nn-eval --pred "$T/p.nns" --json -o "$T/a.json" "$T/y.nns"
	nn-eval --pred "$T/p.nns" --json "$T/y.nns" > "$T/b.json"
	cmp "$T/a.json" "$T/b.json"
	nn-eval --pred "$T/p.nns" -o "$T/a.txt" "$T/y.nns"
	nn-eval --pred "$T/p.nns" -o "$T/b.txt" "$T/y.nns"
	cmp "$T/a.txt" "$T/b.txt"
	no_temporaries "$T"
}

@test "nn-eval: a model without class names reports the label stream's names" {
	printf 'a,y\n0,0\n1,1\n0.1,0\n0.9,1\n' | nn-import --format csv --label y --task classification -o "$T/ids.nns"
	printf 'a,y\n0,no\n1,yes\n' | nn-import --format csv --label y -o "$T/named.nns"
	nn-train --layers none --epochs 50 --lr 0.1 -q -o "$T/m.nnm" "$T/ids.nns"
	run --separate-stderr nn-eval -m "$T/m.nnm" "$T/named.nns"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\nno '*$'\nyes '* ]]
}

# Shards: the partial results of pieces combine into the report of the
# whole, byte for byte, whatever the order of the pieces and of the rows.

# report_pair NAME: cmp the combined and whole reports (text and JSON)
same_reports() {
	local whole=$1
	shift
	nn-eval --combine "$@" > "$T/c.txt"
	nn-eval --combine --json "$@" > "$T/c.json"
	cmp "$T/c.txt" "$whole.txt"
	cmp "$T/c.json" "$whole.json"
}

@test "nn-eval --partial/--combine: shards' predictions combine to the report of all of them exactly" {
	nn-import --shape 8,8 --label digit -o "$T/raw.nns" "$ROOT/data/digits.csv"
	nn-normalize -q --method maxabs -o "$T/d.nns" "$T/raw.nns"
	nn-train -q --layers 16 --epochs 3 --seed 1 --threads 1 -o "$T/m.nnm" "$T/d.nns"
	nn-split -q --shards 4 --shard-pattern "$T/s-%d.nns" --seed 5 "$T/d.nns"
	# in parallel, as the man page shows: predictions and partial results per shard
	printf '%s\n' 0 1 2 3 | xargs -P 4 -I{} sh -c \
		'nn-predict --proba -m "$1/m.nnm" -o "$1/pr{}.nns" "$1/s-{}.nns" &&
		 nn-eval --partial --pred "$1/pr{}.nns" -o "$1/p{}.nnp"' sh "$T"
	nn-info "$T/p0.nnp" | grep -q $'kind\teval-partial'
	# the whole: the same predictions, one stream
	cat "$T/pr0.nns" "$T/pr1.nns" "$T/pr2.nns" "$T/pr3.nns" > "$T/all.nns"
	nn-eval --pred "$T/all.nns" > "$T/w.txt"
	nn-eval --pred "$T/all.nns" --json > "$T/w.json"
	grep -q '"log_loss": [0-9]' "$T/w.json"
	same_reports "$T/w" "$T/p0.nnp" "$T/p1.nnp" "$T/p2.nnp" "$T/p3.nnp"
	same_reports "$T/w" "$T/p3.nnp" "$T/p1.nnp" "$T/p0.nnp" "$T/p2.nnp"
	# -m on the shards: the same counts (the model's outputs may differ in
	# the last bit with the rows' places in OpenBLAS's blocks)
	for i in 0 1 2 3; do nn-eval --partial -m "$T/m.nnm" -o "$T/mp$i.nnp" "$T/s-$i.nns"; done
	nn-eval --combine --json "$T"/mp?.nnp | grep -o '"confusion_matrix": [][0-9, ]*' > "$T/a"
	grep -o '"confusion_matrix": [][0-9, ]*' "$T/w.json" | cmp - "$T/a"
	# one shard alone is its own evaluation
	nn-eval -m "$T/m.nnm" --json "$T/s-2.nns" > "$T/one.json"
	nn-eval --combine --json "$T/mp2.nnp" | cmp - "$T/one.json"
	# partial results are reproducible
	nn-eval --partial -m "$T/m.nnm" -o "$T/again.nnp" "$T/s-1.nns"
	cmp "$T/mp1.nnp" "$T/again.nnp"
}

@test "nn-eval --partial/--combine: two classes (ROC AUC from every row's key), regression, predictions" {
	# two classes with ties, cut in three pieces of different sizes
	printf 'q0,q1,pred\n0.875,0.125,0\n0.625,0.375,0\n0.75,0.25,0\n0.25,0.75,1\n0.5,0.5,0\n0.5,0.5,0\n0.9375,0.0625,0\n0.125,0.875,1\n' |
		nn-import -q --label pred --y pred --x proba -o "$T/p.nns"
	printf 'i,y\n0,0\n0,0\n0,1\n0,1\n0,0\n0,1\n0,0\n0,1\n' | nn-import -q --label y -o "$T/y.nns"
	nn-eval --pred "$T/p.nns" "$T/y.nns" > "$T/w.txt"
	nn-eval --pred "$T/p.nns" --json "$T/y.nns" > "$T/w.json"
	grep -q '"roc_auc": 0.84375' "$T/w.json"
	for part in "1 3" "4 6" "7 8"; do
		set -- $part
		nn-export --format csv "$T/p.nns" | awk -v a="$1" -v b="$2" 'NR == 1 || (NR - 1 >= a && NR - 1 <= b)' > "$T/pp.csv"
		nn-export --format csv "$T/y.nns" | awk -v a="$1" -v b="$2" 'NR == 1 || (NR - 1 >= a && NR - 1 <= b)' > "$T/yy.csv"
		nn-import -q --label pred --y pred --x proba -o "$T/pp.nns" "$T/pp.csv"
		nn-import -q --label y -o "$T/yy.nns" "$T/yy.csv"
		nn-eval --partial --pred "$T/pp.nns" -o "$T/part-$1.nnp" "$T/yy.nns"
	done
	[ "$(nn-info "$T/part-4.nnp" | awk -F'\t' '$1 == "rows" { print $2 }')" -eq 3 ]   # one AUC key per row
	same_reports "$T/w" "$T/part-7.nnp" "$T/part-1.nnp" "$T/part-4.nnp"
	# regression: sums of squares that a double sum would round differently
	printf 'i,pred\n0,1e8\n0,2\n0,2.5\n0,-1e8\n0,7\n0,0.1\n' | nn-import -q --label pred --y pred -o "$T/rp.nns"
	printf 'i,y\n0,1e8\n0,3\n0,0.3\n0,-1e8\n0,1e-3\n0,0.2\n' | nn-import -q --label y --task regression -o "$T/ry.nns"
	nn-eval --pred "$T/rp.nns" "$T/ry.nns" > "$T/w.txt"
	nn-eval --pred "$T/rp.nns" --json "$T/ry.nns" > "$T/w.json"
	for part in "1 2" "3 5" "6 6"; do
		set -- $part
		nn-export --format csv "$T/rp.nns" | awk -v a="$1" -v b="$2" 'NR == 1 || (NR - 1 >= a && NR - 1 <= b)' |
			nn-import -q --label pred --y pred --task regression -o "$T/pp.nns"
		nn-export --format csv "$T/ry.nns" | awk -v a="$1" -v b="$2" 'NR == 1 || (NR - 1 >= a && NR - 1 <= b)' |
			nn-import -q --label y --task regression -o "$T/yy.nns"
		nn-eval --partial --pred "$T/pp.nns" -o "$T/r-$1.nnp" "$T/yy.nns"
	done
	same_reports "$T/w" "$T/r-6.nnp" "$T/r-3.nnp" "$T/r-1.nnp"
}

@test "nn-eval --combine: usage, mismatched and bad partial results" {
	printf 'i,pred\n0,a\n0,b\n0,b\n' | nn-import -q --label pred --y pred -o "$T/p.nns"
	printf 'i,y\n0,a\n0,b\n0,a\n' | nn-import -q --label y -o "$T/y.nns"
	nn-eval --partial --pred "$T/p.nns" -o "$T/a.nnp" "$T/y.nns"
	run --separate-stderr nn-eval --combine
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--combine needs the partial results as operands"* ]]
	run --separate-stderr nn-eval --combine -m "$T/p.nns" "$T/a.nnp"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-eval --combine "$T/y.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$T/y.nns': not a partial result of nn-eval --partial (kind 'data')" ]]
	# without probabilities: said so, as the whole's report would
	run --separate-stderr nn-eval --combine --json "$T/a.nnp" "$T/a.nnp"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"rows": 6,'* ]]
	[[ "$output" == *'"log_loss": null'* ]]
	# other classes
	printf 'i,pred\n0,x\n0,y\n' | nn-import -q --label pred --y pred --classes x,y -o "$T/q.nns"
	printf 'i,y\n0,x\n0,x\n' | nn-import -q --label y --classes x,y -o "$T/z.nns"
	nn-eval --partial --pred "$T/q.nns" -o "$T/b.nnp" "$T/z.nns"
	run --separate-stderr nn-eval --combine "$T/a.nnp" "$T/b.nnp"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'$T/b.nnp': class names differ from the first partial result's"* ]]
	# a cut partial result
	head -c 100 "$T/a.nnp" > "$T/cut.nnp"
	run --separate-stderr nn-eval --combine "$T/a.nnp" "$T/cut.nnp"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$T/cut.nnp': "* ]]
	# an empty shard makes an empty partial result, which adds nothing
	nn-export --format csv "$T/p.nns" | head -n 1 | nn-import -q --label pred --y pred -o "$T/p0.nns"
	nn-export --format csv "$T/y.nns" | head -n 1 | nn-import -q --label y -o "$T/y0.nns"
	nn-eval --partial --pred "$T/p0.nns" -o "$T/e.nnp" "$T/y0.nns"
	nn-eval --combine "$T/e.nnp" "$T/a.nnp" | cmp - <(nn-eval --pred "$T/p.nns" "$T/y.nns")
	nn-eval --combine "$T/a.nnp" "$T/e.nnp" | cmp - <(nn-eval --pred "$T/p.nns" "$T/y.nns")
	run --separate-stderr nn-eval --combine "$T/e.nnp" "$T/e.nnp"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no rows to evaluate"* ]]
}
