/* fuzz-shard.c — the shard-name rule (nn/shard.h) on arbitrary patterns:
 * a pattern is refused or gives names that are the text around one
 * number, the number's digits intact, padded to the width. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn/shard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t nums[] = { 0, 7, 4095, UINT64_MAX };
	char *pat = malloc(size + 1);
	nn_shard_pattern p;
	nn_error err;

	if (!pat)
		return 0;
	memcpy(pat, data, size);
	pat[size] = 0;   /* the pattern ends at its first NUL, as on a command line */
	if (!nn_shard_pattern_parse(&p, pat, &err)) {
		size_t pre = strlen(p.pre), post = strlen(p.post);
		if (pre + post > size || p.width > 999)
			abort();
		for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
			char *s = nn_shard_name(&p, nums[i], &err);
			if (!s)
				continue;
			size_t n = strlen(s);
			if (n < pre + post + 1 || (n - pre - post < (size_t)p.width && p.width) ||
			    memcmp(s, p.pre, pre) || strcmp(s + n - post, p.post))
				abort();
			free(s);
		}
		nn_shard_pattern_release(&p);
	} else if (err.code != NN_EARG && err.code != NN_ENOMEM) {
		abort();
	}
	free(pat);
	return 0;
}
