/* nn/rng.h — the one seeded random number generator every program uses.
 *
 * xoshiro256** (Blackman & Vigna, https://prng.di.unimi.it/), seeded through
 * splitmix64 so that any 64-bit seed, 0 included, gives a good state.  The
 * state is four words and plain data: a checkpoint saves it and a resumed
 * run continues the same sequence.  Every derived distribution below uses
 * only this generator and IEEE arithmetic, so the same seed gives the same
 * numbers on every machine (libm's log/cos/sqrt are the only outside
 * functions; glibc's are correctly rounded for these on x86_64).
 */
#ifndef NN_RNG_H
#define NN_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct nn_rng {
	uint64_t s[4];
} nn_rng;

/* Seed; stream picks an independent sequence for the same seed (e.g. one
 * per purpose: shuffling, dropout, augmentation), so adding a use of
 * randomness in one place does not change the numbers seen in another. */
void nn_rng_seed(nn_rng *r, uint64_t seed, uint64_t stream);

uint64_t nn_rng_u64(nn_rng *r);
/* Uniform in [0, 1), 53 random bits. */
double nn_rng_uniform(nn_rng *r);
/* Uniform integer in [0, n), without modulo bias (Lemire's method); n > 0. */
uint64_t nn_rng_below(nn_rng *r, uint64_t n);
/* Standard normal (Box–Muller; one value per call, nothing cached, so the
 * state is only s[]). */
double nn_rng_normal(nn_rng *r);
/* Gamma(shape, 1) for shape > 0 (Marsaglia & Tsang 2000), and
 * Beta(a, b) from two gammas. */
double nn_rng_gamma(nn_rng *r, double shape);
double nn_rng_beta(nn_rng *r, double a, double b);
/* Fisher–Yates shuffle of n indices. */
void nn_rng_shuffle(nn_rng *r, uint64_t *idx, size_t n);

/* A stateless 64-bit mix (splitmix64's finaliser) of seed and x: for
 * decisions that must not depend on order, such as assigning row i to a
 * split in one streaming pass. */
uint64_t nn_hash64(uint64_t seed, uint64_t x);

#endif
