#!/usr/bin/env bats
# Resource bombs (tests/data/bad/make-bad.py): headers and batches that
# claim huge counts, shapes, nesting, string and bin lengths, objects and
# zstd windows; model files whose layers claim a network of 2^48
# parameters.  Every reader must refuse them with exit 1, the file named,
# in under 64 MiB of peak RSS and under 1 second.

load helper

BOMBS=(map-bomb huge-shape huge-rows bin-bomb deep-meta huge-window fields-bomb classes-bomb
       string-bomb args-bomb dims-bomb deep-bomb object-bomb no-size header-bomb)

# bounded FILE CMD...: CMD exits 1 naming FILE, in bounded RSS and time
bounded() {
	local f=$1
	shift
	/usr/bin/time -f '%M %e' -o "$T/usage" "$@" > /dev/null 2> "$T/err" && fail "$* exited 0"
	[ "$(head -c 2 "$T/err")" != "" ] || fail "$*: no message"
	grep -q "'$f'" "$T/err" || fail "$*: the file is not named: $(cat "$T/err")"
	grep -q 'exited with non-zero status 1$' "$T/usage" || fail "$*: $(cat "$T/usage")"
	read -r kb secs < <(tail -n 1 "$T/usage")
	[ "$kb" -lt 65536 ] || fail "$*: peak RSS $kb KiB"
	awk -v s="$secs" 'BEGIN { exit !(s < 1.0) }' || fail "$*: took $secs s"
}

@test "bombs: every reader refuses every stream bomb in < 64 MiB and < 1 s" {
	nn-train -q --layers 2 --epochs 1 --threads 1 -o "$T/m.nnm" "$DATA/bad/good.nns"
	for b in "${BOMBS[@]}"; do
		f="$DATA/bad/$b.nns"
		[ -e "$f" ] || fail "missing $f: run tests/data/bad/make-bad.py"
		bounded "$f" nn-info --verify "$f"
		bounded "$f" nn-export --format csv "$f"
		bounded "$f" nn-clean -o "$T/o" "$f"
		bounded "$f" nn-normalize -o "$T/o" "$f"
		bounded "$f" nn-augment --noise 1 -o "$T/o" "$f"
		bounded "$f" nn-split --train "$T/a" --test "$T/b" "$f"
		bounded "$f" nn-train --threads 1 -o "$T/o" "$f"
		bounded "$f" nn-eval -m "$T/m.nnm" "$f"
		bounded "$f" nn-predict -m "$T/m.nnm" -o "$T/o" "$f"
		bounded "$f" nn-normalize --load "$f" -o "$T/o" "$DATA/bad/good.nns"
		bounded "$f" nn-eval -m "$f" "$DATA/bad/good.nns"
		[ ! -e "$T/o" ] && [ ! -e "$T/a" ] || fail "$b left an output file"
	done
}

@test "bombs: model files whose description lies are refused before anything is allocated" {
	nn-predict -m "$DATA/bad/models/good.nnm" "$DATA/bad/good.nns" > /dev/null
	for b in layers-bomb shape-wrap classes-lie; do
		f="$DATA/bad/models/$b.nnm"
		bounded "$f" nn-predict -m "$f" "$DATA/bad/good.nns"
		bounded "$f" nn-eval -m "$f" "$DATA/bad/good.nns"
	done
	run --separate-stderr nn-predict -m "$DATA/bad/models/layers-bomb.nnm" "$DATA/bad/good.nns"
	[[ "$stderr" == *"field 'layer0.weight': not f32 (or i8 weights) of the shape the layers say"* ]]
}

@test "bombs: a resumed checkpoint that lies is refused the same way" {
	# a copy: --resume locks the checkpoint with a lock file beside it,
	# which must not land in the source tree
	f="$T/layers-bomb-checkpoint.nnm"
	cp "$DATA/bad/models/layers-bomb-checkpoint.nnm" "$f"
	bounded "$f" nn-train --resume "$f" -o "$T/o" "$DATA/bad/good.nns"
}
