/* fuzz-import-idx.c — the IDX reader on arbitrary bytes (fuzz-array.h). */
#include "fuzz-array.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_array(data, size, NN_ARRAY_IDX);
}
