#!/usr/bin/env bats
# nn-import: every input format, label handling, and bad inputs that must
# fail with status 1, the file named and no output left behind.

load helper

IRIS="$DATA/import/iris10.csv"
SVM="$DATA/import/small.svm"

# mk: the IDX and NPY files of the lines on stdin, one mkbin.py line
# ("idx FILE TYPE DIMS [options]") each; one python3 for all of them.
mk() { python3 "$DATA/import/mkbin.py" -; }

# info_is FILE EXPR WANT [EXPR WANT]...: each Python expression EXPR over
# `nn-info --json FILE` (as d) prints as WANT, a tuple as its items
# separated by spaces; one nn-info and one python3 for all of them.
info_is() {
	local f=$1
	shift
	nn-info --json "$f" > "$T/info.json" || { echo "nn-info --json $f failed"; return 1; }
	python3 - "$T/info.json" "$@" <<'PY' || { echo "in nn-info --json $f"; return 1; }
import json, sys
d = json.load(open(sys.argv[1]))
bad = 0
for e, want in zip(sys.argv[2::2], sys.argv[3::2]):
    r = eval(e)
    got = ' '.join(map(str, r)) if isinstance(r, tuple) else str(r)
    if got != want:
        print('%s is %r, not %r' % (e, got, want))
        bad = 1
sys.exit(bad)
PY
}

# refused STATUS exact|part TEXT CMD...: CMD -o out.nns exits STATUS with
# TEXT as its whole stderr (exact) or within it (part), nothing on stdout,
# and leaves no output file and no temporary.
refused() {
	local want_status="$1" how="$2" want="$3"
	shift 3
	run --separate-stderr "$@" -o "$T/out.nns"
	echo "status=$status stderr=$stderr"
	[ "$status" -eq "$want_status" ]
	if [ "$how" = exact ]; then
		[ "$stderr" = "$want" ]
	else
		[[ "$stderr" == *"$want"* ]]
	fi
	[ -z "$output" ]
	[ ! -e "$T/out.nns" ]
	no_temporaries "$T"
}

# bad_input TEXT CMD...: bad data, exit 1 with TEXT in the message.
bad_input() { refused 1 part "$@"; }

# --- options ---------------------------------------------------------------

@test "nn-import: --help exits 0 and shows the synopsis" {
	run --separate-stderr nn-import --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: nn-import [OPTIONS] [INPUT]"* ]]
	[[ "$output" == *"--drop-col"* ]]
	[ -z "$stderr" ]
}

@test "nn-import: --help lists the words --format and --task take" {
	run --separate-stderr nn-import --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--format csv|tsv|libsvm|idx|npy"* ]]
	[[ "$output" == *"--task auto|classification|regression"* ]]
}

@test "nn-import: bad usage exits 2" {
	run --separate-stderr nn-import --no-such-option "$IRIS"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-import --format xls "$IRIS"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--format: 'xls' is not one of: csv, tsv, libsvm, idx, npy"* ]]
	run --separate-stderr nn-import --task guess --label species "$IRIS"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--task: 'guess' is not one of: auto, classification, regression"* ]]
	run --separate-stderr nn-import "$T/data.weird"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"give --format"* ]]
	run --separate-stderr nn-import --format npy --label y "$T/x.npy"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-import --features 3 "$IRIS"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-import --x a --y a "$IRIS"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-import --level 99 "$IRIS"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-import a.csv b.csv
	[ "$status" -eq 2 ]
	run --separate-stderr nn-import --classes a,,b --label species "$IRIS"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-import --classes a,b --task regression --label species "$IRIS"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-import --classes a,b x.npy
	[ "$status" -eq 2 ]
	run --separate-stderr nn-import --labels y.idx x.csv
	[ "$status" -eq 2 ]
	run --separate-stderr nn-import -f idx --labels - -
	[ "$status" -eq 2 ]
}

# bad_column WANT CMD...: a --label or --drop-col that names no column of
# the file is a usage error (exit 2) whose whole message is WANT.
bad_column() { refused 2 exact "$@"; }

@test "nn-import: a column that is not in the file is a usage error naming the file, with the closest name" {
	bad_column "nn-import: '$IRIS': no column 'kind' among the 5 columns" nn-import --label kind "$IRIS"
	bad_column "nn-import: '$IRIS': no column '7' among the 5 columns" nn-import --drop-col 7 "$IRIS"
	bad_column "nn-import: '$IRIS': no column 'speces' among the 5 columns (did you mean 'species'?)" \
		nn-import --label speces "$IRIS"
	bad_input "'$IRIS': column 'species' is both --label and --drop-col" \
		nn-import --label species --drop-col 4 "$IRIS"
}

