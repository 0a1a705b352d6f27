#!/usr/bin/env bats
# Text fields (str, nn-stream(5)): nn-import --id keeps a column as text,
# every program carries it with its rows, nn-export and nn-info show it;
# and nn-import's rule for whole-number labels (--task).

load helper

# info FILE EXPR: a Python expression over `nn-info --json FILE` (as d).
info() {
	nn-info --json "$1" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$2"
}

# table FILE: 120 rows of pid (id-NNN, one of them with a comma, one with a
# quote, one UTF-8), three features and a label that is a function of the
# features; row 7 has a missing feature (nn-clean drops it).
table() {
	python3 - "$1" <<'PY'
import random, sys
rng = random.Random(3)
with open(sys.argv[1], 'w', encoding='utf-8') as f:
    f.write('pid,a,b,c,y\n')
    for i in range(120):
        a, b = rng.gauss(0, 1), rng.gauss(0, 1)
        pid = {5: '"id,005"', 9: '"id ""9"""', 11: 'id-caf\u00e9'}.get(i, 'id-%03d' % i)
        c = '' if i == 7 else '%.3f' % rng.random()
        f.write('%s,%.4f,%.4f,%s,%s\n' % (pid, a, b, c, 'pos' if a + b > 0 else 'neg'))
PY
}

@test "ids: import, clean (a dropped row), split, normalize, augment, predict --keep, export: joined back right" {
	table "$T/d.csv"
	nn-import -q --id pid --label y "$T/d.csv" -o "$T/d.nns"
	nn-clean -q "$T/d.nns" -o "$T/c.nns"
	nn-split -q --test-size 0.25 --seed 1 --train "$T/tr.nns" --test "$T/te.nns" "$T/c.nns"
	nn-normalize -q --save "$T/zs.nns" "$T/tr.nns" -o "$T/trn.nns"
	nn-normalize -q --load "$T/zs.nns" "$T/te.nns" -o "$T/ten.nns"
	nn-augment -q --noise 0.05 --copies 1 --seed 2 "$T/trn.nns" -o "$T/tra.nns"
	nn-train -q --epochs 30 --seed 1 "$T/tra.nns" -o "$T/m.nnm"
	nn-predict -m "$T/m.nnm" --keep pid "$T/ten.nns" | nn-export --class-names -o "$T/scored.csv"
	nn-export --class-names "$T/tra.nns" -o "$T/tra.csv"
	nn-export "$T/te.nns" -o "$T/te.csv"
	python3 - "$T" <<'PY'
import csv, sys
T = sys.argv[1]
src = {r['pid']: r for r in csv.DictReader(open(T + '/d.csv', encoding='utf-8'))}
assert len(src) == 120
scored = list(csv.DictReader(open(T + '/scored.csv', encoding='utf-8')))
test = list(csv.DictReader(open(T + '/te.csv', encoding='utf-8')))
train = list(csv.DictReader(open(T + '/tra.csv', encoding='utf-8')))
assert len(scored) == len(test) == 30, (len(scored), len(test))
# every scored row's label is the label of the source row with its id
for r in scored:
    assert r['y'] == src[r['pid']]['y'], r
# the test rows' features (before scaling) are the source row's
for r in test:
    s = src[r['pid']]
    assert abs(float(r['a']) - float(s['a'])) < 1e-4 and abs(float(r['b']) - float(s['b'])) < 1e-4, (r, s)
ids = [r['pid'] for r in test] + [r['pid'] for r in train]
# the dropped row's id went with it; the others are there, the training
# rows twice (each noisy copy carries the id of the row it was made from)
assert 'id-007' not in ids
assert sorted(set(ids)) == sorted(k for k in src if k != 'id-007')
assert all(ids.count(r['pid']) == 2 for r in train)
for r in train:
    assert r['y'] == src[r['pid']]['y'], r
for k in ('id,005', 'id "9"', 'id-caf\u00e9'):
    assert k in ids, k
acc = sum(r['pred'] == r['y'] for r in scored) / len(scored)
assert acc >= 0.8, acc
PY
}

