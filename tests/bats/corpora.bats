#!/usr/bin/env bats
# nn-import against public corpora (tests/data/corpora/README.md says
# where each file comes from and what is expected of it).

load helper

C="$ROOT/tests/data/corpora"

# same_as_json CSV JSON: the CSV nn-export wrote holds the values of the
# corpus' JSON file, column by column (numbers compared as numbers; an
# empty JSON string is a missing value, exported as nan).
same_as_json() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import csv, json, math, sys
got = list(csv.DictReader(open(sys.argv[1], newline="")))
want = json.load(open(sys.argv[2]))
assert len(got) == len(want), (len(got), len(want))
for r, (g, w) in enumerate(zip(got, want)):
    assert list(g) == list(w), (r, list(g), list(w))
    for k in w:
        if w[k] == "":
            assert math.isnan(float(g[k])), (r, k, g[k])
        else:
            assert float(g[k]) == float(w[k]), (r, k, g[k], w[k])
PY
}

@test "corpora: csv-spectrum's number-only files import with the JSON's values" {
	for f in simple simple_crlf empty empty_crlf; do
		run --separate-stderr nn-import "$C/csv-spectrum/$f.csv" -o "$T/$f.nns"
		[ "$status" -eq 0 ] || fail "$f: $stderr"
		nn-export --format csv "$T/$f.nns" > "$T/$f.csv"
		same_as_json "$T/$f.csv" "$C/csv-spectrum/$f.json" || fail "$f differs from its JSON"
	done
}

@test "corpora: csv-spectrum's files with text are refused at the first text value, nothing written" {
	while read -r f line col; do
		run --separate-stderr nn-import "$C/csv-spectrum/$f.csv" -o "$T/out.nns"
		[ "$status" -eq 1 ] || fail "$f: status $status"
		[[ "$stderr" == "nn-import: '$C/csv-spectrum/$f.csv': line $line, column '$col': not a number: "* ]] ||
			fail "$f: $stderr"
		[ ! -e "$T/out.nns" ]
		no_temporaries "$T"
	done <<'LIST'
comma_in_quotes 2 first
escaped_quotes 2 b
json 2 val
newlines 3 a
newlines_crlf 3 a
quotes_and_newlines 2 b
utf8 3 c
LIST
}

@test "corpora: LIBSVM's heart_scale imports whole, every value as in the file" {
	run --separate-stderr nn-import -f libsvm "$C/libsvm/heart_scale" -o "$T/h.nns"
	[ "$status" -eq 0 ]
	run nn-info "$T/h.nns"
	[[ "$output" == *$'rows\t270'* ]]
	[[ "$output" == *$'field\tx\tf32\t[13]'* ]]
	[[ "$output" == *$'class\ty\t0\t150\t-1'* ]]
	[[ "$output" == *$'class\ty\t1\t120\t1'* ]]
	# the file re-read by awk, dense, with the label as nn-export names it
	awk '{ for (i = 1; i <= 13; i++) v[i] = 0
	       for (i = 2; i <= NF; i++) { split($i, p, ":"); v[p[1]] = p[2] }
	       s = ""; for (i = 1; i <= 13; i++) s = s (v[i] + 0) ","
	       print s ($1 + 0) }' "$C/libsvm/heart_scale" > "$T/want"
	nn-export --format csv --class-names "$T/h.nns" | tail -n +2 > "$T/got"
	/usr/bin/python3 - "$T/got" "$T/want" <<'PY'
import sys
got = [l.split(",") for l in open(sys.argv[1]).read().split()]
want = [l.split(",") for l in open(sys.argv[2]).read().split()]
assert len(got) == len(want) == 270
for r, (g, w) in enumerate(zip(got, want)):
    assert len(g) == len(w) == 14, r
    for a, b in zip(g[:13], w[:13]):
        # f32 holds the file's six digits exactly enough to print back
        assert abs(float(a) - float(b)) <= 1e-6 * max(1, abs(float(b))), (r, a, b)
    assert float(g[13]) == float(w[13]), (r, g[13], w[13])
PY
}

@test "corpora: scikit-learn's svmlight_classification.txt gives the matrix sklearn's test expects" {
	run --separate-stderr nn-import -f libsvm "$C/scikit-learn/svmlight_classification.txt" -o "$T/s.nns"
	[ "$status" -eq 0 ]
	nn-export --format csv --class-names "$T/s.nns" > "$T/s.csv"
	/usr/bin/python3 - "$T/s.csv" <<'PY'
import csv, struct, sys
rows = list(csv.reader(open(sys.argv[1])))
head, X = rows[0], [[float(v) for v in r] for r in rows[1:]]
assert len(head) == 22 and len(X) == 4, (len(head), len(X))
f32 = lambda v: struct.unpack("f", struct.pack("f", v))[0]
want = {(0, 2): 2.5, (0, 10): -5.2, (0, 15): 1.5, (1, 5): 1.0, (1, 12): -3.0,
        (2, 20): 27.0, (3, 1): 1.234567890123456e10}
for i in range(4):
    for j in range(21):
        w = f32(want.get((i, j), 0.0))
        assert f32(X[i][j]) == w, (i, j, X[i][j], w)
assert [r[21] for r in X] == [1, 2, 3, 4]
PY
}

@test "corpora: scikit-learn's multilabel file is refused at line 2 (one label per row)" {
	run --separate-stderr nn-import -f libsvm "$C/scikit-learn/svmlight_multilabel.txt" -o "$T/out.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-import: '$C/scikit-learn/svmlight_multilabel.txt': line 2: "* ]]
	[ ! -e "$T/out.nns" ]
}

@test "corpora: numpy's object arrays (pickles) are refused by their dtype, never loaded" {
	for f in py2-np0-objarr py2-objarr py3-objarr; do
		run --separate-stderr nn-import "$C/numpy/$f.npy" -o "$T/out.nns"
		[ "$status" -eq 1 ] || fail "$f: status $status"
		[[ "$stderr" == "nn-import: '$C/numpy/$f.npy': NPY dtype '|O"* ]] || fail "$f: $stderr"
		[ ! -e "$T/out.nns" ]
	done
}