@test "nn-import: --delimiter, and a hint when the one column holds another delimiter" {
	printf 'a;b;y\n1;2;x\n3;4;z\n' > "$T/semi.csv"
	bad_column "nn-import: '$T/semi.csv': no column 'y' among the 1 columns (the header has ';' in it: give --delimiter ';')" \
		nn-import --label y "$T/semi.csv"
	nn-import -d ';' --label y -o "$T/semi.nns" "$T/semi.csv"
	run nn-export --format csv "$T/semi.nns"
	[ "$output" = "$(printf 'a,b,y\n1,2,0\n3,4,1')" ]
	printf 'a\tb\n1\t2\n' > "$T/tab.txt"
	nn-import --delimiter '\t' -o "$T/tab.nns" "$T/tab.txt"
	run nn-export --format csv "$T/tab.nns"
	[ "$output" = "$(printf 'a,b\n1,2')" ]
	for bad in '' ';;' '"' 0 . - e; do
		run --separate-stderr nn-import -d "$bad" "$T/semi.csv"
		[ "$status" -eq 2 ]
		[[ "$stderr" == *"--delimiter: "* ]]
	done
	run --separate-stderr nn-import -f libsvm -d ';' "$T/semi.csv"
	[ "$status" -eq 2 ]
}

@test "nn-import: odd text as pandas and numpy read it: CR-only lines, blanks around numbers, NaN spellings" {
	printf 'a,b,y\r1, 2 ,1\r" 3 ",NAN,\" 1\"\r+nan,-NaN,2 \r' > "$T/cr.csv"
	nn-import --label y -o "$T/cr.nns" "$T/cr.csv"
	run nn-export --format csv --class-names "$T/cr.nns"
	[ "$output" = "$(printf 'a,b,y\n1,2,1\n3,nan,1\nnan,nan,2')" ]
	info_is "$T/cr.nns" 'd["fields"][1]["class_counts"]' "[{'value': 1, 'count': 2}, {'value': 2, 'count': 1}]"
	printf 'a,y\n1,NAN\n' > "$T/nanlabel.csv"
	bad_input "line 2, column 'y': missing label" nn-import --label y "$T/nanlabel.csv"
}

@test "nn-import: LIBSVM as svm-train reads it (BOM, +1, qid skipped with a note; empty values refused)" {
	printf '\xef\xbb\xbf1 qid:3 +1:0.5 3:2\n2 qid:3 2:1 # c\n' > "$T/a.svm"
	run --separate-stderr nn-import -o "$T/a.nns" "$T/a.svm"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nn-import: '$T/a.svm': skipped the query ids (qid:) of 2 rows, the first on line 1: nnpipe trains no ranking" ]
	run nn-export --format csv "$T/a.nns"
	[ "$output" = "$(printf 'x_0,x_1,x_2,y\n0.5,0,2,1\n0,1,0,2')" ]
	printf '1 1: 2:3\n' > "$T/empty.svm"
	bad_input "line 1, index 1: empty value (LIBSVM has no missing values: leave the index out for 0)" \
		nn-import "$T/empty.svm"
	printf '1 1:?\n' > "$T/q.svm"
	bad_input "line 1, index 1: missing value '?'" nn-import "$T/q.svm"
}

# --- csv, tsv --------------------------------------------------------------

@test "nn-import: csv with string labels gives sorted class ids and names" {
	nn-import --label species "$IRIS" -o "$T/iris.nns"
	info_is "$T/iris.nns" \
		'd["rows"]' 10 \
		'd["fields"][0]["dtype"], d["fields"][0]["shape"]' "f32 [4]" \
		'd["fields"][1]["dtype"], d["fields"][1]["shape"]' "i32 []" \
		'",".join(d["fields"][1]["classes"])' "setosa,versicolor,virginica" \
		'[c["count"] for c in d["fields"][1]["class_counts"]]' "[3, 4, 3]"
	# quoted header names are kept (without quotes) in the metadata
	info_is "$T/iris.nns" 'd["meta"]["feature_names"][0], d["meta"]["label_name"]' "sepal length species"
	run nn-export --format csv "$T/iris.nns"
	[ "${lines[1]}" = "5.1,3.5,1.4,0.2,0" ]
	[ "${lines[3]}" = "7,3.2,4.7,1.4,1" ]
	[ "${lines[9]}" = "6.5,3,5.8,2.2,2" ]
}

