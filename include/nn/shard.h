/* nn/shard.h — the names of shard files: one rule for every program
 * (nn-split --shards writes them, nn-train --mpi reads them).
 *
 * A pattern is a file name with exactly one conversion for the shard
 * number i (0, 1, 2, ...):
 *
 *     %[FLAGS][WIDTH]d     also %i and %u, the same
 *
 * FLAGS are any of '0' (pad with zeros) and '-' (pad on the right with
 * spaces; it wins over '0'), WIDTH at most three digits (the minimum
 * number of characters, padded on the left with spaces by default).
 * "%%" is a percent sign.  Anything else after a '%' (%s, %n, %+d, %5.2f,
 * %ld, a second conversion, a '%' at the end) is an error, as is a
 * pattern with no conversion.  The name is made here, digit by digit: a
 * user's pattern never reaches printf.
 */
#ifndef NN_SHARD_H
#define NN_SHARD_H

#include <stdint.h>
#include "nn/error.h"

typedef struct nn_shard_pattern {
	char *pre, *post;        /* the text around the conversion (one allocation) */
	int width, zero, left;
} nn_shard_pattern;

/* Parse pattern into *p.  Returns 0, or -1 with NN_EARG (a pattern
 * breaking the rule above) or NN_ENOMEM.  On success release with
 * nn_shard_pattern_release. */
int nn_shard_pattern_parse(nn_shard_pattern *p, const char *pattern, nn_error *err);
/* The name of shard i, malloc'd; NULL (NN_ENOMEM) when out of memory. */
char *nn_shard_name(const nn_shard_pattern *p, uint64_t i, nn_error *err);
void nn_shard_pattern_release(nn_shard_pattern *p);

#endif
