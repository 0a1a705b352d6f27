/* libcommon/clean.c — nn-clean's rules for one row (nn/clean.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/clean.h"
#include "nn/cli.h"
#include "nn/rng.h"

int nn_nonfinite_parse(const char *s, enum nn_nonfinite *p, double *value)
{
	static const char *const names[] = { "drop", "mean", "median", "zero", "value=", "fail", "keep" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		size_t n = strlen(names[i]);
		if (i == NN_NONFINITE_VALUE ? strncmp(s, names[i], n) : strcmp(s, names[i]))
			continue;
		*p = (enum nn_nonfinite)i;
		if (i == NN_NONFINITE_VALUE && (nn_parse_double(s + n, value) || !isfinite(*value)))
			return 1;
		return 0;
	}
	return -1;
}

int nn_nonfinite_fills(enum nn_nonfinite p)
{
	return p == NN_NONFINITE_MEAN || p == NN_NONFINITE_MEDIAN || p == NN_NONFINITE_ZERO ||
	       p == NN_NONFINITE_VALUE;
}

double nn_nonfinite_fill(enum nn_nonfinite p, size_t j, const double *mean,
                         const double *median, double value)
{
	return p == NN_NONFINITE_MEAN ? mean[j] : p == NN_NONFINITE_MEDIAN ? median[j] :
	       p == NN_NONFINITE_ZERO ? 0 : value;
}

int nn_clean_step(nn_prep_step *st, const char *field, size_t D, char *const *names, nn_dtype dt,
                  const nn_clean_spec *spec, nn_error *err)
{
	static const char *const words[] = { "drop", "mean", "median", "zero", "value", "fail", "keep" };

	if (nn_prep_step_init(st, NN_PREP_CLEAN, field, D, names, dt, err))
		return -1;
	snprintf(st->nonfinite, sizeof st->nonfinite, "%s", words[spec->policy]);
	snprintf(st->bad_label, sizeof st->bad_label, "%s", spec->bad_label_fail ? "fail" : "drop");
	st->dedup = spec->dedup;
	if (nn_nonfinite_fills(spec->policy)) {
		if (nn_prep_step_vec(st, &st->fill, 0, err))
			goto fail;
		for (size_t j = 0; j < D; j++)
			st->fill[j] = nn_nonfinite_fill(spec->policy, j, spec->mean, spec->median, spec->value);
	}
	if (spec->sigma > 0) {
		if (nn_prep_step_vec(st, &st->clip_lo, 0, err) || nn_prep_step_vec(st, &st->clip_hi, 0, err))
			goto fail;
		nn_clip_bounds(D, spec->mean, spec->std, spec->sigma, !nn_dtype_is_float(dt), st->clip_lo, st->clip_hi);
	}
	if (spec->keep && nn_prep_step_keep(st, spec->keep, err))
		goto fail;
	return 0;
fail:
	nn_prep_step_release(st);
	return -1;
}

void nn_clip_bounds(size_t D, const double *mean, const double *std, double sigma,
                    int integer, double *lo, double *hi)
{
	for (size_t j = 0; j < D; j++) {
		double m = mean ? mean[j] : NAN, sd = std ? std[j] : NAN;
		lo[j] = -INFINITY;
		hi[j] = INFINITY;
		if (sigma > 0 && isfinite(m) && isfinite(sd)) {
			lo[j] = m - sigma * sd;
			hi[j] = m + sigma * sd;
			if (integer) {
				lo[j] = ceil(lo[j]);
				hi[j] = floor(hi[j]);
			}
		}
	}
}

void nn_clean_row(double *row, size_t D, const double *fill, const double *lo,
                  const double *hi, uint64_t *replaced, uint64_t *clipped)
{
	for (size_t j = 0; j < D; j++) {
		double v = row[j];
		if (fill && v - v != 0 && !isnan(fill[j])) {   /* v - v: NaN for NaN and ±inf */
			v = fill[j];
			++*replaced;
		}
		if (lo && (v < lo[j] || v > hi[j])) {
			v = v < lo[j] ? lo[j] : hi[j];
			++*clipped;
		}
		row[j] = v;
	}
}

/* --- duplicates ---------------------------------------------------------- */

struct rec { uint64_t h1, h2, row; };

struct nn_dedup {
	FILE *spool;
	uint64_t recs;
	unsigned char *bits;   /* one bit per row: a repeat */
};

static uint64_t hash_bytes(uint64_t h, const unsigned char *p, size_t n)
{
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = nn_hash64(h, w);
	}
	w = n;
	if (n > i)
		memcpy(&w, p + i, n - i);   /* the tail, little-endian over the length's bytes */
	return nn_hash64(h, w ^ ((uint64_t)(n - i) << 56));
}