@test "nn-import: missing values (empty, NA, NaN, ?) become NaN" {
	nn-import --label species "$IRIS" -o "$T/iris.nns"
	info_is "$T/iris.nns" 'd["fields"][0]["stats"]["nan"]' 3
	run nn-export --format csv "$T/iris.nns"
	[ "${lines[7]}" = "5,3.6,nan,0.2,0" ]
	[ "${lines[8]}" = "5.5,2.3,4,nan,1" ]
	[ "${lines[10]}" = "5.7,2.8,nan,1.3,1" ]
	printf 'a,b\nNaN,nan\n-nan,NULL\ninf,-inf\n' | nn-import -o "$T/na.nns"
	info_is "$T/na.nns" 'd["fields"][0]["stats"]["nan"], d["fields"][0]["stats"]["inf"]' "4 2"
}

@test "nn-import: RFC 4180 quoting, CRLF, a byte-order mark and spaces" {
	printf '\357\273\277id, "a,b" ,label,note\r\n1,"2",  "x ""quoted"", y" ,\r\n3,4,"a,b","two\r\nlines"\r\n\r\n5 , 6,x "y" z,\r\n7,8,"x ""quoted"", y",""' \
		> "$T/q.csv"
	nn-import --label label --drop-col note "$T/q.csv" -o "$T/q.nns"
	info_is "$T/q.nns" \
		'd["rows"]' 4 \
		'd["meta"]["feature_names"]' "['id', 'a,b']" \
		'd["fields"][1]["classes"]' "['a,b', 'x \"quoted\", y', 'x \"y\" z']"
	run nn-export --format csv "$T/q.nns"
	[ "${lines[1]}" = "1,2,1" ]
	[ "${lines[2]}" = "3,4,0" ]
	[ "${lines[3]}" = "5,6,2" ]
	[ "${lines[4]}" = "7,8,1" ]
	# the record that spans two lines moves the line count on
	printf 'a,b\n"x\ny",1\n2,z\n' > "$T/ml.csv"
	bad_input "'$T/ml.csv': line 4, column 'b': not a number: 'z'" \
		nn-import --drop-col a "$T/ml.csv"
	printf 'a,y\n1,"new\nline"\n' > "$T/ctl.csv"
	bad_input "'$T/ctl.csv': line 2, column 'y': a class name must have" \
		nn-import --label y "$T/ctl.csv"
}

@test "nn-import: text after a closing quote and an open quote at the end are errors" {
	printf 'a,b\n1,"2"x\n' > "$T/bad.csv"
	bad_input "'$T/bad.csv': line 2: text after a closing quote" nn-import "$T/bad.csv"
	printf 'a,b\n1,2\n3,"4\n5,6\n' > "$T/open.csv"
	bad_input "'$T/open.csv': line 3: unterminated quoted field" nn-import "$T/open.csv"
}

@test "nn-import: a column that is not a number names the line and column" {
	printf 'sepal,petal,y\n1,2,0\n3,4,1\n5,abc,0\n' > "$T/nn.csv"
	bad_input "nn-import: '$T/nn.csv': line 4, column 'petal': not a number: 'abc'" \
		nn-import --label y "$T/nn.csv"
	# without a header the column is its index
	bad_input "'$T/nn.csv': line 1, column 0: not a number: 'sepal'" \
		nn-import --no-header "$T/nn.csv"
}

@test "nn-import: --drop-col leaves out columns by name or index" {
	printf 'name,a,b,c,y\nann,1,2,3,0\nbob,4,5,6,1\n' > "$T/d.csv"
	nn-import --label y --drop-col name --drop-col 3 "$T/d.csv" -o "$T/d.nns"
	info_is "$T/d.nns" 'd["fields"][0]["shape"], d["meta"]["feature_names"]' "[2] ['a', 'b']"
	run nn-export --format csv "$T/d.nns"
	[ "${lines[2]}" = "4,5,1" ]
}

@test "nn-import: --label by index and negative index; --no-header; --skip" {
	printf '# exported by hand\n# two comment lines\n1,2,7\n3,4,8\n' > "$T/h.csv"
	nn-import --skip 2 --no-header --label -1 "$T/h.csv" -o "$T/a.nns"
	nn-import --skip 2 --no-header --label 2 "$T/h.csv" -o "$T/b.nns"
	cmp <(nn-export "$T/a.nns") <(nn-export "$T/b.nns")
	run nn-export --format csv "$T/a.nns"
	[ "${lines[1]}" = "1,2,7" ]
	[ "${lines[2]}" = "3,4,8" ]
	info_is "$T/a.nns" 'd["meta"]' "None"
}

