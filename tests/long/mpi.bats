#!/usr/bin/env bats
# nn-train --mpi: two ranks on loopback against one process, identical
# weights on every rank, rank 0 alone writing, checkpoint/resume, shards,
# errors that end the whole job, and the message of a build without MPI.

load helper

setup() {
	T="$BATS_TEST_TMPDIR"
	MPIRUN=(mpirun --oversubscribe -x ASAN_OPTIONS -x PATH)
	[ "$(id -u)" -ne 0 ] || MPIRUN+=(--allow-run-as-root)
	# Under the sanitizers OpenMPI's own allocations count as leaks.
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0"
}

# Every test but the last needs mpirun and an nn-train built with MPI.
need_mpi() {
	command -v mpirun >/dev/null || skip "mpirun not found (make deps installs openmpi-bin)"
	ldd "$(command -v nn-train)" | grep -q libmpi || skip "nn-train was built without MPI (make MPI=1)"
}

# mpi N ARGS...: nn-train --mpi on N ranks, one BLAS thread each, ended
# after 60 s at most (a hang fails the test rather than the suite).
mpi() {
	local n=$1
	shift
	timeout 60 "${MPIRUN[@]}" -np "$n" nn-train --mpi --threads 1 "$@"
}

iris() {
	nn-import --label species -o "$T/raw.nns" "$ROOT/data/iris.csv"
	nn-normalize -q -o "$T/iris.nns" "$T/raw.nns"
}

digits() {
	nn-import --shape 8,8 --label digit -o "$T/raw.nns" "$ROOT/data/digits.csv"
	nn-normalize -q --method maxabs -o "$T/dz.nns" "$T/raw.nns"
	nn-split -q --test-size 0.25 --stratify --seed 42 --train "$T/dtr.nns" --test "$T/dte.nns" "$T/dz.nns"
}

# max_diff A B: the largest absolute difference between the parameters of
# two model files.
max_diff() {
	nn-export --format csv "$1" | tail -n 1 | tr , '\n' > "$T/a.w"
	nn-export --format csv "$2" | tail -n 1 | tr , '\n' > "$T/b.w"
	paste -d ' ' "$T/a.w" "$T/b.w" | awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d }
		END { if (NR < 10) print "nothing"; else printf "%.3g\n", m }'
}

accuracy() {
	nn-eval --json -m "$1" "$2" | grep -o '"accuracy": [0-9.e-]*' | head -n 1
}

IRIS="--layers 16 --epochs 30 --seed 7 --lr 0.01"

@test "mpi: 2 ranks of batch B make the model of 1 process of batch 2B (|dw| <= 1e-5), same accuracy" {
	need_mpi
	iris
	# 150 rows in steps of 32: the last step has 22 rows, 16 on rank 0 and 6 on rank 1.
	nn-train $IRIS --threads 1 --batch-size 32 -q -o "$T/one.nnm" "$T/iris.nns"
	mpi 2 $IRIS --batch-size 16 -q -o "$T/two.nnm" "$T/iris.nns"
	d=$(max_diff "$T/one.nnm" "$T/two.nnm")
	echo "largest difference $d"
	awk -v d="$d" 'BEGIN { exit !(d + 0 <= 1e-5) }'
	[ "$(accuracy "$T/one.nnm" "$T/iris.nns")" = "$(accuracy "$T/two.nnm" "$T/iris.nns")" ]
	# and steps of 100: the last 50 rows all on rank 0, none on rank 1
	nn-train $IRIS --threads 1 --batch-size 100 -q -o "$T/one.nnm" "$T/iris.nns"
	mpi 2 $IRIS --batch-size 50 -q -o "$T/two.nnm" "$T/iris.nns"
	d=$(max_diff "$T/one.nnm" "$T/two.nnm")
	echo "largest difference $d"
	awk -v d="$d" 'BEGIN { exit !(d + 0 <= 1e-5) }'
}

