/* import_int.h — what the import_*.c files share: a buffered text source
 * with line counting, and the fast decimal scanner. */
#ifndef NN_IMPORT_INT_H
#define NN_IMPORT_INT_H

#include <stdint.h>
#include <string.h>
#include "nn/import.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define IMPORT_SWAR 1
#else
#define IMPORT_SWAR 0
#endif

#define TEXT_BLOCK (1u << 20)   /* bytes asked of the source at a time */
#define TEXT_FIRST (1u << 14)   /* the buffer's first size: small inputs stay small */

typedef struct textsrc {
	nn_source src;
	unsigned char *buf;
	size_t cap, pos, len;
	int eof;
	uint64_t total;         /* bytes read so far */
	uint64_t line;          /* line breaks consumed so far */
	int endings;            /* TEXT_ENDINGS_*: decided by the first line break */
} textsrc;

/* Line endings: LF or CRLF (the CR is a blank at the end of a line), or
 * CR alone (classic Mac OS, some spreadsheet exports), whose CRs the
 * source turns into LFs as it reads: a file of CR-only lines is never one
 * long line, nor zero rows. */
enum { TEXT_ENDINGS_UNKNOWN, TEXT_ENDINGS_LF, TEXT_ENDINGS_CR };

int text_init(textsrc *t, nn_source src, nn_error *err);
void text_free(textsrc *t);
/* Make sure buf[pos] is valid: 1, 0 at the end, -1 on a read error. */
int text_more(textsrc *t, nn_error *err);
/* One line [*p, *e) without its '\n', which is consumed (line counted),
 * the buffer holding it whole: 1, 0 at the end, -1.  A line longer than
 * NN_IMPORT_RECORD_MAX is an error naming the line. */
int text_line(textsrc *t, const char **p, const char **e, nn_error *err);
int text_skip_lines(textsrc *t, long long n, nn_error *err);

/* A short quoted copy of a value for messages: at most 40 bytes shown. */
const char *import_shorten(const char *s, char buf[48]);
const char *import_shorten_n(const char *s, size_t n, char buf[48]);

/* Decimal [+-] digits [. digits] [e [+-] digits] at [s, e) by the fast
 * path: returns the end of the number with *out exactly what strtof
 * gives, or NULL when the fast path cannot decide (not a plain decimal,
 * more than 19 significant digits, a large exponent, a value that double
 * rounding could get wrong) — the caller then takes the slow path. */
static const double import_pow10[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* SWAR digits (little-endian loads): are the 8 bytes of v all '0'..'9',
 * and their value as a decimal number. */
static inline int import_eight_digits(uint64_t v)
{
	return ((v & 0xF0F0F0F0F0F0F0F0u) |
	        (((v + 0x0606060606060606u) & 0xF0F0F0F0F0F0F0F0u) >> 4)) == 0x3333333333333333u;
}

static inline uint64_t import_parse_eight(uint64_t v)
{
	v = (v & 0x0F0F0F0F0F0F0F0Fu) * 2561 >> 8;
	v = (v & 0x00FF00FF00FF00FFu) * 6553601 >> 16;
	return (v & 0x0000FFFF0000FFFFu) * 42949672960001u >> 32;
}

static inline const char *import_scan_f32(const char *s, const char *e, float *out)
{
	const char *p = s;
	uint64_t m = 0;
	int nd = 0, ex = 0, any = 0, neg = 0;
	double d;
	uint64_t bits;

	if (p < e && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	for (; p < e && (unsigned)(*p - '0') < 10; p++) {
		unsigned dg = (unsigned)(*p - '0');
		any = 1;
		if (m == 0 && dg == 0)
			continue;
		if (nd == 19)
			return NULL;
		m = m * 10 + dg;
		nd++;
	}
	if (p < e && *p == '.') {
		uint64_t v;
		p++;
		/* Eight digits at a time while they last (nd may count leading
		 * zeros here: it only has to bound m below 10^19). */
		while (IMPORT_SWAR && nd <= 11 && e - p >= 8 && (memcpy(&v, p, 8), import_eight_digits(v))) {
			m = m * 100000000 + import_parse_eight(v);
			nd += 8;
			ex -= 8;
			any = 1;
			p += 8;
		}
		for (; p < e && (unsigned)(*p - '0') < 10; p++) {
			unsigned dg = (unsigned)(*p - '0');
			any = 1;
			ex--;
			if (m == 0 && dg == 0)
				continue;
			if (nd == 19)
				return NULL;
			m = m * 10 + dg;
			nd++;
		}
	}
	if (!any)
		return NULL;
	if (p < e && (*p == 'e' || *p == 'E')) {
		int eneg = 0, ev = 0;
		const char *q = p + 1;
		if (q < e && (*q == '-' || *q == '+'))
			eneg = *q++ == '-';
		if (!(q < e && (unsigned)(*q - '0') < 10))
			return NULL;
		for (; q < e && (unsigned)(*q - '0') < 10; q++)
			if (ev < 100000)
				ev = ev * 10 + (*q - '0');
		ex += eneg ? -ev : ev;
		p = q;
	}
	if (m == 0) {
		*out = neg ? -0.0f : 0.0f;
		return p;
	}
	/* Clinger: m and 10^|ex| are exact doubles, so one operation rounds
	 * once; the value lies in f32's normal range (1e-22 .. 9e37). */
	if (m > (1ull << 53) || ex < -22 || ex > 22)
		return NULL;
	d = ex >= 0 ? (double)m * import_pow10[ex] : (double)m / import_pow10[-ex];
	/* Rounding again to f32 is exact unless d sits on a midpoint between
	 * two floats (the low 29 of its 52 fraction bits 1000...0). */
	memcpy(&bits, &d, 8);
	if ((bits & 0x1fffffffu) == 0x10000000u)
		return NULL;
	*out = neg ? -(float)d : (float)d;
	return p;
}

#endif
