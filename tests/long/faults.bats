#!/usr/bin/env bats
# I/O faults for every writing program: SIGINT/SIGTERM while -o is open,
# a full disk (a 16 KiB tmpfs when this runs as root and may mount;
# /dev/full always), input arriving one byte at a time, and pipelines
# (set -o pipefail) whose upstream dies or is cut midway: the downstream
# program must fail by itself and leave no output file.

load helper

# Every program that writes a file, as a command line: @IN the input
# stream, @CSV a CSV input, @OUT the file written, @M a model.
WRITERS=(
	"nn-import --format csv --label y -o @OUT @CSV"
	"nn-export --format csv -o @OUT @IN"
	"nn-info -o @OUT @IN"
	"nn-clean -q -o @OUT @IN"
	"nn-clean -q --save @OUT -o /dev/null @IN"
	"nn-normalize -q -o @OUT @IN"
	"nn-normalize -q --save @OUT -o /dev/null @IN"
	"nn-augment -q --noise 1 --seed 1 -o @OUT @IN"
	"nn-split -q --seed 1 --train @OUT --test @OUT.test @IN"
	"nn-train -q --threads 1 --layers 4 --epochs 1 --seed 1 -o @OUT @IN"
	"nn-train -q --threads 1 --layers 4 --epochs 1 --seed 1 --checkpoint @OUT -o /dev/null @IN"
	"nn-predict -m @M -o @OUT @IN"
	"nn-eval -m @M -o @OUT @IN"
)

