#!/usr/bin/env bats
# nn-tune: the grid's order, seeded draws, the scores against nn-split
# --kfold + nn-train + nn-eval --json run by hand, resume from a partial
# table, bad keys and values, a failing trial, --refit, byte-identical
# tables, no temporaries left (also on SIGTERM).

load helper

setup() {
	T="$BATS_TEST_TMPDIR"
	export TMPDIR="$T/tmp"
	mkdir -p "$TMPDIR"
	[ -f "$T/iris.nns" ] || nn-import -q --label species -o "$T/iris.nns" "$ROOT/data/iris.csv"
}

# notime FILE: the table without its time_s column.
notime() {
	awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "time_s") c = i }
	             { $c = ""; print }' OFS='\t' "$1"
}

# col FILE NAME: the column NAME of a TSV, without its header.
col() {
	awk -F '\t' -v n="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next } { print $c }' "$1"
}

no_tune_temporaries() {
	[ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
	no_temporaries "$T"
}

@test "the grid is the product in the order given, the last key fastest; -j gives the same table" {
	run --separate-stderr nn-tune -q --folds 2 --grid 'lr=1e-2,1e-1 layers=4,[4,2]' -o "$T/a.tsv" \
		"$T/iris.nns" --epochs 2
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(cut -f1,2 "$T/a.tsv" | tr '\t\n' ' |')" = "lr layers|1e-2 4|1e-2 4,2|1e-1 4|1e-1 4,2|" ]
	[ "$(col "$T/a.tsv" args | sed -n 2p)" = "--epochs 2 --lr 1e-2 --layers 4,2 --seed 0" ]
	# stdout: best first, one line per configuration under a header
	[ "${#lines[@]}" -eq 5 ]
	[[ "${lines[0]}" == "rank  lr    layers  accuracy"* ]]
	[[ "${lines[1]}" == "1 "* ]]
	run nn-tune -q -j 2 --folds 2 --grid 'lr=1e-2,1e-1 layers=4,[4,2]' -o "$T/b.tsv" "$T/iris.nns" --epochs 2
	[ "$status" -eq 0 ]
	diff <(notime "$T/a.tsv") <(notime "$T/b.tsv")
	no_tune_temporaries
}

@test "the fold scores and their mean equal nn-split --kfold + nn-train + nn-eval --json by hand" {
	run nn-tune -q --folds 3 --seed 5 --grid 'lr=0.05' -o "$T/cv.tsv" "$T/iris.nns" --epochs 5 --layers 8
	[ "$status" -eq 0 ]
	for i in 0 1 2; do
		nn-split -q --kfold 3 --fold $i --stratify --seed 5 --train "$T/tr.nns" --test "$T/te.nns" "$T/iris.nns"
		nn-train -q --epochs 5 --layers 8 --lr 0.05 --seed 5 -o "$T/m.nnm" "$T/tr.nns"
		nn-eval --json -m "$T/m.nnm" "$T/te.nns" > "$T/e$i.json"
	done
	/usr/bin/python3 - "$T" <<'PY' > "$T/hand"
import json, sys
s = [json.load(open(f"{sys.argv[1]}/e{i}.json"))["accuracy"] for i in range(3)]
print(*[repr(x) for x in s], repr(sum(s) / 3), repr((sum((x - sum(s) / 3) ** 2 for x in s) / 3) ** 0.5))
PY
	read -r f0 f1 f2 mean std < "$T/hand"
	[ "$(col "$T/cv.tsv" fold_0)" = "$f0" ] || fail "fold 0: $(col "$T/cv.tsv" fold_0) by hand $f0"
	[ "$(col "$T/cv.tsv" fold_1)" = "$f1" ]
	[ "$(col "$T/cv.tsv" fold_2)" = "$f2" ]
	[ "$(col "$T/cv.tsv" mean)" = "$mean" ] || fail "mean $(col "$T/cv.tsv" mean), by hand $mean"
	/usr/bin/python3 -c "import sys; assert float(sys.argv[1]) == float(sys.argv[2])" "$(col "$T/cv.tsv" std)" "$std"
	[[ "$(col "$T/cv.tsv" setup)" == "input=$(stat -c %s "$T/iris.nns"):"*" folds=3 stratified seed=5 metric=accuracy" ]]
}

@test "seeded draws: the same for a seed, within their ranges, log-uniform rates" {
	run nn-tune -q --folds 2 --trials 4 --seed 3 --grid 'lr=1e-3:1e-1 epochs=1:3 layers=4,8' -o "$T/a.tsv" \
		"$T/iris.nns"
	[ "$status" -eq 0 ]
	run nn-tune -q --folds 2 --trials 4 --seed 3 --grid 'lr=1e-3:1e-1 epochs=1:3 layers=4,8' -o "$T/b.tsv" \
		"$T/iris.nns"
	diff <(notime "$T/a.tsv") <(notime "$T/b.tsv")
	[ "$(wc -l < "$T/a.tsv")" -eq 5 ]
	cut -f1-3 "$T/a.tsv" | awk -F '\t' 'NR > 1 && !($1 >= 1e-3 && $1 <= 1e-1 && ($2 == 1 || $2 == 2 || $2 == 3) &&
	                                               ($3 == 4 || $3 == 8)) { print; bad = 1 } END { exit bad }'
	run nn-tune -q --folds 2 --trials 4 --seed 4 --grid 'lr=1e-3:1e-1 epochs=1:3 layers=4,8' -o "$T/c.tsv" \
		"$T/iris.nns"
	[ "$(cut -f1 "$T/a.tsv")" != "$(cut -f1 "$T/c.tsv")" ]
}

