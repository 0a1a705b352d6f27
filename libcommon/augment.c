/* augment.c — nn-augment's row kernels (nn/augment.h). */
#include <string.h>
#include "nn/augment.h"

void nn_mix_f32(float *out, const float *a, const float *b, float lam, size_t n)
{
	for (size_t k = 0; k < n; k++)
		out[k] = lam * a[k] + (1.0f - lam) * b[k];
}

void nn_noise_f32(float *out, const float *a, float sigma, const float *z, size_t n)
{
	for (size_t k = 0; k < n; k++)
		out[k] = a[k] + sigma * z[k];
}

void nn_lerp_f32(float *out, const float *a, const float *b, float u, size_t n)
{
	for (size_t k = 0; k < n; k++)
		out[k] = a[k] + u * (b[k] - a[k]);
}

void nn_soft_label(float *out, size_t ncls, size_t a, size_t b, float lam)
{
	memset(out, 0, ncls * sizeof *out);
	out[a] = a == b ? 1.0f : lam;
	if (a != b)
		out[b] = 1.0f - lam;
}

float nn_sqdist_f32(const float *a, const float *b, size_t n)
{
	float lane[8] = { 0 }, d = 0;
	size_t e = 0;

	for (; e + 8 <= n; e += 8)
		for (int l = 0; l < 8; l++)
			lane[l] += (a[e + l] - b[e + l]) * (a[e + l] - b[e + l]);
	for (; e < n; e++)
		d += (a[e] - b[e]) * (a[e] - b[e]);
	for (int l = 0; l < 8; l++)
		d += lane[l];
	return d;
}

size_t nn_nearest_f32(const float *x, size_t n, size_t dim, size_t i, size_t k,
                      size_t *nb, float *dist)
{
	size_t have = 0;

	for (size_t j = 0; j < n; j++) {
		if (j == i)
			continue;
		float d = nn_sqdist_f32(x + i * dim, x + j * dim, dim);
		if (have == k && d >= dist[k - 1])
			continue;
		size_t p = have < k ? have++ : k - 1;
		while (p > 0 && dist[p - 1] > d) {   /* ties: the earlier row stays first */
			dist[p] = dist[p - 1];
			nb[p] = nb[p - 1];
			p--;
		}
		dist[p] = d;
		nb[p] = j;
	}
	return have;
}

void nn_quota_init(nn_quota *q, uint64_t count, uint64_t target)
{
	q->each = (target - count) / count;
	q->extra = (target - count) % count;
	q->left = count;
}

uint64_t nn_quota_take(nn_quota *q, nn_rng *r)
{
	uint64_t n = q->each;

	if (q->extra && nn_rng_below(r, q->left) < q->extra)
		n++, q->extra--;
	q->left--;
	return n;
}
