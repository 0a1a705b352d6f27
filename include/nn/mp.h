/* nn/mp.h — a bounded msgpack cursor for untrusted input.
 *
 * Why not msgpack-c's unpacker for reading: it trusts lengths (a 5-byte map
 * header makes it allocate for 2^32 entries) and copies every bin.  This
 * cursor allocates nothing: each read checks the claimed length against the
 * bytes that remain, and bin/str values point into the buffer.  Writing
 * uses msgpack-c's packer.
 */
#ifndef NN_MP_H
#define NN_MP_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"

typedef struct nn_mp {
	const unsigned char *p;    /* next byte */
	const unsigned char *end;  /* one past the last byte */
} nn_mp;

enum nn_mp_type {
	NN_MP_NIL, NN_MP_BOOL, NN_MP_UINT, NN_MP_INT, NN_MP_FLOAT,
	NN_MP_STR, NN_MP_BIN, NN_MP_ARRAY, NN_MP_MAP, NN_MP_EXT, NN_MP_BAD
};

/* Type of the next value without consuming it (NN_MP_BAD at the end or
 * on a reserved byte). */
enum nn_mp_type nn_mp_peek(const nn_mp *c);

/* Each reader consumes one value of its type, or fails with NN_EDATA and
 * leaves the cursor where it was.  `what` names the value in the message. */
int nn_mp_map(nn_mp *c, size_t *n, const char *what, nn_error *err);
int nn_mp_array(nn_mp *c, size_t *n, const char *what, nn_error *err);
int nn_mp_str(nn_mp *c, const char **s, size_t *len, const char *what,
              nn_error *err);
int nn_mp_bin(nn_mp *c, const void **data, size_t *len, const char *what,
              nn_error *err);
/* Any non-negative integer. */
int nn_mp_uint(nn_mp *c, uint64_t *v, const char *what, nn_error *err);
/* Any integer that fits an int64_t. */
int nn_mp_int(nn_mp *c, int64_t *v, const char *what, nn_error *err);
/* Any number (float, double or integer), as a double. */
int nn_mp_number(nn_mp *c, double *v, const char *what, nn_error *err);
int nn_mp_bool(nn_mp *c, int *v, const char *what, nn_error *err);
int nn_mp_nil(nn_mp *c, const char *what, nn_error *err);
/* Does the next value equal the string s?  (Consumes nothing.) */
int nn_mp_str_is(const nn_mp *c, const char *s);
/* Skip one whole value of any type, nested at most NN_MAX_DEPTH deep. */
int nn_mp_skip(nn_mp *c, nn_error *err);

/* Append the next value as JSON to a growing buffer (*buf, *len, *cap;
 * realloc'd), consuming it.  Bins print as {"bin": N bytes}. */
int nn_mp_to_json(nn_mp *c, char **buf, size_t *len, size_t *cap,
                  nn_error *err);

#endif
