#!/bin/sh
# shellcheck disable=SC2016 # the backquotes in the text are markdown's
# report.sh -t TITLE -d DIR [DATA_FILE...]: write DIR/report.md for the run
# whose model is DIR/model.nnm, from what that run left in DIR:
#
#   model.nnm      nn-info: network, seed, the nn-train arguments, epochs
#   metrics.txt    nn-eval's table   -> markdown tables, confusion matrix
#   metrics.json   nn-eval --json    -> the confusion-matrix picture
#   train.tsv      nn-train --log    -> training time, the curve picture
#   test.nns       its checksum; with regression, the mean-predictor baseline
#
# and from nn-train --dry-run run again with the arguments the model
# records (FLOPs, parameters, memory), sha256sum of DATA_FILE... and of the
# streams in DIR, and the programs' --version.  With gnuplot (Debian's
# gnuplot-nox) it draws DIR/curve.png and, for classes, DIR/confusion.png;
# without it the report says so.  Every file is written beside its name and
# renamed over it, so a reader never sees half a report.  Run it from the
# folder nn-train ran in: the arguments in the model are relative to it.
set -eu

usage() { echo "usage: report.sh -t TITLE -d DIR [DATA_FILE...]" >&2; exit 2; }
die() { echo "report.sh: $*" >&2; exit 1; }
title=report dir=
while getopts t:d: opt; do
	case $opt in
	t) title=$OPTARG ;;
	d) dir=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ -n "$dir" ] || usage
for f in model.nnm metrics.txt metrics.json train.tsv test.nns; do
	[ -f "$dir/$f" ] || die "'$dir/$f': missing"
done

