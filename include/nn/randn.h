/* nn/randn.h — many standard normal numbers, fast and reproducible.
 *
 * nn_rng_normal (rng.h) calls libm's log and cos for every value: right
 * for a few draws, slow for noise on every pixel of a data set.  This fills
 * a float array with the Box–Muller method, two values per 64-bit draw,
 * evaluating log, sin and cos with fixed float polynomials (Cephes') in
 * plain loops the compiler vectorises.  Only IEEE float arithmetic is used
 * (no libm, no fused multiply-add), so the same generator state gives the
 * same floats on every machine and with every compiler.
 *
 * Each pair uses one nn_rng_u64: 31 bits make the radius (so |z| < 6.7),
 * 22 bits the angle within a quadrant and 2 bits the quadrant.  The values
 * are accurate to a few float ulps of the exact transform of those bits.
 */
#ifndef NN_RANDN_H
#define NN_RANDN_H

#include <stddef.h>
#include "nn/rng.h"

/* Fill out[0..n) with standard normal values; draws (n + 1) / 2 words from
 * r (an odd n drops the last pair's second value). */
void nn_randn_f32(nn_rng *r, float *out, size_t n);

#endif
