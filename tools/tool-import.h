/* tools/tool-import.h — nn-import's plumbing, apart from its story
 * (tools/nn-import.c): the gzip-or-plain input the parsers read, rows
 * made in the writer's batch, the size of a batch.  Errors end the
 * program as tool.h's do, naming the input.
 */
#ifndef NN_TOOL_IMPORT_H
#define NN_TOOL_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include "nn/import.h"
#include "nn/importopts.h"
#include "tool.h"

/* Rows of row_bytes in a batch of NN_DEFAULT_BATCH_BYTES (at least 1). */
size_t tool_import_batch_rows(size_t row_bytes);
/* A new data schema with the program's provenance. */
nn_schema *tool_import_schema(int argc, char **argv);

/* The input (path NULL or "-": stdin), gzip-compressed or plain, as the
 * parsers' source. */
typedef struct tool_src { nn_gzin *gz; const char *path; } tool_src;
nn_source tool_src_open(tool_src *s, const char *path);
void tool_src_close(tool_src *s);

/* An idx or npy array (format f: NN_IMPORT_IDX or NN_IMPORT_NPY) of
 * path opened on s, and its end checked and s closed. */
void tool_array_open(nn_array *a, tool_src *s, const char *path, int f);
void tool_array_end(nn_array *a, tool_src *s, const char *path);

/* Rows made in the writer's batch: room for the next n of them (at most
 * max), each field's place in at; then tool_import_commit(w, n) appends
 * them. */
size_t tool_import_room(nn_writer *w, void **at, uint64_t max);
void tool_import_commit(nn_writer *w, size_t n);

#endif
