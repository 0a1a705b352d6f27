#!/bin/bash
# sweep.sh — truncation and corruption sweeps over every reading program.
#
#   sweep.sh KIND MODE FILE [ARGS]
#
# KIND says what FILE is and so which programs read it:
#   data     a data stream: nn-info --verify, nn-export, nn-clean,
#            nn-normalize, nn-augment, nn-split, nn-train, nn-eval -m,
#            nn-predict -m (the model trained once on FILE intact)
#   model    a model: nn-info --verify, nn-eval -m FILE, nn-predict -m FILE
#   params   an nn-normalize --save file: nn-info --verify,
#            nn-normalize --load FILE
# MODE says how FILE is damaged:
#   cuts [STEP]          cut at every STEP-th byte offset (default 1: all)
#   frames               cut at every zstd frame boundary
#   flips COUNT SEED     COUNT single-bit flips at seeded random places
#
# Every program runs on the intact FILE first (it must succeed), then on
# each damaged copy, always under the same path (outputs record their
# arguments).  Each damaged run must exit 1 with FILE's path in its
# message and leave no -o output or temporary file, or exit 0 with output
# byte-identical to the intact run's.  Anything else — exit 0 with other
# output, another status, a crash, a message not naming the file — is
# printed and makes the exit status 1.  The last line counts the runs.
# PROGRAMS=REGEX limits the programs (matched against the command line).
set -u
KIND=${1:?usage: sweep.sh data|model|params cuts|frames|flips FILE [ARGS]}
MODE=${2:?mode}
FILE=${3:?file}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${NN_BUILD:-$ROOT/build}
# NN_BLAS_CORETYPE=keep: no re-execution to pick kernels, twice as fast
export PATH="$B/bin:$PATH" LC_ALL=C OPENBLAS_NUM_THREADS=1 NN_BLAS_CORETYPE=keep
W=$(mktemp -d "${TMPDIR:-/tmp}/sweep.XXXXXX")
trap 'rm -rf "$W"' EXIT
ext=nns
[ "$KIND" = model ] && ext=nnm
IN="$W/in.$ext"
O="$W/out"
mkdir -p "$O" "$W/ref" "$W/var"

# The data every model and params run reads, and the model the data runs use.
cp "$ROOT/tests/data/bad/good.nns" "$W/data.nns"
cp "$FILE" "$IN"
nn-train -q --layers 4 --epochs 1 --threads 1 --seed 1 -o "$W/model.nnm" "$W/data.nns" || exit 1

case $KIND in
data) CMDS=(
	"nn-info --verify @IN"
	"nn-export --format csv @IN"
	"nn-clean -q -o @O/o @IN"
	"nn-normalize -q -o @O/o @IN"
	"nn-augment -q --noise 0.1 --seed 1 -o @O/o @IN"
	"nn-split -q --train @O/tr --test @O/te --seed 1 @IN"
	"nn-train -q --layers 4 --epochs 1 --threads 1 --seed 1 -o @O/o @IN"
	"nn-eval -m $W/model.nnm @IN"
	"nn-predict -m $W/model.nnm -o @O/o @IN") ;;
model) CMDS=(
	"nn-info --verify @IN"
	"nn-eval -m @IN $W/data.nns"
	"nn-predict -m @IN -o @O/o $W/data.nns") ;;
params) CMDS=(
	"nn-info --verify @IN"
	"nn-normalize -q --load @IN -o @O/o $W/data.nns") ;;
*) echo "sweep.sh: unknown kind '$KIND'" >&2; exit 2 ;;
esac
if [ -n "${PROGRAMS:-}" ]; then
	keep=()
	for c in "${CMDS[@]}"; do [[ $c =~ $PROGRAMS ]] && keep+=("$c"); done
	CMDS=("${keep[@]}")
fi

# The damaged copies, all written at once: var/NAME, NAME says what.
python3 - "$MODE" "$FILE" "$W/var" "${4:-}" "${5:-}" <<'EOF' || exit 1
import os, random, sys
mode, path, out = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(path, 'rb').read()

def put(name, b):
    with open(os.path.join(out, name), 'wb') as f:
        f.write(b)

