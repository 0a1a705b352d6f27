/* test-shortest.c — nn_format_f32 (Schubfach, nn/shortest.h) against the
 * bisection over printf and strtof it replaced, kept here as the
 * reference.
 *
 * A value checked must (a) read back with strtof as the same bits, (b)
 * have no more significant digits than the reference, (c) be the
 * reference's text whenever the reference has no more digits.
 *
 * Hand-written cases, every power of two and of ten and their neighbours
 * go through all three against the reference itself.  So would the
 * sweeps (10 million seeded random bit patterns; every float in [1,2),
 * [2^-127,2^-126) and [2^100,2^101)), but the reference's printf and
 * strtof take about half a microsecond a value: 30 million would take
 * half a minute.  So every value of a sweep gets (a); every 8th (b) and
 * (c) by the reference's own question asked only where the answer is
 * decided: the reference takes the fewest digits p for which printf's
 * nearest p-digit decimal reads back, and that holds for every length
 * from there up (its comment says why).  With p our digit count, (b) holds
 * iff the nearest (p-1)-digit decimal does not read back, and the
 * reference has p digits too, so that (c) applies, iff the nearest p-digit
 * one does — (c) is then that it has our digits.  Every 96th value is also
 * compared as text with the reference itself, which checks the layout
 * (plain or 1e-05, the exactness rule).  The sweeps run on two threads.
 * tests/tools/check-shortest.c checks all 2^32 floats, slowly.
 */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/rng.h"
#include "nn/shortest.h"
#include "nn/tensor.h"
#include "check.h"

/* The reference: the bisection over printf and strtod (the method
 * format_f64 uses), with its format_int. */
static int ref_format_int(char *buf, uint64_t mag, int neg)
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

static int ref_format(char *buf, float vf)
{
	double v = vf;
	int p, e, maxp = 9;

	if (isnan(v))
		return sprintf(buf, "nan");
	if (isinf(v))
		return sprintf(buf, v < 0 ? "-inf" : "inf");
	if (v == rint(v) && fabs(v) <= 0x1p24)
		return ref_format_int(buf, (uint64_t)fabs(v), signbit(v) != 0);
	int lo = 1, hi = maxp;
	while (lo < hi) {
		p = (lo + hi) / 2;
		sprintf(buf, "%.*e", p - 1, v);
		if (strtof(buf, NULL) == (float)v)
			hi = p;
		else
			lo = p + 1;
	}
	p = lo;
	sprintf(buf, "%.*e", p - 1, v);
	e = atoi(strchr(buf, 'e') + 1);
	if (e < -4 || (e > p - 1 && (e > 15 || strtod(buf, NULL) != v)))
		return (int)strlen(buf);
	return sprintf(buf, "%.*f", e < p - 1 ? p - 1 - e : 0, v);
}

/* The significant digits of a number's text (no sign, point, leading or
 * trailing zeros, nor exponent) in dig; returns their count and sets *exp
 * to the exponent of the first one. */
static int sig_digits(const char *s, char *dig, int *exp)
{
	int n = 0, point = -1, first = -1, pos = 0;

	if (*s == '-')
		s++;
	for (; *s && *s != 'e'; s++) {
		if (*s == '.') {
			point = pos;
			continue;
		}
		if (*s != '0' && first < 0)
			first = pos;
		if (first >= 0)
			dig[n++] = *s;
		pos++;
	}
	if (point < 0)
		point = pos;
	while (n > 0 && dig[n - 1] == '0')
		n--;
	dig[n] = 0;
	*exp = (first < 0 ? 0 : point - first - 1) + (*s == 'e' ? atoi(s + 1) : 0);
	return n;
}

static int same_bits(float a, float b)
{
	return !memcmp(&a, &b, 4);
}

static float from_bits(uint32_t u)
{
	float f;
	memcpy(&f, &u, 4);
	return f;
}

/* (a), (b), (c) for v against the reference itself: -1 with a message in
 * why if one fails, else 1 if ours is shorter than the reference, else 0. */
