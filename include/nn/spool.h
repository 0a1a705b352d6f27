/* nn/spool.h — unlinked temporary files for data read more than once
 * (a pipe read twice, the buckets of a shuffle): bounded memory at the
 * cost of disk, and nothing left behind whatever ends the program.
 */
#ifndef NN_SPOOL_H
#define NN_SPOOL_H

#include <stdio.h>
#include "nn/error.h"

/* A new empty file in dir (NULL or "" means $TMPDIR, else /tmp), named
 * after prefix while it exists and unlinked at once, open for reading and
 * writing.  NULL with NN_EIO (or NN_ENOMEM) on failure; the message names
 * the folder. */
FILE *nn_spool(const char *dir, const char *prefix, nn_error *err);

#endif
