/* nn/xsum.h — exact sums of doubles, so that sums over shards, added in
 * any order and any grouping, are bit-identical to the sum over the whole.
 *
 * An nn_xsum is a fixed-point number wide enough for every finite double
 * and 2^64 of them: 32-bit limbs from 2^-1074 upwards, each held in an
 * int64 so that additions carry lazily.  Adding is exact (nothing is
 * rounded, bits below 2^-1074 excepted, which doubles do not have);
 * nn_xsum_value rounds the exact sum once, to nearest, so it depends only
 * on the exact value, never on the order of the additions.  560 bytes.
 */
#ifndef NN_XSUM_H
#define NN_XSUM_H

#include <stdint.h>

#define NN_XSUM_LIMBS 69               /* 2208 bits: 2^-1074 .. 2^1134 */

typedef struct nn_xsum {
	int64_t limb[NN_XSUM_LIMBS];       /* value = sum limb[i] 2^(32 i - 1074) */
	uint32_t pending;                  /* additions since the last carry pass */
} nn_xsum;

/* Zero: memset to 0 or this. */
void nn_xsum_init(nn_xsum *s);
/* s += v exactly; v finite (infinities and NaN are the caller's to refuse). */
void nn_xsum_add(nn_xsum *s, double v);
/* s += a b exactly (as two doubles, from fma); bits of the product below
 * 2^-1074 are dropped. */
void nn_xsum_add_product(nn_xsum *s, double a, double b);
/* s += t exactly. */
void nn_xsum_merge(nn_xsum *s, const nn_xsum *t);
/* s += c t exactly (c finite), bits below 2^-1074 dropped. */
void nn_xsum_add_scaled(nn_xsum *s, const nn_xsum *t, double c);
/* The carries done: every limb but the last in [0, 2^32).  The form is
 * unique for a value, so normalized sums can be compared or written. */
void nn_xsum_normalize(nn_xsum *s);
/* The sum rounded to the nearest double (±HUGE_VAL beyond the range). */
double nn_xsum_value(const nn_xsum *s);

#endif
