#!/bin/sh
# bench/mpi.sh — what data-parallel training costs per step on N ranks:
# the time of one MPI_Allreduce of the reference model's gradient block
# (784-256-128-10, 235,146 floats with padding) against the forward/backward
# time of one step at several per-rank batch sizes, measured here on
# RANKS ranks (default 2) of this machine; then, for a 10 GbE link, the
# per-rank batch size above which the all-reduce costs less than the
# step's compute, for N = 2, 4, 8, 16 (a ring all-reduce sends and
# receives 2(N-1)/N times the block per rank).  Timings are reported,
# never asserted.  Standalone: sh bench/mpi.sh [RANKS]; prints markdown.
#
# Environment: BIN (default build/bin), GBITS (link speed, default 10),
# LATENCY_US (per message on that link, default 10), ROWS (default 10000).
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}
RANKS=${1:-2}
GBITS=${GBITS:-10}
LATENCY_US=${LATENCY_US:-10}
ROWS=${ROWS:-10000}
FASHION=/usr/share/datasets/fashion-mnist
W=$(mktemp -d "${TMPDIR:-/tmp}/nn-bench-mpi.XXXXXX")
trap 'rm -rf "$W"' EXIT

command -v mpirun >/dev/null && command -v mpicc >/dev/null ||
	{ echo "bench/mpi.sh: mpirun or mpicc missing (make deps installs openmpi-bin, libopenmpi-dev)"; exit 0; }
ldd "$BIN/nn-train" | grep -q libmpi ||
	{ echo "bench/mpi.sh: $BIN/nn-train was built without MPI"; exit 0; }
MPIRUN="mpirun --oversubscribe -np $RANKS"
[ "$(id -u)" -ne 0 ] || MPIRUN="$MPIRUN --allow-run-as-root"

# 1. The all-reduce alone: the block summed in place, 200 times after a
#    barrier each (so that one rank's lateness is not counted).
cat > "$W/allreduce.c" <<'EOF'
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
	int n = atoi(argv[1]), reps = 200, rank;
	float *g = calloc((size_t)n, sizeof *g);
	double total = 0;
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	for (int i = -20; i < reps; i++) {
		MPI_Barrier(MPI_COMM_WORLD);
		double t0 = MPI_Wtime();
		MPI_Allreduce(MPI_IN_PLACE, g, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
		if (i >= 0)
			total += MPI_Wtime() - t0;
	}
	if (!rank)
		printf("%.6f\n", total / reps * 1e3);
	MPI_Finalize();
	free(g);
	return 0;
}
EOF
mpicc -O2 -o "$W/allreduce" "$W/allreduce.c"
FLOATS=235146
reduce_ms=$($MPIRUN "$W/allreduce" $FLOATS)

# 2. Compute per step: nn-train -v on the reference model, one BLAS thread
#    per rank, one epoch over ROWS rows of Fashion-MNIST (or random rows).
if [ -d "$FASHION" ]; then
	"$BIN/nn-import" --format idx --labels "$FASHION/t10k-labels-idx1-ubyte.gz" --classes fashion-mnist \
		-o "$W/raw.nns" "$FASHION/t10k-images-idx3-ubyte.gz"
else
	awk -v n="$ROWS" 'BEGIN { srand(1); for (i = 0; i < n; i++) { for (j = 0; j < 784; j++)
		printf "%d,", int(rand() * 256); print i % 10 } }' > "$W/raw.csv"
	"$BIN/nn-import" --no-header --label-column 785 -o "$W/raw.nns" "$W/raw.csv"
fi
"$BIN/nn-normalize" -q --method maxabs -o "$W/train.nns" "$W/raw.nns"

echo "# nn-train --mpi on $RANKS ranks — $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m)"
echo
echo "One MPI_Allreduce of $FLOATS floats ($((FLOATS * 4)) bytes) here: **$(printf %.3f "$reduce_ms") ms**."
echo
echo "| batch per rank | compute ms/step | all-reduce ms/step (in training) | compute µs/row |"
echo "|---|---|---|---|"
row_us=""
for b in 16 32 64 128 256 512; do
	line=$($MPIRUN "$BIN/nn-train" --mpi --threads 1 --layers 256,128 --epochs 1 --batch-size "$b" \
		-v -o /dev/null "$W/train.nns" 2>&1 | grep 'MPI: ')
	reduce=$(echo "$line" | sed 's/.*): \([0-9.]*\) ms each.*/\1/')
	compute=$(echo "$line" | sed 's/.*backward \([0-9.]*\) ms per step.*/\1/')
	row_us=$(awk -v c="$compute" -v b="$b" 'BEGIN { printf "%.2f", c * 1000 / b }')
	echo "| $b | $compute | $reduce | $row_us |"
done

# 3. A 10 GbE link: ring all-reduce time = 2(N-1)/N bytes / bandwidth +
#    2(N-1) latencies; the batch where compute (at the largest batch's
#    cost per row, one core per rank) equals it.
echo
echo "On a ${GBITS} Gb/s link (${LATENCY_US} µs per message), ring all-reduce, compute at $row_us µs per row per rank:"
echo
echo "| ranks N | bytes sent per rank per step | all-reduce ms | per-rank batch where compute = communication | global batch |"
echo "|---|---|---|---|---|"
for n in 2 4 8 16; do
	awk -v n="$n" -v f="$FLOATS" -v g="$GBITS" -v lat="$LATENCY_US" -v r="$row_us" 'BEGIN {
		bytes = 2 * (n - 1) / n * f * 4
		ms = bytes * 8 / (g * 1e9) * 1e3 + 2 * (n - 1) * lat / 1e3
		b = ms * 1000 / r
		printf "| %d | %.0f | %.3f | %.0f | %.0f |\n", n, bytes, ms, b, b * n }'
done
