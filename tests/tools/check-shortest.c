/* check-shortest.c — nn_format_f32 over all 2^32 float bit patterns.
 *
 * Not part of make check (it takes minutes).  Build and run from the top
 * of the tree, after make:
 *
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Iinclude tests/tools/check-shortest.c \
 *      build/libcommon.a -lm -lpthread -o build/check-shortest
 *   nice build/check-shortest [THREADS [FIRST COUNT]]
 *
 * THREADS defaults to 2; FIRST and COUNT pick blocks of 65536 positive
 * patterns (and their negatives) for a partial run: block b starts at
 * bits b << 16, so "2 0x6c80 1" checks 2^90 onwards.
 *
 * For every positive finite float v, with our text read as the decimal
 * D × 10^E (D without trailing zeros, p digits):
 * - it reads back: strtof gives v's bits;
 * - it is shortest: with F = floor(D / 10), neither F × 10^(E+1) nor
 *   (F + 1) × 10^(E+1) reads back as v.  That is exact: those two are the
 *   (p-1)-digit decimals around D × 10^E; if one of them lay between v and
 *   D × 10^E it would be in the rounding interval (an interval holding v
 *   and our text) and read back, so unless the check fails they bracket
 *   v, and every other (p-1)-digit decimal lies beyond one of them, further
 *   from v, outside the interval too;
 * - it is the closest of its length: printf's nearest p-digit decimal
 *   (exact, ties to even) is our text when it reads back; when it does
 *   not, ours is the nearest p-digit decimal on v's other side (printf
 *   under fesetround toward that side).
 * NaN must print as nan, infinities as inf and -inf; every negative
 * pattern as "-" and the text of its magnitude (-0 included).
 *
 * Prints the counts, the failures (the first 20), and the floats whose
 * nearest p-digit decimal does not read back: there the bisection that
 * nn_format_f32 replaced needed a digit more.
 */
#include <fenv.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nn/tensor.h"

#define BLOCK (1u << 16)

static atomic_uint next_block;
static uint32_t last_block = 0x80000000u / BLOCK;
static atomic_long n_checked, n_failed, n_differ, n_nan, n_inf;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static void fail(uint32_t bits, const char *what, const char *text)
{
	if (atomic_fetch_add(&n_failed, 1) < 20) {
		pthread_mutex_lock(&print_lock);
		float v;
		memcpy(&v, &bits, 4);
		printf("FAIL 0x%08x (%a): %s: '%s'\n", bits, (double)v, what, text);
		pthread_mutex_unlock(&print_lock);
	}
}

/* The decimal of a number's text as digits d (no trailing zeros) and the
 * exponent of the last; returns the digit count. */
static int parse_decimal(const char *s, uint64_t *d, int *e10)
{
	uint64_t v = 0;
	int n = 0, after_point = 0, seen_point = 0, exp = 0;

	if (*s == '-')
		s++;
	for (; *s && *s != 'e'; s++) {
		if (*s == '.') {
			seen_point = 1;
			continue;
		}
		if (v || *s != '0') {
			v = v * 10 + (uint64_t)(*s - '0');
			n++;
		}
		after_point += seen_point;
	}
	if (*s == 'e')
		exp = atoi(s + 1);
	exp -= after_point;
	while (v && v % 10 == 0) {
		v /= 10;
		n--;
		exp++;
	}
	*d = v;
	*e10 = exp;
	return n;
}

static float read_decimal(uint64_t d, int e10)
{
	char buf[40];
	snprintf(buf, sizeof buf, "%llue%d", (unsigned long long)d, e10);
	return strtof(buf, NULL);
}

static int same(float a, uint32_t bits)
{
	uint32_t u;
	memcpy(&u, &a, 4);
	return u == bits;
}

static void check(uint32_t bits)
{
	char text[NN_FLOAT_CHARS], neg[NN_FLOAT_CHARS], near[48];
	float v;
	memcpy(&v, &bits, 4);
	float mv = -v;
	nn_format_f32(text, v);
	nn_format_f32(neg, mv);
	if (neg[0] != '-' && !isnan(v))
		fail(bits | 0x80000000u, "no minus sign", neg);
	if (isnan(v)) {
		atomic_fetch_add(&n_nan, 1);
		if (strcmp(text, "nan") || strcmp(neg, "nan"))
			fail(bits, "NaN", text);
		return;
	}
	if (isinf(v)) {
		atomic_fetch_add(&n_inf, 1);
		if (strcmp(text, "inf") || strcmp(neg, "-inf"))
			fail(bits, "infinity", text);
		return;
	}
	if (strcmp(neg + 1, text))
		fail(bits | 0x80000000u, "not minus the magnitude's text", neg);
	if (!same(strtof(text, NULL), bits)) {
		fail(bits, "does not read back", text);
		return;
	}
	uint64_t d;
	int e10, p = parse_decimal(text, &d, &e10);
	if (p == 0)                                  /* zero: "0" */
		return;
	if (p > 1 && (same(read_decimal(d / 10, e10 + 1), bits) ||
	              same(read_decimal(d / 10 + 1, e10 + 1), bits)))
		fail(bits, "a digit fewer reads back", text);
	snprintf(near, sizeof near, "%.*e", p - 1, (double)v);
	if (!same(strtof(near, NULL), bits)) {
		atomic_fetch_add(&n_differ, 1);
		pthread_mutex_lock(&print_lock);
		printf("shorter than the bisection: 0x%08x %s (nearest %d-digit %s)\n", bits, text, p, near);
		pthread_mutex_unlock(&print_lock);
		fesetround(strtod(near, NULL) > (double)v ? FE_DOWNWARD : FE_UPWARD);
		snprintf(near, sizeof near, "%.*e", p - 1, (double)v);
		fesetround(FE_TONEAREST);
	}
	uint64_t nd;
	int ne;
	parse_decimal(near, &nd, &ne);
	if (nd != d || ne != e10)
		fail(bits, "not the closest of its length", text);
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		uint32_t b = atomic_fetch_add(&next_block, 1);
		if (b >= last_block)
			return NULL;
		for (uint32_t i = 0; i < BLOCK; i++)
			check(b * BLOCK + i);
		atomic_fetch_add(&n_checked, 2 * BLOCK);
		if (b % 1024 == 1023)
			fprintf(stderr, "%u/32768 blocks\n", b + 1);
	}
}

int main(int argc, char **argv)
{
	int nt = argc > 1 ? atoi(argv[1]) : 2;
	if (argc > 3) {                              /* a partial run */
		atomic_store(&next_block, (unsigned)strtoul(argv[2], NULL, 0));
		last_block = atomic_load(&next_block) + (uint32_t)strtoul(argv[3], NULL, 0);
	}
	pthread_t t[64];
	struct timespec t0, t1;
	if (nt < 1 || nt > 64)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < nt; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%ld bit patterns checked (%ld NaN, %ld infinite), %ld failed, "
	       "%ld shorter than the bisection, %.0f s on %d threads\n",
	       atomic_load(&n_checked), atomic_load(&n_nan) * 2, atomic_load(&n_inf) * 2,
	       atomic_load(&n_failed), atomic_load(&n_differ),
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9, nt);
	return atomic_load(&n_failed) != 0;
}
