/* tools/tool-import.c — nn-import's plumbing (tool-import.h). */
#include "tool-import.h"

size_t tool_import_batch_rows(size_t row_bytes)
{
	size_t n = NN_DEFAULT_BATCH_BYTES / (row_bytes ? row_bytes : 1);
	return n ? n : 1;
}

nn_schema *tool_import_schema(int argc, char **argv)
{
	nn_error err;
	nn_schema *s = nn_schema_new("data", &err);
	if (!s)
		tool_die_err(NULL, &err);
	tool_provenance(s, argc, argv);
	return s;
}

nn_source tool_src_open(tool_src *s, const char *path)
{
	nn_error err;
	s->path = path;
	if (!(s->gz = nn_gzin_open(tool_open_in(path), &err)))
		tool_die_err(tool_name(path), &err);
	return nn_gzin_source(s->gz);
}

void tool_src_close(tool_src *s)
{
	nn_error err;
	if (nn_gzin_close(s->gz, &err))
		tool_die_err(tool_name(s->path), &err);
}

void tool_array_open(nn_array *a, tool_src *s, const char *path, int f)
{
	nn_error err;
	nn_source in = tool_src_open(s, path);
	if (nn_array_open(a, in, f == NN_IMPORT_IDX ? NN_ARRAY_IDX : NN_ARRAY_NPY,
	                  nn_gzin_size(s->gz), &err))
		tool_die_err(tool_name(path), &err);
}

void tool_array_end(nn_array *a, tool_src *s, const char *path)
{
	nn_error err;
	if (nn_array_end(a, &err))
		tool_die_err(tool_name(path), &err);
	tool_src_close(s);
}

size_t tool_import_room(nn_writer *w, void **at, uint64_t max)
{
	size_t n = nn_writer_room(w, at);   /* never 0: a failed write ended the program */
	return max < n ? (size_t)max : n;
}

void tool_import_commit(nn_writer *w, size_t n)
{
	nn_error err = { 0 };
	if (nn_writer_commit(w, n, &err))
		tool_die_err(tool_output_name(), &err);
}
