/* mlp.c — forward pass, loss and backpropagation of a multilayer
 * perceptron.  Every dense product goes through nn_sgemm; what is left
 * here are the elementwise loops, each one pass over a row-major batch.
 *
 * Notation: B rows per batch, layer l maps n_in = width[l] to
 * n_out = width[l+1].  A_{-1} = X, Z_l = A_{l-1} W_l^T + b_l,
 * A_l = act_l(Z_l), and the last layer's A is the output function of Z.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "nn/blas.h"
#include "nn/mlp.h"
#include "hot.h"

#define LEAKY_SLOPE 0.01f                /* PyTorch's default */

static const char *const act_names[NN_ACT_COUNT] = {
	"relu", "tanh", "sigmoid", "leaky-relu", "gelu", "identity" };
static const char *const output_names[NN_OUT_COUNT] = { "softmax", "sigmoid", "linear" };
static const char *const loss_names[NN_LOSS_COUNT] = { "ce", "bce", "mse" };
static const char *const init_names[NN_INIT_COUNT] = { "he", "xavier" };

static int parse_name(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

const char *nn_act_name(enum nn_act a) { return a < NN_ACT_COUNT ? act_names[a] : "?"; }
const char *nn_output_name(enum nn_output o) { return o < NN_OUT_COUNT ? output_names[o] : "?"; }
const char *nn_loss_name(enum nn_loss l) { return l < NN_LOSS_COUNT ? loss_names[l] : "?"; }

#define PARSER(fn, type, names, count) \
	int fn(const char *s, type *v) \
	{ \
		int i = parse_name(names, count, s); \
		if (i < 0) \
			return -1; \
		*v = (type)i; \
		return 0; \
	}
PARSER(nn_act_parse, enum nn_act, act_names, NN_ACT_COUNT)
PARSER(nn_output_parse, enum nn_output, output_names, NN_OUT_COUNT)
PARSER(nn_loss_parse, enum nn_loss, loss_names, NN_LOSS_COUNT)
PARSER(nn_init_parse, enum nn_init, init_names, NN_INIT_COUNT)

/* 64-byte aligned float arrays: whole cache lines, aligned vector loads. */
static float *alloc_floats(size_t n)
{
	void *p = NULL;
	if (n > SIZE_MAX / sizeof(float) - 64 ||
	    posix_memalign(&p, 64, (n ? n : 1) * sizeof(float)))
		return NULL;
	return p;
}

/* nn_floats_zeroed's arrays carry, in the 64 bytes before them, how they
 * were made: the mapping's length, or 0 for the heap. */
#define ZEROED_HEAD 64
#define ZEROED_MAP_BYTES (1u << 20)

float *nn_floats_zeroed(size_t n)
{
	size_t bytes;
	unsigned char *base;
	if (!n)
		n = 1;
	if (n > (SIZE_MAX - ZEROED_HEAD - 4096) / sizeof(float))
		return NULL;
	bytes = n * sizeof(float) + ZEROED_HEAD;
	if (bytes >= ZEROED_MAP_BYTES) {
		/* fresh pages read as zero and take memory when first written */
		void *map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map == MAP_FAILED)
			return NULL;
		base = map;
		memcpy(base, &bytes, sizeof bytes);
	} else {
		void *p = NULL;
		if (posix_memalign(&p, 64, bytes))
			return NULL;
		base = memset(p, 0, bytes);
	}
	return (float *)(void *)(base + ZEROED_HEAD);
}

void nn_floats_free(float *p)
{
	if (p) {
		unsigned char *base = (unsigned char *)p - ZEROED_HEAD;
		size_t mapped;
		memcpy(&mapped, base, sizeof mapped);
		if (mapped)
			munmap(base, mapped);
		else
			free(base);
	}
}

