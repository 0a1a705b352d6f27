/* tensor.c — element types and checked conversions between them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include "nn/shortest.h"
#include "nn/tensor.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "nnpipe stores raw little-endian values and runs on little-endian hosts only"
#endif

static const struct {
	const char *name;
	size_t size;
	int is_float, is_signed;
} dtypes[NN_DTYPE_COUNT] = {
	[NN_U8] = { "u8", 1, 0, 0 },   [NN_I8] = { "i8", 1, 0, 1 },
	[NN_U16] = { "u16", 2, 0, 0 }, [NN_I16] = { "i16", 2, 0, 1 },
	[NN_U32] = { "u32", 4, 0, 0 }, [NN_I32] = { "i32", 4, 0, 1 },
	[NN_U64] = { "u64", 8, 0, 0 }, [NN_I64] = { "i64", 8, 0, 1 },
	[NN_F32] = { "f32", 4, 1, 1 }, [NN_F64] = { "f64", 8, 1, 1 },
	[NN_STR] = { "str", 1, 0, 0 },
};

size_t nn_dtype_size(nn_dtype t) { return t < NN_DTYPE_COUNT ? dtypes[t].size : 0; }
const char *nn_dtype_name(nn_dtype t) { return t < NN_DTYPE_COUNT ? dtypes[t].name : "?"; }
int nn_dtype_is_float(nn_dtype t) { return t < NN_DTYPE_COUNT && dtypes[t].is_float; }
int nn_dtype_is_signed(nn_dtype t) { return t < NN_DTYPE_COUNT && dtypes[t].is_signed; }
int nn_dtype_is_numeric(nn_dtype t) { return t < NN_DTYPE_COUNT && t != NN_STR; }

/* UTF-8 as RFC 3629 defines it (the table of its section 4): no overlong
 * forms, no surrogates, nothing above U+10FFFF. */
