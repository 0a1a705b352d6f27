/* mp.c — a bounded msgpack cursor (see nn/mp.h for why not msgpack-c's).
 *
 * Format reference: the msgpack specification,
 * https://github.com/msgpack/msgpack/blob/master/spec.md
 * Every read checks the bytes it needs against c->end before touching
 * them, and a container's claimed count against the bytes that remain
 * (each element takes at least one byte), so nothing here can be made to
 * read out of bounds or to promise a caller an impossible count.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/mp.h"
#include "nn/pack.h"
#include "nn/tensor.h"
#include "nn/stream.h"

static uint64_t be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

enum nn_mp_type nn_mp_peek(const nn_mp *c)
{
	if (c->p >= c->end)
		return NN_MP_BAD;
	unsigned b = *c->p;
	if (b <= 0x7f || (b >= 0xcc && b <= 0xcf)) return NN_MP_UINT;
	if (b >= 0xe0 || (b >= 0xd0 && b <= 0xd3)) return NN_MP_INT;
	if (b <= 0x8f) return NN_MP_MAP;
	if (b <= 0x9f) return NN_MP_ARRAY;
	if (b <= 0xbf) return NN_MP_STR;
	switch (b) {
	case 0xc0: return NN_MP_NIL;
	case 0xc2: case 0xc3: return NN_MP_BOOL;
	case 0xc4: case 0xc5: case 0xc6: return NN_MP_BIN;
	case 0xc7: case 0xc8: case 0xc9: return NN_MP_EXT;
	case 0xca: case 0xcb: return NN_MP_FLOAT;
	case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: return NN_MP_EXT;
	case 0xd9: case 0xda: case 0xdb: return NN_MP_STR;
	case 0xdc: case 0xdd: return NN_MP_ARRAY;
	case 0xde: case 0xdf: return NN_MP_MAP;
	default: return NN_MP_BAD;   /* 0xc1 is never used */
	}
}

static size_t left(const nn_mp *c) { return (size_t)(c->end - c->p); }

static int expected(const nn_mp *c, const char *type, const char *what, nn_error *err)
{
	if (c->p >= c->end)
		return nn_error_set(err, NN_EDATA, "%s: object ends early", what);
	return nn_error_set(err, NN_EDATA, "%s: expected %s (byte 0x%02x)", what, type, *c->p);
}

/* Read a length prefix of n bytes after the type byte. */
static int prefixed(const nn_mp *c, int n, uint64_t *len)
{
	if (left(c) < (size_t)n + 1)
		return -1;
	*len = be(c->p + 1, n);
	return 0;
}

/* Containers: map entries need 2 bytes each at least, array entries 1. */
static int container(nn_mp *c, size_t *n, int map, const char *what, nn_error *err)
{
	unsigned b;
	uint64_t len;
	int hdr;

	if (nn_mp_peek(c) != (map ? NN_MP_MAP : NN_MP_ARRAY))
		return expected(c, map ? "a map" : "an array", what, err);
	b = *c->p;
	if (b < 0xc0) {
		len = b & 0x0f;
		hdr = 1;
	} else {
		int w = (b == 0xdc || b == 0xde) ? 2 : 4;
		if (prefixed(c, w, &len))
			return expected(c, "a length", what, err);
		hdr = 1 + w;
	}
	if (len > (left(c) - (size_t)hdr) / (map ? 2 : 1))
		return nn_error_set(err, NN_EDATA, "%s: claims %llu entries, more than the object holds",
		                    what, (unsigned long long)len);
	c->p += hdr;
	*n = (size_t)len;
	return 0;
}

int nn_mp_map(nn_mp *c, size_t *n, const char *what, nn_error *err)
{
	return container(c, n, 1, what, err);
}

int nn_mp_array(nn_mp *c, size_t *n, const char *what, nn_error *err)
{
	return container(c, n, 0, what, err);
}

/* str and bin share their layout: a length, then that many bytes. */
static int bytes(nn_mp *c, enum nn_mp_type want, const void **data, size_t *len,
                 const char *what, nn_error *err)
{
	unsigned b;
	uint64_t n;
	int hdr;

	if (nn_mp_peek(c) != want)
		return expected(c, want == NN_MP_STR ? "a string" : "binary data", what, err);
	b = *c->p;
	if (b >= 0xa0 && b <= 0xbf) {
		n = b & 0x1f;
		hdr = 1;
	} else {
		int w = (b == 0xc4 || b == 0xd9) ? 1 : (b == 0xc5 || b == 0xda) ? 2 : 4;
		if (prefixed(c, w, &n))
			return expected(c, "a length", what, err);
		hdr = 1 + w;
	}
	if (n > left(c) - (size_t)hdr)
		return nn_error_set(err, NN_EDATA, "%s: claims %llu bytes, more than the object holds",
		                    what, (unsigned long long)n);
	*data = c->p + hdr;
	*len = (size_t)n;
	c->p += hdr + n;
	return 0;
}