nn_dedup *nn_dedup_new(FILE *spool, nn_error *err)
{
	nn_dedup *d = calloc(1, sizeof *d);
	if (!d) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	d->spool = spool;
	return d;
}

int nn_dedup_add(nn_dedup *d, const void *a, size_t an, const void *b, size_t bn,
                 uint64_t row, nn_error *err)
{
	struct rec rc;

	rc.h1 = hash_bytes(hash_bytes(0x9e3779b97f4a7c15ull, a, an), b, bn);
	rc.h2 = hash_bytes(hash_bytes(0xd1b54a32d192ed03ull, a, an), b, bn);
	rc.row = row;
	if (fwrite(&rc, sizeof rc, 1, d->spool) != 1)
		return nn_error_set(err, NN_EIO, "write failed: %s", strerror(errno));
	d->recs++;
	return 0;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	if (x->h1 != y->h1)
		return x->h1 < y->h1 ? -1 : 1;
	if (x->h2 != y->h2)
		return x->h2 < y->h2 ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

int nn_dedup_resolve(nn_dedup *d, uint64_t rows, nn_error *err)
{
	enum { BUDGET = 16 << 20 };
	uint64_t parts = d->recs * sizeof(struct rec) / BUDGET + 1;
	size_t cap = (size_t)(d->recs / parts * 2 + 1024);
	struct rec *v = malloc(cap * sizeof *v), rc;
	int rv = -1;

	free(d->bits);
	if (!v || !(d->bits = calloc(1, (size_t)(rows / 8 + 1)))) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		goto out;
	}
	for (uint64_t p = 0; p < parts; p++) {
		size_t n = 0;
		if (fflush(d->spool) || fseek(d->spool, 0, SEEK_SET)) {
			nn_error_set(err, NN_EIO, "%s", strerror(errno));
			goto out;
		}
		while (fread(&rc, sizeof rc, 1, d->spool) == 1) {
			if (rc.h1 % parts != p)
				continue;
			if (n == cap) {
				struct rec *nv = realloc(v, cap * 2 * sizeof *v);
				if (!nv) {
					nn_error_set(err, NN_ENOMEM, "out of memory");
					goto out;
				}
				v = nv;
				cap *= 2;
			}
			v[n++] = rc;
		}
		if (ferror(d->spool)) {
			nn_error_set(err, NN_EIO, "read failed: %s", strerror(errno));
			goto out;
		}
		qsort(v, n, sizeof *v, rec_cmp);
		for (size_t i = 1; i < n; i++)
			if (v[i].h1 == v[i - 1].h1 && v[i].h2 == v[i - 1].h2)
				d->bits[v[i].row / 8] |= (unsigned char)(1u << (v[i].row % 8));
	}
	rv = 0;
out:
	free(v);
	return rv;
}

int nn_dedup_repeat(const nn_dedup *d, uint64_t row)
{
	return d->bits && d->bits[row / 8] >> (row % 8) & 1;
}

void nn_dedup_free(nn_dedup *d)
{
	if (!d)
		return;
	if (d->spool)
		fclose(d->spool);
	free(d->bits);
	free(d);
}

int nn_clean_mask(const nn_schema *s, size_t fx, int fy, const nn_batch *b, uint64_t first_row,
                  enum nn_nonfinite policy, int label_fail, unsigned char *keep, uint64_t dropped[2],
                  nn_error *err)
{
	const nn_field *x = &s->fields[fx];
	size_t D = x->row_elems;
	int scan = (policy == NN_NONFINITE_DROP || policy == NN_NONFINITE_FAIL) && nn_dtype_is_float(x->dtype);

	for (size_t i = 0; i < b->rows; i++) {
		keep[i] = 1;
		if (fy >= 0) {
			const nn_field *y = &s->fields[fy];
			for (size_t k = 0; k < y->row_elems && keep[i]; k++) {
				double v = nn_load_f64(b->col[fy], y->dtype, i * y->row_elems + k);
				if (!isfinite(v) || (y->nclasses && (v < 0 || v >= (double)y->nclasses)))
					keep[i] = 0;
			}
			if (!keep[i]) {
				if (label_fail)
					return nn_error_set(err, NN_EDATA, "row %llu: label '%s' is not finite or not a class",
					                    (unsigned long long)(first_row + i + 1), y->name);
				dropped[0]++;
				continue;
			}
		}
		for (size_t k = 0; scan && k < D; k++) {
			double v = nn_load_f64(b->col[fx], x->dtype, i * D + k);
			if (v - v == 0)
				continue;
			if (policy == NN_NONFINITE_FAIL)
				return nn_error_set(err, NN_EDATA, "row %llu: %s[%zu] is %s",
				                    (unsigned long long)(first_row + i + 1), x->name, k,
				                    isnan(v) ? "NaN" : "infinite");
			keep[i] = 0;
			dropped[1]++;
			break;
		}
	}
	return 0;
}