static int check_full(float v, char *why, size_t size)
{
	char ours[NN_FLOAT_CHARS], ref[64], d1[24], d2[24];
	int e1, e2;
	int len = nn_format_f32(ours, v);
	ref_format(ref, v);
	if ((size_t)len != strlen(ours) || len >= NN_FLOAT_CHARS)
		return snprintf(why, size, "%a: length %d for '%s'", v, len, ours), -1;
	if (isnan(v))
		return strcmp(ours, "nan") ? snprintf(why, size, "NaN as '%s'", ours), -1 : 0;
	if (!same_bits(strtof(ours, NULL), v))
		return snprintf(why, size, "%a: '%s' does not read back", v, ours), -1;
	int n1 = sig_digits(ours, d1, &e1), n2 = sig_digits(ref, d2, &e2);
	if (n1 > n2)
		return snprintf(why, size, "%a: '%s' longer than the reference '%s'", v, ours, ref), -1;
	if (n1 == n2 && strcmp(ours, ref))
		return snprintf(why, size, "%a: '%s', the reference '%s'", v, ours, ref), -1;
	return n1 < n2;
}

/* (a), (b), (c) for v by the reference's own test at our length and one
 * less (see the top); returns as check_full. */
static int check_fast(float v, char *why, size_t size)
{
	char ours[NN_FLOAT_CHARS], near[40], d1[24], d2[24];
	int e1, e2;

	if (!isfinite(v) || (v == rintf(v) && fabsf(v) <= 0x1p24f))   /* not Schubfach's */
		return check_full(v, why, size);
	nn_format_f32(ours, v);
	if (!same_bits(strtof(ours, NULL), v))
		return snprintf(why, size, "%a: '%s' does not read back", v, ours), -1;
	int p = sig_digits(ours, d1, &e1);
	if (p > 1) {
		snprintf(near, sizeof near, "%.*e", p - 2, (double)v);
		if (strtof(near, NULL) == v)
			return snprintf(why, size, "%a: '%s' longer than the reference's '%s'", v, ours, near), -1;
	}
	snprintf(near, sizeof near, "%.*e", p - 1, (double)v);
	int n2 = sig_digits(near, d2, &e2);
	if (n2 == p && e2 == e1 && !strcmp(d1, d2))
		return 0;
	if (strtof(near, NULL) == v)
		return snprintf(why, size, "%a: '%s', the reference's digits '%s'", v, ours, near), -1;
	return 1;                                 /* the reference needs more digits */
}

/* (a) alone: -1 with a message in why, or 0. */
static int check_read_back(float v, char *why, size_t size)
{
	char ours[NN_FLOAT_CHARS];
	nn_format_f32(ours, v);
	if (isnan(v) ? strcmp(ours, "nan") : !same_bits(strtof(ours, NULL), v))
		return snprintf(why, size, "%a: '%s' does not read back", v, ours), -1;
	return 0;
}

/* A sweep: values from index lo to hi (exclusive) of a set, on two
 * threads; each value goes through check_read_back, every 8th through
 * check_fast instead and every 96th through check_full as well. */
struct sweep {
	uint32_t (*value)(uint64_t i);           /* bits of the set's i-th value */
	uint64_t lo, hi;
	long failed, checked, shorter;            /* shorter: than the reference */
	char why[160];
};

/* NN_TEST_STRIDE=K checks every K-th value only: make check-valgrind
 * sets it, as memory errors need the code paths, not 34 million values. */
static uint64_t stride = 1;

static void *sweep_run(void *arg)
{
	struct sweep *s = arg;
	char why[160];
	for (uint64_t i = (s->lo + stride - 1) / stride * stride; i < s->hi; i += stride) {
		float v = from_bits(s->value(i));
		int rc = i % 8 ? check_read_back(v, why, sizeof why) : check_fast(v, why, sizeof why);
		if (rc >= 0 && i % 96 == 0 && check_full(v, why, sizeof why) != rc)
			rc = -1;
		s->shorter += rc == 1;
		if (rc < 0 && !s->failed++)
			memcpy(s->why, why, sizeof why);
		s->checked++;
	}
	return NULL;
}

