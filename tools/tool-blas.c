/* tool-blas.c — choosing OpenBLAS's kernels before a program multiplies
 * matrices (see tool.h, tool_blas_init).  Apart from tool.c so that only
 * the programs that call it link OpenBLAS and pay for its start-up (it
 * starts its threads when it loads). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nn/blas.h"
#include "tool.h"

/* --- BLAS kernels ------------------------------------------------------- */

#define BLAS_MARK "NN_BLAS_CHOSEN"   /* set by us for the re-executed run */
#define BLAS_WAS  "NN_BLAS_WAS"      /* the OPENBLAS_CORETYPE we replaced */

static char blas_line[200];

const char *tool_blas_description(void)
{
	const char *mark = getenv(BLAS_MARK), *core = nn_blas_corename(), *was = getenv(BLAS_WAS);
	if (mark && !strcmp(mark, "failed"))
		snprintf(blas_line, sizeof blas_line, "%s (faster kernels failed nnpipe's self-check)", core);
	else if (mark)
		snprintf(blas_line, sizeof blas_line, "%s (chosen by nnpipe for this CPU instead of %s, "
		         "self-check passed)", core, was && *was ? was : "OpenBLAS's choice");
	else if (getenv("OPENBLAS_CORETYPE"))
		snprintf(blas_line, sizeof blas_line, "%s (OPENBLAS_CORETYPE from the environment)", core);
	else
		snprintf(blas_line, sizeof blas_line, "%s (chosen by OpenBLAS)", core);
	return blas_line;
}

static void reexec(char **argv)
{
	execv("/proc/self/exe", argv);
	/* No /proc: carry on with the kernels we have. */
}

void tool_blas_init(char **argv)
{
	static char note[240];
	const char *mark = getenv(BLAS_MARK), *env = getenv("OPENBLAS_CORETYPE");
	const char *mine = getenv("NN_BLAS_CORETYPE");

	if (mine && strcmp(mine, "keep") && (!env || strcmp(env, mine))) {
		/* The user's own choice, through our variable. */
		if (!setenv("OPENBLAS_CORETYPE", mine, 1))
			reexec(argv);
	} else if (!mine && !mark) {
		const char *better = nn_blas_better_coretype();
		if (better && !setenv(BLAS_WAS, env ? env : "", 1) &&
		    !setenv("OPENBLAS_CORETYPE", better, 1) && !setenv(BLAS_MARK, better, 1)) {
			reexec(argv);
			unsetenv(BLAS_MARK);
		}
	} else if (mark && env && !strcmp(mark, env) && nn_blas_selfcheck()) {
		/* Wrong results from the kernels we chose: back to what was
		 * there before, and remember not to try again. */
		const char *was = getenv(BLAS_WAS);
		if (was && *was)
			setenv("OPENBLAS_CORETYPE", was, 1);
		else
			unsetenv("OPENBLAS_CORETYPE");
		setenv(BLAS_MARK, "failed", 1);
		reexec(argv);
	}
	snprintf(note, sizeof note, "BLAS: OpenBLAS, %s kernels", tool_blas_description());
	tool_version_note = note;
}
