/* predict.c — a trained model over batches (see nn/predict.h). */
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
