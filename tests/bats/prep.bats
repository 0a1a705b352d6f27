#!/usr/bin/env bats
# The preparation chain (nn-stream(5) PREPARATION CHAIN): a model applies
# its own preparation to raw rows, maps columns by name, and refuses rows
# prepared any other way.  Each trap of issue 16 gives the right answer or
# exit 1 with a message, never a wrong answer with exit 0.

load helper

WINE="$ROOT/data/wine.csv"

# Once for the file: wine imported, cleaned (median fill, saved), split,
# z-scored (saved), a small model; the test rows raw as CSV.
setup_file() {
	local F="$BATS_FILE_TMPDIR"
	export PATH="${NN_BUILD:-$BATS_TEST_DIRNAME/../../build}/bin:$PATH"
	nn-import -q --label class -o "$F/wine.nns" "$BATS_TEST_DIRNAME/../../data/wine.csv"
	nn-split -q --test-size 0.25 --stratify --seed 3 --train "$F/tr0.nns" --test "$F/te0.nns" "$F/wine.nns"
	nn-clean -q --nonfinite median --save "$F/clean.nns" -o "$F/tr1.nns" "$F/tr0.nns"
	nn-normalize -q --save "$F/z.nns" -o "$F/tr.nns" "$F/tr1.nns"
	nn-train -q --layers 8 --epochs 30 --seed 1 --threads 1 -o "$F/model.nnm" "$F/tr.nns"
	nn-export -o "$F/raw.csv" "$F/te0.nns"
	# the prepared path: the training run's parameters, loaded
	nn-clean -q --nonfinite median --load "$F/clean.nns" "$F/te0.nns" |
		nn-normalize -q --load "$F/z.nns" -o "$F/te.nns"
	nn-predict -m "$F/model.nnm" --proba "$F/te.nns" | nn-export -o "$F/want.csv"
}

# The predictions (class and probabilities) of the stream or CSV rows $1.
scored() {
	nn-predict -m "$BATS_FILE_TMPDIR/model.nnm" --proba "$@" | nn-export
}

# refused CMD...: exit 1, a message, nothing on stdout.
refused() {
	run --separate-stderr "$@"
	[ "$status" -eq 1 ] || fail "exit $status: $stderr"
	[ -z "$output" ]
	[ -n "$stderr" ]
}

@test "prep: raw rows scored by the model alone equal the prepared path, byte for byte" {
	F="$BATS_FILE_TMPDIR"
	[ "$(wc -l < "$F/want.csv")" -eq 46 ]
	nn-import -q --label class "$F/raw.csv" | scored > "$T/raw.csv"
	cmp "$F/want.csv" "$T/raw.csv"
	# the same through nn-eval: the same report
	nn-import -q --label class "$F/raw.csv" | nn-eval -m "$F/model.nnm" --json > "$T/a.json"
	nn-eval -m "$F/model.nnm" --json "$F/te.nns" > "$T/b.json"
	cmp "$T/a.json" "$T/b.json"
	# the model records its chain: two steps, by value
	run nn-info "$F/model.nnm"
	[[ "$output" == *'"preparation": [{"program": "nn-clean", "field": "x", "columns": 13, "names": ["alcohol",'* ]]
	[[ "$output" == *'{"program": "nn-normalize", "field": "x", "columns": 13,'*'"method": "zscore", "offset": ['* ]]
}

@test "prep: columns in another order are mapped by name (same predictions); missing or extra ones are named" {
	F="$BATS_FILE_TMPDIR"
	# the columns reversed, label first
	awk -F, -v OFS=, '{ s = $NF; for (i = NF - 1; i >= 1; i--) s = s OFS $i; print s }' "$F/raw.csv" > "$T/rev.csv"
	[ "$(head -c 12 "$T/rev.csv")" = "class,prolin" ]
	nn-import -q --label class "$T/rev.csv" | scored > "$T/rev.out"
	cmp "$F/want.csv" "$T/rev.out"
	# a column missing, another added
	cut -d, -f2- "$F/raw.csv" | sed '1s/^/extra,/; 2,$s/^/1,/' > "$T/odd.csv"
	nn-import -q --label class -o "$T/odd.nns" "$T/odd.csv"
	refused nn-predict -m "$F/model.nnm" "$T/odd.nns"
	[ "$stderr" = "nn-predict: '$T/odd.nns': field 'x' does not have the model's columns: 1 column(s) missing: 'alcohol'; 1 not expected: 'extra'" ]
	refused nn-eval -m "$F/model.nnm" "$T/odd.nns"
	[[ "$stderr" == *"1 column(s) missing: 'alcohol'; 1 not expected: 'extra'" ]]
}