nn_mlp *nn_mlp_new(int nlayers, const size_t *width, const enum nn_act *act,
                   enum nn_output output, enum nn_loss loss, nn_error *err)
{
	if (nlayers < 1 || nlayers > NN_MLP_MAX_LAYERS) {
		nn_error_set(err, NN_EARG, "%d layers: from 1 to %d are allowed", nlayers, NN_MLP_MAX_LAYERS);
		return NULL;
	}
	if (output >= NN_OUT_COUNT || loss >= NN_LOSS_COUNT ||
	    (loss == NN_LOSS_CE && output != NN_OUT_SOFTMAX) ||
	    (loss == NN_LOSS_BCE && output != NN_OUT_SIGMOID)) {
		nn_error_set(err, NN_EARG, "loss %s needs the %s output, not %s", nn_loss_name(loss),
		             loss == NN_LOSS_CE ? "softmax" : "sigmoid", nn_output_name(output));
		return NULL;
	}
	nn_mlp *m = calloc(1, sizeof *m);
	if (!m) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	m->nlayers = nlayers;
	m->output = output;
	m->loss = loss;
	size_t total = 0;
	for (int l = 0; l <= nlayers; l++) {
		if (!width[l]) {
			nn_error_set(err, NN_EARG, "layer %d has width 0", l);
			free(m);
			return NULL;
		}
		m->width[l] = width[l];
	}
	for (int l = 0; l < nlayers; l++) {
		size_t w;
		if (l < nlayers - 1) {
			if (act[l] >= NN_ACT_COUNT) {
				nn_error_set(err, NN_EARG, "unknown activation %d", (int)act[l]);
				free(m);
				return NULL;
			}
			m->act[l] = act[l];
		}
		/* Each W and b starts on a 64-byte boundary (16 floats): count
		 * the padding too, and stay far from SIZE_MAX. */
		if (nn_size_mul(width[l], width[l + 1], &w) || w > SIZE_MAX / 8 ||
		    nn_size_add(total, w + width[l + 1] + 32, &total) || total > SIZE_MAX / 8) {
			nn_error_set(err, NN_ELIMIT, "too many parameters");
			free(m);
			return NULL;
		}
	}
	/* Lay out again exactly, now that nothing overflows. */
	size_t off = 0;
	for (int l = 0; l < nlayers; l++) {
		m->woff[l] = off;
		off += (width[l] * width[l + 1] + 15) / 16 * 16;
		m->boff[l] = off;
		off += (width[l + 1] + 15) / 16 * 16;
	}
	m->nparams = off;
	if (!(m->params = nn_floats_zeroed(off))) {
		nn_error_set(err, NN_ENOMEM, "out of memory for %zu parameters", off);
		free(m);
		return NULL;
	}
	return m;
}

void nn_mlp_free(nn_mlp *m)
{
	if (m) {
		nn_floats_free(m->params);
		free(m);
	}
}

void nn_mlp_init(nn_mlp *m, enum nn_init init, nn_rng *rng)
{
	memset(m->params, 0, m->nparams * sizeof(float));
	for (int l = 0; l < m->nlayers; l++) {
		size_t fan_in = m->width[l], fan_out = m->width[l + 1];
		float *w = m->params + m->woff[l];
		if (init == NN_INIT_HE) {
			double std = sqrt(2.0 / (double)fan_in);
			for (size_t i = 0; i < fan_in * fan_out; i++)
				w[i] = (float)(std * nn_rng_normal(rng));
		} else {
			double lim = sqrt(6.0 / (double)(fan_in + fan_out));
			for (size_t i = 0; i < fan_in * fan_out; i++)
				w[i] = (float)(lim * (2 * nn_rng_uniform(rng) - 1));
		}
	}
}

size_t nn_mlp_count(const nn_mlp *m)
{
	size_t n = 0;
	for (int l = 0; l < m->nlayers; l++)
		n += m->width[l] * m->width[l + 1] + m->width[l + 1];
	return n;
}

double nn_mlp_flops_forward(const nn_mlp *m)
{
	double f = 0;
	for (int l = 0; l < m->nlayers; l++)
		f += 2.0 * (double)m->width[l] * (double)m->width[l + 1];
	return f;
}

double nn_mlp_flops_train(const nn_mlp *m)
{
	/* forward + gradient of W (same products) + gradient of the inputs of
	 * every layer but the first. */
	double f = 2 * nn_mlp_flops_forward(m);
	for (int l = 1; l < m->nlayers; l++)
		f += 2.0 * (double)m->width[l] * (double)m->width[l + 1];
	return f;
}

/* --- scratch ----------------------------------------------------------- */

