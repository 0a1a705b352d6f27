/* tools/tool-mpi.h — the little of MPI that nn-train --mpi and nn-tune
 * under mpirun need, behind functions that exist with or without MPI
 * (built with -DNN_MPI when the Makefile finds OpenMPI), so that the
 * programs have no #if.
 *
 * Without --mpi (or without MPI in the build) the job is one rank:
 * tool_mpi_rank 0, tool_mpi_size 1, and every collective below returns
 * at once with the values as they are.
 *
 * Errors.  After tool_mpi_start, any exit of a rank with a status other
 * than 0 (tool_die, tool_usage, a failed write) calls MPI_Abort with that
 * status once the message is printed, which ends every rank of the job:
 * an error never leaves the other ranks waiting in a collective.  An exit
 * with status 0, or any exit after tool_mpi_end, calls MPI_Finalize.
 */
#ifndef NN_TOOL_MPI_H
#define NN_TOOL_MPI_H

#include <stddef.h>
#include <stdint.h>

extern int tool_mpi_rank, tool_mpi_size;

/* First thing in main (after tool_blas_init, whose re-execution must come
 * before MPI starts, and before tool_parse): the exit hook. */
void tool_mpi_prepare(void);
/* MPI_Init (SIGINT, SIGTERM and SIGHUP held meanwhile, so that the
 * threads it starts never take them) and the job's size; exits 2 with
 * nn-train's message when the program was built without MPI (nn-tune
 * asks tool_mpi_built first). */
void tool_mpi_start(int *argc, char ***argv);
int tool_mpi_built(void);
/* 1 after tool_mpi_start. */
int tool_mpi_running(void);
/* Every rank has come to the end of its part: from here on an exit of
 * any status finalizes MPI rather than aborting the job, so that the
 * program's own status stands. */
void tool_mpi_end(void);
/* Ranks of this job on this machine (to share its processors). */
int tool_mpi_local_size(void);
/* This rank's number among them (0 without MPI): the one that adds a
 * machine's RAPL counters, which count the whole package. */
int tool_mpi_local_rank(void);

/* In-place sums over all ranks (MPI_Allreduce, MPI_SUM). */
void tool_mpi_sum_f32(float *v, size_t n);
void tool_mpi_sum_f64(double *v, size_t n);
/* In-place largest value over all ranks. */
void tool_mpi_max_u64(uint64_t *v, size_t n);
/* Rank 0's values to every rank. */
void tool_mpi_bcast_f64(double *v, size_t n);
/* Every rank's value, in rank order, into all[tool_mpi_size]. */
void tool_mpi_gather_u64(uint64_t v, uint64_t *all);
/* 1 when v is the same on every rank (MIN and MAX agree). */
int tool_mpi_same_u64(uint64_t v);
void tool_mpi_barrier(void);

/* For an error every rank knows of at the same moment: rank 0 calls
 * tool_die (whose exit aborts the job); the other ranks call this and
 * wait to be ended by that abort, so that the message is printed once. */
_Noreturn void tool_mpi_wait_for_abort(void);

/* nn-train's data-parallel step and check, built on the above in
 * tools/tool-train-mpi.c. */
struct nn_mlp;
struct nn_mlp_work;
struct nn_optim;

/* One step: this rank's gradient of its *rows rows (xb, tb; none is fine)
 * weighted by its rows and summed over the ranks (so that it is the mean
 * over the global batch, even when the last batch leaves some ranks fewer
 * rows or none), and the same update on every rank.  The rows, the loss
 * and a stop request are summed with it: *rows becomes the global
 * batch's, *stop set when any rank was signalled.  Returns the global
 * batch's mean loss. */
double tool_mpi_step(struct nn_mlp *net, struct nn_optim *opt, struct nn_mlp_work *w, const float *xb,
                     const float *tb, float *grad, size_t *rows, int *stop);
/* Identical weights on every rank, or the run is wrong: end the job with
 * status 1, naming when (as "after epoch", epoch). */
void tool_mpi_same_weights(const struct nn_mlp *net, const char *when, uint64_t epoch);
/* With -v: the all-reduces of the gradient, their time and the steps'. */
void tool_mpi_report(size_t nparams);

#endif
