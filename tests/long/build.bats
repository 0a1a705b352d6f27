#!/usr/bin/env bats
# The build itself: install layout, manual pages that render cleanly.
load helper

@test "make install puts programs, man pages, headers and the library under DESTDIR" {
	run make -C "$ROOT" --no-print-directory install DESTDIR="$T/root" PREFIX=/usr BUILD="$BUILD"
	[ "$status" -eq 0 ] || fail "$output"
	for p in "$BUILD"/bin/nn-*; do
		[ -x "$T/root/usr/bin/$(basename "$p")" ] || fail "missing $(basename "$p")"
		[ -f "$T/root/usr/share/man/man1/$(basename "$p").1" ] || fail "missing man page of $(basename "$p")"
		[ "$(readlink "$T/root/usr/share/bash-completion/completions/$(basename "$p")")" = nnpipe ] ||
			fail "no completion for $(basename "$p")"
	done
	bash -n "$T/root/usr/share/bash-completion/completions/nnpipe"
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

@test "make install's nnpipe.pc builds the C program of nn-stream(5) against the installed library" {
	command -v pkg-config > /dev/null || skip "pkg-config is not installed"
	run make -C "$ROOT" --no-print-directory install DESTDIR="$T/root" PREFIX=/usr BUILD="$BUILD"
	[ "$status" -eq 0 ] || fail "$output"
	pc="$T/root/usr/lib/pkgconfig/nnpipe.pc"
	[ -f "$pc" ] || fail "no $pc"
	grep -qx 'prefix=/usr' "$pc" || fail "$(cat "$pc")"
	grep -qx 'Requires.private: libzstd msgpack openblas zlib libsodium' "$pc" || fail "$(cat "$pc")"
	grep -qx 'Libs: -L${libdir} -lnncommon' "$pc" || fail "$(cat "$pc")"
	# The program exactly as the man page shows it, groff escapes undone.
	awk '/^\.\\" tests\/long\/build\.bats compiles/ { m = 1 }
	     m && /^\.EE$/ { exit }
	     m == 2 { print }
	     m && /^\.EX$/ { m = 2 }' "$ROOT/man/man5/nn-stream.5" |
		sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g' > "$T/sum.c"
	[ "$(wc -l < "$T/sum.c")" -ge 20 ] || fail "no program found in nn-stream.5: $(cat "$T/sum.c")"
	# A sanitized build installs a sanitized archive.
	san=
	! ldd "$BUILD/bin/nn-info" | grep -q libasan || san="-fsanitize=address,undefined"
	export PKG_CONFIG_PATH="$T/root/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$T/root"
	flags=$(pkg-config --static --cflags --libs nnpipe) || fail "pkg-config: $flags"
	[[ "$flags" == *"-I$T/root/usr/include"* ]] || fail "$flags"
	run cc -std=c11 -Wall -Wextra -Werror $san "$T/sum.c" $flags -o "$T/sum"
	[ "$status" -eq 0 ] || fail "$output"
	printf '0.5,0\n2,1\n' | nn-import --no-header --label 1 -o "$T/t.nns"
	run --separate-stderr "$T/sum" "$T/t.nns"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = "$(printf 'rows\t2\nx\tf32\t2.5\ny\ti32\t1')" ] || fail "$output"
	# A cut stream: exit 1, the file named.
	head -c 200 "$T/t.nns" > "$T/cut.nns"
	run --separate-stderr "$T/sum" "$T/cut.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "sum: '$T/cut.nns': "* ]] || fail "$stderr"
	run make -C "$ROOT" --no-print-directory uninstall DESTDIR="$T/root" PREFIX=/usr BUILD="$BUILD"
	[ "$status" -eq 0 ] || fail "$output"
	[ ! -e "$pc" ] && [ ! -e "$T/root/usr/lib/libnncommon.a" ] || fail "uninstall left the library"
}

@test "the programs of make bench build and link without a warning" {
	# make bench-programs with every bench/*.c taken as changed (-W): built
	# again with the Makefile's flags, warnings as errors
	set -- $(for src in "$ROOT"/bench/*.c; do printf -- '-W bench/%s ' "$(basename "$src")"; done)
	[ $# -ge 14 ] || fail "only $(($# / 2)) programs in bench/"
	run make -C "$ROOT" --no-print-directory WERROR=1 BUILD="$BUILD" "$@" bench-programs
	[ "$status" -eq 0 ] || fail "$output"
	[[ "$output" != *warning* ]] || fail "$output"
	[ "$(grep -c -- ' -o .*/bench/' <<< "$output")" -eq $(($# / 2)) ] || fail "not every program built: $output"
}
