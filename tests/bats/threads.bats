#!/usr/bin/env bats
# The writers' default number of compression threads (tool_compress_threads):
# 2 when the program reads and writes files, 1 when its input or its output
# is a pipe (one stage of a pipeline, whose other stages have the other
# core); and the reader's threads beside them.  None of this shows in the
# output, which is the same for any number; strace shows which threads
# write the output (the program's own writes the header and the trailer,
# each compression thread its batches) and which read the input.

load helper

setup() {
	T="$BATS_TEST_TMPDIR"
	command -v strace >/dev/null || skip "strace is not installed"
	strace -f -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here (ptrace not allowed)"
	CPUS=$(getconf _NPROCESSORS_ONLN)
	[ "$CPUS" -ge 2 ] || skip "one processor: the default is 1 thread everywhere"
	# 100,000 rows of 4 f32 and a label: 1.9 MB raw, 8 batches
	seq 1 100000 | awk 'BEGIN { print "a,b,c,d,y" } { print $1, $1 % 7, -$1 / 3, $1 * $1 % 1000, $1 % 3 }' OFS=, |
		nn-import -q --label y --threads 1 -o "$T/in.nns"
}

# trace CMD: run CMD (a shell command) under strace, every thread followed.
trace() {
	strace -f -y -qq -e trace=read,write,clone,clone3 -e signal=none -o "$T/trace" sh -c "$*" >/dev/null
}
# started: how many threads (not the shell's processes) the traced run started.
started() {
	grep -c 'CLONE_THREAD' "$T/trace" || true
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
	for cmd in "nn-clean -q" "nn-normalize -q --method zscore" "nn-augment -q --noise 0.1 --seed 1"; do
		trace "$cmd --threads 1 -o '$T/1.nns' '$T/in.nns'"
		[ "$(writers '/\.nn-1\.nns')" -eq 2 ]           # the program and one thread
		trace "$cmd --threads 3 -o '$T/3.nns' '$T/in.nns'"
		[ "$(writers '/\.nn-3\.nns')" -eq 4 ]
		trace "$cmd -o '$T/d.nns' '$T/in.nns'"           # file to file
		[ "$(writers '/\.nn-d\.nns')" -eq 3 ] || { echo "$cmd: $(writers '/\.nn-d\.nns') writers"; false; }
		trace "$cmd '$T/in.nns' > '$T/s.nns'"            # stdout a file
		[ "$(writers '/s\.nns')" -eq 3 ]
		trace "$cmd '$T/in.nns' | cat > '$T/p.nns'"      # stdout a pipe
		[ "$(writers 'pipe:')" -eq 2 ]
		trace "cat '$T/in.nns' | $cmd -o '$T/q.nns'"     # stdin a pipe
		[ "$(writers '/\.nn-q\.nns')" -eq 2 ]
		for f in 3 d s p q; do
			same "$T/1.nns" "$T/$f.nns"
		done
	done
}

@test "threads: a pass that only reads decompresses on 2 threads" {
	# a sanitizer's runtime starts threads of its own at exit
	ldd "$BUILD/bin/nn-info" | grep -q 'libasan\|libubsan' && san=1 || san=0
	trace "nn-info --verify '$T/in.nns'"
	[ "$san" = 1 ] || [ "$(started)" -eq 2 ]
	[ "$(readers '/in\.nns')" -ge 2 ]                    # the header, then the workers taking turns
	trace "NN_READER_THREAD=0 nn-info --verify '$T/in.nns'"
	[ "$san" = 1 ] || [ "$(started)" -eq 0 ]
	[ "$(readers '/in\.nns')" -eq 1 ]
}

@test "threads: nn-split gives 2 threads to each of train and test, 1 to each of many shards" {
	trace "nn-split -q --threads 1 --seed 1 --train '$T/a1.nns' --test '$T/b1.nns' '$T/in.nns'"
	[ "$(writers '/\.nn-a1\.nns')" -eq 2 ]
	trace "nn-split -q --seed 1 --train '$T/a2.nns' --test '$T/b2.nns' '$T/in.nns'"
	[ "$(writers '/\.nn-a2\.nns')" -eq 3 ]
	same "$T/a1.nns" "$T/a2.nns"
	same "$T/b1.nns" "$T/b2.nns"
	trace "nn-split -q --shards 4 --shard-pattern '$T/s-%d.nns' '$T/in.nns'"
	[ "$(writers '/\.nn-s-0\.nns')" -eq 2 ]
}

@test "threads: nn-import of a CSV file into a file gets 2, from a pipe 1" {
	nn-export --format csv "$T/in.nns" > "$T/in.csv"
	trace "nn-import -q --label y -o '$T/2.nns' '$T/in.csv'"
	[ "$(writers '/\.nn-2\.nns')" -eq 3 ]
	trace "cat '$T/in.csv' | nn-import -q --label y -o '$T/3.nns'"
	[ "$(writers '/\.nn-3\.nns')" -eq 2 ]
	same "$T/2.nns" "$T/3.nns"
}
