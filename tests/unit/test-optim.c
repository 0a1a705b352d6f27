/* test-optim.c — each optimizer's update against values worked out by
 * hand from PyTorch's definitions, clipping, the schedules, and the
 * update in ranges (nn_step's) bit for bit against the whole one. */
#include <math.h>
#include <string.h>
#include "nn/optim.h"
#include "check.h"

static int near(double a, double b) { return fabs(a - b) <= 1e-6 * (1 + fabs(b)); }

static void run(enum nn_optim_kind kind, double wd, int nesterov, float *p, float *g, int steps)
{
	nn_optim_config c;
	nn_optim_defaults(&c, kind);
	c.lr = 0.1;
	c.weight_decay = wd;
	c.nesterov = nesterov;
	nn_optim *o = nn_optim_new(&c, 2, NULL);
	for (int s = 0; s < steps; s++) {
		float gg[2] = { g[0], g[1] };
		nn_optim_step(o, p, gg);
	}
	nn_optim_free(o);
}

/* Three steps of every kind over 1000 parameters: nn_optim_step against
 * nn_optim_begin and nn_optim_update over ranges of odd lengths (vector
 * loops cut anywhere, a remainder in every range): the same bits. */
static void test_ranges(void)
{
	enum { N = 1000 };
	static float p1[N], p2[N], g[N];
	for (int kind = 0; kind < NN_OPTIM_COUNT; kind++) {
		nn_optim_config c;
		nn_optim_defaults(&c, (enum nn_optim_kind)kind);
		c.weight_decay = 0.01;
		c.nesterov = kind == NN_OPTIM_MOMENTUM;
		nn_optim *a = nn_optim_new(&c, N, NULL), *b = nn_optim_new(&c, N, NULL);
		for (int i = 0; i < N; i++)
			p1[i] = p2[i] = (float)sin(i * 0.37);
		for (int s = 0; s < 3; s++) {
			for (int i = 0; i < N; i++)
				g[i] = (float)cos(i * 0.11 + s);
			nn_optim_step(a, p1, g);
			nn_optim_begin(b);
			for (size_t off = 0, n = 1; off < N; off += n, n = (n * 7 + 3) % 41 + 1)
				nn_optim_update(b, p2, g, off, off + n <= N ? n : N - off);
		}
		CHECK(!memcmp(p1, p2, sizeof p1) && (!a->m || !memcmp(a->m, b->m, N * sizeof(float))) &&
		      (!a->v || !memcmp(a->v, b->v, N * sizeof(float))),
		      "%s: the update in ranges is the whole update, bit for bit", nn_optim_name((enum nn_optim_kind)kind));
		nn_optim_free(a);
		nn_optim_free(b);
	}
}

int main(void)
{
	float p[2], g[2] = { 0.5f, -2.0f };

	p[0] = 1; p[1] = 1;
	run(NN_OPTIM_SGD, 0.1, 0, p, g, 1);
	/* p - 0.1 (g + 0.1 p) */
	CHECK(near(p[0], 1 - 0.1 * (0.5 + 0.1)) && near(p[1], 1 - 0.1 * (-2 + 0.1)), "sgd with weight decay");

	p[0] = 1; p[1] = 1;
	run(NN_OPTIM_MOMENTUM, 0, 0, p, g, 2);
	/* b1 = g, p1 = 1 - 0.1 g; b2 = 0.9 g + g = 1.9 g, p2 = p1 - 0.19 g */
	CHECK(near(p[0], 1 - 0.29 * 0.5) && near(p[1], 1 + 0.29 * 2), "momentum, two steps");

	p[0] = 1; p[1] = 1;
	run(NN_OPTIM_MOMENTUM, 0, 1, p, g, 1);
	/* nesterov: b = g, p -= 0.1 (g + 0.9 b) = 0.19 g */
	CHECK(near(p[0], 1 - 0.19 * 0.5) && near(p[1], 1 + 0.19 * 2), "nesterov momentum, one step");

	p[0] = 1; p[1] = 1;
	run(NN_OPTIM_ADAM, 0, 0, p, g, 1);
	/* first step: m^ = g, v^ = g^2, p -= lr g / (|g| + eps) */
	CHECK(near(p[0], 1 - 0.1 * 0.5 / (0.5 + 1e-8)) && near(p[1], 1 + 0.1 * 2 / (2 + 1e-8)), "adam, first step");

	p[0] = 1; p[1] = 1;
	run(NN_OPTIM_ADAM, 0, 0, p, g, 3);
	/* a constant gradient: every step moves lr in the sign's direction */
	CHECK(fabs(p[0] - 0.7) < 1e-6 && fabs(p[1] - 1.3) < 1e-6, "adam, three steps of a constant gradient (%.9g %.9g)", p[0], p[1]);

	p[0] = 1; p[1] = 1;
	run(NN_OPTIM_ADAMW, 0.5, 0, p, g, 1);
	/* decoupled: p (1 - lr wd) - lr sign(g) */
	CHECK(near(p[0], 0.95 - 0.1) && near(p[1], 0.95 + 0.1), "adamw, decoupled weight decay");

	nn_optim_config c;
	nn_optim_defaults(&c, NN_OPTIM_SGD);
	c.lr = 1;
	c.clip_norm = 1;
	nn_optim *o = nn_optim_new(&c, 2, NULL);
	float q[2] = { 0, 0 }, h[2] = { 3, 4 };
	double norm = nn_optim_step(o, q, h);
	CHECK(norm == 5 && near(q[0], -0.6) && near(q[1], -0.8), "clipping scales a norm-5 gradient to 1");
	nn_optim_free(o);

	c.lr = 1;
	c.warmup = 4;
	CHECK(near(nn_optim_lr(&c, 0), 0.25) && near(nn_optim_lr(&c, 3), 1) && near(nn_optim_lr(&c, 100), 1),
	      "linear warm-up then constant");
	c.schedule = NN_SCHED_STEP;
	c.step_every = 10;
	c.gamma = 0.5;
	CHECK(near(nn_optim_lr(&c, 13), 1) && near(nn_optim_lr(&c, 14), 0.5) && near(nn_optim_lr(&c, 34), 0.125),
	      "step schedule halves every 10 steps after warm-up");
	c.schedule = NN_SCHED_COSINE;
	c.total = 100;
	c.min_lr = 0.1;
	CHECK(near(nn_optim_lr(&c, 4), 1) && near(nn_optim_lr(&c, 54), 0.55) && near(nn_optim_lr(&c, 104), 0.1) &&
	      near(nn_optim_lr(&c, 1000), 0.1), "cosine from lr to min_lr");
	enum nn_optim_kind k;
	CHECK(nn_optim_parse("adamw", &k) == 0 && k == NN_OPTIM_ADAMW && nn_optim_parse("rmsprop", &k) == -1,
	      "optimizer names");
	test_ranges();
	return check_done();
}