int nn_mp_str(nn_mp *c, const char **s, size_t *len, const char *what, nn_error *err)
{
	const void *d;
	if (bytes(c, NN_MP_STR, &d, len, what, err))
		return -1;
	*s = d;
	return 0;
}

int nn_mp_bin(nn_mp *c, const void **data, size_t *len, const char *what, nn_error *err)
{
	return bytes(c, NN_MP_BIN, data, len, what, err);
}

/* Any integer as sign + magnitude; 0 on success. */
static int integer(nn_mp *c, int *neg, uint64_t *mag, const char *what, nn_error *err)
{
	unsigned b;
	enum nn_mp_type t = nn_mp_peek(c);

	if (t != NN_MP_UINT && t != NN_MP_INT)
		return expected(c, "an integer", what, err);
	b = *c->p;
	if (b <= 0x7f) { *neg = 0; *mag = b; c->p++; return 0; }
	if (b >= 0xe0) { *neg = 1; *mag = 256 - b; c->p++; return 0; }
	int w = 1 << (b & 3);           /* cc..cf and d0..d3: 1, 2, 4, 8 bytes */
	uint64_t v;
	if (prefixed(c, w, &v))
		return expected(c, "an integer", what, err);
	if (b >= 0xd0) {                /* signed: sign-extend from w bytes */
		int64_t s = w == 8 ? (int64_t)v : (int64_t)(v << (64 - 8 * w)) >> (64 - 8 * w);
		*neg = s < 0;
		*mag = s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
	} else {
		*neg = 0;
		*mag = v;
	}
	c->p += 1 + w;
	return 0;
}

int nn_mp_uint(nn_mp *c, uint64_t *v, const char *what, nn_error *err)
{
	nn_mp save = *c;
	int neg;
	if (integer(c, &neg, v, what, err))
		return -1;
	if (neg && *v) {
		*c = save;
		return nn_error_set(err, NN_EDATA, "%s: negative", what);
	}
	return 0;
}

int nn_mp_int(nn_mp *c, int64_t *v, const char *what, nn_error *err)
{
	nn_mp save = *c;
	int neg;
	uint64_t m;
	if (integer(c, &neg, &m, what, err))
		return -1;
	if (m > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) {
		*c = save;
		return nn_error_set(err, NN_EDATA, "%s: integer out of range", what);
	}
	*v = neg ? (int64_t)(0 - m) : (int64_t)m;
	return 0;
}

int nn_mp_number(nn_mp *c, double *v, const char *what, nn_error *err)
{
	enum nn_mp_type t = nn_mp_peek(c);

	if (t == NN_MP_FLOAT) {
		unsigned b = *c->p;
		int w = b == 0xca ? 4 : 8;
		uint64_t bits;
		if (prefixed(c, w, &bits))
			return expected(c, "a number", what, err);
		if (w == 4) {
			uint32_t b32 = (uint32_t)bits;
			float f;
			memcpy(&f, &b32, 4);
			*v = f;
		} else {
			memcpy(v, &bits, 8);
		}
		c->p += 1 + w;
		return 0;
	}
	if (t == NN_MP_UINT || t == NN_MP_INT) {
		int neg;
		uint64_t m;
		if (integer(c, &neg, &m, what, err))
			return -1;
		*v = neg ? -(double)m : (double)m;
		return 0;
	}
	return expected(c, "a number", what, err);
}

int nn_mp_bool(nn_mp *c, int *v, const char *what, nn_error *err)
{
	if (nn_mp_peek(c) != NN_MP_BOOL)
		return expected(c, "true or false", what, err);
	*v = *c->p++ == 0xc3;
	return 0;
}

int nn_mp_nil(nn_mp *c, const char *what, nn_error *err)
{
	if (nn_mp_peek(c) != NN_MP_NIL)
		return expected(c, "nil", what, err);
	c->p++;
	return 0;
}

int nn_mp_str_is(const nn_mp *c, const char *s)
{
	nn_mp t = *c;
	const char *v;
	size_t n;
	return !nn_mp_str(&t, &v, &n, "", NULL) && n == strlen(s) && !memcmp(v, s, n);
}

