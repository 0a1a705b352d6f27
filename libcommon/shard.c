/* libcommon/shard.c — shard file names from a pattern (nn/shard.h). */
#include <stdlib.h>
#include <string.h>
#include "nn/shard.h"

#define MAX_WIDTH_DIGITS 3

int nn_shard_pattern_parse(nn_shard_pattern *p, const char *pat, nn_error *err)
{
	size_t n = strlen(pat), k = 0, convs = 0;
	char *buf = malloc(n + 2);

	memset(p, 0, sizeof *p);
	if (!buf)
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		int digits = 0;
		if (pat[i] != '%') {
			buf[k++] = pat[i];
			continue;
		}
		if (pat[++i] == '%') {
			buf[k++] = '%';
			continue;
		}
		for (; pat[i] == '0' || pat[i] == '-'; i++)
			*(pat[i] == '0' ? &p->zero : &p->left) = 1;
		for (; pat[i] >= '0' && pat[i] <= '9' && digits < MAX_WIDTH_DIGITS; i++, digits++)
			p->width = p->width * 10 + pat[i] - '0';
		if (!pat[i] || !strchr("diu", pat[i]) || convs++) {
			free(buf);
			memset(p, 0, sizeof *p);
			return nn_error_set(err, NN_EARG, "needs exactly one conversion like %%d or %%03d "
			                    "(write %%%% for a percent sign)");
		}
		buf[k++] = 0;   /* pre ends here; post starts after it */
		p->pre = buf;
		p->post = buf + k;
	}
	if (!convs) {
		free(buf);
		memset(p, 0, sizeof *p);
		return nn_error_set(err, NN_EARG, "has no %%d for the shard number");
	}
	buf[k] = 0;
	return 0;
}

char *nn_shard_name(const nn_shard_pattern *p, uint64_t i, nn_error *err)
{
	char digits[24];
	size_t nd = 0, pre = strlen(p->pre), post = strlen(p->post), w = (size_t)p->width, pad;
	char *s, *at;

	do
		digits[sizeof digits - ++nd] = (char)('0' + i % 10);
	while (i /= 10);
	pad = w > nd ? w - nd : 0;
	if (!(s = malloc(pre + pad + nd + post + 1))) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	at = s;
	memcpy(at, p->pre, pre);
	at += pre;
	if (!p->left) {
		memset(at, p->zero ? '0' : ' ', pad);
		at += pad;
	}
	memcpy(at, digits + sizeof digits - nd, nd);
	at += nd;
	if (p->left) {
		memset(at, ' ', pad);
		at += pad;
	}
	memcpy(at, p->post, post + 1);
	return s;
}

void nn_shard_pattern_release(nn_shard_pattern *p)
{
	free(p->pre);
	memset(p, 0, sizeof *p);
}
