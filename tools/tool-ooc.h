/* tools/tool-ooc.h — nn-train --memory: training rows read from their
 * file every epoch when they do not fit in SIZE bytes (nn-train(1),
 * "Out of core").  Errors end the program as tool.h's do.
 */
#ifndef NN_TOOL_OOC_H
#define NN_TOOL_OOC_H

#include "nn/mlp.h"
#include "nn/ooc.h"
#include "tool-train.h"

typedef struct tool_ooc tool_ooc;

/* Read the training stream r (named path, task t: t->nclasses may still
 * be 0) into tr as nn_dataset_load does while it fits in T->memory
 * bytes: returns NULL, and the caller goes on as without --memory.
 * Past that: returns the out-of-core state.  A file is read to its end
 * once (rows, CRC, classes, the rows held out for --val-size, which go
 * into val); a pipe is left where it is, to be read by the one pass.
 * tr keeps the layout (d, k, dtype) and no rows. */
tool_ooc *tool_ooc_load(tool_train *T, nn_reader *r, const char *path, const nn_task *t, nn_dataset *tr,
                        nn_dataset *val);

int tool_ooc_pipe(const tool_ooc *O);          /* one pass only */
uint64_t tool_ooc_rows(const tool_ooc *O);     /* training rows (a pipe: read so far) */
uint32_t tool_ooc_crc(const tool_ooc *O);      /* of the input's x and y bytes (a pipe: so far) */
/* The training rows of each class (a pipe: of the rows read so far). */
const uint64_t *tool_ooc_class_counts(const tool_ooc *O);
/* Set the classes the later rows must be in (a pipe's). */
void tool_ooc_set_classes(tool_ooc *O, size_t nclasses);

/* Start an epoch with this generator (NULL: input order), skipping the
 * first `skip` batches (a resumed epoch). */
void tool_ooc_begin(tool_ooc *O, nn_rng *rng, size_t skip);
/* The epoch's next batch and its index (rows 0..n), or NULL at its end.
 * A pipe's held-out rows join val as they come. */
const nn_dataset *tool_ooc_next(tool_ooc *O, const uint64_t **idx, nn_dataset *val);
/* Mean loss and accuracy of net over the training rows, read again;
 * returns 0, or -1 for a pipe (nothing to read again). */
int tool_ooc_evaluate(tool_ooc *O, const nn_mlp *net, nn_mlp_work *w, size_t chunk, int classification,
                      float *tb, double *loss, double *acc);

#endif