@test "prep: rows without nn-normalize --load are normalized by the model (the right answer)" {
	F="$BATS_FILE_TMPDIR"
	nn-clean -q --nonfinite median --load "$F/clean.nns" -o "$T/half.nns" "$F/te0.nns"
	scored "$T/half.nns" > "$T/half.out"
	cmp "$F/want.csv" "$T/half.out"
}

@test "prep: rows scaled with their own fit, or another method, are refused naming the step" {
	F="$BATS_FILE_TMPDIR"
	nn-clean -q --nonfinite median --load "$F/clean.nns" -o "$T/half.nns" "$F/te0.nns"
	nn-normalize -q -o "$T/own.nns" "$T/half.nns"
	refused nn-predict -m "$F/model.nnm" -o "$T/p.nns" "$T/own.nns"
	[[ "$stderr" == "nn-predict: '$T/own.nns': step 2 of the rows' preparation (nn-normalize --method zscore) is not the model's (nn-normalize --method zscore): other offsets or scales (first at column 1): fitted on other rows; prepare the rows with the training run's parameters (--load)"* ]]
	[ ! -e "$T/p.nns" ]
	no_temporaries "$T"
	nn-normalize -q -m minmax -o "$T/mm.nns" "$T/half.nns"
	refused nn-predict -m "$F/model.nnm" "$T/mm.nns"
	[[ "$stderr" == *"step 2 of the rows' preparation (nn-normalize --method minmax) is not the model's (nn-normalize --method zscore): method minmax in place of zscore;"* ]]
	refused nn-eval -m "$F/model.nnm" "$T/mm.nns"
	[[ "$stderr" == *"method minmax in place of zscore;"* ]]
	# scaled twice
	nn-normalize -q --load "$F/z.nns" -o "$T/twice.nns" "$F/te.nns"
	refused nn-predict -m "$F/model.nnm" "$T/twice.nns"
	[[ "$stderr" == *"the rows went through step 3 (nn-normalize --method zscore), which the model's training rows did not"* ]]
	# cleaned another way (no fill where the model fills)
	nn-clean -q -o "$T/drop.nns" "$F/te0.nns"
	refused nn-predict -m "$F/model.nnm" "$T/drop.nns"
	[[ "$stderr" == *"step 1 of the rows' preparation (nn-clean --nonfinite drop) is not the model's (nn-clean --nonfinite median): no fill in place of a fill;"* ]]
}

@test "prep: a NaN row is filled by the model's chain, never dropped; without a fill it is refused with its number" {
	F="$BATS_FILE_TMPDIR"
	# row 3's alcohol missing: the model fills the training median
	awk -F, -v OFS=, 'NR == 4 { $1 = "" } { print }' "$F/raw.csv" > "$T/nan.csv"
	nn-import -q --label class "$T/nan.csv" | scored > "$T/nan.out"
	[ "$(wc -l < "$T/nan.out")" -eq 46 ]
	med=$(nn-export --format csv "$F/clean.nns" |
		awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "median_0") c = i } NR == 2 { print $c }')
	[ -n "$med" ]
	awk -F, -v OFS=, -v m="$med" 'NR == 4 { $1 = m } { print }' "$F/raw.csv" > "$T/filled.csv"
	nn-import -q --label class "$T/filled.csv" | scored > "$T/filled.out"
	cmp "$T/nan.out" "$T/filled.out"
	# a model whose nn-clean dropped such rows has no fill: row 3 is refused
	nn-clean -q -o "$T/tr1.nns" "$F/tr0.nns"
	nn-normalize -q -o "$T/tr.nns" "$T/tr1.nns"
	nn-train -q --layers 4 --epochs 2 --seed 1 --threads 1 -o "$T/drop.nnm" "$T/tr.nns"
	nn-import -q --label class -o "$T/nan.nns" "$T/nan.csv"
	refused nn-predict -m "$T/drop.nnm" -o "$T/p.nns" "$T/nan.nns"
	[[ "$stderr" == "nn-predict: '$T/nan.nns': field 'x': row 3: column 'alcohol' is NaN and the model's preparation has no fill for it"*"no row is left out here"* ]]
	[ ! -e "$T/p.nns" ]
	refused nn-eval -m "$T/drop.nnm" "$T/nan.nns"
	[[ "$stderr" == *"row 3: column 'alcohol' is NaN"* ]]
}

