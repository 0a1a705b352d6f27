/* augment.c — nn-augment's row kernels (nn/augment.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/augment.h"
#include "nn/image.h"

void nn_mix_f32(float *out, const float *a, const float *b, float lam, size_t n)
{
	for (size_t k = 0; k < n; k++)
		out[k] = lam * a[k] + (1.0f - lam) * b[k];
}

void nn_noise_f32(float *out, const float *a, float sigma, const float *z, size_t n)
{
	for (size_t k = 0; k < n; k++)
		out[k] = a[k] + sigma * z[k];
}

void nn_lerp_f32(float *out, const float *a, const float *b, float u, size_t n)
{
	for (size_t k = 0; k < n; k++)
		out[k] = a[k] + u * (b[k] - a[k]);
}

void nn_soft_label(float *out, size_t ncls, size_t a, size_t b, float lam)
{
	memset(out, 0, ncls * sizeof *out);
	out[a] = a == b ? 1.0f : lam;
	if (a != b)
		out[b] = 1.0f - lam;
}

float nn_sqdist_f32(const float *a, const float *b, size_t n)
{
	float lane[8] = { 0 }, d = 0;
	size_t e = 0;

	for (; e + 8 <= n; e += 8)
		for (int l = 0; l < 8; l++)
			lane[l] += (a[e + l] - b[e + l]) * (a[e + l] - b[e + l]);
	for (; e < n; e++)
		d += (a[e] - b[e]) * (a[e] - b[e]);
	for (int l = 0; l < 8; l++)
		d += lane[l];
	return d;
}

size_t nn_nearest_f32(const float *x, size_t n, size_t dim, size_t i, size_t k,
                      size_t *nb, float *dist)
{
	size_t have = 0;

	for (size_t j = 0; j < n; j++) {
		if (j == i)
			continue;
		float d = nn_sqdist_f32(x + i * dim, x + j * dim, dim);
		if (have == k && d >= dist[k - 1])
			continue;
		size_t p = have < k ? have++ : k - 1;
		while (p > 0 && dist[p - 1] > d) {   /* ties: the earlier row stays first */
			dist[p] = dist[p - 1];
			nb[p] = nb[p - 1];
			p--;
		}
		dist[p] = d;
		nb[p] = j;
	}
	return have;
}

void nn_quota_init(nn_quota *q, uint64_t count, uint64_t target)
{
	q->each = (target - count) / count;
	q->extra = (target - count) % count;
	q->left = count;
}

uint64_t nn_quota_take(nn_quota *q, nn_rng *r)
{
	uint64_t n = q->each;

	if (q->extra && nn_rng_below(r, q->left) < q->extra)
		n++, q->extra--;
	q->left--;
	return n;
}

/* --- SMOTE ------------------------------------------------------------ */

struct nn_smote {
	size_t ncls, dim, rest_bytes, k;
	float *x;                 /* held rows' x [rows, dim], grouped by class */
	unsigned char *rest;      /* their other bytes [rows, rest_bytes] */
	size_t *off, *n;          /* each class's first held row, rows held */
	nn_quota *quota;          /* each minority class's */
	size_t *nb;               /* the current base row's neighbours [k] */
	float *dist;
	size_t c, i, base, have;  /* next class and row to visit; current base */
	uint64_t left;            /* synthetic rows still due from the base */
};

