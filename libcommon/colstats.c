/* colstats.c — per-column moments and exact quantiles (see nn/colstats.h).
 *
 * Shapes: a table is rows × ncols, row-major; column j of row r is
 * element r·ncols + j. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "nn/colstats.h"
#include "hot.h"

/* --- moments ------------------------------------------------------------ */

#define CHUNK_ELEMS 16384   /* one chunk converted to double: 128 KiB */

void nn_colmoments_free(nn_colmoments *m)
{
	if (!m)
		return;
	free(m->count);
	free(m->nonfinite);
	free(m->mean);
	free(m->m2);
	free(m->min);
	free(m->max);
	free(m->buf);
	free(m->cmean);
	free(m->cm2);
	free(m->cdev);
	free(m->pivot);
	free(m->smean);
	free(m->ccount);
	free(m->cmin);
	free(m->cmax);
	free(m);
}

nn_colmoments *nn_colmoments_new(size_t ncols, nn_error *err)
{
	nn_colmoments *m = calloc(1, sizeof *m);
	size_t nbuf;

	if (!m || !ncols)
		goto fail;
	m->ncols = ncols;
	m->chunk_rows = ncols >= CHUNK_ELEMS ? 1 : CHUNK_ELEMS / ncols;
	if (nn_size_mul(ncols, m->chunk_rows, &nbuf))
		goto fail;
	m->count = calloc(ncols, sizeof *m->count);
	m->nonfinite = calloc(ncols, sizeof *m->nonfinite);
	m->mean = calloc(ncols, sizeof *m->mean);
	m->m2 = calloc(ncols, sizeof *m->m2);
	m->min = calloc(ncols, sizeof *m->min);
	m->max = calloc(ncols, sizeof *m->max);
	m->buf = calloc(nbuf, sizeof *m->buf);
	m->cmean = calloc(ncols, sizeof *m->cmean);
	m->cm2 = calloc(ncols, sizeof *m->cm2);
	m->cdev = calloc(ncols, sizeof *m->cdev);
	m->pivot = calloc(ncols, sizeof *m->pivot);
	m->smean = calloc(ncols, sizeof *m->smean);
	m->ccount = calloc(ncols, sizeof *m->ccount);
	m->cmin = calloc(ncols, sizeof *m->cmin);
	m->cmax = calloc(ncols, sizeof *m->cmax);
	if (!m->count || !m->nonfinite || !m->mean || !m->m2 || !m->min || !m->max || !m->buf ||
	    !m->cmean || !m->cm2 || !m->cdev || !m->pivot || !m->smean || !m->ccount || !m->cmin || !m->cmax)
		goto fail;
	for (size_t j = 0; j < ncols; j++) {
		m->min[j] = INFINITY;
		m->max[j] = -INFINITY;
	}
	return m;
fail:
	nn_colmoments_free(m);
	nn_error_set(err, NN_ENOMEM, ncols ? "out of memory for %zu columns" : "no columns", ncols);
	return NULL;
}

/* One chunk of rows already in double: v[rows × ncols].  Sums run on
 * x - pivot, pivot being the column's first finite value: with data far
 * from 0 relative to their spread (1e9 ± 1e-3) the differences keep
 * every digit that x - mean would lose. */
