/* tool-mpi.c — MPI for nn-train --mpi (see tool-mpi.h).  Built with
 * -DNN_MPI and the flags of pkg-config ompi-c when the Makefile finds
 * OpenMPI (make MPI=1 forces it, MPI=0 leaves it out); otherwise the same
 * functions for a job of one rank, and --mpi is refused. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "nn/mlp.h"
#include "nn/optim.h"
#include "tool.h"
#include "tool-mpi.h"
#ifdef NN_MPI
#include <mpi.h>
#endif

int tool_mpi_rank = 0, tool_mpi_size = 1;
static int started;
static double reduce_seconds, compute_seconds;
static uint64_t reduce_calls;

int tool_mpi_built(void)
{
#ifdef NN_MPI
	return 1;
#else
	return 0;
#endif
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#ifdef NN_MPI

/* Registered before tool_parse, so that it runs after tool.c's removal of
 * a temporary output: the message is out and the partial file gone when
 * the job is aborted. */
static void at_exit(int status, void *unused)
{
	int done = 0;
	(void)unused;
	if (!started || MPI_Finalized(&done) != MPI_SUCCESS || done)
		return;
	if (status == 0) {
		MPI_Finalize();
		return;
	}
	fflush(stderr);
	/* When every rank fails alike, rank 0's abort ends the others in
	 * this pause: one abort notice from mpirun rather than N.  Rank 0
	 * pauses too, briefly: mpirun forwards what a rank wrote to stderr
	 * through a pipe of its own, and an abort at once could end the job
	 * before rank 0's message got through (seen 1 run in 5, 3 ranks on
	 * 2 cores). */
	usleep(tool_mpi_rank ? 400000 : 100000);
	MPI_Abort(MPI_COMM_WORLD, status);
}

void tool_mpi_prepare(void)
{
	on_exit(at_exit, NULL);
}

void tool_mpi_start(int *argc, char ***argv)
{
	if (MPI_Init(argc, argv) != MPI_SUCCESS)
		tool_die(TOOL_EXIT_DATA, NULL, "--mpi: MPI_Init failed");
	started = 1;
	/* Errors in MPI calls end the job rather than return. */
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
	MPI_Comm_rank(MPI_COMM_WORLD, &tool_mpi_rank);
	MPI_Comm_size(MPI_COMM_WORLD, &tool_mpi_size);
}

int tool_mpi_local_size(void)
{
	MPI_Comm local;
	int n = 1;
	if (!started)
		return 1;
	MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
	MPI_Comm_size(local, &n);
	MPI_Comm_free(&local);
	return n;
}

int tool_mpi_local_rank(void)
{
	MPI_Comm local;
	int r = 0;
	if (!started)
		return 0;
	MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
	MPI_Comm_rank(local, &r);
	MPI_Comm_free(&local);
	return r;
}

/* MPI counts are int: large arrays go in pieces. */
#define PIECE ((size_t)1 << 30)

void tool_mpi_sum_f32(float *v, size_t n)
{
	if (!started || tool_mpi_size == 1)
		return;
	double t0 = now();
	for (size_t off = 0; off < n; off += PIECE)
		MPI_Allreduce(MPI_IN_PLACE, v + off, (int)(n - off < PIECE ? n - off : PIECE), MPI_FLOAT,
		              MPI_SUM, MPI_COMM_WORLD);
	reduce_seconds += now() - t0;
	reduce_calls++;
}

void tool_mpi_sum_f64(double *v, size_t n)
{
	if (started && tool_mpi_size > 1)
		MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

void tool_mpi_max_u64(uint64_t *v, size_t n)
{
	if (started && tool_mpi_size > 1)
		MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
}

void tool_mpi_bcast_f64(double *v, size_t n)
{
	if (started && tool_mpi_size > 1)
		MPI_Bcast(v, (int)n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
}

void tool_mpi_gather_u64(uint64_t v, uint64_t *all)
{
	if (!started || tool_mpi_size == 1) {
		all[0] = v;
		return;
	}
	MPI_Allgather(&v, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
}

int tool_mpi_same_u64(uint64_t v)
{
	uint64_t lo = v, hi = v;
	if (!started || tool_mpi_size == 1)
		return 1;
	MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
	MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
	return lo == hi;
}

void tool_mpi_barrier(void)
{
	if (started && tool_mpi_size > 1)
		MPI_Barrier(MPI_COMM_WORLD);
}

#else  /* no MPI: one rank */

void tool_mpi_prepare(void)
{
}

void tool_mpi_start(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	tool_usage("--mpi: this nn-train was built without MPI "
	           "(install libopenmpi-dev, or make deps, and rebuild; make MPI=1 insists)");
}

int tool_mpi_local_size(void)
{
	return 1;
}

int tool_mpi_local_rank(void)
{
	return 0;
}

void tool_mpi_sum_f32(float *v, size_t n)
{
	(void)v;
	(void)n;
	reduce_calls += started;
}

void tool_mpi_sum_f64(double *v, size_t n)
{
	(void)v;
	(void)n;
}

void tool_mpi_max_u64(uint64_t *v, size_t n)
{
	(void)v;
	(void)n;
}

void tool_mpi_bcast_f64(double *v, size_t n)
{
	(void)v;
	(void)n;
}

void tool_mpi_gather_u64(uint64_t v, uint64_t *all)
{
	all[0] = v;
}

int tool_mpi_same_u64(uint64_t v)
{
	(void)v;
	return 1;
}

void tool_mpi_barrier(void)
{
}

#endif

void tool_mpi_wait_for_abort(void)
{
	for (;;)
		pause();
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
	tool_mpi_sum_f32(grad, net->nparams);
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
