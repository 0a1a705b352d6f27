/* nn/tensor.h — element types and conversions between them.
 *
 * Every value in a stream is a fixed-width little-endian number of one of
 * these types, or text (NN_STR).  Conversions run in place of a cast; the
 * narrowing ones (float to integer, wide integer to narrow) check that
 * nothing is lost.
 *
 * NN_STR is text of a fixed width: a str field has the shape [W], and each
 * row holds exactly W bytes, UTF-8 text padded with NUL bytes to W (the
 * text itself holds no NUL; W from 1 to NN_MAX_STR_BYTES).  Rows of fixed
 * width move as any other field's do (numpy's 'S64', Arrow's
 * FixedSizeBinary), so every program that moves rows carries text with no
 * code of its own.  Text is never a number: nn_convert refuses it and
 * nn_load_f64 gives NaN.
 */
#ifndef NN_TENSOR_H
#define NN_TENSOR_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"

typedef enum nn_dtype {
	NN_U8, NN_I8, NN_U16, NN_I16, NN_U32, NN_I32, NN_U64, NN_I64,
	NN_F32, NN_F64,
	NN_STR,                    /* UTF-8 text padded with NUL bytes: see above */
	NN_DTYPE_COUNT
} nn_dtype;

size_t nn_dtype_size(nn_dtype t);             /* bytes per element */
const char *nn_dtype_name(nn_dtype t);        /* "u8" … "f64" */
int nn_dtype_parse(const char *name, nn_dtype *out); /* 0, or -1 if unknown */
int nn_dtype_is_float(nn_dtype t);
int nn_dtype_is_signed(nn_dtype t);
/* Numbers (every type but NN_STR)? */
int nn_dtype_is_numeric(nn_dtype t);

#define NN_MAX_STR_BYTES 4096   /* the widest str field: W bytes per row */

/* Are the rows of a str column well formed: each of its `rows` rows of
 * `width` bytes UTF-8 text (no overlong forms, no surrogates, nothing
 * above U+10FFFF) followed by NUL bytes only?  Returns SIZE_MAX if so,
 * else the index of the first bad row. */
size_t nn_str_check(const void *col, size_t width, size_t rows);
/* The text's length in a str row of `width` bytes: the bytes before the
 * first NUL. */
size_t nn_str_len(const void *row, size_t width);
/* Is [s, s + n) valid UTF-8 (as nn_str_check's rule, NUL allowed)? */
int nn_utf8_valid(const void *s, size_t n);

/* Element i of a buffer of type t, widened to double (exact for every type
 * but i64/u64 beyond 2^53; NaN for NN_STR). */
double nn_load_f64(const void *buf, nn_dtype t, size_t i);

/* Convert n elements from src (type st) to dst (type dt); src and dst must
 * not overlap unless they are the same buffer and type.  Float to float and
 * anything to float round to nearest.  Conversions that could lose a value
 * (a float that is not a whole number or out of range to an integer type,
 * an integer out of range of a narrower one) fail with NN_EDATA and name the
 * first offending element; dst is then unspecified.  Text (NN_STR) is not
 * converted to or from anything: NN_EDATA. */
int nn_convert(void *dst, nn_dtype dt, const void *src, nn_dtype st,
               size_t n, nn_error *err);

/* The shortest text that reads back (with strtof/strtod in the C locale)
 * as exactly v: "5.1" for the float nearest 5.1, not "5.0999999"; of the
 * shortest, the closest to v (nn_format_f32: Schubfach, nn/shortest.h).
 * nn_format_f64 takes the fewest digits whose nearest decimal reads back,
 * at a power of two sometimes a digit more than the shortest.  Whole
 * numbers up to 2^24 (f32) or 2^53 (f64) as integers, -0 as "-0"; else
 * plain notation unless that needs over four leading zeros (1e-05) or
 * zeros that are not the value's own (1e+20; 1e+15 for the f32
 * 999999986991104), exponents as printf's %e writes them.  NaN is
 * "nan", infinities "inf" and "-inf".  buf needs NN_FLOAT_CHARS bytes (all
 * of them may be written); returns the length. */
#define NN_FLOAT_CHARS 32
int nn_format_f32(char *buf, float v);
int nn_format_f64(char *buf, double v);
/* Element i of a column of type t as text: integers exactly, floats as
 * above.  Not for NN_STR (whose rows are text already): "nan". */
int nn_format_elem(char *buf, const void *col, nn_dtype t, size_t i);

#endif