# cmd LINE IN OUT: the command line with its placeholders filled in
cmd() {
	local c=${1//@IN/$2}
	c=${c//@OUT/$3}
	c=${c//@M/$T/m.nnm}
	echo "${c//@CSV/$T/in.csv}"
}

# A 40-batch stream, its CSV, and a model trained on it.
inputs() {
	python3 "$DATA/bad/make-bad.py" --stream 40 "$T/in.nns"
	nn-export --format csv -o "$T/in.csv" "$T/in.nns"
	nn-train -q --threads 1 --layers 4 --epochs 1 -o "$T/m.nnm" "$T/in.nns"
}

teardown() {
	if [ -n "${MOUNTED:-}" ]; then
		umount "$MOUNTED" || true
	fi
}

@test "faults: SIGINT and SIGTERM while every writing program has -o open leave no file" {
	inputs
	for sig in INT TERM; do
		for c in "${WRITERS[@]}"; do
			in="$T/fifo"
			rm -f "$in" "$T/out" "$T/out.test"
			mkfifo "$in"
			src="$T/in.nns"
			[[ $c == *@CSV* ]] && { src="$T/in.csv"; c=${c//@CSV/@IN}; }
			# a producer that stalls after half its input
			( head -c $(( $(stat -c %s "$src") / 2 )) "$src"; sleep 20 ) > "$in" &
			producer=$!
			$(cmd "$c" "$in" "$T/out") 2> "$T/err" &
			pid=$!
			sleep 0.4
			kill -"$sig" "$pid"
			status=0
			wait "$pid" || status=$?
			kill "$producer" 2>/dev/null || true
			wait "$producer" 2>/dev/null || true
			[ "$status" -ne 0 ] || fail "$c exited 0 after SIG$sig"
			[ ! -e "$T/out" ] && [ ! -e "$T/out.test" ] || fail "$c left its output after SIG$sig"
			no_temporaries "$T" || fail "$c left a temporary after SIG$sig: $(ls -A "$T")"
		done
	done
}

@test "faults: a full disk (16 KiB tmpfs) fails every writing program cleanly" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount a tmpfs"
	# an input whose outputs are larger than 16 KiB
	python3 "$DATA/bad/make-bad.py" --stream 400 "$T/in.nns"
	nn-export --format csv -o "$T/in.csv" "$T/in.nns"
	nn-train -q --threads 1 --layers 4 --epochs 1 -o "$T/m.nnm" "$T/in.nns"
	# each program's output at the same path on a roomy disk first (the
	# path is in the output's provenance)
	mkdir "$T/full" "$T/ref"
	for w in "${!WRITERS[@]}"; do
		$(cmd "${WRITERS[$w]}" "$T/in.nns" "$T/full/out") 2>/dev/null
		mv "$T/full/out" "$T/ref/$w"
		rm -f "$T/full/out.test"
	done
	mount -t tmpfs -o size=16k nnpipe-test "$T/full" 2>/dev/null || skip "cannot mount a tmpfs here"
	MOUNTED="$T/full"
	for w in "${!WRITERS[@]}"; do
		c=${WRITERS[$w]}
		# fill the disk but for a few KiB
		rm -f "$T/full"/*
		head -c 12000 /dev/zero > "$T/full/filler"
		run --separate-stderr $(cmd "$c" "$T/in.nns" "$T/full/out")
		if [ "$status" -eq 0 ]; then
			# it fitted: then it must be whole
			cmp "$T/ref/$w" "$T/full/out" || fail "$c: exit 0 with a different output on a full disk"
			continue
		fi
		[ "$status" -eq 1 ] || fail "$c: exit $status on a full disk: $stderr"
		[[ "$stderr" == *"'$T/full/out"* ]] || fail "$c: the output is not named: $stderr"
		[[ "$stderr" == *"No space left on device"* ]] || fail "$c: not ENOSPC: $stderr"
		[ "$(ls -A "$T/full")" = filler ] || fail "$c left $(ls -A "$T/full")"
	done
}

@test "faults: -o /dev/full fails every writing program with the device named" {
	inputs
	for c in "${WRITERS[@]}"; do
		[[ $c == *--save* || $c == *--checkpoint* || $c == nn-split* ]] && continue
		run --separate-stderr $(cmd "$c" "$T/in.nns" /dev/full)
		[ "$status" -eq 1 ] || fail "$c -o /dev/full: exit $status"
		[[ "$stderr" == *"'/dev/full': "*"No space left on device"* ]] || fail "$c: $stderr"
	done
	run --separate-stderr nn-split -q --train /dev/full --test "$T/t" "$T/in.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'/dev/full': "* ]]
	[ ! -e "$T/t" ]
}

@test "faults: input one byte per write through a pipe gives the same output" {
	inputs
	for c in "${WRITERS[@]}"; do
		src="$T/in.nns"
		[[ $c == *@CSV* ]] && src="$T/in.csv"
		c=${c//@CSV/-}
		rm -f "$T/out" "$T/out.test"
		cat "$src" | $(cmd "$c" - "$T/out") 2>/dev/null || fail "$c from a pipe failed"
		mv "$T/out" "$T/ref"
		rm -f "$T/out.test"
		dd if="$src" bs=1 status=none | $(cmd "$c" - "$T/out") 2>/dev/null || fail "$c one byte at a time failed"
		cmp "$T/ref" "$T/out" || fail "$c: one byte at a time gives another output"
	done
}

@test "faults: pipefail pipelines whose upstream is cut or killed midway: downstream fails, no file" {
	inputs
	size=$(stat -c %s "$T/in.nns")
	# nn-clean passes batches on as it reads them: its output ends where
	# its truncated input does, without a trailer
	head -c $((size - 30)) "$T/in.nns" > "$T/cut.nns"
	set -o pipefail
	for c in "${WRITERS[@]}"; do
		[[ $c == *@CSV* ]] && continue
		for up in "head -c $((size / 2)) $T/in.nns" \
		          "sh -c 'head -c $((size / 3)) $T/in.nns; kill -9 \$\$'" \
		          "nn-clean -q $T/cut.nns" \
		          "nn-augment -q --noise 1 $T/cut.nns"; do
			rm -f "$T/out" "$T/out.test"
			if eval "$up" 2>/dev/null | $(cmd "$c" - "$T/out") 2> "$T/err"; then
				fail "$up | $c: the pipeline succeeded"
			else
				st=("${PIPESTATUS[@]}")
			fi
			# the downstream program's own status, not just the pipeline's
			[ "${st[1]}" -eq 1 ] || fail "$up | $c: downstream exited ${st[1]}"
			grep -q "(stdin)" "$T/err" || fail "$up | $c: stdin not named: $(cat "$T/err")"
			[ ! -e "$T/out" ] && [ ! -e "$T/out.test" ] || fail "$up | $c: left an output file"
			no_temporaries "$T" || fail "$up | $c: left a temporary"
		done
	done
}
