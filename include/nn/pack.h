/* nn/pack.h — the few msgpack and JSON writing rules every writer shares.
 *
 * Reading untrusted msgpack is nn/mp.h's job; these write with msgpack-c's
 * packer, whose functions return nonzero when the buffer cannot grow.
 */
#ifndef NN_PACK_H
#define NN_PACK_H

#include <stddef.h>
#include <msgpack.h>
#include "nn/error.h"

/* A NUL-terminated string as a msgpack str.  Nonzero when out of memory. */
int nn_pack_str(msgpack_packer *pk, const char *s);
/* Bytes as a msgpack bin.  Nonzero when out of memory. */
int nn_pack_bin(msgpack_packer *pk, const void *data, size_t len);

/* Append s[0..n) as a quoted JSON string to a growing buffer (*buf, *len,
 * *cap; realloc'd, kept NUL-terminated): '"' and '\\' escaped, control
 * characters and DEL as \u00XX, and so is every byte that is not part of
 * valid UTF-8 (read as Latin-1, what such a byte most often is), so the
 * result is always valid JSON.  Returns 0, or -1 with NN_ENOMEM. */
int nn_json_str(char **buf, size_t *len, size_t *cap, const char *s, size_t n,
                nn_error *err);
/* s[0..n) for a terminal or a line-per-item report: each control
 * character (below 0x20, and DEL) written as \t, \n, \r or \xHH, every
 * other byte as it is, so that text from a file cannot start lines of its
 * own or send escape sequences.  Writes at most cap bytes with the NUL to
 * dst (an escape whole or not at all; dst may be NULL when cap is 0) and
 * returns the length of the whole result, as snprintf does. */
size_t nn_escape_ctrl(char *dst, size_t cap, const char *s, size_t n);
/* Append n bytes to the same kind of buffer.  Returns 0, or -1 (NN_ENOMEM). */
int nn_buf_put(char **buf, size_t *len, size_t *cap, const char *s, size_t n,
               nn_error *err);

#endif