@test "ids: nn-export quotes ids as RFC 4180 wants and nn-import --id reads them back" {
	printf 'k,a\n"x,1",1\n"say ""hi""",2\n" pad ",3\n"",4\n"two\nlines",5\n\xc3\xa9t\xc3\xa9,6\n' > "$T/q.csv"
	nn-import -q --id k "$T/q.csv" -o "$T/q.nns"
	nn-export "$T/q.nns" -o "$T/back.csv"
	nn-import -q --id k "$T/back.csv" -o "$T/q2.nns"
	cmp <(nn-export "$T/q.nns") <(nn-export "$T/q2.nns")
	run nn-export -f tsv "$T/q.nns"
	[ "${lines[0]}" = "$(printf 'a\tk')" ]
	[ "${lines[1]}" = "$(printf '1\tx,1')" ]
	python3 - "$T/back.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding='utf-8', newline='')))
assert rows[0] == ['a', 'k'], rows
assert [r[1] for r in rows[1:]] == ['x,1', 'say "hi"', ' pad ', '', 'two\nlines', '\u00e9t\u00e9'], rows
PY
}

@test "ids: an id longer than --id-width is refused with its line, column and the width to give" {
	printf 'pid,a\nshort,1\nthis-id-is-17-byt,2\n' > "$T/l.csv"
	run --separate-stderr nn-import --id pid --id-width 16 "$T/l.csv" -o "$T/out.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'$T/l.csv': line 3, column 'pid': an id of 17 bytes is longer than the 16 bytes"*"--id-width 17"* ]]
	[ ! -e "$T/out.nns" ]
	no_temporaries "$T"
	nn-import -q --id pid --id-width 17 "$T/l.csv" -o "$T/out.nns"
	[ "$(info "$T/out.nns" "d['fields'][1]['shape']")" = "[17]" ]
	run --separate-stderr nn-import --id pid --id-width 4097 "$T/l.csv"
	[ "$status" -eq 2 ]
}

@test "ids: an id that is not UTF-8 is refused (exit 1) with its line and the way to convert" {
	printf 'pid,a\nok,1\n\xe9t\xe9,2\n' > "$T/latin1.csv"
	run --separate-stderr nn-import --id pid "$T/latin1.csv" -o "$T/out.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"line 3, column 'pid': the id is not UTF-8 text"*"iconv"* ]]
	[ ! -e "$T/out.nns" ]
}

@test "ids: a field name taken by x or y, and a column given twice, are usage errors" {
	printf 'x,a,y\nk1,1,0\nk2,2,1\n' > "$T/n.csv"
	run --separate-stderr nn-import --id x --label y "$T/n.csv" -o "$T/out.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--id x: its field 'x' would have the name of the features field (rename that with --x)"* ]]
	[ ! -e "$T/out.nns" ]
	nn-import -q --id x --x feat --label y "$T/n.csv" -o "$T/ok.nns"
	[ "$(info "$T/ok.nns" "[f['name'] + ':' + f['dtype'] for f in d['fields']]")" = "['feat:f32', 'y:i32', 'x:str']" ]
	run --separate-stderr nn-import --id a --label a "$T/n.csv"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"column 'a' is both --label and --id"* ]]
	run --separate-stderr nn-import --id a --id 1 "$T/n.csv"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"is both --id and --id"* ]]
	run --separate-stderr nn-import --id nope "$T/n.csv"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-import --format libsvm --id 0 /dev/null
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--id"*"are for csv and tsv"* ]]
}

@test "ids: several --id columns, and col_N names without a header" {
	printf 'a1,1,b1,5\na2,2,b2,6\n' > "$T/h.csv"
	nn-import -q --no-header --id 2 --id 0 "$T/h.csv" -o "$T/h.nns"
	[ "$(info "$T/h.nns" "[(f['name'], f['dtype']) for f in d['fields']]")" = "[('x', 'f32'), ('col_2', 'str'), ('col_0', 'str')]" ]
	run nn-export "$T/h.nns"
	[ "${lines[0]}" = "x_0,x_1,col_2,col_0" ]
	[ "${lines[2]}" = "2,6,b2,a2" ]
}