nn_smote *nn_smote_new(size_t ncls, const uint64_t *counts, uint64_t target, size_t dim,
                       size_t rest_bytes, size_t k, uint64_t max_bytes, nn_error *err)
{
	nn_smote *s = calloc(1, sizeof *s);
	uint64_t rows = 0;
	double bytes;

	if (!s)
		goto oom;
	s->ncls = ncls, s->dim = dim, s->rest_bytes = rest_bytes, s->k = k;
	if (!(s->off = calloc(ncls ? ncls : 1, sizeof *s->off)) ||
	    !(s->n = calloc(ncls ? ncls : 1, sizeof *s->n)) ||
	    !(s->quota = calloc(ncls ? ncls : 1, sizeof *s->quota)))
		goto oom;
	for (size_t c = 0; c < ncls; c++) {
		s->off[c] = (size_t)rows;
		if (counts[c] && counts[c] < target) {
			rows += counts[c];
			nn_quota_init(&s->quota[c], counts[c], target);
		}
	}
	bytes = (double)rows * (double)(dim * sizeof(float) + rest_bytes);
	if (bytes > (double)max_bytes) {
		nn_error_set(err, NN_ELIMIT, "%llu rows of %zu bytes is %.1f MiB, over the limit of %llu MiB",
		             (unsigned long long)rows, dim * sizeof(float) + rest_bytes,
		             bytes / (1 << 20), (unsigned long long)(max_bytes >> 20));
		nn_smote_free(s);
		return NULL;
	}
	if (!(s->x = calloc(rows * dim + 1, sizeof *s->x)) ||
	    !(s->rest = calloc(rows * rest_bytes + 1, 1)) ||
	    !(s->nb = calloc(k + 1, sizeof *s->nb)) || !(s->dist = calloc(k + 1, sizeof *s->dist)))
		goto oom;
	return s;
oom:
	nn_smote_free(s);
	nn_error_set(err, NN_ENOMEM, "out of memory");
	return NULL;
}

float *nn_smote_slot(nn_smote *s, size_t c, unsigned char **rest)
{
	size_t at = s->off[c] + s->n[c]++;

	*rest = s->rest + at * s->rest_bytes;
	return s->x + at * s->dim;
}

int nn_smote_next(nn_smote *s, nn_rng *r, float *x, const unsigned char **rest, size_t *cls)
{
	while (!s->left) {        /* on to the next base row with a quota */
		if (s->c == s->ncls)
			return 0;
		if (s->i == s->n[s->c]) {
			s->c++, s->i = 0;
			continue;
		}
		const float *cx = s->x + s->off[s->c] * s->dim;
		s->base = s->i++;
		s->left = nn_quota_take(&s->quota[s->c], r);
		s->have = s->left ? nn_nearest_f32(cx, s->n[s->c], s->dim, s->base, s->k, s->nb, s->dist) : 0;
	}
	const float *cx = s->x + s->off[s->c] * s->dim;
	const float *a = cx + s->base * s->dim;
	const float *b = s->have ? cx + s->nb[nn_rng_below(r, s->have)] * s->dim : a;
	float u = (float)nn_rng_uniform(r);

	nn_lerp_f32(x, a, b, u, s->dim);
	*rest = s->rest + (s->off[s->c] + s->base) * s->rest_bytes;
	*cls = s->c;
	s->left--;
	return 1;
}

void nn_smote_free(nn_smote *s)
{
	if (!s)
		return;
	free(s->x);
	free(s->rest);
	free(s->off);
	free(s->n);
	free(s->quota);
	free(s->nb);
	free(s->dist);
	free(s);
}

int nn_mix_targets(void *out, nn_dtype t, const void *y, size_t elems, size_t i, size_t j,
                   float lam, size_t *nan_row)
{
	for (size_t k = 0; k < elems; k++) {
		double u = nn_load_f64(y, t, i * elems + k), v = nn_load_f64(y, t, j * elems + k);
		if (isnan(u) || isnan(v)) {
			*nan_row = isnan(u) ? i : j;
			return -1;
		}
		double m = (double)lam * u + (1.0 - (double)lam) * v;
		if (t == NN_F32)
			((float *)out)[k] = (float)m;
		else
			((double *)out)[k] = m;
	}
	return 0;
}