@test "nn-import: whole-number labels are class ids, other numbers regression" {
	printf 'a,y\n1,2\n2,0\n3,5\n' | nn-import --label y -o "$T/i.nns"
	info_is "$T/i.nns" 'd["fields"][1]["dtype"], d["fields"][1]["classes"]' "i32 None"
	[ "$(nn-export "$T/i.nns" | tail -n 3 | cut -d, -f2 | tr '\n' ' ')" = "2 0 5 " ]
	printf 'a,y\n1,2.5\n2,0\n3,1e3\n' | nn-import --label y -o "$T/f.nns"
	info_is "$T/f.nns" 'd["fields"][1]["dtype"]' f32
	printf 'a,y\n1,2\n2,0\n' | nn-import --label y --task regression -o "$T/r.nns"
	info_is "$T/r.nns" 'd["fields"][1]["dtype"]' f32
	printf 'a,y\n1,0.5\n2,1.5\n3,0.5\n' | nn-import --label y --task classification -o "$T/c.nns"
	info_is "$T/c.nns" 'd["fields"][1]["dtype"], d["fields"][1]["classes"]' "i32 ['0.5', '1.5']"
}

@test "nn-import: negative whole-number labels become classes 0..K-1 named by value" {
	printf 'a,y\n1,1\n2,-1\n3,1\n4,-3\n' | nn-import --label y -o "$T/n.nns"
	info_is "$T/n.nns" 'd["fields"][1]["classes"]' "['-3', '-1', '1']"
	[ "$(nn-export "$T/n.nns" | tail -n 4 | cut -d, -f2 | tr '\n' ' ')" = "2 1 2 0 " ]
}

@test "nn-import: --classes fixes the order of class names" {
	nn-import --label species --classes virginica,setosa,versicolor "$IRIS" -o "$T/o.nns"
	info_is "$T/o.nns" '",".join(d["fields"][1]["classes"])' "virginica,setosa,versicolor"
	[ "$(nn-export "$T/o.nns" | sed -n 2p)" = "5.1,3.5,1.4,0.2,1" ]
	bad_input "line 4, column 'species': label 'versicolor' is not in --classes" \
		nn-import --label species --classes virginica,setosa "$IRIS"
	printf 'a,y\n1,0\n2,3\n' > "$T/ids.csv"
	bad_input "'$T/ids.csv': line 3, column 'y': class id 3 needs more than the 2 --classes" \
		nn-import --label y --classes no,yes "$T/ids.csv"
}

@test "nn-import: a missing label is an error in classification, NaN in regression" {
	printf 'a,y\n1,0\n2,NA\n3,1\n' > "$T/m.csv"
	bad_input "'$T/m.csv': line 3, column 'y': missing label" nn-import --label y "$T/m.csv"
	nn-import --label y --task regression "$T/m.csv" -o "$T/m.nns"
	info_is "$T/m.nns" 'd["fields"][1]["stats"]["nan"]' 1
	printf 'a,y\n1,0\n2,abc\n' > "$T/s.csv"
	bad_input "'$T/s.csv': line 3, column 'y': label is not a number: 'abc'" \
		nn-import --label y --task regression "$T/s.csv"
}

@test "nn-import: rows with a different column count are an error naming the line" {
	printf 'a,b,c\n1,2,3\n4,5,6\n7,8\n' > "$T/ragged.csv"
	bad_input "'$T/ragged.csv': line 4: expected 3 columns, found 2" nn-import "$T/ragged.csv"
	printf 'a,b,c\n1,2,3\n4,5,6,7\n' > "$T/long.csv"
	bad_input "'$T/long.csv': line 3: expected 3 columns, found 4" \
		nn-import --label c "$T/long.csv"
}

@test "nn-import: tsv by extension, gzip input, standard input" {
	printf 'a\tb\tc\n1\t2\tx\n3\t4\ty\n' > "$T/t.tsv"
	nn-import --label c "$T/t.tsv" -o "$T/t.nns"
	info_is "$T/t.nns" 'd["rows"], d["fields"][1]["classes"]' "2 ['x', 'y']"
	gzip -c "$IRIS" > "$T/iris.csv.gz"
	nn-import --label species "$T/iris.csv.gz" -o "$T/gz.nns"
	nn-import --label species "$IRIS" -o "$T/plain.nns"
	cmp <(nn-export "$T/gz.nns") <(nn-export "$T/plain.nns")
	nn-import --label species < "$IRIS" > "$T/stdin.nns"
	cmp <(nn-export "$T/stdin.nns") <(nn-export "$T/plain.nns")
	nn-import -f tsv --label c < "$T/t.tsv" | nn-info --verify -
}

@test "nn-import: csv without --label has only x; --x and --y rename the fields" {
	printf 'a,b\n1,2\n3,4\n' | nn-import -o "$T/x.nns"
	info_is "$T/x.nns" '[f["name"] for f in d["fields"]]' "['x']"
	nn-import --label species --x features --y target "$IRIS" -o "$T/r.nns"
	info_is "$T/r.nns" '[f["name"] for f in d["fields"]]' "['features', 'target']"
}

