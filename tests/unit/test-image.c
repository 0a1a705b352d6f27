/* test-image.c — flips, shifts and rotations against values worked out by
 * hand, on one channel and on several. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "nn/image.h"
#include "check.h"

static void test_flips(void)
{
	/* 2x3:  1 2 3      flip-h: 3 2 1    flip-v: 4 5 6
	 *       4 5 6              6 5 4            1 2 3 */
	const uint8_t img[6] = { 1, 2, 3, 4, 5, 6 };
	const uint8_t want_h[6] = { 3, 2, 1, 6, 5, 4 }, want_v[6] = { 4, 5, 6, 1, 2, 3 };
	uint8_t out[6];
	nn_image_flip_h(out, img, 2, 3, 1, 1);
	CHECK(!memcmp(out, want_h, 6), "flip-h of a 2x3 u8 image mirrors each row");
	nn_image_flip_v(out, img, 2, 3, 1, 1);
	CHECK(!memcmp(out, want_v, 6), "flip-v of a 2x3 u8 image swaps the rows");

	const float f[6] = { 1, 2, 3, 4, 5, 6 }, fh[6] = { 3, 2, 1, 6, 5, 4 };
	float fo[6];
	nn_image_flip_h(fo, f, 2, 3, 1, sizeof(float));
	CHECK(!memcmp(fo, fh, sizeof fo), "flip-h of f32 moves whole floats");

	/* 1x2 pixels of 3 channels: the channels of a pixel stay together */
	const int16_t rgb[6] = { 1, 2, 3, 4, 5, 6 }, rgb_h[6] = { 4, 5, 6, 1, 2, 3 };
	int16_t ro[6];
	nn_image_flip_h(ro, rgb, 1, 2, 3, sizeof(int16_t));
	CHECK(!memcmp(ro, rgb_h, sizeof ro), "flip-h of [1,2,3] i16 keeps each pixel's channels");
	const double d[4] = { 1, 2, 3, 4 }, dh[4] = { 2, 1, 4, 3 };
	double dout[4];
	nn_image_flip_h(dout, d, 2, 2, 1, sizeof(double));
	CHECK(!memcmp(dout, dh, sizeof dout), "flip-h of f64 (pixel of 8 bytes)");
}

static void test_shift(void)
{
	/* 3x3: 1 2 3 / 4 5 6 / 7 8 9 shifted right 1 and up 1:
	 * dst(i,j) = src(i+1, j-1) -> 0 4 5 / 0 7 8 / 0 0 0 */
	const uint8_t img[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	const uint8_t want[9] = { 0, 4, 5, 0, 7, 8, 0, 0, 0 };
	const uint8_t left_down[9] = { 0, 0, 0, 2, 3, 0, 5, 6, 0 };
	uint8_t out[9];
	nn_image_shift(out, img, 3, 3, 1, 1, 1, -1);
	CHECK(!memcmp(out, want, 9), "shift dx=1 dy=-1 moves right and up, zero fill");
	nn_image_shift(out, img, 3, 3, 1, 1, -1, 1);
	CHECK(!memcmp(out, left_down, 9), "shift dx=-1 dy=1 moves left and down");
	nn_image_shift(out, img, 3, 3, 1, 1, 0, 0);
	CHECK(!memcmp(out, img, 9), "shift by 0 copies");
	nn_image_shift(out, img, 3, 3, 1, 1, 3, 0);
	int zero = 1;
	for (int i = 0; i < 9; i++)
		zero &= out[i] == 0;
	CHECK(zero, "a shift by the whole width leaves zeros");
	const float f[4] = { 1, 2, 3, 4 }, fw[4] = { 0, 0, 0, 1 };
	float fo[4];
	nn_image_shift(fo, f, 2, 2, 1, sizeof(float), 1, 1);
	CHECK(!memcmp(fo, fw, sizeof fo), "shift of f32 [2,2] by (1,1)");
}

static void test_rotate(void)
{
	const float img[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	float out[9];
	nn_image_rotate_f32(out, img, 3, 3, 1, 0.0);
	CHECK(!memcmp(out, img, sizeof out), "rotation by 0 is the identity, bit for bit");

	/* 90 degrees counter-clockwise: the top row 1 2 3 becomes the left
	 * column read upwards: 3 6 9 / 2 5 8 / 1 4 7 */
	const float ccw[9] = { 3, 6, 9, 2, 5, 8, 1, 4, 7 };
	double worst = 0;
	nn_image_rotate_f32(out, img, 3, 3, 1, M_PI / 2);
	for (int i = 0; i < 9; i++)
		worst = fmax(worst, fabs(out[i] - ccw[i]));
	CHECK(worst < 1e-5, "rotation by +90 degrees turns counter-clockwise (worst %g)", worst);

	/* 180 degrees = both flips */
	const float hv[9] = { 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	worst = 0;
	nn_image_rotate_f32(out, img, 3, 3, 1, M_PI);
	for (int i = 0; i < 9; i++)
		worst = fmax(worst, fabs(out[i] - hv[i]));
	CHECK(worst < 1e-5, "rotation by 180 degrees equals both flips (worst %g)", worst);

	/* 2x2 rotated by 45 degrees about (0.5, 0.5): dst(0,0) samples
	 * (x, y) = (0.5, 0.5 - sqrt(0.5)) = (0.5, -0.2071): row 0 halfway
	 * between 1 and 2 (1.5) with weight 0.7929, row -1 (outside, zero)
	 * with weight 0.2071 */
	const float sq[4] = { 1, 2, 3, 4 };
	float so[4];
	nn_image_rotate_f32(so, sq, 2, 2, 1, M_PI / 4);
	double fy = 0.5 - sqrt(0.5), want = 1.5 * (fy - floor(fy));
	CHECK(fabs(so[0] - want) < 1e-5, "rotation by 45 degrees interpolates bilinearly: %g, want %g",
	      so[0], want);

	/* channels rotate together */
	float rgb[18], rgbo[18], one[9], oneo[9];
	for (int i = 0; i < 9; i++) {
		rgb[2 * i] = img[i];
		rgb[2 * i + 1] = 10 * img[i];
		one[i] = img[i];
	}
	nn_image_rotate_f32(rgbo, rgb, 3, 3, 2, 0.3);
	nn_image_rotate_f32(oneo, one, 3, 3, 1, 0.3);
	int same = 1;
	for (int i = 0; i < 9; i++)
		same &= rgbo[2 * i] == oneo[i] && fabsf(rgbo[2 * i + 1] - 10 * oneo[i]) < 1e-4f;
	CHECK(same, "each channel of [3,3,2] rotates as a [3,3] image would");

	/* NaN reaches only the pixels whose neighbours include it */
	float nimg[25] = { 0 }, nout[25];
	nimg[0] = NAN;
	nn_image_rotate_f32(nout, nimg, 5, 5, 1, 0.1);
	CHECK(!isnan(nout[12]), "a NaN in a corner does not reach the centre");
}

int main(void)
{
	test_flips();
	test_shift();
	test_rotate();
	return check_done();
}
