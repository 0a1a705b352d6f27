#!/bin/sh
# make-seeds.sh BIN — (re)write the seed corpora of fuzz-model and
# fuzz-roundtrip from the built programs in BIN: small valid models,
# checkpoints and parameters files, each also cut in half, cut one byte
# short and with one bit flipped (fixed offsets, so the files are the same
# every time).  The committed corpora came from this script.
set -eu
BIN=${1:?usage: make-seeds.sh BIN}
cd "$(dirname "$0")"
PATH="$BIN:$PATH"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
m=corpus/model r=corpus/roundtrip
mkdir -p $m $r
nn-import --label species -o "$t/iris.nns" ../../data/iris.csv
nn-train -q --layers 3 --epochs 1 --seed 1 --checkpoint $m/checkpoint -o $m/model "$t/iris.nns"
nn-train -q --layers none --epochs 1 --seed 1 --task regression --y petal_width --x sepal_length \
	-o $m/regression "$t/iris.nns" 2>/dev/null || true
nn-normalize -q --save $m/params-zscore -o /dev/null "$t/iris.nns"
nn-normalize -q --method minmax --save $m/params-minmax -o /dev/null "$t/iris.nns"
nn-clean -q --save $m/params-clean -o /dev/null "$t/iris.nns"
for f in $m/model $m/checkpoint $m/params-zscore $m/params-clean; do
	size=$(wc -c < "$f")
	head -c $((size / 2)) "$f" > "$f-half"
	head -c $((size - 1)) "$f" > "$f-short"
	python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 3] ^= 4; sys.stdout.buffer.write(b)' "$f" > "$f-flip"
done
# roundtrip: the first bytes choose the schema, the rest are row values
printf '\001\012\001\010\003' > $r/one-f32
printf '\003\310\002\000\002\003\001\011\000\002\004\002\001\003\003\001\002\004\000\001\001hello world' > $r/three-fields
printf '\000\377\003\002\003\004\005\001\000\001\002\005abc' > $r/many-rows
head -c 300 ../../data/iris.csv > $r/text
# the same as msgpack objects (fuzz-model compresses them itself)
for f in model checkpoint params-zscore params-clean; do
	zstd -q -dc $m/$f > $m/$f.mp
	python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 5] ^= 1; sys.stdout.buffer.write(b)' $m/$f.mp > $m/$f-flip.mp
done
