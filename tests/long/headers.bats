#!/usr/bin/env bats
# Every public header compiles on its own (includes what it uses): a
# check of the tree for developers, in make check-long.

load helper

@test "the public headers compile on their own" {
	# one file including one header each, all checked by one cc (each
	# file its own translation unit; no assembler, no objects)
	local h n
	mkdir "$T/h"
	for h in "$ROOT"/include/nn/*.h; do
		n=${h##*/}
		printf '#include "nn/%s"\n' "$n" > "$T/h/${n%.h}.c"
	done
	cd "$T/h"
	[ "$(ls ./*.c | wc -l)" -eq "$(ls "$ROOT"/include/nn/*.h | wc -l)" ]
	run cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$ROOT/include" ./*.c
	[ "$status" -eq 0 ] || fail "$output"
}