static long sweep(uint32_t (*value)(uint64_t), uint64_t n, char *why, long *checked, long *shorter)
{
	struct sweep part[2] = { { value, 0, n / 2, 0, 0, 0, "" }, { value, n / 2, n, 0, 0, 0, "" } };
	pthread_t t;
	int threaded = pthread_create(&t, NULL, sweep_run, &part[1]) == 0;
	sweep_run(&part[0]);
	if (threaded)
		pthread_join(t, NULL);
	else
		sweep_run(&part[1]);
	*checked = part[0].checked + part[1].checked;
	*shorter = part[0].shorter + part[1].shorter;
	strcpy(why, part[0].failed ? part[0].why : part[1].why);
	return part[0].failed + part[1].failed;
}

static uint32_t random_bits(uint64_t i) { return (uint32_t)nn_hash64(20260101, i); }
static uint32_t in_one_two(uint64_t i) { return 0x3f800000u + (uint32_t)i; }
static uint32_t subnormal_top(uint64_t i) { return 0x00400000u + (uint32_t)i; }
static uint32_t at_2_100(uint64_t i) { return 0x71800000u + (uint32_t)i; }

static void test_cases(void)
{
	static const struct { float v; const char *text; } cases[] = {
		{ 0.1f, "0.1" }, { 5.1f, "5.1" }, { 1 / 3.f, "0.33333334" }, { 0.3f, "0.3" },
		{ -2.5f, "-2.5" }, { 123.25f, "123.25" }, { 0.5f, "0.5" },
		{ 1e-5f, "1e-05" }, { 1.5e-5f, "1.5e-05" }, { 0.0001f, "0.0001" }, { 0.00015f, "0.00015" },
		{ -1e-10f, "-1e-10" }, { 1e-45f, "1e-45" }, { FLT_MIN, "1.1754944e-38" },
		{ FLT_MAX, "3.4028235e+38" }, { -FLT_MAX, "-3.4028235e+38" }, { 3e38f, "3e+38" },
		{ 16777216.f, "16777216" }, { 16777217.f, "16777216" }, { 16777218.f, "16777218" },
		{ 33554436.f, "33554436" }, { 67108872.f, "6.710887e+07" },
		{ 123456789.f, "1.2345679e+08" }, { 1e8f, "100000000" }, { 1e10f, "10000000000" },
		{ 1e15f, "1e+15" }, { 999999986991104.f, "1e+15" }, { 1e16f, "1e+16" },
		{ 0x1p40f, "1.0995116e+12" }, { 0x1p53f, "9.007199e+15" }, { 0x1p60f, "1.1529215e+18" },
		{ 1.5e9f, "1500000000" }, { 3.0e9f, "3000000000" }, { 9.5e15f, "9.5e+15" },
		{ 0x1p54f, "1.8014399e+16" }, { 0x1p-20f, "9.536743e-07" },
		{ 0.0f, "0" }, { -0.0f, "-0" }, { NAN, "nan" }, { -NAN, "nan" },
		{ INFINITY, "inf" }, { -INFINITY, "-inf" },
		/* powers of two where the reference takes a digit more */
		{ 0x1p90f, "1.2379401e+27" }, { -0x1p90f, "-1.2379401e+27" },
	};
	char buf[NN_FLOAT_CHARS], why[160];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		nn_format_f32(buf, cases[i].v);
		int bad = strcmp(buf, cases[i].text);
		if (!bad && cases[i].v != 0x1p90f && cases[i].v != -0x1p90f)
			bad = check_full(cases[i].v, why, sizeof why);
		CHECK(!bad, "%a prints as %s (%s)", cases[i].v, buf, cases[i].text);
	}
	char ref[64];
	ref_format(ref, 0x1p90f);
	CHECK(!strcmp(ref, "1.23794004e+27"), "the reference prints 2^90 with a digit more: %s", ref);

	int e;
	uint32_t d = nn_shortest_f32(1e-45f, &e);
	CHECK(d == 1 && e == -45, "nn_shortest_f32(2^-149) is 1e-45: %ue%d", d, e);
	d = nn_shortest_f32(-123.25f, &e);
	CHECK(d == 12325 && e == -2, "nn_shortest_f32(-123.25) is 12325e-2: %ue%d", d, e);
	d = nn_shortest_f32(1e20f, &e);
	CHECK(d == 1 && e == 20, "nn_shortest_f32(1e20f) is 1e20, trailing zeros dropped: %ue%d", d, e);
}