int nn_utf8_valid(const void *buf, size_t n)
{
	const unsigned char *s = buf, *e = s + n;

	while (s < e) {
		unsigned c = *s;
		size_t k;
		unsigned lo = 0x80, hi = 0xbf;
		if (c < 0x80) {
			s++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		else
			return 0;
		if ((size_t)(e - s) <= k || s[1] < lo || s[1] > hi)
			return 0;
		for (size_t j = 2; j <= k; j++)
			if ((s[j] & 0xc0) != 0x80)
				return 0;
		s += k + 1;
	}
	return 1;
}

size_t nn_str_len(const void *row, size_t width)
{
	const unsigned char *z = memchr(row, 0, width);
	return z ? (size_t)(z - (const unsigned char *)row) : width;
}

size_t nn_str_check(const void *col, size_t width, size_t rows)
{
	const unsigned char *b = col;

	for (size_t i = 0; i < rows; i++, b += width) {
		size_t n = nn_str_len(b, width), j = n;
		/* ASCII text, the common case, needs no decoding */
		for (size_t a = 0; a < n; a++)
			if (b[a] >= 0x80) {
				if (!nn_utf8_valid(b + a, n - a))
					return i;
				break;
			}
		while (j < width && !b[j])
			j++;
		if (j != width)
			return i;
	}
	return SIZE_MAX;
}

int nn_dtype_parse(const char *name, nn_dtype *out)
{
	for (int t = 0; t < NN_DTYPE_COUNT; t++)
		if (!strcmp(name, dtypes[t].name)) {
			*out = (nn_dtype)t;
			return 0;
		}
	return -1;
}

double nn_load_f64(const void *buf, nn_dtype t, size_t i)
{
	const unsigned char *b = buf;

	/* memcpy: buffers from callers need not be aligned */
#define LOAD(T) do { T v; memcpy(&v, b + i * sizeof v, sizeof v); return (double)v; } while (0)
	switch (t) {
	case NN_U8: LOAD(uint8_t);
	case NN_I8: LOAD(int8_t);
	case NN_U16: LOAD(uint16_t);
	case NN_I16: LOAD(int16_t);
	case NN_U32: LOAD(uint32_t);
	case NN_I32: LOAD(int32_t);
	case NN_U64: LOAD(uint64_t);
	case NN_I64: LOAD(int64_t);
	case NN_F32: LOAD(float);
	case NN_F64: LOAD(double);
	default: return NAN;
	}
#undef LOAD
}

/* Integer elements, loaded exactly: signed types as int64, unsigned as
 * uint64. */
static int64_t load_i64(const void *buf, nn_dtype t, size_t i)
{
	const unsigned char *b = buf;
#define LOAD(T) do { T v; memcpy(&v, b + i * sizeof v, sizeof v); return (int64_t)v; } while (0)
	switch (t) {
	case NN_I8: LOAD(int8_t);
	case NN_I16: LOAD(int16_t);
	case NN_I32: LOAD(int32_t);
	default: LOAD(int64_t);
	}
#undef LOAD
}

static uint64_t load_u64(const void *buf, nn_dtype t, size_t i)
{
	const unsigned char *b = buf;
#define LOAD(T) do { T v; memcpy(&v, b + i * sizeof v, sizeof v); return (uint64_t)v; } while (0)
	switch (t) {
	case NN_U8: LOAD(uint8_t);
	case NN_U16: LOAD(uint16_t);
	case NN_U32: LOAD(uint32_t);
	default: LOAD(uint64_t);
	}
#undef LOAD
}

/* Largest value of an integer dtype, and smallest (0 for unsigned). */
static uint64_t int_max(nn_dtype t)
{
	return nn_dtype_is_signed(t) ? (UINT64_C(1) << (8 * nn_dtype_size(t) - 1)) - 1
	                             : UINT64_MAX >> (64 - 8 * nn_dtype_size(t));
}

static int64_t int_min(nn_dtype t)
{
	return nn_dtype_is_signed(t) ? -(int64_t)int_max(t) - 1 : 0;
}

static void store(void *dst, nn_dtype t, size_t i, double v)
{
	unsigned char *b = dst;

#define STORE(T) do { T x = (T)v; memcpy(b + i * sizeof x, &x, sizeof x); return; } while (0)
	switch (t) {
	case NN_U8: STORE(uint8_t);
	case NN_I8: STORE(int8_t);
	case NN_U16: STORE(uint16_t);
	case NN_I16: STORE(int16_t);
	case NN_U32: STORE(uint32_t);
	case NN_I32: STORE(int32_t);
	case NN_U64: STORE(uint64_t);
	case NN_I64: STORE(int64_t);
	case NN_F32: STORE(float);
	case NN_F64: STORE(double);
	default: return;
	}
#undef STORE
}

/* Store an in-range integer given as its two's complement bits: the low
 * bytes are the value in the narrower type (little-endian host). */
static void store_int(void *dst, nn_dtype t, size_t i, uint64_t bits)
{
	size_t w = nn_dtype_size(t);
	memcpy((unsigned char *)dst + i * w, &bits, w);
}

int nn_convert(void *dst, nn_dtype dt, const void *src, nn_dtype st,
               size_t n, nn_error *err)
{
	if (dt >= NN_DTYPE_COUNT || st >= NN_DTYPE_COUNT)
		return nn_error_set(err, NN_EARG, "bad dtype");
	if (dt == NN_STR || st == NN_STR)
		return nn_error_set(err, NN_EDATA, "a str field holds text, not numbers");
	if (dt == st) {
		if (dst != src)
			memmove(dst, src, n * nn_dtype_size(dt));
		return 0;
	}
	/* The common cases, as plain loops the compiler vectorises. */
	if (dt == NN_F32 && st == NN_U8) {
		float *d = dst;
		const uint8_t *s = src;
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
		return 0;
	}
	if (dt == NN_F32 && st == NN_F64) {
		float *d = dst;
		const double *s = src;
		for (size_t i = 0; i < n; i++)
			d[i] = (float)s[i];
		return 0;
	}
	if (dt == NN_F64 && st == NN_F32) {
		double *d = dst;
		const float *s = src;
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
		return 0;
	}
	if (nn_dtype_is_float(dt))
		goto to_float;
	if (nn_dtype_is_float(st)) {
		/* 2^63 and 2^64 are exact doubles: compare against them with < */
		double lo = (double)int_min(dt);
		double top = ldexp(1.0, 8 * (int)nn_dtype_size(dt) - nn_dtype_is_signed(dt));
		for (size_t i = 0; i < n; i++) {
			double v = nn_load_f64(src, st, i);
			if (!(v >= lo && v < top) || v != floor(v))
				return nn_error_set(err, NN_EDATA,
				                    "element %zu (%.17g) is not a whole number in range of %s",
				                    i, v, nn_dtype_name(dt));
			if (nn_dtype_is_signed(dt))
				store_int(dst, dt, i, (uint64_t)(int64_t)v);
			else
				store_int(dst, dt, i, (uint64_t)v);
		}
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t bits;
		if (nn_dtype_is_signed(st)) {
			int64_t v = load_i64(src, st, i);
			if (v < int_min(dt) || (v > 0 && (uint64_t)v > int_max(dt)))
				return nn_error_set(err, NN_EDATA, "element %zu (%lld) out of range of %s",
				                    i, (long long)v, nn_dtype_name(dt));
			bits = (uint64_t)v;
		} else {
			bits = load_u64(src, st, i);
			if (bits > int_max(dt))
				return nn_error_set(err, NN_EDATA, "element %zu (%llu) out of range of %s",
				                    i, (unsigned long long)bits, nn_dtype_name(dt));
		}
		store_int(dst, dt, i, bits);
	}
	return 0;
to_float:
	for (size_t i = 0; i < n; i++)
		store(dst, dt, i, nn_load_f64(src, st, i));
	return 0;
}

static const uint64_t pow10_u64[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000, 10000000000, 100000000000, 1000000000000, 10000000000000,
	100000000000000, 1000000000000000,
};

/* An integer as text in buf (at least 21 bytes); returns the length. */
static int format_int(char *buf, uint64_t mag, int neg)
{
	char tmp[20];
	int n = 0, len = 0;

	do
		tmp[n++] = (char)('0' + mag % 10);
	while (mag /= 10);
	if (neg)
		buf[len++] = '-';
	while (n)
		buf[len++] = tmp[--n];
	buf[len] = 0;
	return len;
}

/* The decimal d × 10^e10 (d > 0), which reads back as v, as text in buf:
 * plain unless that takes more than four leading zeros (1e-05) or
 * trailing zeros that are not the value's own (1e+15f is really
 * 999999986991104; 1e+08f is exactly 100000000; nothing from 10^16 up is
 * written out), else as printf's %e would (d.ddde+XX, at least two
 * exponent digits).  Returns the length. */
static int layout_decimal(char *buf, int neg, uint64_t d, int e10, double v)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	/* Copies of fixed size compile to a few moves where ones of the exact
	 * size would call memcpy: tmp and out have room for the overshoot, and
	 * buf is NN_FLOAT_CHARS bytes. */
	char tmp[48], *dig = tmp + 24, out[64];
	int len = 0;

	while (d % 10 == 0) {
		d /= 10;
		e10++;
	}
	for (uint64_t t = d; t; t /= 100)           /* two digits at a time, last first */
		memcpy(dig -= 2, pairs + 2 * (t % 100), 2);
	dig += *dig == '0';
	int p = (int)(tmp + 24 - dig);              /* significant digits, at most 20 */
	int e = e10 + p - 1;                        /* the exponent of the first digit */
	if (neg)
		out[len++] = '-';
	if (e < -4 || (e10 > 0 && (e > 15 || (double)(d * pow10_u64[e10]) != fabs(v)))) {
		out[len] = dig[0];
		out[len + 1] = '.';
		memcpy(out + len + 2, dig + 1, 24);
		len += p > 1 ? p + 1 : 1;
		out[len++] = 'e';
		out[len++] = e < 0 ? '-' : '+';
		int a = abs(e);
		if (a >= 100)
			out[len++] = (char)('0' + a / 100);
		memcpy(out + len, pairs + 2 * (a % 100), 2);
		len += 2;
	} else if (e < 0) {                         /* 0.000ddd */
		memcpy(out + len, "0.000000", 8);
		len += 1 - e;
		memcpy(out + len, dig, 24);
		len += p;
	} else if (e10 < 0) {                       /* dd.ddd */
		memcpy(out + len, dig, 24);
		out[len + e + 1] = '.';
		memcpy(out + len + e + 2, dig + e + 1, 24);
		len += p + 1;
	} else {                                    /* ddd000 */
		memcpy(out + len, dig, 24);
		len += p;
		memset(out + len, '0', 16);
		len += e10;
	}
	out[len] = 0;
	memcpy(buf, out, NN_FLOAT_CHARS);
	return len;
}

