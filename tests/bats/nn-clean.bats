#!/usr/bin/env bats
# nn-clean: every policy and option against hand-computed values, the
# summary, --save/--load, bad inputs, determinism.

load helper

# x = [a, b, c] (f32), y = a float label.  Row 2 has a NaN feature, row 4
# a NaN label, row 5 repeats row 1, row 6 has an infinite feature.  Rows
# with a good label: 1 2 3 5 6, so column c's finite values are 5 7 5
# (mean 17/3, median 5) and a's are 1 2 3 1 100 (mean 21.4, std
# sqrt(1545.04)).  b is constant.
dirty() {
	printf 'a,b,c,label\n1,10,5,0.5\n2,10,NA,1.5\n3,10,7,0.5\n4,10,9,NA\n1,10,5,0.5\n100,10,inf,1.5\n' |
		nn-import --label label -o "$T/d.nns"
}

csv() { nn-export --format csv --no-header "$@"; }

@test "nn-clean: by default rows with a bad label or a non-finite feature are dropped, and counted" {
	dirty
	run --separate-stderr sh -c 'nn-clean "$1" | nn-export --no-header' sh "$T/d.nns"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' 1,10,5,0.5 3,10,7,0.5 1,10,5,0.5)" ]
	[ "$stderr" = "nn-clean: rows in 6, out 3; dropped 1 with a bad label, 2 with non-finite features, 0 duplicates; 0 values replaced, 0 clipped" ]
	run --separate-stderr sh -c 'nn-clean -q --nonfinite drop "$1" | nn-export --no-header' sh "$T/d.nns"
	[ "${#lines[@]}" -eq 3 ]
	[ -z "$stderr" ]
}

@test "nn-clean: --nonfinite mean, median, zero, value=V replace; keep keeps" {
	dirty
	[ "$(nn-clean -q --nonfinite mean "$T/d.nns" | csv)" = \
	  "$(printf '%s\n' 1,10,5,0.5 2,10,5.6666665,1.5 3,10,7,0.5 1,10,5,0.5 100,10,5.6666665,1.5)" ]
	[ "$(nn-clean -q --nonfinite median "$T/d.nns" | csv | cut -d, -f3 | paste -sd ' ')" = "5 5 7 5 5" ]
	[ "$(nn-clean -q --nonfinite zero "$T/d.nns" | csv | cut -d, -f3 | paste -sd ' ')" = "5 0 7 5 0" ]
	[ "$(nn-clean -q --nonfinite value=-1.5 "$T/d.nns" | csv | cut -d, -f3 | paste -sd ' ')" = "5 -1.5 7 5 -1.5" ]
	[ "$(nn-clean -q --nonfinite keep "$T/d.nns" | csv | cut -d, -f3 | paste -sd ' ')" = "5 nan 7 5 inf" ]
	run --separate-stderr sh -c 'nn-clean --nonfinite mean "$1" >/dev/null' sh "$T/d.nns"
	[ "$stderr" = "nn-clean: rows in 6, out 5; dropped 1 with a bad label, 0 with non-finite features, 0 duplicates; 2 values replaced, 0 clipped" ]
}

@test "nn-clean: --nonfinite fail and --bad-label fail stop at the first bad row" {
	dirty
	run --separate-stderr nn-clean --nonfinite fail -o "$T/out.nns" "$T/d.nns"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-clean: '$T/d.nns': row 2: x[2] is NaN" ]
	[ ! -e "$T/out.nns" ]
	no_temporaries "$T"
	run --separate-stderr nn-clean --nonfinite keep --bad-label fail -o "$T/out.nns" "$T/d.nns"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-clean: '$T/d.nns': row 4: label 'y' is not finite or not a class" ]
	[ ! -e "$T/out.nns" ]
}

