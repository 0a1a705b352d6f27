/* test-params.c — files of fitted parameters: written and read back the
 * same; read only by the program that wrote them, only with one row;
 * fitted on a shape that a field has or has not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nn/params.h"
#include "check.h"

/* p written as its file (nn-clean/nn-normalize do the same through
 * tool_save_row), rows times its one row; returns the path. */
static const char *write_params(const nn_params *p, size_t rows)
{
	static char path[] = "/tmp/test-params.XXXXXX";
	nn_error err = { 0 };
	nn_schema *s = nn_params_schema(p, &err);
	const void *cols[NN_PARAMS_MAXVEC];
	int fd;

	strcpy(path + strlen(path) - 6, "XXXXXX");
	if (!s || (fd = mkstemp(path)) < 0)
		abort();
	nn_params_columns(p, cols);
	nn_writer *w = nn_writer_open_fd(fd, s, NULL, &err);
	for (size_t i = 0; i < rows; i++)
		if (!w || nn_writer_write(w, cols, 1, &err))
			abort();
	if (nn_writer_finish(w, &err))
		abort();
	nn_writer_free(w);
	nn_schema_free(s);
	close(fd);
	return path;
}

int main(void)
{
	nn_error err = { 0 };
	nn_schema *data = nn_schema_new("data", &err);
	nn_params p, back;
	const char *path;

	if (!data || nn_schema_add_field(data, "x", NN_U8, 2, (const uint64_t[]){ 2, 3 }, &err) ||
	    nn_schema_add_field(data, "flat", NN_F32, 1, (const uint64_t[]){ 6 }, &err))
		abort();
	nn_params_init(&p, "nn-normalize", "zscore", &data->fields[0]);
	double *off = nn_params_add(&p, "offset", &err), *scale = nn_params_add(&p, "scale", &err);
	CHECK(off && scale && p.elems == 6 && nn_params_vec(&p, "scale") == scale && !nn_params_vec(&p, "x"),
	      "two vectors of 6, found by name");
	for (size_t j = 0; j < 6; j++) {
		off[j] = (double)j / 3;
		scale[j] = 1e300 * (double)j;
	}
	p.rows = 60000;
	p.has_range = 1;
	p.range[0] = -1;
	p.range[1] = 1;

	CHECK(!nn_params_set_option(&p, "nonfinite", "value=2.5", &err) &&
	      !nn_params_set_option(&p, "clip-sigma", "3", &err), "two settings");
	for (int i = 2; i < NN_PARAMS_MAXOPT; i++)
		nn_params_set_option(&p, "filler", "x", &err);
	CHECK(nn_params_set_option(&p, "one", "too many", &err) == -1 && err.code == NN_EARG, "at most %d settings",
	      NN_PARAMS_MAXOPT);
	p.nopt = 2;

	path = write_params(&p, 1);
	CHECK(!nn_params_read(path, "nn-normalize", &back, &err), "read back: %s", err.msg);
	CHECK(back.nopt == 2 && !strcmp(nn_params_option(&back, "nonfinite"), "value=2.5") &&
	      !strcmp(nn_params_option(&back, "clip-sigma"), "3") && !nn_params_option(&back, "drop-constant"),
	      "the settings read back by name");
	CHECK(back.nvec == 2 && !memcmp(back.vec[0], off, 6 * sizeof *off) && !memcmp(back.vec[1], scale, 6 * sizeof *scale) &&
	      !strcmp(back.method, "zscore") && !strcmp(back.field, "x") && back.dtype == NN_U8 && back.rows == 60000 &&
	      back.has_range && back.range[0] == -1 && back.range[1] == 1, "the same vectors and description");
	CHECK(nn_params_fits(&back, &data->fields[0]) && !nn_params_fits(&back, &data->fields[1]),
	      "fits [2,3], not [6] (as many values, another shape)");
	nn_params_release(&back);
	CHECK(nn_params_read(path, "nn-clean", &back, &err) && !strcmp(err.msg, "parameters of nn-normalize, not of nn-clean"),
	      "another program's: %s", err.msg);
	unlink(path);

	path = write_params(&p, 2);
	CHECK(nn_params_read(path, "nn-normalize", &back, &err) && strstr(err.msg, "exactly one row"), "two rows: %s", err.msg);
	unlink(path);
	nn_params_release(&p);
	nn_schema_free(data);
	return check_done();
}