/* v in the fewest significant digits that read back with strtof as v, the
 * closest to v of those (nn/shortest.h), laid out by layout_decimal; NaN,
 * infinities and whole numbers up to 2^24 (-0 as "-0") as format_f64 does
 * them.  Unlike the bisection of format_f64, which tries only the nearest
 * decimal of each length, this finds a shorter one where the rounding
 * interval is lopsided (v a power of two, the lower neighbour twice as
 * close): of all 2^32 floats that matters at ±2^-96, ±2^87 and ±2^90 only
 * (2^90 prints as 1.2379401e+27; 1.2379400e+27 is nearer but reads back
 * as the float below). */
static int format_f32(char *buf, float v)
{
	if (isnan(v))
		return (int)strlen(strcpy(buf, "nan"));
	if (isinf(v))
		return (int)strlen(strcpy(buf, v < 0 ? "-inf" : "inf"));
	if (v == rintf(v) && fabsf(v) <= 0x1p24f)
		return format_int(buf, (uint64_t)fabsf(v), signbit(v) != 0);
	int e10;
	uint32_t d = nn_shortest_f32(v, &e10);
	return layout_decimal(buf, signbit(v) != 0, d, e10, v);
}

/* v in the fewest significant digits that read back with strtod as v, in
 * buf (at least 32 bytes); returns the length.  The digits by bisection
 * over printf and strtod: doubles are rare in output, so the simple method
 * serves; floats take format_f32, which is much faster. */
