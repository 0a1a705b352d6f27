/* test-fit.c — the epoch loop's rules: early stopping (the value watched,
 * min_delta, patience, the best copy kept and restored, a resumed state
 * already stopped), the rows of each step on one and several ranks, the
 * schedule in epochs, the learning rate logged, checkpoints due, the
 * epoch's order, the log's lines. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/fit.h"
#include "check.h"

static void make_state(nn_train_state *st)
{
	size_t width[2] = { 2, 1 };
	nn_optim_config oc;
	memset(st, 0, sizeof *st);
	nn_optim_defaults(&oc, NN_OPTIM_SGD);
	st->net = nn_mlp_new(1, width, NULL, NN_OUT_LINEAR, NN_LOSS_MSE, NULL);
	st->opt = nn_optim_new(&oc, st->net->nparams, NULL);
	st->best = calloc(st->net->nparams, sizeof(float));
}

static void test_earlystop(void)
{
	nn_earlystop es = { .patience = 2, .min_delta = 0.1, .monitor = NN_MONITOR_LOSS };
	nn_earlystop acc = { .patience = 2, .monitor = NN_MONITOR_ACCURACY };
	nn_train_state st;
	nn_rng rng;
	nn_rng_seed(&rng, 1, 2);
	make_state(&st);

	CHECK(nn_earlystop_value(&es, 1, 5, 0.5, 0.9) == 0.5, "val loss watched");
	CHECK(nn_earlystop_value(&acc, 1, 5, 0.5, 0.9) == -0.9, "minus the accuracy watched");
	CHECK(nn_earlystop_value(&acc, 0, 5, NAN, NAN) == 5, "training loss without validation");

	/* values 1.0, 0.95 (not better by more than 0.1), 0.85 (better), 0.8, 0.79: stop */
	static const double v[] = { 1.0, 0.95, 0.85, 0.8, 0.79 };
	static const int stop[] = { 0, 0, 0, 0, 1 };
	static const uint64_t best[] = { 1, 1, 3, 3, 3 };
	int ok = 1;
	for (int e = 0; e < 5; e++) {
		st.net->params[0] = (float)e;
		nn_fit_end_epoch(&st, &rng);
		ok &= nn_earlystop_update(&es, &st, v[e]) == stop[e] && st.best_epoch == best[e];
	}
	CHECK(ok, "min_delta decides improvement; patience 2 stops at epoch 5, best epoch 3");
	CHECK(st.best[0] == 2 && st.best_metric == 0.85 && st.bad_epochs == 2, "the best epoch's copy and value kept");
	CHECK(nn_earlystop_done(&es, &st), "the stopped state stays stopped when resumed");
	nn_earlystop_restore(&st);
	CHECK(st.net->params[0] == 2, "the best epoch's parameters restored");

	nn_earlystop off = { .patience = 0 };
	nn_train_state none;
	make_state(&none);
	none.net->params[0] = 7;
	CHECK(!nn_earlystop_update(&off, &none, 1) && !none.has_best && !nn_earlystop_done(&off, &none),
	      "patience 0: nothing kept, never stops");
	nn_earlystop_restore(&none);
	CHECK(none.net->params[0] == 7, "no best: parameters left as they are");
	CHECK(st.epoch == 5 && st.batch == 0 && st.epoch_rows == 0 && st.epoch_loss == 0 &&
	      !memcmp(&st.shuffle, &rng, sizeof rng), "an epoch's end resets the position and keeps the order's state");
	nn_mlp_free(st.net);
	nn_optim_free(st.opt);
	free(st.best);
	nn_mlp_free(none.net);
	nn_optim_free(none.opt);
	free(none.best);
}

static void test_rows(void)
{
	size_t first, n;
	CHECK(nn_fit_steps(10, 4, 1) == 3 && nn_fit_steps(12, 4, 1) == 3 && nn_fit_steps(13, 4, 1) == 4,
	      "steps per epoch: the last may be smaller");
	CHECK(nn_fit_steps(10, 2, 3) == 2 && nn_fit_steps(1, 128, 4) == 1, "steps over ranks take batch x ranks rows");
	n = nn_fit_rows(10, 4, 1, 0, 2, &first);
	CHECK(first == 8 && n == 2, "one process: the last step's remaining rows");
	/* 10 rows, 3 ranks of 2: step 0 rows 0-1 / 2-3 / 4-5, step 1 6-7 / 8-9 / none */
	n = nn_fit_rows(10, 2, 3, 1, 0, &first);
	CHECK(first == 2 && n == 2, "rank 1's block of step 0");
	n = nn_fit_rows(10, 2, 3, 1, 1, &first);
	CHECK(first == 8 && n == 2, "rank 1's block of step 1");
	n = nn_fit_rows(10, 2, 3, 2, 1, &first);
	CHECK(n == 0, "a rank past the end takes no rows");
	n = nn_fit_rows(9, 2, 3, 1, 1, &first);
	CHECK(first == 8 && n == 1, "a partial block");
}

