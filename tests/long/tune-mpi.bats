#!/usr/bin/env bats
# nn-tune under mpirun: the ranks share the configurations and rank 0
# writes the table, which is the table of one process apart from the
# times (Wine, a grid of 6 on 3 folds); a failure on another rank is
# reported by rank 0; a rerun under mpirun reuses a partial table; more
# ranks than configurations; stdin refused.  --trial-ranks 2 (each
# trial's nn-train --mpi over 2 processes, through a child mpirun): the
# scores of mpirun -np 2 nn-train --mpi + nn-eval --json by hand, a
# failing trial's message, the refit, its usage errors, SIGTERM, and
# groups under mpirun.

load helper

setup() {
	T="$BATS_TEST_TMPDIR"
	export TMPDIR="$T/tmp"
	mkdir -p "$TMPDIR"
	MPIRUN=(timeout 300 mpirun --oversubscribe -x ASAN_OPTIONS -x PATH -x TMPDIR)
	[ "$(id -u)" -ne 0 ] || MPIRUN+=(--allow-run-as-root)
	# the mpirun that --trial-ranks starts, as root
	[ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0"
	command -v mpirun >/dev/null || skip "mpirun not found (make deps installs openmpi-bin)"
	ldd "$(command -v nn-tune)" | grep -q libmpi || skip "nn-tune was built without MPI (make MPI=1)"
	nn-import -q --label class -o "$T/raw.nns" "$ROOT/data/wine.csv"
	nn-normalize -q -o "$T/wine.nns" "$T/raw.nns"
}

# notime FILE: the table without its time_s column.
notime() {
	awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "time_s") c = i }
	             { $c = ""; print }' OFS='\t' "$1"
}

col() {
	awk -F '\t' -v n="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next } { print $c }' "$1"
}

GRID='lr=1e-3,1e-2,1e-1 layers=8,16'

@test "tune-mpi: 2 ranks write the table of one process (apart from times); --json alike; nothing left" {
	nn-tune -q --folds 3 --seed 4 --grid "$GRID" -o "$T/one.tsv" "$T/wine.nns" --epochs 20
	run --separate-stderr "${MPIRUN[@]}" -np 2 nn-tune -q --folds 3 --seed 4 --grid "$GRID" -o "$T/two.tsv" \
		--json "$T/wine.nns" --epochs 20
	[ "$status" -eq 0 ] || fail "$stderr"
	diff <(notime "$T/one.tsv") <(notime "$T/two.tsv")
	[ "$(wc -l < "$T/two.tsv")" -eq 7 ]
	# stdout is rank 0's alone: one JSON document of six configurations
	printf '%s\n' "$output" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert len(d["configurations"]) == 6, d'
	[ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
	no_temporaries "$T"
}

@test "tune-mpi: 3 ranks and -j 2 each, the same table" {
	nn-tune -q --folds 3 --seed 4 --grid "$GRID" -o "$T/one.tsv" "$T/wine.nns" --epochs 20
	"${MPIRUN[@]}" -np 3 nn-tune -q -j 2 --folds 3 --seed 4 --grid "$GRID" -o "$T/three.tsv" "$T/wine.nns" \
		--epochs 20 > /dev/null
	diff <(notime "$T/one.tsv") <(notime "$T/three.tsv")
}

@test "tune-mpi: a configuration failing on rank 1 is reported once by rank 0, status 1; --refit by rank 0" {
	run --separate-stderr "${MPIRUN[@]}" -np 2 nn-tune --folds 2 --grid 'layers=4,abc' -o "$T/t.tsv" \
		--refit "$T/best.nnm" "$T/wine.nns" --epochs 2
	[ "$status" -eq 1 ]
	[ "$(grep -c "configuration 2 (--epochs 2 --layers abc --seed 0) failed: fold 0: nn-train: --layers: 'abc'" \
		<<< "$stderr")" -eq 1 ]
	[ "$(col "$T/t.tsv" status | head -n 1)" = ok ]
	[[ "$(col "$T/t.tsv" status | tail -n 1)" == "failed: fold 0: nn-train: --layers: 'abc'"* ]]
	nn-predict -q -m "$T/best.nnm" -o "$T/pred.nns" "$T/wine.nns"
}

@test "tune-mpi: a rerun under mpirun reuses the finished rows of a partial table" {
	nn-tune -q --folds 2 --grid "$GRID" -o "$T/full.tsv" "$T/wine.nns" --epochs 5
	awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "time_s") c = i; print; next }
	             NR <= 3 { $c = "999.000"; print }' OFS='\t' "$T/full.tsv" > "$T/part.tsv"
	run --separate-stderr "${MPIRUN[@]}" -np 2 nn-tune --folds 2 --grid "$GRID" -o "$T/part.tsv" \
		"$T/wine.nns" --epochs 5
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(grep -c "2 of 6 configurations reused" <<< "$stderr")" -eq 1 ]
	[ "$(col "$T/part.tsv" time_s | grep -c '^999.000$')" -eq 2 ]
	diff <(notime "$T/full.tsv") <(notime "$T/part.tsv")
}