@test "mpi: Digits: 2 ranks of 16 and 1 process of 32 reach the same test accuracy and weights (1e-5)" {
	need_mpi
	digits
	opts="--layers 64 --epochs 10 --seed 3 --lr 0.003"
	nn-train $opts --threads 1 --batch-size 32 -q -o "$T/one.nnm" "$T/dtr.nns"
	mpi 2 $opts --batch-size 16 -q -o "$T/two.nnm" "$T/dtr.nns"
	d=$(max_diff "$T/one.nnm" "$T/two.nnm")
	echo "largest difference $d"
	awk -v d="$d" 'BEGIN { exit !(d + 0 <= 1e-5) }'
	a=$(accuracy "$T/one.nnm" "$T/dte.nns")
	echo "$a"
	[ "$a" = "$(accuracy "$T/two.nnm" "$T/dte.nns")" ]
	awk -v a="${a#*: }" 'BEGIN { exit !(a >= 0.95) }'
}

@test "mpi: rank 0 alone writes the model, the log and the epoch lines; -v reports the all-reduce" {
	need_mpi
	iris
	cd "$T"
	run --separate-stderr mpi 2 $IRIS --epochs 3 --batch-size 16 -v --val-size 0.2 --log log.tsv -o m.nnm iris.nns
	[ "$status" -eq 0 ]
	[ "$(grep -c '^epoch ' <<< "$stderr")" -eq 3 ]
	[[ "$stderr" == *"MPI: 2 ranks; 12 all-reduces of the "*"-float gradient"* ]]
	[[ "$stderr" != *"rank 1"* ]]
	[ "$(wc -l < log.tsv)" -eq 4 ]
	nn-info m.nnm | grep -q $'kind\tmodel'
	nn-info --json m.nnm | grep -q '"ranks": 2, "optimizer": "adam", "lr": 0.01, "batch_size": 16'
	no_temporaries "$T"
	[ -z "$output" ]
}

@test "mpi: weights that differ between ranks end the job with status 1" {
	need_mpi
	# This build's nn-train linked with an all-reduce that is wrong on
	# rank 1 (tests/fault-mpi.c): the product itself has no such hook.
	flags=""
	nm "$BUILD/tools/nn-train.o" | grep -q __asan && flags="-fsanitize=address,undefined"
	cc -std=c11 $flags $(pkg-config --cflags ompi-c 2>/dev/null || mpicc --showme:compile) \
		-c "$ROOT/tests/fault-mpi.c" -o "$T/fault-mpi.o"
	cc $flags "$BUILD/tools/nn-train.o" "$BUILD/tools/tool-train.o" "$BUILD/tools/tool-ooc.o" "$BUILD/tools/tool-mpi.o" "$BUILD/tools/tool-train-mpi.o" "$T/fault-mpi.o" "$BUILD/libtool.a" \
		"$BUILD/libcommon.a" $(pkg-config --libs libzstd msgpack openblas zlib libsodium) -lm -lpthread \
		$(pkg-config --libs ompi-c 2>/dev/null || mpicc --showme:link) -o "$T/nn-train"
	iris
	run --separate-stderr timeout 60 "${MPIRUN[@]}" -np 2 \
		"$T/nn-train" --mpi --threads 1 $IRIS --epochs 3 --batch-size 16 -q -o "$T/m.nnm" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"nn-train: the ranks' weights differ after epoch 1"* ]]
	[ ! -e "$T/m.nnm" ]
}

@test "mpi: a checkpoint resumed on as many ranks ends byte-identical; other rank counts are refused" {
	need_mpi
	iris
	opts="$IRIS --batch-size 16 --val-size 0.2 --patience 50"
	mpi 2 $opts -q -o "$T/full.nnm" "$T/iris.nns"
	mpi 2 $opts --epochs 12 -q --checkpoint "$T/ck.nnm" -o "$T/part.nnm" "$T/iris.nns"
	nn-info "$T/ck.nnm" | grep -q $'kind\tcheckpoint'
	mpi 2 $opts -q --resume "$T/ck.nnm" -o "$T/resumed.nnm" "$T/iris.nns"
	cmp "$T/full.nnm" "$T/resumed.nnm"
	run --separate-stderr mpi 3 $opts --resume "$T/ck.nnm" -o "$T/x.nnm" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"nn-train: '$T/ck.nnm': made by 2 rank(s), this run has 3: resume with as many"* ]]
	run --separate-stderr nn-train $opts --threads 1 --resume "$T/ck.nnm" -o "$T/x.nnm" "$T/iris.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"made by 2 rank(s), this run has 1"* ]]
	[ ! -e "$T/x.nnm" ]
}

