/* shortest.c — shortest round-trip decimals for floats (nn/shortest.h).
 *
 * Schubfach, written here for binary32 from the description in
 * R. Giulietti, "The Schubfach way to render doubles" (2020).
 *
 * A finite float is v = c 2^q.  The decimals that strtof reads as v fill
 * the rounding interval R between the midpoints to v's neighbours: in
 * units of 2^(q-2), from cbl = 4c - 2 to cbr = 4c + 2 around cb = 4c,
 * except that at a power of two (not the smallest normal, whose lower
 * neighbour is a subnormal as far away as its upper one) the lower
 * neighbour is twice as close: cbl = 4c - 1.  The ends belong to R when c
 * is even (ties round to even).
 *
 * Let k be the largest integer with 10^k <= the width of R (2^q, or
 * 3/4 2^q at a power of two).  Then R holds at least one multiple of 10^k
 * and at most one of 10^(k+1), so the shortest decimals in R are found
 * among four: u' = the multiple of 10^(k+1) just below v, w' = the one
 * just above, and u, w, the multiples of 10^k around v.  If u' or w' is
 * in R (only one can be) it is the answer; else whichever of u and w is
 * in R, the closer to v if both are, the even one if they are equally
 * close.  (Digits of u' or w' that end in zeros are dropped at the end.)
 *
 * All of this needs v 10^-k to a little over two fractional bits: vb is
 * 4 v 10^-k, vbl and vbr the ends, each as floor(x) with the last bit set
 * when x is not a whole number ("round to odd").  Comparisons of such a
 * value with the even numbers 4s, 4s + 2, 4s + 4, 40s' come out as for
 * the exact x.  10^-k comes from a table of 64-bit g(k) = ceil(10^-k 2^-r)
 * with r chosen to put g in [2^63, 2^64); the product g (cb 2^h) / 2^64,
 * where h = q + floor(log2 10^-k) + 1 is in 1..4, is then 4 v 10^-k.
 */
#include <stdint.h>
#include <string.h>
#include "nn/shortest.h"

/* floor(log10 2^q), floor(log10 (3/4 2^q)) and floor(log2 10^k) by fixed
 * point: exact for |q|, |k| up to about 1000 (checked against exact
 * rational arithmetic for the -151..106 and -50..50 used here). */
static inline int floor_log10_pow2(int q) { return (q * 1262611) >> 22; }
static inline int floor_log10_three_quarters_pow2(int q) { return (q * 1262611 - 524031) >> 22; }
static inline int floor_log2_pow10(int k) { return (k * 1741647) >> 19; }

/* g(k) for k = -31..45 (G_MIN..), from the one-line program
 * python3 -c 'from fractions import Fraction as F; import math; [print("0x%016x,"%math.ceil(x/F(2)**(e-63))) for x in (F(10)**k for k in range(-31,46)) for e in [x.numerator.bit_length()-x.denominator.bit_length()-(F(2)**(x.numerator.bit_length()-x.denominator.bit_length())>x)]]'
 * (e is floor(log2 10^k), so g = ceil(10^k 2^(63-e)) lies in [2^63, 2^64)). */
