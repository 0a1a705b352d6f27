#!/usr/bin/env bats
# Shell completion generated from the option tables (tools/completion.sh),
# and the parser's "did you mean" as every program shows it.

load helper

setup() {
	T="$BATS_TEST_TMPDIR"
	sh "$ROOT/tools/completion.sh" "$BUILD/bin" > "$T/nn.bash"
}

# complete WORD...: COMPREPLY for the command line WORD... (the last word
# is the one being completed), one per line, sorted.
complete_words() {
	T="$T" bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		fn=$(complete -p "$1" | sed "s/.*-F \([^ ]*\) .*/\1/")
		cd "$T" && "$fn"
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$T/nn.bash" "$@"
}

@test "the completion script is valid bash and covers every program" {
	bash -n "$T/nn.bash"
	for p in "$BUILD"/bin/nn-*; do
		name=${p##*/}
		grep -qx "complete -F _${name//-/_} $name" "$T/nn.bash"
	done
}

@test "options complete from the option table" {
	run complete_words nn-train --resu
	[ "$output" = "--resume" ]
	run complete_words nn-eval --jso
	[ "$output" = "--json" ]
}

@test "files complete by what the option reads" {
	touch "$T/a.nnm" "$T/b.nns" "$T/c.csv"
	run complete_words nn-eval -m ''
	[ "$output" = "a.nnm" ]
	run complete_words nn-info ''
	[ "$output" = "b.nns" ]
	run complete_words nn-import ''
	[ "${lines[*]}" = "a.nnm b.nns c.csv nn.bash" ]
}

@test "an unknown long option suggests the closest: exit 2" {
	run --separate-stderr nn-train --epoch 3
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "nn-train: unknown option '--epoch'; did you mean '--epochs'?" ]
	run --separate-stderr nn-info --jsno
	[ "$status" -eq 2 ]
	[[ "${stderr_lines[0]}" == *"did you mean '--json'?" ]]
}