@test "mpi: --shard-pattern: rank r reads shards r, r+N, ...; too few shards and a bad shard end the job" {
	need_mpi
	digits
	nn-split -q --shards 5 --shard-pattern "$T/part-%03d.nns" --seed 1 "$T/dtr.nns"
	opts="--layers 64 --epochs 8 --seed 3 --lr 0.003 --batch-size 16"
	mpi 2 $opts -q --shard-pattern "$T/part-%03d.nns" --val "$T/dte.nns" -o "$T/m.nnm"
	a=$(accuracy "$T/m.nnm" "$T/dte.nns")
	awk -v a="${a#*: }" 'BEGIN { exit !(a >= 0.93) }'
	# the whole data is in the signature: all shards, in order
	nn-info --json "$T/m.nnm" | grep -q "\"train_rows\": $(nn-info "$T/dtr.nns" | awk -F'\t' '$1 == "rows" { print $2 }')"
	# the same again: same bytes
	mpi 2 $opts -q --shard-pattern "$T/part-%03d.nns" --val "$T/dte.nns" -o "$T/m2.nnm"
	cmp "$T/m.nnm" "$T/m2.nnm"
	run --separate-stderr mpi 2 $opts --shard-pattern "$T/none-%d.nns" -o "$T/x.nnm"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'$T/none-0.nns': 0 shard(s) for 2 ranks"* ]]
	# shard 3 (rank 1's) cut short: rank 1 says so and the job ends, no model
	head -c 300 "$T/part-003.nns" > "$T/cut"
	mv "$T/cut" "$T/part-003.nns"
	run --separate-stderr mpi 2 $opts --shard-pattern "$T/part-%03d.nns" -o "$T/x.nnm"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"nn-train: rank 1: '$T/part-003.nns': "* ]]
	[ ! -e "$T/x.nnm" ]
}

@test "mpi: usage: --shard-pattern without --mpi, stdin under --mpi, a pattern without %d" {
	need_mpi
	run --separate-stderr nn-train --shard-pattern 'p-%d.nns' -o "$T/x.nnm"
	[ "$status" -eq 2 ]
	[[ "$stderr" == "nn-train: --shard-pattern needs --mpi"* ]]
	run --separate-stderr nn-train --mpi -o "$T/x.nnm" < /dev/null
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--mpi: every rank reads TRAIN, so it must be a file"* ]]
	run --separate-stderr mpi 1 --shard-pattern "$T/p.nns" -o "$T/x.nnm"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--shard-pattern '$T/p.nns': expected one %d"* ]]
}

@test "mpi: an nn-train built without MPI refuses --mpi with status 2 and says why" {
	# Link this build's nn-train with tool-mpi.c compiled without NN_MPI.
	flags=""
	nm "$BUILD/tools/nn-train.o" | grep -q __asan && flags="-fsanitize=address,undefined"
	cc -std=c11 -D_GNU_SOURCE $flags -I"$ROOT/include" -I"$ROOT/tools" -c "$ROOT/tools/tool-mpi.c" -o "$T/tool-mpi.o"
	cc $flags "$BUILD/tools/nn-train.o" "$BUILD/tools/tool-train.o" "$BUILD/tools/tool-ooc.o" "$T/tool-mpi.o" "$BUILD/tools/tool-train-mpi.o" "$BUILD/libtool.a" "$BUILD/libcommon.a" \
		$(pkg-config --libs libzstd msgpack openblas zlib libsodium) -lm -lpthread -o "$T/nn-train"
	iris
	run --separate-stderr "$T/nn-train" --mpi -o "$T/x.nnm" "$T/iris.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == "nn-train: --mpi: this nn-train was built without MPI"* ]]
	! nm "$T/nn-train" | grep -q MPI_Init
	run "$T/nn-train" --layers 4 --epochs 1 -q -o "$T/m.nnm" "$T/iris.nns"
	[ "$status" -eq 0 ]
}
