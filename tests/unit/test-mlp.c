/* test-mlp.c — the forward pass against a plain double loop, and the
 * backpropagated gradient against central finite differences for every
 * activation, every output/loss pair, one and several hidden layers. */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "nn/blas.h"
#include "nn/mlp.h"
#include "check.h"

static double act_ref(enum nn_act a, double z)
{
	switch (a) {
	case NN_ACT_RELU: return z > 0 ? z : 0;
	case NN_ACT_LEAKY_RELU: return z > 0 ? z : 0.01 * z;
	case NN_ACT_TANH: return tanh(z);
	case NN_ACT_SIGMOID: return 1 / (1 + exp(-z));
	case NN_ACT_GELU: return 0.5 * z * (1 + erf(z / sqrt(2)));
	default: return z;
	}
}

/* Forward pass of one row in double, written from the definition. */
static void forward_ref(const nn_mlp *m, const float *x, double *out)
{
	double cur[64], nxt[64];
	for (size_t j = 0; j < m->width[0]; j++)
		cur[j] = x[j];
	for (int l = 0; l < m->nlayers; l++) {
		const float *w = m->params + m->woff[l], *b = m->params + m->boff[l];
		for (size_t o = 0; o < m->width[l + 1]; o++) {
			double z = b[o];
			for (size_t i = 0; i < m->width[l]; i++)
				z += (double)w[o * m->width[l] + i] * cur[i];
			nxt[o] = l < m->nlayers - 1 ? act_ref(m->act[l], z) : z;
		}
		memcpy(cur, nxt, sizeof cur);
	}
	size_t n = m->width[m->nlayers];
	if (m->output == NN_OUT_SOFTMAX) {
		double mx = cur[0], s = 0;
		for (size_t j = 1; j < n; j++) mx = fmax(mx, cur[j]);
		for (size_t j = 0; j < n; j++) s += exp(cur[j] - mx);
		for (size_t j = 0; j < n; j++) out[j] = exp(cur[j] - mx) / s;
	} else {
		for (size_t j = 0; j < n; j++)
			out[j] = m->output == NN_OUT_SIGMOID ? 1 / (1 + exp(-cur[j])) : cur[j];
	}
}

static nn_mlp *make(int nlayers, const size_t *width, enum nn_act act, enum nn_output out,
                    enum nn_loss loss, uint64_t seed)
{
	enum nn_act acts[NN_MLP_MAX_LAYERS];
	for (int i = 0; i < NN_MLP_MAX_LAYERS; i++) acts[i] = act;
	nn_mlp *m = nn_mlp_new(nlayers, width, acts, out, loss, NULL);
	nn_rng r;
	nn_rng_seed(&r, seed, 0);
	nn_mlp_init(m, NN_INIT_XAVIER, &r);
	/* non-zero biases, so that their gradient and use are tested */
	for (int l = 0; l < nlayers; l++)
		for (size_t j = 0; j < width[l + 1]; j++)
			m->params[m->boff[l] + j] = (float)(0.2 * nn_rng_normal(&r));
	return m;
}

static void fill(float *v, size_t n, nn_rng *r)
{
	for (size_t i = 0; i < n; i++)
		v[i] = (float)nn_rng_normal(r);
}

/* targets that suit the loss: one-hot or soft rows, 0/1, reals */
static void targets(float *t, size_t rows, size_t n, enum nn_loss loss, nn_rng *r)
{
	for (size_t i = 0; i < rows; i++) {
		float *ti = t + i * n;
		if (loss == NN_LOSS_CE) {
			memset(ti, 0, n * sizeof *ti);
			if (i % 2) {
				ti[nn_rng_below(r, n)] = 1;
			} else {                       /* soft label, sums to 1 */
				float lam = (float)nn_rng_uniform(r);
				ti[0] += lam;
				ti[n - 1] += 1 - lam;
			}
		} else {
			for (size_t j = 0; j < n; j++)
				ti[j] = loss == NN_LOSS_BCE ? (float)nn_rng_below(r, 2) : (float)nn_rng_normal(r);
		}
	}
}

