/* kernels.h — for the programs in bench/: run on the BLAS kernels nn-train runs
 * (tools/tool-blas.c): NN_BLAS_CORETYPE when set (not "keep"), else
 * nnpipe's choice for this CPU when it is better than OpenBLAS's own,
 * whatever OPENBLAS_CORETYPE says.  OpenBLAS reads OPENBLAS_CORETYPE
 * when it loads, so the program runs itself again, once.  nn-train's
 * self-check of the kernels is left out: a benchmark only measures. */
#ifndef BENCH_KERNELS_H
#define BENCH_KERNELS_H
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>
#include "nn/blas.h"

static inline void bench_nnpipe_kernels(char **argv)
{
	const char *mine = getenv("NN_BLAS_CORETYPE");
	const char *want = mine && strcasecmp(mine, "keep") ? mine : mine ? NULL : nn_blas_better_coretype();
	if (want && strcasecmp(want, nn_blas_corename()) && !getenv("BENCH_KERNELS_SET") &&
	    !setenv("OPENBLAS_CORETYPE", want, 1) && !setenv("BENCH_KERNELS_SET", want, 1))
		execv("/proc/self/exe", argv);
}
#endif