@test "prep: nn-clean --load drops the constant column by name on reordered input" {
	printf 'a,k,b,y\n1,7,2,0\n2,7,1,1\n3,7,5,0\n4,7,3,1\n' | nn-import -q --label y -o "$T/tr.nns"
	nn-clean -q --drop-constant --save "$T/c.nns" -o "$T/tr2.nns" "$T/tr.nns"
	[[ "$(nn-info "$T/tr2.nns")" == *'"feature_names": ["a", "b"]'* ]]
	# new rows, columns in another order: k is still the one dropped
	printf 'b,a,k,y\n9,8,7,0\n6,5,7,1\n' | nn-import -q --label y -o "$T/new.nns"
	run --separate-stderr sh -c 'nn-clean --drop-constant --load "$1" "$2" | nn-export' sh "$T/c.nns" "$T/new.nns"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' a,b,y 8,9,0 5,6,1)" ]
	[[ "$stderr" == *"dropped 1 constant feature columns: 1 (k)"* ]]
	# a column the parameters do not know is refused, named
	printf 'a,k,c,y\n1,7,2,0\n' | nn-import -q --label y -o "$T/other.nns"
	refused nn-clean --load "$T/c.nns" "$T/other.nns"
	[ "$stderr" = "nn-clean: '$T/other.nns': the columns of field 'x' are not those the parameters in '$T/c.nns' were fitted on: 1 column(s) missing: 'b'; 1 not expected: 'c'" ]
}

@test "prep: nn-normalize --load maps columns by name and writes them in the fitted order" {
	printf 'a,b,y\n1,10,0\n3,30,1\n' | nn-import -q --label y -o "$T/tr.nns"
	nn-normalize -q --save "$T/z.nns" -o "$T/trz.nns" "$T/tr.nns"
	printf 'b,a,y\n10,1,0\n30,3,1\n' | nn-import -q --label y -o "$T/rev.nns"
	[ "$(nn-normalize -q --load "$T/z.nns" "$T/rev.nns" | nn-export)" = "$(nn-export "$T/trz.nns")" ]
	# the chains are the same: a model takes either
	nn-normalize -q --load "$T/z.nns" -o "$T/revz.nns" "$T/rev.nns"
	[ "$(nn-info "$T/revz.nns" | grep '^meta')" = "$(nn-info "$T/trz.nns" | grep '^meta')" ]
}

# damage FILE FROM TO OUT: OUT is FILE (one member) with every FROM in its
# header object replaced by TO, of the same length, so that the msgpack
# stays well formed and only the meaning changes (x:HEX gives bytes in
# hexadecimal); the header frame and the
# trailer (its crc32) are written again with zstd(1).
damage() {
	python3 - "$@" <<'PY'
import subprocess, sys, zlib
def arg(t):
    return bytes.fromhex(t[2:]) if t.startswith('x:') else t.encode()
src, a, b, out = sys.argv[1], arg(sys.argv[2]), arg(sys.argv[3]), sys.argv[4]
data = open(src, 'rb').read()
def frame_end(pos):
    fhd = data[pos + 4]
    pos += 5 + (0 if fhd & 0x20 else 1) + [0, 1, 2, 4][fhd & 3]
    pos += [1 if fhd & 0x20 else 0, 2, 4, 8][fhd >> 6]
    while True:
        h = int.from_bytes(data[pos:pos + 3], 'little')
        pos += 3 + (1 if (h >> 1) & 3 == 1 else h >> 3)
        if h & 1:
            return pos + (4 if fhd & 4 else 0)
frames, pos = [], 0
while pos < len(data):
    end = frame_end(pos)
    frames.append(data[pos:end])
    pos = end
def unz(f):
    return subprocess.run(['zstd', '-dcq'], input=f, capture_output=True, check=True).stdout
def z(obj):
    open(out + '.obj', 'wb').write(obj)
    return subprocess.run(['zstd', '-qc', '--check', out + '.obj'], capture_output=True, check=True).stdout
head = unz(frames[0])
assert a in head and len(a) == len(b)
frames[0] = z(head.replace(a, b))
body = b''.join(frames[:-1])
trailer = unz(frames[-1])
k = trailer.index(b'\xa5crc32') + 6
n = {0xce: 5, 0xcd: 3, 0xcc: 2}.get(trailer[k], 1)
trailer = trailer[:k] + b'\xce' + zlib.crc32(body).to_bytes(4, 'big') + trailer[k + n:]
open(out, 'wb').write(body + z(trailer))
PY
}