struct nn_mlp_work {
	size_t max_rows;
	float *z[NN_MLP_MAX_LAYERS];   /* Z_l [max_rows x width[l+1]] */
	float *a[NN_MLP_MAX_LAYERS];   /* A_l; a[L-1] is the output */
	float *d0, *d1;                /* deltas [max_rows x max width] */
};

static size_t max_width(const nn_mlp *m)
{
	size_t w = 0;
	for (int l = 1; l <= m->nlayers; l++)
		w = m->width[l] > w ? m->width[l] : w;
	return w;
}

size_t nn_mlp_work_bytes(const nn_mlp *m, size_t max_rows)
{
	size_t n = 2 * max_width(m);
	for (int l = 1; l <= m->nlayers; l++)
		n += 2 * m->width[l];
	return n * max_rows * sizeof(float);
}

void nn_mlp_work_free(nn_mlp_work *w)
{
	if (!w)
		return;
	for (int l = 0; l < NN_MLP_MAX_LAYERS; l++) {
		free(w->z[l]);
		free(w->a[l]);
	}
	free(w->d0);
	free(w->d1);
	free(w);
}

nn_mlp_work *nn_mlp_work_new(const nn_mlp *m, size_t max_rows, nn_error *err)
{
	nn_mlp_work *w = calloc(1, sizeof *w);
	int ok = w && max_rows;
	size_t n;
	for (int l = 0; ok && l < m->nlayers; l++) {
		ok = !nn_size_mul(max_rows, m->width[l + 1], &n) &&
		     (w->z[l] = alloc_floats(n)) && (w->a[l] = alloc_floats(n));
	}
	ok = ok && !nn_size_mul(max_rows, max_width(m), &n) &&
	     (w->d0 = alloc_floats(n)) && (w->d1 = alloc_floats(n));
	if (!ok) {
		nn_mlp_work_free(w);
		nn_error_set(err, NN_ENOMEM, "out of memory for a batch of %zu rows", max_rows);
		return NULL;
	}
	w->max_rows = max_rows;
	return w;
}

/* --- forward ----------------------------------------------------------- */

static inline float sigmoidf(float z)
{
	return 1.0f / (1.0f + expf(-z));
}

/* A = act(Z + b), Z updated to Z + b: [rows x n] */
NN_HOT static void bias_act(float *restrict z, float *restrict a, const float *restrict b,
                     size_t rows, size_t n, enum nn_act act)
{
	for (size_t i = 0; i < rows; i++) {
		float *zi = z + i * n, *ai = a + i * n;
		for (size_t j = 0; j < n; j++)
			zi[j] += b[j];
		switch (act) {
		case NN_ACT_RELU:
			for (size_t j = 0; j < n; j++)
				ai[j] = zi[j] > 0 ? zi[j] : 0;
			break;
		case NN_ACT_LEAKY_RELU:
			for (size_t j = 0; j < n; j++)
				ai[j] = zi[j] > 0 ? zi[j] : LEAKY_SLOPE * zi[j];
			break;
		case NN_ACT_TANH:
			for (size_t j = 0; j < n; j++)
				ai[j] = tanhf(zi[j]);
			break;
		case NN_ACT_SIGMOID:
			for (size_t j = 0; j < n; j++)
				ai[j] = sigmoidf(zi[j]);
			break;
		case NN_ACT_GELU:          /* exact: z Phi(z), as PyTorch's default */
			for (size_t j = 0; j < n; j++)
				ai[j] = 0.5f * zi[j] * (1.0f + erff(zi[j] * (float)M_SQRT1_2));
			break;
		default:
			memcpy(ai, zi, n * sizeof *ai);
		}
	}
}

/* Output function over rows of Z (bias already added): [rows x n] */
NN_HOT static void output_fn(const nn_mlp *m, const float *z, float *a, size_t rows, size_t n)
{
	for (size_t i = 0; i < rows; i++) {
		const float *zi = z + i * n;
		float *ai = a + i * n;
		if (m->output == NN_OUT_SOFTMAX) {
			float mx = zi[0], s = 0;
			for (size_t j = 1; j < n; j++)
				mx = zi[j] > mx ? zi[j] : mx;
			for (size_t j = 0; j < n; j++)
				s += ai[j] = expf(zi[j] - mx);
			float inv = 1.0f / s;
			for (size_t j = 0; j < n; j++)
				ai[j] *= inv;
		} else if (m->output == NN_OUT_SIGMOID) {
			for (size_t j = 0; j < n; j++)
				ai[j] = sigmoidf(zi[j]);
		} else {
			memcpy(ai, zi, n * sizeof *ai);
		}
	}
}

