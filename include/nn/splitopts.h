/* nn/splitopts.h — nn-split's options taken together (nn-split(1)): which
 * go with which, the sizes they give, and the label field they name.
 */
#ifndef NN_SPLITOPTS_H
#define NN_SPLITOPTS_H

#include "nn/error.h"
#include "nn/split.h"
#include "nn/stream.h"

/* The command line as parsed: output names, sizes as given, modes. */
typedef struct nn_split_opts {
	const char *train, *test, *val, *tsize, *vsize, *pattern;
	long long kfold, fold, shards;   /* fold -1: not given */
	int stratify, noshuffle, streaming, rr;
} nn_split_opts;

/* Options that do not go together, a size that is neither a fraction
 * nor a count, --fold outside --kfold, sizes that add up to 1 or more:
 * NN_EARG with the message nn-split shows ("--kfold K and --fold I go
 * together").  Else 0 with the plan's spec in *spec. */
int nn_split_opts_check(const nn_split_opts *o, nn_split_spec *spec, nn_error *err);

/* The label field y of s when its values can be counted as classes: one
 * integer per row.  *idx is its index, or -1 when s has no field y or
 * it holds other values (floats, or several per row): nothing to count.
 * With stratify, those are NN_EDATA ("no field 'y' (choose one with
 * --y)", "--stratify: label field 'y' holds f32 numbers, not class ids"). */
int nn_split_label(const nn_schema *s, const char *y, int stratify, int *idx, nn_error *err);

#endif
