#!/usr/bin/env bats
# The writers' default number of compression threads (tool_compress_threads):
# 2 when the program reads and writes files, 1 when its input or its output
# is a pipe (one stage of a pipeline, whose other stages have the other
# core); and the reader's threads beside them.  None of this shows in the
# output, which is the same for any number; strace shows how many threads
# a run starts and which of them write the output (the program's own
# writes the header and the trailer, each compression thread the batches
# it took).  Which thread takes a batch is the scheduler's choice, so a
# thread may write none: the counts asserted are the threads started,
# compared with the same run on --threads 1, and writers within bounds.

load helper

# The input of every test, made once (the tests only read it): 100,000
# rows of 4 f32 and a label, 1.9 MB raw, 8 batches.
setup_file() {
	seq 1 100000 | awk 'BEGIN { print "a,b,c,d,y" } { print $1, $1 % 7, -$1 / 3, $1 * $1 % 1000, $1 % 3 }' OFS=, |
		nn-import -q --label y --threads 1 -o "$BATS_FILE_TMPDIR/in.nns"
}

setup() {
	T="$BATS_TEST_TMPDIR"
	IN="$BATS_FILE_TMPDIR/in.nns"
	command -v strace >/dev/null || skip "strace is not installed"
	strace -f -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here (ptrace not allowed)"
	CPUS=$(getconf _NPROCESSORS_ONLN)
	[ "$CPUS" -ge 2 ] || skip "one processor: the default is 1 thread everywhere"
}

# trace CMD: run CMD (a shell command) under strace, every thread followed.
trace() {
	strace -f -y -qq -e trace=read,write,clone,clone3 -e signal=none -o "$T/trace" sh -c "$*" >/dev/null
}
# started: how many threads (not the shell's processes) the traced run started.
started() {
	grep -c 'CLONE_THREAD' "$T/trace" || true
}
# extra CMD [OPT]: how many more threads CMD starts with OPT (default none)
# in place of its `@T` than with `--threads 1` there (the reader's threads,
# and a sanitizer's, are the same in both).  The run with OPT is traced last.
extra() {
	trace "${1/@T/--threads 1}"; local base; base=$(started)
	trace "${1/@T/${2:-}}"; echo $(( $(started) - base ))
}
# writers_within PATTERN N: in the run traced last, with N compression
# threads, 2 to N+1 threads wrote the output: the program's own (the header
# and the trailer) and each compression thread that took a batch.
writers_within() {
	local w; w=$(writers "$1")
	[ "$w" -ge 2 ] && [ "$w" -le $(( $2 + 1 )) ] || { echo "$w threads wrote $1, expected 2..$(( $2 + 1 ))"; false; }
}
# writers PATTERN: how many threads of the traced run wrote to a file
# descriptor whose target matches PATTERN (`pipe:` for a pipe).
writers() {
	grep -E "write\([0-9]+<[^>]*$1" "$T/trace" | awk '{ print $1 }' | sort -u | wc -l
}
# readers PATTERN: the same for reads.
readers() {
	grep -E "read\([0-9]+<[^>]*$1" "$T/trace" | awk '{ print $1 }' | sort -u | wc -l
}

# same A B: the two streams hold the same data (the provenance records
# the options, --threads among them).
same() {
	cmp <(nn-export "$1") <(nn-export "$2")
}

@test "threads: files on both ends get 2 compression threads, a pipe on either end 1, --threads as given" {
	# make check: nn-clean; make check-long: each of the three
	local cmds cmd
	mapfile -t cmds < <(sampled 3 "nn-clean -q" "nn-normalize -q --method zscore" "nn-augment -q --noise 0.1 --seed 1")
	for cmd in "${cmds[@]}"; do
		trace "$cmd --threads 1 -o '$T/1.nns' '$IN'"
		[ "$(writers '/\.nn-1\.nns')" -eq 2 ]           # the program and one thread
		# each line: the threads started beyond --threads 1's, then who wrote
		[ "$(extra "$cmd @T -o '$T/3.nns' '$IN'" '--threads 3')" -eq 2 ]
		writers_within '/\.nn-3\.nns' 3
		[ "$(extra "$cmd @T -o '$T/d.nns' '$IN'")" -eq 1 ]             # file to file
		writers_within '/\.nn-d\.nns' 2
		[ "$(extra "$cmd @T '$IN' > '$T/s.nns'")" -eq 1 ]              # stdout a file
		writers_within '/s\.nns' 2
		[ "$(extra "$cmd @T '$IN' | cat > '$T/p.nns'")" -eq 0 ]        # stdout a pipe
		[ "$(writers 'pipe:')" -eq 2 ]
		[ "$(extra "cat '$IN' | $cmd @T -o '$T/q.nns'")" -eq 0 ]       # stdin a pipe
		[ "$(writers '/\.nn-q\.nns')" -eq 2 ]
		for f in 3 d s p q; do
			same "$T/1.nns" "$T/$f.nns"
		done
	done
}

@test "threads: a pass that only reads decompresses on 2 threads" {
	# a sanitizer's runtime starts threads of its own at exit
	ldd "$BUILD/bin/nn-info" | grep -q 'libasan\|libubsan' && san=1 || san=0
	trace "nn-info --verify '$IN'"
	[ "$san" = 1 ] || [ "$(started)" -eq 2 ]
	[ "$(readers '/in\.nns')" -ge 2 ]                    # the header, then the workers taking turns
	# without read-ahead (nn_reader_set_threads 0): test-stream counts the threads
}

@test "threads: nn-split gives 2 threads to each of train and test, 1 to each of many shards" {
	trace "nn-split -q --threads 1 --seed 1 --train '$T/a1.nns' --test '$T/b1.nns' '$IN'"
	[ "$(writers '/\.nn-a1\.nns')" -eq 2 ]
	[ "$(extra "nn-split -q @T --seed 1 --train '$T/a2.nns' --test '$T/b2.nns' '$IN'")" -eq 2 ]
	writers_within '/\.nn-a2\.nns' 2
	same "$T/a1.nns" "$T/a2.nns"
	same "$T/b1.nns" "$T/b2.nns"
	[ "$(extra "nn-split -q @T --shards 4 --shard-pattern '$T/s-%d.nns' '$IN'")" -eq 0 ]
	[ "$(writers '/\.nn-s-0\.nns')" -eq 2 ]
}

@test "threads: nn-import of a CSV file into a file gets 2, from a pipe 1" {
	nn-export --format csv "$IN" > "$T/in.csv"
	trace "nn-import -q --label y --threads 1 -o '$T/1.nns' '$T/in.csv'"
	[ "$(writers '/\.nn-1\.nns')" -eq 2 ]
	[ "$(extra "nn-import -q @T --label y -o '$T/2.nns' '$T/in.csv'")" -eq 1 ]
	writers_within '/\.nn-2\.nns' 2
	[ "$(extra "cat '$T/in.csv' | nn-import -q @T --label y -o '$T/3.nns'")" -eq 0 ]
	[ "$(writers '/\.nn-3\.nns')" -eq 2 ]
	same "$T/1.nns" "$T/2.nns"
	same "$T/2.nns" "$T/3.nns"
}
