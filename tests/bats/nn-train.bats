#!/usr/bin/env bats
# nn-train: learning on real data, determinism, checkpoints and resume,
# bad inputs, dry run, logs, the BLAS kernel choice.

load helper

iris() {
	nn-import --label species -o "$T/iris.nns" "$ROOT/data/iris.csv"
}

# A value from the model's metadata, e.g. meta_value m.nnm val_accuracy
meta_value() {
	nn-info --json "$1" | grep -o "\"$2\": [-0-9.e]*" | head -n 1 | sed 's/.*: //'
}

# 2000 rows of a larger classification task for runs long enough to
# interrupt: Fashion-MNIST's test images.
fashion_small() {
	nn-import "$FASHION/t10k-images-idx3-ubyte.gz" --labels "$FASHION/t10k-labels-idx1-ubyte.gz" \
		--classes fashion-mnist -o "$T/fm.nns"
}

# npy DESCR SHAPE BYTES: a version 1.0 .npy file on stdout; BYTES as printf
# escapes, e.g. npy '<i4' '(2,)' '\0\0\0\0\1\0\0\0'
npy() {
	local h="{'descr': '$1', 'fortran_order': False, 'shape': $2, }"
	local total=$(( (10 + ${#h} + 1 + 63) / 64 * 64 ))
	local len=$(( total - 10 ))
	printf '\223NUMPY\001\000'
	printf "\\$(printf '%03o' $((len % 256)))\\$(printf '%03o' $((len / 256)))"
	printf '%s%*s\n' "$h" $((len - ${#h} - 1)) ''
	printf "$3"
}

IRIS_OPTS="--layers 16 --epochs 60 --batch-size 16 --lr 0.01 --seed 42 --val-size 0.2"

@test "nn-train: Iris reaches at least 0.9 validation accuracy" {
	iris
	run --separate-stderr nn-train $IRIS_OPTS -o "$T/m.nnm" "$T/iris.nns"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"epoch 60/60"*"val_acc"* ]]
	acc=$(meta_value "$T/m.nnm" val_accuracy)
	awk -v a="$acc" 'BEGIN { exit !(a >= 0.9) }'
	run nn-info "$T/m.nnm"
	[[ "$output" == *$'kind\tmodel'* ]]
	[[ "$output" == *$'field\tlayer0.weight\tf32\t[16,4]'* ]]
	[[ "$output" == *$'field\tlayer1.bias\tf32\t[3]'* ]]
	[[ "$output" == *'"classes": ["setosa", "versicolor", "virginica"]'* ]]
	[[ "$output" == *'"train_rows": 120'* && "$output" == *'"val_rows": 30'* ]]
}

@test "nn-train: same seed, same bytes; another seed, another model" {
	iris
	nn-train $IRIS_OPTS -q -o "$T/a.nnm" "$T/iris.nns"
	nn-train $IRIS_OPTS -q -o "$T/b.nnm" "$T/iris.nns"
	cmp "$T/a.nnm" "$T/b.nnm"
	nn-train $IRIS_OPTS --seed 7 -q -o "$T/c.nnm" "$T/iris.nns"
	! cmp -s "$T/a.nnm" "$T/c.nnm"
	# The thread count is recorded only when given; the weights agree.
	nn-train $IRIS_OPTS --threads 1 -q -o "$T/d.nnm" "$T/iris.nns"
	diff <(nn-export --format csv "$T/a.nnm") <(nn-export --format csv "$T/d.nnm")
}

@test "nn-train: a checkpoint resumed ends byte-identical to the uninterrupted run" {
	iris
	nn-train $IRIS_OPTS -q -o "$T/full.nnm" "$T/iris.nns"
	nn-train $IRIS_OPTS --epochs 25 -q --checkpoint "$T/ck.nnm" -o "$T/part.nnm" "$T/iris.nns"
	run nn-info "$T/ck.nnm"
	[[ "$output" == *$'kind\tcheckpoint'* ]]
	[[ "$output" == *$'field\tlayer0.weight.m\tf32\t[16,4]'* ]]
	nn-train $IRIS_OPTS -q --resume "$T/ck.nnm" -o "$T/resumed.nnm" "$T/iris.nns"
	cmp "$T/full.nnm" "$T/resumed.nnm"
	# and with early stopping, whose best weights are in the checkpoint too
	nn-train $IRIS_OPTS --patience 3 -q -o "$T/full2.nnm" "$T/iris.nns"
	nn-train $IRIS_OPTS --patience 3 --epochs 8 -q --checkpoint "$T/ck2.nnm" -o /dev/null "$T/iris.nns"
	nn-train $IRIS_OPTS --patience 3 -q --resume "$T/ck2.nnm" -o "$T/resumed2.nnm" "$T/iris.nns"
	cmp "$T/full2.nnm" "$T/resumed2.nnm"
}

@test "nn-train: SIGTERM writes a checkpoint mid-epoch; resuming it gives the same model" {
	fashion_small
	opts="--layers 256 --epochs 6 --batch-size 32 --seed 1 --threads 1"
	nn-train $opts -q -o "$T/full.nnm" "$T/fm.nns"
	nn-train $opts --checkpoint "$T/ck.nnm" --checkpoint-every 100 --log "$T/log" \
		-o "$T/never.nnm" "$T/fm.nns" 2>"$T/err" &
	pid=$!
	# after the first epoch, somewhere in the second: interrupt
	while [ "$(cat "$T/log" 2>/dev/null | wc -l)" -lt 2 ]; do sleep 0.05; done
	sleep 0.1
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 143 ]
	[ ! -e "$T/never.nnm" ]
	no_temporaries "$T"
	[ -s "$T/ck.nnm" ]
	grep -q "interrupted: state at epoch [2-6], batch [0-9]* saved in" "$T/err" || { cat "$T/err"; false; }
	nn-info --verify -q "$T/ck.nnm"
	nn-train $opts -q --resume "$T/ck.nnm" -o "$T/resumed.nnm" "$T/fm.nns"
	cmp "$T/full.nnm" "$T/resumed.nnm"
}

@test "nn-train: --resume refuses other options, other data, a model, a data stream" {
	iris
	nn-train $IRIS_OPTS --epochs 5 -q --checkpoint "$T/ck.nnm" -o "$T/m.nnm" "$T/iris.nns"
	run --separate-stderr nn-train $IRIS_OPTS --lr 0.02 --resume "$T/ck.nnm" -o "$T/x.nnm" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-train: '$T/ck.nnm': made with other options or data: checkpoint has lr=0.01"* ]]
	run --separate-stderr nn-train $IRIS_OPTS --layers 8 --resume "$T/ck.nnm" -o "$T/x.nnm" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"network differs"* || "$stderr" == *"layers=16"* ]]
	awk 'NR == 1 || NR % 2 == 0' "$ROOT/data/iris.csv" | nn-import --format csv --label species -o "$T/less.nns"
	run --separate-stderr nn-train $IRIS_OPTS --resume "$T/ck.nnm" -o "$T/x.nnm" "$T/less.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"training data="* ]]
	run --separate-stderr nn-train $IRIS_OPTS --resume "$T/m.nnm" -o "$T/x.nnm" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"not a checkpoint (kind 'model')"* ]]
	run --separate-stderr nn-train $IRIS_OPTS --resume "$T/iris.nns" -o "$T/x.nnm" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"not a checkpoint (kind 'data')"* ]]
	[ ! -e "$T/x.nnm" ]
	no_temporaries "$T"
}

