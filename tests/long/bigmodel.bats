#!/usr/bin/env bats
# A model of 2^30 parameters (one linear layer 32768 x 32768: 4 GiB of
# f32, a file of about 3.6 GB) written and read back through the chunk
# layout (nn-stream(5), "Tensors in chunks") by test-tensors --big-write
# and --big-read, each in at most 256 MiB beyond the tensor itself; every
# value read back is the one written.  nn-info --verify reads the file in
# constant memory.  The file is removed at the end, passed or not.
# Measured (2026-12, a loaded 2-core machine): 10 MiB beyond the tensor
# either way, 140 s each.

load helper

TENSOR_KB=4194432       # the network's parameters: (2^30 + 2^15) floats, in KiB
EXTRA_KB=262144         # 256 MiB

teardown() {
	rm -f "$T/big.nnm"
}

@test "bigmodel: a 1 G-parameter model file is written and read in bounded memory" {
	avail=$(df -k --output=avail "$T" | tail -n 1)
	[ "$avail" -gt 6000000 ] || skip "under 6 GB free in $T"
	mem=$(awk '/MemAvailable/ { print $2 }' /proc/meminfo)
	[ "$mem" -gt 5000000 ] || skip "under 5 GB of memory available"
	/usr/bin/time -f %M -o "$T/rss.write" test-tensors --big-write "$T/big.nnm"
	echo "write: peak RSS $(cat "$T/rss.write") KiB, file $(stat -c %s "$T/big.nnm") bytes"
	[ "$(cat "$T/rss.write")" -lt $((TENSOR_KB + EXTRA_KB)) ]
	[ "$(stat -c %s "$T/big.nnm")" -gt 3000000000 ]
	/usr/bin/time -f %M -o "$T/rss.read" test-tensors --big-read "$T/big.nnm" > "$T/out"
	echo "read: peak RSS $(cat "$T/rss.read") KiB; $(cat "$T/out")"
	[ "$(cat "$T/rss.read")" -lt $((TENSOR_KB + EXTRA_KB)) ]
	grep -q '^1073774592 parameters read, 0 differ$' "$T/out"
	/usr/bin/time -f %M -o "$T/rss.info" nn-info --verify -q "$T/big.nnm"
	[ "$(cat "$T/rss.info")" -lt 65536 ]
}
