#!/usr/bin/env bats
# Every byte offset and every third byte: the damage conventions.bats
# samples in make check, done in full.  No reader may exit 0 on a cut or
# flipped stream, and a cut stream's message names the file.
load helper

@test "a multi-batch stream cut at every byte offset: no reader exits 0" {
	f="$DATA/bad/good.nns"
	size=$(stat -c %s "$f")
	for ((cut = 0; cut < size; cut++)); do
		head -c "$cut" "$f" > "$T/cut.nns"
		for r in "nn-info --verify" "nn-export --format csv"; do
			if $r "$T/cut.nns" > /dev/null 2> "$T/err"; then
				fail "$r accepted the stream cut at byte $cut of $size"
			fi
			grep -q "'$T/cut.nns': " "$T/err" || fail "cut at $cut: $(cat "$T/err")"
		done
	done
}

@test "single-bit flips in every third byte of a stream: no reader exits 0" {
	f="$DATA/bad/good.nns"
	# the flipped copies, all written by one python3: flip-I.nns has bit
	# I % 8 of byte I flipped
	python3 - "$f" "$T" 3 <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
for i in range(0, len(b), int(sys.argv[3])):
    c = bytearray(b)
    c[i] ^= 1 << (i % 8)
    open('%s/flip-%d.nns' % (sys.argv[2], i), 'wb').write(c)
PY
	n=0
	for g in "$T"/flip-*.nns; do
		if nn-info --verify "$g" > /dev/null 2>&1; then
			i=${g##*/flip-}
			i=${i%.nns}
			fail "a flip of bit $((i % 8)) in byte $i went unnoticed"
		fi
		n=$((n + 1))
	done
	[ "$n" -eq $(( ($(stat -c %s "$f") + 2) / 3 )) ]
}