@test "ids: nn-info shows a str field's dtype and width, no numeric statistics, valid JSON" {
	printf 'pid,a\nid-1,1\n,2\nlonger-id,3\n' > "$T/i.csv"
	nn-import -q --id pid "$T/i.csv" -o "$T/i.nns"
	run nn-info "$T/i.nns"
	[[ "$output" == *"$(printf 'field\tpid\tstr\t[64]')"* ]]
	[[ "$output" == *"$(printf 'text\tpid\tempty=1\tlongest=9')"* ]]
	[[ "$output" != *"stats	pid"* ]]
	[ "$(info "$T/i.nns" "d['fields'][1]['stats'], d['fields'][1]['text']")" = "(None, {'empty': 1, 'longest': 9})" ]
	run nn-info --head 3 "$T/i.nns"
	[ "${lines[0]}" = "$(printf 'x\tpid')" ]
	[ "${lines[1]}" = "$(printf '1\tid-1')" ]
	[ "${lines[2]}" = "$(printf '2\t')" ]
}

@test "ids: a stream whose str rows break the rule is refused as corrupt, naming the row" {
	for f in str-padding str-utf8; do
		for r in "nn-info" "nn-export" "nn-split --test-size 0.5 --train $T/a.nns --test $T/b.nns"; do
			run --separate-stderr $r "$DATA/bad/$f.nns"
			[ "$status" -eq 1 ] || fail "$r $f: $status"
			[[ "$stderr" == *"'$DATA/bad/$f.nns': corrupt: row 2 of str field 'id' is not UTF-8 text padded with NUL bytes"* ]] || fail "$r $f: $stderr"
		done
	done
}

@test "ids: text is never taken for numbers" {
	printf 'pid,a,y\nk1,1,0\nk2,2,1\nk3,3,0\n' > "$T/t.csv"
	nn-import -q --id pid --label y "$T/t.csv" -o "$T/t.nns"
	run --separate-stderr nn-normalize --x pid "$T/t.nns" -o "$T/o.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"field 'pid' holds text (str), not numbers"* ]]
	run --separate-stderr nn-train --x pid "$T/t.nns" -o "$T/m.nnm"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"field 'pid' holds text (str)"* ]]
	run --separate-stderr nn-clean --x pid "$T/t.nns" -o "$T/o.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"text, not numbers"* ]]
	nn-export --field pid -o "$T/p.npy" "$T/t.nns"
	head -c 80 "$T/p.npy" | grep -q "'descr': '|S64', 'fortran_order': False, 'shape': (3,)"
}

# --- labels: whole numbers ----------------------------------------------

@test "labels: a few whole numbers are classes, with a note saying how to get regression" {
	printf 'a,q\n1,3\n2,5\n3,4\n4,3\n' > "$T/w.csv"
	run --separate-stderr nn-import --label q "$T/w.csv" -o "$T/w.nns"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"the labels are 3 distinct whole numbers: taken as classes (give --task regression for regression)"* ]]
	[ "$(info "$T/w.nns" "d['fields'][1]['dtype']")" = "i32" ]
	run --separate-stderr nn-import --label q --task regression "$T/w.csv" -o "$T/r.nns"
	[ -z "$stderr" ]
	[ "$(info "$T/r.nns" "d['fields'][1]['dtype']")" = "f32" ]
	# two values (0/1, LIBSVM's -1/+1) are classes without a note
	printf 'a,q\n1,0\n2,1\n' > "$T/b.csv"
	run --separate-stderr nn-import --label q "$T/b.csv" -o "$T/b.nns"
	[ -z "$stderr" ]
}

@test "labels: many distinct whole numbers (diabetes' 214) are a regression target, with a note" {
	run --separate-stderr nn-import --label progression "$ROOT/data/diabetes.csv" -o "$T/d.nns"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"the labels are 214 distinct whole numbers, more than 100: taken as regression targets (give --task classification for classes)"* ]]
	[ "$(info "$T/d.nns" "d['fields'][1]['dtype'], d['fields'][1]['classes']")" = "('f32', None)" ]
	nn-import -q --label progression --task classification "$ROOT/data/diabetes.csv" -o "$T/c.nns"
	[ "$(info "$T/c.nns" "d['fields'][1]['dtype']")" = "i32" ]
	# names stay classes, however many
	seq 1 150 | awk 'BEGIN { print "a,n" } { print $1 ",c" $1 }' > "$T/n.csv"
	run --separate-stderr nn-import --label n "$T/n.csv" -o "$T/n.nns"
	[ -z "$stderr" ]
	[ "$(info "$T/n.nns" "len(d['fields'][1]['classes'])")" = "150" ]
}
