#!/usr/bin/env bats
# nn-tune under mpirun: the ranks share the configurations and rank 0
# writes the table, which is the table of one process apart from the
# times (Wine, a grid of 6 on 3 folds); a failure on another rank is
# reported by rank 0; a rerun under mpirun reuses a partial table; more
# ranks than configurations; stdin refused.

load helper

setup() {
	T="$BATS_TEST_TMPDIR"
	export TMPDIR="$T/tmp"
	mkdir -p "$TMPDIR"
	MPIRUN=(timeout 300 mpirun --oversubscribe -x ASAN_OPTIONS -x PATH -x TMPDIR)
	[ "$(id -u)" -ne 0 ] || MPIRUN+=(--allow-run-as-root)
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
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			[ -n "$(ls -A "$TMPDIR" | grep '^nn-tune-')" ] || break
			sleep 1
		done
		[ -z "$(ls -A "$TMPDIR" | grep '^nn-tune-')" ] || fail "after ${t}s, left in TMPDIR: $(ls -A "$TMPDIR")"
		! pgrep -f "$T/tmp/nn-tune-" > /dev/null || fail "after ${t}s, left running: $(pgrep -fa "$T/tmp/nn-tune-")"
	done
}
