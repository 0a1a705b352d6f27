#!/usr/bin/env bats
# --key / NN_KEY_FILE: encrypted streams (nn-stream(5), ENCRYPTED STREAMS),
# key files and nn-keygen.  Every damaged or wrong-key input exits 1
# naming the file, and leaves no output.
load helper

# $T/k (a key), $T/c.nns: iris, clear; $T/e.nns: 40 rows encrypted, in
# four chunks (header, batch, trailer, the final one).
setup() {
	T="$BATS_TEST_TMPDIR"
	nn-keygen -q -o "$T/k"
	nn-import --label species -o "$T/c.nns" "$ROOT/data/iris.csv"
	printf 'a,b,label\n' > "$T/small.csv"
	for i in $(seq 1 40); do printf '%d,%d,c%d\n' "$i" $((i * 3)) $((i % 3)); done >> "$T/small.csv"
	NN_KEY_FILE="$T/k" nn-import --label label -o "$T/e.nns" "$T/small.csv"
}

# chunks FILE OUT OP: FILE's chunks (after the 64 bytes of prologue and
# header) changed by OP and written to OUT: drop N, swap N, replay N.
chunks() {
	python3 - "$@" <<'PY'
import sys
f, out, op, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
b = open(f, 'rb').read()
head, pos, c = b[:64], 64, []
while pos < len(b):
    L = int.from_bytes(b[pos:pos + 4], 'little')
    c.append(b[pos:pos + 4 + L])
    pos += 4 + L
assert len(c) >= 4, len(c)
if op == 'drop': del c[n]
if op == 'swap': c[n], c[n + 1] = c[n + 1], c[n]
if op == 'replay': c.insert(n + 1, c[n])
if op == 'count': print(len(c)); sys.exit(0)
open(out, 'wb').write(head + b''.join(c))
PY
}

# refused FILE WHAT: nn-info and nn-export with the key refuse FILE with
# status 1, naming it, the message holding WHAT; no output file.
refused() {
	run --separate-stderr env NN_KEY_FILE="$T/k" nn-info --verify "$1"
	[ "$status" -eq 1 ] || fail "nn-info accepted $1: $output"
	[[ "$stderr" == *"'$1': "*"$2"* ]] || fail "nn-info: $stderr"
	run --separate-stderr env NN_KEY_FILE="$T/k" nn-export --format csv -o "$T/out.csv" "$1"
	[ "$status" -eq 1 ] || fail "nn-export accepted $1"
	[[ "$stderr" == *"'$1': "* ]] || fail "nn-export: $stderr"
	[ ! -e "$T/out.csv" ]
	no_temporaries "$T"
}

@test "crypt: a pipeline of several programs with NN_KEY_FILE gives what it gives in clear" {
	run_pipe() {
		nn-import --label species "$ROOT/data/iris.csv" | nn-clean --nonfinite median -q |
			nn-normalize --save "$T/zs$1.nns" | nn-export --format csv -o "$T/p$1.csv"
	}
	run_pipe 0
	NN_KEY_FILE="$T/k"
	export NN_KEY_FILE
	run_pipe 1
	unset NN_KEY_FILE
	cmp "$T/p0.csv" "$T/p1.csv"
	head -c 23 "$T/zs1.nns" | grep -q '^nnpipe encrypted 1 key '
	run nn-info "$T/zs1.nns"
	[ "$status" -eq 1 ]
	run --separate-stderr nn-info --key "$T/k" --verify "$T/zs1.nns"
	[ "$status" -eq 0 ]
	[ "$output" = "OK rows=1 members=1" ]
}

@test "crypt: nn-info without the key names the key id and asks for --key; zstd -dc fails" {
	id=$(head -c 39 "$T/e.nns" | cut -c 24-)
	[ ${#id} -eq 16 ]
	run --separate-stderr nn-info "$T/e.nns"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-info: '$T/e.nns': encrypted with key id $id, give --key" ]
	run --separate-stderr zstd -dc "$T/e.nns"
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	nn-keygen -o "$T/k2" > "$T/id"
	[ "$(cat "$T/id")" = "key id $(head -c 39 "$T/e.nns" | cut -c 24-)" ] && fail "two keys, one id"
	nn-keygen -o "$T/k3" > "$T/id3"
	NN_KEY_FILE="$T/k3" nn-import --label label -o "$T/e3.nns" "$T/small.csv"
	[ "$(cat "$T/id3")" = "key id $(head -c 39 "$T/e3.nns" | cut -c 24-)" ]
}

@test "crypt: a wrong key, and a clear stream given a key, are refused" {
	nn-keygen -q -o "$T/k2"
	run --separate-stderr nn-info --key "$T/k2" "$T/e.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'$T/e.nns': encrypted with key id "*", not with the key given (key id "* ]]
	run --separate-stderr env NN_KEY_FILE="$T/k" nn-info "$T/c.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'$T/c.nns': not encrypted, but a key is given"* ]]
	# --key wins over NN_KEY_FILE
	run --separate-stderr env NN_KEY_FILE="$T/k2" nn-info --key "$T/k" --verify "$T/e.nns"
	[ "$status" -eq 0 ]
}

