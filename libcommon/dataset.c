/* dataset.c — a training stream in memory (see nn/dataset.h). */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "nn/dataset.h"

static int find_field(const nn_schema *s, const char *name, size_t *f, nn_error *err)
{
	int i = nn_schema_find(s, name);
	if (i < 0)
		return nn_error_set(err, NN_EDATA, "no field '%s' (use --x/--y to name the fields)", name);
	if (s->fields[i].dtype == NN_STR)
		return nn_error_set(err, NN_EDATA, "field '%s' holds text (str), not numbers "
		                    "(use --x/--y to name the fields)", name);
	*f = (size_t)i;
	return 0;
}

int nn_task_read(const nn_schema *s, const char *x, const char *y, enum nn_task_kind kind,
                 nn_task *t, nn_error *err)
{
	size_t ix = 0, iy = 0;
	if (find_field(s, x, &ix, err) || find_field(s, y, &iy, err))
		return -1;
	const nn_field *fx = &s->fields[ix], *fy = &s->fields[iy];
	if (fx->dtype == NN_U64 || fx->dtype == NN_I64)
		return nn_error_set(err, NN_EDATA, "field '%s': %s features are not supported; convert them",
		                    fx->name, nn_dtype_name(fx->dtype));
	memset(t, 0, sizeof *t);
	t->x_dtype = fx->dtype;
	t->x_ndim = fx->ndim;
	memcpy(t->x_shape, fx->shape, sizeof t->x_shape);
	int is_float = nn_dtype_is_float(fy->dtype);
	t->soft = is_float && fy->nclasses && fy->ndim == 1;
	t->classification = kind == NN_TASK_AUTO ? !is_float || t->soft : kind == NN_TASK_CLASSIFICATION;
	if (t->classification && is_float && !t->soft)
		return nn_error_set(err, NN_EDATA, "field '%s': float labels cannot be classes "
		                    "(integer labels, or float [C] with class names)", fy->name);
	if (t->classification && !t->soft && fy->row_elems != 1)
		return nn_error_set(err, NN_EDATA, "field '%s': one class per row expected, not %zu values",
		                    fy->name, fy->row_elems);
	t->nclasses = t->classification ? fy->nclasses : 0;
	t->classes = t->classification ? fy->classes : NULL;
	t->ntargets = t->classification ? 0 : fy->row_elems;
	return 0;
}

