/* quant.c — int8 weights per output channel, and magnitude pruning
 * (nn/quant.h). */
#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/blas.h"
#include "nn/mp.h"
#include "nn/pack.h"
#include "nn/quant.h"
#include "nn/tensors.h"

/* w [rows x cols] → q [rows x cols], scale [rows] */
void nn_quant_rows(const float *w, size_t rows, size_t cols, int8_t *q, float *scale)
{
	for (size_t o = 0; o < rows; o++) {
		const float *wr = w + o * cols;
		float amax = 0;
		for (size_t i = 0; i < cols; i++)
			amax = fmaxf(amax, fabsf(wr[i]));
		float s = amax / 127.0f;
		scale[o] = s;
		for (size_t i = 0; i < cols; i++) {
			/* roundf: half away from zero; |w / s| <= 127 by the choice of
			 * s, and the clamp only guards against the division's last bit */
			float v = s > 0 ? roundf(wr[i] / s) : 0;
			q[o * cols + i] = (int8_t)fmaxf(-127.0f, fminf(127.0f, v));
		}
	}
}

/* q [rows x cols], scale [rows] → w [rows x cols] */
void nn_dequant_rows(const int8_t *q, const float *scale, size_t rows, size_t cols, float *w)
{
	for (size_t o = 0; o < rows; o++)
		for (size_t i = 0; i < cols; i++)
			w[o * cols + i] = (float)q[o * cols + i] * scale[o];
}

size_t nn_mlp_zero_weights(const nn_mlp *m, int l)
{
	const float *w = m->params + m->woff[l];
	size_t n = m->width[l] * m->width[l + 1], z = 0;
	for (size_t i = 0; i < n; i++)
		z += w[i] == 0;
	return z;
}

/* The k-th smallest (0-based) of a[0..n-1], reordering a (Hoare's
 * selection, middle pivot; the inputs are magnitudes, never NaN). */
static float select_kth(float *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		float pivot = a[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				float t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return a[k];
	}
	return a[k];
}

/* Zero the k smallest-magnitude weights of layers [l0, l1): everything
 * below the k-th magnitude, then weights equal to it in layer and index
 * order until k are zero. */
static int prune_scope(nn_mlp *m, int l0, int l1, size_t k, nn_error *err)
{
	size_t n = 0;
	for (int l = l0; l < l1; l++)
		n += m->width[l] * m->width[l + 1];
	if (k == 0 || n == 0)
		return 0;
	float *mag = malloc(n * sizeof *mag);
	if (!mag)
		return nn_error_set(err, NN_ENOMEM, "out of memory (%zu weights to rank)", n);
	size_t p = 0;
	for (int l = l0; l < l1; l++) {
		const float *w = m->params + m->woff[l];
		for (size_t i = 0, nl = m->width[l] * m->width[l + 1]; i < nl; i++)
			mag[p++] = fabsf(w[i]);
	}
	float t = select_kth(mag, n, k - 1);
	free(mag);
	size_t below = 0;
	for (int l = l0; l < l1; l++) {
		float *w = m->params + m->woff[l];
		for (size_t i = 0, nl = m->width[l] * m->width[l + 1]; i < nl; i++)
			if (fabsf(w[i]) < t) {
				w[i] = 0;
				below++;
			}
	}
	size_t ties = k - below;    /* how many weights of magnitude t go */
	for (int l = l0; l < l1 && ties; l++) {
		float *w = m->params + m->woff[l];
		for (size_t i = 0, nl = m->width[l] * m->width[l + 1]; i < nl && ties; i++)
			if (fabsf(w[i]) == t) {
				w[i] = 0;
				ties--;
			}
	}
	return 0;
}

int nn_prune(nn_mlp *m, double fraction, int global, size_t *zeroed, nn_error *err)
{
	if (!(fraction >= 0 && fraction <= 1))
		return nn_error_set(err, NN_EARG, "the fraction to prune must be between 0 and 1");
	if (global) {
		size_t n = 0;
		for (int l = 0; l < m->nlayers; l++)
			n += m->width[l] * m->width[l + 1];
		if (prune_scope(m, 0, m->nlayers, (size_t)floor(fraction * (double)n), err))
			return -1;
	} else {
		for (int l = 0; l < m->nlayers; l++)
			if (prune_scope(m, l, l + 1, (size_t)floor(fraction * (double)(m->width[l] * m->width[l + 1])),
			                err))
				return -1;
	}
	if (zeroed)
		for (int l = 0; l < m->nlayers; l++)
			zeroed[l] = nn_mlp_zero_weights(m, l);
	return 0;
}

/* --- the int8 model file ------------------------------------------------ */

void nn_quant_model_free(nn_quant_model *qm)
{
	if (!qm)
		return;
	nn_schema_free(qm->schema);
	for (int l = 0; l < qm->nlayers; l++) {
		free(qm->q[l]);
		free(qm->scale[l]);
	}
	free(qm);
}