@test "tune-mpi: more ranks than configurations; stdin refused with status 2" {
	nn-tune -q --folds 2 --grid 'lr=1e-2' -o "$T/one.tsv" "$T/wine.nns" --epochs 5
	"${MPIRUN[@]}" -np 3 nn-tune -q --folds 2 --grid 'lr=1e-2' -o "$T/three.tsv" "$T/wine.nns" \
		--epochs 5 > /dev/null
	diff <(notime "$T/one.tsv") <(notime "$T/three.tsv")
	run --separate-stderr "${MPIRUN[@]}" -np 2 nn-tune --folds 2 --grid 'lr=1e-2' < "$T/wine.nns"
	[ "$status" -eq 2 ]
	[ "$(grep -c "under mpirun every rank reads INPUT, so it must be a file" <<< "$stderr")" -eq 1 ]
}

@test "tune-mpi: SIGTERM to mpirun ends every rank's trials and leaves no private folder" {
	for t in 1 2.5; do
		"${MPIRUN[@]}" -np 2 nn-tune -q --folds 5 --grid 'lr=1e-3,1e-2,1e-1' -o "$T/t.tsv" "$T/wine.nns" \
			--epochs 100000 --patience 0 > /dev/null 2>&1 &
		pid=$!
		sleep $t
		kill -TERM $pid
		wait $pid || true
		# mpirun may end before its ranks have finished their cleanup
		for _ in $(seq 15); do
			[ -n "$(ls -A "$TMPDIR" | grep '^nn-tune-')" ] || break
			sleep 1
		done
		[ -z "$(ls -A "$TMPDIR" | grep '^nn-tune-')" ] || fail "after ${t}s, left in TMPDIR: $(ls -A "$TMPDIR")"
		! pgrep -f "$T/tmp/nn-tune-" > /dev/null || fail "after ${t}s, left running: $(pgrep -fa "$T/tmp/nn-tune-")"
	done
}

