/* libcommon/splitopts.c — nn-split's options taken together, and its
 * label field (nn/splitopts.h). */
#include <stddef.h>
#include "nn/splitopts.h"

/* --test-size or --val-size as given. */
static int parse_size(const char *s, const char *opt, nn_split_size *z, nn_error *err)
{
	if (nn_split_size_parse(s, z))
		return nn_error_set(err, NN_EARG, "%s: '%s' is neither a fraction between 0 and 1 nor a "
		                    "whole number of rows", opt, s);
	return 0;
}

/* Options that do not go together: the first rule broken, as nn-split
 * has always named it. */
static const char *conflict(const nn_split_opts *o)
{
	int split = o->train || o->test || o->val || o->tsize || o->vsize || o->kfold;

	if (o->shards && split)
		return "--shards goes with none of --train, --test, --val, --test-size, --val-size, --kfold";
	if (!o->shards && (o->pattern || o->rr))
		return "--shard-pattern and --round-robin go with --shards";
	if (o->shards && !o->pattern)
		return "--shards needs --shard-pattern, e.g. 'part-%03d.nns'";
	if (o->shards && (o->stratify || o->noshuffle))
		return "--shards goes with neither --stratify nor --no-shuffle";
	if (!o->shards && (!o->train || !o->test))
		return "say where to write: --train FILE --test FILE (or --shards N)";
	if (!!o->val != !!o->vsize)
		return "--val FILE and --val-size F go together";
	if (!o->kfold != (o->fold < 0))
		return "--kfold K and --fold I go together";
	if (o->kfold && (o->val || o->tsize))
		return "--kfold goes with neither --test-size nor --val";
	return NULL;
}

int nn_split_opts_check(const nn_split_opts *o, nn_split_spec *spec, nn_error *err)
{
	const char *bad = conflict(o);
	nn_split_size t = { 0, 0, 0 }, v = { 0, 0, 0 };

	if (bad)
		return nn_error_set(err, NN_EARG, "%s", bad);
	if (o->kfold && o->fold >= o->kfold)
		return nn_error_set(err, NN_EARG, "--fold: %lld is not a fold of 0 to %lld", o->fold,
		                    o->kfold - 1);
	if (o->streaming && (o->stratify || o->noshuffle))
		return nn_error_set(err, NN_EARG, "--streaming goes with neither --stratify nor --no-shuffle");
	if ((o->tsize && parse_size(o->tsize, "--test-size", &t, err)) ||
	    (o->vsize && parse_size(o->vsize, "--val-size", &v, err)))
		return -1;
	if (t.frac && v.frac && t.f + v.f >= 1)
		return nn_error_set(err, NN_EARG, "--test-size and --val-size add up to 1 or more: no "
		                    "training rows");
	*spec = (nn_split_spec){ o->noshuffle, o->stratify, o->val != NULL, t, v, (uint64_t)o->kfold,
	                         o->kfold ? (uint64_t)o->fold : 0 };
	return 0;
}

int nn_split_label(const nn_schema *s, const char *y, int stratify, int *idx, nn_error *err)
{
	const nn_field *f;

	if ((*idx = nn_schema_find(s, y)) < 0)
		return stratify ? nn_error_set(err, NN_EDATA, "no field '%s' (choose one with --y)", y) : 0;
	f = &s->fields[*idx];
	if (!nn_dtype_is_float(f->dtype) && f->row_elems == 1)
		return 0;
	*idx = -1;   /* not classes: nothing to count */
	if (stratify && f->row_elems != 1)
		return nn_error_set(err, NN_EDATA, "--stratify: label field '%s' holds %zu values per row, "
		                    "not one class id", y, f->row_elems);
	if (stratify)
		return nn_error_set(err, NN_EDATA, "--stratify: label field '%s' holds %s numbers, not "
		                    "class ids", y, nn_dtype_name(f->dtype));
	return 0;
}
