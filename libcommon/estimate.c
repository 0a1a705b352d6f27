/* estimate.c — what a training run will cost (see nn/estimate.h). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nn/blas.h"
#include "nn/estimate.h"
#include "nn/fit.h"

int nn_estimate_blocks(const nn_train_state *st)
{
	return 1 + (st->opt->m != NULL) + (st->opt->v != NULL) + (st->best != NULL);
}

void nn_estimate_run(nn_estimate *e, const nn_train_state *st, const nn_dataset *tr, const nn_dataset *val,
                     size_t batch)
{
	const nn_mlp *net = st->net;
	e->batch = batch < tr->n ? batch : tr->n;
	e->chunk = e->batch > 1024 ? e->batch : 1024;
	double xb = tr->xi ? (double)nn_dtype_size(tr->xi_dtype) : 4;    /* integer features keep their dtype */
	e->data_bytes = (double)(tr->n + val->n) * ((double)tr->d * xb + (double)tr->k * 4) + (double)(tr->n + val->n) * 4;
	e->model_bytes = (double)net->nparams * 4 * (1 + nn_estimate_blocks(st));
	e->scratch_bytes = (double)nn_mlp_work_bytes(net, e->chunk) + (double)e->batch * (double)tr->d * 4;
	e->flops_per_row = nn_mlp_flops_train(net);
	e->flops_per_epoch = nn_mlp_flops_train(net) * (double)tr->n + nn_mlp_flops_forward(net) * (double)val->n;
}

