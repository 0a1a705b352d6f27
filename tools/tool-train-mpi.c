/* tool-train-mpi.c — nn-train's data-parallel step and its checks on
 * the collectives of tool-mpi.c (declared in tool-mpi.h), apart from
 * them so that nn-tune links MPI without the network's code and OpenBLAS. */
#include <string.h>
#include <time.h>
#include <zlib.h>
#include "nn/mlp.h"
#include "nn/optim.h"
#include "tool.h"
#include "tool-mpi.h"

static double reduce_seconds, compute_seconds;
static uint64_t reduce_calls;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double tool_mpi_step(nn_mlp *net, nn_optim *opt, nn_mlp_work *w, const float *xb, const float *tb, float *grad,
                     size_t *rows, int *stop)
{
	double loss = 0, t0 = now();
	if (*rows)
		loss = nn_mlp_gradient(net, w, xb, tb, *rows, grad);
	else
		memset(grad, 0, net->nparams * sizeof(float));
	compute_seconds += now() - t0;
	double part[3] = { loss * (double)*rows, (double)*rows, *stop ? 1 : 0 };
	tool_mpi_sum_f64(part, 3);
	float share = (float)((double)*rows / part[1]);
	for (size_t i = 0; share != 1 && i < net->nparams; i++)
		grad[i] *= share;
	if (tool_mpi_size > 1) {   /* the gradient's all-reduce, timed for tool_mpi_report */
		double t1 = now();
		tool_mpi_sum_f32(grad, net->nparams);
		reduce_seconds += now() - t1;
		reduce_calls++;
	}
	nn_optim_step(opt, net->params, grad);
	*rows = (size_t)part[1];
	*stop = part[2] > 0;
	return part[0] / part[1];
}

void tool_mpi_same_weights(const nn_mlp *net, const char *when, uint64_t epoch)
{
	uint64_t crc = crc32_z(0, (const unsigned char *)net->params, net->nparams * sizeof(float));
	if (tool_mpi_same_u64(crc))
		return;
	if (tool_mpi_rank)
		tool_mpi_wait_for_abort();
	tool_die(TOOL_EXIT_DATA, NULL, "the ranks' weights differ %s %llu: stopping (ranks on different "
	         "CPUs or libraries?)", when, (unsigned long long)epoch);
}

void tool_mpi_report(size_t nparams)
{
	double calls = (double)reduce_calls;
	tool_note("MPI: %d ranks; %llu all-reduces of the %zu-float gradient (%.3f MB): %.3f ms each; "
	          "forward/backward %.3f ms per step", tool_mpi_size, (unsigned long long)reduce_calls,
	          nparams, (double)nparams * 4 / 1e6, reduce_calls ? reduce_seconds / calls * 1e3 : 0.0,
	          reduce_calls ? compute_seconds / calls * 1e3 : 0.0);
}
