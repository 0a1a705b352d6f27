/* nn/params.h — files of fitted parameters (nn-normalize, nn-clean).
 *
 * A parameters file is a stream (nn-stream(5)) of kind "params" with one
 * row.  Each field of that row is a per-feature vector: f64, with the
 * per-row shape of the feature field it was fitted on ("mean", "scale",
 * …).  The metadata map says what made it and for what:
 *
 *   program  "nn-normalize"   the program that wrote it and reads it
 *   method   "zscore"         how it was fitted
 *   field    "x"              the feature field it was fitted on
 *   dtype    "u8"             that field's dtype
 *   shape    [28, 28]         that field's per-row shape
 *   rows     60000            rows the fit saw
 *   range    [0, 1]           only with nn-normalize --method minmax
 *   names    ["age", …]       the columns' names, in the order of the
 *                             vectors, when the fitted stream had them
 *                             (nn-import's feature_names): --load matches
 *                             columns by these names
 *   options  {"nonfinite": "median", …}
 *                             the fitting program's settings that --load
 *                             applies again (as a fitted scikit-learn
 *                             transformer keeps its own), as the user
 *                             would type them; absent when none
 *
 * nn-info shows such a file as it shows any stream.
 */
#ifndef NN_PARAMS_H
#define NN_PARAMS_H

#include <stdint.h>
#include "nn/error.h"
#include "nn/stream.h"

#define NN_PARAMS_KIND   "params"
#define NN_PARAMS_MAXVEC 8
#define NN_PARAMS_MAXOPT 8

typedef struct nn_params {
	char program[64];
	char method[64];
	char field[NN_MAX_NAME + 1];
	nn_dtype dtype;
	int ndim;
	uint64_t shape[NN_MAX_DIMS];
	size_t elems;                     /* product of shape */
	uint64_t rows;
	int has_range;
	double range[2];
	size_t nvec;
	char name[NN_PARAMS_MAXVEC][32];
	double *vec[NN_PARAMS_MAXVEC];    /* elems values each (malloc'd) */
	char **names;                     /* elems column names, or NULL */
	size_t nopt;                      /* settings ("options" metadata) */
	char opt_name[NN_PARAMS_MAXOPT][32];
	char opt_value[NN_PARAMS_MAXOPT][64];
} nn_params;

/* Describe the feature field f in p (program and method set by the
 * caller) and allocate nothing yet. */
void nn_params_init(nn_params *p, const char *program, const char *method,
                    const nn_field *f);
/* Record the columns' names (elems of them, copied; NULL: none). */
int nn_params_set_names(nn_params *p, char *const *names, nn_error *err);
/* Add a vector called name (elems values, zeroed); NULL when out of
 * memory or full. */
double *nn_params_add(nn_params *p, const char *name, nn_error *err);
/* Record a setting (name without "--"; value as typed).  NN_EARG when
 * full or too long. */
int nn_params_set_option(nn_params *p, const char *name, const char *value, nn_error *err);
/* The setting called name, or NULL. */
const char *nn_params_option(const nn_params *p, const char *name);
/* Was p fitted on a field of f's per-row shape (the same dimensions)? */
int nn_params_fits(const nn_params *p, const nn_field *f);
/* The vector called name, or NULL. */
double *nn_params_vec(const nn_params *p, const char *name);
void nn_params_release(nn_params *p);

/* The schema of p's file (kind "params", its fields and metadata); the
 * caller adds provenance and writes one row of nn_params_columns (the
 * programs with tool_save_row: atomic, removed on a signal). */
nn_schema *nn_params_schema(const nn_params *p, nn_error *err);
/* The columns of that one row, in schema order (p->nvec pointers). */
void nn_params_columns(const nn_params *p, const void **cols);
/* Read path: a stream of kind "params" whose metadata names `program`,
 * with exactly one row of f64 fields of the recorded shape.  Fails with
 * NN_EDATA saying what is wrong (another kind, another program, …). */
int nn_params_read(const char *path, const char *program, nn_params *p,
                   nn_error *err);

#endif