double nn_estimate_epoch_seconds(const nn_estimate *e, double gflops)
{
	return e->flops_per_epoch / (gflops * 1e9);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double nn_estimate_step_seconds(const nn_estimate *e, const nn_mlp *net, const nn_dataset *tr,
                                double seconds, int min_steps, int *steps, nn_error *err)
{
	size_t B = e->batch, out = net->width[net->nlayers];
	nn_mlp_work *w = nn_mlp_work_new(net, B, err);
	float *xb = malloc(B * tr->d * sizeof *xb), *tb = malloc(B * out * sizeof *tb);
	float *grad = malloc(net->nparams * sizeof *grad);
	double per_step = -1;
	if (w && xb && tb && grad) {
		nn_dataset_gather(tr, NULL, B, xb);
		nn_dataset_targets(tr, NULL, B, out, tr->cls != NULL, tb);
		double t0 = now();
		*steps = 0;
		while (now() - t0 < seconds || *steps < min_steps) {
			nn_mlp_gradient(net, w, xb, tb, B, grad);
			++*steps;
		}
		per_step = (now() - t0) / *steps;
	} else if (w) {
		nn_error_set(err, NN_ENOMEM, "out of memory for %zu rows", B);
	}
	nn_mlp_work_free(w);
	free(xb);
	free(tb);
	free(grad);
	return per_step;
}

int nn_estimate_fits(const nn_model *m, const nn_train_state *st, int checkpoint, nn_error *err)
{
	(void)st;
	(void)checkpoint;   /* tensors too big for one row go in chunks (nn/tensors.h) */
	nn_error why = { 0 };
	nn_schema *s = nn_model_schema(m, "model", &why);
	if (!s && why.code == NN_ENOMEM)
		return nn_error_set(err, NN_ENOMEM, "%s", why.msg);
	if (!s)
		return nn_error_set(err, NN_EARG, "the network is too large for a model file: %s", why.msg);
	nn_schema_free(s);
	return 0;
}

/* Each measurement of a dry run: a best of five runs of the product is
 * steady within a few percent by then, and the dry run answers at once. */
#define MEASURE_SECONDS 0.25

double nn_estimate_print(FILE *o, const nn_train_state *st, const nn_dataset *tr, const nn_dataset *val,
                       size_t batch, long long epochs, int threads, const char *kernels)
{
	const nn_mlp *net = st->net;
	double mib = 1024.0 * 1024.0;
	nn_estimate e;
	nn_estimate_run(&e, st, tr, val, batch);
	size_t B = e.batch, in = net->width[0], out1 = net->width[1];
	fprintf(o, "parameters\t%zu\n", nn_mlp_count(net));
	fprintf(o, "layers\t");
	for (int l = 0; l <= net->nlayers; l++)
		fprintf(o, "%s%zu", l ? "-" : "", net->width[l]);
	fprintf(o, "\t");
	for (int l = 0; l < net->nlayers - 1; l++)
		fprintf(o, "%s%s", l ? "," : "", nn_act_name(net->act[l]));
	fprintf(o, "%s%s + %s\n", net->nlayers > 1 ? " -> " : "", nn_output_name(net->output),
	        nn_loss_name(net->loss));
	fprintf(o, "rows\t%zu training, %zu validation\n", tr->n, val->n);
	fprintf(o, "memory\t%.1f MiB (data %.1f, parameters/gradient/optimizer %.1f, batch scratch %.1f)\n",
	        (e.data_bytes + e.model_bytes + e.scratch_bytes) / mib, e.data_bytes / mib, e.model_bytes / mib,
	        e.scratch_bytes / mib);
	fprintf(o, "flops_per_row\t%.4g\n", e.flops_per_row);
	fprintf(o, "flops_per_epoch\t%.4g\n", e.flops_per_epoch);
	/* The first layer's product is the largest: its rate stands for all. */
	double rate = nn_blas_measure(B, out1, in, MEASURE_SECONDS);
	fprintf(o, "sgemm\t%.1f GFLOPS at %zux%zux%zu, %d threads, %s kernels\n", rate, B, out1, in, threads,
	        kernels);
	if (threads > 1) {   /* what training's shares use: one thread each, at once */
		nn_blas_set_threads(1);
		double one = nn_blas_measure(B, out1, in, MEASURE_SECONDS);
		nn_blas_set_threads(threads);
		fprintf(o, "sgemm_one_thread\t%.1f GFLOPS at %zux%zux%zu, 1 thread (%d of them: %.1f)\n", one, B, out1,
		        in, threads, one * threads);
	}
	fprintf(o, "estimate\t%.3g s per epoch at that rate, %.3g s for %lld epochs (products only)\n",
	        nn_estimate_epoch_seconds(&e, rate), nn_estimate_epoch_seconds(&e, rate) * (double)epochs, epochs);
	/* And a real measurement: a few steps on this data. */
	int steps;
	double per_step = nn_estimate_step_seconds(&e, net, tr, MEASURE_SECONDS, 3, &steps, NULL);
	if (per_step >= 0)
		fprintf(o, "measured\t%.3g s per epoch (%d forward/backward steps of %zu rows: %.0f samples/s, "
		        "%.1f GFLOPS)\n", per_step * (double)nn_fit_steps(tr->n, B, 1), steps, B, (double)B / per_step,
		        e.flops_per_row * (double)B / per_step / 1e9);
	return per_step;
}

/* One ring all-reduce of bytes over n ranks (nn/estimate.h). */
static double allreduce_s(int n, double bytes, double link_bps, double latency_s)
{
	if (n <= 1)
		return 0;
	return 2.0 * (n - 1) / n * bytes / link_bps + 2.0 * (n - 1) * latency_s;
}

int nn_cluster_estimate(nn_cluster *c, double step_s, size_t batch, uint64_t rows, double grad_bytes,
                        int ranks, double link_gbps, double latency_s, int cores_per_rank,
                        double watts_per_core, nn_error *err)
{
	memset(c, 0, sizeof *c);
	if (!(step_s > 0) || !batch || !rows || !(grad_bytes > 0) || ranks < 1 || ranks > NN_CLUSTER_MAX_RANKS ||
	    !(link_gbps > 0) || !(latency_s >= 0) || cores_per_rank < 1 || !(watts_per_core >= 0))
		return nn_error_set(err, NN_EARG, "cluster estimate: an argument out of range");
	double bps = link_gbps * 1e9 / 8;
	c->ranks = ranks;
	c->sent_bytes = ranks > 1 ? 2.0 * (ranks - 1) / ranks * grad_bytes : 0;
	c->comm_s = allreduce_s(ranks, grad_bytes, bps, latency_s);
	c->step_s = step_s + c->comm_s;
	c->steps = nn_fit_steps(rows, batch, (uint64_t)ranks);
	c->epoch_s = (double)c->steps * c->step_s;
	c->speedup = (double)nn_fit_steps(rows, batch, 1) * step_s / c->epoch_s;
	c->efficiency = c->speedup / ranks;
	c->balance_batch = c->comm_s / (step_s / (double)batch);
	/* comm_s grows with the ranks: the first where it passes the compute */
	int lo = 2, hi = NN_CLUSTER_MAX_RANKS;
	if (allreduce_s(hi, grad_bytes, bps, latency_s) > step_s) {
		while (lo < hi) {
			int mid = lo + (hi - lo) / 2;
			if (allreduce_s(mid, grad_bytes, bps, latency_s) > step_s)
				hi = mid;
			else
				lo = mid + 1;
		}
		c->comm_from = lo;
	}
	c->joules = (double)ranks * cores_per_rank * c->epoch_s * watts_per_core;
	return 0;
}

void nn_cluster_print(FILE *o, const nn_cluster *c, size_t batch, double link_gbps, long long epochs,
                      int cores_per_rank, double watts_per_core)
{
	double compute = c->step_s - c->comm_s;
	fprintf(o, "cluster\t%d ranks at %g Gbit/s: %.3g s per epoch (%llu steps of %d x %zu rows: %.3g ms compute "
	        "+ %.3g ms all-reduce of %.3g MB per rank), %.3g s for %lld epochs, %.2fx one rank (%.0f%%)\n",
	        c->ranks, link_gbps, c->epoch_s, (unsigned long long)c->steps, c->ranks, batch, compute * 1e3,
	        c->comm_s * 1e3, c->sent_bytes / 1e6, c->epoch_s * (double)epochs, epochs, c->speedup,
	        c->efficiency * 100);
	if (c->comm_from == 2)
		fprintf(o, "cluster_balance\tthe all-reduce takes longer than the compute from 2 ranks on; "
		        "a per-rank batch above %.0f (at %d ranks) makes compute the larger part\n",
		        c->balance_batch, c->ranks);
	else if (c->comm_from)
		fprintf(o, "cluster_balance\tcompute is the larger part up to %d ranks, the all-reduce from %d on "
		        "(per-rank batch %zu); at %d ranks they are equal at a per-rank batch of %.0f\n",
		        c->comm_from - 1, c->comm_from, batch, c->ranks, c->balance_batch);
	else
		fprintf(o, "cluster_balance\tcompute is the larger part at any number of ranks (per-rank batch %zu)\n",
		        batch);
	if (watts_per_core > 0)
		fprintf(o, "cluster_energy\t%.4g J per epoch, %.4g J for %lld epochs (estimated: %d ranks x %d cores x "
		        "%g W, busy the whole epoch)\n", c->joules, c->joules * (double)epochs, epochs, c->ranks,
		        cores_per_rank, watts_per_core);
	else
		fprintf(o, "cluster_energy\tnot estimated (give --watts-per-core)\n");
}
