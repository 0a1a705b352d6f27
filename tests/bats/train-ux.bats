#!/usr/bin/env bats
# nn-train as users expect (issue 16): the output checked before any work,
# defaults that converge, a diverging loss refused, %g losses, classes
# warned of, both class lists on a mismatch, --log lines whole with two
# writers, one run per checkpoint.  Small tables only.

load helper

iris() {
	nn-import --label species -o "$T/iris.nns" "$ROOT/data/iris.csv"
}

@test "train-ux: stdout a terminal is refused at once, before the data is read" {
	command -v script > /dev/null || skip "no script(1) to give nn-train a terminal"
	iris
	# A FIFO with no writer as the input: a program that opened it first would hang.
	mkfifo "$T/fifo"
	run timeout 20 script -qec "nn-train --layers 4 '$T/fifo'" /dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"nn-train: refusing to write binary data to a terminal (use -o FILE or a pipe)"* ]]
	[[ "$output" != *"epoch 1"* ]]
}

@test "train-ux: an -o that cannot be written fails at once" {
	iris
	run --separate-stderr nn-train --layers 4 -o "$T/no/such/folder/m.nnm" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-train: '$T/no/such/folder/m.nnm': cannot create a temporary file beside it"* ]]
	[[ "$stderr" != *"epoch 1"* ]]
}

@test "train-ux: the defaults stop when the loss stops improving; the epoch limit while improving warns" {
	iris
	run --separate-stderr nn-train --layers 4 --epochs 3 -o "$T/m.nnm" "$T/iris.nns"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"epoch 3/3 "* ]]
	[[ "$stderr" == *"nn-train: warning: did not converge in 3 epochs: the training loss still improved"*"--epochs"* ]]
	run --separate-stderr nn-train --layers 4 --lr 0.05 --batch-size 16 -o "$T/m.nnm" "$T/iris.nns"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"no improvement for 10 epochs: stopping"* ]]
	[[ "$stderr" != *"did not converge"* ]]
	[[ "$stderr" == *"/200 "* ]]
}

@test "train-ux: a diverging loss ends with status 1, no model, the hint" {
	iris
	run --separate-stderr nn-train --layers 8 --lr 1e6 -o "$T/m.nnm" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"nn-train: the loss diverged: "*" at epoch 1, from "*"no model written (try a smaller --lr than 1e+06, or --clip-norm)"* ]]
	[ ! -e "$T/m.nnm" ]
	no_temporaries "$T"
}

@test "train-ux: losses are printed with %g, never as long fixed-point numbers" {
	awk 'BEGIN { srand(5); print "a,y"; for (i = 0; i < 64; i++) { a = rand(); print a "," 1e9 * (a + 1) } }' |
		nn-import --format csv --label y -o "$T/big.nns"
	run --separate-stderr nn-train --task regression --layers 4 --epochs 1 -o "$T/m.nnm" "$T/big.nns"
	[ "$status" -eq 0 ]
	[[ "$stderr" =~ "epoch 1/1  loss "[0-9.]+e\+1[0-9]" " ]]
	! [[ "$stderr" =~ [0-9]{10} ]]
}

@test "train-ux: classes with no training rows or very few are warned of" {
	{ echo "a,b,label"
	  for i in $(seq 20); do echo "$i,1,cat"; echo "1,$i,dog"; done
	  echo "5,5,eel"; echo "6,6,eel"; } > "$T/pets.csv"
	nn-import --label label --classes cat,dog,eel,fox -o "$T/pets.nns" "$T/pets.csv"
	run --separate-stderr nn-train --layers 4 --epochs 2 -o "$T/m.nnm" "$T/pets.nns"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"nn-train: warning: 1 class with no training rows ('fox'): the model never learns it"* ]]
	[[ "$stderr" == *"nn-train: warning: 1 class with fewer than 5 training rows ('eel'): its predictions are unreliable"* ]]
	run --separate-stderr nn-train -q --layers 4 --epochs 2 -o "$T/m.nnm" "$T/pets.nns"
	[ -z "$stderr" ]
}

