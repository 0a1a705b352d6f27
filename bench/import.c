/* import.c — for bench/run.sh only: nn-import's CSV path through
 * libcommon, three ways, to measure what the copies of each feature byte
 * cost (the bytes written are the same every way; no provenance):
 *
 *   copy  as nn-import did it: parse a batch into a buffer; with a label
 *         spool it (stdio) and read it back into the buffer in pass 2;
 *         nn_writer_write copies it into the writer's batch
 *   room  parse (no label) or read the spool back (label) straight into
 *         the writer's batch (nn_writer_room, nn_writer_commit), as
 *         nn-import does now (its spool nn/colspool.h, read with pread)
 *   mmap  with a label: the spool mapped, its rows handed to
 *         nn_writer_write from the mapping (no read-back copy)
 *
 *   import MODE LABEL THREADS < CSV > OUT     (LABEL - for none)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "nn/import.h"
#include "nn/importopts.h"
#include "nn/spool.h"
#include "nn/stream.h"

static nn_error err;

static void die(const char *what)
{
	fprintf(stderr, "import: %s: %s\n", what, err.msg);
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: import copy|room|mmap LABEL THREADS < CSV > OUT\n");
		return 2;
	}
	const char *mode = argv[1], *label = strcmp(argv[2], "-") ? argv[2] : NULL;
	int room = !strcmp(mode, "room"), map = !strcmp(mode, "mmap");
	nn_writer_options wo = { 3, atoi(argv[3]), 0 };
	nn_csv_opts o = { .delim = ',', .label = label };
	nn_gzin *gz = nn_gzin_open(0, &err);
	nn_csv *c = gz ? nn_csv_open(nn_gzin_source(gz), &o, &err) : NULL;
	nn_schema *s = nn_schema_new("data", &err);
	nn_writer *w = NULL;
	FILE *spool = NULL;
	uint64_t rows = 0;
	ptrdiff_t n;

	if (!c || !s)
		die("open");
	size_t nfeat = nn_csv_info_of(c)->nfeat, chunk = NN_DEFAULT_BATCH_BYTES / (nfeat * 4 + 4);
	uint64_t nf = nfeat;
	float *x = malloc(chunk * nfeat * 4);
	double *yv = malloc(chunk * sizeof *yv);
	uint32_t *yid = malloc(chunk * sizeof *yid);
	unsigned char *y = malloc(chunk * 4);
	if (nn_schema_add_field(s, "x", NN_F32, 1, &nf, &err))
		die("schema");
	if (label && !(spool = nn_spool(NULL, "nn-bench", &err)))
		die("spool");
	if (!label && !(w = nn_writer_open_fd(1, s, &wo, &err)))
		die("writer");
	for (;;) {   /* pass 1 */
		void *at[2];
		float *dst = x;
		size_t max = chunk;
		if (room && !label) {
			max = nn_writer_room(w, at);
			dst = at[0];
		}
		if ((n = nn_csv_read(c, dst, yv, yid, max, &err)) <= 0)
			break;
		rows += (uint64_t)n;
		if (!label && (room ? nn_writer_commit(w, (size_t)n, &err)
		                    : nn_writer_write(w, (const void *const[]){ x }, (size_t)n, &err)))
			die("write");
		if (label && (fwrite(x, 4 * nfeat, (size_t)n, spool) != (size_t)n ||
		              fwrite(yv, sizeof *yv, (size_t)n, spool) != (size_t)n ||
		              fwrite(yid, sizeof *yid, (size_t)n, spool) != (size_t)n))
			die("spool write");
	}
	if (n < 0)
		die("parse");
	if (label) {   /* pass 2 */
		nn_yplan p;
		unsigned char *mem = NULL;
		size_t len = 0, at_byte = 0;
		if (nn_labels_plan(nn_csv_labels(c), NN_TASK_AUTO, NULL, &p, &err) ||
		    nn_schema_add_field(s, "y", p.dtype, 0, NULL, &err) ||
		    (p.ncls && nn_schema_set_classes(s, 1, p.ncls, p.cls, &err)) ||
		    !(w = nn_writer_open_fd(1, s, &wo, &err)))
			die("labels");
		if (fflush(spool) || fseeko(spool, 0, SEEK_END) < 0)
			die("spool");
		len = (size_t)ftello(spool);
		rewind(spool);
		if (map && len && (mem = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fileno(spool), 0)) == MAP_FAILED)
			die("mmap");
		for (uint64_t done = 0; done < rows; ) {
			size_t k = rows - done < chunk ? (size_t)(rows - done) : chunk;
			void *at[2] = { x, y };
			const float *xs = x;
			if (room && nn_writer_room(w, at) < k)
				die("room");   /* batches are chunk rows: never */
			if (map) {
				xs = (const float *)(const void *)(mem + at_byte);
				memcpy(yv, mem + at_byte + k * nfeat * 4, k * sizeof *yv);
				memcpy(yid, mem + at_byte + k * (nfeat * 4 + 8), k * sizeof *yid);
				at_byte += k * (nfeat * 4 + 12);
			} else if (fread(at[0], 4 * nfeat, k, spool) != k || fread(yv, sizeof *yv, k, spool) != k ||
			           fread(yid, sizeof *yid, k, spool) != k) {
				die("spool read");
			}
			for (size_t i = 0; i < k; i++)
				nn_yplan_apply(&p, yv[i], yid[i], (unsigned char *)at[1] + i * 4);
			if (room ? nn_writer_commit(w, k, &err)
			         : nn_writer_write(w, (const void *const[]){ xs, at[1] }, k, &err))
				die("write");
			done += k;
		}
		if (mem)
			munmap(mem, len);
		nn_yplan_free(&p);
		fclose(spool);
	}
	if (nn_writer_finish(w, &err))
		die("finish");
	nn_writer_free(w);
	nn_csv_close(c);
	nn_gzin_close(gz, &err);
	nn_schema_free(s);
	free(x);
	free(yv);
	free(yid);
	free(y);
	return 0;
}
