#!/usr/bin/env bats
# nn-train: the cost of a run (CPU seconds, energy measured or estimated)
# in the log, the epoch line and, asked for, the model; a fake powercap
# tree stands for the RAPL counters.

load helper

setup() {
	T="$BATS_TEST_TMPDIR"
	unset NN_WATTS_PER_CORE     # the tests set it where they want it
}

iris() {
	nn-import --label species -o "$T/iris.nns" "$ROOT/data/iris.csv"
}

# fake_rapl DIR START RANGE: one package zone counting from START µJ.
fake_rapl() {
	mkdir -p "$1/intel-rapl:0/intel-rapl:0:0"
	echo "$2" > "$1/intel-rapl:0/energy_uj"
	echo "$3" > "$1/intel-rapl:0/max_energy_range_uj"
	# a sub-zone is part of its package: never added again
	echo 777000000 > "$1/intel-rapl:0/intel-rapl:0:0/energy_uj"
	echo "$3" > "$1/intel-rapl:0/intel-rapl:0:0/max_energy_range_uj"
}

# train_fed_later ROOT NEW OPTS...: nn-train reads iris from a FIFO; its
# meter starts before it opens the FIFO, so the counter is set to NEW
# after the open (which the writer's open waits for) and before any data.
train_fed_later() {
	local root=$1 new=$2
	shift 2
	mkfifo "$T/fifo"
	nn-train --epochs 2 -q --powercap "$root" --log "$T/log.tsv" "$@" -o "$T/m.nnm" "$T/fifo" &
	local pid=$!
	exec 8> "$T/fifo"
	echo "$new" > "$root/intel-rapl:0/energy_uj"
	cat "$T/iris.nns" >&8
	exec 8>&-
	wait "$pid"
}

# column NAME: that column of the log's last line.
column() {
	awk -F'\t' -v k="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == k) c = i } END { print $c }' "$T/log.tsv"
}

@test "train-cost: a fake RAPL counter's difference is the measured energy" {
	iris
	fake_rapl "$T/pc" 1000000 10000000
	train_fed_later "$T/pc" 5000000
	[ "$(column energy_source)" = measured ]
	[ "$(column energy_j)" = 4.000 ]
	# --watts-per-core does not replace a measurement
	rm -f "$T/fifo"
	fake_rapl "$T/pc" 1000000 10000000
	train_fed_later "$T/pc" 1500000 --watts-per-core 100
	[ "$(column energy_source)" = measured ]
	[ "$(column energy_j)" = 0.500 ]
}

@test "train-cost: a counter that wraps once between two reads" {
	iris
	fake_rapl "$T/pc" 9000000 10000000
	train_fed_later "$T/pc" 1000000
	[ "$(column energy_j)" = 2.000 ]
}

@test "train-cost: no readable counter: estimated with watts per core, else absent" {
	iris
	mkdir -p "$T/bad/intel-rapl:0"
	echo junk > "$T/bad/intel-rapl:0/energy_uj"
	echo 10000000 > "$T/bad/intel-rapl:0/max_energy_range_uj"
	for root in "$T/bad" "$T/none"; do
		nn-train --epochs 2 -q --powercap "$root" --log "$T/log.tsv" -o "$T/m.nnm" "$T/iris.nns"
		[ "$(column energy_source)" = none ]
		[ "$(column energy_j)" = nan ]
		nn-train --epochs 2 -q --powercap "$root" --watts-per-core 10 --log "$T/log.tsv" -o "$T/m.nnm" "$T/iris.nns"
		[ "$(column energy_source)" = estimated ]
		# energy_j is cpu_s x 10, both rounded to 3 decimals
		awk -F'\t' 'END { d = $9 - 10 * $8; exit !(d < 0.01 && d > -0.01) }' "$T/log.tsv"
		NN_WATTS_PER_CORE=10 nn-train --epochs 2 -q --powercap "$root" --log "$T/log.tsv" -o "$T/m.nnm" "$T/iris.nns"
		[ "$(column energy_source)" = estimated ]
	done
	# the JSON log leaves the energy null, never a made-up figure
	nn-train --epochs 1 -q --powercap "$T/none" --log "$T/log.json" --log-format json -o "$T/m.nnm" "$T/iris.nns"
	grep -q '"energy_j":null,"energy_source":"none"}$' "$T/log.json"
	run -2 env NN_WATTS_PER_CORE=lots nn-train --epochs 1 -q -o "$T/m.nnm" "$T/iris.nns"
	[[ "$output" == *"NN_WATTS_PER_CORE='lots'"* ]]
	run -2 nn-train --epochs 1 -q --watts-per-core -1 -o "$T/m.nnm" "$T/iris.nns"
}

