/* libcommon/rowpack.c — packed rows (nn/rowpack.h). */
#include <string.h>
#include "nn/rowpack.h"

size_t nn_row_bytes(const nn_schema *s, int skip)
{
	size_t n = 0;
	for (size_t f = 0; f < s->nfields; f++)
		n += (int)f == skip ? 0 : s->fields[f].row_bytes;
	return n;
}

size_t nn_row_pack(const nn_schema *s, int skip, const void *const *cols, size_t i,
                   unsigned char *dst)
{
	size_t n = 0;
	for (size_t f = 0; f < s->nfields; f++) {
		size_t rb = s->fields[f].row_bytes;
		if ((int)f == skip)
			continue;
		memcpy(dst + n, (const unsigned char *)cols[f] + i * rb, rb);
		n += rb;
	}
	return n;
}

size_t nn_row_unpack(const nn_schema *s, int skip, const unsigned char *src, void *const *cols,
                     size_t i)
{
	size_t n = 0;
	for (size_t f = 0; f < s->nfields; f++) {
		size_t rb = s->fields[f].row_bytes;
		if ((int)f == skip)
			continue;
		memcpy((unsigned char *)cols[f] + i * rb, src + n, rb);
		n += rb;
	}
	return n;
}