/* Every power of two and its neighbours, every float nearest a power of
 * ten and its neighbours, against the reference's text; the powers of two
 * where ours is shorter are counted and the first few shown. */
static void test_boundaries(void)
{
	char why[160], ours[NN_FLOAT_CHARS], ref[64];
	long bad = 0, n = 0, shorter = 0, shorter_elsewhere = 0;
	for (int p2 = -149; p2 <= 127; p2++) {
		float v = ldexpf(1, p2);
		float around[] = { v, -v, nextafterf(v, 0), nextafterf(v, INFINITY) };
		for (int j = 0; j < 4; j++, n++) {
			int rc = check_full(around[j], why, sizeof why);
			if (rc < 0 && !bad++)
				printf("# %s\n", why);
			if (rc == 1 && j == 0 && shorter++ < 5) {
				nn_format_f32(ours, v);
				ref_format(ref, v);
				printf("# 2^%d: %s, the reference %s\n", p2, ours, ref);
			}
			shorter_elsewhere += rc == 1 && j >= 2;
		}
	}
	for (int k = -45; k <= 38; k++) {
		snprintf(ref, sizeof ref, "1e%d", k);
		float v = strtof(ref, NULL);
		float around[] = { v, nextafterf(v, 0), nextafterf(v, INFINITY), nextafterf(nextafterf(v, 0), 0) };
		for (int j = 0; j < 4; j++, n++) {
			int rc = check_full(around[j], why, sizeof why);
			if (rc < 0 && !bad++)
				printf("# %s\n", why);
			shorter_elsewhere += rc == 1 && v != ldexpf(1, ilogbf(v));
		}
	}
	CHECK(bad == 0, "%ld values at powers of two and of ten and beside them: read back, "
	      "no longer than and else the same as the reference", n);
	CHECK(shorter > 0 && shorter < 277 && shorter_elsewhere == 0,
	      "%ld of the 277 powers of two print a digit shorter than the reference, "
	      "nothing else does (%ld)", shorter, shorter_elsewhere);
}

static void test_sweeps(void)
{
	static const struct { uint32_t (*value)(uint64_t); uint64_t n; const char *what; } sets[] = {
		{ random_bits, 10000000, "10 million seeded random bit patterns" },
		{ in_one_two, 1u << 23, "every float in [1,2)" },
		{ subnormal_top, 1u << 22, "every float in [2^-127,2^-126) (subnormal)" },
		{ at_2_100, 1u << 23, "every float in [2^100,2^101)" },
	};
	char why[160];
	long checked, shorter;
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		long bad = sweep(sets[i].value, sets[i].n, why, &checked, &shorter);
		if (bad)
			printf("# %ld failed, the first: %s\n", bad, why);
		printf("# %s: %ld shorter than the reference\n", sets[i].what, shorter);
		CHECK(bad == 0 && (uint64_t)checked == (sets[i].n + stride - 1) / stride, "%s: read back, no longer than and "
		      "else the same as the reference (%ld checked)", sets[i].what, checked);
	}
}

int main(void)
{
	const char *e = getenv("NN_TEST_STRIDE");
	if (e && atoi(e) > 1)
		stride = (uint64_t)atoi(e);
	test_cases();
	test_boundaries();
	test_sweeps();
	return check_done();
}
