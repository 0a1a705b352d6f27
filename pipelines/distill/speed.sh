#!/bin/sh
# speed.sh MODEL DATA: one line "rows<TAB>seconds<TAB>rows/s" for
# nn-predict of MODEL over DATA (the best of three runs, one thread), and
# "bytes<TAB>N" with the model file's size.
set -eu
[ $# -eq 2 ] || { echo "usage: speed.sh MODEL DATA" >&2; exit 2; }
rows=$(nn-info "$2" | awk -F'\t' '$1 == "rows" { print $2 }')
best=
for _ in 1 2 3; do
	start=$(date +%s.%N)
	nn-predict -q --threads 1 -m "$1" "$2" > /dev/null
	end=$(date +%s.%N)
	best=$(echo "$start $end $best" | awk '{ t = $2 - $1; if ($3 == "" || t < $3) print t; else print $3 }')
done
printf 'rows\t%s\nseconds\t%s\nrows_per_s\t%.0f\nbytes\t%s\n' "$rows" "$best" \
	"$(echo "$rows $best" | awk '{ print $1 / $2 }')" "$(stat -c %s "$1")"