void nn_mlp_finish_layer(const nn_mlp *m, int l, float *z, float *a, size_t rows)
{
	size_t n_out = m->width[l + 1];
	const float *b = m->params + m->boff[l];
	if (l < m->nlayers - 1) {
		bias_act(z, a, b, rows, n_out, m->act[l]);
		return;
	}
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < n_out; j++)
			z[i * n_out + j] += b[j];
	output_fn(m, z, a, rows, n_out);
}

const float *nn_mlp_forward(const nn_mlp *m, nn_mlp_work *w, const float *x, size_t rows)
{
	const float *in = x;
	int last = m->nlayers - 1;
	for (int l = 0; l <= last; l++) {
		size_t n_in = m->width[l], n_out = m->width[l + 1];
		/* Z_l [rows x n_out] = A_{l-1} [rows x n_in] . W_l^T [n_in x n_out] */
		nn_sgemm(0, 1, rows, n_out, n_in, 1.0f, in, n_in, m->params + m->woff[l], n_in,
		         0.0f, w->z[l], n_out);
		if (l < last) {
			bias_act(w->z[l], w->a[l], m->params + m->boff[l], rows, n_out, m->act[l]);
		} else {
			const float *b = m->params + m->boff[l];
			for (size_t i = 0; i < rows; i++)
				for (size_t j = 0; j < n_out; j++)
					w->z[l][i * n_out + j] += b[j];
			output_fn(m, w->z[l], w->a[l], rows, n_out);
		}
		in = w->a[l];
	}
	return w->a[last];
}

/* --- loss -------------------------------------------------------------- */

/* Loss computed from the output layer's Z where that is the stable form:
 * log-softmax and BCE-with-logits; mean over rows (CE) or over all
 * elements (BCE, MSE), as PyTorch's CrossEntropyLoss, BCEWithLogitsLoss
 * and MSELoss do. */
double nn_mlp_loss(const nn_mlp *m, const nn_mlp_work *w, const float *t, size_t rows)
{
	int last = m->nlayers - 1;
	size_t n = m->width[m->nlayers];
	const float *z = w->z[last], *a = w->a[last];
	double sum = 0;
	for (size_t i = 0; i < rows; i++) {
		const float *zi = z + i * n, *ti = t + i * n, *ai = a + i * n;
		if (m->loss == NN_LOSS_CE) {
			double mx = zi[0], s = 0;
			for (size_t j = 1; j < n; j++)
				mx = zi[j] > mx ? zi[j] : mx;
			for (size_t j = 0; j < n; j++)
				s += exp(zi[j] - mx);
			double lse = mx + log(s);
			for (size_t j = 0; j < n; j++)
				if (ti[j] != 0)
					sum -= ti[j] * (zi[j] - lse);
		} else if (m->loss == NN_LOSS_BCE) {
			for (size_t j = 0; j < n; j++) {
				double zz = zi[j];
				sum += (zz > 0 ? zz : 0) - zz * ti[j] + log1p(exp(-fabs(zz)));
			}
		} else {
			for (size_t j = 0; j < n; j++) {
				double d = (double)ai[j] - ti[j];
				sum += d * d;
			}
		}
	}
	return m->loss == NN_LOSS_CE ? sum / (double)rows : sum / ((double)rows * (double)n);
}

/* --- backward ---------------------------------------------------------- */