@test "nn-import: empty inputs" {
	: > "$T/empty.csv"
	bad_input "'$T/empty.csv': no header line" nn-import "$T/empty.csv"
	printf 'a,y\n' > "$T/hdr.csv"
	nn-import --label y "$T/hdr.csv" -o "$T/h.nns"
	info_is "$T/h.nns" 'd["rows"]' 0
	printf 'a,y\n' > "$T/hdr.csv"
	bad_input "no feature columns" nn-import --label y --drop-col a "$T/hdr.csv"
}

@test "nn-import: output is byte-identical when run again; recorded provenance" {
	nn-import --label species "$IRIS" > "$T/1.nns"
	nn-import --label species "$IRIS" > "$T/2.nns"
	cmp "$T/1.nns" "$T/2.nns"
	info_is "$T/1.nns" \
		'd["program"]' nn-import \
		'd["args"][0]' "--label"
}

# --- libsvm ----------------------------------------------------------------

@test "nn-import: libsvm with -1/+1 labels becomes dense x and classes" {
	nn-import "$SVM" -o "$T/s.nns"
	info_is "$T/s.nns" \
		'd["rows"], d["fields"][0]["shape"]' "4 [4]" \
		'd["fields"][1]["dtype"], d["fields"][1]["classes"]' "i32 ['-1', '1']"
	run nn-export --format csv "$T/s.nns"
	[ "${lines[1]}" = "0.5,0,1.25,0,1" ]
	[ "${lines[2]}" = "0,-2,0,0.001,0" ]
	[ "${lines[3]}" = "0,0,0,7,1" ]
	[ "${lines[4]}" = "1,2,3,4,0" ]
}

@test "nn-import: libsvm --features, regression labels and gzip" {
	printf '0.5 2:1\n1.5 1:2\n' | nn-import -f libsvm --features 6 -o "$T/r.nns"
	info_is "$T/r.nns" 'd["fields"][0]["shape"], d["fields"][1]["dtype"]' "[6] f32"
	gzip -c "$SVM" > "$T/s.svm.gz"
	nn-import "$T/s.svm.gz" -o "$T/gz.nns"
	nn-import "$SVM" -o "$T/plain.nns"
	cmp <(nn-export "$T/gz.nns") <(nn-export "$T/plain.nns")
}

@test "nn-import: bad libsvm input" {
	printf '1 1:1 3:2 2:1\n' > "$T/order.svm"
	bad_input "'$T/order.svm': line 1: index 2 does not ascend" nn-import "$T/order.svm"
	printf '1 1:1\n0 0:1\n' > "$T/zero.svm"
	bad_input "line 2: bad index '0' (indices start at 1)" nn-import "$T/zero.svm"
	printf '1 1:1 9:2\n' > "$T/wide.svm"
	bad_input "line 1: index 9 is beyond --features 4" nn-import --features 4 "$T/wide.svm"
	printf '1 1:x\n' > "$T/val.svm"
	bad_input "line 1, index 1: not a number: 'x'" nn-import "$T/val.svm"
	printf 'yes 1:1\n' > "$T/lab.svm"
	bad_input "line 1: label is not a number: 'yes'" nn-import "$T/lab.svm"
	printf '1 1\n' > "$T/pair.svm"
	bad_input "line 1: '1' is not index:value" nn-import "$T/pair.svm"
}

# --- idx -------------------------------------------------------------------

@test "nn-import: idx images and labels, plain and gzip" {
	mk <<-EOF
	idx "$T/img.idx" u8 3,2,2
	idx "$T/lab.idx" u8 3 --values 2,0,1 --gz
	idx "$T/f.idx" f64 2,2 --values=-1.5,1e10
	idx "$T/s.idx" i16 2 --values=-300,7
	EOF
	nn-import "$T/img.idx" --labels "$T/lab.idx" -o "$T/i.nns"
	info_is "$T/i.nns" \
		'd["fields"][0]["dtype"], d["fields"][0]["shape"]' "u8 [2, 2]" \
		'd["fields"][1]["dtype"]' i32
	run nn-export --format csv "$T/i.nns"
	[ "${lines[0]}" = "x_0_0,x_0_1,x_1_0,x_1_1,y" ]
	[ "${lines[1]}" = "0,1,2,3,2" ]
	[ "${lines[3]}" = "8,9,10,11,1" ]
	# other IDX types are converted from big-endian
	run nn-export --format csv <(nn-import --format idx "$T/f.idx" --labels "$T/s.idx" --y t)
	[ "${lines[0]}" = "x_0,x_1,t" ]
	[ "${lines[1]}" = "-1.5,10000000000,-300" ]
	[ "${lines[2]}" = "-1.5,10000000000,7" ]
}

