#!/bin/sh
# tune-report.sh TITLE TABLE TUNED HAND TEST: markdown setting the model
# nn-tune chose (TUNED, trained with the configuration of rank 1 in
# nn-tune's TABLE) beside the pipeline's hand-picked one (HAND), both
# scored on the held-out TEST rows that the search never saw: the table's
# five best rows, the two test accuracies, and whether the chosen one
# scores at least as well.  Deterministic (no times): the same run gives
# the same bytes.
set -eu
[ $# -eq 5 ] || { echo "usage: tune-report.sh TITLE TABLE TUNED HAND TEST" >&2; exit 2; }
title=$1 table=$2 tuned=$3 hand=$4 test=$5
acc() { nn-eval --json -m "$1" "$test" | grep -o '"accuracy": [0-9.e-]*' | head -n 1 | sed 's/.*: //'; }
a_tuned=$(acc "$tuned")
a_hand=$(acc "$hand")
[ -n "$a_tuned" ] && [ -n "$a_hand" ] || { echo "tune-report.sh: no accuracy from nn-eval" >&2; exit 1; }
echo "# $title: nn-tune's choice against the hand-picked model"
echo
echo "Cross-validation: $(awk -F '\t' 'NR == 2 { for (i = 1; i <= NF; i++) if (h[i] == "setup") print $i } NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i }' "$table")."
echo
echo "| rank | configuration (nn-train arguments) | CV mean | CV std |"
echo "|---:|---|---:|---:|"
awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
             $c["rank"] != "" { printf "%s\t| %s | `%s` | %.4f | %.4f |\n", $c["rank"], $c["rank"], $c["args"], $c["mean"], $c["std"] }' \
	"$table" | sort -n -s -k1,1 | head -n 5 | cut -f2-
echo
echo "| model | test accuracy |"
echo "|---|---:|"
echo "| hand-picked ($hand) | $a_hand |"
echo "| nn-tune's best, refitted ($tuned) | $a_tuned |"
echo
if awk -v a="$a_tuned" -v b="$a_hand" 'BEGIN { exit !(a + 0 >= b + 0) }'; then
	echo "The chosen configuration scores at least as well as the hand-picked one on the test rows."
else
	echo "The chosen configuration scores lower than the hand-picked one on the test rows."
fi