@test "train-cost: the epoch line shows the cost" {
	iris
	run --separate-stderr nn-train --epochs 1 --powercap "$T/none" --watts-per-core 10 -o "$T/m.nnm" "$T/iris.nns"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"epoch 1/1 "*" s  cpu "*" s  "*" J estimated"* ]]
	run --separate-stderr nn-train --epochs 1 --powercap "$T/none" -o "$T/m.nnm" "$T/iris.nns"
	[[ "$stderr" == *" s  cpu "*" s"* ]]
	[[ "$stderr" != *" J "* ]]
}

@test "train-cost: the model's bytes do not depend on the cost options; --record-cost records it" {
	iris
	fake_rapl "$T/pc" 1000000 10000000
	nn-train --epochs 2 -q -o "$T/a.nnm" "$T/iris.nns"
	nn-train --epochs 2 -q --powercap "$T/pc" --watts-per-core 7 -o "$T/b.nnm" "$T/iris.nns"
	cmp "$T/a.nnm" "$T/b.nnm"
	nn-train --epochs 2 -q --powercap "$T/none" --watts-per-core 7 --record-cost -o "$T/c.nnm" "$T/iris.nns"
	nn-info "$T/c.nnm" | grep -q '"cost": {"wall_s": [0-9.e-]*, "cpu_s": [0-9.e-]*, "energy_j": [0-9.e-]*, "energy_source": "estimated"}'
	nn-train --epochs 2 -q --powercap "$T/none" --record-cost -o "$T/d.nnm" "$T/iris.nns"
	nn-info "$T/d.nnm" | grep -q '"cost": {"wall_s": [0-9.e-]*, "cpu_s": [0-9.e-]*}'
	# the weights are the same
	nn-export "$T/a.nnm" > "$T/a.txt"
	nn-export "$T/d.nnm" > "$T/d.txt"
	cmp "$T/a.txt" "$T/d.txt"
}

@test "train-cost: --dry-run --ranks N --link GBPS estimates a cluster run" {
	iris
	run -0 nn-train --dry-run --threads 1 --ranks 4 --link 10 --watts-per-core 5 --epochs 10 "$T/iris.nns"
	[[ "$output" == *$'\ncluster\t4 ranks at 10 Gbit/s: '*" s per epoch (1 steps of 4 x 128 rows: "* ]]
	[[ "$output" == *$'\ncluster_balance\t'* ]]
	[[ "$output" == *$'\ncluster_energy\t'*" J for 10 epochs (estimated: 4 ranks x 1 cores x 5 W"* ]]
	run -0 nn-train --dry-run --ranks 2 --link 10 --powercap "$T/none" "$T/iris.nns"
	[[ "$output" == *$'\ncluster_energy\tnot estimated'* ]]
	run -2 nn-train --dry-run --ranks 2 "$T/iris.nns"
	[[ "$output" == *"--ranks N and --link GBPS go together"* ]]
	run -2 nn-train --ranks 2 --link 10 -o "$T/m.nnm" "$T/iris.nns"
	run -2 nn-train --dry-run --ranks 0 --link 10 "$T/iris.nns"
}

# zeros FILE: the positions of the weights that are exactly zero.
zeros() {
	nn-export --format csv "$1" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) w[i] = $i ~ /weight_/; next }
		{ for (i = 1; i <= NF; i++) if (w[i] && $i + 0 == 0) print i }'
}

