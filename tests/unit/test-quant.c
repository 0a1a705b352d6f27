/* test-quant.c — int8 weights and pruning against hand-computed values:
 * the scales and codes of a small layer, the error bound scale/2 on
 * random weights, zero rows, pruning per layer and global with ties, the
 * selection against a sort, and a quantized model written and read back
 * dequantized. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nn/predict.h"
#include "nn/quant.h"
#include "nn/rng.h"
#include "check.h"

static nn_mlp *net2(void)
{
	/* 3 → 2 → 2: W0 [2 x 3], W1 [2 x 2] */
	size_t width[3] = { 3, 2, 2 };
	enum nn_act act[1] = { NN_ACT_RELU };
	return nn_mlp_new(2, width, act, NN_OUT_SOFTMAX, NN_LOSS_CE, NULL);
}

static void set(nn_mlp *m, int l, const float *w)
{
	memcpy(m->params + m->woff[l], w, m->width[l] * m->width[l + 1] * sizeof *w);
}

static int same(const float *a, const float *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

int main(void)
{
	nn_error err = { 0 };

	/* row 0: max |w| 1.27 → scale 0.01, codes 50, -127, 1, 0;
	 * row 1: zeros → scale 0, codes 0;
	 * row 2: max 2.54 → scale 0.02; 0.03/0.02 = 1.5 rounds away from 0 to 2 */
	const float w[12] = { 0.5f, -1.27f, 0.01f, 0, 0, 0, 0, 0, 2.54f, 0.03f, -0.03f, -2.54f };
	int8_t q[12];
	float scale[3], back[12];
	nn_quant_rows(w, 3, 4, q, scale);
	const int8_t want_q[12] = { 50, -127, 1, 0, 0, 0, 0, 0, 127, 2, -2, -127 };
	CHECK(!memcmp(q, want_q, sizeof q), "codes: %d %d %d %d | %d %d %d %d", q[0], q[1], q[2], q[3], q[8], q[9],
	      q[10], q[11]);
	CHECK(scale[0] == 1.27f / 127 && scale[1] == 0 && scale[2] == 2.54f / 127, "scales max/127, 0 for zeros");
	nn_dequant_rows(q, scale, 3, 4, back);
	CHECK(back[4] == 0 && back[7] == 0, "a zero row comes back zero");
	CHECK(back[1] == -1.27f && back[11] == -2.54f, "the largest weight of a row comes back exactly");

	/* the bound on random weights of varied sizes */
	nn_rng rng;
	nn_rng_seed(&rng, 7, 0);
	enum { R = 64, C = 300 };
	static float rw[R * C], rb[R * C], rs[R];
	static int8_t rq[R * C];
	for (size_t i = 0; i < R * C; i++)
		rw[i] = (float)((nn_rng_uniform(&rng) * 2 - 1) * pow(10, (double)(i / C % 7) - 3));
	nn_quant_rows(rw, R, C, rq, rs);
	nn_dequant_rows(rq, rs, R, C, rb);
	double worst = 0;
	int in_range = 1;
	for (size_t i = 0; i < R * C; i++) {
		double e = fabs((double)rb[i] - rw[i]) / rs[i / C];
		worst = e > worst ? e : worst;
		in_range &= rq[i] >= -127;
	}
	CHECK(worst <= 0.5 + 1e-5, "every weight within scale/2 (worst %.6f scale)", worst);
	CHECK(in_range, "-128 never used");

	/* pruning one layer: |w| 3 1 2 .5 .5 4, half → 3 zeros: both .5
	 * (below the third smallest, 1) and then the 1 */
	nn_mlp *m = net2();
	const float w0[6] = { 3, -1, 2, -0.5f, 0.5f, 4 }, w1[4] = { 1, 1, 1, 1 };
	set(m, 0, w0);
	set(m, 1, w1);
	size_t zeroed[2];
	CHECK(nn_prune(m, 0.5, 0, zeroed, &err) == 0, "prune per layer");
	const float p0[6] = { 3, 0, 2, 0, 0, 4 }, p1[4] = { 0, 0, 1, 1 };
	CHECK(same(m->params + m->woff[0], p0, 6), "layer 0: the three smallest zeroed");
	CHECK(same(m->params + m->woff[1], p1, 4), "layer 1: four ties, the first two in index order");
	CHECK(zeroed[0] == 3 && zeroed[1] == 2, "zeros counted per layer (%zu, %zu)", zeroed[0], zeroed[1]);

	/* global: 10 weights, 0.4 → 4 zeros: .5 .5 then two of the five 1s
	 * (layer 0's -1 first, then layer 1's first) */
	set(m, 0, w0);
	set(m, 1, w1);
	CHECK(nn_prune(m, 0.4, 1, zeroed, &err) == 0, "prune globally");
	const float g0[6] = { 3, 0, 2, 0, 0, 4 }, g1[4] = { 0, 1, 1, 1 };
	CHECK(same(m->params + m->woff[0], g0, 6) && same(m->params + m->woff[1], g1, 4),
	      "global: the smallest over both layers, ties in layer then index order");
	const float biases_before = m->params[m->boff[0]];
	CHECK(nn_prune(m, 1, 1, zeroed, &err) == 0 && zeroed[0] == 6 && zeroed[1] == 4 &&
	      m->params[m->boff[0]] == biases_before, "fraction 1: every weight, no bias");
	CHECK(nn_prune(m, 1.5, 0, NULL, &err) == -1 && err.code == NN_EARG, "fraction over 1 refused");
	CHECK(nn_prune(m, NAN, 0, NULL, &err) == -1, "NaN fraction refused");

	/* random layers with many ties: exactly max(k, zeros already there)
	 * zeros, and nothing kept is smaller than anything pruned */
	int counts_ok = 1, order_ok = 1;
	for (int t = 0; t < 200; t++) {
		size_t width[2] = { 1 + nn_rng_below(&rng, 40), 1 + nn_rng_below(&rng, 40) };
		nn_mlp *r = nn_mlp_new(1, width, NULL, NN_OUT_LINEAR, NN_LOSS_MSE, &err);
		size_t n = width[0] * width[1], z0 = 0;
		float *orig = malloc(n * sizeof *orig);
		for (size_t i = 0; i < n; i++) {
			orig[i] = r->params[r->woff[0] + i] = (float)nn_rng_below(&rng, 5) - 2;
			z0 += orig[i] == 0;
		}
		double frac = nn_rng_uniform(&rng);
		size_t k = (size_t)floor(frac * (double)n);
		nn_prune(r, frac, 0, zeroed, &err);
		counts_ok &= zeroed[0] == (k > z0 ? k : z0);
		float max_pruned = 0, min_kept = INFINITY;
		for (size_t i = 0; i < n; i++) {
			float now = r->params[r->woff[0] + i];
			if (now == 0)
				max_pruned = fmaxf(max_pruned, fabsf(orig[i]));
			else
				min_kept = fminf(min_kept, fabsf(now));
			order_ok &= now == 0 || now == orig[i];
		}
		order_ok &= max_pruned <= min_kept;
		free(orig);
		nn_mlp_free(r);
	}
	CHECK(counts_ok, "random layers: max(floor(fraction x n), zeros before) zeros");
	CHECK(order_ok, "random layers: the pruned are the smallest, the kept unchanged");

	/* a quantized model written and read back */
	nn_model mod = { 0 };
	const float w0b[6] = { 0.3f, -0.2f, 0.1f, 1, 0, -0.5f };
	set(m, 0, w0b);
	set(m, 1, w1);
	m->params[m->boff[1]] = 0.25f;
	mod.mlp = m;
	mod.x_name = "x";
	mod.x_dtype = NN_F32;
	mod.x_ndim = 1;
	mod.x_shape[0] = 3;
	mod.y_name = "y";
	mod.classification = 1;
	mod.nclasses = 2;
	nn_quant_model *qm = nn_quant_model_new(&mod, &err);
	CHECK(qm != NULL, "quantized form: %s", qm ? "made" : err.msg);
	char path[] = "/tmp/nn-test-quant.XXXXXX";
	int fd = mkstemp(path);
	nn_writer *wr = nn_writer_open_fd(fd, qm->schema, NULL, &err);
	int ok = wr && !nn_writer_write(wr, qm->cols, 1, &err) && !nn_writer_finish(wr, &err);
	nn_writer_free(wr);
	CHECK(ok, "written: %s", ok ? "yes" : err.msg);
	lseek(fd, 0, SEEK_SET);
	nn_reader *rd = nn_reader_open_fd(fd, &err);
	nn_model *got = rd ? nn_model_read(rd, &err) : NULL;
	CHECK(got != NULL, "read back: %s", got ? "yes" : err.msg);
	if (got) {
		float want0[6], s0[2];
		int8_t q0[6];
		nn_quant_rows(w0b, 2, 3, q0, s0);
		nn_dequant_rows(q0, s0, 2, 3, want0);
		CHECK(same(got->mlp->params + got->mlp->woff[0], want0, 6), "weights dequantized on load");
		CHECK(got->mlp->params[got->mlp->boff[1]] == 0.25f, "biases f32 as they were");
		CHECK(nn_schema_find(nn_reader_schema(rd), "layer0.weight_scale") >= 0 &&
		      nn_reader_schema(rd)->fields[nn_schema_find(nn_reader_schema(rd), "layer0.weight")].dtype == NN_I8,
		      "the file holds i8 weights and their scales");
		CHECK(got->qweight[0] && !memcmp(got->qweight[0], q0, 6) && !memcmp(got->qscale[0], s0, sizeof s0) &&
		      nn_model_int8_current(got, 0) && nn_model_int8_current(got, 1),
		      "the int8 weights kept beside, current");

		/* predictions: by the int8 pass, the same bytes whatever the
		 * batch split, close to the f32 pass on the same weights */
		enum { N = 37 };
		float x[N * 3], one[N * 2], all[N * 2];
		for (size_t i = 0; i < N * 3; i++)
			x[i] = (float)nn_rng_normal(&rng);
		nn_predictor *p = nn_predictor_new(got, &err);
		const float *y = p ? nn_predictor_run(p, x, NN_F32, N, &err) : NULL;
		if (y)
			memcpy(all, y, sizeof all);
		int split_same = y != NULL;
		for (size_t r = 0; split_same && r < N; r++) {
			y = nn_predictor_run(p, x + 3 * r, NN_F32, 1, &err);
			split_same = y && !memcmp(y, all + 2 * r, 2 * sizeof *y);
		}
		CHECK(split_same, "int8 predictions: %d rows at once = one by one, byte for byte", N);
		nn_mlp_work *wk = nn_mlp_work_new(got->mlp, N, &err);
		const float *f = nn_mlp_forward(got->mlp, wk, x, N);
		double far = 0;
		int differ = 0;
		for (size_t i = 0; i < N * 2; i++) {
			far = fmax(far, fabs((double)f[i] - all[i]));
			differ |= f[i] != all[i];
		}
		CHECK(differ && far < 0.02, "int8 probabilities within %.3g of the f32 pass (and not it)", far);
		nn_predictor_free(p);

		/* f32 weights changed (training): the f32 pass again */
		got->mlp->params[got->mlp->woff[1]] += 0.125f;
		CHECK(!nn_model_int8_current(got, 1) && nn_model_int8_current(got, 0),
		      "a changed layer's int8 copy is stale");
		got->mlp->params[got->mlp->woff[0]] += 0.125f;
		p = nn_predictor_new(got, &err);
		y = p ? nn_predictor_run(p, x, NN_F32, N, &err) : NULL;
		if (y)
			memcpy(one, y, sizeof one);
		f = nn_mlp_forward(got->mlp, wk, x, N);
		CHECK(y && !memcmp(one, f, sizeof one), "stale int8 weights: predictions by the f32 pass exactly");
		nn_predictor_free(p);
		nn_mlp_work_free(wk);
	}
	nn_model_free(got);
	nn_reader_close(rd);
	close(fd);
	unlink(path);
	nn_quant_model_free(qm);
	nn_mlp_free(m);
	return check_done();
}
