/* libcommon/pack.c — msgpack strings and bins, JSON strings: written once
 * for every writer in the toolkit (nn/pack.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/pack.h"

int nn_pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);
	return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n);
}

int nn_pack_bin(msgpack_packer *pk, const void *data, size_t len)
{
	return msgpack_pack_bin(pk, len) || msgpack_pack_bin_body(pk, data, len);
}

int nn_buf_put(char **buf, size_t *len, size_t *cap, const char *s, size_t n, nn_error *err)
{
	if (*len + n + 1 > *cap) {
		size_t want = *cap ? *cap : 256;
		while (want < *len + n + 1)
			want *= 2;
		char *nb = realloc(*buf, want);
		if (!nb)
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		*buf = nb;
		*cap = want;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = 0;
	return 0;
}

int nn_json_str(char **buf, size_t *len, size_t *cap, const char *s, size_t n, nn_error *err)
{
	if (nn_buf_put(buf, len, cap, "\"", 1, err))
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		char esc[8];
		if (ch == '"' || ch == '\\') {
			esc[0] = '\\'; esc[1] = (char)ch;
			if (nn_buf_put(buf, len, cap, esc, 2, err)) return -1;
		} else if (ch < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", ch);
			if (nn_buf_put(buf, len, cap, esc, 6, err)) return -1;
		} else if (nn_buf_put(buf, len, cap, (const char *)&s[i], 1, err)) {
			return -1;
		}
	}
	return nn_buf_put(buf, len, cap, "\"", 1, err);
}