@test "tune-mpi: --trial-ranks 2: fold scores and means of mpirun -np 2 nn-train --mpi + nn-eval --json by hand" {
	# batch 16 per rank: 3 steps an epoch on a fold's 89 rows, the ranks'
	# gradients summed (one process of batch 16 scores otherwise here)
	run --separate-stderr nn-tune -q -j 2 --trial-ranks 2 --folds 2 --seed 3 --grid 'lr=1e-2,1e-1' \
		-o "$T/cv.tsv" "$T/wine.nns" --epochs 5 --layers 8 --batch-size 16
	[ "$status" -eq 0 ] || fail "$stderr"
	for c in 0 1; do
		lr=$([ $c -eq 0 ] && echo 1e-2 || echo 1e-1)
		for i in 0 1; do
			nn-split -q --kfold 2 --fold $i --stratify --seed 3 --train "$T/tr.nns" --test "$T/te.nns" \
				"$T/wine.nns"
			timeout 60 "${MPIRUN[@]}" -np 2 nn-train --mpi --threads 1 -q --epochs 5 --layers 8 --lr $lr \
				--batch-size 16 --seed 3 -o "$T/m.nnm" "$T/tr.nns"
			nn-eval --json -m "$T/m.nnm" "$T/te.nns" > "$T/e$c$i.json"
		done
	done
	/usr/bin/python3 - "$T" <<'PY' > "$T/hand"
import json, sys
for c in range(2):
    s = [json.load(open(f"{sys.argv[1]}/e{c}{i}.json"))["accuracy"] for i in range(2)]
    print(*[repr(x) for x in s], repr(sum(s) / 2))
PY
	paste <(col "$T/cv.tsv" fold_0) <(col "$T/cv.tsv" fold_1) <(col "$T/cv.tsv" mean) | tr '\t' ' ' > "$T/tune"
	diff "$T/hand" "$T/tune" || fail "by hand (left) and nn-tune (right) differ"
	[[ "$(col "$T/cv.tsv" setup | head -n 1)" == *" seed=3 trial-ranks=2 metric=accuracy" ]]
	# the same seed, the same table (apart from times); nothing left
	nn-tune -q --trial-ranks 2 --folds 2 --seed 3 --grid 'lr=1e-2,1e-1' -o "$T/again.tsv" "$T/wine.nns" \
		--epochs 5 --layers 8 --batch-size 16 > /dev/null
	diff <(notime "$T/cv.tsv") <(notime "$T/again.tsv")
	# a grouped table is rerun whole, its rows reused, by a grouped search
	# alone: one process's weights are others
	run --separate-stderr nn-tune --trial-ranks 2 --folds 2 --seed 3 --grid 'lr=1e-2,1e-1' -o "$T/again.tsv" \
		"$T/wine.nns" --epochs 5 --layers 8 --batch-size 16
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$stderr" == *"2 of 2 configurations reused"* ]]
	run --separate-stderr nn-tune --folds 2 --seed 3 --grid 'lr=1e-2,1e-1' -o "$T/again.tsv" "$T/wine.nns" \
		--epochs 5 --layers 8 --batch-size 16
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$stderr" != *"reused"* ]]
	[[ "$(col "$T/again.tsv" setup | head -n 1)" == *" seed=3 metric=accuracy" ]]
	[ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
	no_temporaries "$T"
}

@test "tune-mpi: --trial-ranks 2: a failing trial's message in the table; --refit over MPI is mpirun's model" {
	run --separate-stderr nn-tune --trial-ranks 2 --folds 2 --grid 'layers=4,abc' -o "$T/t.tsv" \
		--refit "$T/best.nnm" "$T/wine.nns" --epochs 2
	[ "$status" -eq 1 ]
	[ "$(grep -c "configuration 2 (--epochs 2 --layers abc --seed 0) failed: fold 0: nn-train: --layers: 'abc'" \
		<<< "$stderr")" -eq 1 ]
	[[ "$(col "$T/t.tsv" status | tail -n 1)" == "failed: fold 0: nn-train: --layers: 'abc' is not a width"* ]]
	grep -q "refit: nn-train --epochs 2 --layers 4 --seed 0 (over MPI)" <<< "$stderr"
	# an error after MPI_Init, which nn-train --mpi ends with MPI_Abort
	run --separate-stderr nn-tune -q --trial-ranks 2 --folds 2 --grid 'layers=4' --x nope -o "$T/x.tsv" \
		"$T/wine.nns" --epochs 2
	[ "$status" -eq 1 ]
	[[ "$(col "$T/x.tsv" status)" == "failed: fold 0: nn-train: '"*"/train0.nns': no field 'nope'"* ]]
	timeout 60 "${MPIRUN[@]}" -np 2 nn-train --mpi --threads 1 -q --epochs 2 --layers 4 --seed 0 \
		-o "$T/hand.nnm" "$T/wine.nns"
	diff <(nn-export --format csv "$T/best.nnm") <(nn-export --format csv "$T/hand.nnm")
}

@test "tune-mpi: --trial-ranks: a launcher not there, an nn-train without MPI: status 2, nothing run" {
	run --separate-stderr nn-tune --trial-ranks 2 --mpirun 'no-such-mpirun -v' --folds 2 --grid 'lr=1e-2' \
		-o "$T/t.tsv" "$T/wine.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--trial-ranks: 'no-such-mpirun' not found (--mpirun names the launcher)"* ]]
	run --separate-stderr nn-tune --trial-ranks 2 --mpirun 'mpirun --no-such-option' --folds 2 \
		--grid 'lr=1e-2' -o "$T/t.tsv" "$T/wine.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--trial-ranks: 'mpirun ... -np 1 nn-train --mpi' failed: "* ]]
	# a launcher too long or of too many words, and none at all
	run --separate-stderr nn-tune --trial-ranks 2 --mpirun "mpirun $(printf 'x%.0s' $(seq 1100))" \
		--folds 2 --grid 'lr=1e-2' -o "$T/t.tsv" "$T/wine.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--mpirun: longer than 1023 bytes"* ]]
	run --separate-stderr nn-tune --trial-ranks 2 --mpirun "mpirun $(seq 50 | tr '\n' ' ')" \
		--folds 2 --grid 'lr=1e-2' -o "$T/t.tsv" "$T/wine.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--mpirun: more than 38 words"* ]]
	run --separate-stderr nn-tune --trial-ranks 2 --mpirun ' ' --folds 2 --grid 'lr=1e-2' \
		-o "$T/t.tsv" "$T/wine.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--mpirun: no command"* ]]
	[ ! -e "$T/t.tsv" ]
	# nn-tune runs the nn-train beside it: here one that has no MPI
	mkdir "$T/bin"
	cp "$(command -v nn-tune)" "$T/bin/"
	ln -s "$(command -v nn-split)" "$(command -v nn-eval)" "$T/bin/"
	printf '#!/bin/sh\nfor a; do [ "$a" != --mpi ] || { echo "nn-train: --mpi: this nn-train was built without MPI" >&2; exit 2; }; done\nexec %s "$@"\n' \
		"$(command -v nn-train)" > "$T/bin/nn-train"
	chmod +x "$T/bin/nn-train"
	run --separate-stderr "$T/bin/nn-tune" --trial-ranks 2 --folds 2 --grid 'lr=1e-2' -o "$T/t.tsv" "$T/wine.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"failed: nn-train: --mpi: this nn-train was built without MPI"* ]]
	[ ! -e "$T/t.tsv" ]
	[ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
}