@test "nn-clean: --dedup drops later copies of a row and says how many" {
	dirty
	run --separate-stderr sh -c 'nn-clean --dedup "$1" | nn-export --no-header' sh "$T/d.nns"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' 1,10,5,0.5 3,10,7,0.5)" ]
	[ "$stderr" = "nn-clean: rows in 6, out 2; dropped 1 with a bad label, 2 with non-finite features, 1 duplicates; 0 values replaced, 0 clipped" ]
	# the label counts: same features, another label is not a duplicate
	printf 'a,t\n1,0.5\n1,1.5\n1,0.5\n2,0.5\n1,1.5\n' | nn-import --label t -o "$T/l.nns"
	[ "$(nn-clean -q --dedup "$T/l.nns" | csv | paste -sd ' ')" = "1,0.5 1,1.5 2,0.5" ]
	# from a pipe, with NaN features kept (same bytes: duplicates)
	run --separate-stderr sh -c 'nn-clean --dedup --nonfinite keep - < "$1" | nn-export --no-header' sh "$T/d.nns"
	[ "${#lines[@]}" -eq 4 ]
	[[ "$stderr" == *", 1 duplicates;"* ]]
}

@test "nn-clean: --drop-constant drops zero-variance columns, names them, keeps feature names" {
	dirty
	run --separate-stderr sh -c 'nn-clean --drop-constant "$1" | nn-export' sh "$T/d.nns"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' a,c,label 1,5,0.5 3,7,0.5 1,5,0.5)" ]
	[[ "$stderr" == *$'\nnn-clean: dropped 1 constant feature columns: 1 (b)' ]]
	nn-clean -q --drop-constant -o "$T/c.nns" "$T/d.nns"
	[[ "$(nn-info "$T/c.nns")" == *$'\nfield\tx\tf32\t[2]\n'* ]]
	# every column constant: nothing left is an error
	printf 'a,b\n1,2\n1,2\n' | nn-import -o "$T/k.nns"
	run --separate-stderr nn-clean --drop-constant "$T/k.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"every feature column is constant"* ]]
	# only a flat feature vector
	python3 "$DATA/import/mkbin.py" idx "$T/img.idx" u8 3,2,2
	nn-import "$T/img.idx" -o "$T/u8.nns"
	run --separate-stderr nn-clean --drop-constant "$T/u8.nns"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-clean: '$T/u8.nns': --drop-constant needs a flat feature vector; 'x' has 2 dimensions" ]
}

@test "nn-clean: --clip-sigma clips to mean ± S std; NaN stays, inf is clipped" {
	dirty
	run --separate-stderr sh -c 'nn-clean --nonfinite keep --clip-sigma 1 "$1" | nn-export --no-header' sh "$T/d.nns"
	[ "$status" -eq 0 ]
	# a: 21.4 + 39.306997 = 60.706997; c: 17/3 + sqrt(8/9) = 6.6094756
	[ "$output" = "$(printf '%s\n' 1,10,5,0.5 2,10,nan,1.5 3,10,6.6094756,0.5 1,10,5,0.5 60.706997,10,6.6094756,1.5)" ]
	[[ "$stderr" == *"0 values replaced, 3 clipped" ]]
	# integers: bounds rounded inwards.  Each element is c, c + 4, c + 8:
	# mean c + 4, std 3.27, so [c + 0.73, c + 7.27] -> [c + 1, c + 7]
	python3 "$DATA/import/mkbin.py" idx "$T/img.idx" u8 3,2,2
	nn-import "$T/img.idx" -o "$T/u8.nns"
	[ "$(nn-clean -q --clip-sigma 1 "$T/u8.nns" | csv | paste -sd ' ')" = "1,2,3,4 4,5,6,7 7,8,9,10" ]
	[[ "$(nn-clean -q --clip-sigma 1 "$T/u8.nns" | nn-info)" == *$'\nfield\tx\tu8\t[2,2]\n'* ]]
}