@test "crypt: cuts and bit flips of an encrypted stream are refused" {
	export NN_KEY_FILE="$T/k"
	size=$(stat -c %s "$T/e.nns")
	cuts_refused "$T/e.nns" 0 1 16 39 40 41 63 64 65 67 68 100 $((size / 2)) $((size - 22)) \
		$((size - 21)) $((size - 1))
	flips_refused "$T/e.nns" 13
	[ "$FLIPS_TRIED" -gt 10 ]
}

@test "crypt: a dropped, reordered or replayed chunk, or a missing final chunk, is refused" {
	chunks "$T/e.nns" - count 0 > "$T/n"
	n=$(cat "$T/n")
	[ "$n" -ge 4 ]
	chunks "$T/e.nns" "$T/drop.nns" drop 1
	refused "$T/drop.nns" "fails authentication"
	chunks "$T/e.nns" "$T/swap.nns" swap 1
	refused "$T/swap.nns" "fails authentication"
	chunks "$T/e.nns" "$T/replay.nns" replay 1
	refused "$T/replay.nns" "fails authentication"
	chunks "$T/e.nns" "$T/nofinal.nns" drop $((n - 1))
	refused "$T/nofinal.nns" "before its final chunk"
	chunks "$T/e.nns" "$T/first.nns" drop 0
	refused "$T/first.nns" "fails authentication"
}

@test "crypt: encrypted streams concatenate as clear ones do; mixed or different keys do not" {
	export NN_KEY_FILE="$T/k"
	cat "$T/e.nns" "$T/e.nns" > "$T/ee.nns"
	run --separate-stderr nn-info --verify "$T/ee.nns"
	[ "$status" -eq 0 ]
	[ "$output" = "OK rows=80 members=2" ]
	cat "$T/e.nns" "$T/c.nns" > "$T/ec.nns"
	refused "$T/ec.nns" "after the end of encrypted stream 1"
	nn-keygen -q -o "$T/k2"
	NN_KEY_FILE="$T/k2" nn-import --label label -o "$T/e2.nns" "$T/small.csv"
	cat "$T/e.nns" "$T/e2.nns" > "$T/e12.nns"
	refused "$T/e12.nns" "not with the key given"
	# a cut at the boundary of two members is the shorter file: nothing
	# tells it apart, as with clear streams (nn-stream(5))
	cat "$T/e.nns" "$T/e.nns" | head -c $(($(stat -c %s "$T/e.nns") + 30)) > "$T/ee-cut.nns"
	refused "$T/ee-cut.nns" "truncated"
}

@test "crypt: key files: 0600 from nn-keygen, never overwritten, refused when others may read them" {
	umask 000
	nn-keygen -q -o "$T/k0"
	[ "$(stat -c %a "$T/k0")" = 600 ]
	cp -p "$T/k0" "$T/k0.copy"
	run --separate-stderr nn-keygen -o "$T/k0"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-keygen: '$T/k0': "* ]]
	cmp "$T/k0" "$T/k0.copy"
	run --separate-stderr nn-keygen
	[ "$status" -eq 2 ]
	for mode in 644 640 604 660; do
		chmod "$mode" "$T/k0"
		run --separate-stderr nn-info --key "$T/k0" "$T/e.nns"
		[ "$status" -eq 1 ]
		[[ "$stderr" == "nn-info: '$T/k0': "*"chmod 600"* ]] || fail "mode $mode: $stderr"
		run --separate-stderr env NN_KEY_FILE="$T/k0" nn-import --label species -o "$T/x.nns" \
			"$ROOT/data/iris.csv"
		[ "$status" -eq 1 ]
		[ ! -e "$T/x.nns" ]
	done
	chmod 400 "$T/k0"
	run nn-import --key "$T/k0" --label species -o "$T/x.nns" "$ROOT/data/iris.csv"
	[ "$status" -eq 0 ]
	printf 'not a key\n' > "$T/bad"
	chmod 600 "$T/bad"
	run --separate-stderr nn-info --key "$T/bad" "$T/e.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"not an nnpipe key file"* ]]
	run --separate-stderr nn-info --key "$T/missing" "$T/e.nns"
	[ "$status" -eq 1 ]
	if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1; then
		cp "$T/k" "$T/theirs"
		chown nobody "$T/theirs"
		run --separate-stderr nn-info --key "$T/theirs" "$T/e.nns"
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"owned by another user"*"chmod 600"* ]] || fail "$stderr"
	fi
}

