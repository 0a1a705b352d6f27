#!/bin/sh
# sidebyside.sh ROUNDS 'NAME|CMD' ...: run every CMD once per round, in
# turn, ROUNDS rounds, and print each one's median, lowest and highest
# elapsed seconds, and its median CPU seconds (user + system).  On a
# shared machine the speed drifts from one minute to the next; taking the
# commands in turn lets the drift fall on all of them alike, the median
# is less swayed by one slow round than the mean, and CPU time less by
# waiting for a processor than elapsed time.
set -eu
rounds=$1
shift
W=$(mktemp -d "${TMPDIR:-/tmp}/nn-side.XXXXXX")
trap 'rm -rf "$W"' EXIT
for _ in $(seq "$rounds"); do
	i=0
	for spec in "$@"; do
		i=$((i + 1))
		/usr/bin/time -f '%e %U %S' -o "$W/t" sh -c "${spec#*|}" > /dev/null
		awk '{ print $1 > "'"$W/e$i"'"; print $2 + $3 > "'"$W/c$i"'" }' "$W/t"
		cat "$W/e$i" >> "$W/$i.e"
		cat "$W/c$i" >> "$W/$i.c"
	done
done
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "| command | median s | lowest | highest | median CPU s | rounds |"
echo "|---|---|---|---|---|---|"
i=0
for spec in "$@"; do
	i=$((i + 1))
	printf '| %s | %s | %s | %s | %s | %s |\n' "${spec%%|*}" "$(median "$W/$i.e")" \
		"$(sort -n "$W/$i.e" | head -1)" "$(sort -n "$W/$i.e" | tail -1)" "$(median "$W/$i.c")" \
		"$(wc -l < "$W/$i.e")"
done