@test "a rerun reuses the finished rows of a partial table and runs the rest" {
	nn-tune -q --folds 2 --grid 'lr=1e-2,1e-1' -o "$T/full.tsv" "$T/iris.nns" --epochs 2
	# the table as an interrupted run leaves it: the first row only, its time marked
	awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "time_s") c = i; print; next }
	             NR == 2 { $c = "999.000"; print }' OFS='\t' "$T/full.tsv" > "$T/part.tsv"
	run --separate-stderr nn-tune --folds 2 --grid 'lr=1e-2,1e-1' -o "$T/part.tsv" "$T/iris.nns" --epochs 2
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"1 of 2 configurations reused from '$T/part.tsv'"* ]]
	[ "$(col "$T/part.tsv" time_s | head -n 1)" = "999.000" ]   # not rerun
	[ "$(col "$T/part.tsv" time_s | tail -n 1)" != "999.000" ]
	diff <(notime "$T/full.tsv") <(notime "$T/part.tsv")
	# other epochs: another configuration, nothing reused
	run --separate-stderr nn-tune --folds 2 --grid 'lr=1e-2,1e-1' -o "$T/part.tsv" "$T/iris.nns" --epochs 3
	[[ "$stderr" != *"reused"* ]]
	[ "$(col "$T/part.tsv" time_s | head -n 1)" != "999.000" ]
}

@test "bad grid keys and values, and unknown options: exit 2 with a suggestion, nothing run" {
	run --separate-stderr nn-tune --grid 'lrr=1e-3' -o "$T/t.tsv" "$T/iris.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == "nn-tune: grid key 'lrr': nn-train has no --lrr; did you mean 'lr'?"* ]]
	run --separate-stderr nn-tune --grid 'optimizer=adam,adamm' "$T/iris.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"grid value 'optimizer=adamm': not one of sgd|momentum|adam|adamw"* ]]
	run --separate-stderr nn-tune --grid 'batch-size=16,0' "$T/iris.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"grid value 'batch-size': nn-train: --batch-size: '0' is not a whole number"* ]]
	run --separate-stderr nn-tune --grid 'lr=1e-3:1e-1' "$T/iris.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"a range needs --trials N"* ]]
	run --separate-stderr nn-tune --grid 'lr=1e-3,,1' "$T/iris.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"'lr': empty value"* ]]
	run --separate-stderr nn-tune --grid 'threads=1,2' "$T/iris.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"nn-tune sets --threads of each trial itself"* ]]
	run --separate-stderr nn-tune --grid 'lr=1e-3' "$T/iris.nns" --lr 0.1
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"'lr' is both searched (--grid) and given (--lr)"* ]]
	run --separate-stderr nn-tune "$T/iris.nns" --epochz 3
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"unknown option '--epochz'"*"did you mean '--epochs'?"* ]]
	[ ! -e "$T/t.tsv" ]
	no_tune_temporaries
}