# Beside the report, so that the renames below stay within one file system.
tmp=$(mktemp -d "$dir/.report.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

nn-info "$dir/model.nnm" > "$tmp/model.txt"
# A field of the model's nn-info ("key<TAB>value").
info() { awk -F'\t' -v k="$1" '$1 == k { print $2; exit }' "$tmp/model.txt"; }
# json_num KEY: a number of one line of JSON.
. "$(dirname "$0")/lib.sh"

args=$(info args)
seed=$(info seed)
meta=$(info meta)
task=$(printf '%s' "$meta" | grep -o '"task": "[a-z]*"' | sed 's/.*: "//; s/"//')
epochs=$(printf '%s' "$meta" | json_num epochs)
best=$(printf '%s' "$meta" | json_num best_epoch)
# A column of the log's last line, by name (empty when the log has none):
# elapsed_s, the seconds since training started; cpu_s, energy_j and
# energy_source, the run's cost (nn-train(1), "Cost of a run").
log_last() {
	awk -F'\t' -v k="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == k) c = i; next }
		c { v = $c } END { print v }' "$dir/train.tsv"
}
seconds=$(log_last elapsed_s)
cpu=$(log_last cpu_s)
energy=$(log_last energy_j)
energy_source=$(log_last energy_source)
# shellcheck disable=SC2086 # the recorded arguments are words
nn-train --dry-run $args > "$tmp/dryrun.txt" 2>/dev/null ||
	die "nn-train --dry-run $args: failed"
flops_epoch=$(awk -F'\t' '$1 == "flops_per_epoch" { print $2 }' "$tmp/dryrun.txt")

# nn-eval's table: blocks of columns aligned with two or more spaces become
# markdown tables; the first block is "metric value" lines.
md_tables() {
	awk -F'  +' '
	{ sub(/ +$/, "") }
	/^$/ { if (rows) print ""; rows = 0; block++; next }
	/^confusion matrix/ { print "*" $0 "*"; print ""; next }
	{
		line = "|"
		for (i = 1; i <= NF; i++) line = line " " $i " |"
		if (rows++ == 0) {
			if (block == 0) { print "| metric | value |"; print "|---|---|"; print line; next }
			print line; sep = "|"
			for (i = 1; i <= NF; i++) sep = sep "---|"
			print sep; next
		}
		print line
	}
	END { if (rows) print "" }' "$1"
}

# Pictures, when gnuplot is there.
pictures=""
if command -v gnuplot > /dev/null 2>&1; then
	term="pngcairo size 800,480 font ',10'"
	gnuplot -e "set terminal $term" > /dev/null 2>&1 || term="png size 800,480"
	# Validation columns only when there was a validation set.
	curves="'$dir/train.tsv' using 1:2 with lines title 'training loss'"
	if awk -F'\t' 'NR > 1 && $3 != "nan" { found = 1 } END { exit !found }' "$dir/train.tsv"; then
		curves="$curves, '' using 1:3 with lines title 'validation loss'"
		[ "$task" != classification ] ||
			curves="$curves, '' using 1:4 axes x1y2 with linespoints title 'validation accuracy'"
	fi
	gnuplot > /dev/null 2>&1 <<-EOF || die "gnuplot failed on '$dir/train.tsv'"
		set terminal $term
		set output '$tmp/curve.png'
		set datafile separator tab
		set datafile missing 'nan'
		set title 'training curve'
		set xlabel 'epoch'
		set ylabel 'loss'
		set y2label 'validation accuracy'
		set y2tics
		set ytics nomirror
		set key outside bottom center horizontal
		plot $curves
	EOF
	mv "$tmp/curve.png" "$dir/curve.png"
	pictures="curve.png"
	if [ "$task" = classification ]; then
		# "classes": ["a", "b"] and "confusion_matrix": [[1, 2], [3, 4]]
		grep -o '"classes": \[[^]]*\]' "$dir/metrics.json" | sed 's/.*\[//; s/\]//; s/", "/\n/g; s/"//g' > "$tmp/classes"
		grep -o '"confusion_matrix": \[\[.*\]\]' "$dir/metrics.json" |
			sed 's/.*: \[\[//; s/\]\]//; s/\], \[/\n/g; s/,//g' > "$tmp/cm.dat"
		n=$(wc -l < "$tmp/classes")
		tics=$(awk '{ printf "%s\"%s\" %d", (NR > 1 ? ", " : ""), $0, NR - 1 }' "$tmp/classes")
		gnuplot > /dev/null 2>&1 <<-EOF || die "gnuplot failed on '$dir/metrics.json'"
			set terminal $term
			set output '$tmp/confusion.png'
			set title 'confusion matrix'
			set xlabel 'predicted class'
			set ylabel 'true class'
			set size ratio 1
			set xrange [-0.5:$n - 0.5]
			set yrange [$n - 0.5:-0.5]
			set xtics ($tics) rotate by 45 right
			set ytics ($tics)
			set palette defined (0 'white', 1 'steelblue')
			unset key
			plot '$tmp/cm.dat' matrix with image, \
			     '' matrix using 1:2:(sprintf('%d', \$3)) with labels
		EOF
		mv "$tmp/confusion.png" "$dir/confusion.png"
		pictures="$pictures confusion.png"
	fi
fi

{
	printf '# %s\n\n' "$title"
	printf 'Held-out test set: %s rows (`%s/test.nns`).\n\n' \
		"$(json_num rows < "$dir/metrics.json")" "$dir"
	if [ "$task" = classification ]; then
		# 6 significant digits, as nn-eval's text (metrics.txt): the
		# JSON's shortest round-trip form can be 0.8710000000000001
		printf '**Accuracy %s** (balanced accuracy %s).\n\n' \
			"$(json_num accuracy < "$dir/metrics.json" | six_digits)" \
			"$(json_num balanced_accuracy < "$dir/metrics.json" | six_digits)"
	else
		# Predicting the training mean for every test row: MSE = var(test)
		# + (mean(train) - mean(test))^2, so R^2 = 1 - MSE / var(test).
		train_file=${args##* }
		mt=$(nn-info --json "$train_file" | tr '{' '\n' | awk '/"name": "y"/ { f = 1; next } f' | json_num mean)
		ms=$(nn-info --json "$dir/test.nns" | tr '{' '\n' | awk '/"name": "y"/ { f = 1; next } f' | json_num mean)
		ss=$(nn-info --json "$dir/test.nns" | tr '{' '\n' | awk '/"name": "y"/ { f = 1; next } f' | json_num std)
		printf '**R² %s** (MSE %s).  Predicting the mean of the training labels for every row instead: %s.\n\n' \
			"$(json_num r2 < "$dir/metrics.json" | six_digits)" "$(json_num mse < "$dir/metrics.json" | six_digits)" \
			"$(awk -v mt="$mt" -v ms="$ms" -v s="$ss" 'BEGIN {
				mse = s * s + (mt - ms) * (mt - ms)
				printf "MSE %.6g, R² %.6g", mse, 1 - mse / (s * s) }')"
	fi

	# Raw rows scored by the model alone (common.mk, IMPORT_RAW)
	if [ -f "$dir/scored-raw.csv" ] && [ -f "$dir/scored.csv" ]; then
		printf '## Scoring raw rows\n\n'
		printf 'The test rows before any preparation, as a CSV (`%s/raw-test.csv`), scored in one command:\n\n' "$dir"
		printf '```\nnn-import %s raw-test.csv | nn-predict -m model.nnm | nn-export --class-names\n```\n\n' \
			"$(awk -F' = ' '$1 == "IMPORT_RAW" { print $2 }' Makefile)"
		if cmp -s "$dir/scored.csv" "$dir/scored-raw.csv"; then
			printf 'The %s scores equal, byte for byte, those of the prepared path (`nn-predict -m model.nnm test.nns`): the model applied its own preparation.\n\n' \
				"$(($(wc -l < "$dir/scored.csv") - 1))"
		else
			printf '**The scores differ from the prepared path'"'"'s** (`%s/scored.csv` against `%s/scored-raw.csv`).\n\n' "$dir" "$dir"
		fi
	fi

	printf '## Metrics (nn-eval)\n\n'
	md_tables "$dir/metrics.txt"
	case " $pictures " in *" confusion.png "*)
		printf '![confusion matrix](confusion.png)\n\n' ;;
	esac

	printf '## Training\n\n'
	printf '```\nnn-train %s\n```\n\n' "$args"
	printf '| | |\n|---|---|\n'
	printf '| seed | %s |\n' "$seed"
	printf '| epochs run | %s (the model holds epoch %s) |\n' "$epochs" "$best"
	printf '| training time | %s s (from the log; not reproducible, so it is kept out of the model) |\n' "$seconds"
	if [ -n "$cpu" ]; then
		printf '| CPU time | %s s (the whole nn-train process, reading included) |\n' "$cpu"
		case $energy_source in
		measured|estimated)
			printf '| energy | %s J (%s; see nn-train(1), "Cost of a run") |\n' "$energy" "$energy_source" ;;
		*)
			printf '| energy | not known (no readable RAPL counter; set NN_WATTS_PER_CORE for an estimate) |\n' ;;
		esac
	fi
	awk -F'\t' '$1 ~ /^(parameters|layers|rows|memory|flops_per_row|flops_per_epoch)$/ {
		v = $2; for (i = 3; i <= NF; i++) v = v " " $i
		printf "| %s | %s |\n", $1, v }' "$tmp/dryrun.txt"
	awk -v f="$flops_epoch" -v e="$epochs" 'BEGIN { printf "| flops, whole run | %.4g (flops_per_epoch × %d epochs) |\n", f * e, e }'
	printf '\nFLOPs as `nn-train --dry-run` counts them (dense products only).\n\n'
	if [ -n "$pictures" ]; then
		printf '![training curve](curve.png)\n\n'
	else
		printf 'No pictures: gnuplot is not installed (Debian: `apt-get install gnuplot-nox`, then `rm %s/report.md; make`).\n\n' "$dir"
	fi

	printf '## Data (sha256)\n\n```\n'
	# shellcheck disable=SC2046 # file names without spaces
	sha256sum "$@" $(find "$dir" -maxdepth 1 -name '*.nns' | LC_ALL=C sort) "$dir/model.nnm"
	printf '```\n\n'

	printf '## Programs\n\n```\n'
	for p in nn-import nn-clean nn-normalize nn-augment nn-split nn-train nn-eval; do
		"$p" --version | head -n 1
	done
	nn-train --version | sed -n 2p
	printf '```\n'
} > "$tmp/report.md"
mv "$tmp/report.md" "$dir/report.md"
