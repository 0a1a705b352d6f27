#!/usr/bin/env bats
# nn-predict: predictions checked against the model's own weights computed
# by hand (awk), classification, binary sigmoid and regression; the label
# and --keep fields; bad inputs; determinism; bounded memory.  Also
# nn-eval -m, which must give what nn-eval --pred gives on nn-predict's
# output.

load helper

IRIS="$ROOT/data/iris.csv"

# A linear softmax model (no hidden layer) on iris: proba = softmax(W x + b).
linear() {
	nn-import -q --label species -o "$T/iris.nns" "$IRIS"
	nn-train -q --layers none --epochs 20 --lr 0.05 --threads 1 -o "$T/lin.nnm" "$T/iris.nns"
}

# check_linear PREDS MODEL DATA OUT FN: recompute every row's outputs from
# the exported weights in double and compare with the predictions' columns
# (within 1e-5, f32 arithmetic); FN is softmax, sigmoid or identity.
check_linear() {
	nn-export --format csv --no-header "$2" > "$T/w.csv"
	nn-export --format csv --no-header "$3" > "$T/d.csv"
	nn-export --format csv --no-header "$1" > "$T/p.csv"
	awk -F, -v fn="$5" -v k="$4" '
	FILENAME == ARGV[1] { nw = NF - k; d = nw / k
		for (i = 1; i <= nw; i++) w[i] = $i
		for (j = 1; j <= k; j++) b[j] = $(nw + j); next }
	FILENAME == ARGV[2] { for (i = 1; i <= d; i++) x[FNR, i] = $i; next }
	{
		m = -1e300; s = 0
		for (j = 1; j <= k; j++) {
			z[j] = b[j]
			for (i = 1; i <= d; i++) z[j] += w[(j - 1) * d + i] * x[FNR, i]
			if (z[j] > m) m = z[j]
		}
		if (fn == "softmax") {
			for (j = 1; j <= k; j++) s += exp(z[j] - m)
			for (j = 1; j <= k; j++) o[j] = exp(z[j] - m) / s
			# the columns: pred, proba_0 .. proba_k-1, y
			best = 1; for (j = 2; j <= k; j++) if (o[j] > o[best]) best = j
			if ($1 != best - 1) { print "row " FNR ": pred " $1 ", want " best - 1; bad = 1 }
			for (j = 1; j <= k; j++) got[j] = $(1 + j)
		} else if (fn == "sigmoid") {
			p = 1 / (1 + exp(-z[1])); o[1] = 1 - p; o[2] = p; k2 = 2
			if ($1 != (p > 0.5)) { print "row " FNR ": pred " $1; bad = 1 }
			got[1] = $2; got[2] = $3
		} else {
			o[1] = z[1]; got[1] = $1
		}
		n = fn == "sigmoid" ? 2 : k
		for (j = 1; j <= n; j++) {
			dlt = got[j] - o[j]
			if (dlt > 1e-5 || dlt < -1e-5) { print "row " FNR " output " j ": " got[j] " want " o[j]; bad = 1 }
		}
		rows++
	}
	END { if (!rows) { print "no rows"; exit 1 } exit bad }' "$T/w.csv" "$T/d.csv" "$T/p.csv"
}

@test "nn-predict: --help and usage errors" {
	run --separate-stderr nn-predict --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: nn-predict -m MODEL [OPTIONS] [INPUT]" ]
	linear
	run --separate-stderr nn-predict "$T/iris.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"-m MODEL is required"* ]]
	run --separate-stderr nn-predict -m - -o "$T/o.nns" < "$T/lin.nnm"
	[ "$status" -eq 2 ] || fail "status $status: $stderr"

	[[ "$stderr" == *"cannot both be standard input"* ]]
	run --separate-stderr nn-predict -m "$T/lin.nnm" --keep pred -o "$T/o.nns" "$T/iris.nns"
	[ "$status" -eq 2 ]
	[ ! -e "$T/o.nns" ]
}