def frames(b):
    """Offsets where zstd frames end (RFC 8878 3.1.1)."""
    ends, p = [], 0
    while p + 5 <= len(b) and b[p:p + 4] == b'\x28\xb5\x2f\xfd':
        fhd = b[p + 4]
        fcs = (0, 2, 4, 8)[fhd >> 6] or (1 if fhd & 0x20 else 0)
        q = p + 5 + (0 if fhd & 0x20 else 1) + (0, 1, 2, 4)[fhd & 3] + fcs
        while True:
            h = int.from_bytes(b[q:q + 3], 'little')
            q += 3 + (1 if (h >> 1) & 3 == 1 else h >> 3)
            if h & 1:
                break
        p = q + (4 if fhd & 4 else 0)
        ends.append(p)
    return ends

if mode == 'cuts':
    step = int(sys.argv[4] or 1)
    for cut in range(0, len(data), step):
        put('cut-%d' % cut, data[:cut])
elif mode == 'frames':
    ends = frames(data)
    if not ends or ends[-1] != len(data):
        sys.exit('sweep.sh: %s: could not find its zstd frames' % path)
    for cut in [0] + ends[:-1]:
        put('frame-cut-%d' % cut, data[:cut])
elif mode == 'flips':
    rng = random.Random(int(sys.argv[5] or 1))
    for bit in rng.sample(range(8 * len(data)), min(int(sys.argv[4]), 8 * len(data))):
        b = bytearray(data)
        b[bit // 8] ^= 1 << (bit % 8)
        put('flip-%d.%d' % (bit // 8, bit % 8), bytes(b))
else:
    sys.exit('sweep.sh: unknown mode ' + mode)
EOF

runs=0 same=0 refused=0 bad=0
for i in "${!CMDS[@]}"; do
	c=${CMDS[$i]}
	cmd=${c//@IN/$IN}
	rm -f "$O"/*
	if ! ${cmd//@O/$O} > "$O/stdout" 2> "$W/err" < /dev/null; then
		echo "sweep.sh: $c fails on the intact $FILE: $(cat "$W/err")"
		exit 1
	fi
	mkdir -p "$W/ref/$i"
	cp "$O"/* "$W/ref/$i/"
done
# Only bash builtins around each run (no rm, grep, ls): thousands of runs.
shopt -s nullglob dotglob
for v in "$W"/var/*; do
	name=${v##*/}
	cp "$v" "$IN"
	for i in "${!CMDS[@]}"; do
		c=${CMDS[$i]}
		cmd=${c//@IN/$IN}
		left=("$O"/*)
		[ ${#left[@]} -gt 1 ] && rm -f "${left[@]}"
		${cmd//@O/$O} > "$O/stdout" 2> "$W/err" < /dev/null
		rc=$?
		runs=$((runs + 1))
		msg=
		IFS= read -r -d '' msg < "$W/err"
		left=("$O"/*)
		if [ $rc -eq 0 ]; then
			ok=1
			for f in "$W/ref/$i"/*; do
				cmp -s "$f" "$O/${f##*/}" || ok=0
			done
			ref=("$W/ref/$i"/*)
			[ ${#left[@]} -eq ${#ref[@]} ] || ok=0
			if [ $ok -eq 1 ]; then
				same=$((same + 1))
			else
				bad=$((bad + 1))
				echo "EXIT 0 WITH OTHER OUTPUT: $name: $c"
			fi
		elif [ $rc -ne 1 ]; then
			bad=$((bad + 1))
			echo "EXIT $rc: $name: $c: ${msg:0:300}"
		elif [[ $msg != *"'$IN'"* ]]; then
			bad=$((bad + 1))
			echo "INPUT NOT NAMED: $name: $c: ${msg:0:300}"
		elif [ ${#left[@]} -ne 1 ]; then
			bad=$((bad + 1))
			echo "OUTPUT LEFT: $name: $c: ${left[*]##*/}"
		else
			refused=$((refused + 1))
		fi
	done
done
echo "sweep $KIND $MODE ${FILE##*/}: $runs runs, $refused refused, $same identical, $bad bad"
[ $bad -eq 0 ] && [ $runs -gt 0 ]