static int skip(nn_mp *c, int depth, nn_error *err)
{
	const void *d;
	size_t n;
	uint64_t u;
	double f;
	int b;

	if (depth > NN_MAX_DEPTH)
		return nn_error_set(err, NN_EDATA, "nested more than %d deep", NN_MAX_DEPTH);
	switch (nn_mp_peek(c)) {
	case NN_MP_NIL: c->p++; return 0;
	case NN_MP_BOOL: return nn_mp_bool(c, &b, "value", err);
	case NN_MP_UINT: case NN_MP_INT: {
		int neg;
		return integer(c, &neg, &u, "value", err);
	}
	case NN_MP_FLOAT: return nn_mp_number(c, &f, "value", err);
	case NN_MP_STR: return bytes(c, NN_MP_STR, &d, &n, "value", err);
	case NN_MP_BIN: return bytes(c, NN_MP_BIN, &d, &n, "value", err);
	case NN_MP_ARRAY: case NN_MP_MAP: {
		int map = nn_mp_peek(c) == NN_MP_MAP;
		if (container(c, &n, map, "value", err))
			return -1;
		for (size_t i = 0; i < n * (map ? 2 : 1); i++)
			if (skip(c, depth + 1, err))
				return -1;
		return 0;
	}
	case NN_MP_EXT: {
		unsigned t = *c->p;
		uint64_t len;
		int hdr;
		if (t >= 0xd4 && t <= 0xd8) {
			len = (uint64_t)1 << (t - 0xd4);
			hdr = 2;
		} else {
			int w = t == 0xc7 ? 1 : t == 0xc8 ? 2 : 4;
			if (prefixed(c, w, &len))
				return expected(c, "an extension", "value", err);
			hdr = 2 + w;
		}
		if ((size_t)hdr > left(c) || len > left(c) - (size_t)hdr)
			return nn_error_set(err, NN_EDATA, "extension value longer than the object");
		c->p += hdr + len;
		return 0;
	}
	default:
		return expected(c, "a value", "value", err);
	}
}

int nn_mp_skip(nn_mp *c, nn_error *err)
{
	nn_mp save = *c;
	if (skip(c, 0, err)) {
		*c = save;
		return -1;
	}
	return 0;
}

/* --- JSON ----------------------------------------------------------- */

static int to_json(nn_mp *c, char **buf, size_t *len, size_t *cap, int depth, nn_error *err)
{
	char tmp[64];
	const char *s;
	size_t n;

	if (depth > NN_MAX_DEPTH)
		return nn_error_set(err, NN_EDATA, "nested more than %d deep", NN_MAX_DEPTH);
	switch (nn_mp_peek(c)) {
	case NN_MP_NIL:
		c->p++;
		return nn_buf_put(buf, len, cap, "null", 4, err);
	case NN_MP_BOOL: {
		int b;
		nn_mp_bool(c, &b, "value", err);
		return nn_buf_put(buf, len, cap, b ? "true" : "false", b ? 4 : 5, err);
	}
	case NN_MP_UINT: case NN_MP_INT: {
		int neg;
		uint64_t m;
		if (integer(c, &neg, &m, "value", err))
			return -1;
		snprintf(tmp, sizeof tmp, "%s%llu", neg ? "-" : "", (unsigned long long)m);
		return nn_buf_put(buf, len, cap, tmp, strlen(tmp), err);
	}
	case NN_MP_FLOAT: {
		double v;
		if (nn_mp_number(c, &v, "value", err))
			return -1;
		if (isfinite(v))
			nn_format_f64(tmp, v);       /* the fewest digits that read back */
		else
			snprintf(tmp, sizeof tmp, "null");
		return nn_buf_put(buf, len, cap, tmp, strlen(tmp), err);
	}
	case NN_MP_STR:
		if (nn_mp_str(c, &s, &n, "value", err))
			return -1;
		return nn_json_str(buf, len, cap, s, n, err);
	case NN_MP_BIN: {
		const void *d;
		if (nn_mp_bin(c, &d, &n, "value", err))
			return -1;
		snprintf(tmp, sizeof tmp, "{\"bin\": %zu}", n);
		return nn_buf_put(buf, len, cap, tmp, strlen(tmp), err);
	}
	case NN_MP_ARRAY: case NN_MP_MAP: {
		int map = nn_mp_peek(c) == NN_MP_MAP;
		if (container(c, &n, map, "value", err) ||
		    nn_buf_put(buf, len, cap, map ? "{" : "[", 1, err))
			return -1;
		for (size_t i = 0; i < n; i++) {
			if (i && nn_buf_put(buf, len, cap, ", ", 2, err))
				return -1;
			if (map) {
				/* JSON keys are strings: other key types print as JSON text */
				if (nn_mp_peek(c) == NN_MP_STR) {
					if (to_json(c, buf, len, cap, depth + 1, err))
						return -1;
				} else {
					char *k = NULL;
					size_t kl = 0, kc = 0;
					int bad = to_json(c, &k, &kl, &kc, depth + 1, err) ||
					          nn_json_str(buf, len, cap, k, kl, err);
					free(k);
					if (bad)
						return -1;
				}
				if (nn_buf_put(buf, len, cap, ": ", 2, err))
					return -1;
			}
			if (to_json(c, buf, len, cap, depth + 1, err))
				return -1;
		}
		return nn_buf_put(buf, len, cap, map ? "}" : "]", 1, err);
	}
	case NN_MP_EXT:
		if (nn_mp_skip(c, err))
			return -1;
		return nn_buf_put(buf, len, cap, "\"(ext)\"", 7, err);
	default:
		return expected(c, "a value", "value", err);
	}
}

int nn_mp_to_json(nn_mp *c, char **buf, size_t *len, size_t *cap, nn_error *err)
{
	nn_mp save = *c;
	if (to_json(c, buf, len, cap, 0, err)) {
		*c = save;
		return -1;
	}
	return 0;
}