/* delta = dL/dZ of the output layer [rows x n]. */
NN_HOT static void output_delta(const nn_mlp *m, const nn_mlp_work *w, const float *t, size_t rows,
                         float *delta)
{
	int last = m->nlayers - 1;
	size_t n = m->width[m->nlayers];
	const float *a = w->a[last];
	float scale = m->loss == NN_LOSS_CE ? 1.0f / (float)rows : 1.0f / ((float)rows * (float)n);
	for (size_t i = 0; i < rows; i++) {
		const float *ai = a + i * n, *ti = t + i * n;
		float *di = delta + i * n;
		if (m->loss != NN_LOSS_MSE) {
			/* softmax + CE and sigmoid + BCE: dL/dZ = (A - T) / count */
			for (size_t j = 0; j < n; j++)
				di[j] = (ai[j] - ti[j]) * scale;
			continue;
		}
		/* MSE: g = dL/dA = 2 (A - T) / count, then through the output */
		for (size_t j = 0; j < n; j++)
			di[j] = 2.0f * (ai[j] - ti[j]) * scale;
		if (m->output == NN_OUT_SIGMOID) {
			for (size_t j = 0; j < n; j++)
				di[j] *= ai[j] * (1.0f - ai[j]);
		} else if (m->output == NN_OUT_SOFTMAX) {
			/* Jacobian of softmax: dZ_j = A_j (g_j - sum_k g_k A_k) */
			float dot = 0;
			for (size_t j = 0; j < n; j++)
				dot += di[j] * ai[j];
			for (size_t j = 0; j < n; j++)
				di[j] = ai[j] * (di[j] - dot);
		}
	}
}

/* delta *= act'(Z) in place, from A (or Z for gelu): [rows x n] */
NN_HOT static void act_backward(float *restrict d, const float *restrict z, const float *restrict a,
                         size_t count, enum nn_act act)
{
	switch (act) {
	case NN_ACT_RELU:
		for (size_t i = 0; i < count; i++)
			d[i] = a[i] > 0 ? d[i] : 0;
		break;
	case NN_ACT_LEAKY_RELU:
		for (size_t i = 0; i < count; i++)
			d[i] = z[i] > 0 ? d[i] : LEAKY_SLOPE * d[i];
		break;
	case NN_ACT_TANH:
		for (size_t i = 0; i < count; i++)
			d[i] *= 1.0f - a[i] * a[i];
		break;
	case NN_ACT_SIGMOID:
		for (size_t i = 0; i < count; i++)
			d[i] *= a[i] * (1.0f - a[i]);
		break;
	case NN_ACT_GELU:
		for (size_t i = 0; i < count; i++) {
			float zz = z[i];
			float cdf = 0.5f * (1.0f + erff(zz * (float)M_SQRT1_2));
			float pdf = 0.3989422804014327f * expf(-0.5f * zz * zz);
			d[i] *= cdf + zz * pdf;
		}
		break;
	default:
		break;
	}
}

/* db [n] = column sums of delta [rows x n] */
NN_HOT static void col_sums(const float *restrict delta, size_t rows, size_t n, float *restrict db)
{
	memset(db, 0, n * sizeof *db);
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < n; j++)
			db[j] += delta[i * n + j];
}

double nn_mlp_gradient(const nn_mlp *m, nn_mlp_work *w, const float *x, const float *t,
                       size_t rows, float *grad)
{
	nn_mlp_forward(m, w, x, rows);
	double loss = nn_mlp_loss(m, w, t, rows);
	float *delta = w->d0, *next = w->d1;
	output_delta(m, w, t, rows, delta);
	for (int l = m->nlayers - 1; l >= 0; l--) {
		size_t n_in = m->width[l], n_out = m->width[l + 1];
		const float *in = l ? w->a[l - 1] : x;
		/* dW_l [n_out x n_in] = delta^T [n_out x rows] . A_{l-1} [rows x n_in] */
		nn_sgemm(1, 0, n_out, n_in, rows, 1.0f, delta, n_out, in, n_in, 0.0f,
		         grad + m->woff[l], n_in);
		/* db_l [n_out] = column sums of delta */
		col_sums(delta, rows, n_out, grad + m->boff[l]);
		if (l > 0) {
			/* dA_{l-1} [rows x n_in] = delta [rows x n_out] . W_l [n_out x n_in] */
			nn_sgemm(0, 0, rows, n_in, n_out, 1.0f, delta, n_out, m->params + m->woff[l], n_in,
			         0.0f, next, n_in);
			act_backward(next, w->z[l - 1], w->a[l - 1], rows * n_in, m->act[l - 1]);
		}
		float *tmp = delta;
		delta = next;
		next = tmp;
	}
	return loss;
}
