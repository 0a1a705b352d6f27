/* test-predict.c — the inference path: outputs over many chunks equal the
 * definition row by row, any dtype converts, a sigmoid output becomes two
 * probabilities, argmax ties go to the lowest class. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/predict.h"
#include "check.h"

/* One dense layer 2 -> n: W rows (1, 0), (0, 1), (1, 1), b = (0, 0, -1). */
static nn_model *model(size_t n, enum nn_output out)
{
	static const float w[6] = { 1, 0, 0, 1, 1, 1 }, b[3] = { 0, 0, -1 };
	size_t width[2] = { 2, n };
	nn_model *m = calloc(1, sizeof *m);
	m->mlp = nn_mlp_new(1, width, NULL, out, out == NN_OUT_LINEAR ? NN_LOSS_MSE : out == NN_OUT_SIGMOID ? NN_LOSS_BCE : NN_LOSS_CE, NULL);
	memcpy(m->mlp->params + m->mlp->woff[0], w, 2 * n * sizeof *w);
	memcpy(m->mlp->params + m->mlp->boff[0], b, n * sizeof *b);
	m->classification = out != NN_OUT_LINEAR;
	m->nclasses = n == 1 ? 2 : n;
	return m;
}

static void test_chunks(void)
{
	enum { ROWS = 600 };   /* three chunks, the last one short */
	nn_error err = { 0 };
	nn_model *m = model(3, NN_OUT_SOFTMAX);
	nn_predictor *p = nn_predictor_new(m, &err);
	uint8_t *x = malloc(ROWS * 2);
	int ok = 1;

	for (int i = 0; i < ROWS; i++) {
		x[2 * i] = (uint8_t)(i % 7);
		x[2 * i + 1] = (uint8_t)(i % 5);
	}
	const float *out = nn_predictor_run(p, x, NN_U8, ROWS, &err);
	CHECK(out != NULL, "run 600 u8 rows: %s", err.msg);
	for (int i = 0; out && i < ROWS; i++) {
		double z[3] = { x[2 * i], x[2 * i + 1], x[2 * i] + x[2 * i + 1] - 1.0 }, mx = z[0], s = 0;
		for (int j = 1; j < 3; j++)
			mx = fmax(mx, z[j]);
		for (int j = 0; j < 3; j++)
			s += exp(z[j] - mx);
		for (int j = 0; j < 3; j++)
			ok &= fabs(out[3 * i + j] - exp(z[j] - mx) / s) < 1e-6;
	}
	CHECK(ok, "softmax outputs of every row over three chunks");
	float proba[ROWS * 3];
	int32_t pred[ROWS];
	nn_predict_proba(m, out, ROWS, proba);
	nn_predict_classes(3, proba, ROWS, pred);
	/* x = (0, 0): z = (0, 0, -1), a tie of classes 0 and 1 */
	CHECK(!memcmp(proba, out, sizeof proba) && pred[0] == 0, "softmax proba as is; a tie goes to class 0");
	CHECK(pred[8] == 1 && pred[13] == 2 && pred[5] == 0, "x (1, 3): class 1 of a tie; (6, 3): 2; (5, 0): 0");
	float bad[2] = { NAN, 1 };
	CHECK(nn_predictor_run(p, bad, NN_F32, 1, &err) != NULL, "NaN features run (NaN outputs)");
	nn_predictor_free(p);
	nn_model_free(m);
	free(x);
}

/* Temperature: p = softmax(z) softened to softmax(z / T).  z = (2, 1, 0):
 * at T = 2, softmax(1, 0.5, 0) = (0.506480, 0.307196, 0.186324). */
static void test_soften(void)
{
	double z[3] = { 2, 1, 0 }, s = 0;
	float p[6];
	for (int j = 0; j < 3; j++)
		s += exp(z[j]);
	for (int j = 0; j < 3; j++)
		p[j] = p[3 + j] = (float)(exp(z[j]) / s);
	nn_predict_soften(p, 2, 3, 2.0);
	CHECK(fabs(p[0] - 0.506480) < 1e-5 && fabs(p[1] - 0.307196) < 1e-5 && fabs(p[2] - 0.186324) < 1e-5 &&
	      !memcmp(p, p + 3, 3 * sizeof *p), "T = 2: softmax(z / 2), every row");
	float q[3] = { 0.7f, 0.2f, 0.1f }, same[3] = { 0.7f, 0.2f, 0.1f };
	nn_predict_soften(q, 1, 3, 1.0);
	CHECK(!memcmp(q, same, sizeof q), "T = 1 changes nothing");
	float r[2] = { 1, 0 };
	nn_predict_soften(r, 1, 2, 4.0);
	CHECK(r[0] == 1 && r[1] == 0, "a certain class stays certain at any T");
	float t[2] = { 0.6f, 0.4f };
	nn_predict_soften(t, 1, 2, 0.5);
	CHECK(fabs(t[0] - 0.36 / 0.52) < 1e-6, "T = 0.5 sharpens: 0.6^2 / (0.6^2 + 0.4^2)");
}

static void test_sigmoid(void)
{
	nn_error err = { 0 };
	nn_model *m = model(1, NN_OUT_SIGMOID);
	nn_predictor *p = nn_predictor_new(m, &err);
	float x[6] = { 0, 5, 2, 0, -3, 1 }, proba[6];
	int32_t pred[3];
	const float *out = nn_predictor_run(p, x, NN_F32, 3, &err);

	nn_predict_proba(m, out, 3, proba);
	nn_predict_classes(2, proba, 3, pred);
	CHECK(proba[0] == 0.5f && proba[1] == 0.5f && pred[0] == 0, "sigmoid(0): (0.5, 0.5), class 0");
	CHECK(fabsf(proba[3] - 1 / (1 + expf(-2))) < 1e-7f && proba[2] == 1 - proba[3] && pred[1] == 1,
	      "sigmoid(2): (1 - p, p), class 1");
	CHECK(pred[2] == 0, "sigmoid(-3): class 0");
	nn_predictor_free(p);
	nn_model_free(m);
}

int main(void)
{
	test_chunks();
	test_sigmoid();
	test_soften();
	return check_done();
}
