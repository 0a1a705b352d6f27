/* nn/tensor.h — element types and conversions between them.
 *
 * Every value in a stream is a fixed-width little-endian number of one of
 * these types.  Conversions run in place of a cast; the narrowing ones
 * (float to integer, wide integer to narrow) check that nothing is lost.
 */
#ifndef NN_TENSOR_H
#define NN_TENSOR_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"

typedef enum nn_dtype {
	NN_U8, NN_I8, NN_U16, NN_I16, NN_U32, NN_I32, NN_U64, NN_I64,
	NN_F32, NN_F64,
	NN_DTYPE_COUNT
} nn_dtype;

size_t nn_dtype_size(nn_dtype t);             /* bytes per element */
const char *nn_dtype_name(nn_dtype t);        /* "u8" … "f64" */
int nn_dtype_parse(const char *name, nn_dtype *out); /* 0, or -1 if unknown */
int nn_dtype_is_float(nn_dtype t);
int nn_dtype_is_signed(nn_dtype t);

/* Element i of a buffer of type t, widened to double (exact for every type
 * but i64/u64 beyond 2^53). */
double nn_load_f64(const void *buf, nn_dtype t, size_t i);

/* Convert n elements from src (type st) to dst (type dt); src and dst must
 * not overlap unless they are the same buffer and type.  Float to float and
 * anything to float round to nearest.  Conversions that could lose a value
 * (a float that is not a whole number or out of range to an integer type,
 * an integer out of range of a narrower one) fail with NN_EDATA and name the
 * first offending element; dst is then unspecified. */
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
 * above. */
int nn_format_elem(char *buf, const void *col, nn_dtype t, size_t i);

#endif
