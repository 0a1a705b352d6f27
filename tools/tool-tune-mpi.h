/* tools/tool-tune-mpi.h — nn-tune under mpirun: the ranks share the
 * configurations, rank 0 gathers the rows and writes the table.  Built
 * with -DNN_MPI when the Makefile finds OpenMPI (as tool-mpi.c, whose
 * start, ranks and exit hook it uses); without it the same functions for
 * a job of one rank.
 *
 * nn-tune joins the job when mpirun started it (its environment says so:
 * OMPI_COMM_WORLD_SIZE, or PMI_SIZE of MPICH's launchers); a build
 * without MPI started on more than one rank refuses to run, since every
 * rank would run the whole search and write the same table.
 *
 * Errors.  After tune_mpi_start and until tune_mpi_end, an exit with a
 * status other than 0 ends the whole job (MPI_Abort, tool-mpi.h's exit
 * hook, registered by tool_mpi_prepare first in main, before
 * tune_setup, so that it runs after the private folder's removal and
 * -o's) once the message is out, so that no rank waits for rows that
 * never come.
 *
 * --trial-ranks G (tune_group_* in tool-tune.h, here with the rest of
 * nn-tune's MPI) runs each trial's nn-train --mpi under a launcher of its
 * own, a child process like any trial's, with or without mpirun above.
 */
#ifndef NN_TOOL_TUNE_MPI_H
#define NN_TOOL_TUNE_MPI_H

#include <stddef.h>
#include <stdint.h>
#include "nn/tune.h"
#include "tool-mpi.h"

/* MPI_Init when launched by mpirun (tool_mpi_start); tool_mpi_rank and
 * tool_mpi_size.  Before
 * tune_setup: a signal while MPI_Init runs (a second or more on a busy
 * machine, and mpirun's SIGKILL follows its SIGTERM by one) then ends
 * the rank with no private folder to leave behind. */
void tune_mpi_start(int *argc, char ***argv);
/* 1 when h is the same on every rank. */
int tune_mpi_same(uint64_t h);
/* Rank 0's n ints to every rank. */
void tune_mpi_bcast_int(int *v, size_t n);
/* Every rank's configurations (t's rows' arguments, its setup: the data,
 * folds and seed) the same, or the job ends with status 1; rank 0's
 * reused[0..nrows) to every rank; rank[c] the rank that runs row c: 0 for
 * a reused row (rank 0 has it), else the k-th row not reused goes to rank
 * k % ranks.  Returns the rows rank 0 is to receive. */
size_t tune_mpi_deal(const nn_cv_table *t, int *reused, int *rank);
/* Row c of t, finished on this rank (its failure, time, scores, and why:
 * a buffer of why_cap bytes), to rank 0 without waiting for it. */
void tune_mpi_send_row(const nn_cv_table *t, size_t c, size_t why_cap);
/* On rank 0: a row from another rank into t->rows (why into the row's
 * buffer of why_cap bytes); its index, or -1 when none came.  Waits for
 * one when wait is set, else only looks.  A message of another shape ends
 * the program. */
long tune_mpi_recv_row(nn_cv_table *t, size_t why_cap, int wait);
/* Every row sent and every rank here (waiting, while a signal still ends
 * the program as tune_reap does): from here on the exit status is the
 * program's own. */
void tune_mpi_end(void);

#endif