NN_HOT static void moments_chunk(nn_colmoments *m, const double *v, size_t rows, const unsigned char *keep)
{
	size_t nc = m->ncols, kept = 0;
	uint64_t *cn = m->ccount;
	double *cs = m->cmean, *cq = m->cm2, *cd = m->cdev, *lo = m->cmin, *hi = m->cmax;
	const double *pv = m->pivot;

	for (size_t j = 0; j < nc; j++) {
		cn[j] = 0;
		cs[j] = cq[j] = cd[j] = 0;
		lo[j] = INFINITY;
		hi[j] = -INFINITY;
		for (size_t r = 0; !m->count[j] && r < rows; r++) {
			double x = v[r * nc + j];
			if ((!keep || keep[r]) && x - x == 0) {
				m->pivot[j] = x;
				break;
			}
		}
	}
	/* pass 1: counts, sums, extremes (x - x is 0 exactly when x is finite) */
	for (size_t r = 0; r < rows; r++) {
		const double *row = v + r * nc;
		if (keep && !keep[r])
			continue;
		kept++;
		for (size_t j = 0; j < nc; j++) {
			double x = row[j];
			if (x - x == 0) {
				cn[j]++;
				cs[j] += x - pv[j];
				lo[j] = x < lo[j] ? x : lo[j];
				hi[j] = x > hi[j] ? x : hi[j];
			}
		}
	}
	for (size_t j = 0; j < nc; j++)
		cs[j] = cn[j] ? cs[j] / (double)cn[j] : 0;
	/* pass 2: squared deviations from the chunk's mean, and their sum,
	 * which would be 0 but for the rounding of that mean: the corrected
	 * two-pass algorithm removes its effect (Chan, Golub, LeVeque 1983) */
	for (size_t r = 0; r < rows; r++) {
		const double *row = v + r * nc;
		if (keep && !keep[r])
			continue;
		for (size_t j = 0; j < nc; j++) {
			double d = (row[j] - pv[j]) - cs[j];
			if (d - d == 0) {
				cd[j] += d;
				cq[j] += d * d;
			}
		}
	}
	/* merge (Chan, Golub, LeVeque 1979), all relative to the pivot */
	for (size_t j = 0; j < nc; j++) {
		uint64_t na = m->count[j], nb = cn[j];
		m->nonfinite[j] += kept - nb;
		if (!nb)
			continue;
		double corr = cd[j] / (double)nb;
		cs[j] += corr;
		cq[j] -= cd[j] * corr;
		cq[j] = cq[j] < 0 ? 0 : cq[j];
		double n = (double)(na + nb), delta = cs[j] - m->smean[j];
		m->smean[j] = na ? m->smean[j] + delta * ((double)nb / n) : cs[j];
		m->m2[j] += cq[j] + (na ? delta * delta * ((double)na * (double)nb / n) : 0);
		m->mean[j] = m->pivot[j] + m->smean[j];
		m->count[j] = na + nb;
		m->min[j] = lo[j] < m->min[j] ? lo[j] : m->min[j];
		m->max[j] = hi[j] > m->max[j] ? hi[j] : m->max[j];
	}
}

void nn_colmoments_add(nn_colmoments *m, const void *data, nn_dtype t, size_t rows,
                       const unsigned char *keep)
{
	const unsigned char *src = data;
	size_t row_bytes = m->ncols * nn_dtype_size(t);

	for (size_t r = 0; r < rows; r += m->chunk_rows) {
		size_t n = rows - r < m->chunk_rows ? rows - r : m->chunk_rows;
		const double *v = (const double *)(const void *)(src + r * row_bytes);
		if (t != NN_F64) {
			/* widening to double never fails */
			nn_convert(m->buf, NN_F64, src + r * row_bytes, t, n * m->ncols, NULL);
			v = m->buf;
		}
		moments_chunk(m, v, n, keep ? keep + r : NULL);
	}
}

double nn_colmoments_var(const nn_colmoments *m, size_t j)
{
	return m->count[j] ? m->m2[j] / (double)m->count[j] : NAN;
}

/* --- one array in memory ------------------------------------------------- */

/* numpy's _lerp: a + (b-a)·t, or b - (b-a)·(1-t) from t = 0.5 up, so that
 * t = 1 gives b exactly. */