@test "train-cost: --warm-start continues from the model's loss" {
	iris
	nn-train -q --epochs 30 --log "$T/a.tsv" -o "$T/a.nnm" "$T/iris.nns"
	nn-train -q --epochs 2 --warm-start "$T/a.nnm" --log "$T/w.tsv" -o "$T/w.nnm" "$T/iris.nns"
	# random weights start near ln 3 and above; the warm start within 10% of the last epoch
	awk -F'\t' 'NR == 2 { first = $2 } END { print first }' "$T/a.tsv" > "$T/first"
	last=$(tail -n 1 "$T/a.tsv" | cut -f 2)
	warm=$(sed -n 2p "$T/w.tsv" | cut -f 2)
	awk -v l="$last" -v w="$warm" -v f="$(cat "$T/first")" 'BEGIN { exit !(w < 1.1 * l && w < f / 2) }'
	# recorded in the provenance; a cold run's checkpoint does not resume a warm one
	nn-info "$T/w.nnm" | grep -q -- '--warm-start'
	nn-train -q --epochs 2 --checkpoint "$T/ck.nnm" -o "$T/c.nnm" "$T/iris.nns"
	run -1 nn-train -q --epochs 3 --warm-start "$T/a.nnm" --resume "$T/ck.nnm" -o "$T/c.nnm" "$T/iris.nns"
}

@test "train-cost: --keep-zeros keeps a pruned model's zeros exactly" {
	iris
	nn-train -q --epochs 20 -o "$T/a.nnm" "$T/iris.nns"
	nn-quantize -q --prune 0.5 --f32 -o "$T/p.nnm" "$T/a.nnm"
	for clip in "" "--clip-norm 0.5 --weight-decay 0.1"; do
		# shellcheck disable=SC2086
		nn-train -q --epochs 5 $clip --warm-start "$T/p.nnm" --keep-zeros -o "$T/f.nnm" "$T/iris.nns"
		zeros "$T/p.nnm" > "$T/zp"
		zeros "$T/f.nnm" > "$T/zf"
		[ "$(wc -l < "$T/zp")" -eq 350 ]     # half of 400 + 300 weights
		cmp "$T/zp" "$T/zf"
		! cmp -s "$T/p.nnm" "$T/f.nnm"       # and the others trained
	done
}

@test "train-cost: --warm-start refuses other layers (2), another task (1); --keep-zeros needs it" {
	iris
	nn-train -q --epochs 2 -o "$T/a.nnm" "$T/iris.nns"
	run -2 nn-train -q --layers 50 --warm-start "$T/a.nnm" -o "$T/x.nnm" "$T/iris.nns"
	[[ "$output" == *"the model is 4-100-3 relu -> softmax + ce, these options make 4-50-3 relu -> softmax + ce"* ]]
	run -2 nn-train -q --activation tanh --warm-start "$T/a.nnm" -o "$T/x.nnm" "$T/iris.nns"
	nn-import --label sepal_length --drop-col species -o "$T/reg.nns" "$ROOT/data/iris.csv"
	run -1 nn-train -q --warm-start "$T/a.nnm" -o "$T/x.nnm" "$T/reg.nns"
	[[ "$output" == *"a classification model, and this data's task is regression"* ]]
	run -2 nn-train -q --keep-zeros -o "$T/x.nnm" "$T/iris.nns"
	run -1 nn-train -q --warm-start "$T/nothing.nnm" -o "$T/x.nnm" "$T/iris.nns"
	[ ! -e "$T/x.nnm" ]
}

@test "train-cost: with --mpi, rank 0 logs the sum of the ranks' cost" {
	command -v mpirun >/dev/null || skip "mpirun not found"
	ldd "$(command -v nn-train)" | grep -q libmpi || skip "nn-train was built without MPI"
	iris
	local mpirun=(mpirun --oversubscribe -x PATH -np 2)
	[ "$(id -u)" -ne 0 ] || mpirun+=(--allow-run-as-root)
	timeout 60 "${mpirun[@]}" nn-train --mpi --threads 1 -q --epochs 2 --powercap "$T/none" \
		--watts-per-core 10 --log "$T/log.tsv" -o "$T/m.nnm" "$T/iris.nns"
	[ "$(column energy_source)" = estimated ]
	# the ranks' CPU seconds x 10 W: one log, both ranks
	awk -F'\t' 'END { d = $9 - 10 * $8; exit !(d < 0.01 && d > -0.01 && $8 > 0) }' "$T/log.tsv"
	[ "$(wc -l < "$T/log.tsv")" -eq 3 ]
}
