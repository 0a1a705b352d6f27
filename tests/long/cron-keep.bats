#!/usr/bin/env bats
# pipelines/cron/nn-cron (issue 17 item 5): --keep N releases, --rollback
# STATE, the audit line of every run, and a state restored from a copy.
load helper

# cron_setup and cron: helper.bash
setup() { cron_setup; }

# change: other data (a different share of setosa rows dropped each time)
change() {
	awk -F, -v k="$1" 'NR == 1 || $NF != "setosa" || NR % k' "$ROOT/data/iris.csv" > "$T/data/iris.csv"
}

@test "cron --keep 3: three releases kept, the oldest removed only after the fourth is published" {
	for k in 2 3 4 5; do
		change $k
		run cron --keep 3
		[ "$status" -eq 0 ] || fail "$(cat "$S/cron.log")"
	done
	[ "$(ls "$S/releases" | wc -l)" -eq 3 ]
	[ -d "$S/$(readlink "$S/current")" ]
	# prune after publish: the log says so in that order
	grep -n 'published:\|audit: result=ok' "$S/cron.log" | tail -n 2 | head -n 1 | grep -q published:
	run "$CRON" -d "$S" --keep 0 "$IRIS"
	[ "$status" -eq 2 ]
	run "$CRON" -d "$S" --keep x "$IRIS"
	[ "$status" -eq 2 ]
}

@test "cron --rollback STATE points current to the release before, and logs it" {
	change 2
	cron
	first=$(readlink "$S/current")
	change 3
	cron
	second=$(readlink "$S/current")
	[ "$first" != "$second" ]
	run "$CRON" --rollback "$S"
	[ "$status" -eq 0 ] || fail "$output $(cat "$S/cron.log")"
	[ "$(readlink "$S/current")" = "$first" ]
	grep -q "rolled back: .*current -> $first (was $second)" "$S/cron.log"
	grep -q "audit: result=rollback .*release=${first#releases/} " "$S/cron.log"
	# nothing before the first release: exit 1, current unchanged
	run "$CRON" --rollback "$S"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no release before"* ]]
	[ "$(readlink "$S/current")" = "$first" ]
	run "$CRON" --rollback "$T/nowhere"
	[ "$status" -eq 2 ]
}

@test "cron: one audit line per run, with user, host, input and output sha256s and the result" {
	cron
	cron
	run grep -c 'audit: ' "$S/cron.log"
	[ "$output" -eq 2 ]
	in_sum=$(sha256sum < "$T/data/iris.csv" | cut -d' ' -f1)
	rel=$(readlink "$S/current")
	out_sum=$(sha256sum < "$S/current/SHA256SUMS" | cut -d' ' -f1)
	line=$(grep 'audit: result=ok' "$S/cron.log")
	[[ "$line" == *" user=$(id -un) host=$(uname -n) pipeline=$IRIS "* ]] || fail "$line"
	[[ "$line" == *" inputs=$T/data/iris.csv:$in_sum "* ]] || fail "$line"
	[[ "$line" == *" outputs=$out_sum release=${rel#releases/} signer=-" ]] || fail "$line"
	grep -q 'audit: result=unchanged .* outputs='"$out_sum" "$S/cron.log"
	# SHA256SUMS checks the release
	(cd "$S/current" && sha256sum --quiet -c SHA256SUMS)
	grep -q ' ./species/model.nnm$' "$S/current/SHA256SUMS"
	# a failed run has its line too
	printf 'sepal_length,species\n' > "$T/data/iris.csv"
	run cron
	[ "$status" -eq 1 ]
	grep -q 'audit: result=failed .* outputs=- release=- signer=-' "$S/cron.log"
}

@test "cron: a copy of STATE restored elsewhere is a whole state (rebuilds nothing, rolls back)" {
	change 2
	cron
	change 3
	cron
	cp -a "$S" "$T/backup"
	rm -rf "$S"
	mv "$T/backup" "$T/restored"
	run "$CRON" -d "$T/restored" "$IRIS" NN_BIN="$BUILD/bin" DATA="$T/data"
	[ "$status" -eq 0 ]
	tail -n 1 "$T/restored/cron.log" | grep -q 'unchanged'
	[ -s "$T/restored/current/species/model.nnm" ]
	run "$CRON" --rollback "$T/restored"
	[ "$status" -eq 0 ]
	[ -s "$T/restored/current/species/model.nnm" ]
}
