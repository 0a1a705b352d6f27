/* fuzz-import-csv.c — the CSV/TSV importer on arbitrary bytes: the first
 * byte picks the options (delimiter, header, label column), the rest is
 * the file.  Every row is read and the labels' kind decided; the first
 * rows' features are printed as CSV ("%.9g") and read back, which must
 * give the same floats bit for bit.  Built with libFuzzer by `make fuzz`,
 * with replay.c by `make`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const float *x, size_t rows, size_t nfeat)
{
	size_t cap = rows * nfeat * 24 + 1, len = 0;
	char *text = malloc(cap);
	float *back = malloc(rows * nfeat * 4 + 4);
	nn_csv_opts o = { ',', 1, 0, NULL, NULL, 0, NULL, 0, 0 };
	nn_memsrc m;
	nn_error err;
	nn_csv *c;

	if (!text || !back)
		abort();
	for (size_t r = 0; r < rows; r++)
		for (size_t i = 0; i < nfeat; i++)
			len += (size_t)snprintf(text + len, cap - len, "%.9g%c", x[r * nfeat + i],
			                        i + 1 < nfeat ? ',' : '\n');
	m = (nn_memsrc){ (const unsigned char *)text, len, 0 };
	c = nn_csv_open((nn_source){ nn_memsrc_read, &m }, &o, &err);
	if (!c || nn_csv_read(c, back, NULL, NULL, rows, &err) != (ptrdiff_t)rows)
		abort();   /* what we print must read back */
	for (size_t k = 0; k < rows * nfeat; k++)
		if (memcmp(&x[k], &back[k], 4) && !(x[k] != x[k] && back[k] != back[k]))
			abort();
	nn_csv_close(c);
	free(text);
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const labels[] = { NULL, "0", "-1", "y" };
	nn_csv_opts o = { ',', 0, 0, NULL, NULL, 0, NULL, 0, 0 };
	const char *drop[1] = { "1" }, *ids[1] = { "-1" };
	unsigned char *idbuf;
	nn_memsrc m;
	nn_error err;
	nn_csv *c;
	size_t nfeat, chunk, rows = 0;
	float *x;
	double *yv;
	uint32_t *yid;
	ptrdiff_t n;

	if (size < 1)
		return 0;
	o.delim = data[0] & 1 ? '\t' : ',';
	o.no_header = !!(data[0] & 2);
	o.label = labels[(data[0] >> 2) & 3];
	if (data[0] & 16) {
		o.drop = drop;
		o.ndrop = 1;
	}
	o.skip = (data[0] >> 5) & 1;
	if (data[0] & 64) {   /* the last column kept as text, 8 bytes an id */
		o.ids = ids;
		o.nids = 1;
		o.id_width = 8;
	}
	m = (nn_memsrc){ data + 1, size - 1, 0 };
	if (!(c = nn_csv_open((nn_source){ nn_memsrc_read, &m }, &o, &err)))
		return 0;
	nfeat = nn_csv_info_of(c)->nfeat;
	chunk = nfeat > 4096 ? 1 : 16;
	x = malloc(chunk * nfeat * 4);
	yv = malloc(chunk * sizeof *yv);
	yid = malloc(chunk * sizeof *yid);
	idbuf = malloc(chunk * 8);
	if (!x || !yv || !yid || !idbuf)
		abort();
	while ((n = nn_csv_read_cols(c, x, yv, yid, o.nids ? (void *[]){ idbuf } : NULL, chunk, &err)) > 0) {
		if (!rows)
			round_trip(x, (size_t)n, nfeat);
		if (o.nids && nn_str_check(idbuf, 8, (size_t)n) != SIZE_MAX)
			abort();   /* an id the reader would refuse */
		rows += (size_t)n;
	}
	if (n == 0 && o.label)
		for (int task = NN_TASK_AUTO; task <= NN_TASK_REGRESS; task++) {
			nn_yplan p;
			if (nn_labels_plan(nn_csv_labels(c), task, NULL, &p, &err) == 0) {
				unsigned char y[4];
				for (size_t i = 0; i < (size_t)(rows < chunk ? rows : chunk); i++)
					if (p.how != NN_Y_NAMES || yid[i] != NN_NO_ID)
						nn_yplan_apply(&p, yv[i], yid[i], y);
				nn_yplan_free(&p);
			}
		}
	nn_csv_close(c);
	free(x);
	free(yv);
	free(yid);
	free(idbuf);
	return 0;
}
