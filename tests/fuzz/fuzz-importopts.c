/* fuzz-importopts.c — nn-import's argument rules (nn/importopts.h) on
 * arbitrary text: the first byte picks the rule, the rest is the
 * argument up to its first NUL, as on a command line.  A --shape list is
 * refused or gives 1 to NN_MAX_DIMS sizes from 1 to 2^40; a --classes
 * list is refused or gives non-empty names without commas, none twice; a
 * file name gives a format or -1. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn/importopts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *arg;
	nn_error err;

	if (size < 1 || !(arg = malloc(size)))
		return 0;
	memcpy(arg, data + 1, size - 1);
	arg[size - 1] = 0;
	if (data[0] % 3 == 0) {
		uint64_t d[NN_MAX_DIMS];
		int n = nn_parse_dims(arg, d, &err);
		if (n < 0 && err.code != NN_EARG)
			abort();
		for (int i = 0; i < n; i++)
			if (n > NN_MAX_DIMS || d[i] < 1 || d[i] > 1ull << 40)
				abort();
	} else if (data[0] % 3 == 1) {
		nn_strset s = { 0 };
		if (!nn_class_list(&s, arg, &err)) {
			if (!s.n || s.n > NN_MAX_CLASSES)
				abort();
			for (size_t i = 0; i < s.n && strcmp(arg, "fashion-mnist"); i++)
				if (!*s.s[i] || strchr(s.s[i], ',') || nn_strset_find(&s, s.s[i]) != i)
					abort();
		} else if (err.code != NN_EARG && err.code != NN_ENOMEM) {
			abort();
		}
		nn_strset_free(&s);
	} else {
		int f = nn_import_format_of(arg);
		if (f < -1 || f > NN_IMPORT_NPY)
			abort();
	}
	free(arg);
	return 0;
}
