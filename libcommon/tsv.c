/* tsv.c — a TSV table read back (nn/tsv.h). */
#include <stdlib.h>
#include <string.h>
#include "nn/tsv.h"

int nn_tsv_parse(nn_tsv *t, const char *text, size_t n, nn_error *err)
{
	size_t cap = 0, used = 0, line = 1;
	memset(t, 0, sizeof *t);
	if (!n)
		return nn_error_set(err, NN_EDATA, "empty table: no header line");
	if (memchr(text, 0, n))
		return nn_error_set(err, NN_EDATA, "NUL byte in the table");
	if (text[n - 1] != '\n')
		return nn_error_set(err, NN_EDATA, "the last line has no newline: cut table");
	if (!(t->text = malloc(n)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	memcpy(t->text, text, n);
	for (char *p = t->text, *end = t->text + n; p < end; line++) {
		char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t cells = 0;
		*eol = 0;
		for (char *c = p;; cells++) {
			if (cells == NN_TSV_MAX_COLS) {
				nn_tsv_release(t);
				return nn_error_set(err, NN_ELIMIT, "line %zu: more than %d columns", line,
				                    NN_TSV_MAX_COLS);
			}
			if (used == cap) {
				size_t ncap = cap ? 2 * cap : 64;
				char **q = ncap > cap ? realloc(t->cell, ncap * sizeof *q) : NULL;
				if (!q) {
					nn_tsv_release(t);
					return nn_error_set(err, NN_ENOMEM, "out of memory");
				}
				t->cell = q;
				cap = ncap;
			}
			t->cell[used++] = c;
			char *tab = strchr(c, '\t');
			if (!tab) {
				cells++;
				break;
			}
			*tab = 0;
			c = tab + 1;
		}
		if (line == 1) {
			t->ncols = cells;
		} else if (cells != t->ncols) {
			size_t want = t->ncols;
			nn_tsv_release(t);
			return nn_error_set(err, NN_EDATA, "line %zu: %zu cells where the header has %zu", line,
			                    cells, want);
		} else {
			t->nrows++;
		}
		p = eol + 1;
	}
	return 0;
}

void nn_tsv_release(nn_tsv *t)
{
	free(t->cell);
	free(t->text);
	memset(t, 0, sizeof *t);
}

long nn_tsv_col(const nn_tsv *t, const char *name)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (!strcmp(t->cell[c], name))
			return (long)c;
	return -1;
}

const char *nn_tsv_cell(const nn_tsv *t, size_t r, size_t c)
{
	return t->cell[(r + 1) * t->ncols + c];
}

void nn_tsv_clean(char *s)
{
	for (; *s; s++)
		if (*s == '\t' || *s == '\n' || *s == '\r')
			*s = ' ';
}
