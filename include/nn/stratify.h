/* nn/stratify.h — how many rows of each class go to each part of a split,
 * and which rows make each of k folds: one rule for nn-split --stratify,
 * nn-split --kfold and nn-train --val-size.
 *
 * Stratified allocation: class g (counts[g] rows of n in all) gets, in
 * block b (sizes[b] rows), its exact share counts[g] * sizes[b] / n
 * rounded down or up, so never a whole row off, while every block total
 * is exactly sizes[b].  The rounding is the largest remainder method
 * (Hamilton's): each class's leftover rows go to the blocks where its
 * remainders are largest; where that makes a block total wrong, the
 * leftovers that lose least move on to a block with too few (through the
 * third block if need be: such a rounding always exists).  The
 * arithmetic is exact (integers), so equal remainders are equal.
 *
 * The tie rule: a class's leftover row goes to the earliest of its
 * blocks with equal largest remainders; when leftovers move between two
 * blocks with equal losses, lower class ids keep (or get) the row in the
 * earlier of the two.  With two blocks this is plain Hamilton: block 0
 * takes its leftover rows from the classes with the largest remainders,
 * the lowest class id first on ties.  Example: counts 10, 6, 4 and sizes
 * 5, 15 (a test set of 5 first): shares 2.5, 1.5, 1 give 3, 1, 1 and
 * 7, 5, 3.  With three blocks the moves go block by block, so three
 * classes of one row into three blocks of one give class 0 block 0, then
 * block 0 hands class 2 to block 1 and class 1 to block 2.
 *
 * k folds: rows sorted by class are dealt round-robin, position p to fold
 * p mod k (scikit-learn's StratifiedKFold allocation); without classes
 * the first n mod k folds are one row longer (KFold).
 */
#ifndef NN_STRATIFY_H
#define NN_STRATIFY_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"

#define NN_STRATIFY_MAX_BLOCKS 3

/* Fill alloc[g * nblk + b] (ncls x nblk) with the rows of class g in
 * block b, for 1 <= nblk <= NN_STRATIFY_MAX_BLOCKS blocks whose sizes add
 * up to the sum of counts.  Returns 0, or -1 with NN_EARG (bad sizes) or
 * NN_ENOMEM. */
int nn_stratify(const uint64_t *counts, size_t ncls, const uint64_t *sizes, size_t nblk,
                uint64_t *alloc, nn_error *err);

/* Of the rows at sorted positions first .. first+rows-1, how many fold
 * `fold` of k (k > 0) gets when position p goes to fold p mod k.  With
 * first 0 and rows n: the size of fold `fold` of n rows. */
uint64_t nn_kfold_rows(uint64_t first, uint64_t rows, uint64_t k, uint64_t fold);

/* The same rows as three blocks in the order they come when the folds are
 * taken in turn, as a split of train, test, train does it: block[0] rows
 * of the folds before `fold`, block[1] of `fold`, block[2] of the rest. */
void nn_kfold_blocks(uint64_t first, uint64_t rows, uint64_t k, uint64_t fold, uint64_t block[3]);

#endif
