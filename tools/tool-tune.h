/* tools/tool-tune.h — nn-tune's program-side glue, apart from its story
 * (tools/nn-tune.c): the sibling programs it runs as children, the
 * private folder their files go to, the signals that end them all, and
 * the picture gnuplot draws.  Errors end the program as tool.h's do.
 */
#ifndef NN_TOOL_TUNE_H
#define NN_TOOL_TUNE_H

#include <stddef.h>
#include <sys/types.h>
#include "nn/tune.h"
#include "tool.h"

/* The folder of this program (its siblings nn-* are run from there) and
 * the private folder in $TMPDIR (empty once removed). */
extern char tune_dir[2048], tune_tmp[2048];

/* Find tune_dir, make tune_tmp and remove it at exit (in this process,
 * not in the children forked for trials). */
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
/* Run argv to the end: its exit status, 127 when there is no such program. */
int tune_run(char **argv, const char *out, const char *err);

/* --plot: the mean score against each searched option into path (.png or
 * .svg) through gnuplot; without gnuplot, a note. */
void tune_plot(const nn_cv_table *tab, const char *path);

#endif