@test "nn-predict: softmax classes and probabilities equal the model's weights computed by hand" {
	linear
	nn-predict -m "$T/lin.nnm" --proba -o "$T/pred.nns" "$T/iris.nns"
	run --separate-stderr nn-info "$T/pred.nns"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\nrows\t150\n'* ]]
	[[ "$output" == *$'\nfield\tpred\ti32\t[]\t3 classes\nfield\tproba\tf32\t[3]\t3 classes\nfield\ty\ti32\t[]\t3 classes\n'* ]]
	[[ "$output" == *$'\nkind\tdata\n'* ]]
	[[ "$output" == *$'\nclass\tpred\t0\t'*$'\tsetosa\n'* ]]
	check_linear "$T/pred.nns" "$T/lin.nnm" "$T/iris.nns" 3 softmax
	# without --proba: pred and the label only
	nn-predict -m "$T/lin.nnm" -o "$T/p2.nns" "$T/iris.nns"
	run nn-info "$T/p2.nns"
	[[ "$output" == *$'\nfield\tpred\ti32\t[]\t3 classes\nfield\ty\ti32\t[]\t3 classes\nstats'* ]]
	nn-export --format csv "$T/p2.nns" | cut -d, -f1 > "$T/a"
	nn-export --format csv "$T/pred.nns" | cut -d, -f1 > "$T/b"
	cmp "$T/a" "$T/b"
}

@test "nn-predict: a binary sigmoid model gives proba (1 - p, p)" {
	awk -F, 'NR == 1 || $5 != "virginica"' "$IRIS" | nn-import -q --label species -o "$T/bin.nns"
	nn-train -q --layers none --output sigmoid --loss bce --epochs 20 --lr 0.05 --threads 1 -o "$T/bin.nnm" "$T/bin.nns"
	nn-predict -m "$T/bin.nnm" --proba -o "$T/pred.nns" "$T/bin.nns"
	run nn-info "$T/pred.nns"
	[[ "$output" == *$'\nfield\tpred\ti32\t[]\t2 classes\nfield\tproba\tf32\t[2]\t2 classes\n'* ]]
	check_linear "$T/pred.nns" "$T/bin.nnm" "$T/bin.nns" 1 sigmoid
}

@test "nn-predict: regression outputs, one target" {
	nn-import -q --label petal_width --drop-col species -o "$T/reg.nns" "$IRIS"
	nn-train -q --layers none --epochs 20 --lr 0.01 --threads 1 -o "$T/reg.nnm" "$T/reg.nns"
	nn-predict -q -m "$T/reg.nnm" --proba -o "$T/pred.nns" "$T/reg.nns"
	run nn-info "$T/pred.nns"
	[[ "$output" == *$'\nfield\tpred\tf32\t[]\nfield\ty\tf32\t[]\nstats'* ]]
	check_linear "$T/pred.nns" "$T/reg.nnm" "$T/reg.nns" 1 identity
	run --separate-stderr nn-predict -m "$T/reg.nnm" --proba -o "$T/p.nns" "$T/reg.nns"
	[[ "$stderr" == *"--proba: a regression model gives no probabilities"* ]]
}

@test "nn-predict: --keep copies fields; no label in the input, no label out" {
	linear
	nn-predict -m "$T/lin.nnm" --keep x --keep y -o "$T/k.nns" "$T/iris.nns"
	run nn-info "$T/k.nns"
	[[ "$output" == *$'\nfield\tpred\ti32\t[]\t3 classes\nfield\ty\ti32\t[]\t3 classes\nfield\tx\tf32\t[4]\nstats'* ]]
	diff <(nn-export --format csv --no-header "$T/k.nns" | cut -d, -f2-) \
		<(nn-export --format csv --no-header "$T/iris.nns" | awk -F, -v OFS=, '{ print $5, $1, $2, $3, $4 }')
	nn-import -q --drop-col species -o "$T/nolabel.nns" "$IRIS"
	nn-predict -m "$T/lin.nnm" -o "$T/n.nns" "$T/nolabel.nns"
	run nn-info "$T/n.nns"
	[[ "$output" == *$'\nfield\tpred\ti32\t[]\t3 classes\nstats'* ]]
	run --separate-stderr nn-predict -m "$T/lin.nnm" --keep id -o "$T/o.nns" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-predict: '$T/iris.nns': --keep: no field 'id'" ]]
	[ ! -e "$T/o.nns" ]
}

