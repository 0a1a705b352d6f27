#!/usr/bin/env bats
# nn-tune on Wine: every row's fold scores, mean and std equal nn-split
# --kfold + nn-train + nn-eval --json run by hand on the same folds and
# seeds, to the last digit, with nn-train's early stopping passed through.
# (tests/long/tune-pipelines.bats does the same on the Wine and Digits
# pipelines' own searches; tests/long/tune-mpi.bats nn-tune under mpirun.)

load helper

setup() {
	T="$BATS_TEST_TMPDIR"
	export TMPDIR="$T/tmp"
	mkdir -p "$TMPDIR"
}

@test "Wine: two configurations on 3 folds, every score, mean and std as by hand" {
	nn-import -q --label class -o "$T/raw.nns" "$ROOT/data/wine.csv"
	nn-normalize -q -o "$T/wine.nns" "$T/raw.nns"
	run --separate-stderr nn-tune -q --folds 3 --seed 9 --grid 'lr=1e-2,1e-1' -o "$T/cv.tsv" "$T/wine.nns" \
		--epochs 15 --layers 8 --val-size 0.2 --patience 3
	[ "$status" -eq 0 ] || fail "$stderr"
	for lr in 1e-2 1e-1; do
		for i in 0 1 2; do
			nn-split -q --kfold 3 --fold $i --stratify --seed 9 --train "$T/tr.nns" --test "$T/te.nns" "$T/wine.nns"
			nn-train -q --epochs 15 --layers 8 --val-size 0.2 --patience 3 --lr $lr --seed 9 -o "$T/m.nnm" "$T/tr.nns"
			nn-eval --json -m "$T/m.nnm" "$T/te.nns" > "$T/e$lr-$i.json"
		done
	done
	/usr/bin/python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
rows = [l.rstrip("\n").split("\t") for l in open(f"{t}/cv.tsv")]
h = rows[0]
assert [r[h.index("lr")] for r in rows[1:]] == ["1e-2", "1e-1"], rows
for r in rows[1:]:
    lr = r[h.index("lr")]
    s = [json.load(open(f"{t}/e{lr}-{i}.json"))["accuracy"] for i in range(3)]
    assert [repr(x) for x in s] == [r[h.index(f"fold_{i}")] for i in range(3)], (lr, s, r)
    m = sum(s) / 3
    assert repr(m) == r[h.index("mean")], (lr, m, r)
    assert float(r[h.index("std")]) == (sum((x - m) ** 2 for x in s) / 3) ** 0.5, (lr, r)
    assert r[h.index("args")] == f"--epochs 15 --layers 8 --val-size 0.2 --patience 3 --lr {lr} --seed 9", r
PY
}

@test "SIGKILL: the trials end with nn-tune and its private folder goes" {
	nn-import -q --label species -o "$T/iris.nns" "$ROOT/data/iris.csv"
	nn-tune -q --folds 5 --grid 'lr=1e-3,1e-2' -j 2 -o "$T/t.tsv" "$T/iris.nns" --epochs 100000 --patience 0 &
	pid=$!
	trial_running
	kill -KILL $pid
	wait $pid || true
	sleep 0.6
	[ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
	! pgrep -f "$T/tmp/nn-tune-" > /dev/null || fail "left running: $(pgrep -fa "$T/tmp/nn-tune-")"
}
