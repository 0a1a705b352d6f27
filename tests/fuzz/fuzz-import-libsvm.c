/* fuzz-import-libsvm.c — the LIBSVM importer on arbitrary bytes: the first
 * byte picks --features (none, 4 or 100) and --skip; every row is read,
 * each pair checked against the width, and the labels' kind decided. */
#include <stdint.h>
#include <stdlib.h>
#include "nn/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t widths[] = { 0, 4, 100, 0 };
	nn_memsrc m;
	nn_error err;
	nn_libsvm *l;
	const nn_svm_pair *pr;
	uint32_t nnz, id;
	double v;
	int r;

	if (size < 1)
		return 0;
	m = (nn_memsrc){ data + 1, size - 1, 0 };
	l = nn_libsvm_open((nn_source){ nn_memsrc_read, &m }, (data[0] >> 2) & 1,
	                   widths[data[0] & 3], &err);
	if (!l)
		return 0;
	while ((r = nn_libsvm_next(l, &v, &id, &pr, &nnz, &err)) > 0)
		for (uint32_t k = 0; k < nnz; k++)
			if (pr[k].index >= nn_libsvm_width(l) || (k && pr[k].index <= pr[k - 1].index))
				abort();
	if (r == 0) {
		nn_yplan p;
		if (nn_labels_plan(nn_libsvm_labels(l), NN_TASK_AUTO, NULL, &p, &err) == 0)
			nn_yplan_free(&p);
	}
	nn_libsvm_close(l);
	return 0;
}
