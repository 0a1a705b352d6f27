/* nn/fieldstats.h — what nn-info reports of a field, gathered batch by
 * batch in bounded memory, for its text and JSON reports alike.
 *
 * Over all the elements of a numeric field, in double: the count, min,
 * max, mean and population std of the finite values (each batch summed
 * in two passes, the batches merged with Chan's formula), NaNs and
 * infinities counted apart; i64/u64 beyond 2^53 lose digits.  Class
 * counts for an integer field with class names (every id counted, ids
 * without a name as "other") and for an integer field with one value
 * per row whose values all lie in 0..65535 (else none).  A str field has
 * no numeric statistics: its empty rows and its longest text in bytes.
 * (nn/colstats.h has the per-column moments of the fitting programs.)
 */
#ifndef NN_FIELDSTATS_H
#define NN_FIELDSTATS_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"
#include "nn/stream.h"

typedef struct nn_fieldstats {
	uint64_t n, nan, inf;        /* finite values, NaNs, infinities */
	double mean, m2, min, max;   /* of the finite values (min +inf, max -inf while n is 0) */
	uint64_t *count;             /* count[v]: elements holding class v; or NULL */
	size_t ncount;
	uint64_t other;              /* named classes: ids without a name */
	uint64_t empty;              /* str: empty texts */
	size_t longest;              /* str: bytes of the longest text */
} nn_fieldstats;

/* Start the statistics of field f (NN_ENOMEM). */
int nn_fieldstats_init(nn_fieldstats *a, const nn_field *f, nn_error *err);
void nn_fieldstats_free(nn_fieldstats *a);
/* Add rows rows of f's column col (rows * f->row_bytes bytes). */
void nn_fieldstats_add(nn_fieldstats *a, const nn_field *f, const void *col, size_t rows);
/* Add n elements of numeric field f (part of a row: a chunk of a tensor). */
void nn_fieldstats_add_elems(nn_fieldstats *a, const nn_field *f, const void *col, size_t n);
/* A file of tensors in chunks (nn/tensors.h): read r to its end with
 * nn_tensors_scan's checks, adding tensor i's elements to acc[i] (the
 * statistics of fields[i] from nn_tensors_fields); acc NULL only checks.
 * One batch of memory whatever the tensors' size. */
struct nn_tensor_table;
int nn_fieldstats_scan_tensors(nn_reader *r, const struct nn_tensor_table *tt, const nn_field *fields,
                               nn_fieldstats *acc, nn_error *err);
/* The population std of the finite values (NaN when there are none). */
double nn_fieldstats_std(const nn_fieldstats *a);
/* Are there class counts to show: every named class, else every value
 * seen, when f has class names or the values seen number at most 1000? */
int nn_fieldstats_has_classes(const nn_fieldstats *a, const nn_field *f);
/* When there are, the first value from v on that is shown, or a->ncount
 * when no more are: for (v = next(a, f, 0); v < a->ncount; v = next(a,
 * f, v + 1)). */
size_t nn_fieldstats_next_class(const nn_fieldstats *a, const nn_field *f, size_t v);

#endif
