/* image.c — flips, shifts and rotations of one image (see nn/image.h). */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "nn/image.h"

void nn_image_flip_h(void *dst, const void *src, size_t h, size_t w, size_t c, size_t esize)
{
	size_t px = c * esize;
	unsigned char *d = dst;
	const unsigned char *s = src;

	for (size_t i = 0; i < h; i++, d += w * px, s += w * px) {
		if (px == 1) {
			for (size_t j = 0; j < w; j++)
				d[j] = s[w - 1 - j];
		} else if (px == 4) {
			uint32_t *d4 = (uint32_t *)(void *)d;
			const uint32_t *s4 = (const uint32_t *)(const void *)s;
			for (size_t j = 0; j < w; j++)
				d4[j] = s4[w - 1 - j];
		} else {
			for (size_t j = 0; j < w; j++)
				memcpy(d + j * px, s + (w - 1 - j) * px, px);
		}
	}
}

void nn_image_flip_v(void *dst, const void *src, size_t h, size_t w, size_t c, size_t esize)
{
	size_t line = w * c * esize;

	for (size_t i = 0; i < h; i++)
		memcpy((unsigned char *)dst + i * line, (const unsigned char *)src + (h - 1 - i) * line, line);
}

void nn_image_shift(void *dst, const void *src, size_t h, size_t w, size_t c, size_t esize,
                    long dx, long dy)
{
	size_t px = c * esize, line = w * px;
	long lw = (long)w, lh = (long)h;

	memset(dst, 0, h * line);
	if (dx >= lw || -dx >= lw || dy >= lh || -dy >= lh)
		return;
	/* destination columns [j0, j1) come from columns [j0-dx, j1-dx) */
	size_t j0 = dx > 0 ? (size_t)dx : 0, j1 = dx < 0 ? (size_t)(lw + dx) : w;
	for (long i = dy > 0 ? dy : 0; i < (dy < 0 ? lh + dy : lh); i++)
		memcpy((unsigned char *)dst + (size_t)i * line + j0 * px,
		       (const unsigned char *)src + (size_t)(i - dy) * line + (size_t)((long)j0 - dx) * px,
		       (j1 - j0) * px);
}

void nn_image_rotate_f32(float *dst, const float *src, size_t h, size_t w, size_t c,
                         double radians)
{
	double cs = cos(radians), sn = sin(radians);
	double cx = ((double)w - 1) / 2, cy = ((double)h - 1) / 2;

	if (radians == 0) {
		memcpy(dst, src, h * w * c * sizeof *dst);
		return;
	}
	for (size_t i = 0; i < h; i++) {
		double dy = (double)i - cy;
		for (size_t j = 0; j < w; j++) {
			double dx = (double)j - cx;
			/* where dst(i, j) comes from: the inverse rotation */
			double sx = cx + cs * dx - sn * dy, sy = cy + sn * dx + cs * dy;
			double fx0 = floor(sx), fy0 = floor(sy);
			float fx = (float)(sx - fx0), fy = (float)(sy - fy0);
			float wt[4] = { (1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy };
			long x0 = (long)fx0, y0 = (long)fy0;
			float *out = dst + (i * w + j) * c;
			for (size_t k = 0; k < c; k++)
				out[k] = 0;
			if (fx0 < -1 || fy0 < -1 || fx0 > (double)w || fy0 > (double)h)
				continue;
			for (int n = 0; n < 4; n++) {
				long x = x0 + (n & 1), y = y0 + (n >> 1);
				if (wt[n] == 0 || x < 0 || y < 0 || x >= (long)w || y >= (long)h)
					continue;
				const float *in = src + ((size_t)y * w + (size_t)x) * c;
				for (size_t k = 0; k < c; k++)
					out[k] += wt[n] * in[k];
			}
		}
	}
}
