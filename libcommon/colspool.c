/* colspool.c — rows of fixed-width columns on disk (nn/colspool.h).
 *
 * Choices:
 * - A piece put is stored as it came, column after column, and its first
 *   row and offset are kept, so a get of any size finds each column's
 *   rows by arithmetic and reads them with pread straight to the caller:
 *   no buffer of the spool's own, no stdio in between.
 * - Writes and reads go through the file descriptor with write and
 *   pread, retried on EINTR and short counts.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nn/colspool.h"
#include "nn/spool.h"

struct piece {
	uint64_t row;     /* its first row */
	uint64_t off;     /* where it starts in the file */
};

struct nn_colspool {
	FILE *f;
	int fd;
	size_t ncols;
	size_t *width;
	size_t row_bytes;       /* the widths' sum */
	struct piece *p;
	size_t np, pcap;
	uint64_t rows, size;    /* rows put, bytes written */
	uint64_t next;          /* the next row to get */
	size_t at;              /* the piece holding it */
	int reading;
};

nn_colspool *nn_colspool_new(const char *dir, const char *prefix, size_t ncols,
                             const size_t *width, nn_error *err)
{
	nn_colspool *s;

	if (!ncols) {
		nn_error_set(err, NN_EARG, "a spool needs at least one column");
		return NULL;
	}
	for (size_t i = 0; i < ncols; i++)
		if (!width[i]) {
			nn_error_set(err, NN_EARG, "column %zu of a spool has no width", i);
			return NULL;
		}
	if (!(s = calloc(1, sizeof *s)) || !(s->width = malloc(ncols * sizeof *s->width))) {
		free(s);
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	memcpy(s->width, width, ncols * sizeof *width);
	s->ncols = ncols;
	for (size_t i = 0; i < ncols; i++)
		s->row_bytes += width[i];
	if (!(s->f = nn_spool(dir, prefix, err))) {
		nn_colspool_free(s);
		return NULL;
	}
	s->fd = fileno(s->f);
	return s;
}

void nn_colspool_free(nn_colspool *s)
{
	if (!s)
		return;
	if (s->f)
		fclose(s->f);
	free(s->width);
	free(s->p);
	free(s);
}

static int io_error(nn_error *err)
{
	return nn_error_set(err, NN_EIO, "temporary file: %s", strerror(errno));
}

int nn_colspool_put(nn_colspool *s, const void *const *cols, size_t rows, nn_error *err)
{
	if (s->reading)
		return nn_error_set(err, NN_EARG, "rows put in a spool after the first get");
	if (!rows)
		return 0;
	if (s->np == s->pcap) {
		size_t n = s->pcap ? 2 * s->pcap : 64;
		struct piece *np = realloc(s->p, n * sizeof *np);
		if (!np)
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		s->p = np;
		s->pcap = n;
	}
	s->p[s->np].row = s->rows;
	s->p[s->np].off = s->size;
	for (size_t i = 0; i < s->ncols; i++) {
		const char *b = cols[i];
		size_t len = rows * s->width[i];
		while (len) {
			ssize_t k = write(s->fd, b, len);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return io_error(err);
			b += k;
			len -= (size_t)k;
			s->size += (uint64_t)k;
		}
	}
	s->np++;
	s->rows += rows;
	return 0;
}

/* len bytes at off into b. */
static int read_at(nn_colspool *s, void *b, size_t len, uint64_t off, nn_error *err)
{
	char *d = b;
	while (len) {
		ssize_t k = pread(s->fd, d, len, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return io_error(err);
		if (!k)
			return nn_error_set(err, NN_EIO, "temporary file: shorter than written");
		d += k;
		len -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

int nn_colspool_get(nn_colspool *s, void *const *cols, size_t rows, nn_error *err)
{
	size_t done = 0;

	s->reading = 1;
	if (rows > s->rows - s->next)
		return nn_error_set(err, NN_EARG, "%zu rows asked of a spool with %llu left", rows,
		                    (unsigned long long)(s->rows - s->next));
	while (done < rows) {
		const struct piece *p = &s->p[s->at];
		uint64_t end = s->at + 1 < s->np ? p[1].row : s->rows;
		uint64_t n = end - p->row, in = s->next - p->row, off = p->off;
		size_t take = rows - done < end - s->next ? rows - done : (size_t)(end - s->next);
		for (size_t i = 0; i < s->ncols; i++) {
			size_t w = s->width[i];
			if (cols[i] && read_at(s, (char *)cols[i] + done * w, take * w, off + in * w, err))
				return -1;
			off += n * w;
		}
		done += take;
		s->next += take;
		if (s->next == end)
			s->at++;
	}
	return 0;
}

uint64_t nn_colspool_rows(const nn_colspool *s)
{
	return s->rows;
}

uint64_t nn_colspool_left(const nn_colspool *s)
{
	return s->rows - s->next;
}
