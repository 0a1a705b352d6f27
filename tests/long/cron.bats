#!/usr/bin/env bats
# pipelines/cron/nn-cron: the Iris pipeline rebuilt from "cron" on a copy of
# its data — first build and publication, an unchanged input (nothing
# rebuilt), a changed one, two overlapping runs, a failing step.
load helper

# cron_setup and cron: helper.bash
setup() { cron_setup; }

@test "first run builds, publishes current/ whole and logs with timestamps" {
	run cron
	[ "$status" -eq 0 ] || fail "$output $(cat "$S/cron.log")"
	[ -L "$S/current" ]
	[ -s "$S/current/species/report.md" ]
	[ -s "$S/current/virginica/model.nnm" ]
	cmp "$S/current/species/model.nnm" "$S/work/species/model.nnm"
	# Every line starts with an ISO 8601 time and the run's process id.
	run grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4} \[[0-9]+\] ' "$S/cron.log"
	[ "$output" -eq 0 ] || fail "lines without a time stamp: $(cat "$S/cron.log")"
	grep -q '\] start: make -C .*/pipelines/iris OUT=' "$S/cron.log"
	grep -q '\]   nn-train ' "$S/cron.log"           # make's own output, indented
	grep -q '\] published: .*/current -> releases/' "$S/cron.log"
	grep -q '\] done in [0-9]* s$' "$S/cron.log"
}

@test "an unchanged input rebuilds nothing and keeps current/" {
	run cron
	[ "$status" -eq 0 ] || fail "$(cat "$S/cron.log")"
	link=$(readlink "$S/current")
	stamp=$(stat -c %Y.%y "$S/work/species/model.nnm")
	sleep 1
	run cron
	[ "$status" -eq 0 ] || fail "$(cat "$S/cron.log")"
	[ -z "$output" ]                                 # quiet for cron's mail
	tail -n 1 "$S/cron.log" | grep -q '\] unchanged: .*nothing rebuilt$'
	[ "$(readlink "$S/current")" = "$link" ]
	[ "$(stat -c %Y.%y "$S/work/species/model.nnm")" = "$stamp" ]
	[ "$(grep -c published "$S/cron.log")" -eq 1 ]
	[ "$(ls "$S/releases" | wc -l)" -eq 1 ]
}

@test "a changed input is rebuilt and published; the previous release stays" {
	run cron
	[ "$status" -eq 0 ] || fail "$(cat "$S/cron.log")"
	old=$(readlink "$S/current")
	# A fourth of the setosa rows dropped: other training data, other model.
	awk -F, 'NR == 1 || $NF != "setosa" || NR % 4' "$ROOT/data/iris.csv" > "$T/data/iris.csv"
	run cron
	[ "$status" -eq 0 ] || fail "$(cat "$S/cron.log")"
	new=$(readlink "$S/current")
	[ "$new" != "$old" ]
	[ -d "$S/$old" ]                                # a reader of the old one is safe
	grep -q "^$(sha256sum < "$T/data/iris.csv" | cut -d' ' -f1)  " "$S/current/species/report.md"
	! cmp -s "$S/$old/species/model.nnm" "$S/current/species/model.nnm"
	[ "$(grep -c published "$S/cron.log")" -eq 2 ]
	# A third build keeps two releases: the current one and the one before.
	touch "$T/data/iris.csv"
	run cron
	[ "$status" -eq 0 ] || fail "$(cat "$S/cron.log")"
	[ "$(ls "$S/releases" | wc -l)" -eq 2 ]
	[ ! -d "$S/$old" ]
	[ -d "$S/$new" ]
}

@test "two overlapping runs: the second finds the lock held and does nothing" {
	# An nn-train slow enough for the second run to start meanwhile.
	mkdir "$T/bin"
	for p in "$BUILD"/bin/nn-*; do ln -s "$p" "$T/bin/"; done
	rm "$T/bin/nn-train"
	printf '#!/bin/sh\nsleep 2\nexec "%s" "$@"\n' "$BUILD/bin/nn-train" > "$T/bin/nn-train"
	chmod +x "$T/bin/nn-train"
	"$CRON" -d "$S" "$IRIS" NN_BIN="$T/bin" DATA="$T/data" 3>&- &
	first=$!
	# Wait until the first run holds the lock (it logs "start" after).
	for _ in $(seq 100); do
		grep -qs start: "$S/cron.log" && break
		sleep 0.1
	done
	run "$CRON" -d "$S" "$IRIS" NN_BIN="$T/bin" DATA="$T/data"
	[ "$status" -eq 0 ]
	grep -q '\] busy: another run holds .*/lock; nothing done$' "$S/cron.log"
	wait "$first" || fail "first run: $(cat "$S/cron.log")"
	[ "$(grep -c '\] start:' "$S/cron.log")" -eq 1 ]
	[ "$(grep -c '\] published:' "$S/cron.log")" -eq 1 ]
	# The log shows one run, then the other: the busy line comes before the
	# first run ended, and no line of the second run's make.
	[ "$(grep -c '\] busy:' "$S/cron.log")" -eq 1 ]
}

@test "-w waits for the lock held by another process, then runs" {
	mkdir -p "$S"
	flock "$S/lock" sleep 2 3>&- &
	holder=$!
	sleep 0.3
	run cron -w 0
	[ "$status" -eq 0 ]
	grep -q 'busy:' "$S/cron.log"
	[ ! -e "$S/current" ]
	run cron -w 30
	[ "$status" -eq 0 ] || fail "$(cat "$S/cron.log")"
	[ -L "$S/current" ]
	wait "$holder"
}

@test "a failing step: exit 1, a FAILED line, current/ as it was, retried next time" {
	run cron
	[ "$status" -eq 0 ] || fail "$(cat "$S/cron.log")"
	link=$(readlink "$S/current")
	report=$(sha256sum < "$S/current/species/report.md")
	# The label column renamed: nn-import cannot find --label species.
	sed -i '1s/species$/kind/' "$T/data/iris.csv"
	run cron
	[ "$status" -eq 1 ]
	[[ "$output" == *"nn-cron: iris: FAILED: make exited with status 2; current/ left as it was"* ]] || fail "$output"
	tail -n 1 "$S/cron.log" | grep -q '\] FAILED: make exited with status 2; current/ left as it was$'
	grep -q "nn-import: .*species" "$S/cron.log"    # the program's own message
	[ "$(readlink "$S/current")" = "$link" ]
	[ "$(sha256sum < "$S/current/species/report.md")" = "$report" ]
	# nn-import failed without touching its old output: still older than
	# the data, so nothing looks up to date.
	cmp "$S/work/species/iris.nns" "$S/current/species/iris.nns"
	[ "$S/work/species/iris.nns" -ot "$T/data/iris.csv" ]
	[ -z "$(find "$S" -name '.nn-*')" ]
	# Still out of date: the next run tries again, and succeeds once fixed.
	run cron
	[ "$status" -eq 1 ]
	cp "$ROOT/data/iris.csv" "$T/data/iris.csv"
	run cron
	[ "$status" -eq 0 ] || fail "$(cat "$S/cron.log")"
	[ "$(readlink "$S/current")" != "$link" ]
}

@test "bad usage exits 2" {
	run "$CRON"
	[ "$status" -eq 2 ]
	run "$CRON" -w x "$IRIS"
	[ "$status" -eq 2 ]
	run "$CRON" -d "$S" "$IRIS" not-a-variable
	[ "$status" -eq 2 ]
	run "$CRON" -d "$S" "$T"
	[ "$status" -eq 2 ]
	[[ "$output" == *"no Makefile"* ]]
}
