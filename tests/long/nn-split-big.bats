#!/usr/bin/env bats
# nn-split on a data set too large to hold: Fashion-MNIST's 60,000
# training images (47 MB) split in bounded memory.  (From nn-split.bats:
# the size is the point, and it takes seconds.)
load helper

@test "nn-split: Fashion-MNIST split in bounded memory, class counts exact" {
	[ -d "$FASHION" ] || skip "$FASHION is not installed"
	[ -x /usr/bin/time ] || skip "/usr/bin/time is not installed"
	nn-import --format idx --labels "$FASHION/train-labels-idx1-ubyte.gz" \
		-o "$T/fm.nns" "$FASHION/train-images-idx3-ubyte.gz"
	run --separate-stderr /usr/bin/time -f 'rss=%M' nn-split --stratify --test-size 0.2 \
		--train "$T/a.nns" --test "$T/b.nns" "$T/fm.nns"
	[ "$status" -eq 0 ]
	rss=$(printf '%s\n' "$stderr" | sed -n 's/^rss=//p')
	[ "$rss" -lt 65536 ] || fail "peak RSS $rss KiB"
	[[ "$stderr" == *"'$T/b.nns': 12000 rows; y: 0=1200 1=1200 2=1200 3=1200 4=1200 5=1200 6=1200 7=1200 8=1200 9=1200"* ]] || fail "$stderr"
	[ "$(nn-info --verify "$T/a.nns")" = "OK rows=48000 members=1" ]
}