@test "--trial-ranks: below 1, --mpirun without it, --mpi passed through: exit 2, nothing run" {
	run --separate-stderr nn-tune --trial-ranks 0 --grid 'lr=1e-3' -o "$T/t.tsv" "$T/iris.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == "nn-tune: --trial-ranks: '0' is not a whole number from 1 to 4096"* ]]
	run --separate-stderr nn-tune --mpirun 'mpirun -x PATH' --grid 'lr=1e-3' -o "$T/t.tsv" "$T/iris.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == "nn-tune: --mpirun: only with --trial-ranks 2 or more"* ]]
	run --separate-stderr nn-tune --grid 'lr=1e-3' -o "$T/t.tsv" "$T/iris.nns" --mpi
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"nn-tune sets --mpi of each trial itself (--trial-ranks G trains each trial over G MPI processes)"* ]]
	[ ! -e "$T/t.tsv" ]
	no_tune_temporaries
}

@test "a failing trial is reported with nn-train's message; the others are scored; --refit takes the best" {
	run --separate-stderr nn-tune --folds 2 --grid 'layers=4,abc' -o "$T/t.tsv" --refit "$T/best.nnm" \
		"$T/iris.nns" --epochs 2
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"configuration 2 (--epochs 2 --layers abc --seed 0) failed: fold 0: nn-train: --layers: 'abc'"* ]]
	[ "$(col "$T/t.tsv" status | head -n 1)" = ok ]
	[[ "$(col "$T/t.tsv" status | tail -n 1)" == "failed: fold 0: nn-train: --layers: 'abc'"* ]]
	[ "$(col "$T/t.tsv" mean | tail -n 1)" = nan ]
	[ "$(col "$T/t.tsv" rank | tail -n 1)" = "" ]
	[[ "${lines[2]}" == "-     abc     failed"* ]]
	# the refitted model is the first configuration's, readable by nn-predict
	nn-predict -m "$T/best.nnm" -o "$T/pred.nns" "$T/iris.nns"
	[ "$(nn-info --json "$T/pred.nns" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"])')" = 150 ]
	no_tune_temporaries
}

@test "--json, --metric lower-is-better, --plot" {
	run --separate-stderr nn-tune -q --folds 2 --metric log_loss --json --grid 'lr=1e-3,1e-1' \
		--plot "$T/p.png" "$T/iris.nns" --epochs 3
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
c = d["configurations"]
assert d["metric"] == "log_loss" and len(c) == 2
best = min(c, key=lambda r: r["mean"])
assert best["rank"] == 1, c
assert all(abs(r["mean"] - sum(r["folds"]) / 2) < 1e-15 for r in c)'
	if command -v gnuplot > /dev/null; then
		[ "$(head -c 4 "$T/p.png" | od -An -c | tr -d ' ')" = '211PNG' ]
	fi
}

@test "SIGTERM ends the trials and leaves no temporary" {
	# trials that cannot end first: the signal must find them running
	nn-tune -q --folds 5 --grid 'lr=1e-3,1e-2,1e-1' -o "$T/t.tsv" "$T/iris.nns" \
		--epochs 100000 --patience 0 &
	pid=$!
	trial_running
	kill -TERM $pid
	st=0
	wait $pid || st=$?
	[ "$st" -eq 143 ] || fail "status $st"
	[ ! -e "$T/t.tsv" ] || [ "$(wc -l < "$T/t.tsv")" -lt 4 ]
	sleep 0.2
	no_tune_temporaries
	! pgrep -f "$T/tmp" > /dev/null
}
