#!/bin/sh
# make-seeds-crypt.sh BIN — (re)write the seed corpus of fuzz-crypt from
# the built programs in BIN: small streams encrypted with fuzz-crypt.c's
# fixed key (bytes 1..32), whole, cut at fixed offsets, with one bit
# flipped, two concatenated; and plaintexts for its round trip.  The
# encryption's header is random, so the files differ on every run; the
# committed corpus came from this script.
set -eu
BIN=${1:?usage: make-seeds-crypt.sh BIN}
cd "$(dirname "$0")"
PATH="$BIN:$PATH"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
c=corpus/crypt
mkdir -p $c
printf 'nnpipe-key-1 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20\n' > "$t/key"
chmod 600 "$t/key"
export NN_KEY_FILE="$t/key"
nn-import --label species -o $c/iris ../../data/iris.csv
printf 'a,b\n1,2\n3,4\n' | nn-import --format csv -o $c/tiny
nn-normalize -q --save $c/params -o /dev/null $c/iris
size=$(wc -c < $c/iris)
for cut in 39 64 100 $((size - 22)) $((size - 1)); do
	head -c $cut $c/iris > $c/iris-cut$cut
done
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 3] ^= 4; sys.stdout.buffer.write(b)' $c/iris > $c/iris-flip
cat $c/tiny $c/tiny > $c/tiny-twice
cat $c/tiny $c/iris-cut100 > $c/tiny-then-cut
printf 'plain text for the round trip\n' > $c/plain-text
head -c 70000 ../../data/digits.csv > $c/plain-two-chunks
: > $c/plain-empty