@test "train-ux: a softmax over one output is refused" {
	awk 'BEGIN { print "a,y"; for (i = 0; i < 20; i++) print i "," i / 2 }' | nn-import --format csv --label y -o "$T/r.nns"
	run --separate-stderr nn-train --output-activation softmax -o "$T/m.nnm" "$T/r.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == "nn-train: --output-activation softmax over one output always gives 1: use sigmoid (two classes) or linear (regression)"* ]]
	[ ! -e "$T/m.nnm" ]
}

@test "train-ux: other classes in --val or in a --resume checkpoint: both lists and --classes" {
	iris
	awk -F, 'NR == 1 || $5 != "setosa"' "$ROOT/data/iris.csv" | nn-import --format csv --label species -o "$T/two.nns"
	run --separate-stderr nn-train --layers 4 --epochs 1 --val "$T/two.nns" -o "$T/m.nnm" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-train: '$T/two.nns': field 'y': classes [versicolor, virginica] differ from the training stream's [setosa, versicolor, virginica] (import both with the same nn-import --classes LIST"* ]]
	# the same rows under other names
	nn-train -q --layers 4 --epochs 1 --checkpoint "$T/ck.nnm" -o "$T/m.nnm" "$T/iris.nns"
	sed '2,$s/setosa/bristle/' "$ROOT/data/iris.csv" |
		nn-import --format csv --label species --classes bristle,versicolor,virginica -o "$T/renamed.nns"
	run --separate-stderr nn-train --layers 4 --epochs 2 --resume "$T/ck.nnm" -o "$T/m2.nnm" "$T/renamed.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-train: '$T/ck.nnm': the checkpoint's classes [setosa, versicolor, virginica] differ from the training data's [bristle, versicolor, virginica] (import the data with nn-import --classes LIST in the checkpoint's order)" ]]
}

@test "train-ux: two runs writing one --log never mix their lines" {
	iris
	nn-train -q --layers 4 --epochs 300 --patience 0 --log "$T/log" -o "$T/a.nnm" "$T/iris.nns" &
	a=$!
	nn-train -q --layers 4 --epochs 300 --patience 0 --val-size 0.3 --log "$T/log" -o "$T/b.nnm" "$T/iris.nns" &
	b=$!
	wait "$a"
	wait "$b"
	# every line whole: the header or an epoch's ten fields, numbers where numbers go
	awk -F '\t' 'NF != 10 || ($1 != "epoch" && $1 !~ /^[0-9]+$/) || ($1 != "epoch" && $2 !~ /^[0-9.e+-]+$/) { print NR ": " $0; bad = 1 }
	     END { exit bad }' "$T/log"
	[ "$(grep -c -v '^epoch' "$T/log")" -ge 300 ]
}

@test "train-ux: a checkpoint in use by another run is refused, the lock named" {
	iris
	nn-train -q --layers 64 --epochs 100000 --patience 0 --checkpoint "$T/ck.nnm" --log "$T/log" \
		-o "$T/a.nnm" "$T/iris.nns" &
	pid=$!
	while [ "$(cat "$T/log" 2>/dev/null | wc -l)" -lt 2 ]; do sleep 0.05; done
	run --separate-stderr nn-train --layers 64 --epochs 3 --checkpoint "$T/ck.nnm" -o "$T/b.nnm" "$T/iris.nns"
	run2_status=$status
	run2_stderr=$stderr
	run --separate-stderr nn-train --layers 64 --epochs 100000 --patience 0 --resume "$T/ck.nnm" -o "$T/c.nnm" "$T/iris.nns"
	kill -TERM "$pid"
	wait "$pid" || true
	[ "$run2_status" -eq 1 ]
	[ "$run2_stderr" = "nn-train: '$T/ck.nnm': in use by another run (it holds the lock '$T/ck.nnm.lock')" ]
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-train: '$T/ck.nnm': in use by another run"* ]]
	[ ! -e "$T/b.nnm" ]
	# once the first run has ended, the checkpoint is free again
	nn-train -q --layers 64 --epochs 100000 --patience 0 --resume "$T/ck.nnm" --checkpoint "$T/ck.nnm" --dry-run "$T/iris.nns" > /dev/null
}