@test "crypt: outputs written with a key are 0600 under umask 022; without, they follow the umask" {
	umask 022
	nn-import --key "$T/k" --label species -o "$T/o.nns" "$ROOT/data/iris.csv"
	[ "$(stat -c %a "$T/o.nns")" = 600 ]
	nn-export --key "$T/k" --format csv -o "$T/o.csv" "$T/o.nns"
	[ "$(stat -c %a "$T/o.csv")" = 600 ]
	nn-import --label species -o "$T/p.nns" "$ROOT/data/iris.csv"
	[ "$(stat -c %a "$T/p.nns")" = 644 ]
	# a model and fitted parameters, written through their own handles
	nn-normalize --key "$T/k" --save "$T/zs.nns" "$T/o.nns" > /dev/null
	[ "$(stat -c %a "$T/zs.nns")" = 600 ]
	head -c 17 "$T/zs.nns" | grep -q '^nnpipe encrypted '
	nn-train --key "$T/k" --layers 4 --epochs 1 -q -o "$T/m.nnm" "$T/o.nns"
	[ "$(stat -c %a "$T/m.nnm")" = 600 ]
	head -c 17 "$T/m.nnm" | grep -q '^nnpipe encrypted '
	nn-predict --key "$T/k" -m "$T/m.nnm" "$T/o.nns" | nn-info --key "$T/k" --verify > "$T/v"
	[ "$(cat "$T/v")" = "OK rows=150 members=1" ]
	nn-normalize --key "$T/k" --load "$T/zs.nns" "$T/o.nns" | nn-info --key "$T/k" --verify
}

@test "crypt: nn-stream(5)'s Python reader (PyNaCl) decrypts what nnpipe encrypts, and refuses a cut" {
	/usr/bin/python3 -c 'import nacl.bindings' 2> /dev/null || skip "python3-nacl is not installed"
	# the example as the page shows it: from ".EX" before "import hashlib" to ".EE"
	awk '/^\.EX$/ { ex = 1; n = 0; next } ex && n == 0 && !/^import hashlib/ { ex = 0 }
	     ex && /^\.EE$/ { if (got) exit; ex = 0; next } ex { n++; if (/^import hashlib/) got = 1
	     if (got) print }' "$ROOT/man/man5/nn-stream.5" | sed 's/\\e/\\/g' > "$T/decrypt.py"
	grep -q 'init_pull' "$T/decrypt.py"
	cat "$T/e.nns" "$T/e.nns" > "$T/ee.nns"
	/usr/bin/python3 "$T/decrypt.py" "$T/k" < "$T/ee.nns" > "$T/clear.nns"
	run --separate-stderr nn-info --verify "$T/clear.nns"
	[ "$output" = "OK rows=80 members=2" ]
	head -c 200 "$T/e.nns" > "$T/cut.nns"
	run /usr/bin/python3 "$T/decrypt.py" "$T/k" < "$T/cut.nns"
	[ "$status" -ne 0 ]
	nn-keygen -q -o "$T/k2"
	run /usr/bin/python3 "$T/decrypt.py" "$T/k2" < "$T/e.nns"
	[ "$status" -ne 0 ]
}

@test "crypt: --accept-clear reads clear inputs with a key (to encrypt existing files); alone it is a usage error" {
	nn-clean -q --key "$T/k" --accept-clear -o "$T/enc.nns" "$T/c.nns"
	head -c 23 "$T/enc.nns" | grep -q '^nnpipe encrypted 1 key '
	run --separate-stderr nn-info --key "$T/k" --verify "$T/enc.nns"
	[ "$output" = "OK rows=150 members=1" ]
	# encrypted inputs are still read with it
	run --separate-stderr nn-info --key "$T/k" --accept-clear --verify "$T/e.nns"
	[ "$output" = "OK rows=40 members=1" ]
	run --separate-stderr nn-info --accept-clear "$T/c.nns"
	[ "$status" -eq 2 ]
}
