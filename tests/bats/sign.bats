#!/usr/bin/env bats
# --sign-key / NN_SIGN_KEY and --trust / NN_TRUST: signed models,
# checkpoints and parameters (nn-stream(5), SIGNATURES), nn-keygen --sign.
# Every unsigned, untrusted or damaged file read with --trust exits 1
# naming the file, and leaves no output.
load helper

# $T/a.{key,pub}, $T/b.{key,pub}: two pairs; $T/d.nns: iris;
# $T/m.nnm: a model signed by a; $T/u.nnm: the same model unsigned.
# Made once per file, copied into each test's folder (modes kept).
setup_file() {
	local F="$BATS_FILE_TMPDIR/fixtures"
	mkdir "$F"
	nn-keygen -q --sign -o "$F/a"
	nn-keygen -q --sign -o "$F/b"
	nn-import --label species -o "$F/d.nns" "$ROOT/data/iris.csv"
	nn-train -q --layers 8 --epochs 2 --sign-key "$F/a.key" -o "$F/m.nnm" "$F/d.nns"
	nn-train -q --layers 8 --epochs 2 -o "$F/u.nnm" "$F/d.nns"
}

setup() {
	T="$BATS_TEST_TMPDIR"
	cp -p "$BATS_FILE_TMPDIR"/fixtures/* "$T"/
}

# refused1 FILE: nn-predict --trust a.pub refuses FILE, status 1, naming
# it; no output (the sweeps: one program per case).
refused1() {
	run --separate-stderr nn-predict --trust "$T/a.pub" -m "$1" -o "$T/out.nns" "$T/d.nns"
	[ "$status" -eq 1 ] || fail "nn-predict accepted $1: $stderr"
	[[ "$stderr" == *"'$1': "* ]] || fail "nn-predict: $stderr"
	[ ! -e "$T/out.nns" ]
}

# refused FILE WHAT [ENV...]: nn-predict and nn-eval with --trust a.pub
# refuse FILE, status 1, naming it, the message holding WHAT; no output.
refused() {
	local f=$1 what=$2
	shift 2
	run --separate-stderr env "$@" nn-predict --trust "$T/a.pub" -m "$f" -o "$T/out.nns" "$T/d.nns"
	[ "$status" -eq 1 ] || fail "nn-predict accepted $f: $stderr"
	[[ "$stderr" == *"'$f': "*"$what"* ]] || fail "nn-predict: $stderr"
	[ ! -e "$T/out.nns" ]
	no_temporaries "$T"
	run --separate-stderr env "$@" nn-eval --trust "$T/a.pub" -m "$f" -o "$T/out.txt" "$T/d.nns"
	[ "$status" -eq 1 ] || fail "nn-eval accepted $f"
	[[ "$stderr" == *"'$f': "* ]] || fail "nn-eval: $stderr"
	[ ! -e "$T/out.txt" ]
}

# trailer FILE: the offset of FILE's last zstd frame (the trailer's),
# found by walking the frames (RFC 8878), not by decoding them.
trailer() {
	/usr/bin/python3 - "$1" <<'PY'
import sys
b, pos, start = open(sys.argv[1], 'rb').read(), 0, 0
while pos < len(b):
    start = pos
    assert b[pos:pos + 4] == b'\x28\xb5\x2f\xfd'
    fhd = b[pos + 4]
    pos += 5 + (0 if fhd & 0x20 else 1) + [0, 1, 2, 4][fhd & 3]
    pos += [1 if fhd & 0x20 else 0, 2, 4, 8][fhd >> 6]
    while True:
        h = int.from_bytes(b[pos:pos + 3], 'little')
        pos += 3 + (1 if (h >> 1) & 3 == 1 else h >> 3)
        if h & 1:
            break
    pos += 4 if fhd & 4 else 0
print(start)
PY
}

@test "sign: nn-keygen --sign makes NAME.key 0600 and NAME.pub 0644, never over them" {
	[ "$(stat -c %a "$T/a.key")" = 600 ]
	[ "$(stat -c %a "$T/a.pub")" = 644 ]
	grep -q '^nnpipe-sign-pub-1 [0-9a-f]\{64\}$' "$T/a.pub"
	run --separate-stderr nn-keygen --sign -o "$T/a"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"exists"* ]]
	rm "$T/b.key"
	run --separate-stderr nn-keygen --sign -o "$T/b"
	[ "$status" -eq 1 ]
	[ ! -e "$T/b.key" ]
}

@test "sign: a signed model verifies with --trust, NN_TRUST and a folder; nn-info says who signed" {
	nn-predict --trust "$T/a.pub" -m "$T/m.nnm" "$T/d.nns" | nn-export --format csv -o "$T/p1.csv"
	nn-predict -m "$T/u.nnm" "$T/d.nns" | nn-export --format csv -o "$T/p2.csv"
	cmp "$T/p1.csv" "$T/p2.csv"
	NN_TRUST="$T/a.pub" nn-eval -q -m "$T/m.nnm" -o /dev/null "$T/d.nns"
	mkdir -m 755 "$T/trusted"
	cp "$T/a.pub" "$T/b.pub" "$T/trusted/"
	nn-eval --trust "$T/trusted" -m "$T/m.nnm" -o /dev/null "$T/d.nns"
	id=$(/usr/bin/python3 -c "
import hashlib,sys; p=bytes.fromhex(open(sys.argv[1]).read().split()[1])
print(hashlib.blake2b(p, digest_size=8).hexdigest())" "$T/a.pub")
	run nn-info --trust "$T/a.pub" "$T/m.nnm"
	[ "$status" -eq 0 ]
	[[ "$output" == *"signature	signed by $id: verified with --trust $T/a.pub"* ]] || fail "$output"
	run nn-info "$T/m.nnm"
	[[ "$output" == *"signature	signed by $id (no --trust given: not checked)"* ]] || fail "$output"
	run nn-info "$T/u.nnm"
	[[ "$output" == *"signature	unsigned"* ]] || fail "$output"
	run nn-info --json "$T/m.nnm"
	[[ "$output" == *"\"signer\": \"$id\", \"signature\": \"verifies\""* ]] || fail "$output"
	run nn-info "$T/d.nns"
	[[ "$output" != *signature* ]]
	# the signature adds to the trailer only; provenance leaves it out
	off=$(trailer "$T/m.nnm")
	cmp -n "$off" "$T/m.nnm" "$T/u.nnm"
}

@test "sign: an outside reader verifies the signature from nn-stream(5) (hashlib, PyNaCl)" {
	/usr/bin/python3 -c 'import nacl' 2>/dev/null || skip "no PyNaCl"
	off=$(trailer "$T/m.nnm")
	tail -c +$((off + 1)) "$T/m.nnm" | zstd -dcq > "$T/trailer"
	/usr/bin/python3 - "$T/m.nnm" "$off" "$T/trailer" "$T/a.pub" <<'PY'
import hashlib, sys
from nacl.signing import VerifyKey
b, off, t = open(sys.argv[1], 'rb').read(), int(sys.argv[2]), open(sys.argv[3], 'rb').read()
pub = t[t.index(b'\xa6signer\xc4\x20') + 9:][:32]
sig = t[t.index(b'\xa9signature\xc4\x40') + 12:][:64]
assert pub.hex() == open(sys.argv[4]).read().split()[1]
msg = b'nnpipe signature 1\n' + hashlib.sha512(b[:off]).digest()
VerifyKey(pub).verify(msg, sig)
PY
}

@test "sign: unsigned and other-key models are refused with --trust, naming the file" {
	refused "$T/u.nnm" "not signed"
	nn-train -q --layers 8 --epochs 2 --sign-key "$T/b.key" -o "$T/mb.nnm" "$T/d.nns"
	refused "$T/mb.nnm" "does not hold"
	refused "$T/mb.nnm" "does not hold" NN_TRUST="$T/b.pub"   # --trust wins over NN_TRUST
	run --separate-stderr nn-info --trust "$T/a.pub" "$T/u.nnm"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"not signed"* ]]
}

@test "sign: a flipped bit anywhere, a cut, a signature moved to another model: refused" {
	size=$(stat -c %s "$T/m.nnm")
	off=$(trailer "$T/m.nnm")
	# the signature's bytes (the trailer's last 64), the body, the trailer
	flips=$(sampled 16 $(seq $((size - 64)) $((size - 1))); sampled 97 $(seq 0 $((off - 1)))
		sampled 15 $(seq "$off" $((size - 65))))
	# the copies tried, each with bit I % 8 of byte I flipped
	python3 - "$T/m.nnm" "$T" $flips <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
for i in map(int, sys.argv[3:]):
    c = bytearray(b)
    c[i] ^= 1 << (i % 8)
    open('%s/flip-%d.nnm' % (sys.argv[2], i), 'wb').write(c)
PY
	for i in $flips; do
		refused1 "$T/flip-$i.nnm"
	done
	for cut in $(sampled 61 $(seq 0 $((size - 1)))); do
		head -c "$cut" "$T/m.nnm" > "$T/cut.nnm"
		refused1 "$T/cut.nnm"
	done
	# m's trailer (signature and all) on another model signed by the same key
	nn-train -q --layers 8 --epochs 3 --sign-key "$T/a.key" -o "$T/m3.nnm" "$T/d.nns"
	off3=$(trailer "$T/m3.nnm")
	{ head -c "$off3" "$T/m3.nnm"; tail -c +$((off + 1)) "$T/m.nnm"; } > "$T/moved.nnm"
	refused "$T/moved.nnm" ""
}

@test "sign: fitted parameters, quantized models and checkpoints are signed and checked" {
	nn-normalize --sign-key "$T/a.key" --save "$T/zs.nns" -o /dev/null "$T/d.nns"
	nn-normalize --save "$T/zu.nns" -o /dev/null "$T/d.nns"
	nn-normalize --trust "$T/a.pub" --load "$T/zs.nns" -o "$T/n1.nns" "$T/d.nns"
	run --separate-stderr nn-normalize --trust "$T/a.pub" --load "$T/zu.nns" -o "$T/n2.nns" "$T/d.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'$T/zu.nns'"*"not signed"* ]] || fail "$stderr"
	[ ! -e "$T/n2.nns" ]
	NN_SIGN_KEY="$T/a.key" nn-clean --nonfinite median --save "$T/cs.nns" -o /dev/null "$T/d.nns"
	NN_TRUST="$T/a.pub" nn-clean --load "$T/cs.nns" -o /dev/null "$T/d.nns"
	nn-quantize --trust "$T/a.pub" --sign-key "$T/b.key" -o "$T/q.nnm" "$T/m.nnm"
	nn-eval --trust "$T/b.pub" -m "$T/q.nnm" -o /dev/null "$T/d.nns"
	run --separate-stderr nn-quantize --trust "$T/a.pub" -o "$T/q2.nnm" "$T/u.nnm"
	[ "$status" -eq 1 ]
	[ ! -e "$T/q2.nnm" ]
	nn-train -q --layers 8 --epochs 1 --sign-key "$T/a.key" --checkpoint "$T/c.nnm" -o /dev/null "$T/d.nns"
	nn-train -q --layers 8 --epochs 2 --trust "$T/a.pub" --sign-key "$T/a.key" --checkpoint "$T/c.nnm" \
		--resume "$T/c.nnm" -o "$T/r.nnm" "$T/d.nns"
	nn-train -q --layers 8 --epochs 1 --checkpoint "$T/cu.nnm" -o /dev/null "$T/d.nns"
	run --separate-stderr nn-train -q --layers 8 --epochs 2 --trust "$T/a.pub" --checkpoint "$T/cu.nnm" \
		--resume "$T/cu.nnm" -o "$T/r2.nnm" "$T/d.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'$T/cu.nnm'"*"not signed"* ]] || fail "$stderr"
	[ ! -e "$T/r2.nnm" ]
}

@test "sign: key files: a secret others may read, another's, a bad trust file" {
	chmod 644 "$T/a.key"
	run --separate-stderr nn-train -q --epochs 1 --sign-key "$T/a.key" -o "$T/x.nnm" "$T/d.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'$T/a.key'"*"chmod 600"* ]] || fail "$stderr"
	[ ! -e "$T/x.nnm" ]
	chmod 600 "$T/a.key"
	run --separate-stderr nn-eval --trust "$T/a.key" -m "$T/m.nnm" "$T/d.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"not an nnpipe public key file"* ]] || fail "$stderr"
	chmod 666 "$T/a.pub"
	run --separate-stderr nn-eval --trust "$T/a.pub" -m "$T/m.nnm" "$T/d.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"chmod go-w"* ]] || fail "$stderr"
	run --separate-stderr nn-eval --trust "$T/nothing" -m "$T/m.nnm" "$T/d.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'$T/nothing'"* ]] || fail "$stderr"
}

@test "sign: with --key and --sign-key together: encrypted and signed, checked after decryption" {
	nn-keygen -q -o "$T/k"
	export NN_KEY_FILE="$T/k"
	nn-import --label species -o "$T/de.nns" "$ROOT/data/iris.csv"
	nn-train -q --layers 8 --epochs 2 --sign-key "$T/a.key" -o "$T/me.nnm" "$T/de.nns"
	head -c 17 "$T/me.nnm" | grep -q "nnpipe encrypted"
	nn-eval --trust "$T/a.pub" -m "$T/me.nnm" -o /dev/null "$T/de.nns"
	run nn-info --trust "$T/a.pub" "$T/me.nnm"
	[[ "$output" == *"verified with --trust"* ]] || fail "$output"
	run --separate-stderr nn-eval --trust "$T/b.pub" -m "$T/me.nnm" "$T/de.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'$T/me.nnm'"*"does not hold"* ]] || fail "$stderr"
	unset NN_KEY_FILE
	run --separate-stderr nn-eval --trust "$T/a.pub" -m "$T/me.nnm" "$T/d.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"encrypted"* ]] || fail "$stderr"
}