@test "nn-predict: bad inputs exit 1 naming the file, no output left" {
	linear
	run --separate-stderr nn-predict -m "$T/iris.nns" -o "$T/o.nns" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-predict: '$T/iris.nns': "* ]]
	nn-import -q --label species --drop-col sepal_width -o "$T/three.nns" "$IRIS"
	run --separate-stderr nn-predict -m "$T/lin.nnm" -o "$T/o.nns" "$T/three.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-predict: '$T/three.nns': field 'x' does not have the model's columns: 1 column(s) missing: 'sepal_width'" ]]
	run --separate-stderr nn-predict -m "$T/lin.nnm" --x nope -o "$T/o.nns" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no field 'nope'"* ]]
	size=$(stat -c %s "$T/iris.nns")
	head -c $((size - 5)) "$T/iris.nns" > "$T/cut.nns"
	run --separate-stderr nn-predict -m "$T/lin.nnm" -o "$T/o.nns" "$T/cut.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-predict: '$T/cut.nns': "* ]]
	head -c $(( $(stat -c %s "$T/lin.nnm") - 5 )) "$T/lin.nnm" > "$T/cut.nnm"
	run --separate-stderr nn-predict -m "$T/cut.nnm" -o "$T/o.nns" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-predict: '$T/cut.nnm': "* ]]
	printf 'sepal_length,sepal_width,petal_length,petal_width\n1,2,3,4\n1,NA,3,4\n' | nn-import -q -o "$T/nan.nns"
	run --separate-stderr nn-predict -m "$T/lin.nnm" -o "$T/o.nns" "$T/nan.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-predict: '$T/nan.nns': field 'x': row 2: column 'sepal_width' is NaN and the model's preparation has no fill for it"* ]]
	[ ! -e "$T/o.nns" ]
	no_temporaries "$T"
	# an empty input is an empty predictions stream
	printf 'sepal_length,sepal_width,petal_length,petal_width\n' | nn-import -q -o "$T/empty.nns"
	nn-predict -m "$T/lin.nnm" -o "$T/o.nns" "$T/empty.nns"
	run nn-info --verify "$T/o.nns"
	[ "$output" = "OK rows=0 members=1" ]
}

@test "nn-predict: same model and input give byte-identical output" {
	linear
	nn-predict -m "$T/lin.nnm" --proba -o "$T/a.nns" "$T/iris.nns"
	nn-predict -m "$T/lin.nnm" --proba "$T/iris.nns" > "$T/b.nns"
	cmp "$T/a.nns" "$T/b.nns"
	# the same features from another source (NPY, no labels): the same predictions
	nn-export --format npy --field x -o "$T/x.npy" "$T/iris.nns"
	nn-import -q -o "$T/x.nns" "$T/x.npy"
	nn-predict -m "$T/lin.nnm" --proba "$T/x.nns" | nn-export --format csv > "$T/a.csv"
	nn-export --format csv "$T/a.nns" | cut -d, -f1-4 > "$T/b.csv"
	cmp "$T/a.csv" "$T/b.csv"
}

@test "nn-predict: peak memory stays bounded on a large input" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time is not installed"
	linear
	awk 'BEGIN { print "sepal_length,sepal_width,petal_length,petal_width,species"; for (i = 0; i < 400000; i++)
		printf "%d.%d,%d.5,%d.25,0.%d,%s\n", 4 + i % 4, i % 10, 2 + i % 2, 1 + i % 6, i % 10, (i % 3 ? "setosa" : "virginica") }' |
		nn-import -q --label species --classes setosa,versicolor,virginica -o "$T/big.nns"
	run --separate-stderr /usr/bin/time -f 'rss=%M' nn-predict -m "$T/lin.nnm" --proba -o "$T/o.nns" "$T/big.nns"
	[ "$status" -eq 0 ] || fail "$stderr"
	rss=$(printf '%s\n' "$stderr" | sed -n 's/^rss=//p')
	[ "$rss" -lt 65536 ] || fail "peak RSS $rss KiB"
	run nn-info --verify "$T/o.nns"
	[ "$output" = "OK rows=400000 members=1" ]
}

@test "nn-eval -m: the same report as nn-eval --pred on nn-predict's output" {
	linear
	nn-predict -m "$T/lin.nnm" --proba -o "$T/pred.nns" "$T/iris.nns"
	for opt in "" "--json" "--json -k 1"; do
		nn-eval -m "$T/lin.nnm" $opt "$T/iris.nns" > "$T/m.out"
		nn-eval --pred "$T/pred.nns" $opt > "$T/p.out"
		cmp "$T/m.out" "$T/p.out"
	done
	# regression too
	nn-import -q --label petal_width --drop-col species -o "$T/reg.nns" "$IRIS"
	nn-train -q --layers none --epochs 20 --lr 0.01 --threads 1 -o "$T/reg.nnm" "$T/reg.nns"
	nn-eval -m "$T/reg.nnm" --json "$T/reg.nns" > "$T/m.out"
	nn-predict -m "$T/reg.nnm" "$T/reg.nns" | nn-eval --pred - --json > "$T/p.out"
	cmp "$T/m.out" "$T/p.out"
	run cat "$T/m.out"
	[[ "$output" == '{"task": "regression", "rows": 150, "targets": 1, "mse": '* ]]
}

