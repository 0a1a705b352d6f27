/* nn/grid.h — the search space of nn-tune: a grid of option values, and
 * seeded random draws from it.
 *
 * A spec is whitespace-separated items KEY=VALUES.  KEY is a long option
 * name without its dashes (lower-case letters, digits, '-').  VALUES is
 * either a comma-separated list ("1e-3,1e-2"; a value holding commas
 * itself, as --layers 64,32 does, is written in brackets: "[64,32],128")
 * or a range LO:HI of two numbers, LO < HI, for random draws only.
 *
 * The grid's configurations are the product of the lists in the order the
 * keys were given, the last key varying fastest (itertools.product,
 * scikit-learn's ParameterGrid over an ordered dict).
 *
 * A draw takes, key by key in that order: one value of a list, uniformly;
 * an integer range (both ends integers) uniformly over LO..HI inclusive;
 * a real range uniformly, or log-uniformly when the key is a rate
 * (nn_grid_is_rate) — then LO must be > 0.  Real draws are written with 4
 * significant digits (the shortest round-trip form if that leaves the
 * range), so that the value shown is the value used.
 */
#ifndef NN_GRID_H
#define NN_GRID_H

#include <stddef.h>
#include "nn/error.h"
#include "nn/rng.h"

#define NN_GRID_VALUE 64      /* longest value (with its NUL) */
#define NN_GRID_KEYS  32      /* most keys */
#define NN_GRID_MAX   1000000 /* most configurations of a grid */

typedef struct nn_grid_key {
	char name[NN_GRID_VALUE];
	size_t nvalues;           /* 0 for a range */
	char (*values)[NN_GRID_VALUE];
	double lo, hi;            /* a range */
	int integer;              /* a range of two integers */
} nn_grid_key;

typedef struct nn_grid {
	size_t nkeys;
	nn_grid_key keys[NN_GRID_KEYS];
} nn_grid;

/* Add the keys of spec to g (which starts zeroed; specs may be added one
 * after another).  A key given twice, an empty value, a bad range or a
 * value too long is NN_EARG, with the item named. */
int nn_grid_add(nn_grid *g, const char *spec, nn_error *err);
void nn_grid_release(nn_grid *g);

/* Configurations in the grid (the product of the list sizes; 1 for no
 * key).  NN_EARG when a key is a range or the product passes NN_GRID_MAX. */
int nn_grid_count(const nn_grid *g, size_t *n, nn_error *err);
/* Configuration i of nn_grid_count's n: out[k] is key k's value. */
void nn_grid_point(const nn_grid *g, size_t i, char (*out)[NN_GRID_VALUE]);
/* One random configuration into out[k]. */
void nn_grid_draw(const nn_grid *g, nn_rng *r, char (*out)[NN_GRID_VALUE]);

/* Value i of key (a range: the range itself) for the option o that the
 * key sets (an option table read back by nn_cli_table_read: a flag is
 * NN_OPT_FLAG, a choice keeps its words in arg_name): 0, or NN_EARG for a
 * range of an option that takes no number, a word not among a choice's,
 * a flag's value other than on and off. */
struct nn_option;
int nn_grid_check_value(const nn_grid_key *key, size_t i, const struct nn_option *o, nn_error *err);

/* Is the option a rate, drawn log-uniformly: lr, min-lr, weight-decay,
 * eps, clip-norm. */
int nn_grid_is_rate(const char *name);

#endif
