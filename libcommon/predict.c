/* predict.c — a trained model over batches, and the feed that brings a
 * stream's rows to it (see nn/predict.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/metrics.h"
#include "nn/predict.h"
#include "nn/quant.h"

struct nn_predictor {
	const nn_model *m;
	nn_mlp_work *work;
	nn_qforward *q;        /* the int8 layers' pass, when the model has them */
	float *x, *out;        /* [cap x inputs], [cap x outputs] */
	size_t cap;            /* rows the buffers hold */
};

nn_predictor *nn_predictor_new(const nn_model *m, nn_error *err)
{
	nn_predictor *p = calloc(1, sizeof *p);

	if (!p) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	p->m = m;
	if (!(p->work = nn_mlp_work_new(m->mlp, NN_PREDICT_CHUNK, err)) ||
	    nn_qforward_new(m, NN_PREDICT_CHUNK, &p->q, err)) {
		nn_mlp_work_free(p->work);
		free(p);
		return NULL;
	}
	return p;
}

void nn_predictor_free(nn_predictor *p)
{
	if (!p)
		return;
	nn_mlp_work_free(p->work);
	nn_qforward_free(p->q);
	free(p->x);
	free(p->out);
	free(p);
}

const float *nn_predictor_run(nn_predictor *p, const void *col, nn_dtype t, size_t rows,
                              nn_error *err)
{
	const nn_mlp *net = p->m->mlp;
	size_t in = net->width[0], outs = net->width[net->nlayers], nx, no;

	if (rows > p->cap) {
		float *x, *out;
		if (nn_size_mul(rows, in, &nx) || nn_size_mul(nx, sizeof *x, &nx) ||
		    nn_size_mul(rows, outs, &no) || nn_size_mul(no, sizeof *out, &no)) {
			nn_error_set(err, NN_ELIMIT, "a batch of %zu rows is too large", rows);
			return NULL;
		}
		x = realloc(p->x, nx);
		if (x)
			p->x = x;
		out = x ? realloc(p->out, no) : NULL;
		if (out)
			p->out = out;
		if (!x || !out) {
			nn_error_set(err, NN_ENOMEM, "out of memory for a batch of %zu rows", rows);
			return NULL;
		}
		p->cap = rows;
	}
	if (nn_convert(p->x, NN_F32, col, t, rows * in, err))
		return NULL;
	for (size_t r = 0; r < rows; r += NN_PREDICT_CHUNK) {
		size_t n = rows - r < NN_PREDICT_CHUNK ? rows - r : NN_PREDICT_CHUNK;
		const float *y = p->q ? nn_qforward_run(p->q, p->x + r * in, n)
		                      : nn_mlp_forward(net, p->work, p->x + r * in, n);
		memcpy(p->out + r * outs, y, n * outs * sizeof *y);
	}
	return p->out;
}

void nn_predict_proba(const nn_model *m, const float *out, size_t rows, float *proba)
{
	size_t outs = nn_model_outputs(m), c = m->nclasses;

	if (outs == 1) {
		for (size_t i = 0; i < rows; i++) {
			proba[2 * i] = 1.0f - out[i];
			proba[2 * i + 1] = out[i];
		}
	} else if (proba != out) {
		memcpy(proba, out, rows * c * sizeof *proba);
	}
}

void nn_predict_classes(size_t nclasses, const float *proba, size_t rows, int32_t *pred)
{
	for (size_t i = 0; i < rows; i++)
		pred[i] = (int32_t)nn_argmax_f32(proba + i * nclasses, nclasses);
}

void nn_predict_soften(float *proba, size_t rows, size_t nclasses, double temperature)
{
	if (temperature == 1)
		return;
	for (size_t i = 0; i < rows; i++) {
		float *p = proba + i * nclasses;
		/* p^(1/T) renormalised, in logs from the largest: the same as
		 * softmax(z / T) of the logits z behind p */
		double top = -INFINITY, sum = 0;
		for (size_t j = 0; j < nclasses; j++)
			top = fmax(top, log(p[j]) / temperature);
		for (size_t j = 0; j < nclasses; j++)
			sum += exp(log(p[j]) / temperature - top);
		for (size_t j = 0; j < nclasses; j++)
			p[j] = (float)(exp(log(p[j]) / temperature - top) / sum);
	}
}

