/* rng.c — xoshiro256** and the distributions nnpipe draws from. */
#include <math.h>
#include "nn/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void nn_rng_seed(nn_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ull);
	/* Mix the stream in twice so that (seed, stream) pairs that XOR to the
	 * same value still differ. */
	x = splitmix64(&x) + stream;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t nn_rng_u64(nn_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double nn_rng_uniform(nn_rng *r)
{
	return (double)(nn_rng_u64(r) >> 11) * 0x1.0p-53;
}

uint64_t nn_rng_below(nn_rng *r, uint64_t n)
{
	/* Lemire, "Fast random integer generation in an interval" (2019). */
	unsigned __int128 m = (unsigned __int128)nn_rng_u64(r) * n;
	uint64_t low = (uint64_t)m;
	if (low < n) {
		uint64_t threshold = (0 - n) % n;
		while (low < threshold) {
			m = (unsigned __int128)nn_rng_u64(r) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double nn_rng_normal(nn_rng *r)
{
	/* 1 - u is in (0, 1], so the log is finite. */
	double u1 = 1.0 - nn_rng_uniform(r);
	double u2 = nn_rng_uniform(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double nn_rng_gamma(nn_rng *r, double shape)
{
	if (shape < 1.0) {
		/* Gamma(a) = Gamma(a + 1) * U^(1/a). */
		double u = 1.0 - nn_rng_uniform(r);
		return nn_rng_gamma(r, shape + 1.0) * pow(u, 1.0 / shape);
	}
	double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
	for (;;) {
		double x, v;
		do {
			x = nn_rng_normal(r);
			v = 1.0 + c * x;
		} while (v <= 0.0);
		v = v * v * v;
		double u = 1.0 - nn_rng_uniform(r);
		if (u < 1.0 - 0.0331 * x * x * x * x)
			return d * v;
		if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v;
	}
}

double nn_rng_beta(nn_rng *r, double a, double b)
{
	double x = nn_rng_gamma(r, a), y = nn_rng_gamma(r, b);
	return x + y > 0 ? x / (x + y) : 0.5;
}

void nn_rng_shuffle(nn_rng *r, uint64_t *idx, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)nn_rng_below(r, i);
		uint64_t t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}

uint64_t nn_hash64(uint64_t seed, uint64_t x)
{
	uint64_t z = x ^ (seed * 0x9e3779b97f4a7c15ull);
	return splitmix64(&z);
}
