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

/* The length of the valid UTF-8 sequence at s[0..n) (RFC 3629: no
 * overlongs, no surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0xC2 ? 0 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : s[0] < 0xF5 ? 4 : 0;
	if (!len || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
	    (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
		return 0;
	return len;
}

size_t nn_escape_ctrl(char *dst, size_t cap, const char *s, size_t n)
{
	size_t len = 0, w = 0;   /* the whole result; what dst holds */
	int full = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		char esc[5];
		size_t k = 1;
		if (ch == '\t' || ch == '\n' || ch == '\r') {
			esc[0] = '\\';
			esc[1] = ch == '\t' ? 't' : ch == '\n' ? 'n' : 'r';
			k = 2;
		} else if (ch < 0x20 || ch == 0x7f) {
			snprintf(esc, sizeof esc, "\\x%02x", ch);
			k = 4;
		} else {
			esc[0] = (char)ch;
		}
		if (!full && w + k < cap) {
			memcpy(dst + w, esc, k);
			w += k;
		} else {
			full = 1;   /* nothing after an escape that did not fit */
		}
		len += k;
	}
	if (cap)
		dst[w] = 0;
	return len;
}

int nn_json_str(char **buf, size_t *len, size_t *cap, const char *s, size_t n, nn_error *err)
{
	const unsigned char *u = (const unsigned char *)s;
	if (nn_buf_put(buf, len, cap, "\"", 1, err))
		return -1;
	for (size_t i = 0; i < n; ) {
		unsigned char ch = u[i];
		char esc[8];
		size_t seq = ch < 0x80 ? 1 : utf8_len(u + i, n - i);
		if (ch == '"' || ch == '\\') {
			esc[0] = '\\'; esc[1] = (char)ch;
			if (nn_buf_put(buf, len, cap, esc, 2, err)) return -1;
		} else if (ch < 0x20 || ch == 0x7f || !seq) {
			/* a control character, or a byte that is not UTF-8: as the
			 * Latin-1 character it most often is, so the JSON stays valid */
			snprintf(esc, sizeof esc, "\\u%04x", ch);
			if (nn_buf_put(buf, len, cap, esc, 6, err)) return -1;
			seq = 1;
		} else if (nn_buf_put(buf, len, cap, s + i, seq, err)) {
			return -1;
		}
		i += seq ? seq : 1;
	}
	return nn_buf_put(buf, len, cap, "\"", 1, err);
}
