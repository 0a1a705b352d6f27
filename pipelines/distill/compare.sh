#!/bin/sh
# compare.sh OUT MODEL...: the side-by-side table of the distillation
# pipeline, from each OUT/MODEL's metrics.json, speed.txt and model.
set -eu
out=$1
shift
. "$(dirname "$0")/../lib.sh"   # json_num
val() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$2"; }
echo "# Digits distillation"
echo
echo "Teacher, a small student trained on the true classes, and the same"
echo "student trained on the teacher's softened probabilities, scored on the"
echo "same test rows. Each model's own report: \`MODEL/report.md\`."
echo
echo "| model | layers | parameters | accuracy | file bytes | predict rows/s |"
echo "|---|---|---|---:|---:|---:|"
for m in "$@"; do
	d="$out/$m"
	layers=$(nn-info "$d/model.nnm" | grep -o '"layers": \[[0-9, ]*\]' | sed 's/.*\[//; s/\]//; s/, /-/g')
	params=$(echo "$layers" | tr - '\n' | awk 'NR > 1 { p += prev * $1 + $1 } { prev = $1 } END { print p }')
	printf '| %s | %s | %s | %s | %s | %s |\n' "$m" "$layers" "$params" \
		"$(printf "%.4f" "$(json_num accuracy < "$d/metrics.json")")" "$(val bytes "$d/speed.txt")" \
		"$(val rows_per_s "$d/speed.txt")"
done
echo
echo "Prediction speed: nn-predict, one thread, best of three runs over the"
echo "test rows repeated ($(val rows "$out/$1/speed.txt") rows); it depends on the machine and its load."