@test "nn-import: idx from standard input; --classes names the labels" {
	mk <<-EOF
	idx "$T/img.idx" u8 3,2,2 --gz
	idx "$T/lab.idx" u8 3 --values 2,0,1
	EOF
	nn-import -f idx --labels "$T/lab.idx" --classes a,b,c < "$T/img.idx" > "$T/i.nns"
	info_is "$T/i.nns" 'd["fields"][1]["classes"]' "['a', 'b', 'c']"
	bad_input "'$T/lab.idx': row 1: class id 2 needs more than the 2 --classes" \
		nn-import "$T/img.idx" -f idx --labels "$T/lab.idx" --classes a,b
}

@test "nn-import: Fashion-MNIST t10k from the gzip files" {
	[ -r "$FASHION/t10k-images-idx3-ubyte.gz" ] ||
		skip "Fashion-MNIST not installed in $FASHION (apt-get install dataset-fashion-mnist)"
	nn-import "$FASHION/t10k-images-idx3-ubyte.gz" \
		--labels "$FASHION/t10k-labels-idx1-ubyte.gz" --classes fashion-mnist -o "$T/f.nns"
	info_is "$T/f.nns" \
		'd["rows"]' 10000 \
		'd["fields"][0]["dtype"], d["fields"][0]["shape"]' "u8 [28, 28]" \
		'd["fields"][1]["classes"][0], d["fields"][1]["classes"][9]' "T-shirt/top Ankle boot" \
		'sorted(set(c["count"] for c in d["fields"][1]["class_counts"]))' "[1000]" \
		'len(d["fields"][1]["class_counts"])' 10 \
		'd["fields"][0]["stats"]["min"], d["fields"][0]["stats"]["max"]' "0 255"
}

@test "nn-import: bad idx input" {
	mk <<-EOF
	idx "$T/img.idx" u8 3,2,2
	idx "$T/cut.idx" u8 3,2,2 --cut 1
	idx "$T/cutz.idx" u8 3,2,2 --cut 1 --gz
	idx "$T/cutgz.idx" u8 3,2,2 --gz --cut-gz 3
	idx "$T/long.idx" u8 3,2,2 --extra 1 --gz
	idx "$T/magic.idx" u8 3,2,2 --magic 12340803
	idx "$T/type.idx" u8 3,2,2 --magic 00000703
	idx "$T/zero.idx" u8 3,0,2
	idx "$T/huge.idx" u8 2,2 --claim 4000000000,65535,65535 --gz
	idx "$T/many.idx" u8 2,2 --claim 4000000000,2 --gz
	idx "$T/lab.idx" u8 2
	idx "$T/lab2.idx" u8 3,2
	EOF
	bad_input "'$T/cut.idx': the header claims 3 rows of 4 bytes" nn-import "$T/cut.idx"
	bad_input "'$T/cutz.idx': truncated: the header claims 3 rows, the data ends after 2" \
		nn-import -f idx "$T/cutz.idx"
	bad_input "'$T/cutgz.idx': truncated gzip data" nn-import "$T/cutgz.idx"
	bad_input "'$T/long.idx': trailing data after the 3 rows" nn-import "$T/long.idx"
	bad_input "'$T/magic.idx': not an IDX file" nn-import "$T/magic.idx"
	bad_input "'$T/type.idx': not an IDX file (type byte 0x07)" nn-import "$T/type.idx"
	bad_input "'$T/zero.idx': dimension 1 is zero" nn-import "$T/zero.idx"
	bad_input "'$T/huge.idx': one row is over" nn-import "$T/huge.idx"
	bad_input "'$T/many.idx': truncated" nn-import "$T/many.idx"
	bad_input "'$T/lab.idx': 2 labels for 3 rows" nn-import "$T/img.idx" --labels "$T/lab.idx"
	bad_input "'$T/lab2.idx': labels must have one value per row" \
		nn-import "$T/img.idx" --labels "$T/lab2.idx"
	: > "$T/empty.idx"
	bad_input "'$T/empty.idx': empty file" nn-import "$T/empty.idx"
	bad_input "'$T/none.idx'" nn-import "$T/none.idx"
}

# --- npy -------------------------------------------------------------------