static void test_forward(void)
{
	size_t width[] = { 7, 9, 5, 4 };
	for (int a = 0; a < NN_ACT_COUNT; a++)
		for (int o = 0; o < NN_OUT_COUNT; o++) {
			nn_mlp *m = make(3, width, (enum nn_act)a, (enum nn_output)o, NN_LOSS_MSE, 1);
			nn_mlp_work *w = nn_mlp_work_new(m, 13, NULL);
			float x[13 * 7];
			nn_rng r;
			nn_rng_seed(&r, 2, 0);
			fill(x, 13 * 7, &r);
			const float *y = nn_mlp_forward(m, w, x, 13);
			double worst = 0;
			for (size_t i = 0; i < 13; i++) {
				double ref[4];
				forward_ref(m, x + i * 7, ref);
				for (size_t j = 0; j < 4; j++)
					worst = fmax(worst, fabs(y[i * 4 + j] - ref[j]) / (1 + fabs(ref[j])));
			}
			CHECK(worst < 1e-5, "forward %s/%s matches the double reference (%.2g)",
			      nn_act_name((enum nn_act)a), nn_output_name((enum nn_output)o), worst);
			nn_mlp_work_free(w);
			nn_mlp_free(m);
		}
}

/* Mean loss at the current parameters, in the library's own terms. */
static double loss_at(const nn_mlp *m, nn_mlp_work *w, const float *x, const float *t, size_t rows)
{
	nn_mlp_forward(m, w, x, rows);
	return nn_mlp_loss(m, w, t, rows);
}

static void gradcheck(int nlayers, const size_t *width, enum nn_act act, enum nn_output out,
                      enum nn_loss loss)
{
	const size_t rows = 6;
	nn_mlp *m = make(nlayers, width, act, out, loss, 3);
	nn_mlp_work *w = nn_mlp_work_new(m, rows, NULL);
	float *x = malloc(rows * width[0] * sizeof *x);
	float *t = malloc(rows * width[nlayers] * sizeof *t);
	float *g = malloc(m->nparams * sizeof *g);
	nn_rng r;
	nn_rng_seed(&r, 4, 0);
	fill(x, rows * width[0], &r);
	targets(t, rows, width[nlayers], loss, &r);
	double l0 = nn_mlp_gradient(m, w, x, t, rows, g);
	int ok = fabs(l0 - loss_at(m, w, x, t, rows)) < 1e-12;
	double worst = 0;
	/* Every parameter (the padding between tensors is not used). */
	for (int l = 0; l < nlayers; l++) {
		size_t nw = width[l] * width[l + 1], nb = width[l + 1];
		for (size_t k = 0; k < nw + nb; k++) {
			size_t p = k < nw ? m->woff[l] + k : m->boff[l] + (k - nw);
			float keep = m->params[p];
			/* ReLU's kink: a step of 1e-2 moves some Z across 0 and the
			 * difference quotient measures the kink, not the slope. */
			const float h = act == NN_ACT_RELU || act == NN_ACT_LEAKY_RELU ? 1e-3f : 1e-2f;
			m->params[p] = keep + h;
			double up = loss_at(m, w, x, t, rows);
			m->params[p] = keep - h;
			double down = loss_at(m, w, x, t, rows);
			m->params[p] = keep;
			double num = (up - down) / (2 * (double)h);
			/* central differences err by O(h^2 f'''); float rounding of
			 * the loss by ~1e-7 / h */
			double err = fabs(num - g[p]) / (fabs(num) + fabs(g[p]) + 1e-3);
			worst = fmax(worst, err);
		}
	}
	ok = ok && worst < 2e-2;
	CHECK(ok, "gradient %d layers %s -> %s + %s: worst relative error %.2g", nlayers,
	      nn_act_name(act), nn_output_name(out), nn_loss_name(loss), worst);
	free(x);
	free(t);
	free(g);
	nn_mlp_work_free(w);
	nn_mlp_free(m);
}

static void test_gradients(void)
{
	static const struct { enum nn_output out; enum nn_loss loss; } pairs[] = {
		{ NN_OUT_SOFTMAX, NN_LOSS_CE }, { NN_OUT_SIGMOID, NN_LOSS_BCE },
		{ NN_OUT_LINEAR, NN_LOSS_MSE }, { NN_OUT_SOFTMAX, NN_LOSS_MSE },
		{ NN_OUT_SIGMOID, NN_LOSS_MSE },
	};
	size_t deep[] = { 5, 8, 6, 3 }, shallow[] = { 4, 7, 3 }, one[] = { 3, 1 };
	for (int a = 0; a < NN_ACT_COUNT; a++)
		for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
			gradcheck(3, deep, (enum nn_act)a, pairs[p].out, pairs[p].loss);
			if (a == 0)
				gradcheck(2, shallow, (enum nn_act)a, pairs[p].out, pairs[p].loss);
		}
	gradcheck(1, one, NN_ACT_RELU, NN_OUT_SIGMOID, NN_LOSS_BCE);   /* logistic regression */
	gradcheck(1, one, NN_ACT_RELU, NN_OUT_LINEAR, NN_LOSS_MSE);    /* linear regression */
}

