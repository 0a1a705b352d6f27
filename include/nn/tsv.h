/* nn/tsv.h — a table of text read back from TSV: a header line of column
 * names, then rows of as many cells, tab-separated, each line ending with
 * '\n'.  No quoting: a cell holds no tab and no newline (the writer's
 * rule; nn_tsv_clean makes a cell so).  nn-tune's results table is its
 * own checkpoint through this.
 */
#ifndef NN_TSV_H
#define NN_TSV_H

#include <stddef.h>
#include "nn/error.h"

#define NN_TSV_MAX_COLS 4096

typedef struct nn_tsv {
	size_t ncols, nrows;
	char **cell;              /* (nrows + 1) * ncols: row 0 is the header */
	char *text;               /* the bytes the cells point into */
} nn_tsv;

/* Parse text[0..n).  A row with another number of cells, a NUL byte, a
 * last line without its newline or no header is NN_EDATA naming the
 * line. */
int nn_tsv_parse(nn_tsv *t, const char *text, size_t n, nn_error *err);
void nn_tsv_release(nn_tsv *t);
/* The column named name, or -1. */
long nn_tsv_col(const nn_tsv *t, const char *name);
/* Row r (0-based, not counting the header), column c. */
const char *nn_tsv_cell(const nn_tsv *t, size_t r, size_t c);
/* Replace tabs, newlines and carriage returns in s by spaces. */
void nn_tsv_clean(char *s);

#endif