static int format_f64(char *buf, double v)
{
	int p, e;

	if (isnan(v))
		return sprintf(buf, "nan");
	if (isinf(v))
		return sprintf(buf, v < 0 ? "-inf" : "inf");
	/* whole numbers where every integer is exact: the common case */
	if (v == rint(v) && fabs(v) <= 0x1p53)
		return format_int(buf, (uint64_t)fabs(v), signbit(v) != 0);
	/* The fewest digits that read back, by bisection: if p digits read
	 * back, so do p + 1 (the closest (p+1)-digit decimal is at least as
	 * close as the p-digit one with a 0 appended), and 17 always do. */
	int lo = 1, hi = 17;
	while (lo < hi) {
		p = (lo + hi) / 2;
		sprintf(buf, "%.*e", p - 1, v);
		if (strtod(buf, NULL) == v)
			hi = p;
		else
			lo = p + 1;
	}
	p = lo;
	sprintf(buf, "%.*e", p - 1, v);
	e = atoi(strchr(buf, 'e') + 1);
	/* plain unless it takes more than four leading zeros (1e-05) or
	 * trailing zeros that are not the value's own (1e+20; 1e+15 is
	 * exactly 1000000000000000) */
	if (e < -4 || (e > p - 1 && (e > 15 || strtod(buf, NULL) != v)))
		return (int)strlen(buf);
	return sprintf(buf, "%.*f", e < p - 1 ? p - 1 - e : 0, v);
}

/* Element i of a column of type t as text in buf (at least 32 bytes);
 * returns the length. */
int nn_format_elem(char *buf, const void *col, nn_dtype t, size_t i)
{
	const unsigned char *b = (const unsigned char *)col + i * nn_dtype_size(t);
	int64_t s;
	uint64_t u;
	float f;
	double d;

	switch (t) {
	case NN_F32: memcpy(&f, b, 4); return format_f32(buf, f);
	case NN_F64: memcpy(&d, b, 8); return format_f64(buf, d);
	case NN_U64: memcpy(&u, b, 8); return format_int(buf, u, 0);
	case NN_I64: memcpy(&s, b, 8); break;
	case NN_STR: return format_f64(buf, NAN);
	default: s = (int64_t)nn_load_f64(col, t, i); break;   /* exact */
	}
	return format_int(buf, s < 0 ? -(uint64_t)s : (uint64_t)s, s < 0);
}

int nn_format_f32(char *buf, float v) { return format_f32(buf, v); }
int nn_format_f64(char *buf, double v) { return format_f64(buf, v); }
