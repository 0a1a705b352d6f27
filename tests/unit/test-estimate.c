/* test-estimate.c — a dry run's arithmetic: the bytes of the data, of the
 * parameter copies (with and without optimizer moments and a best copy)
 * and of a step's work; the FLOPs of an epoch; the time at a rate; and a
 * measured step that takes as long as asked and no fewer steps; what a
 * model file and a checkpoint hold; a cluster run's time, balance and
 * energy, against values worked out by hand. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/estimate.h"
#include "check.h"

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fabs(b) + 1e-15;
}

/* A step of 1 ms for 100 rows, 10000 rows, a 1 MB gradient, 10 us per
 * message. */
static void test_cluster(void)
{
	nn_cluster c;
	nn_error err = { 0 };
	/* 8 Gbit/s = 1e9 bytes/s; 2 ranks send 2(1)/2 x 1e6 = 1e6 bytes:
	 * 1 ms + 2 messages x 10 us = 1.02 ms; 50 steps of 2.02 ms */
	CHECK(!nn_cluster_estimate(&c, 1e-3, 100, 10000, 1e6, 2, 8, 10e-6, 1, 10, &err), "2 ranks");
	CHECK(near(c.sent_bytes, 1e6) && near(c.comm_s, 1.02e-3) && c.steps == 50 && near(c.epoch_s, 0.101),
	      "2 ranks: %g bytes, %g s, %llu steps, %g s", c.sent_bytes, c.comm_s, (unsigned long long)c.steps,
	      c.epoch_s);
	CHECK(near(c.speedup, 0.1 / 0.101) && near(c.efficiency, 0.1 / 0.101 / 2), "slower than one rank: %g",
	      c.speedup);
	CHECK(near(c.balance_batch, 102) && c.comm_from == 2, "equal at 102 rows a rank; comm from 2 ranks");
	CHECK(near(c.joules, 2 * 0.101 * 10), "2 ranks x 1 core x 0.101 s x 10 W: %g", c.joules);
	/* 80 Gbit/s = 1e10 bytes/s; 4 ranks: 1.5e6 bytes, 0.15 ms + 6 x 10 us
	 * = 0.21 ms; 25 steps of 1.21 ms = 30.25 ms, 0.1 / 0.03025 x one rank.
	 * comm(N) = 2(N-1)/N x 0.1 ms + 2(N-1) x 10 us passes 1 ms between
	 * N = 41 (0.9951 ms) and N = 42 (1.0152 ms). */
	CHECK(!nn_cluster_estimate(&c, 1e-3, 100, 10000, 1e6, 4, 80, 10e-6, 2, 0, &err), "4 ranks");
	CHECK(near(c.sent_bytes, 1.5e6) && near(c.comm_s, 2.1e-4) && c.steps == 25 && near(c.epoch_s, 0.03025),
	      "4 ranks: %g s, %g s", c.comm_s, c.epoch_s);
	CHECK(near(c.speedup, 0.1 / 0.03025) && near(c.balance_batch, 21), "speed-up %g, balance %g", c.speedup,
	      c.balance_batch);
	CHECK(c.comm_from == 42, "the all-reduce passes the compute at 42 ranks: %d", c.comm_from);
	CHECK(c.joules == 0, "no watts, no joules");
	/* no latency: the all-reduce tends to 2 x 0.1 ms and never passes 1 ms */
	CHECK(!nn_cluster_estimate(&c, 1e-3, 100, 10000, 1e6, 4, 80, 0, 1, 0, &err) && c.comm_from == 0,
	      "never: %d", c.comm_from);
	/* one rank: no all-reduce, 100 steps of 1 ms */
	CHECK(!nn_cluster_estimate(&c, 1e-3, 100, 10000, 1e6, 1, 8, 10e-6, 1, 0, &err) && c.comm_s == 0 &&
	      c.steps == 100 && near(c.epoch_s, 0.1) && near(c.speedup, 1), "one rank");
	CHECK(nn_cluster_estimate(&c, 1e-3, 100, 10000, 1e6, 0, 8, 10e-6, 1, 0, &err) && err.code == NN_EARG,
	      "0 ranks refused");
	CHECK(nn_cluster_estimate(&c, 1e-3, 100, 10000, 1e6, 2, 0, 10e-6, 1, 0, &err), "no link refused");
	char *text = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&text, &len);
	nn_cluster_estimate(&c, 1e-3, 100, 10000, 1e6, 4, 80, 10e-6, 2, 5, &err);
	nn_cluster_print(o, &c, 100, 80, 10, 2, 5);
	fclose(o);
	CHECK(text && strstr(text, "cluster\t4 ranks at 80 Gbit/s: 0.030") && strstr(text, " s per epoch (25 steps of 4 x 100 rows: 1 ms compute + 0.21 ms all-reduce of 1.5 MB per rank)") &&
	      strstr(text, "cluster_balance\tcompute is the larger part up to 41 ranks, the all-reduce from 42 on") &&
	      strstr(text, "cluster_energy\t1.21 J per epoch, 12.1 J for 10 epochs"), "the lines: %s", text);
	free(text);
}

