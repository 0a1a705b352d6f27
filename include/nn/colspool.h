/* nn/colspool.h — rows of fixed-width columns kept on disk and read back,
 * each column straight to where the reader wants it.
 *
 * For a program that must see its whole input before it can write the
 * header of its output (nn-import learns the kind of its labels only at
 * the end): the rows go to an unlinked file (nn/spool.h) in the pieces
 * they are put in, each piece column after column, and come back in any
 * number of rows at a time, every column read by the kernel into the
 * caller's place for it (a writer's batch, nn_writer_room): one copy out
 * and one copy back, none between.  Memory: 16 bytes per piece put.
 */
#ifndef NN_COLSPOOL_H
#define NN_COLSPOOL_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"

typedef struct nn_colspool nn_colspool;

/* A spool of ncols columns, column i taking width[i] bytes a row (at
 * least 1), in an unlinked file in dir (NULL: $TMPDIR, else /tmp) named
 * after prefix while it exists.  NULL on failure (NN_EIO naming the
 * folder, NN_ENOMEM, NN_EARG for no columns or a zero width). */
nn_colspool *nn_colspool_new(const char *dir, const char *prefix, size_t ncols,
                             const size_t *width, nn_error *err);
void nn_colspool_free(nn_colspool *s);                 /* NULL is fine */

/* Append rows: cols[i] holds rows * width[i] bytes of column i.  NN_EIO
 * ("temporary file: ...") when the disk refuses; NN_EARG after the first
 * nn_colspool_get. */
int nn_colspool_put(nn_colspool *s, const void *const *cols, size_t rows, nn_error *err);

/* The next `rows` rows, in the order put: column i to cols[i] (NULL: that
 * column passed over).  The first call ends the putting.  NN_EARG when
 * fewer rows are left; NN_EIO when the file reads back shorter than it
 * was written or a read fails. */
int nn_colspool_get(nn_colspool *s, void *const *cols, size_t rows, nn_error *err);

/* Rows put, and rows not yet got back. */
uint64_t nn_colspool_rows(const nn_colspool *s);
uint64_t nn_colspool_left(const nn_colspool *s);

#endif
