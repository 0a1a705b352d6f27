/* tool-model.c — reading a model file for the programs that run one.
 * Apart from tool.c so that only they link the model code (see the
 * Makefile's libtool.a). */
#include "nn/model.h"
#include "tool.h"

nn_model *tool_model(const char *path)
{
	nn_error err = { 0 };
	nn_reader *r = tool_reader(path);
	nn_model *m = nn_model_read(r, &err);

	if (!m)
		tool_die_err(tool_name(path), &err);
	nn_reader_close(r);
	return m;
}
