/* tools/tool-tune.h — nn-tune's program-side glue, apart from its story
 * (tools/nn-tune.c): the sibling programs it runs as children, the
 * private folder their files go to, the signals that end them all,
 * nn-train's options (read from nn-train itself, passed through, searched
 * by the grid, checked by nn-train before any trial), and the picture
 * gnuplot draws.  Errors end the program as tool.h's do.
 */
#ifndef NN_TOOL_TUNE_H
#define NN_TOOL_TUNE_H

#include <stddef.h>
#include <sys/types.h>
#include "nn/cli.h"
#include "nn/grid.h"
#include "nn/tune.h"
#include "tool.h"

/* The folder of this program (its siblings nn-* are run from there) and
 * the private folder in $TMPDIR (empty once removed). */
extern char tune_dir[2048], tune_tmp[2048];

/* Find tune_dir, make tune_tmp and remove it at exit (in this process,
 * not in the children forked for trials); SIGINT, SIGTERM and SIGHUP are
 * held (pending) until tune_catch_signals. */
void tune_setup(void);
/* From here on SIGINT, SIGTERM and SIGHUP end every running child (in
 * tune_reap), remove tune_tmp, then the program as tool.c's handler
 * does (removing -o's temporary). */
void tune_catch_signals(void);

/* Start argv[0], a sibling program (nn-*) or one in PATH, as
 * nn_proc_spawn; a trial's programs stay in the trial's group.  -2 when
 * there is no such program. */
pid_t tune_spawn(char **argv, const char *out, const char *err);
/* Wait for a child (-1: any); on a signal, end the running[0..n) children
 * and the program. */
pid_t tune_reap(pid_t pid, int *status, const pid_t *running, size_t n);
/* A pause between the cleanup on a signal and the end (0: none): under
 * mpirun, the first rank to end makes mpirun kill the others at once,
 * and they need a moment for their own cleanup. */
extern unsigned tune_end_delay_us;
/* 1 once SIGINT, SIGTERM or SIGHUP came (tune_reap then ends the
 * program: with no child, tune_reap(-1, &st, NULL, 0)). */
int tune_signalled(void);
/* Run argv to the end: its exit status, 127 when there is no such program. */
int tune_run(char **argv, const char *out, const char *err);

/* What every trial's nn-train is given besides its data and output:
 * nn-tune's --seed, --x and --y, the options passed through, and one
 * configuration of the grid. */
typedef struct tune_train {
	const nn_cli *own;         /* nn-tune's options */
	nn_cli cli;                /* nn-train's, from its --completion-helper */
	nn_option *opts;
	const char **pass;         /* pass-through arguments */
	size_t npass;
	nn_grid grid;
	long long seed;
	const char *x, *y;
	long long ranks;           /* --trial-ranks: nn-train --mpi over this many processes (1: plain) */
	char *launcher[40];        /* --mpirun's words, then -np and the group's size */
	size_t nlauncher;
} tune_train;

/* nn-train's option table into t, from nn-train --completion-helper. */
void tune_load_train_options(tune_train *t);
/* Split argv into nn-tune's arguments (returned, argc in *own) and the
 * pass-through (t->pass), each passed option one of nn-train's that
 * nn-tune does not set itself. */
char **tune_split_args(tune_train *t, int argc, char **argv, int *own);
/* The --grid specs into t->grid, each key one of nn-train's options that
 * the pass-through does not give. */
void tune_grid(tune_train *t, const nn_strlist *specs);
/* nn-train's arguments for values v (NULL: the pass-through alone) into
 * argv (not counting --threads, -o and the input); their text in text
 * (at most cap bytes: longer is a usage error). */
size_t tune_train_args(const tune_train *t, const char **argv, char (*v)[NN_GRID_VALUE], char *text,
                       size_t cap);
/* Each value of each key, alone, through nn-train's own checks (an empty
 * input: a usage error is status 2 before anything is read). */
void tune_preflight(const tune_train *t);

/* nn-split --kfold K --fold I of input for every fold I into tune_tmp
 * (trainI.nns, testI.nns), stratified or not, with t's seed and label. */
void tune_cut_folds(const tune_train *t, const char *input, long long folds, int stratify);
/* --trial-ranks G > 1 (tools/tool-tune-mpi.c): the launcher from cmd
 * (--mpirun; NULL: "mpirun --oversubscribe --bind-to none") and
 * "-np G" into t->launcher; then, after tune_preflight, one
 * "LAUNCHER -np 1 nn-train --mpi" on an empty input, so that a launcher
 * that is not there, or an nn-train that cannot run over MPI, is a usage
 * error before any trial. */
void tune_group_setup(tune_train *t, const char *cmd);
void tune_group_check(const tune_train *t);
/* In a child about to run a group's launcher: without the variables of
 * the mpirun job this program is a rank of (when it is one), so that the
 * launcher starts a job of its own rather than join that one; and with a
 * session folder of its own in tune_tmp (OpenMPI's launchers started at
 * once race on a shared one). */
void tune_group_env(void);
/* Run a launcher's argv to the end as a trial runs (tune_group_env, in a
 * child ended with this program): its exit status, 127 when there is no
 * such program. */
int tune_run_group(char **argv, const char *out, const char *err);
/* The message of a failed program in the file path: rank 0's line of an
 * nn-* program ("nn-train: ..."), else another rank's, else the first
 * line that is not a rule of dashes (a launcher's own notices come in any
 * order around them, and are all there is when a rank was killed). */
char *tune_group_message(const char *path, char *buf, size_t n);

/* One trial in a child of its own (returned; -1 when fork failed):
 * nn-train (with --trial-ranks, through the launcher) with values v on
 * fold f's training rows, then nn-eval --json on its test rows into
 * tune_tmp's c<C>_f<F>.json, their stderr in c<C>_f<F>.err.  It exits 0,
 * or 1 when nn-train failed, 3 when nn-eval did; SIGTERM and this
 * program's end end its programs too. */
pid_t tune_start_trial(const tune_train *t, char (*v)[NN_GRID_VALUE], size_t c, long long f, long long threads);
/* --refit: nn-train with values v on all of input into out. */
void tune_refit(const tune_train *t, char (*v)[NN_GRID_VALUE], const char *input, const char *out,
                long long threads);

/* --plot: the mean score against each searched option into path (.png or
 * .svg) through gnuplot; without gnuplot, a note. */
void tune_plot(const nn_cv_table *tab, const char *path);

#endif