static double lerp(double a, double b, double t)
{
	double diff = b - a;
	return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/* Put the k-th smallest of v[0..n-1] at v[k], smaller before, larger after
 * (Hoare's selection with a median-of-three pivot). */
static void select_kth(double *v, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;

	while (lo < hi) {
		ptrdiff_t i = lo, j = hi, mid = lo + (hi - lo) / 2;
		double a = v[lo], b = v[mid], c = v[hi];
		double p = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
		/* p is one of the values, so each scan stops inside [lo, hi] */
		while (i <= j) {
			while (v[i] < p)
				i++;
			while (v[j] > p)
				j--;
			if (i <= j) {
				double x = v[i];
				v[i++] = v[j];
				v[j--] = x;
			}
		}
		/* now v[lo..j] <= p, v[i..hi] >= p, and v[j+1..i-1] == p */
		if (kk <= j)
			hi = j;
		else if (kk >= i)
			lo = i;
		else
			return;
	}
}

double nn_quantile(double *v, size_t n, double q)
{
	double h, t, a, b;
	size_t k;

	if (!n)
		return NAN;
	h = (double)(n - 1) * q;
	k = (size_t)floor(h);
	if (k > n - 1)
		k = n - 1;
	t = h - (double)k;
	select_kth(v, n, k);
	a = b = v[k];
	if (k + 1 < n) {
		b = v[k + 1];
		for (size_t i = k + 2; i < n; i++)
			b = v[i] < b ? v[i] : b;
	}
	return lerp(a, b, t);
}

/* --- radix selection ------------------------------------------------------- */

struct nn_colselect {
	size_t ncols, nq, nr;        /* nr = 2·nq ranks: each quantile's two neighbours */
	nn_dtype t;
	int width, pass;             /* key bytes; passes done */
	double q[NN_COLSELECT_MAXQ];
	uint64_t *hist;              /* [ncols][nr][256] */
	uint64_t *n, *seen;          /* finite values per column: first pass, this pass */
	uint64_t *prefix;            /* [ncols][nr]: key bytes fixed so far */
	uint64_t *rank;              /* [ncols][nr]: rank among keys with that prefix */
	uint64_t *keys;              /* one chunk of keys */
	unsigned char *ok;           /* finite? for each key of the chunk */
	size_t chunk_rows;
};

void nn_colselect_free(nn_colselect *s)
{
	if (!s)
		return;
	free(s->hist);
	free(s->n);
	free(s->seen);
	free(s->prefix);
	free(s->rank);
	free(s->keys);
	free(s->ok);
	free(s);
}

nn_colselect *nn_colselect_new(size_t ncols, nn_dtype t, const double *q, size_t nq, nn_error *err)
{
	nn_colselect *s;
	size_t cells, nbuf;

	if (!ncols || !nq || nq > NN_COLSELECT_MAXQ || (unsigned)t >= NN_DTYPE_COUNT) {
		nn_error_set(err, NN_EARG, "colselect: bad arguments");
		return NULL;
	}
	for (size_t i = 0; i < nq; i++)
		if (!(q[i] >= 0 && q[i] <= 1)) {
			nn_error_set(err, NN_EARG, "quantile %g is not between 0 and 1", q[i]);
			return NULL;
		}
	if (!(s = calloc(1, sizeof *s)))
		goto fail;
	s->ncols = ncols;
	s->nq = nq;
	s->nr = 2 * nq;
	s->t = t;
	s->width = (int)nn_dtype_size(t);
	memcpy(s->q, q, nq * sizeof *q);
	s->chunk_rows = ncols >= CHUNK_ELEMS ? 1 : CHUNK_ELEMS / ncols;
	if (nn_size_mul(ncols, s->nr * 256, &cells) || nn_size_mul(ncols, s->chunk_rows, &nbuf))
		goto fail;
	s->hist = calloc(cells, sizeof *s->hist);
	s->n = calloc(ncols, sizeof *s->n);
	s->seen = calloc(ncols, sizeof *s->seen);
	s->prefix = calloc(ncols * s->nr, sizeof *s->prefix);
	s->rank = calloc(ncols * s->nr, sizeof *s->rank);
	s->keys = calloc(nbuf, sizeof *s->keys);
	s->ok = calloc(nbuf, 1);
	if (!s->hist || !s->n || !s->seen || !s->prefix || !s->rank || !s->keys || !s->ok)
		goto fail;
	return s;
fail:
	nn_colselect_free(s);
	nn_error_set(err, NN_ENOMEM, "out of memory for the quantiles of %zu columns", ncols);
	return NULL;
}

/* Keys that sort as the values do: unsigned as they are, signed with the
 * sign bit flipped, floats by their bits with negatives inverted.
 * ok[i] = 0 for NaN and infinities. */
static void to_keys(const void *src, nn_dtype t, size_t n, uint64_t *key, unsigned char *ok)
{
	memset(ok, 1, n);
	switch (t) {
	case NN_U8:  for (size_t i = 0; i < n; i++) key[i] = ((const uint8_t *)src)[i]; break;
	case NN_U16: for (size_t i = 0; i < n; i++) key[i] = ((const uint16_t *)src)[i]; break;
	case NN_U32: for (size_t i = 0; i < n; i++) key[i] = ((const uint32_t *)src)[i]; break;
	case NN_U64: for (size_t i = 0; i < n; i++) key[i] = ((const uint64_t *)src)[i]; break;
	case NN_I8:  for (size_t i = 0; i < n; i++) key[i] = (uint8_t)((const uint8_t *)src)[i] ^ 0x80u; break;
	case NN_I16: for (size_t i = 0; i < n; i++) key[i] = (uint16_t)((const uint16_t *)src)[i] ^ 0x8000u; break;
	case NN_I32: for (size_t i = 0; i < n; i++) key[i] = ((const uint32_t *)src)[i] ^ 0x80000000u; break;
	case NN_I64: for (size_t i = 0; i < n; i++) key[i] = ((const uint64_t *)src)[i] ^ (1ull << 63); break;
	case NN_F32:
		for (size_t i = 0; i < n; i++) {
			uint32_t b = ((const uint32_t *)src)[i];
			ok[i] = (b & 0x7f800000u) != 0x7f800000u;
			key[i] = b & 0x80000000u ? (uint32_t)~b : b | 0x80000000u;
		}
		break;
	case NN_F64:
	default:
		for (size_t i = 0; i < n; i++) {
			uint64_t b = ((const uint64_t *)src)[i];
			ok[i] = (b & 0x7ff0000000000000ull) != 0x7ff0000000000000ull;
			key[i] = b & (1ull << 63) ? ~b : b | (1ull << 63);
		}
		break;
	}
}

static double from_key(uint64_t k, nn_dtype t)
{
	switch (t) {
	case NN_I8:  return (double)(int8_t)(uint8_t)(k ^ 0x80u);
	case NN_I16: return (double)(int16_t)(uint16_t)(k ^ 0x8000u);
	case NN_I32: return (double)(int32_t)(uint32_t)(k ^ 0x80000000u);
	case NN_I64: return (double)(int64_t)(k ^ (1ull << 63));
	case NN_F32: {
		uint32_t b = k & 0x80000000u ? (uint32_t)k & 0x7fffffffu : ~(uint32_t)k;
		float f;
		memcpy(&f, &b, sizeof f);
		return f;
	}
	case NN_F64: {
		uint64_t b = k & (1ull << 63) ? k & ~(1ull << 63) : ~k;
		double d;
		memcpy(&d, &b, sizeof d);
		return d;
	}
	default:
		return (double)k;
	}
}

void nn_colselect_add(nn_colselect *s, const void *data, size_t rows, const unsigned char *keep)
{
	const unsigned char *src = data;
	size_t nc = s->ncols, nr = s->nr, row_bytes = nc * (size_t)s->width;
	int shift = 8 * (s->width - 1 - s->pass);

	if (s->pass >= s->width)
		return;
	for (size_t r0 = 0; r0 < rows; r0 += s->chunk_rows) {
		size_t n = rows - r0 < s->chunk_rows ? rows - r0 : s->chunk_rows;
		to_keys(src + r0 * row_bytes, s->t, n * nc, s->keys, s->ok);
		if (keep)   /* a skipped row counts as a non-finite one */
			for (size_t r = 0; r < n; r++)
				if (!keep[r0 + r])
					memset(s->ok + r * nc, 0, nc);
		/* column by column: one column's histograms stay in cache */
		for (size_t j = 0; j < nc; j++) {
			const uint64_t *key = s->keys + j, *pre = s->prefix + j * nr;
			const unsigned char *ok = s->ok + j;
			uint64_t *h = s->hist + j * nr * 256, seen = 0;
			if (s->pass == 0) {
				for (size_t r = 0; r < n; r++)
					h[(key[r * nc] >> shift) & 255] += ok[r * nc];
				continue;
			}
			for (size_t r = 0; r < n; r++) {
				uint64_t k = key[r * nc], high = k >> (shift + 8);
				if (!ok[r * nc])
					continue;
				seen++;
				for (size_t i = 0; i < nr; i++)
					if (high == pre[i])
						h[i * 256 + ((k >> shift) & 255)]++;
			}
			s->seen[j] += seen;
		}
	}
}

/* Find the bucket of hist[256] where rank *k falls; *k becomes the rank
 * within it.  -1 if the counts do not reach *k. */
static int bucket_of(const uint64_t *hist, uint64_t *k)
{
	uint64_t below = 0;
	for (int b = 0; b < 256; b++) {
		if (*k < below + hist[b]) {
			*k -= below;
			return b;
		}
		below += hist[b];
	}
	return -1;
}

int nn_colselect_pass_done(nn_colselect *s, nn_error *err)
{
	size_t nc = s->ncols, nr = s->nr;

	if (s->pass >= s->width)
		return 1;
	for (size_t j = 0; j < nc; j++) {
		uint64_t *h = s->hist + j * nr * 256, *pre = s->prefix + j * nr, *rk = s->rank + j * nr;
		if (s->pass == 0) {
			for (int b = 0; b < 256; b++)
				s->n[j] += h[b];
		} else if (s->seen[j] != s->n[j]) {
			return nn_error_set(err, NN_EDATA, "the rows changed between passes");
		}
		s->seen[j] = 0;
		if (!s->n[j])
			continue;
		for (size_t i = 0; i < nr; i++) {
			int b;
			if (s->pass == 0) {
				double pos = (double)(s->n[j] - 1) * s->q[i / 2];
				uint64_t k = (uint64_t)floor(pos);
				if (i % 2 && k + 1 < s->n[j])
					k++;
				rk[i] = k;
			}
			if ((b = bucket_of(h + (s->pass ? i * 256 : 0), &rk[i])) < 0)
				return nn_error_set(err, NN_EDATA, "the rows changed between passes");
			pre[i] = pre[i] << 8 | (uint64_t)b;
		}
		memset(h, 0, nr * 256 * sizeof *h);
	}
	s->pass++;
	return s->pass >= s->width;
}

void nn_colselect_result(const nn_colselect *s, double *out, uint64_t *count)
{
	for (size_t j = 0; j < s->ncols; j++) {
		if (count)
			count[j] = s->n[j];
		for (size_t i = 0; i < s->nq; i++) {
			double h, t;
			if (!s->n[j] || s->pass < s->width) {
				out[j * s->nq + i] = NAN;
				continue;
			}
			h = (double)(s->n[j] - 1) * s->q[i];
			t = h - floor(h);
			out[j * s->nq + i] = lerp(from_key(s->prefix[j * s->nr + 2 * i], s->t),
			                          from_key(s->prefix[j * s->nr + 2 * i + 1], s->t), t);
		}
	}
}
