#!/usr/bin/env bats
# Models over the one-row limits of the format (nn-stream(5), "Tensors in
# chunks"): a 784-4096-4096-10 network (20M parameters, 80 MB of f32; its
# checkpoint with Adam's moments 4 times that) trains, checkpoints,
# resumes byte-identically, and every program that reads a model reads it
# (a file of tensors in chunks with every kind of damage: test-tensors.c).

load helper

# 100 rows of Fashion-MNIST: two steps of 50 per epoch keep it fast.
fashion_100() {
	[ -r "$FASHION/t10k-images-idx3-ubyte.gz" ] ||
		skip "Fashion-MNIST not installed in $FASHION (apt-get install dataset-fashion-mnist)"
	nn-import "$FASHION/t10k-images-idx3-ubyte.gz" --labels "$FASHION/t10k-labels-idx1-ubyte.gz" \
		--classes fashion-mnist -o "$T/fm.nns"
	nn-split --no-shuffle --test-size 100 --test "$T/s.nns" --train /dev/null -q "$T/fm.nns"
	nn-split --no-shuffle --test-size 20 --test "$T/few.nns" --train /dev/null -q "$T/fm.nns"
}

BIG="--layers 4096,4096 --epochs 2 --batch-size 50 --seed 1 --threads 1 --level 1"

@test "bigmodel: a 784-4096-4096-10 network trains, checkpoints in chunks and resumes byte-identically" {
	fashion_100
	nn-train $BIG -q -o "$T/full.nnm" "$T/s.nns"
	nn-train $BIG --epochs 1 -q --checkpoint "$T/ck.nnm" -o "$T/part.nnm" "$T/s.nns"
	nn-train $BIG -q --resume "$T/ck.nnm" -o "$T/resumed.nnm" "$T/s.nns"
	cmp "$T/full.nnm" "$T/resumed.nnm"
	# over 64 MiB: the chunk layout, the tensors in the header's table
	run nn-info "$T/full.nnm"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'kind\tmodel'* ]]
	[[ "$output" == *$'\nchunks\t1048576 bytes\n'* ]]
	[[ "$output" == *$'\nfield\tlayer1.weight\tf32\t[4096,4096]\n'* ]]
	[[ "$output" == *$'\nstats\tlayer1.weight\tmin='* ]]
	[[ "$output" == *'{"name": "layer1.weight", "dtype": "f32", "shape": [4096, 4096]}'* ]]
	# the checkpoint holds Adam's moments and the best copy, in chunks too
	[ "$(stat -c %s "$T/ck.nnm")" -gt 200000000 ]
	# nn-predict and nn-eval read it; nn-quantize makes an int8 model that
	# fits one row again, and predicts the same classes here
	nn-predict -m "$T/full.nnm" -o "$T/p.nns" "$T/few.nns"
	[ "$(nn-info "$T/p.nns" | grep -c '^rows	20$')" -eq 1 ]
	run --separate-stderr nn-eval -m "$T/full.nnm" "$T/few.nns"
	[ "$status" -eq 0 ]
	[[ "$output" == *"rows                20"* ]]
	nn-quantize -q -o "$T/q.nnm" "$T/full.nnm"
	run nn-info "$T/q.nnm"
	[[ "$output" == *$'field\tlayer1.weight\ti8\t[4096,4096]'* ]]
	nn-predict -m "$T/q.nnm" -o "$T/pq.nns" "$T/few.nns"
	# cut in the middle of its chunks: refused, never read short
	head -c 40000000 "$T/full.nnm" > "$T/cut.nnm"
	run --separate-stderr nn-predict -m "$T/cut.nnm" -o "$T/pc.nns" "$T/few.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-predict: '$T/cut.nnm': "* ]]
	[ ! -e "$T/pc.nns" ]
	no_temporaries "$T"
}