@test "nn-import: npy arrays with npy labels" {
	mk <<-EOF
	npy "$T/x.npy" '<f4' 4,3
	npy "$T/y.npy" '<i8' 4 --values 1,0,1,1
	npy "$T/r.npy" '<f8' 4,1 --values 0.25
	EOF
	nn-import "$T/x.npy" --labels "$T/y.npy" -o "$T/n.nns"
	info_is "$T/n.nns" \
		'd["fields"][0]["dtype"], d["fields"][0]["shape"]' "f32 [3]" \
		'd["fields"][1]["dtype"]' i32
	run nn-export --format csv "$T/n.nns"
	[ "${lines[1]}" = "0,1,2,1" ]
	[ "${lines[4]}" = "9,10,11,1" ]
	nn-import "$T/x.npy" --labels "$T/r.npy" -o "$T/r.nns"
	info_is "$T/r.nns" 'd["fields"][1]["dtype"]' f32
}

@test "nn-import: npy dtypes, 1-D arrays, versions 2 and 3, gzip" {
	mk <<-EOF
	npy "$T/u.npy" '|u1' 2,2,3
	npy "$T/s.npy" '<i2' 5 --values=-7
	npy "$T/v2.npy" '<f8' 3,2 --version 2
	npy "$T/v3.npy" '<f8' 3,2 --version 3 --gz
	npy "$T/e.npy" '<f4' 0,3
	EOF
	info_is <(nn-import "$T/u.npy") 'd["fields"][0]["dtype"], d["fields"][0]["shape"]' "u8 [2, 3]"
	info_is <(nn-import "$T/s.npy") 'd["rows"], d["fields"][0]["dtype"], d["fields"][0]["shape"]' "5 i16 []"
	cmp <(nn-import "$T/v2.npy" | nn-export) <(nn-import -f npy "$T/v3.npy" | nn-export)
	info_is <(nn-import "$T/e.npy") 'd["rows"]' 0
}

@test "nn-import: npy headers as numpy writes them: '>' and '=' byte orders, Python 2 shapes" {
	mk <<-EOF
	npy "$T/le.npy" '<f4' 4,3
	npy "$T/be.npy" '>f4' 4,3
	npy "$T/ne.npy" '=f4' 4,3
	npy "$T/py2.npy" '<f4' 4,3 --header "{'descr': '<f4', 'fortran_order': False, 'shape': (4L, 3L), }"
	npy "$T/bei.npy" '>i4' 3 --values=-7,300,-5
	EOF
	nn-import "$T/le.npy" | nn-export > "$T/le.csv"
	[ "$(wc -l < "$T/le.csv")" -eq 5 ]
	for f in be ne py2; do
		cmp "$T/le.csv" <(nn-import "$T/$f.npy" | nn-export)
	done
	[ "$(nn-import "$T/bei.npy" | nn-export | tail -n 1)" = "-5" ]
}

@test "nn-import: bad npy input" {
	mk <<-EOF
	npy "$T/f.npy" '<f4' 4,3 --fortran
	npy "$T/lie.npy" '<f4' 4,3 --claim 5,3
	npy "$T/huge.npy" '<f4' 4,3 --claim 4000000000000,3
	npy "$T/wide.npy" '<f8' 4,3 --claim 1,100000000
	npy "$T/cut.npy" '<f4' 4,3 --cut 2 --gz
	npy "$T/long.npy" '<f4' 4,3 --extra 8
	npy "$T/c.npy" '<c8' 4,3 --header "{'descr': '<c8', 'fortran_order': False, 'shape': (4, 3), }"
	npy "$T/0d.npy" '<f4' ''
	npy "$T/key.npy" '<f4' 4,3 --header "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), 'x': 1}"
	npy "$T/nokey.npy" '<f4' 4,3 --header "{'descr': '<f4', 'shape': (4, 3)}"
	idx "$T/not.npy" u8 2,2
	npy "$T/x.npy" '<f4' 4,3
	npy "$T/y.npy" '<i4' 3
	npy "$T/big.npy" '<i8' 4 --values 1,5000000000
	EOF
	bad_input "'$T/f.npy': fortran_order arrays are not supported" nn-import "$T/f.npy"
	bad_input "'$T/lie.npy': the header claims 5 rows of 12 bytes" nn-import "$T/lie.npy"
	bad_input "'$T/huge.npy': the header claims 4000000000000 rows" nn-import "$T/huge.npy"
	bad_input "'$T/wide.npy': one row is over" nn-import "$T/wide.npy"
	bad_input "'$T/cut.npy': truncated" nn-import -f npy "$T/cut.npy"
	bad_input "'$T/long.npy': the header claims 4 rows" nn-import "$T/long.npy"
	bad_input "'$T/c.npy': NPY dtype '<c8' is not supported" nn-import "$T/c.npy"
	bad_input "'$T/0d.npy': a 0-d array has no rows" nn-import "$T/0d.npy"
	bad_input "'$T/key.npy': bad NPY header" nn-import "$T/key.npy"
	bad_input "'$T/nokey.npy': bad NPY header" nn-import "$T/nokey.npy"
	bad_input "'$T/not.npy': not an NPY file" nn-import "$T/not.npy"
	bad_input "'$T/y.npy': 3 labels for 4 rows" nn-import "$T/x.npy" --labels "$T/y.npy"
	bad_input "'$T/big.npy'" nn-import "$T/x.npy" --labels "$T/big.npy"
}

