#!/usr/bin/env bats
# The build itself: install layout, manual pages that render cleanly.
load helper

@test "make install puts programs, man pages, headers and the library under DESTDIR" {
	run make -C "$ROOT" --no-print-directory install DESTDIR="$T/root" PREFIX=/usr BUILD="$BUILD"
	[ "$status" -eq 0 ] || fail "$output"
	for p in "$BUILD"/bin/nn-*; do
		[ -x "$T/root/usr/bin/$(basename "$p")" ] || fail "missing $(basename "$p")"
		[ -f "$T/root/usr/share/man/man1/$(basename "$p").1" ] || fail "missing man page of $(basename "$p")"
	done
	[ -f "$T/root/usr/share/man/man5/nn-stream.5" ]
	[ -f "$T/root/usr/share/man/man7/nnpipe.7" ]
	[ -f "$T/root/usr/include/nn/stream.h" ]
	[ -f "$T/root/usr/lib/libnncommon.a" ]
}

@test "every man page renders without groff warnings" {
	command -v groff > /dev/null || skip "groff is not installed"
	for page in "$ROOT"/man/man*/*.[157]; do
		run groff -man -ww -z "$page"
		[ "$status" -eq 0 ] && [ -z "$output" ] || fail "$page: $output"
	done
}

@test "the public headers compile on their own" {
	for h in "$ROOT"/include/nn/*.h; do
		printf '#include "nn/%s"\n' "$(basename "$h")" > "$T/one.c"
		run cc -std=c11 -Wall -Wextra -Werror -I"$ROOT/include" -c "$T/one.c" -o "$T/one.o"
		[ "$status" -eq 0 ] || fail "$h: $output"
	done
}