static void test_misuse(void)
{
	size_t width[] = { 3, 0, 2 }, ok[] = { 3, 2 };
	enum nn_act act[] = { NN_ACT_RELU };
	nn_error err = { 0 };
	CHECK(!nn_mlp_new(2, width, act, NN_OUT_SOFTMAX, NN_LOSS_CE, &err) && strstr(err.msg, "width 0"),
	      "a zero width is refused: %s", err.msg);
	CHECK(!nn_mlp_new(1, ok, act, NN_OUT_LINEAR, NN_LOSS_CE, &err) && strstr(err.msg, "softmax"),
	      "cross-entropy on a linear output is refused: %s", err.msg);
	size_t huge[] = { (size_t)1 << 40, (size_t)1 << 40 };
	CHECK(!nn_mlp_new(1, huge, act, NN_OUT_LINEAR, NN_LOSS_MSE, &err), "2^80 parameters are refused: %s", err.msg);
	enum nn_act a;
	CHECK(nn_act_parse("leaky-relu", &a) == 0 && a == NN_ACT_LEAKY_RELU && nn_act_parse("swish", &a) == -1,
	      "activation names parse");
	nn_mlp *m = nn_mlp_new(1, ok, act, NN_OUT_LINEAR, NN_LOSS_MSE, NULL);
	CHECK(m && m->nparams >= 8 && m->woff[0] % 16 == 0 && m->boff[0] % 16 == 0 &&
	      nn_mlp_flops_forward(m) == 12 && nn_mlp_flops_train(m) == 24, "layout and FLOP counts");
	nn_mlp_free(m);
}

/* Resident pages of this process (the second field of /proc/self/statm). */
static long resident_pages(void)
{
	long size = 0, resident = -1;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f && fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = -1;
	if (f)
		fclose(f);
	return resident;
}

/* A 8192-8192 layer (2^26 parameters, 256 MiB) reads as zeros and takes
 * memory only where written: what a model file that claims a huge
 * network costs before its chunks are read.  Zeroed arrays of any size
 * start and end on a 64-byte boundary. */
static void test_zeroed(void)
{
	size_t width[2] = { 8192, 8192 };
	long page = sysconf(_SC_PAGESIZE), before = resident_pages();
	nn_mlp *m = nn_mlp_new(1, width, NULL, NN_OUT_LINEAR, NN_LOSS_MSE, NULL);
	CHECK(m && m->params[0] == 0 && m->params[m->nparams / 2] == 0 && m->params[m->nparams - 1] == 0,
	      "a network of 2^26 parameters, zeroed");
	if (!m)
		return;
	long made = resident_pages();
	for (size_t i = 0; i < (1u << 20) / sizeof(float); i++)   /* write 1 MiB */
		m->params[i] = 1;
	long written = resident_pages();
	/* valgrind keeps the client's memory its own way: no count there */
	const char *pre = getenv("LD_PRELOAD");
	if (!(pre && strstr(pre, "vgpreload")) && before > 0)
		CHECK((made - before) * page < (16 << 20) && (written - made) * page >= (1 << 20) &&
		      (written - made) * page < (8 << 20),
		      "resident: +%ld KiB when made, +%ld KiB after writing 1 MiB", (made - before) * page / 1024,
		      (written - made) * page / 1024);
	nn_mlp_free(m);
	for (size_t n = 0; n < 40; n += 7) {
		float *f = nn_floats_zeroed(n);
		int zero = f != NULL;
		for (size_t i = 0; f && i < n; i++)
			zero &= f[i] == 0;
		CHECK(zero && (uintptr_t)f % 64 == 0, "%zu zeroed floats, 64-byte aligned", n);
		nn_floats_free(f);
	}
	nn_floats_free(NULL);
}

int main(void)
{
	if (nn_blas_selfcheck())
		CHECK(0, "sgemm self-check (kernels %s)", nn_blas_corename());
	else
		CHECK(1, "sgemm self-check (kernels %s)", nn_blas_corename());
	test_forward();
	test_gradients();
	test_misuse();
	test_zeroed();
	return check_done();
}
