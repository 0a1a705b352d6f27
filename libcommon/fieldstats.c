/* fieldstats.c — a field's statistics for nn-info (nn/fieldstats.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/fieldstats.h"
#include "nn/tensors.h"

int nn_fieldstats_init(nn_fieldstats *a, const nn_field *f, nn_error *err)
{
	memset(a, 0, sizeof *a);
	a->min = INFINITY;
	a->max = -INFINITY;
	if (nn_dtype_is_float(f->dtype) || f->dtype == NN_STR || (!f->nclasses && f->row_elems != 1))
		return 0;
	a->ncount = f->nclasses ? f->nclasses : f->dtype == NN_U8 ? 256 : f->dtype == NN_I8 ? 128 : 65536;
	if (!(a->count = calloc(a->ncount, sizeof *a->count)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	return 0;
}

void nn_fieldstats_free(nn_fieldstats *a)
{
	free(a->count);
	a->count = NULL;
}

static void add_text(nn_fieldstats *a, const nn_field *f, const void *col, size_t rows)
{
	for (size_t i = 0; i < rows; i++) {
		size_t len = nn_str_len((const char *)col + i * f->row_bytes, f->row_bytes);
		a->empty += !len;
		a->longest = len > a->longest ? len : a->longest;
	}
}

void nn_fieldstats_add(nn_fieldstats *a, const nn_field *f, const void *col, size_t rows)
{
	if (f->dtype == NN_STR)
		add_text(a, f, col, rows);
	else
		nn_fieldstats_add_elems(a, f, col, rows * f->row_elems);
}

void nn_fieldstats_add_elems(nn_fieldstats *a, const nn_field *f, const void *col, size_t n)
{
	uint64_t k = 0;
	double sum = 0, m, m2 = 0, delta;

	for (size_t i = 0; i < n; i++) {
		double v = nn_load_f64(col, f->dtype, i);
		if (isfinite(v)) {
			k++;
			sum += v;
			a->min = v < a->min ? v : a->min;
			a->max = v > a->max ? v : a->max;
		} else if (isnan(v)) {
			a->nan++;
		} else {
			a->inf++;
		}
	}
	if (k) {
		m = sum / (double)k;
		for (size_t i = 0; i < n; i++) {
			double v = nn_load_f64(col, f->dtype, i);
			if (isfinite(v))
				m2 += (v - m) * (v - m);
		}
		delta = m - a->mean;
		a->mean += delta * (double)k / (double)(a->n + k);
		a->m2 += m2 + delta * delta * (double)a->n * (double)k / (double)(a->n + k);
		a->n += k;
	}
	for (size_t i = 0; a->count && i < n; i++) {
		double v = nn_load_f64(col, f->dtype, i);
		if (v >= 0 && v < (double)a->ncount) {
			a->count[(size_t)v]++;
		} else if (f->nclasses) {
			a->other++;
		} else {   /* not a class label after all */
			nn_fieldstats_free(a);
		}
	}
}

double nn_fieldstats_std(const nn_fieldstats *a)
{
	return sqrt(a->m2 / (double)a->n);
}

int nn_fieldstats_has_classes(const nn_fieldstats *a, const nn_field *f)
{
	size_t distinct = 0;

	if (!a->count)
		return 0;
	for (size_t v = 0; v < a->ncount; v++)
		distinct += a->count[v] != 0;
	return f->nclasses || distinct <= 1000;
}

size_t nn_fieldstats_next_class(const nn_fieldstats *a, const nn_field *f, size_t v)
{
	while (v < a->ncount && !a->count[v] && !f->nclasses)
		v++;
	return v;
}

/* nn_fieldstats_scan_tensors' state: an element that a chunk cuts (a
 * file may choose chunks of any size) waits in carry for the next. */
struct tensor_scan {
	const nn_field *fields;
	nn_fieldstats *acc;
	unsigned char carry[8];
	size_t ncarry;
};

static int add_chunk(void *ctx, size_t idx, uint64_t off, const void *data, size_t len, nn_error *err)
{
	struct tensor_scan *ts = ctx;
	const nn_field *f = &ts->fields[idx];
	size_t size = nn_dtype_size(f->dtype), n;
	const unsigned char *p = data;

	(void)err;
	if (!ts->acc)
		return 0;
	if (off == 0)   /* the scan hands every tensor whole, from byte 0 */
		ts->ncarry = 0;
	if (ts->ncarry) {
		size_t take = size - ts->ncarry < len ? size - ts->ncarry : len;
		memcpy(ts->carry + ts->ncarry, p, take);
		ts->ncarry += take;
		p += take;
		len -= take;
		if (ts->ncarry < size)
			return 0;
		nn_fieldstats_add_elems(&ts->acc[idx], f, ts->carry, 1);
		ts->ncarry = 0;
	}
	n = len / size;
	nn_fieldstats_add_elems(&ts->acc[idx], f, p, n);
	ts->ncarry = len - n * size;
	memcpy(ts->carry, p + n * size, ts->ncarry);
	return 0;
}

int nn_fieldstats_scan_tensors(nn_reader *r, const nn_tensor_table *tt, const nn_field *fields,
                               nn_fieldstats *acc, nn_error *err)
{
	struct tensor_scan ts = { .fields = fields, .acc = acc };
	return nn_tensors_scan(r, tt, add_chunk, &ts, err);
}
