#!/usr/bin/env bats
# What every nnpipe program promises (DESIGN.md, "Conventions"), checked
# for every program in build/bin, and the committed bad streams that every
# program reading streams must reject.
load helper

# Programs that read a stream, with the options that make them read it all.
READERS=("nn-info --verify" "nn-info" "nn-export --format csv")

programs() {
	for p in "$BUILD"/bin/nn-*; do basename "$p"; done
}

@test "every program answers --help on stdout with its usage, exit 0" {
	for p in $(programs); do
		run --separate-stderr "$p" --help
		[ "$status" -eq 0 ] || fail "$p --help exited $status"
		[[ "$output" == "usage: $p "* ]] || fail "$p --help: $output"
		[ -z "$stderr" ] || fail "$p --help wrote to stderr"
		run "$p" -h
		[ "$status" -eq 0 ]
	done
}

@test "every program answers --version" {
	for p in $(programs); do
		run --separate-stderr "$p" --version
		[ "$status" -eq 0 ] || fail "$p --version exited $status"
		[[ "$output" == "$p (nnpipe) "[0-9]* ]] || fail "$p --version: $output"
	done
}

@test "every program has a man page whose SYNOPSIS matches its --help" {
	for p in $(programs); do
		page="$ROOT/man/man1/$p.1"
		[ -f "$page" ] || fail "no man page for $p"
		usage=$("$p" --help | head -n 1)
		want="${usage#usage: $p }"
		# the line after ".B nn-NAME" in the SYNOPSIS section
		got=$(awk -v p="$p" '/^\.SH SYNOPSIS/ {s=1; next} /^\.SH/ {s=0}
		      s && $0 == ".B " p {getline; print; exit}' "$page" | sed 's/\\-/-/g')
		[ "$got" = "$want" ] || fail "$p: man page SYNOPSIS '$got' but --help says '$want'"
	done
}

@test "an unknown option is a usage error: exit 2, message and hint on stderr" {
	for p in $(programs); do
		run --separate-stderr "$p" --no-such-option
		[ "$status" -eq 2 ] || fail "$p exited $status"
		[ -z "$output" ] || fail "$p wrote to stdout"
		[[ "$stderr" == "$p: unknown option '--no-such-option'"* ]] || fail "$p: $stderr"
		[[ "$stderr" == *"Try '$p --help'"* ]]
	done
}

@test "a bad number is a usage error naming the option" {
	run --separate-stderr nn-import --level 99 "$ROOT/data/iris.csv"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--level: '99' is not a whole number from 1 to 19"* ]]
}

@test "the good committed stream reads in every reader" {
	for r in "${READERS[@]}"; do
		run --separate-stderr $r "$DATA/bad/good.nns"
		[ "$status" -eq 0 ] || fail "$r: $stderr"
	done
}

@test "every committed bad stream is rejected by every reader: exit 1, file named, no output file" {
	local i=0
	for f in "$DATA"/bad/*.nns; do
		[ "${f##*/}" = good.nns ] && continue
		i=$((i + 1))
		for r in "${READERS[@]}"; do
			# make check: each bad stream through one reader, the readers
			# in turn; make check-long: through every reader
			[ "${NN_LONG:-0}" = 1 ] || [ "$r" = "${READERS[i % ${#READERS[@]}]}" ] || continue
			run --separate-stderr $r -o "$T/out" "$f"
			[ "$status" -eq 1 ] || fail "$r $(basename "$f") exited $status: $stderr"
			[[ "$stderr" == *"'$f': "* ]] || fail "$r $(basename "$f"): message does not name the file: $stderr"
			[ ! -e "$T/out" ] || fail "$r $(basename "$f") left an output file"
			no_temporaries "$T" || fail "$r $(basename "$f") left a temporary file"
		done
	done
}

@test "a stream read from stdin, '-' and a file alike" {
	run --separate-stderr nn-info --verify < "$DATA/bad/good.nns"
	[ "$status" -eq 0 ]
	run --separate-stderr nn-info --verify - < "$DATA/bad/good.nns"
	[ "$status" -eq 0 ]
	run --separate-stderr nn-info --verify < "$DATA/bad/cut-mid-frame.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-info: '(stdin)': truncated"* ]]
}

@test "a missing input file: exit 1 naming it" {
	for r in "${READERS[@]}"; do
		run --separate-stderr $r "$T/nope.nns"
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"'$T/nope.nns': No such file or directory" ]] || fail "$r: $stderr"
	done
}

@test "standard input that is a terminal is a usage error, not a hang" {
	command -v script > /dev/null || skip "script(1) is not installed"
	run timeout 10 script -qec "nn-info" /dev/null
	[ "$status" -eq 2 ] || fail "status $status: $output"
	[[ "$output" == *"standard input is a terminal"* ]]
}

@test "binary output to a terminal is refused" {
	command -v script > /dev/null || skip "script(1) is not installed"
	run timeout 10 script -qec "nn-import '$ROOT/data/iris.csv' --label species" /dev/null
	[ "$status" -eq 2 ] || fail "status $status: $output"
	[[ "$output" == *"refusing to write binary data to a terminal"* ]]
}