@test "nn-eval -m: a trained MLP scores well on its training data, byte-identical twice" {
	nn-import -q --label species -o "$T/iris.nns" "$IRIS"
	nn-train -q --layers 16 --epochs 200 --lr 0.01 --seed 1 --threads 1 -o "$T/mlp.nnm" "$T/iris.nns"
	run --separate-stderr nn-eval -m "$T/mlp.nnm" --json "$T/iris.nns"
	[ "$status" -eq 0 ]
	acc=$(printf '%s\n' "$output" | grep -o '"accuracy": [0-9.]*' | sed 's/.*: //')
	awk -v a="$acc" 'BEGIN { exit !(a > 0.9) }' || fail "accuracy $acc"
	nn-eval -m "$T/mlp.nnm" -o "$T/a.txt" "$T/iris.nns"
	nn-eval -m "$T/mlp.nnm" -o "$T/b.txt" "$T/iris.nns"
	cmp "$T/a.txt" "$T/b.txt"
}

@test "nn-eval -m: bad inputs exit 1 naming the file" {
	linear
	# a model file that is not a model
	run --separate-stderr nn-eval -m "$T/iris.nns" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$T/iris.nns': "* ]]
	# features of the wrong shape
	nn-import -q --label species --drop-col sepal_width -o "$T/three.nns" "$IRIS"
	run --separate-stderr nn-eval -m "$T/lin.nnm" "$T/three.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"field 'x' does not have the model's columns: 1 column(s) missing: 'sepal_width'" ]]
	# labels of the wrong dtype
	nn-import -q --label petal_width --drop-col species -o "$T/reg.nns" "$IRIS"
	printf 'sepal_length,sepal_width,petal_length,petal_width,y\n1,2,3,4,0.5\n' | nn-import -q --label y -o "$T/f.nns"
	run --separate-stderr nn-eval -m "$T/lin.nnm" "$T/f.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$T/f.nns': label field 'y' is f32; the model classifies: it needs integer class ids" ]]
	# a label beyond the model's classes
	printf 'sepal_length,sepal_width,petal_length,petal_width,y\n1,2,3,4,0\n1,2,3,4,3\n' | nn-import -q --label y -o "$T/c4.nns"
	run --separate-stderr nn-eval -m "$T/lin.nnm" "$T/c4.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$T/c4.nns': row 1: label 3 is out of the 3 classes (0 to 2)" ]]
	# class names that differ from the model's
	nn-import -q --label species --classes virginica,versicolor,setosa -o "$T/rev.nns" "$IRIS"
	run --separate-stderr nn-eval -m "$T/lin.nnm" "$T/rev.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"the class names of 'y' differ from the model's" ]]
	# no labels
	nn-import -q --drop-col species -o "$T/nolabel.nns" "$IRIS"
	run --separate-stderr nn-eval -m "$T/lin.nnm" "$T/nolabel.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no field 'y' (nn-eval needs labels; name the field with --y, or use nn-predict)" ]]
	# empty, truncated
	printf 'sepal_length,sepal_width,petal_length,petal_width,y\n' | nn-import -q --label y -o "$T/empty.nns"
	run --separate-stderr nn-eval -m "$T/lin.nnm" "$T/empty.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$T/empty.nns': no rows to evaluate" ]]
	size=$(stat -c %s "$T/iris.nns")
	head -c $((size - 5)) "$T/iris.nns" > "$T/cut.nns"
	run --separate-stderr nn-eval -m "$T/lin.nnm" -o "$T/out" "$T/cut.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-eval: '$T/cut.nns': "* ]]
	[ ! -e "$T/out" ]
	no_temporaries "$T"
	# a regression model, class labels
	awk -F, -v OFS=, 'NR == 1 { print $1, $2, $3, $4, "t"; next } { print $1, $2, $3, $4, $4 * 2 + 0.5 }' "$IRIS" |
		nn-import -q --label t -o "$T/reg4.nns"
	nn-train -q --layers none --epochs 2 --threads 1 -o "$T/reg.nnm" "$T/reg4.nns"
	run --separate-stderr nn-eval -m "$T/reg.nnm" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"label field 'y' is i32 (class ids); the model predicts float values" ]]
}