static void test_schedule(void)
{
	nn_optim_config c;
	nn_optim_defaults(&c, NN_OPTIM_SGD);
	nn_fit_schedule(&c, 0.5, 1.5, 10, 7);
	CHECK(c.warmup == 4 && c.step_every == 11 && c.total == 66, "epochs to steps, rounded: %llu %llu %llu",
	      (unsigned long long)c.warmup, (unsigned long long)c.step_every, (unsigned long long)c.total);
	nn_fit_schedule(&c, 20, 0.01, 10, 7);
	CHECK(c.step_every == 1 && c.total == 1, "a step of one step at least; warm-up past the end leaves one");

	nn_optim_defaults(&c, NN_OPTIM_SGD);
	c.schedule = NN_SCHED_STEP;
	c.step_every = 2;
	c.gamma = 0.5;
	nn_optim *o = nn_optim_new(&c, 4, NULL);
	CHECK(nn_fit_last_lr(o) == c.lr, "before any step: the first step's rate");
	o->step = 3;
	CHECK(nn_fit_last_lr(o) == nn_optim_lr(&c, 2) && nn_optim_lr(&c, 2) == c.lr * 0.5, "the last step's rate");
	nn_optim_free(o);

	CHECK(nn_fit_diverged(1.1, NAN) && nn_fit_diverged(1.1, INFINITY) && nn_fit_diverged(1.1, 1e12),
	      "not finite, or far past the first loss: diverged");
	CHECK(!nn_fit_diverged(1.1, 5) && !nn_fit_diverged(1e10, 1e12) && !nn_fit_diverged(0, 7),
	      "a loss that grows a little, a large first loss, a first loss of 0: not diverged");
	CHECK(nn_fit_checkpoint_due(4, 2, 9, 0) && !nn_fit_checkpoint_due(3, 2, 9, 0), "every N epochs");
	CHECK(nn_fit_checkpoint_due(9, 2, 9, 0) && nn_fit_checkpoint_due(5, 2, 9, 1), "after the last, and on stopping");
}

static void test_order_and_log(void)
{
	uint64_t order[5], ref[5] = { 0, 1, 2, 3, 4 };
	nn_rng a, b;
	nn_rng_seed(&a, 9, 2);
	b = a;
	nn_fit_order(order, 5, NULL);
	CHECK(!memcmp(order, ref, sizeof ref), "no generator: input order");
	nn_fit_order(order, 5, &a);
	nn_rng_shuffle(&b, ref, 5);
	CHECK(!memcmp(order, ref, sizeof ref) && !memcmp(&a, &b, sizeof a), "shuffled by the generator, which moves on");

	char line[NN_FIT_LOG_MAX];
	nn_epoch_log e = { 3, 0.25, 0.5, 0.9, 0.01, 1234.4, 1.23456, { 0, 0, 0, NN_ENERGY_NONE } };
	nn_fit_log_line(line, &e, 0);
	CHECK(!strcmp(line, "3\t0.25\t0.5\t0.9\t0.01\t1234\t1.235\t0.000\tnan\tnone\n"), "a TSV line: %s", line);
	nn_fit_log_line(line, &e, 1);
	CHECK(!strcmp(line, "{\"epoch\":3,\"train_loss\":0.25,\"val_loss\":0.5,\"val_accuracy\":0.9,\"lr\":0.01,"
	                    "\"samples_per_s\":1234,\"elapsed_s\":1.235,\"cpu_s\":0.000,\"energy_j\":null,"
	                    "\"energy_source\":\"none\"}\n"), "a JSON line, no energy: %s", line);
	e.cost = (nn_cost){ .wall_s = 1.2, .cpu_s = 2.5, .joules = 25.0004, .source = NN_ENERGY_ESTIMATED };
	nn_fit_log_line(line, &e, 0);
	CHECK(!strcmp(line, "3\t0.25\t0.5\t0.9\t0.01\t1234\t1.235\t2.500\t25.000\testimated\n"),
	      "the cost in TSV: %s", line);
	e.cost.source = NN_ENERGY_MEASURED;
	nn_fit_log_line(line, &e, 1);
	CHECK(strstr(line, "\"cpu_s\":2.500,\"energy_j\":25.000,\"energy_source\":\"measured\"}\n"),
	      "and in JSON: %s", line);
	e.val_loss = e.val_accuracy = NAN;
	nn_fit_log_line(line, &e, 1);
	CHECK(strstr(line, "\"val_loss\":null,\"val_accuracy\":null,"), "no validation: null in JSON");
	nn_fit_log_line(line, &e, 0);
	CHECK(strstr(line, "\tnan\tnan\t"), "and nan in TSV: %s", line);
	CHECK(!strncmp(nn_fit_log_header, "epoch\ttrain_loss\t", 17) && strchr(nn_fit_log_header, '\n'),
	      "the TSV header");
}

int main(void)
{
	test_order_and_log();
	test_earlystop();
	test_rows();
	test_schedule();
	return check_done();
}