int main(void)
{
	size_t width[3] = { 4, 16, 3 };
	enum nn_act act[1] = { NN_ACT_RELU };
	nn_optim_config oc;
	nn_train_state st = { 0 };
	nn_optim_defaults(&oc, NN_OPTIM_ADAM);
	st.net = nn_mlp_new(2, width, act, NN_OUT_SOFTMAX, NN_LOSS_CE, NULL);
	st.opt = nn_optim_new(&oc, st.net->nparams, NULL);

	float x[150 * 4];
	int32_t cls[150];
	for (int i = 0; i < 150 * 4; i++)
		x[i] = (float)(i % 7) * 0.1f;
	for (int i = 0; i < 150; i++)
		cls[i] = i % 3;
	nn_dataset tr = { .n = 120, .d = 4, .x = x, .cls = cls }, val = { .n = 30, .d = 4 };
	nn_estimate e;

	CHECK(nn_estimate_blocks(&st) == 3, "adam: parameters and two moments");
	st.best = calloc(st.net->nparams, sizeof(float));
	CHECK(nn_estimate_blocks(&st) == 4, "and the best copy");

	nn_estimate_run(&e, &st, &tr, &val, 16);
	CHECK(e.batch == 16 && e.chunk == 1024, "a step of the batch size, work for 1024 rows at least");
	CHECK(e.data_bytes == 150.0 * 4 * 4 + 150.0 * 4, "data: f32 features and a class per row: %g", e.data_bytes);
	CHECK(e.model_bytes == (double)st.net->nparams * 4 * 5, "parameters, gradient, moments, best: %g",
	      e.model_bytes);
	CHECK(e.scratch_bytes == (double)nn_mlp_work_bytes(st.net, 1024) + 16.0 * 4 * 4, "work and a batch's rows");
	/* 4-16-3: forward 2(64 + 48) = 224, weights' gradient 224, layer 1's inputs' 96 */
	CHECK(e.flops_per_row == 544, "FLOPs per training row: %g", e.flops_per_row);
	CHECK(e.flops_per_epoch == 544.0 * 120 + 224.0 * 30, "FLOPs per epoch: %g", e.flops_per_epoch);
	CHECK(nn_estimate_epoch_seconds(&e, 1e-3) == e.flops_per_epoch / 1e6, "seconds at a rate");

	nn_estimate_run(&e, &st, &tr, &val, 4096);
	CHECK(e.batch == 120 && e.chunk == 1024, "a batch larger than the data takes all of it");
	nn_dataset big = { .n = 2000, .d = 4 };
	nn_estimate_run(&e, &st, &big, &val, 2000);
	CHECK(e.chunk == 2000, "work for the whole batch when over 1024");

	int steps = 0;
	nn_estimate_run(&e, &st, &tr, &val, 16);
	double s = nn_estimate_step_seconds(&e, st.net, &tr, 0, 5, &steps, NULL);
	CHECK(s >= 0 && steps == 5, "no time asked: the fewest steps (%d)", steps);
	s = nn_estimate_step_seconds(&e, st.net, &tr, 0.02, 1, &steps, NULL);
	CHECK(s > 0 && s * steps >= 0.02, "steps for the time asked: %d of %g s", steps, s);

	/* Any size fits the format: tensors over a row's limits go in chunks. */
	nn_error err = { 0 };
	nn_model m = { .mlp = st.net, .x_name = "x", .x_dtype = NN_F32, .x_ndim = 1, .x_shape = { 4 },
	               .y_name = "y", .classification = 1, .nclasses = 3 };
	CHECK(nn_estimate_fits(&m, &st, 1, &err) == 0, "a small network and its checkpoint fit");
	size_t wide[3] = { 4, 3000000, 3 };
	nn_train_state big_st = { .opt = st.opt };
	big_st.net = nn_mlp_new(2, wide, act, NN_OUT_SOFTMAX, NN_LOSS_CE, NULL);
	m.mlp = big_st.net;
	CHECK(big_st.net && nn_estimate_fits(&m, &big_st, 1, &err) == 0,
	      "a tensor over a row's limit, and its checkpoint, fit in chunks: %s", err.msg);
	nn_mlp_free(big_st.net);

	/* The dry run's report: a line per item, the rows and the network. */
	char *text = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&text, &len);
	nn_estimate_print(o, &st, &tr, &val, 16, 10, 1, "Haswell");
	fclose(o);
	CHECK(text && strstr(text, "parameters\t131\n") && strstr(text, "layers\t4-16-3\trelu -> softmax + ce\n") &&
	      strstr(text, "rows\t120 training, 30 validation\n") && strstr(text, "1 threads, Haswell kernels") &&
	      strstr(text, "for 10 epochs") && strstr(text, "\nmeasured\t"), "the dry run's report");
	free(text);

	test_cluster();
	nn_mlp_free(st.net);
	nn_optim_free(st.opt);
	free(st.best);
	return check_done();
}
