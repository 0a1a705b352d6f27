/* fuzz-tsv.c — nn_tsv_parse on arbitrary bytes: a table it accepts has
 * every cell within the text and no tab or newline in any cell. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn/tsv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nn_tsv t;
	nn_error err;

	if (nn_tsv_parse(&t, (const char *)data, size, &err)) {
		if (err.code != NN_EDATA && err.code != NN_ELIMIT && err.code != NN_ENOMEM)
			abort();
		return 0;
	}
	for (size_t r = 0; r < t.nrows; r++)
		for (size_t c = 0; c < t.ncols; c++) {
			const char *s = nn_tsv_cell(&t, r, c);
			if (s < t.text || s >= t.text + size || strpbrk(s, "\t\n"))
				abort();
		}
	if (nn_tsv_col(&t, t.cell[0]) != 0)
		abort();
	nn_tsv_release(&t);
	return 0;
}