nn_quant_model *nn_quant_model_new(const nn_model *m, nn_error *err)
{
	const nn_mlp *net = m->mlp;
	nn_quant_model *qm = calloc(1, sizeof *qm);
	nn_tensor *t = calloc(3 * (size_t)net->nlayers, sizeof *t);
	if (!qm || !t) {
		free(qm);
		free(t);
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	qm->nlayers = net->nlayers;
	for (int l = 0; l < net->nlayers; l++) {
		size_t out = net->width[l + 1], in = net->width[l];
		uint64_t wshape[2] = { out, in };
		char name[64];
		snprintf(name, sizeof name, "layer%d.weight", l);
		if (nn_tensor_set(&t[3 * l], name, NN_I8, 2, wshape, err))
			goto fail;
		snprintf(name, sizeof name, "layer%d.weight_scale", l);
		if (nn_tensor_set(&t[3 * l + 1], name, NN_F32, 1, wshape, err))
			goto fail;
		snprintf(name, sizeof name, "layer%d.bias", l);
		if (nn_tensor_set(&t[3 * l + 2], name, NN_F32, 1, wshape, err))
			goto fail;
		if (!(qm->q[l] = malloc(out * in)) || !(qm->scale[l] = malloc(out * sizeof(float)))) {
			nn_error_set(err, NN_ENOMEM, "out of memory");
			goto fail;
		}
		nn_quant_rows(net->params + net->woff[l], out, in, qm->q[l], qm->scale[l]);
		qm->cols[3 * l] = qm->q[l];
		qm->cols[3 * l + 1] = qm->scale[l];
		qm->cols[3 * l + 2] = net->params + net->boff[l];
	}
	/* the model's metadata plus "quantization" → {"weights": "int8",
	 * "scheme": "symmetric-per-output-channel"} */
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	int bad = nn_pack_str(&pk, "quantization") | msgpack_pack_map(&pk, 2);
	bad |= nn_pack_str(&pk, "weights") | nn_pack_str(&pk, "int8");
	bad |= nn_pack_str(&pk, "scheme") | nn_pack_str(&pk, "symmetric-per-output-channel");
	nn_model_layout lay = { .t = t, .n = 3 * (size_t)net->nlayers, .meta = sb.data, .meta_len = sb.size,
	                        .meta_pairs = 1 };
	if (bad)
		nn_error_set(err, NN_ENOMEM, "out of memory");
	else
		qm->schema = nn_model_schema_with(m, "model", &lay, err);
	msgpack_sbuffer_destroy(&sb);
	if (!qm->schema)
		goto fail;
	free(t);
	return qm;
fail:
	free(t);
	nn_quant_model_free(qm);
	return NULL;
}

int nn_quant_check_scales(const float *scale, size_t out, const char *name, nn_error *err)
{
	for (size_t o = 0; o < out; o++)
		if (!isfinite(scale[o]) || scale[o] < 0)
			return nn_error_set(err, NN_EDATA, "field '%s': scale %zu is not a finite number >= 0",
			                    name, o);
	return 0;
}

int nn_quant_load_weight(const nn_schema *s, const nn_batch *row, int f, size_t out, size_t in,
                         float *w, nn_error *err)
{
	if (s->fields[f].dtype != NN_I8)
		return 0;
	char name[NN_MAX_NAME + 16];
	snprintf(name, sizeof name, "%s_scale", s->fields[f].name);
	int g = nn_schema_find(s, name);
	if (g < 0 || s->fields[g].dtype != NN_F32 || s->fields[g].row_elems != out)
		return nn_error_set(err, NN_EDATA, "field '%s': %s", name,
		                    g < 0 ? "missing beside its int8 weights" : "not f32 with one scale per output");
	const float *scale = row->col[g];
	if (nn_quant_check_scales(scale, out, name, err))
		return -1;
	nn_dequant_rows(row->col[f], scale, out, in, w);
	return 1;
}

int nn_quant_keep(const nn_schema *s, const nn_batch *row, int f, size_t out, size_t in,
                  int8_t **q, float **scale, nn_error *err)
{
	char name[NN_MAX_NAME + 16];
	snprintf(name, sizeof name, "%s_scale", s->fields[f].name);
	int g = nn_schema_find(s, name);   /* checked by nn_quant_load_weight */
	free(*q);
	free(*scale);
	*q = malloc(out * in);
	*scale = malloc(out * sizeof **scale);
	if (!*q || !*scale || g < 0)
		return nn_error_set(err, NN_ENOMEM, "out of memory for int8 weights [%zu x %zu]", out, in);
	memcpy(*q, row->col[f], out * in);
	memcpy(*scale, row->col[g], out * sizeof **scale);
	return 0;
}

int nn_model_set_int8(nn_model *m, const nn_quant_model *qm, nn_error *err)
{
	for (int l = 0; l < NN_MLP_MAX_LAYERS; l++) {
		free(m->qweight[l]);
		free(m->qscale[l]);
		m->qweight[l] = NULL;
		m->qscale[l] = NULL;
	}
	if (!qm)
		return 0;
	for (int l = 0; l < m->mlp->nlayers && l < qm->nlayers; l++) {
		size_t out = m->mlp->width[l + 1], in = m->mlp->width[l];
		m->qweight[l] = malloc(out * in);
		m->qscale[l] = malloc(out * sizeof(float));
		if (!m->qweight[l] || !m->qscale[l])
			return nn_error_set(err, NN_ENOMEM, "out of memory for int8 weights [%zu x %zu]", out, in);
		memcpy(m->qweight[l], qm->q[l], out * in);
		memcpy(m->qscale[l], qm->scale[l], out * sizeof(float));
	}
	return 0;
}

int nn_model_int8_current(const nn_model *m, int l)
{
	const nn_mlp *net = m->mlp;
	if (!m->qweight[l] || !m->qscale[l])
		return 0;
	size_t out = net->width[l + 1], in = net->width[l];
	const float *w = net->params + net->woff[l];
	for (size_t o = 0; o < out; o++)
		for (size_t i = 0; i < in; i++) {
			float v = (float)m->qweight[l][o * in + i] * m->qscale[l][o];
			if (memcmp(&v, &w[o * in + i], sizeof v))
				return 0;
		}
	return 1;
}

/* --- the int8 forward pass ------------------------------------------------ */

struct nn_qforward {
	const nn_mlp *net;
	nn_qw *qw[NN_MLP_MAX_LAYERS];   /* NULL: the layer runs on sgemm */
	size_t max_rows;
	float *z, *a;                   /* [max_rows x widest layer] */
	uint8_t *u;                     /* [max_rows x widest input, rounded up to 4] */
	float *s;                       /* [max_rows] */
	int32_t *zp;                    /* [max_rows] */
};

void nn_qforward_free(nn_qforward *f)
{
	if (!f)
		return;
	for (int l = 0; l < NN_MLP_MAX_LAYERS; l++)
		nn_qw_free(f->qw[l]);
	free(f->z);
	free(f->a);
	free(f->u);
	free(f->s);
	free(f->zp);
	free(f);
}

int nn_qforward_new(const nn_model *m, size_t max_rows, nn_qforward **out, nn_error *err)
{
	const nn_mlp *net = m->mlp;
	int any = 0;
	*out = NULL;
	for (int l = 0; l < net->nlayers; l++)
		any |= net->width[l] <= NN_QGEMM_MAX_IN && nn_model_int8_current(m, l);
	if (!any)
		return 0;
	nn_qforward *f = calloc(1, sizeof *f);
	if (!f)
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	f->net = net;
	f->max_rows = max_rows;
	size_t wide = 0, wide4 = 0;
	for (int l = 0; l <= net->nlayers; l++) {
		wide = net->width[l] > wide ? net->width[l] : wide;
		wide4 = ((net->width[l] + 3) & ~(size_t)3) > wide4 ? (net->width[l] + 3) & ~(size_t)3 : wide4;
	}
	/* the model's limits (nn/model.h) keep these products far from overflow */
	f->z = malloc(max_rows * wide * sizeof *f->z);
	f->a = malloc(max_rows * wide * sizeof *f->a);
	f->u = malloc(max_rows * wide4);
	f->s = malloc(max_rows * sizeof *f->s);
	f->zp = malloc(max_rows * sizeof *f->zp);
	if (!f->z || !f->a || !f->u || !f->s || !f->zp) {
		nn_qforward_free(f);
		return nn_error_set(err, NN_ENOMEM, "out of memory for the int8 forward pass");
	}
	for (int l = 0; l < net->nlayers; l++)
		if (net->width[l] <= NN_QGEMM_MAX_IN && nn_model_int8_current(m, l) &&
		    !(f->qw[l] = nn_qw_new(m->qweight[l], m->qscale[l], net->width[l + 1], net->width[l], err))) {
			nn_qforward_free(f);
			return -1;
		}
	*out = f;
	return 0;
}

const float *nn_qforward_run(nn_qforward *f, const float *x, size_t rows)
{
	const nn_mlp *net = f->net;
	const float *in = x;
	for (int l = 0; l < net->nlayers; l++) {
		size_t n_in = net->width[l], n_out = net->width[l + 1];
		/* z [rows x n_out] = in [rows x n_in] . W_l^T, in int8 or f32 */
		if (f->qw[l]) {
			nn_qact_rows(f->qw[l], in, rows, f->u, f->s, f->zp);
			nn_qgemm(f->qw[l], f->u, f->s, f->zp, rows, NULL, f->z);
		} else {
			nn_sgemm(0, 1, rows, n_out, n_in, 1.0f, in, n_in, net->params + net->woff[l], n_in, 0.0f,
			         f->z, n_out);
		}
		/* in is consumed: its buffer (f->a after the first layer) takes
		 * this layer's activations */
		nn_mlp_finish_layer(net, l, f->z, f->a, rows);
		in = f->a;
	}
	return in;
}
