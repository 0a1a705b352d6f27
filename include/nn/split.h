/* nn/split.h — where each row of a split goes (nn-split): the sizes of
 * the outputs, the order in which they take rows, each class's share,
 * and the one-pass rules of --streaming and --shards.
 *
 * An exact split sees every row twice: once to count (rows per group: a
 * group is a class when stratified, else all rows are group 0), then in
 * a sequence order (a permutation, or input order), when row after row of
 * group g goes to the output nn_split_next names.  Each group's rows
 * fill the outputs' blocks in turn:
 *
 *   shuffled     test, val, train   (ShuffleSplit: every output random)
 *   in order     train, val, test   (shuffle=False: consecutive rows)
 *   k folds      train, fold I, train  (KFold, StratifiedKFold)
 *
 * Sizes follow scikit-learn's train_test_split: a fraction F gives
 * ceil(F * n) rows, a whole number that many; train takes the rest and
 * must not be empty.  Stratified sizes are nn_stratify's rounding of the
 * sizes taken in the shuffled order (test, val, train) whatever the block
 * order, so --no-shuffle and a shuffled split give each output the same
 * number of rows of each class.  k folds: nn_kfold_blocks.
 */
#ifndef NN_SPLIT_H
#define NN_SPLIT_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"

enum { NN_SPLIT_TRAIN, NN_SPLIT_TEST, NN_SPLIT_VAL };

/* --test-size and --val-size: a fraction (frac set, f in (0, 1)) or a
 * count of rows (count >= 1). */
typedef struct nn_split_size {
	int frac;
	double f;
	uint64_t count;
} nn_split_size;

/* Parse s into *z: 0, or -1 when s is neither a fraction strictly between
 * 0 and 1 nor a whole number of rows (*z then zero). */
int nn_split_size_parse(const char *s, nn_split_size *z);
/* The rows z means out of n: ceil(f * n), or the count. */
uint64_t nn_split_size_rows(nn_split_size z, uint64_t n);

/* What to plan: a split by sizes (kfold 0), or fold `fold` of kfold. */
typedef struct nn_split_spec {
	int ordered;              /* --no-shuffle: blocks in input order */
	int stratify;             /* groups are classes */
	int has_val;              /* a validation output */
	nn_split_size test, val;  /* test.frac 0 and count 0: the default 0.25 */
	uint64_t kfold, fold;
} nn_split_spec;

/* The plan: which output takes the next row of each group. */
typedef struct nn_split {
	int out[3], nblk;         /* outputs in the order they take a group's rows */
	size_t ngrp;
	uint64_t *alloc;          /* rows of group g in block b: [g * nblk + b] */
	size_t *cur;              /* per group: its block now */
	uint64_t *left;           /* ... and the rows left in it */
} nn_split;

/* Plan the rows of ngrp groups (counts[g] rows each; ngrp 1 unless
 * stratified).  names[0..nnames) name the classes in messages.  0, or -1
 * with NN_EDATA (no rows; fewer rows than folds; a class with fewer rows
 * than outputs or folds; sizes that leave no training rows; an output
 * smaller than the number of classes present) or NN_ENOMEM.  Release with
 * nn_split_release (also after a failure). */
int nn_split_plan(nn_split *p, const nn_split_spec *spec, const uint64_t *counts, size_t ngrp,
                  const char *const *names, size_t nnames, nn_error *err);
/* The output (NN_SPLIT_*) of the next row of group g in sequence order,
 * or -1 when g has more rows than were counted (the input changed). */
int nn_split_next(nn_split *p, size_t g);
void nn_split_release(nn_split *p);

/* --streaming's fractions: 0 with *ftest (0.25 when spec->test is not
 * given) and *fval (0 without a validation output), or -1 when a size is
 * a count (one pass does not know the row count). */
int nn_split_fractions(const nn_split_spec *spec, double *ftest, double *fval);
/* --shards: the shard of row `row` of N, by nn_hash64(seed, row) scaled
 * to N, or row mod N with round_robin. */
size_t nn_split_shard(uint64_t seed, uint64_t row, uint64_t nshards, int round_robin);
/* --streaming: the output of row `row` by a hash of it and the seed:
 * with kfold, test when the hash scaled to kfold is `fold`; else test
 * below ftest of [0, 1), val below ftest + fval, train above. */
int nn_split_streamed(uint64_t seed, uint64_t row, uint64_t kfold, uint64_t fold, double ftest,
                      double fval);

/* What went into one output: its rows, and its rows of each class. */
typedef struct nn_split_tally {
	uint64_t rows;
	uint64_t *cls;            /* [ncls], grown as classes come */
	size_t ncls;
} nn_split_tally;

/* One more row, of class cls (-1: not counted by class).  0, or -1 with
 * NN_ENOMEM. */
int nn_split_tally_add(nn_split_tally *t, int64_t cls, nn_error *err);
void nn_split_tally_release(nn_split_tally *t);

/* The classes of output i of outs[0..n) for the note on its size, into
 * buf[0..cap) (cap > 64): "; y: a=3 b=1", one item for each class that
 * any output holds, named by names[c] when c < nnames, else by its
 * number; yname is the label's name (up to 40 bytes of each name are
 * shown).  Items stop when fewer than 64 bytes are left: then 1 (the
 * note says " ..."), else 0. */
int nn_split_note(char *buf, size_t cap, const nn_split_tally *outs, size_t n, size_t i,
                  const char *yname, const char *const *names, size_t nnames);

#endif