@test "nn-clean: --save fits, --load cleans another set with those numbers" {
	dirty
	nn-clean -q --nonfinite median --save "$T/p.nns" -o "$T/train.nns" "$T/d.nns"
	run --separate-stderr nn-info "$T/p.nns"
	[[ "$output" == *$'\nkind\tparams\n'* ]]
	[[ "$output" == *'"program": "nn-clean", "method": "clean", "field": "x", "dtype": "f32", "shape": [3], "rows": 6, "names": ["a", "b", "c"], "options": {"nonfinite": "median"}}'* ]]
	[[ "$output" == *$'\nfield\tmean\tf64\t[3]\nfield\tstd\tf64\t[3]\nfield\tmedian\tf64\t[3]\n'* ]]
	# mean, std, median of a b c over the rows with a good label
	[ "$(csv "$T/p.nns")" = "21.4,10,5.666666666666667,39.3069968326251,0,0.9428090415820634,2,10,5" ]
	printf 'a,b,c,label\nNA,11,NA,1\n500,12,5,2\n' | nn-import --label label -o "$T/t.nns"
	[ "$(nn-clean -q --load "$T/p.nns" --nonfinite median "$T/t.nns" | csv | paste -sd ' ')" = "2,11,5,1 500,12,5,2" ]
	# the file's settings apply without repeating them
	[ "$(nn-clean -q --load "$T/p.nns" "$T/t.nns" | csv | paste -sd ' ')" = "2,11,5,1 500,12,5,2" ]
	# 21.4 + 2 * 39.3069968 = 100.0139937; b's std is 0: clipped to 10
	nn-clean -q --nonfinite mean --clip-sigma 2 --save "$T/p2.nns" -o /dev/null "$T/d.nns"
	[ "$(nn-clean -q --load "$T/p2.nns" "$T/t.nns" | csv | paste -sd ' ')" = "21.4,10,5.6666665,1 100.01399,10,5,2" ]
	# the training set's constant column goes, though b varies here
	nn-clean -q --nonfinite zero --drop-constant --save "$T/p3.nns" -o /dev/null "$T/d.nns"
	[ "$(nn-clean -q --load "$T/p3.nns" --nonfinite zero --drop-constant "$T/t.nns" | csv | paste -sd ' ')" = "0,0,1 500,5,2" ]
}

@test "nn-clean: --load refuses settings other than those the file was fitted with" {
	dirty
	nn-clean -q --nonfinite mean --clip-sigma 2 --save "$T/p.nns" -o /dev/null "$T/d.nns"
	for opts in "--nonfinite median" "--nonfinite value=1" "--clip-sigma 3" "--drop-constant"; do
		run --separate-stderr nn-clean $opts --load "$T/p.nns" -o "$T/out.nns" "$T/d.nns"
		[ "$status" -eq 2 ] || fail "$opts: $status"
		[[ "$stderr" == "nn-clean: --load: '$T/p.nns' was fitted with --nonfinite mean --clip-sigma 2; leave these settings out (the file's apply) or fit again with --save"* ]] || fail "$stderr"
		[ ! -e "$T/out.nns" ]
	done
	# the same settings typed again are accepted
	nn-clean -q --nonfinite mean --clip-sigma 2 --load "$T/p.nns" -o "$T/out.nns" "$T/d.nns"
	[ "$(csv "$T/out.nns")" = "$(nn-clean -q --load "$T/p.nns" "$T/d.nns" | csv)" ]
}

@test "nn-clean: --load refuses another kind, another program, another shape, another policy" {
	dirty
	run --separate-stderr nn-clean --load "$T/d.nns" "$T/d.nns"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-clean: '$T/d.nns': a stream of kind 'data', not fitted parameters" ]
	nn-normalize -q --save "$T/n.nns" "$DATA/bad/good.nns" >/dev/null
	run --separate-stderr nn-clean --load "$T/n.nns" "$T/d.nns"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-clean: '$T/n.nns': parameters of nn-normalize, not of nn-clean" ]
	nn-clean -q --save "$T/p.nns" "$DATA/bad/good.nns" >/dev/null
	run --separate-stderr nn-clean --load "$T/p.nns" -o "$T/out.nns" "$T/d.nns"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-clean: '$T/d.nns': field 'x' has another shape than the 2 features the parameters in '$T/p.nns' were fitted on" ]
	[ ! -e "$T/out.nns" ]
	nn-clean -q --save "$T/q.nns" "$T/d.nns" >/dev/null
	run --separate-stderr nn-clean --load "$T/q.nns" --nonfinite median "$T/d.nns"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"was fitted with --nonfinite drop"* ]]
}