@test "tune-mpi: --trial-ranks 2 -j 2: SIGTERM ends every group's launcher and ranks, leaves nothing" {
	for t in 1 3; do
		nn-tune -q -j 2 --trial-ranks 2 --folds 3 --grid 'lr=1e-3,1e-2' -o "$T/t.tsv" "$T/wine.nns" \
			--epochs 100000 --patience 0 > /dev/null 2>&1 &
		pid=$!
		sleep $t
		kill -TERM $pid
		wait $pid || true
		# nn-tune waits for its groups: nothing of them is left when it has ended
		! pgrep -f "$T/tmp/nn-tune-" > /dev/null || fail "after ${t}s, left running: $(pgrep -fa "$T/tmp/nn-tune-")"
		# its janitor removes the private folder after it, retrying for up
		# to 12 s while a group's ranks may still write there
		for _ in $(seq 15); do
			[ -n "$(ls -A "$TMPDIR")" ] || break
			sleep 1
		done
		[ -z "$(ls -A "$TMPDIR")" ] || fail "after ${t}s, left in TMPDIR: $(ls -A "$TMPDIR")"
	done
}

@test "tune-mpi: 2 ranks, each trial over a group of 2: the table of one process with --trial-ranks 2" {
	nn-tune -q --trial-ranks 2 --folds 2 --seed 1 --grid 'lr=1e-2,1e-1' -o "$T/one.tsv" "$T/wine.nns" --epochs 5
	run --separate-stderr "${MPIRUN[@]}" -np 2 nn-tune -q --trial-ranks 2 --folds 2 --seed 1 \
		--grid 'lr=1e-2,1e-1' -o "$T/two.tsv" "$T/wine.nns" --epochs 5
	[ "$status" -eq 0 ] || fail "$stderr"
	diff <(notime "$T/one.tsv") <(notime "$T/two.tsv")
	[ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
	# SIGTERM to the outer mpirun: every rank's groups end, nothing is left
	"${MPIRUN[@]}" -np 2 nn-tune -q --trial-ranks 2 --folds 3 --grid 'lr=1e-3,1e-2' -o "$T/t.tsv" \
		"$T/wine.nns" --epochs 100000 --patience 0 > /dev/null 2>&1 &
	pid=$!
	sleep 4
	kill -TERM $pid
	wait $pid || true
	# a group's launcher is killed 10 s after SIGTERM at the latest, and
	# the janitors retry for 12 s.  The outer mpirun, ended by the signal,
	# may leave its own session folder (ompi.HOST.UID) in TMPDIR, as in
	# the SIGTERM test above: what must go is nn-tune's (its private
	# folders, with the groups' session folders inside) and its processes.
	for _ in $(seq 15); do
		[ -n "$(ls -A "$TMPDIR" | grep '^nn-tune-')$(pgrep -f "$T/tmp/nn-tune-")" ] || break
		sleep 1
	done
	[ -z "$(ls -A "$TMPDIR" | grep '^nn-tune-')" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
	! pgrep -f "$T/tmp/nn-tune-" > /dev/null || fail "left running: $(pgrep -fa "$T/tmp/nn-tune-")"
}
