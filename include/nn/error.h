/* nn/error.h — how libcommon reports failure.
 *
 * libcommon never prints and never exits.  A function that can fail takes
 * an `nn_error *` as its last argument, returns -1 (or NULL) on failure and
 * fills the error with a code and a lowercase message that names what was
 * wrong but not the file: the program adds its own name and the file, as in
 * "nn-info: 'train.nns': corrupt zstd frame: Data corruption detected".
 */
#ifndef NN_ERROR_H
#define NN_ERROR_H

#include <stddef.h>

enum nn_errcode {
	NN_OK = 0,
	NN_EIO,     /* read or write failed (errno is in the message) */
	NN_EPIPE,   /* the reader of our output went away: end quietly */
	NN_EDATA,   /* the input is not what it claims: malformed, cut, corrupt */
	NN_ENOMEM,  /* an allocation failed */
	NN_ELIMIT,  /* the input asks for more than a documented limit allows */
	NN_EARG     /* the caller passed something invalid (a usage error) */
};

typedef struct nn_error {
	int code;        /* one of enum nn_errcode; NN_OK when nothing failed */
	char msg[512];   /* NUL-terminated, lowercase, no trailing full stop */
} nn_error;

/* Fill *err (which may be NULL) and return -1, so that failure paths read
 * `return nn_error_set(err, NN_EDATA, "bad dtype '%s'", s);`. */
int nn_error_set(nn_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Put `prefix: ` in front of an existing message (for context). */
int nn_error_prefix(nn_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Overflow-checked size arithmetic: return 0 and store the result, or -1
 * when it would not fit in a size_t. */
int nn_size_mul(size_t a, size_t b, size_t *out);
int nn_size_add(size_t a, size_t b, size_t *out);

#endif