#define G_MIN (-31)
static const uint64_t g_table[] = {
	0x81ceb32c4b43fcf5, 0xa2425ff75e14fc32, 0xcad2f7f5359a3b3f,
	0xfd87b5f28300ca0e, 0x9e74d1b791e07e49, 0xc612062576589ddb,
	0xf79687aed3eec552, 0x9abe14cd44753b53, 0xc16d9a0095928a28,
	0xf1c90080baf72cb2, 0x971da05074da7bef, 0xbce5086492111aeb,
	0xec1e4a7db69561a6, 0x9392ee8e921d5d08, 0xb877aa3236a4b44a,
	0xe69594bec44de15c, 0x901d7cf73ab0acda, 0xb424dc35095cd810,
	0xe12e13424bb40e14, 0x8cbccc096f5088cc, 0xafebff0bcb24aaff,
	0xdbe6fecebdedd5bf, 0x89705f4136b4a598, 0xabcc77118461cefd,
	0xd6bf94d5e57a42bd, 0x8637bd05af6c69b6, 0xa7c5ac471b478424,
	0xd1b71758e219652c, 0x83126e978d4fdf3c, 0xa3d70a3d70a3d70b,
	0xcccccccccccccccd, 0x8000000000000000, 0xa000000000000000,
	0xc800000000000000, 0xfa00000000000000, 0x9c40000000000000,
	0xc350000000000000, 0xf424000000000000, 0x9896800000000000,
	0xbebc200000000000, 0xee6b280000000000, 0x9502f90000000000,
	0xba43b74000000000, 0xe8d4a51000000000, 0x9184e72a00000000,
	0xb5e620f480000000, 0xe35fa931a0000000, 0x8e1bc9bf04000000,
	0xb1a2bc2ec5000000, 0xde0b6b3a76400000, 0x8ac7230489e80000,
	0xad78ebc5ac620000, 0xd8d726b7177a8000, 0x878678326eac9000,
	0xa968163f0a57b400, 0xd3c21bcecceda100, 0x84595161401484a0,
	0xa56fa5b99019a5c8, 0xcecb8f27f4200f3a, 0x813f3978f8940985,
	0xa18f07d736b90be6, 0xc9f2c9cd04674edf, 0xfc6f7c4045812297,
	0x9dc5ada82b70b59e, 0xc5371912364ce306, 0xf684df56c3e01bc7,
	0x9a130b963a6c115d, 0xc097ce7bc90715b4, 0xf0bdc21abb48db21,
	0x96769950b50d88f5, 0xbc143fa4e250eb32, 0xeb194f8e1ae525fe,
	0x92efd1b8d0cf37bf, 0xb7abc627050305ae, 0xe596b7b0c643c71a,
	0x8f7e32ce7bea5c70, 0xb35dbf821ae4f38c,
};

/* floor(x), its last bit set if x is not whole, for x the exact product
 * of cp and the scale g stands for, over 2^64.  g exceeds that scale by
 * less than 1, so g cp exceeds the exact product by less than cp < 2^30,
 * and a remainder (below 2^64) that small means "whole": 2^33 leaves
 * room.  That assumes the exact product, when not a multiple of 2^64, is
 * never within 2^33 of one; rather than prove it, tests/tools/
 * check-shortest.c checks the outcome (shortest, closest, reads back) for
 * all 2^32 floats. */
static inline uint32_t round_to_odd(uint64_t g, uint32_t cp)
{
	unsigned __int128 p = (unsigned __int128)g * cp;
	return (uint32_t)(p >> 64) | ((uint64_t)p >> 33 != 0);
}

uint32_t nn_shortest_f32(float v, int *exp10)
{
	uint32_t bits;
	memcpy(&bits, &v, 4);
	uint32_t frac = bits & 0x7fffff, bexp = bits >> 23 & 0xff;
	uint32_t c = bexp ? frac | 0x800000 : frac;
	int q = bexp ? (int)bexp - 150 : -149;
	int closer_below = frac == 0 && bexp > 1;
	int accept = (c & 1) == 0;

	int k = closer_below ? floor_log10_three_quarters_pow2(q) : floor_log10_pow2(q);
	int h = q + floor_log2_pow10(-k) + 1;
	uint64_t g = g_table[-k - G_MIN];
	uint32_t vb = round_to_odd(g, (4 * c) << h);
	uint32_t lower = round_to_odd(g, (4 * c - 2 + (uint32_t)closer_below) << h) + !accept;
	uint32_t upper = round_to_odd(g, (4 * c + 2) << h) - !accept;
	uint32_t s = vb >> 2, sp = s / 10;

	/* Which of the four is in R decides at random for random data: select
	 * without branches.  s < 10 leaves u' = 0 out (s, s + 1 are then as
	 * short). */
	uint32_t up_in = lower <= 40 * sp, wp_in = 40 * sp + 40 <= upper;
	uint32_t u_in = lower <= 4 * s, w_in = 4 * s + 4 <= upper;
	uint32_t closer_up = vb > 4 * s + 2 || (vb == 4 * s + 2 && (s & 1));
	uint32_t shorter = (s >= 10) & (up_in | wp_in);     /* only one can be */
	uint32_t d_short = sp + wp_in;
	uint32_t d_near = s + (u_in != w_in ? w_in : closer_up);
	uint32_t d = shorter ? d_short : d_near;
	k += (int)shorter;
	while (d % 10 == 0) {
		d /= 10;
		k++;
	}
	*exp10 = k;
	return d;
}
