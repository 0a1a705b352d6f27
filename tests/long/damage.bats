#!/usr/bin/env bats
# Every byte offset and every third byte of a stream through every
# reading program (in make check, test-stream damages streams in-process
# at every offset, and each program's file tries its own cuts and bad
# inputs).  No reader may exit 0 on a cut or flipped stream, and a cut
# stream's message names the file.
load helper

@test "a multi-batch stream cut at every byte offset: no reader exits 0" {
	f="$DATA/bad/good.nns"
	cuts_refused "$f" $(seq 0 $(($(stat -c %s "$f") - 1)))
}

@test "single-bit flips in every third byte of a stream: no reader exits 0" {
	f="$DATA/bad/good.nns"
	flips_refused "$f" 3
	[ "$FLIPS_TRIED" -eq $(( ($(stat -c %s "$f") + 2) / 3 )) ]
}
