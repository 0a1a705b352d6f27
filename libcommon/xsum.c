/* xsum.c — exact sums of doubles (nn/xsum.h). */
#include <math.h>
#include <string.h>
#include "nn/xsum.h"

#define BIAS 1074                       /* limb 0 holds 2^-1074 .. 2^-1043 */

void nn_xsum_init(nn_xsum *s)
{
	memset(s, 0, sizeof *s);
}

void nn_xsum_normalize(nn_xsum *s)
{
	for (int i = 0; i < NN_XSUM_LIMBS - 1; i++) {
		int64_t carry = s->limb[i] >> 32;          /* floor: arithmetic shift */
		s->limb[i] -= carry * ((int64_t)1 << 32);
		s->limb[i + 1] += carry;
	}
	s->pending = 0;
}

/* s += sign * mant * 2^(pos - BIAS), mant < 2^53, pos >= 0. */
static void add_bits(nn_xsum *s, int negative, uint64_t mant, int pos)
{
	if (!mant)
		return;
	if (pos < 0) {                                  /* below the last limb: dropped */
		if (pos <= -64)
			return;
		mant >>= -pos;
		pos = 0;
	}
	int k = pos / 32, sh = pos % 32;
	unsigned __int128 x = (unsigned __int128)mant << sh;
	int64_t part[3] = { (int64_t)(uint32_t)x, (int64_t)(uint32_t)(x >> 32), (int64_t)(uint32_t)(x >> 64) };
	for (int j = 0; j < 3 && k + j < NN_XSUM_LIMBS; j++)
		s->limb[k + j] += negative ? -part[j] : part[j];
	/* each limb moved by less than 2^32: 2^30 additions fit in an int64 */
	if (++s->pending >= (1u << 30))
		nn_xsum_normalize(s);
}

/* v = sign * mant * 2^(exp2), mant < 2^53 */
static void split(double v, int *negative, uint64_t *mant, int *exp2)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	*negative = (int)(bits >> 63);
	int e = (int)((bits >> 52) & 0x7ff);
	*mant = bits & (((uint64_t)1 << 52) - 1);
	if (e) {
		*mant |= (uint64_t)1 << 52;
		*exp2 = e - 1075;
	} else {
		*exp2 = -1074;                             /* subnormal */
	}
}

static void add_at(nn_xsum *s, double v, int shift)
{
	int negative, e;
	uint64_t mant;
	if (v == 0 || !isfinite(v))
		return;
	split(v, &negative, &mant, &e);
	add_bits(s, negative, mant, e + shift + BIAS);
}

void nn_xsum_add(nn_xsum *s, double v)
{
	add_at(s, v, 0);
}

void nn_xsum_add_product(nn_xsum *s, double a, double b)
{
	double hi = a * b, lo = fma(a, b, -hi);        /* a b = hi + lo exactly */
	add_at(s, hi, 0);
	add_at(s, lo, 0);
}

void nn_xsum_merge(nn_xsum *s, const nn_xsum *t)
{
	nn_xsum u = *t;
	nn_xsum_normalize(&u);
	nn_xsum_normalize(s);
	for (int i = 0; i < NN_XSUM_LIMBS; i++)
		s->limb[i] += u.limb[i];
	s->pending = 1;
}

void nn_xsum_add_scaled(nn_xsum *s, const nn_xsum *t, double c)
{
	nn_xsum u = *t;
	nn_xsum_normalize(&u);
	for (int i = 0; i < NN_XSUM_LIMBS; i++) {
		if (!u.limb[i])
			continue;
		/* limb i times c: an exact double times c, as hi + lo, at 2^(32 i) */
		double l = (double)u.limb[i], hi = l * c, lo = fma(l, c, -hi);
		add_at(s, hi, 32 * i - BIAS);
		add_at(s, lo, 32 * i - BIAS);
	}
}

double nn_xsum_value(const nn_xsum *s)
{
	nn_xsum u = *s;
	nn_xsum_normalize(&u);
	int negative = u.limb[NN_XSUM_LIMBS - 1] < 0;
	if (negative) {                                 /* the magnitude, normalized */
		for (int i = 0; i < NN_XSUM_LIMBS; i++)
			u.limb[i] = -u.limb[i];
		nn_xsum_normalize(&u);
	}
	int h = NN_XSUM_LIMBS - 1;
	while (h > 0 && !u.limb[h])
		h--;
	/* The top three limbs (65 bits at least) and a sticky bit for the
	 * rest round to nearest as the exact value would. */
	unsigned __int128 top = 0;
	int low = h >= 2 ? h - 2 : 0;
	for (int i = h; i >= low; i--)
		top = top << 32 | (uint32_t)u.limb[i];
	int sticky = 0;
	for (int i = 0; i < low; i++)
		sticky |= u.limb[i] != 0;
	top |= (unsigned __int128)sticky;
	double v = ldexp((double)top, 32 * low - BIAS);
	return negative ? -v : v;
}
