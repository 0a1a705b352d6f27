/* fuzz-cliargs.c — nn_cli_table_read on arbitrary bytes: every option it
 * returns has a long name within the text, and is found by that name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn/cliargs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nn_error err;
	nn_option *t = nn_cli_table_read((const char *)data, size, &err);
	if (!t) {
		if (err.code != NN_EDATA && err.code != NN_ENOMEM)
			abort();
		return 0;
	}
	for (const nn_option *o = t; o->type != NN_OPT_END; o++) {
		size_t n = strlen(o->long_name);
		if (!n || n > size || !nn_cli_find(t, o->long_name, n) || (o->type != NN_OPT_FLAG && o->type != NN_OPT_STR))
			abort();
	}
	free(t);
	return 0;
}
