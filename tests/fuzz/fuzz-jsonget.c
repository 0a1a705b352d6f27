/* fuzz-jsonget.c — nn_json_number on arbitrary bytes: it never reads past
 * the end, and a document it refuses is refused as data (NN_EDATA). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn/jsonget.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "accuracy", "macro_avg.f1", "a", "a.b.c" };
	char *doc = malloc(size ? size : 1);   /* exactly size bytes: overreads show */
	double v;
	nn_error err;

	if (!doc)
		return 0;
	memcpy(doc, data, size);
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
		if (nn_json_number(doc, size, paths[i], &v, &err) && err.code != NN_EDATA)
			abort();
	free(doc);
	return 0;
}
