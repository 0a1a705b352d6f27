#!/usr/bin/env bats
# nn-import --hash-id COL: an id column replaced by the hex of its keyed
# BLAKE2b hash, keyed with a key derived from --key's (nn-import(1)).
load helper

setup() {
	T="$BATS_TEST_TMPDIR"
	nn-keygen -q -o "$T/k1"
	nn-keygen -q -o "$T/k2"
	printf 'pid,a,b,y\n' > "$T/d.csv"
	for i in $(seq 1 60); do printf 'p-%03d,%d,%d,%s\n' $((i % 40)) "$i" $((i * 7 % 13)) $((i % 2)); done >> "$T/d.csv"
	printf 'caf\xc3\xa9,1,2,0\n"a,b",3,4,1\n' >> "$T/d.csv"
}

# hashes KEY: nn-import --hash-id pid with KEY, exported: pid column only.
hashes() {
	nn-import -q --key "$1" --hash-id pid --label y -o "$T/h.nns" "$T/d.csv"
	nn-export --key "$1" --format csv "$T/h.nns" | python3 -c '
import csv, sys
for r in csv.DictReader(sys.stdin): print(r["pid"])'
}

@test "hashid: the same id and key, the same hash; another key, another; equal to Python's" {
	hashes "$T/k1" > "$T/h1"
	hashes "$T/k1" > "$T/h1b"
	hashes "$T/k2" > "$T/h2"
	cmp "$T/h1" "$T/h1b"
	/usr/bin/python3 - "$T/d.csv" "$T/k1" "$T/h1" "$T/h2" <<'PY'
import csv, hashlib, sys
ids = [r['pid'] for r in csv.DictReader(open(sys.argv[1], encoding='utf-8'))]
key = bytes.fromhex(open(sys.argv[2]).read().split()[1])
# crypto_kdf_derive_from_key(32, 1, "nnhashid", key), as nn-import(1) says
hk = hashlib.blake2b(b'', key=key, digest_size=32, salt=(1).to_bytes(8, 'little') + bytes(8),
                     person=b'nnhashid' + bytes(8)).digest()
want = [hashlib.blake2b(i.encode(), key=hk, digest_size=16).hexdigest() for i in ids]
h1 = open(sys.argv[3]).read().split()
h2 = open(sys.argv[4]).read().split()
assert h1 == want, (h1[:3], want[:3])
assert all(len(h) == 32 for h in h1)
assert not set(h1) & set(h2)
# equal ids, equal hashes; distinct ids, distinct hashes
assert len(set(h1)) == len(set(ids)) == 42
assert not set(ids) & set(h1)
PY
}

@test "hashid: joins still work: predictions keep the hashed id, joined to the source by the key's holder" {
	export NN_KEY_FILE="$T/k1"
	nn-import -q --hash-id pid --label y -o "$T/h.nns" "$T/d.csv"
	nn-train -q --epochs 2 -o "$T/m.nnm" "$T/h.nns"
	nn-predict -m "$T/m.nnm" --keep pid "$T/h.nns" | nn-export --format csv -o "$T/p.csv"
	nn-export --format csv -o "$T/h.csv" "$T/h.nns"
	/usr/bin/python3 - "$T" <<'PY'
import csv, sys
T = sys.argv[1]
p = list(csv.DictReader(open(T + '/p.csv')))
h = list(csv.DictReader(open(T + '/h.csv')))
assert [r['pid'] for r in p] == [r['pid'] for r in h]
by = {}
for r in h:
    by.setdefault(r['pid'], set()).add(r['y'])
assert all(r['pid'] in by for r in p)
PY
	grep -q 'p-0' "$T/p.csv" && fail "an id in clear"
	true
}

@test "hashid: without a key, or with a width under 32, a usage error" {
	run --separate-stderr nn-import --hash-id pid -o "$T/x.nns" "$T/d.csv"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--hash-id needs a key"* ]]
	run --separate-stderr nn-import --key "$T/k1" --hash-id pid --id-width 16 -o "$T/x.nns" "$T/d.csv"
	[ "$status" -eq 2 ]
	[ ! -e "$T/x.nns" ]
}