@test "prep: a damaged chain in a header is refused by every program that reads it" {
	F="$BATS_FILE_TMPDIR"
	damage "$F/te.nns" offset offseT "$T/bad.nns"
	refused nn-predict -m "$F/model.nnm" "$T/bad.nns"
	[ "$stderr" = "nn-predict: '$T/bad.nns': preparation: step 2: offset and scale do not fit the method" ]
	refused nn-eval -m "$F/model.nnm" "$T/bad.nns"
	refused nn-normalize --load "$F/z.nns" "$T/bad.nns"
	[[ "$stderr" == *"preparation: step 2: offset and scale do not fit the method" ]]
	refused nn-clean "$T/bad.nns"
	# in a model: refused when it is read
	damage "$F/model.nnm" columns columnZ "$T/bad.nnm"
	refused nn-predict -m "$T/bad.nnm" "$F/te.nns"
	[[ "$stderr" == "nn-predict: '$T/bad.nnm': preparation: step 1: a step lacks program, field or columns" ]]
}

@test "prep: a model that records no chain (made before models did) still works, with a note" {
	F="$BATS_FILE_TMPDIR"
	damage "$F/model.nnm" preparation preparatioX "$T/old.nnm"
	run --separate-stderr sh -c 'nn-predict -m "$1" --proba "$2" | nn-export' sh "$T/old.nnm" "$F/te.nns"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$F/want.csv")" ]
	[ "$stderr" = "nn-predict: '$T/old.nnm' records no preparation (made before models did): the rows are taken as they are" ]
	run --separate-stderr nn-predict -q -m "$T/old.nnm" -o "$T/p.nns" "$F/te.nns"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "prep: a softmax over one output is refused when the model is read" {
	F="$BATS_FILE_TMPDIR"
	printf 'a,y\n1,0\n2,1\n3,0\n4,1\n' | nn-import -q --label y -o "$T/bin.nns"
	nn-train -q --layers none --epochs 1 --seed 1 --threads 1 -o "$T/sig.nnm" "$T/bin.nns"
	[[ "$(nn-info "$T/sig.nnm")" == *'"output": "sigmoid"'* ]]
	damage "$T/sig.nnm" sigmoid softmax "$T/soft.nnm"
	refused nn-predict -m "$T/soft.nnm" "$T/bin.nns"
	[[ "$stderr" == "nn-predict: '$T/soft.nnm': a softmax over one output gives probability 1 to every row"* ]]
	refused nn-eval -m "$T/soft.nnm" "$T/bin.nns"
	[[ "$stderr" == *"a softmax over one output"* ]]
}

@test "prep: the format version is an unsigned integer, 1; anything else is refused saying so" {
	F="$BATS_FILE_TMPDIR"
	# "version" 1 becomes 2, then -1 (a negative fixint)
	damage "$F/te.nns" x:a776657273696f6e01 x:a776657273696f6e02 "$T/v2.nns"
	refused nn-info "$T/v2.nns"
	[ "$stderr" = "nn-info: '$T/v2.nns': stream format version 2; this nnpipe reads version 1" ]
	damage "$F/te.nns" x:a776657273696f6e01 x:a776657273696f6eff "$T/v-1.nns"
	refused nn-info "$T/v-1.nns"
	[ "$stderr" = "nn-info: '$T/v-1.nns': stream format version is not an unsigned integer; this nnpipe reads version 1" ]
}