/* Field f of in, as nn-augment writes it, into s. */
static int add_field(nn_schema *s, const nn_schema *in, size_t f, int fx, int fy, int x_f32,
                     size_t soft_ncls, nn_error *err)
{
	const nn_field *g = &in->fields[f];
	uint64_t c = soft_ncls;
	char **names = NULL;
	int bad;

	if ((int)f == fx)
		bad = nn_schema_add_field(s, g->name, x_f32 ? NN_F32 : g->dtype, g->ndim, g->shape, err);
	else if ((int)f == fy && soft_ncls)
		bad = nn_schema_add_field(s, g->name, NN_F32, 1, &c, err);
	else
		bad = nn_schema_add_field(s, g->name, g->dtype, g->ndim, g->shape, err);
	if (bad)
		return -1;
	if (!((int)f == fy && soft_ncls && !g->nclasses))
		return g->nclasses ? nn_schema_set_classes(s, f, g->nclasses,
		                                           (const char *const *)g->classes, err) : 0;
	/* soft labels need names: the ids */
	if (!(names = calloc(soft_ncls, sizeof *names)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	for (size_t k = 0; k < soft_ncls && !bad; k++)
		if (!(names[k] = malloc(24)))
			bad = nn_error_set(err, NN_ENOMEM, "out of memory");
		else
			snprintf(names[k], 24, "%zu", k);
	if (!bad)
		bad = nn_schema_set_classes(s, f, soft_ncls, (const char *const *)names, err);
	for (size_t k = 0; k < soft_ncls; k++)
		free(names[k]);
	free(names);
	return bad;
}

nn_schema *nn_augment_schema(const nn_schema *in, int fx, int fy, int x_f32, size_t soft_ncls,
                             nn_error *err)
{
	nn_schema *s = nn_schema_new(in->kind, err);

	for (size_t f = 0; s && f < in->nfields; f++)
		if (add_field(s, in, f, fx, fy, x_f32, soft_ncls, err)) {
			nn_schema_free(s);
			return NULL;
		}
	if (s && in->meta && nn_schema_set_meta(s, in->meta, in->meta_len, err)) {
		nn_schema_free(s);
		return NULL;
	}
	return s;
}

const void *nn_geometric_apply(const nn_geometric *g, const void *cur, void *a, void *b, size_t es)
{
	void *bufs[2] = { a, b };
	int k = cur == a;

	if (g->flip_h && nn_rng_u64(g->flip) >> 63) {
		nn_image_flip_h(bufs[k], cur, g->H, g->W, g->C, es);
		cur = bufs[k], k ^= 1;
	}
	if (g->flip_v && nn_rng_u64(g->flip) >> 63) {
		nn_image_flip_v(bufs[k], cur, g->H, g->W, g->C, es);
		cur = bufs[k], k ^= 1;
	}
	if (g->shift > 0) {
		long dx = (long)nn_rng_below(g->shift_rng, 2 * g->shift + 1) - (long)g->shift;
		long dy = (long)nn_rng_below(g->shift_rng, 2 * g->shift + 1) - (long)g->shift;
		nn_image_shift(bufs[k], cur, g->H, g->W, g->C, es, dx, dy);
		cur = bufs[k], k ^= 1;
	}
	if (g->rotate >= 0) {
		double deg = (2 * nn_rng_uniform(g->rot) - 1) * g->rotate;
		nn_image_rotate_f32(bufs[k], cur, g->H, g->W, g->C, deg * (M_PI / 180));
		cur = bufs[k];
	}
	return cur;
}

int nn_augment_classes(const nn_field *y, const char *need_ids, size_t classes, size_t *ncls, nn_error *err)
{
	*ncls = 0;
	if (nn_dtype_is_float(y->dtype)) {
		if (need_ids)
			return nn_error_set(err, NN_EDATA, "field '%s' holds %s regression targets; %s needs "
			                    "integer class ids", y->name, nn_dtype_name(y->dtype), need_ids);
		return 0;
	}
	if (y->row_elems != 1)
		return nn_error_set(err, NN_EDATA, "field '%s' holds %zu values per row; class ids are one",
		                    y->name, y->row_elems);
	if (classes && y->nclasses && classes != y->nclasses)
		return nn_error_set(err, NN_EDATA, "--classes %zu, but field '%s' names %zu classes", classes,
		                    y->name, y->nclasses);
	*ncls = classes ? classes : y->nclasses;
	return 1;
}
