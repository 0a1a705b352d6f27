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
# a model that records its preparation chain and feature names
nn-clean -q --nonfinite median --drop-constant "$t/iris.nns" | nn-normalize -q -o "$t/prep.nns"
nn-train -q --layers 2 --epochs 1 --seed 1 -o $m/model-prep "$t/prep.nns"
zstd -q -dc $m/model-prep > $m/model-prep.mp
# models whose tensors are in chunks (nn-stream(5)): f32, and int8 weights
"$BIN/../tests/test-tensors" --seeds $m
mv $m/checkpoint-chunks corpus/checkpoint/checkpoint-chunks
zstd -q -dc corpus/checkpoint/checkpoint-chunks > corpus/checkpoint/checkpoint-chunks.mp
for f in $m/model $m/checkpoint $m/params-zscore $m/params-clean $m/model-chunks; do
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
for f in model checkpoint params-zscore params-clean model-chunks model-chunks-int8; do
	zstd -q -dc $m/$f > $m/$f.mp
	python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 5] ^= 1; sys.stdout.buffer.write(b)' $m/$f.mp > $m/$f-flip.mp
done
# partial: nn-eval --partial of each kind (three classes named, two
# classes with ROC AUC keys, regression, without probabilities, empty),
# whole, as msgpack, cut and bit-flipped
p=corpus/partial
mkdir -p $p
nn-eval -q --partial -m $m/model -o $p/three "$t/iris.nns"
printf 'q0,q1,pred\n0.875,0.125,0\n0.25,0.75,1\n0.5,0.5,0\n0.125,0.875,1\n' |
	nn-import -q --label pred --y pred --x proba -o "$t/p2.nns"
printf 'i,y\n0,0\n0,1\n0,1\n0,1\n' | nn-import -q --label y -o "$t/y2.nns"
nn-eval -q --partial --pred "$t/p2.nns" -o $p/two "$t/y2.nns"
printf 'i,pred\n0,a\n0,b\n0,b\n' | nn-import -q --label pred --y pred -o "$t/pn.nns"
printf 'i,y\n0,a\n0,b\n0,a\n' | nn-import -q --label y -o "$t/yn.nns"
nn-eval -q --partial --pred "$t/pn.nns" -o $p/no-proba "$t/yn.nns"
printf 'i,pred\n0,1e8\n0,2.5\n0,-1e8\n' | nn-import -q --label pred --y pred --task regression -o "$t/rp.nns"
printf 'i,y\n0,1e8\n0,0.3\n0,-1e8\n' | nn-import -q --label y --task regression -o "$t/ry.nns"
nn-eval -q --partial --pred "$t/rp.nns" -o $p/regression "$t/ry.nns"
nn-export --format csv "$t/pn.nns" | head -n 1 | nn-import -q --label pred --y pred -o "$t/p0.nns"
nn-export --format csv "$t/yn.nns" | head -n 1 | nn-import -q --label y -o "$t/y0.nns"
nn-eval -q --partial --pred "$t/p0.nns" -o $p/empty "$t/y0.nns"
for f in three two no-proba regression; do
	size=$(wc -c < $p/$f)
	head -c $((size / 2)) $p/$f > $p/$f-half
	zstd -q -dc $p/$f > $p/$f.mp
	python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 5] ^= 1; sys.stdout.buffer.write(b)' $p/$f.mp > $p/$f-flip.mp
done