@test "nn-train: NaN features, missing labels, negative labels, empty input" {
	printf 'a,b,y\n1,2,0\nNaN,3,1\n' | nn-import --format csv --label y -o "$T/nan.nns"
	run --separate-stderr nn-train -o "$T/m.nnm" "$T/nan.nns"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-train: '$T/nan.nns': row 2: field 'x' holds NaN (nn-clean --nonfinite drops or fills such rows)" ]
	printf 'a,b,y\n1,2,0.5\n2,3,NA\n' | nn-import --format csv --label y -o "$T/nany.nns"
	run --separate-stderr nn-train -o "$T/m.nnm" "$T/nany.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"row 2: label 'y' is NaN"* ]]
	# nn-import names text labels; integer labels without names come from NPY
	npy '<f4' '(2, 1)' '\0\0\0\0\0\0\200\77' > "$T/x.npy"
	npy '<i4' '(2,)' '\0\0\0\0\377\377\377\377' > "$T/y.npy"
	nn-import --format npy --labels "$T/y.npy" -o "$T/neg.nns" "$T/x.npy"
	run --separate-stderr nn-train -o "$T/m.nnm" "$T/neg.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"row 2: label -1 is not a class"* ]]
	printf 'a,b,y\n' | nn-import --format csv --label y -o "$T/empty.nns"
	run --separate-stderr nn-train -o "$T/m.nnm" "$T/empty.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no rows to train on"* ]]
	printf 'a,y\n1,0\n2,0\n' | nn-import --format csv --label y -o "$T/one.nns"
	run --separate-stderr nn-train -o "$T/m.nnm" "$T/one.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"one class only"* ]]
	run --separate-stderr nn-train --x nope -o "$T/m.nnm" "$T/one.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no field 'nope'"* ]]
	[ ! -e "$T/m.nnm" ]
}

