/* tool-mpi.c — MPI for nn-train --mpi and nn-tune under mpirun (see
 * tool-mpi.h).  Built with -DNN_MPI and the flags of pkg-config ompi-c
 * when the Makefile finds OpenMPI (make MPI=1 forces it, MPI=0 leaves it
 * out); otherwise the same functions for a job of one rank, and --mpi is
 * refused. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tool.h"
#include "tool-mpi.h"
#ifdef NN_MPI
#include <mpi.h>
#endif

int tool_mpi_rank = 0, tool_mpi_size = 1;
static int started, ended;

int tool_mpi_built(void)
{
#ifdef NN_MPI
	return 1;
#else
	return 0;
#endif
}

int tool_mpi_running(void)
{
	return started;
}

void tool_mpi_end(void)
{
	ended = 1;
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
	if (status == 0 || ended) {
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
	sigset_t ends, was;
	/* The threads MPI_Init starts hold these signals, so that they reach
	 * the main thread, where they interrupt what it waits for (nn-tune's
	 * waitpid, tool-tune.c); one taken by another thread would leave the
	 * main thread waiting for a trial until mpirun's SIGKILL, the trials
	 * left running. */
	sigemptyset(&ends);
	sigaddset(&ends, SIGINT), sigaddset(&ends, SIGTERM), sigaddset(&ends, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &ends, &was);
	if (MPI_Init(argc, argv) != MPI_SUCCESS)
		tool_die(TOOL_EXIT_DATA, NULL, "MPI_Init failed");
	pthread_sigmask(SIG_SETMASK, &was, NULL);
	started = 1;
	/* Errors in MPI calls end the job rather than return. */
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
	MPI_Comm_rank(MPI_COMM_WORLD, &tool_mpi_rank);
	MPI_Comm_size(MPI_COMM_WORLD, &tool_mpi_size);
}

/* The ranks on this machine: their number, or this rank's among them. */
static int local(int (*what)(MPI_Comm, int *), int alone)
{
	MPI_Comm comm;
	int v = alone;
	if (!started)
		return alone;
	MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &comm);
	what(comm, &v);
	MPI_Comm_free(&comm);
	return v;
}

int tool_mpi_local_size(void)
{
	return local(MPI_Comm_size, 1);
}

int tool_mpi_local_rank(void)
{
	return local(MPI_Comm_rank, 0);
}

/* MPI counts are int: large arrays go in pieces. */
#define PIECE ((size_t)1 << 30)

void tool_mpi_sum_f32(float *v, size_t n)
{
	if (!started || tool_mpi_size == 1)
		return;
	for (size_t off = 0; off < n; off += PIECE)
		MPI_Allreduce(MPI_IN_PLACE, v + off, (int)(n - off < PIECE ? n - off : PIECE), MPI_FLOAT,
		              MPI_SUM, MPI_COMM_WORLD);
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
