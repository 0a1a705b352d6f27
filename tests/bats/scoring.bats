#!/usr/bin/env bats
# The production path of nn-predict(1) and the README: raw rows with ids
# in, scored rows with the same ids out, in one command,
#
#   nn-import --id patient_id new.csv | nn-predict -m model.nnm --keep patient_id |
#       nn-export --class-names > scored.csv
#
# on new rows whose columns come in another order, with a missing value,
# unscaled: the model applies its own preparation, maps columns by name
# and never drops a row, so every id gets the prediction the prepared
# path gives it.

load helper

# The breast-cancer table with an id column in front ("P0001", ...): the
# first 450 rows train, the other 119 are the "new" rows.
setup_file() {
	local d="$BATS_FILE_TMPDIR"
	awk -F, -v OFS=, 'NR == 1 { print "patient_id", $0; next } { printf "P%04d,%s\n", NR - 1, $0 }' \
		"$ROOT/data/breast-cancer.csv" > "$d/all.csv"
	head -n 451 "$d/all.csv" > "$d/train.csv"
	# new rows come without their diagnosis (the last column)
	{ head -n 1 "$d/all.csv"; tail -n +452 "$d/all.csv"; } | sed 's/,[^,]*$//' > "$d/new.csv"
	nn-import -q --id patient_id --label diagnosis "$d/train.csv" |
		nn-clean -q --nonfinite median --save "$d/clean.nns" |
		nn-normalize -q --save "$d/z.nns" -o "$d/train.nns"
	nn-train -q --layers 16 --epochs 30 --seed 5 -o "$d/model.nnm" "$d/train.nns"
	# the prepared path, by hand: the same steps from their saved parameters
	nn-import -q --id patient_id "$d/new.csv" |
		nn-clean -q --nonfinite median --load "$d/clean.nns" | nn-normalize -q --load "$d/z.nns" |
		nn-predict -q -m "$d/model.nnm" --keep patient_id | nn-export --class-names > "$d/want.csv"
}

setup() {
	T="$BATS_TEST_TMPDIR"
	D="$BATS_FILE_TMPDIR"
}

# score CSV: the one command, on CSV, into $T/scored.csv
score() {
	nn-import -q --id patient_id "$1" | nn-predict -q -m "$D/model.nnm" --keep patient_id |
		nn-export --class-names > "$T/scored.csv"
}

@test "scoring: raw new rows in one command give the prepared path's predictions, id by id" {
	score "$D/new.csv"
	head -n 1 "$T/scored.csv" | grep -q 'pred' 
	head -n 1 "$T/scored.csv" | grep -q 'patient_id'
	[ "$(wc -l < "$T/scored.csv")" -eq 120 ]   # a header and the 119 rows
	cmp "$D/want.csv" "$T/scored.csv"
}

@test "scoring: the new rows' columns in another order change nothing" {
	/usr/bin/python3 - "$D/new.csv" "$T/shuffled.csv" <<'PY'
import csv, random, sys
rows = list(csv.reader(open(sys.argv[1])))
order = list(range(len(rows[0])))
random.Random(1).shuffle(order)
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    for r in rows:
        w.writerow([r[i] for i in order])
PY
	score "$T/shuffled.csv"
	cmp "$D/want.csv" "$T/scored.csv"
}

@test "scoring: a missing value gets the chain's fill, the row keeps its id, no row is lost" {
	# blank the third column of the fifth new row
	awk -F, -v OFS=, 'NR == 6 { $3 = "" } { print }' "$D/new.csv" > "$T/gap.csv"
	id=$(awk -F, 'NR == 6 { print $1 }' "$T/gap.csv")
	score "$T/gap.csv"
	[ "$(wc -l < "$T/scored.csv")" -eq 120 ]
	grep -q ",$id\$\|^$id,\|,$id," "$T/scored.csv" || fail "$id is missing from the scores"
	# the other 118 rows score as before
	grep -v "$id" "$D/want.csv" > "$T/a"
	grep -v "$id" "$T/scored.csv" > "$T/b"
	cmp "$T/a" "$T/b"
}

@test "scoring: a missing value with no fill in the model's preparation is refused with its row, exit 1" {
	# trained after nn-clean's default, which drops rows with a missing
	# value: the chain has no fill, and prediction never drops a row
	nn-import -q --id patient_id --label diagnosis "$D/train.csv" | nn-clean -q |
		nn-normalize -q -o "$T/train.nns"
	nn-train -q --layers 4 --epochs 5 --seed 5 -o "$T/m.nnm" "$T/train.nns"
	awk -F, -v OFS=, 'NR == 6 { $3 = "" } { print }' "$D/new.csv" > "$T/gap.csv"
	run --separate-stderr bash -c "nn-import -q --id patient_id '$T/gap.csv' |
		nn-predict -q -m '$T/m.nnm' --keep patient_id -o '$T/p.nns'"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"row 5: column 'mean_texture' is NaN"* ]] || fail "$stderr"
	[ ! -e "$T/p.nns" ]
}

@test "scoring: a column missing from the new rows is refused by name, exit 1, nothing scored" {
	cut -d, -f1-5,7- "$D/new.csv" > "$T/less.csv"
	gone=$(head -n 1 "$D/new.csv" | cut -d, -f6)
	run --separate-stderr bash -c "nn-import -q --id patient_id '$T/less.csv' |
		nn-predict -q -m '$D/model.nnm' --keep patient_id -o '$T/p.nns'"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"$gone"* ]] || fail "$stderr"
	[ ! -e "$T/p.nns" ]
}

@test "scoring: rows already scaled their own way are refused, not scored wrong" {
	nn-import -q --id patient_id "$D/new.csv" | nn-normalize -q --method minmax -o "$T/own.nns"
	run --separate-stderr nn-predict -q -m "$D/model.nnm" --keep patient_id -o "$T/p.nns" "$T/own.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-predict: '$T/own.nns': "* ]] || fail "$stderr"
	[ ! -e "$T/p.nns" ]
}