/* --- the feed ------------------------------------------------------------- */

#define FEED_CHUNK 256    /* rows converted to double at a time */

struct nn_feed {
	const nn_model *m;
	int pass;               /* nothing to do: the column as it is */
	int check;              /* check the result is finite */
	size_t first;           /* first of the model's steps to apply */
	size_t din, dout;       /* columns read, columns the model takes */
	size_t *perm;           /* din: input column of each column (NULL: identity) */
	char **names;           /* dout names for messages, or NULL (borrowed) */
	double *v, *tmp;        /* [FEED_CHUNK x din] each */
	void *round;            /* [FEED_CHUNK x din] in a step's out dtype */
	float *out;             /* [cap x dout] */
	size_t cap;
};

void nn_feed_free(nn_feed *f)
{
	if (!f)
		return;
	free(f->perm);
	free(f->v);
	free(f->tmp);
	free(f->round);
	free(f->out);
	free(f);
}

size_t nn_feed_steps(const nn_feed *f)
{
	return f->m->prep ? f->m->prep->n - f->first : 0;
}

int nn_feed_reordered(const nn_feed *f)
{
	return f->perm != NULL;
}

/* The refusal when the chains part at step k (0-based). */
static void chains_differ(const nn_prep *in, const nn_prep *mp, size_t k, const char *why, nn_error *err)
{
	char a[160], b[160];
	if (k < in->n)
		nn_prep_step_describe(&in->step[k], a, sizeof a);
	if (k < mp->n)
		nn_prep_step_describe(&mp->step[k], b, sizeof b);
	if (k < mp->n)
		nn_error_set(err, NN_EDATA, "step %zu of the rows' preparation (%s) is not the model's (%s): %s; "
		             "prepare the rows with the training run's parameters (--load), or give the raw "
		             "imported rows and let the model prepare them", k + 1, a, b, why);
	else
		nn_error_set(err, NN_EDATA, "the rows went through step %zu (%s), which the model's training rows "
		             "did not: give them without it (the model prepares raw rows itself)", k + 1, a);
}

nn_feed *nn_feed_new(const nn_model *m, const nn_schema *s, size_t xfield, nn_error *err)
{
	const nn_field *x = &s->fields[xfield];
	nn_feed *f = calloc(1, sizeof *f);
	nn_prep in = { 0 };
	char **have = NULL, why[256];
	size_t want_n;
	char *const *want;

	if (!f) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	f->m = m;
	f->dout = m->mlp->width[0];
	if (!m->prep) {                       /* a model from before chains */
		f->pass = 1;
		if (nn_model_check_input(m, x, err))
			goto fail;
		return f;
	}
	if (nn_prep_read(s, &in, NULL, err))
		goto fail;
	size_t k = nn_prep_common(&in, m->prep, why, sizeof why);
	if (k != in.n) {
		chains_differ(&in, m->prep, k, why, err);
		goto fail;
	}
	f->first = k;
	f->check = 1;
	if (k < m->prep->n) {
		want = m->prep->step[k].names;
		want_n = m->prep->step[k].columns;
	} else {
		want = m->feature_names;
		want_n = f->dout;
	}
	f->names = m->feature_names;
	if (nn_prep_feature_names(s, x, &have, err))
		goto fail;
	f->din = want_n;
	if (have && want) {
		if (!(f->perm = malloc(want_n * sizeof *f->perm))) {
			nn_error_set(err, NN_ENOMEM, "out of memory");
			goto fail;
		}
		if (nn_prep_map_names(have, x->row_elems, want, want_n, f->perm, err)) {
			nn_error_prefix(err, "field '%s' does not have the model's columns", x->name);
			goto fail;
		}
		if (nn_prep_perm_identity(f->perm, want_n)) {
			free(f->perm);
			f->perm = NULL;
		}
	} else if (x->row_elems != want_n) {
		nn_error_set(err, NN_EDATA, "field '%s' has %zu values per row; the model takes %zu%s", x->name,
		             x->row_elems, want_n, k < m->prep->n ? " before its preparation" : "");
		goto fail;
	}
	f->pass = !f->perm && k == m->prep->n;
	if (!(f->v = malloc(FEED_CHUNK * want_n * sizeof *f->v)) ||
	    !(f->tmp = malloc(FEED_CHUNK * want_n * sizeof *f->tmp)) ||
	    !(f->round = malloc(FEED_CHUNK * want_n * sizeof(double)))) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		goto fail;
	}
	nn_prep_release(&in);
	nn_prep_names_free(have, x->row_elems);
	return f;