@test "nn-import: a failed run to stdout writes no valid stream" {
	printf 'a,b\n1,2\n3\n' > "$T/r.csv"
	run --separate-stderr nn-import "$T/r.csv"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'$T/r.csv': line 3"* ]]
	nn-import "$T/r.csv" > "$T/part.nns" || true
	run nn-info --verify "$T/part.nns"
	[ "$status" -eq 1 ]
}

@test "nn-import: the spool goes to \$TMPDIR; --level and --threads change nothing but size" {
	TMPDIR="$T/no-such-dir" run --separate-stderr nn-import --label species "$IRIS" -o "$T/out.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'$T/no-such-dir': cannot create a temporary file"* ]]
	[ ! -e "$T/out.nns" ]
	mkdir "$T/tmp"
	TMPDIR="$T/tmp" nn-import --label species "$IRIS" -o "$T/a.nns"
	[ -z "$(ls -A "$T/tmp")" ]
	nn-import --label species --level 19 --threads 2 "$IRIS" -o "$T/b.nns"
	cmp <(nn-export "$T/a.nns") <(nn-export "$T/b.nns")
}

@test "nn-import: --shape gives the features an image shape; a wrong count fails" {
	printf 'a,b,c,d,y\n1,2,3,4,0\n5,6,7,8,1\n' | nn-import --shape 2,2 --label y -o "$T/img.nns"
	run nn-info "$T/img.nns"
	[[ "$output" == *$'field\tx\tf32\t[2,2]'* ]]
	run nn-export --format csv "$T/img.nns"
	[ "${lines[1]}" = "1,2,3,4,0" ]
	run --separate-stderr nn-import --shape 3,2 --label y -o "$T/bad.nns" <<< $'a,b,c,d,y\n1,2,3,4,0'
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-import: '(stdin)': --shape 3,2 holds 6 values; the rows have 4" ]
	[ ! -e "$T/bad.nns" ]
	run --separate-stderr nn-import --shape 2,x --label y -o "$T/bad.nns" <<< $'a,b,c,d,y\n1,2,3,4,0'
	[ "$status" -eq 2 ]
}

@test "nn-import: csv numbers are the nearest f32, as strtof gives them (no double rounding)" {
	# 1.000000059604644776 lies just above the midpoint between 1 and the
	# next float: rounding it to a double first would give the midpoint,
	# and then 1 (ties to even); the nearest float is 1.0000001.
	printf 'a,b,c,d,e,f,g,h\n16777217,0.1000000000000000055511151231257827,1e-46,3.4028236e38,1.000000059604644776,-0,0.28627452,1.5E+3\n' |
		nn-import -o "$T/n.nns"
	run nn-export --format csv "$T/n.nns"
	[ "${lines[1]}" = "16777216,0.1,0,inf,1.0000001,-0,0.28627452,1500" ]
}

@test "nn-import: csv lines longer than a read block and rows across blocks" {
	python3 -c 'import sys
w = sys.stdout.write
w(",".join("c%d" % i for i in range(300000)) + ",y\n")
for r in range(3):
    w(",".join(str((i * 7 + r) % 1000) for i in range(300000)) + ",%d\n" % r)
w("0,0.5," + "1," * 299998 + "0\n")' > "$T/wide.csv"
	nn-import --label y "$T/wide.csv" -o "$T/wide.nns"
	info_is "$T/wide.nns" 'd["rows"], d["fields"][0]["shape"]' "4 [300000]"
	nn-export --format csv "$T/wide.nns" | tail -n 4 | cut -d, -f1-3,299999- > "$T/got"
	printf '0,7,14,986,993,0\n1,8,15,987,994,1\n2,9,16,988,995,2\n0,0.5,1,1,1,0\n' > "$T/want"
	cmp "$T/got" "$T/want"
	seq 1 200000 | awk '{ print $1 "," $1 ".25," ($1 % 2) }' | nn-import --no-header --label 2 -o "$T/long.nns"
	info_is "$T/long.nns" 'd["rows"]' 200000
	nn-export --format csv "$T/long.nns" | sed -n '2p;100001p;200001p' > "$T/got"
	printf '1,1.25,1\n100000,100000.25,0\n200000,200000.25,0\n' > "$T/want"
	cmp "$T/got" "$T/want"
}