@test "nn-clean: --x and --y name the fields; a missing one is an error" {
	printf 'a,b,t\n1,NA,NA\n3,6,0.5\n' | nn-import --label t --x feat --y target -o "$T/n.nns"
	[ "$(nn-clean -q --x feat --y target --nonfinite zero "$T/n.nns" | csv | paste -sd ' ')" = "3,6,0.5" ]
	# without a label field (y absent), only the features are checked
	[ "$(nn-clean -q --x feat --nonfinite zero "$T/n.nns" | csv | paste -sd ' ')" = "1,0,nan 3,6,0.5" ]
	run --separate-stderr nn-clean "$T/n.nns"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-clean: '$T/n.nns': no field 'x' (choose one with --x)" ]
	run --separate-stderr nn-clean --x feat --y nope "$T/n.nns"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-clean: '$T/n.nns': no field 'nope' (choose one with --y)" ]
}

@test "nn-clean: usage errors exit 2" {
	dirty
	for args in "--nonfinite bogus" "--nonfinite value=x" "--nonfinite value=nan" "--bad-label keep" \
	            "--clip-sigma -1" "--clip-sigma x" "--load $T/d.nns --save $T/p.nns"; do
		run --separate-stderr nn-clean $args "$T/d.nns"
		[ "$status" -eq 2 ] || fail "$args: status $status"
		[ -z "$output" ]
		[[ "$stderr" == "nn-clean: "* ]]
	done
}

@test "nn-clean: bad streams exit 1 naming the file, and leave no output" {
	for opts in "" "--nonfinite mean" "--dedup" "--nonfinite median --save $T/p.nns"; do
		for f in empty cut-mid-frame cut-at-frame bit-flip trailer-count; do
			run --separate-stderr nn-clean $opts -o "$T/out.nns" "$DATA/bad/$f.nns"
			[ "$status" -eq 1 ] || fail "$opts $f: status $status"
			[[ "$stderr" == "nn-clean: '$DATA/bad/$f.nns': "* ]] || fail "$opts $f: $stderr"
			[ ! -e "$T/out.nns" ]
			[ ! -e "$T/p.nns" ]
			no_temporaries "$T"
		done
	done
	printf 'a,b\n' | nn-import -o "$T/zero.nns"
	run --separate-stderr nn-clean --nonfinite mean "$T/zero.nns"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-clean: '$T/zero.nns': no rows to fit on" ]
	[ "$(nn-clean -q "$T/zero.nns" | nn-info --verify)" = "OK rows=0 members=1" ]
}

@test "nn-clean: the same input and options give the same bytes" {
	dirty
	for opts in "" "--nonfinite median --clip-sigma 1" "--dedup --nonfinite keep" "--drop-constant"; do
		nn-clean -q $opts -o "$T/a.nns" "$T/d.nns"
		nn-clean -q $opts -o "$T/b.nns" "$T/d.nns"
		cmp "$T/a.nns" "$T/b.nns"
		nn-clean -q $opts - < "$T/d.nns" > "$T/c.nns"
		[ "$(csv "$T/a.nns")" = "$(csv "$T/c.nns")" ]
	done
}

@test "nn-clean: --threads N gives the same data for any N" {
	seq 1 20000 | awk 'BEGIN { print "a,b,c,d" } { print $1, $1 % 7 ? $1 : "nan", -$1 / 3, $1 % 2 }' OFS=, | nn-import -o "$T/in.nns"
	nn-clean -q -o "$T/one.nns" "$T/in.nns"
	[ "$(nn-info "$T/one.nns" | awk '$1 == "rows" { print $2 }')" -eq 17143 ]
	for n in 2 3; do
		nn-clean -q --threads $n "$T/in.nns" | nn-export | cmp - <(nn-export "$T/one.nns")
	done
}