@test "nn-train: a loss that diverges stops with an error and no model" {
	awk 'BEGIN { srand(3); print "a,b,y"; for (i = 0; i < 400; i++) { a = rand(); b = rand(); print a "," b "," 2*a - b + 0.5 } }' |
		nn-import --format csv --label y -o "$T/reg.nns"
	run --separate-stderr nn-train --layers 16 --optimizer sgd --lr 1e6 --epochs 5 -o "$T/m.nnm" "$T/reg.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"the loss became"*"no model written"* ]]
	[ ! -e "$T/m.nnm" ]
	no_temporaries "$T"
}

@test "nn-train: truncated and corrupt inputs fail with the file named" {
	for f in "$DATA"/bad/*.nns; do
		[ "$f" != "$DATA/bad/good.nns" ] || continue
		run --separate-stderr nn-train -o "$T/m.nnm" "$f"
		[ "$status" -eq 1 ] || { echo "$f: $status"; false; }
		[[ "$stderr" == "nn-train: '$f': "* ]]
	done
	[ ! -e "$T/m.nnm" ]
}

@test "nn-train: a network over the one-row limits is not refused (its tensors go in chunks)" {
	iris
	run --separate-stderr nn-train --dry-run --layers 3000,3000 --checkpoint "$T/ck" -o "$T/m.nnm" "$T/iris.nns"
	[ "$status" -eq 0 ]
	[[ "$output" == *"parameters	9027003"* ]]
	[ ! -e "$T/m.nnm" ]
}

@test "nn-train: --task regression on named classes; --monitor accuracy needs classes" {
	iris
	nn-train --task regression --layers 8 --epochs 3 -q -o "$T/r.nnm" "$T/iris.nns"
	run nn-info "$T/r.nnm"
	[[ "$output" == *'"task": "regression"'*'"targets": 1'* ]]
	run --separate-stderr nn-train --task regression --val-size 0.2 --patience 3 --monitor accuracy -o "$T/x.nnm" "$T/iris.nns"
	[ "$status" -eq 2 ]
}

@test "nn-train: usage errors exit 2" {
	iris
	for args in "--layers 0" "--layers 8,,8" "--activation swish" "--activation relu,tanh" \
	            "--optimizer rmsprop" "--loss hinge" "--val-size 0.2 --val x.nns" "--monitor f1" \
	            "--log-format xml" "--task ranking" "--epochs 0" "--schedule linear"; do
		run --separate-stderr nn-train $args -o "$T/m.nnm" "$T/iris.nns"
		[ "$status" -eq 2 ] || { echo "$args: $status $stderr"; false; }
	done
	# a value outside a fixed set: the parser names the choices
	run --separate-stderr nn-train --optimizer rmsprop -o "$T/m.nnm" "$T/iris.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--optimizer: 'rmsprop' is not one of: sgd, momentum, adam, adamw"* ]]
	# cross-entropy needs softmax outputs
	run --separate-stderr nn-train --loss ce --output-activation linear -o "$T/m.nnm" "$T/iris.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"loss ce needs the softmax output, not linear"* ]]
	[ ! -e "$T/m.nnm" ]
}

@test "nn-train: outputs follow the task: two classes, MSE, none hidden, regression" {
	# two classes: one sigmoid output with binary cross-entropy
	awk -F, 'NR == 1 || $5 != "setosa"' "$ROOT/data/iris.csv" | nn-import --format csv --label species -o "$T/two.nns"
	nn-train --layers 8 --epochs 100 --batch-size 16 --lr 0.01 -q -o "$T/bce.nnm" "$T/two.nns"
	run nn-info "$T/bce.nnm"
	[[ "$output" == *'"layers": [4, 8, 1]'*'"output": "sigmoid", "loss": "bce"'* ]]
	acc=$(meta_value "$T/bce.nnm" train_loss)
	awk -v a="$acc" 'BEGIN { exit !(a < 0.3) }'
	# the textbook variant: sigmoid output and mean squared error
	# (a few epochs: the network's shape is checked, not what it learnt)
	nn-train --layers 8 --loss mse --epochs 5 --batch-size 16 --lr 0.01 -q -o "$T/mse.nnm" "$T/two.nns"
	run nn-info "$T/mse.nnm"
	[[ "$output" == *'"output": "sigmoid", "loss": "mse"'* ]]
	# no hidden layer: logistic regression over three classes
	iris
	nn-train --layers none --epochs 5 --batch-size 16 --lr 0.05 -q -o "$T/lin.nnm" "$T/iris.nns"
	run nn-info "$T/lin.nnm"
	[[ "$output" == *'"layers": [4, 3], "activations": []'* ]]
	# regression: y = 2a - b + 0.5 is learnt to a small error
	awk 'BEGIN { srand(3); print "a,b,y"; for (i = 0; i < 400; i++) { a = rand(); b = rand(); print a "," b "," 2*a - b + 0.5 } }' |
		nn-import --format csv --label y -o "$T/reg.nns"
	nn-train --layers 16 --epochs 200 --batch-size 32 --lr 0.01 -q -o "$T/reg.nnm" "$T/reg.nns"
	run nn-info "$T/reg.nnm"
	[[ "$output" == *'"task": "regression"'*'"targets": 1'*'"output": "linear", "loss": "mse"'* ]]
	loss=$(meta_value "$T/reg.nnm" train_loss)
	awk -v a="$loss" 'BEGIN { exit !(a < 0.001) }'
}

@test "nn-train: --dry-run counts parameters and FLOPs exactly" {
	iris
	run --separate-stderr nn-train --layers 16 --dry-run "$T/iris.nns"
	[ "$status" -eq 0 ]
	# 4*16 + 16 + 16*3 + 3 = 131 parameters
	[[ "$output" == *$'parameters\t131'* ]]
	# per row: forward 2(64 + 48) = 224, weight gradients 224, input
	# gradients of layer 1: 2 * 48 = 96
	[[ "$output" == *$'flops_per_row\t544'* ]]
	[[ "$output" == *$'flops_per_epoch\t8.16e+04'* ]]
	[[ "$output" == *$'rows\t150 training, 0 validation'* ]]
	[[ "$output" == *$'\nsgemm\t'*'GFLOPS'* ]]
	[[ "$output" == *$'\nmeasured\t'*'samples/s'* ]]
}

@test "nn-train: --log writes one line per epoch as TSV or JSON" {
	iris
	nn-train $IRIS_OPTS --epochs 7 -q --log "$T/log.tsv" -o "$T/m.nnm" "$T/iris.nns"
	[ "$(wc -l < "$T/log.tsv")" -eq 8 ]
	[ "$(head -n 1 "$T/log.tsv")" = "$(printf 'epoch\ttrain_loss\tval_loss\tval_accuracy\tlr\tsamples_per_s\telapsed_s\tcpu_s\tenergy_j\tenergy_source')" ]
	[ "$(tail -n 1 "$T/log.tsv" | cut -f 1)" = 7 ]
	nn-train $IRIS_OPTS --epochs 3 -q --log "$T/log.json" --log-format json -o "$T/m2.nnm" "$T/iris.nns"
	[ "$(wc -l < "$T/log.json")" -eq 3 ]
	grep -q '^{"epoch":3,"train_loss":[0-9.e-]*,"val_loss":[0-9.e-]*,"val_accuracy":[0-9.e-]*,"lr":0.01,' "$T/log.json"
	# the log does not change the model
	nn-train $IRIS_OPTS --epochs 7 -q -o "$T/nolog.nnm" "$T/iris.nns"
	cmp "$T/m.nnm" "$T/nolog.nnm"
}

@test "nn-train: early stopping keeps the best epoch's weights" {
	iris
	run --separate-stderr nn-train $IRIS_OPTS --epochs 500 --patience 5 -o "$T/m.nnm" "$T/iris.nns"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"no improvement for 5 epochs: stopping; the model is epoch "* ]]
	best=$(meta_value "$T/m.nnm" best_epoch)
	epochs=$(meta_value "$T/m.nnm" epochs)
	[ "$epochs" -eq $((best + 5)) ]
	[ "$epochs" -lt 500 ]
}

@test "nn-train: a separate validation stream must match the training fields" {
	iris
	nn-train --layers 8 --epochs 3 --val "$T/iris.nns" -q -o "$T/m.nnm" "$T/iris.nns"
	[ "$(meta_value "$T/m.nnm" val_rows)" -eq 150 ]
	printf 'a,y\n1,0\n2,1\n' | nn-import --format csv --label y -o "$T/other.nns"
	run --separate-stderr nn-train --epochs 3 --val "$T/other.nns" -o "$T/x.nnm" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-train: '$T/other.nns': "*"differ"* ]]
}

@test "nn-train: BLAS kernels: a generic choice is replaced and checked; NN_BLAS_CORETYPE=keep leaves it" {
	grep -qw avx2 /proc/cpuinfo || skip "no AVX2 on this CPU"
	unset NN_BLAS_CORETYPE   # tests/run-tests.sh names the kernels to the suite
	run env OPENBLAS_CORETYPE=Prescott nn-train --version
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == "BLAS: OpenBLAS, "*"(chosen by nnpipe for this CPU instead of Prescott, self-check passed) kernels" ]]
	run env OPENBLAS_CORETYPE=Prescott NN_BLAS_CORETYPE=keep nn-train --version
	[ "${lines[1]}" = "BLAS: OpenBLAS, Prescott (OPENBLAS_CORETYPE from the environment) kernels" ]
	# and the chosen kernels train the same model as the generic ones
	iris
	OPENBLAS_CORETYPE=Prescott nn-train $IRIS_OPTS -q -o "$T/fast.nnm" "$T/iris.nns"
	OPENBLAS_CORETYPE=Prescott NN_BLAS_CORETYPE=keep nn-train $IRIS_OPTS -q -o "$T/slow.nnm" "$T/iris.nns"
	a=$(meta_value "$T/fast.nnm" val_accuracy)
	b=$(meta_value "$T/slow.nnm" val_accuracy)
	[ "$a" = "$b" ]
}

@test "nn-train: soft labels from nn-augment --mixup train a classifier validated on class ids" {
	iris
	nn-augment --mixup 0.4 --copies 1 --seed 1 -o "$T/mix.nns" "$T/iris.nns"
	run nn-info "$T/mix.nns"
	[[ "$output" == *$'field\ty\tf32\t[3]\t3 classes'* ]]
	nn-train --layers 16 --epochs 40 --batch-size 16 --lr 0.01 --val "$T/iris.nns" -q -o "$T/m.nnm" "$T/mix.nns"
	run nn-info "$T/m.nnm"
	[[ "$output" == *'"task": "classification"'*'"classes": ["setosa", "versicolor", "virginica"]'*'"output": "softmax", "loss": "ce"'* ]]
	acc=$(meta_value "$T/m.nnm" val_accuracy)
	awk -v a="$acc" 'BEGIN { exit !(a >= 0.9) }'
}
