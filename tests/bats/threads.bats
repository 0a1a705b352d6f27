#!/usr/bin/env bats
# The writers' default number of compression threads (tool_compress_threads):
# 2 when the program reads and writes files, 1 when its input or its output
# is a pipe (one stage of a pipeline, whose other stages have the other
# core).  The thread count shows nowhere in the output, which is the same
# for any number; strace counts the threads each run starts.

load helper

setup() {
	T="$BATS_TEST_TMPDIR"
	command -v strace >/dev/null || skip "strace is not installed"
	strace -f -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here (ptrace not allowed)"
	[ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ] || skip "one processor: the default is 1 thread everywhere"
	# 100,000 rows of 4 f32 and a label: 1.9 MB raw, several full batches
	seq 1 100000 | awk 'BEGIN { print "a,b,c,d,y" } { print $1, $1 % 7, -$1 / 3, $1 * $1 % 1000, $1 % 3 }' OFS=, |
		nn-import -q --label y --threads 1 -o "$T/in.nns"
}

# clones CMD...: how many threads (clone or clone3 with CLONE_THREAD, not
# the shell's forks) CMD started.
clones() {
	strace -f -qq -e trace=clone,clone3 -e signal=none -o "$T/trace" sh -c "$*" >/dev/null
	grep -c 'CLONE_THREAD' "$T/trace" || true
}

# same A B: the two streams hold the same data (the provenance records
# the options, --threads among them).
same() {
	cmp <(nn-export "$1") <(nn-export "$2")
}

@test "threads: files on both ends get 2 compression threads, a pipe on either end 1, any --threads as given" {
	for cmd in "nn-clean -q" "nn-normalize -q --method zscore" "nn-augment -q --noise 0.1 --seed 1"; do
		one=$(clones "$cmd --threads 1 -o '$T/1.nns' '$T/in.nns'")
		two=$(clones "$cmd --threads 2 -o '$T/2.nns' '$T/in.nns'")
		# the writer's threads are the only difference between the two
		[ "$two" -eq $((one + 1)) ] || { echo "$cmd: $one threads with --threads 1, $two with 2"; false; }
		[ "$(clones "$cmd -o '$T/d.nns' '$T/in.nns'")" -eq "$two" ]          # file to file
		[ "$(clones "$cmd '$T/in.nns' > '$T/s.nns'")" -eq "$two" ]           # stdout a file
		[ "$(clones "$cmd '$T/in.nns' | cat > '$T/p.nns'")" -eq "$one" ]     # stdout a pipe
		[ "$(clones "cat '$T/in.nns' | $cmd -o '$T/q.nns'")" -eq "$one" ]    # stdin a pipe
		[ "$(clones "$cmd --threads 2 '$T/in.nns' | cat > '$T/r.nns'")" -eq "$two" ]   # as given
		for f in 2 d s p q r; do
			same "$T/1.nns" "$T/$f.nns"
		done
	done
}

@test "threads: nn-split gives 2 threads to each of train and test, 1 to each of many shards" {
	one=$(clones "nn-split -q --threads 1 --seed 1 --train '$T/a1.nns' --test '$T/b1.nns' '$T/in.nns'")
	def=$(clones "nn-split -q --seed 1 --train '$T/a2.nns' --test '$T/b2.nns' '$T/in.nns'")
	[ "$def" -eq $((one + 2)) ] || { echo "$one threads with --threads 1, $def by default"; false; }
	same "$T/a1.nns" "$T/a2.nns"
	same "$T/b1.nns" "$T/b2.nns"
	one=$(clones "nn-split -q --threads 1 --shards 4 --shard-pattern '$T/s1-%d.nns' '$T/in.nns'")
	def=$(clones "nn-split -q --shards 4 --shard-pattern '$T/s2-%d.nns' '$T/in.nns'")
	[ "$def" -eq "$one" ]
	for i in 0 1 2 3; do
		same "$T/s1-$i.nns" "$T/s2-$i.nns"
	done
}

@test "threads: nn-import of a CSV file into a file gets 2, from a pipe 1" {
	nn-export --format csv "$T/in.nns" > "$T/in.csv"
	one=$(clones "nn-import -q --label y --threads 1 -o '$T/1.nns' '$T/in.csv'")
	[ "$(clones "nn-import -q --label y -o '$T/2.nns' '$T/in.csv'")" -eq $((one + 1)) ]
	[ "$(clones "cat '$T/in.csv' | nn-import -q --label y -o '$T/3.nns'")" -eq "$one" ]
	same "$T/1.nns" "$T/2.nns"
	same "$T/1.nns" "$T/3.nns"
}
