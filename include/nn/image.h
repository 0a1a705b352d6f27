/* nn/image.h — geometric transforms of one image, for augmentation.
 *
 * An image is h rows of w pixels of c channels, row-major ([H,W] is c = 1,
 * [H,W,C] keeps the channels of a pixel together), each element esize
 * bytes.  Flips and shifts move whole elements, so they work on any dtype
 * and are exact; rotation interpolates and works on floats.  Pixels that
 * come from outside the image are zero.  dst and src must not overlap.
 */
#ifndef NN_IMAGE_H
#define NN_IMAGE_H

#include <stddef.h>

/* Mirror left to right: dst(i, j) = src(i, w-1-j). */
void nn_image_flip_h(void *dst, const void *src, size_t h, size_t w, size_t c, size_t esize);
/* Mirror top to bottom: dst(i, j) = src(h-1-i, j). */
void nn_image_flip_v(void *dst, const void *src, size_t h, size_t w, size_t c, size_t esize);
/* Translate by dx columns (positive: to the right) and dy rows (positive:
 * down): dst(i, j) = src(i-dy, j-dx), zero where that is outside. */
void nn_image_shift(void *dst, const void *src, size_t h, size_t w, size_t c, size_t esize,
                    long dx, long dy);
/* Rotate by `radians` about the centre ((w-1)/2, (h-1)/2), counter-
 * clockwise as displayed (rows going down), with bilinear interpolation
 * and zero outside.  An angle of 0 copies exactly.  Coordinates in
 * double, values in float; a neighbour with weight 0 is not read, so a NaN
 * spreads only to the pixels it actually touches. */
void nn_image_rotate_f32(float *dst, const float *src, size_t h, size_t w, size_t c,
                         double radians);

#endif
