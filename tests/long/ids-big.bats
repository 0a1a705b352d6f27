#!/usr/bin/env bats
# Ten million rows with an id column, made on the fly by awk and never
# stored whole: nn-import --id, nn-clean and nn-predict --keep carry the
# ids in bounded memory, and every id comes out, in order.

load helper

ROWS=10000000
RSS_LIMIT_KB=32768   # measured (2026-12): 3 to 9 MiB per program, 21 s in all

# rows N: "id,a,b" lines with ids r1 .. rN, made by awk.
rows() {
	awk -v n="$1" 'BEGIN { print "id,a,b"; for (i = 1; i <= n; i++) printf "r%d,%d,%.2f\n", i, i % 97, (i % 13) / 4 }'
}

@test "10 million rows with ids stream through import, clean and predict in bounded memory" {
	# a small model that takes the two features, trained on rows that went
	# through nn-clean as the scored rows do (the preparation chains match)
	rows 200 | awk -F, 'NR == 1 { print "a,b,y"; next } { print $2 "," $3 "," ($2 > 48) }' |
		nn-import -q --label y | nn-clean -q -o "$T/train.nns"
	nn-train -q --epochs 2 --seed 1 "$T/train.nns" -o "$T/m.nnm"

	rows "$ROWS" |
		/usr/bin/time -f %M -o "$T/rss.import" nn-import -q --id id |
		/usr/bin/time -f %M -o "$T/rss.clean" nn-clean -q |
		/usr/bin/time -f %M -o "$T/rss.predict" nn-predict -m "$T/m.nnm" --keep id |
		/usr/bin/time -f %M -o "$T/rss.export" nn-export --no-header |
		awk -F, '{ n++; if ($2 != "r" n) bad++ } END { printf "%d %d\n", n, bad }' > "$T/result"
	echo "result (rows, ids out of place): $(cat "$T/result")"
	[ "$(cat "$T/result")" = "$ROWS 0" ]
	for p in import clean predict export; do
		rss=$(tail -n 1 "$T/rss.$p")
		echo "nn-$p: peak RSS $rss KiB"
		[ "$rss" -lt "$RSS_LIMIT_KB" ] || fail "nn-$p used $rss KiB for $ROWS rows with ids"
	done
}
