/* libcommon/stratify.c — stratified allocation and k-fold sizes
 * (nn/stratify.h). */
#include <stdlib.h>
#include <string.h>
#include "nn/stratify.h"

#define NB NN_STRATIFY_MAX_BLOCKS

typedef struct {
	size_t ncls, nblk;
	uint64_t (*rem)[NB];      /* counts[g] * sizes[b] mod n */
	unsigned char *extra;     /* per class: bit b set = one more row in block b */
	size_t *cand;             /* classes that can move, best first */
	int64_t load[NB], want[NB];
} plan;

static const plan *cmp_plan;  /* qsort has no context argument */
static size_t cmp_j, cmp_k;

/* Movers losing least first: a smaller remainder in j against k; ties
 * leave lower classes with the extra row in the earlier block. */
static int by_loss(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const plan *p = cmp_plan;
	long double lx = (long double)p->rem[x][cmp_j] - p->rem[x][cmp_k];
	long double ly = (long double)p->rem[y][cmp_j] - p->rem[y][cmp_k];
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return cmp_k < cmp_j ? (x > y) - (x < y) : (x < y) - (x > y);
}

/* Classes with a leftover row in block j that could hold it in k instead,
 * into p->cand in the order they should move.  Returns how many. */
static size_t movable(plan *p, size_t j, size_t k)
{
	size_t n = 0;
	for (size_t g = 0; g < p->ncls; g++)
		if ((p->extra[g] >> j & 1) && !(p->extra[g] >> k & 1) && p->rem[g][k])
			p->cand[n++] = g;
	cmp_plan = p;
	cmp_j = j;
	cmp_k = k;
	qsort(p->cand, n, sizeof *p->cand, by_loss);
	return n;
}

static void move(plan *p, size_t j, size_t k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p->extra[p->cand[i]] ^= (unsigned char)(1u << j | 1u << k);
	p->load[j] -= (int64_t)n;
	p->load[k] += (int64_t)n;
}

/* One move of leftovers from an overfull block to one with too few.
 * Returns 1 when something moved, 0 when no block is overfull, -1 when
 * out of memory, -2 when nothing can move (never, as such a rounding
 * exists). */
static int rebalance(plan *p)
{
	size_t j = 0;
	while (j < p->nblk && p->load[j] <= p->want[j])
		j++;
	if (j == p->nblk)
		return 0;
	for (size_t k = 0; k < p->nblk; k++) {
		size_t n, need = (size_t)(p->load[j] - p->want[j]);
		if (p->load[k] >= p->want[k])
			continue;
		if ((size_t)(p->want[k] - p->load[k]) < need)
			need = (size_t)(p->want[k] - p->load[k]);
		if ((n = movable(p, j, k))) {
			move(p, j, k, n < need ? n : need);
			return 1;
		}
		if (p->nblk == 3) {   /* through the third block m */
			size_t m = 3 - j - k, a = movable(p, j, m), b;
			size_t *first = malloc((a ? a : 1) * sizeof *first);
			if (!first)
				return -1;
			memcpy(first, p->cand, a * sizeof *first);
			b = movable(p, m, k);
			n = a < b ? a : b;
			n = n < need ? n : need;
			move(p, m, k, n);
			memcpy(p->cand, first, a * sizeof *first);
			move(p, j, m, n);
			free(first);
			if (n)
				return 1;
		}
	}
	return -2;
}

int nn_stratify(const uint64_t *counts, size_t ncls, const uint64_t *sizes, size_t nblk,
                uint64_t *alloc, nn_error *err)
{
	uint64_t n = 0, total = 0;
	plan p = { ncls, nblk, NULL, NULL, NULL, { 0 }, { 0 } };
	int r;

	for (size_t g = 0; g < ncls; g++)
		n += counts[g];
	for (size_t b = 0; b < nblk && nblk <= NB; b++)
		total += sizes[b];
	if (nblk < 1 || nblk > NB || !n || total != n)
		return nn_error_set(err, NN_EARG, "stratify: %zu blocks of %llu rows for %llu rows",
		                    nblk, (unsigned long long)total, (unsigned long long)n);
	p.rem = malloc((ncls ? ncls : 1) * sizeof *p.rem);
	p.extra = calloc(ncls ? ncls : 1, 1);
	p.cand = malloc((ncls ? ncls : 1) * sizeof *p.cand);
	if (!p.rem || !p.extra || !p.cand) {
		r = -1;
		goto done;
	}
	for (size_t b = 0; b < nblk; b++)
		p.want[b] = (int64_t)sizes[b];
	for (size_t g = 0; g < ncls; g++) {
		uint64_t left = counts[g];
		uint64_t *a = alloc + g * nblk;
		for (size_t b = 0; b < nblk; b++) {
			unsigned __int128 q = (unsigned __int128)counts[g] * sizes[b];
			a[b] = (uint64_t)(q / n);
			p.rem[g][b] = (uint64_t)(q % n);
			left -= a[b];
			p.want[b] -= (int64_t)a[b];
		}
		for (; left; left--) {   /* the largest remainders, ties to the earlier block */
			size_t best = nblk;
			for (size_t b = 0; b < nblk; b++)
				if (!(p.extra[g] >> b & 1) && p.rem[g][b] &&
				    (best == nblk || p.rem[g][b] > p.rem[g][best]))
					best = b;
			p.extra[g] |= (unsigned char)(1u << best);
			p.load[best]++;
		}
	}
	while ((r = rebalance(&p)) > 0)
		;
	for (size_t g = 0; !r && g < ncls; g++)
		for (size_t b = 0; b < nblk; b++)
			alloc[g * nblk + b] += p.extra[g] >> b & 1;
done:
	free(p.rem);
	free(p.extra);
	free(p.cand);
	if (r == -2)
		return nn_error_set(err, NN_EARG, "internal error: no stratified allocation found");
	if (r < 0)
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	return 0;
}

uint64_t nn_kfold_rows(uint64_t first, uint64_t rows, uint64_t k, uint64_t fold)
{
	uint64_t lo = first, hi = first + rows;
	/* positions p in [lo, hi) with p mod k == fold: ceil((hi - fold) / k)
	 * less ceil((lo - fold) / k), written without going below zero */
	return (hi + k - 1 - fold) / k - (lo + k - 1 - fold) / k;
}

/* Positions p below x with p mod k < fold. */
static uint64_t below(uint64_t x, uint64_t k, uint64_t fold)
{
	return x / k * fold + (x % k < fold ? x % k : fold);
}

void nn_kfold_blocks(uint64_t first, uint64_t rows, uint64_t k, uint64_t fold, uint64_t block[3])
{
	block[0] = below(first + rows, k, fold) - below(first, k, fold);
	block[1] = nn_kfold_rows(first, rows, k, fold);
	block[2] = rows - block[0] - block[1];
}