@test "-o /dev/full: exit 1 with the write error" {
	run --separate-stderr nn-import --label species -o /dev/full "$ROOT/data/iris.csv"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'/dev/full': "*"No space left on device"* ]] || fail "$stderr"
	run --separate-stderr nn-export --format csv -o /dev/full "$DATA/bad/good.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"No space left on device"* ]] || fail "$stderr"
	run --separate-stderr nn-info "$DATA/bad/good.nns" -o /dev/full
	[ "$status" -eq 1 ] || [ "$status" -eq 2 ]
}

@test "stdout to /dev/full: the failed final write is an error" {
	run --separate-stderr sh -c "nn-export --format csv '$DATA/bad/good.nns' > /dev/full"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"No space left on device"* ]] || fail "$stderr"
	run --separate-stderr sh -c "nn-info '$DATA/bad/good.nns' > /dev/full"
	[ "$status" -eq 1 ]
}

@test "-o into a full filesystem leaves nothing behind" {
	[ "$(id -u)" -eq 0 ] || skip "mounting a small tmpfs needs root"
	mkdir -p "$T/small"
	mount -t tmpfs -o size=64k tmpfs "$T/small" 2>/dev/null || skip "cannot mount a tmpfs here"
	head -c 300000 /dev/urandom | od -An -tu1 -w8 | tr -s ' ' ',' | sed 's/^,//' > "$T/big.csv"
	run --separate-stderr nn-import --format csv --no-header --level 1 -o "$T/small/out.nns" "$T/big.csv"
	left=$(ls -A "$T/small")
	umount "$T/small"
	[ "$status" -eq 1 ] || fail "status $status: $stderr"
	[[ "$stderr" == *"No space left on device"* ]] || fail "$stderr"
	[ -z "$left" ] || fail "left behind: $left"
}

@test "-o replaces an existing file only on success" {
	echo "precious" > "$T/out.nns"
	run --separate-stderr nn-export --format csv -o "$T/out.nns" "$DATA/bad/cut-mid-frame.nns"
	[ "$status" -eq 1 ]
	[ "$(cat "$T/out.nns")" = "precious" ]
	no_temporaries "$T"
	run --separate-stderr nn-export --format csv -o "$T/out.nns" "$DATA/bad/good.nns"
	[ "$status" -eq 0 ]
	[ "$(head -c 1 "$T/out.nns")" != p ]
}

@test "-o to a FIFO writes into it in place" {
	mkfifo "$T/fifo"
	nn-export --format csv -o "$T/fifo" "$DATA/bad/good.nns" &
	lines=$(wc -l < "$T/fifo")
	wait $!
	[ "$lines" -eq 9 ]
	[ -p "$T/fifo" ]
}

@test "-o /dev/stdout writes to standard output in place" {
	run --separate-stderr sh -c "nn-export --format csv -o /dev/stdout '$DATA/bad/good.nns' | wc -l"
	[ "$status" -eq 0 ]
	[ "$output" -eq 9 ]
}

@test "SIGINT and SIGTERM during -o leave no partial or temporary file" {
	for sig in INT TERM; do
		mkfifo "$T/slow.$sig"
		# a producer that stalls after half a stream (exec: the kill
		# below ends the sleep; 3>&-: bats does not wait for it)
		( head -c 200 "$DATA/bad/good.nns"; exec sleep 30 ) > "$T/slow.$sig" 3>&- &
		producer=$!
		nn-export --format csv -o "$T/out.$sig" "$T/slow.$sig" &
		pid=$!
		temporary_appears "$T"
		kill -"$sig" "$pid"
		wait "$pid" || true
		kill "$producer" 2>/dev/null || true
		[ ! -e "$T/out.$sig" ] || fail "output file left after SIG$sig"
		no_temporaries "$T" || fail "temporary left after SIG$sig"
	done
}

@test "a broken pipe downstream ends the program quietly" {
	seq 1 200000 | sed 's/.*/&,&/' | nn-import --format csv --no-header -o "$T/big.nns"
	run --separate-stderr sh -c "nn-export --format csv '$T/big.nns' | head -n 1"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ] || fail "stderr: $stderr"
}

@test "same input and options give byte-identical output" {
	nn-import --label species -o "$T/a.nns" "$ROOT/data/iris.csv"
	nn-import --label species -o "$T/b.nns" "$ROOT/data/iris.csv"
	cmp "$T/a.nns" "$T/b.nns"
}

@test "crafted size bombs fail fast with peak memory under 64 MiB" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time is not installed (make deps installs it)"
	for f in map-bomb huge-shape huge-rows bin-bomb huge-window deep-meta; do
		for r in "nn-info --verify" "nn-export --format csv"; do
			run --separate-stderr /usr/bin/time -f 'rss=%M' $r "$DATA/bad/$f.nns"
			[ "$status" -eq 1 ] || fail "$r $f: status $status"
			rss=$(printf '%s\n' "$stderr" | sed -n 's/^rss=//p')
			[ "$rss" -lt 65536 ] || fail "$r $f: peak RSS $rss KiB"
		done
	done
}