fail:
	nn_prep_release(&in);
	nn_prep_names_free(have, x->row_elems);
	nn_feed_free(f);
	return NULL;
}

/* The first non-finite value of n rows of d doubles: -1 when none. */
static long long first_nonfinite(const double *v, size_t n, size_t d)
{
	for (size_t i = 0; i < n * d; i++)
		if (v[i] - v[i] != 0)
			return (long long)i;
	return -1;
}

const void *nn_feed_run(nn_feed *f, const void *col, nn_dtype t, size_t rows, uint64_t first_row,
                        nn_dtype *ot, nn_error *err)
{
	const nn_prep *p = f->m->prep;
	size_t din = f->din, dout = f->dout;
	nn_prep_counts cnt = { 0 };

	*ot = t;
	if (f->pass && (!f->check || (t != NN_F32 && t != NN_F64)))
		return col;
	if (f->pass) {              /* the model's own rows: only checked */
		size_t i = 0, n = rows * dout;
		if (t == NN_F32)
			while (i < n && ((const float *)col)[i] - ((const float *)col)[i] == 0)
				i++;
		else
			while (i < n && ((const double *)col)[i] - ((const double *)col)[i] == 0)
				i++;
		if (i == n)
			return col;
		rows = i / dout + 1;  /* convert up to that row: the message below names it */
	}
	if (rows > f->cap) {
		size_t bytes;
		float *o;
		if (nn_size_mul(rows, dout, &bytes) || nn_size_mul(bytes, sizeof *o, &bytes)) {
			nn_error_set(err, NN_ELIMIT, "a batch of %zu rows is too large", rows);
			return NULL;
		}
		if (!(o = realloc(f->out, bytes))) {
			nn_error_set(err, NN_ENOMEM, "out of memory for a batch of %zu rows", rows);
			return NULL;
		}
		f->out = o;
		f->cap = rows;
	}
	for (size_t r0 = 0; r0 < rows; r0 += FEED_CHUNK) {
		size_t n = rows - r0 < FEED_CHUNK ? rows - r0 : FEED_CHUNK, d = din;
		const char *src = (const char *)col + r0 * din * nn_dtype_size(t);
		if (nn_convert(f->perm ? f->tmp : f->v, NN_F64, src, t, n * din, err))
			return NULL;
		if (f->perm)
			nn_prep_permute(f->perm, din, f->tmp, f->v, n);
		for (size_t k = f->first; p && k < p->n; k++) {
			const nn_prep_step *st = &p->step[k];
			nn_prep_apply(st, f->v, n, &cnt);
			d = st->out_columns;
			/* round as the program that wrote the step did */
			if (nn_convert(f->round, st->out_dtype, f->v, NN_F64, n * d, err) ||
			    nn_convert(f->v, NN_F64, f->round, st->out_dtype, n * d, err)) {
				nn_error_prefix(err, "step %zu (%s)", k + 1, nn_prep_program_name(st->program));
				return NULL;
			}
		}
		long long bad = f->check ? first_nonfinite(f->v, n, d) : -1;
		if (bad >= 0) {
			size_t r = (size_t)bad / d, j = (size_t)bad % d;
			char col_name[80];
			if (f->names)
				snprintf(col_name, sizeof col_name, "column '%.60s'", f->names[j]);
			else
				snprintf(col_name, sizeof col_name, "column %zu", j + 1);
			nn_error_set(err, NN_EDATA, "row %llu: %s is %s and the model's preparation has no fill for it "
			             "(nn-clean --nonfinite mean, median, zero or value=V before training gives one); "
			             "no row is left out here: fill the value or remove the row",
			             (unsigned long long)(first_row + r0 + r + 1), col_name,
			             isnan(f->v[bad]) ? "NaN" : "infinite");
			return NULL;
		}
		if (nn_convert(f->out + r0 * dout, NN_F32, f->v, NN_F64, n * dout, err))
			return NULL;
	}
	*ot = NN_F32;
	return f->out;
}
