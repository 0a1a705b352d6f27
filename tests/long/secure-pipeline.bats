#!/usr/bin/env bats
# make -C pipelines/iris SECURE=1, and the same from nn-cron: every stream
# and model encrypted, models and parameters signed and read only when
# they verify; outputs unreadable without the key; a model put in place
# of the real one (made with the data key, unsigned or signed by another
# key) refused by the pipeline's next step and by nn-cron.
load helper

CRON="$ROOT/pipelines/cron/nn-cron"
IRIS="$ROOT/pipelines/iris"

setup() {
	T="$BATS_TEST_TMPDIR"
	mkdir "$T/data"
	cp "$ROOT/data/iris.csv" "$T/data/"
}

secure_make() {
	make -s -C "$IRIS" SECURE=1 NN_BIN="$BUILD/bin" DATA="$T/data" OUT="$T/out" "$@"
}

@test "secure pipeline: keys made, outputs encrypted and signed, unreadable without the key" {
	secure_make
	[ "$(stat -c %a "$T/out/keys")" = 700 ]
	[ "$(stat -c %a "$T/out/keys/data.key")" = 600 ]
	[ "$(stat -c %a "$T/out/keys/model.key")" = 600 ]
	for f in "$T"/out/species/*.nns "$T"/out/*/model.nnm; do
		head -c 17 "$f" | grep -q "nnpipe encrypted" || fail "$f is clear"
		[ "$(stat -c %a "$f")" = 600 ] || fail "$f is not 0600"
		run --separate-stderr nn-info "$f"
		[ "$status" -eq 1 ] || fail "nn-info read $f without the key"
		[[ "$stderr" == *"encrypted with key id"* ]] || fail "$stderr"
		if zstd -dcq < "$f" > /dev/null 2>&1; then fail "zstd -dc read $f"; fi
	done
	run env NN_KEY_FILE="$T/out/keys/data.key" NN_TRUST="$T/out/keys/model.pub" nn-info "$T/out/species/model.nnm"
	[[ "$output" == *"signature	signed by "*": verified with --trust "* ]] || fail "$output"
	run env NN_KEY_FILE="$T/out/keys/data.key" nn-info "$T/out/species/zscore.nns"
	[[ "$output" == *"signature	signed by "* ]] || fail "$output"
	[ -s "$T/out/species/report.md" ]
	# a second run with the same keys has nothing to do
	secure_make -q
}

@test "secure pipeline: a replaced model or parameters file is refused, by make's next step" {
	secure_make
	export NN_KEY_FILE="$T/out/keys/data.key"
	# made with the data key but not signed
	nn-train -q --layers 4 --epochs 1 -o "$T/fake.nnm" "$T/out/species/train.nns"
	cp "$T/fake.nnm" "$T/out/species/model.nnm"
	run secure_make
	[ "$status" -ne 0 ] || fail "the pipeline evaluated an unsigned model"
	[[ "$output" == *"model.nnm'"*"not signed"* ]] || fail "$output"
	# signed, by another key
	nn-keygen -q --sign -o "$T/other"
	nn-train -q --layers 4 --epochs 1 --sign-key "$T/other.key" -o "$T/out/species/model.nnm" \
		"$T/out/species/train.nns"
	run secure_make
	[ "$status" -ne 0 ]
	[[ "$output" == *"model.nnm'"*"does not hold"* ]] || fail "$output"
	# a flipped bit in an encrypted, signed parameters file
	rm -f "$T/out/species/model.nnm"
	python3 -c "import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[len(b)//2]^=4; open(p,'wb').write(b)" \
		"$T/out/species/zscore.nns"
	touch "$T/out/species/zscore.nns"
	run secure_make
	[ "$status" -ne 0 ]
	[[ "$output" == *"zscore.nns'"* ]] || fail "$output"
}

@test "secure pipeline from nn-cron: published when its models verify, never when one does not" {
	S="$T/state"
	run "$CRON" -d "$S" "$IRIS" SECURE=1 KEYS="$T/keys" NN_BIN="$BUILD/bin" DATA="$T/data"
	[ "$status" -eq 0 ] || fail "$output $(cat "$S/cron.log")"
	[ -L "$S/current" ]
	[ ! -e "$S/current/keys" ]
	grep -q '\] audit: result=ok .* signer=[0-9a-f]\{16\}$' "$S/cron.log" || fail "$(cat "$S/cron.log")"
	before=$(readlink "$S/current")
	# a model signed by another key left among the outputs: not published
	nn-keygen -q --sign -o "$T/other"
	NN_KEY_FILE="$T/keys/data.key" nn-train -q --layers 4 --epochs 1 --sign-key "$T/other.key" \
		-o "$S/work/extra.nnm" "$S/work/species/train.nns"
	touch "$T/data/iris.csv"
	run "$CRON" -d "$S" "$IRIS" SECURE=1 KEYS="$T/keys" NN_BIN="$BUILD/bin" DATA="$T/data"
	[ "$status" -eq 1 ]
	grep -q 'FAILED: model extra.nnm does not verify, not published' "$S/cron.log" || fail "$(cat "$S/cron.log")"
	grep -q '\] audit: result=failed ' "$S/cron.log"
	[ "$(readlink "$S/current")" = "$before" ]
	run find "$S/releases" -maxdepth 1 -name '.*' -mindepth 1
	[ -z "$output" ]
}
