/* fuzz-array.h — the IDX and NPY readers on arbitrary bytes, shared by
 * fuzz-import-idx.c and fuzz-import-npy.c: the header is checked once as
 * if from a pipe (size unknown) and once as a plain file of this size;
 * then every row is read, in batches as nn-import does, and nothing may
 * follow. */
#include <stdint.h>
#include <stdlib.h>
#include "nn/import.h"

static int fuzz_array(const uint8_t *data, size_t size, int kind)
{
	for (int known = 0; known < 2; known++) {
		nn_memsrc m = { data, size, 0 };
		nn_array a;
		nn_error err;
		size_t chunk;
		unsigned char *buf;
		uint64_t done = 0;

		if (nn_array_open(&a, (nn_source){ nn_memsrc_read, &m }, kind,
		                  known ? (long long)size : -1, &err))
			continue;
		if (a.row_bytes == 0 || a.row_elems * nn_dtype_size(a.dtype) != a.row_bytes)
			abort();
		if (a.row_bytes > size + 1)   /* could not be there: skip the big buffer */
			continue;
		chunk = (1u << 16) / a.row_bytes + 1;
		if (!(buf = malloc(chunk * a.row_bytes)))
			abort();
		while (done < a.rows) {
			size_t n = a.rows - done < chunk ? (size_t)(a.rows - done) : chunk;
			if (nn_array_rows(&a, buf, n, done, &err))
				break;
			done += n;
		}
		if (done == a.rows)
			nn_array_end(&a, &err);
		free(buf);
	}
	return 0;
}