int nn_task_keep(nn_task *t, const nn_task *from, nn_error *err)
{
	*t = *from;
	t->classes = NULL;
	t->owns_classes = 1;
	if (!from->classes)
		return 0;
	if (!(t->classes = calloc(from->nclasses, sizeof *t->classes)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	for (size_t i = 0; i < from->nclasses; i++)
		if (!(t->classes[i] = strdup(from->classes[i])))
			return nn_error_set(err, NN_ENOMEM, "out of memory");
	return 0;
}

void nn_task_release(nn_task *t)
{
	if (t->owns_classes && t->classes)
		for (size_t i = 0; i < t->nclasses; i++)
			free(t->classes[i]);
	if (t->owns_classes)
		free(t->classes);
	t->classes = NULL;
}

int nn_task_check_same(const nn_task *train, const nn_task *other, const char *x, const char *y,
                       nn_error *err)
{
	uint64_t want = 1, have = 1;
	for (int i = 0; i < train->x_ndim; i++)
		want *= train->x_shape[i];
	for (int i = 0; i < other->x_ndim; i++)
		have *= other->x_shape[i];
	if (want != have || other->classification != train->classification || other->ntargets != train->ntargets)
		return nn_error_set(err, NN_EDATA, "fields '%s'/'%s' differ from the training stream's", x, y);
	if (train->classes && other->classes) {
		if (!nn_classes_same(train->nclasses, train->classes, other->nclasses, other->classes)) {
			char a[512], b[512];
			nn_classes_format(a, sizeof a, other->nclasses, other->classes);
			nn_classes_format(b, sizeof b, train->nclasses, train->classes);
			return nn_error_set(err, NN_EDATA, "field '%s': classes %s differ from the training stream's %s "
			                    "(import both with the same nn-import --classes LIST, e.g. the training "
			                    "stream's)", y, a, b);
		}
	}
	return 0;
}

void nn_classes_format(char *buf, size_t len, size_t n, char *const *names)
{
	size_t at = 0;
	buf[at++] = '[';
	for (size_t i = 0; i < n; i++) {
		char id[24];
		const char *s = names ? names[i] : id;
		if (!names)
			snprintf(id, sizeof id, "%zu", i);
		size_t sl = strlen(s), sep = i ? 2 : 0;
		if (at + sep + sl + 6 > len) {    /* room for ", ...]" and the NUL */
			memcpy(buf + at, sep ? ", ..." : "...", sep ? 5 : 3);
			at += sep ? 5 : 3;
			break;
		}
		memcpy(buf + at, ", ", sep);
		memcpy(buf + at + sep, s, sl);
		at += sep + sl;
	}
	buf[at++] = ']';
	buf[at] = 0;
}

/* Integer features stay in their dtype; floats become f32. */
static int keeps_dtype(nn_dtype t)
{
	return !nn_dtype_is_float(t);
}

/* Bytes of one row's features in memory. */
static size_t x_row_bytes(const nn_dataset *ds)
{
	return ds->d * (ds->xi ? nn_dtype_size(ds->xi_dtype) : sizeof(float));
}

/* Room for rows up to `need` in ds (cap, in rows, grows by half past
 * need unless exact). */
static int grow_to(nn_dataset *ds, int classification, size_t need, int exact, size_t *cap, nn_error *err)
{
	size_t want, xb, tb, cb;
	if (need <= *cap)
		return 0;
	want = exact ? need : need > (SIZE_MAX - 1024) / 3 ? SIZE_MAX : need * 3 / 2 + 1024;
	if (want == SIZE_MAX || nn_size_mul(want, x_row_bytes(ds), &xb) || nn_size_mul(want, ds->k * sizeof(float), &tb) ||
	    nn_size_mul(want, sizeof(int32_t), &cb))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	void *x = realloc(ds->xi ? ds->xi : (void *)ds->x, xb ? xb : 1);
	if (!x)
		return nn_error_set(err, NN_ENOMEM, "out of memory (%zu bytes)", xb);
	if (ds->xi)
		ds->xi = x;
	else
		ds->x = x;
	if (ds->k) {
		float *tt = realloc(ds->t, tb ? tb : 1);
		if (!tt)
			return nn_error_set(err, NN_ENOMEM, "out of memory (%zu bytes)", tb);
		ds->t = tt;
	}
	if (classification) {
		int32_t *c = realloc(ds->cls, cb ? cb : 1);
		if (!c)
			return nn_error_set(err, NN_ENOMEM, "out of memory (%zu bytes)", cb);
		ds->cls = c;
	}
	*cap = want;
	return 0;
}

/* Convert n values to f32 at to, all finite. */
static int convert_finite(float *to, const void *from, const nn_field *f, size_t n, size_t per_row,
                          uint64_t first_row, int label, nn_error *err)
{
	if (nn_convert(to, NN_F32, from, f->dtype, n, err))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(to[i]))
			return label ? nn_error_set(err, NN_EDATA, "row %llu: label '%s' is %s "
			                            "(nn-clean drops rows with missing labels)",
			                            (unsigned long long)(first_row + i / per_row + 1),
			                            f->name, isnan(to[i]) ? "NaN" : "infinite")
			             : nn_error_set(err, NN_EDATA, "row %llu: field '%s' holds %s "
			                            "(nn-clean --nonfinite drops or fills such rows)",
			                            (unsigned long long)(first_row + i / per_row + 1), f->name,
			                            isnan(to[i]) ? "NaN" : "an infinity");
	return 0;
}

int nn_dataset_fields(const nn_schema *s, const char *x, const char *y, size_t *fx, size_t *fy,
                      nn_error *err)
{
	return find_field(s, x, fx, err) || find_field(s, y, fy, err) ? -1 : 0;
}

size_t nn_dataset_row_bytes(const nn_schema *s, size_t fx, size_t fy, const nn_task *t)
{
	const nn_field *X = &s->fields[fx], *Y = &s->fields[fy];
	size_t xb = X->row_elems * (keeps_dtype(X->dtype) ? nn_dtype_size(X->dtype) : sizeof(float));
	size_t k = t->classification ? (t->soft ? Y->row_elems : 0) : Y->row_elems;
	return xb + k * sizeof(float) + (t->classification ? sizeof(int32_t) : 0);
}

/* ds's layout for a stream's fields, when it has no rows yet. */
static void layout(nn_dataset *ds, const nn_field *X, const nn_field *Y, const nn_task *t)
{
	ds->d = X->row_elems;
	ds->k = t->classification ? (t->soft ? Y->row_elems : 0) : Y->row_elems;
	ds->xi_dtype = keeps_dtype(X->dtype) ? X->dtype : NN_F32;
}

/* The rows' capacity of ds, which grows by realloc: kept per set. */
static int append_rows(nn_dataset *ds, const nn_field *X, const nn_field *Y, const nn_task *t,
                       const nn_batch *b, size_t fx, size_t fy, uint64_t first_row, size_t *cap, nn_error *err)
{
	size_t need;
	if (nn_size_add(ds->n, b->rows, &need))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	if (!ds->x && !ds->xi && keeps_dtype(X->dtype)) {
		ds->xi = malloc(1);         /* marks the integer layout for grow_to */
		if (!ds->xi)
			return nn_error_set(err, NN_ENOMEM, "out of memory");
	}
	if (grow_to(ds, t->classification, need, 0, cap, err))
		return -1;
	if (ds->xi)
		memcpy((char *)ds->xi + ds->n * x_row_bytes(ds), b->col[fx], b->rows * X->row_bytes);
	else if (convert_finite(ds->x + ds->n * ds->d, b->col[fx], X, b->rows * ds->d, ds->d, first_row, 0, err))
		return -1;
	if (ds->k && convert_finite(ds->t + ds->n * ds->k, b->col[fy], Y, b->rows * ds->k, ds->k, first_row, 1, err))
		return -1;
	for (size_t i = 0; t->classification && i < b->rows; i++) {
		double v;
		if (t->soft) {        /* the class with the most weight */
			const float *ti = ds->t + (ds->n + i) * ds->k;
			size_t best = 0;
			for (size_t j = 1; j < ds->k; j++)
				best = ti[j] > ti[best] ? j : best;
			v = (double)best;
		} else {
			v = nn_load_f64(b->col[fy], Y->dtype, i);
		}
		if (v < 0 || v >= NN_MAX_CLASSES || (t->nclasses && v >= (double)t->nclasses))
			return nn_error_set(err, NN_EDATA, "row %llu: label %.17g is not a class%s",
			                    (unsigned long long)(first_row + i + 1), v,
			                    t->nclasses ? " of the model" : " (0 to 65535)");
		ds->cls[ds->n + i] = (int32_t)v;
	}
	ds->n += b->rows;
	return 0;
}

int nn_dataset_append(nn_dataset *ds, const nn_schema *s, size_t fx, size_t fy, const nn_task *t,
                      const nn_batch *b, uint64_t first_row, nn_error *err)
{
	size_t cap = ds->n;     /* exact growth: the caller reserved what it wants */
	if (!ds->n && !ds->x && !ds->xi)
		layout(ds, &s->fields[fx], &s->fields[fy], t);
	return append_rows(ds, &s->fields[fx], &s->fields[fy], t, b, fx, fy, first_row, &cap, err);
}

int nn_dataset_load(nn_reader *r, const char *x, const char *y, const nn_task *t, nn_dataset *ds,
                    nn_error *err)
{
	const nn_schema *s = nn_reader_schema(r);
	size_t fx = 0, fy = 0, cap = ds->n;
	const nn_batch *b;
	int got;

	if (nn_dataset_fields(s, x, y, &fx, &fy, err))
		return -1;
	const nn_field *X = &s->fields[fx], *Y = &s->fields[fy];
	if (!ds->n && !ds->x && !ds->xi)
		layout(ds, X, Y, t);
	ds->crc = (uint32_t)crc32_z(0, NULL, 0);
	while ((got = nn_reader_next(r, &b, err)) == 1) {
		ds->crc = (uint32_t)crc32_z(ds->crc, b->col[fx], b->rows * X->row_bytes);
		ds->crc = (uint32_t)crc32_z(ds->crc, b->col[fy], b->rows * Y->row_bytes);
		if (append_rows(ds, X, Y, t, b, fx, fy, ds->n, &cap, err))
			return -1;
	}
	return got < 0 ? -1 : 0;
}

/* Ask for row i of a gather ahead of its copy: the rows lie at random in
 * the training set, so each is a miss to memory, and the copies wait on
 * them one after the other unless asked for early. */
#define AHEAD 2
static void prefetch_row(const nn_dataset *ds, const uint64_t *idx, size_t rows, size_t i)
{
	if (i < rows && idx) {
		size_t bytes = ds->d * (ds->xi ? nn_dtype_size(ds->xi_dtype) : sizeof(float));
		const char *r = (ds->xi ? (const char *)ds->xi : (const char *)ds->x) +
		                nn_dataset_row(ds, idx[i]) * bytes;
		for (size_t at = 0; at < bytes; at += 64)
			__builtin_prefetch(r + at);
	}
}

void nn_dataset_gather(const nn_dataset *ds, const uint64_t *idx, size_t rows, float *x)
{
	size_t d = ds->d;
	for (size_t i = 0; i < AHEAD; i++)
		prefetch_row(ds, idx, rows, i);
	for (size_t i = 0; i < rows; i++) {
		prefetch_row(ds, idx, rows, i + AHEAD);
		size_t r = nn_dataset_row(ds, idx ? idx[i] : i);
		float *to = x + i * d;
		if (!ds->xi) {
			memcpy(to, ds->x + r * d, d * sizeof *to);
			continue;
		}
		/* (float)v of an integer of 32 bits or fewer: the value
		 * nn_convert gives, which goes through double exactly */
		switch (ds->xi_dtype) {
#define ROWS(T) { const T *from = (const T *)ds->xi + r * d; for (size_t j = 0; j < d; j++) to[j] = (float)from[j]; } break
		case NN_U8: ROWS(uint8_t);
		case NN_I8: ROWS(int8_t);
		case NN_U16: ROWS(uint16_t);
		case NN_I16: ROWS(int16_t);
		case NN_U32: ROWS(uint32_t);
		case NN_I32: ROWS(int32_t);
#undef ROWS
		default: memset(to, 0, d * sizeof *to); break;   /* not made by nn_dataset_load */
		}
	}
}

int nn_dataset_grow(nn_dataset *ds, size_t need, size_t *cap, nn_error *err)
{
	return grow_to(ds, ds->cls != NULL, need, 0, cap, err);
}

int nn_dataset_reserve(nn_dataset *ds, const nn_dataset *like, size_t cap, nn_error *err)
{
	size_t have = 0;
	memset(ds, 0, sizeof *ds);
	ds->d = like->d;
	ds->k = like->k;
	ds->xi_dtype = like->xi_dtype;
	if (like->xi && !(ds->xi = malloc(1)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	return grow_to(ds, like->cls != NULL, cap, 1, &have, err);
}

void nn_dataset_push(nn_dataset *dst, const nn_dataset *src, size_t j)
{
	size_t xb = x_row_bytes(src), i = dst->n++;
	memcpy(dst->xi ? (char *)dst->xi + i * xb : (char *)(dst->x + i * dst->d),
	       src->xi ? (const char *)src->xi + j * xb : (const char *)(src->x + j * src->d), xb);
	if (src->k)
		memcpy(dst->t + i * dst->k, src->t + j * src->k, src->k * sizeof(float));
	if (src->cls)
		dst->cls[i] = src->cls[j];
}

void nn_dataset_free(nn_dataset *ds)
{
	free(ds->x);
	free(ds->xi);
	free(ds->t);
	free(ds->cls);
	free(ds->rows);
	memset(ds, 0, sizeof *ds);
}

void nn_dataset_class_range(const nn_dataset *ds, int32_t *lo, int32_t *hi)
{
	*lo = *hi = ds->cls[nn_dataset_row(ds, 0)];
	for (size_t i = 1; i < ds->n; i++) {
		int32_t c = ds->cls[nn_dataset_row(ds, i)];
		*lo = c < *lo ? c : *lo;
		*hi = c > *hi ? c : *hi;
	}
}

void nn_dataset_class_counts(const nn_dataset *ds, size_t nclasses, uint64_t *counts)
{
	memset(counts, 0, nclasses * sizeof *counts);
	for (size_t i = 0; i < ds->n; i++) {
		size_t c = (size_t)ds->cls[nn_dataset_row(ds, i)];
		if (c < nclasses)
			counts[c]++;
	}
}

void nn_dataset_targets(const nn_dataset *ds, const uint64_t *idx, size_t rows, size_t out,
                        int classification, float *t)
{
	for (size_t i = 0; i < rows; i++) {
		size_t r = nn_dataset_row(ds, idx ? idx[i] : i);
		float *ti = t + i * out;
		if (classification && out == 1) {
			ti[0] = (float)ds->cls[r];
		} else if (ds->k) {
			memcpy(ti, ds->t + r * ds->k, out * sizeof *ti);
		} else {
			memset(ti, 0, out * sizeof *ti);
			ti[ds->cls[r]] = 1;
		}
	}
}

static size_t predicted_class(const float *p, size_t out)
{
	if (out == 1)
		return p[0] >= 0.5f;
	size_t best = 0;
	for (size_t j = 1; j < out; j++)
		best = p[j] > p[best] ? j : best;
	return best;
}

int nn_dataset_evaluate(const nn_mlp *net, nn_mlp_work *w, size_t chunk, const nn_dataset *ds,
                        int classification, float *tbuf, double *loss, double *acc, nn_error *err)
{
	size_t out = net->width[net->nlayers], right = 0, d = ds->d;
	double sum = 0;
	float *xb = NULL;                       /* a mapped or integer set's chunk, gathered */
	int gather = ds->rows || ds->xi;
	if (gather && !(xb = malloc((chunk < ds->n ? chunk : ds->n) * d * sizeof *xb + 1)))
		return nn_error_set(err, NN_ENOMEM, "out of memory for %zu rows", chunk);
	nn_dataset base = *ds;                  /* the arrays, indexed directly */
	base.rows = NULL;
	for (size_t start = 0; start < ds->n; start += chunk) {
		size_t rows = ds->n - start < chunk ? ds->n - start : chunk;
		const uint64_t *idx = ds->rows ? ds->rows + start : NULL;
		if (gather) {
			nn_dataset view = base;         /* rows start.. of the arrays */
			view.xi = ds->xi ? (char *)ds->xi + start * d * nn_dtype_size(ds->xi_dtype) : NULL;
			view.x = ds->x ? ds->x + start * d : NULL;
			if (idx) {
				view.xi = ds->xi;
				view.x = ds->x;
			}
			nn_dataset_gather(&view, idx, rows, xb);
		}
		const float *p = nn_mlp_forward(net, w, gather ? xb : ds->x + start * d, rows);
		nn_dataset view = base;             /* the chunk's rows from 0 */
		if (!idx) {
			view.t = ds->t ? ds->t + start * ds->k : NULL;
			view.cls = ds->cls ? ds->cls + start : NULL;
		}
		nn_dataset_targets(&view, idx, rows, out, classification, tbuf);
		sum += nn_mlp_loss(net, w, tbuf, rows) * (double)rows;
		for (size_t i = 0; classification && i < rows; i++)
			right += predicted_class(p + i * out, out) == (size_t)view.cls[idx ? idx[i] : i];
	}
	free(xb);
	*loss = sum / (double)ds->n;
	*acc = classification ? (double)right / (double)ds->n : NAN;
	return 0;
}
