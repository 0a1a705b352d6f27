/* nn/rowpack.h — one row of a batch's fields as one run of bytes, field
 * after field in schema order, for rows held or moved one at a time (a
 * shuffle's rows, SMOTE's held rows).  A field may be left out (skip). */
#ifndef NN_ROWPACK_H
#define NN_ROWPACK_H

#include <stddef.h>
#include "nn/stream.h"

/* The bytes of a packed row of s without field skip (-1: none). */
size_t nn_row_bytes(const nn_schema *s, int skip);
/* Row i of cols (cols[f]: rows of field f) into dst: returns the bytes. */
size_t nn_row_pack(const nn_schema *s, int skip, const void *const *cols, size_t i,
                   unsigned char *dst);
/* The other way: a packed row into row i of cols. */
size_t nn_row_unpack(const nn_schema *s, int skip, const unsigned char *src, void *const *cols,
                     size_t i);

#endif
