/* nn/jsonget.h — one number out of a JSON document (nn-tune reads
 * nn-eval --json's report with it).
 *
 * The whole document is checked against RFC 8259 (nesting at most 64
 * deep, one value, nothing after it but white space); the number is the
 * value at a path of object keys joined by dots, "macro_avg.f1", read with
 * strtod's rounding (the shortest forms nn-eval writes read back exactly).
 * Keys holding a dot, escapes in keys and arrays on the path are not
 * looked through.
 */
#ifndef NN_JSONGET_H
#define NN_JSONGET_H

#include <stddef.h>
#include "nn/error.h"

/* 0 and *out; NN_EDATA for a malformed document, a path that is absent
 * or a value that is not a number (null included, named in the message). */
int nn_json_number(const char *doc, size_t n, const char *path, double *out, nn_error *err);

#endif
