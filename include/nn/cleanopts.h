/* nn/cleanopts.h — nn-clean's settings taken together: what was typed,
 * what a --load file was fitted with, and the file's columns against the
 * input's.
 *
 * A --load file's settings apply again (as a fitted transformer keeps its
 * own); a setting typed otherwise is refused, since the file holds
 * statistics for its own.  A file written before settings were kept
 * (no "options") takes the typed ones.
 */
#ifndef NN_CLEANOPTS_H
#define NN_CLEANOPTS_H

#include <stddef.h>
#include "nn/clean.h"
#include "nn/error.h"
#include "nn/params.h"

typedef struct nn_clean_settings {
	enum nn_nonfinite policy;
	double value;          /* value=V's V, else 0 */
	double sigma;          /* --clip-sigma; 0: no clipping */
	int drop_constant;
} nn_clean_settings;

/* The run's settings into *s from the typed ones (nonfinite NULL, sigma
 * < 0: not typed) and, when p holds settings, the file's (p may be an
 * empty nn_params, all zero, for no --load; name is the file's, for
 * messages).  Returns 0, or -1: NN_EARG for a typed policy that is not
 * one, or typed settings other than the file's; NN_EDATA for a file's
 * policy that is not one. */
int nn_clean_settle(const nn_params *p, const char *name, const char *nonfinite, double sigma,
                    int drop_constant, nn_clean_settings *s, nn_error *err);

/* Record the settings of a fit in the parameters it saves: the policy as
 * typed (nonfinite NULL: "drop"), clip-sigma when clipping, drop-constant
 * when set.  Returns 0, or -1 (NN_EARG from nn_params_set_option: too
 * many or too long settings). */
int nn_clean_record(nn_params *p, const char *nonfinite, const nn_clean_settings *s, nn_error *err);

/* --load: the input's D columns of field f, named *names (NULL: none),
 * against those the parameters p of file name were fitted on.  When both
 * have names, *perm (allocated; NULL when the order is the same) gives
 * the input's column of each of p's, and *names becomes p's (taken from
 * p; the input's are freed); otherwise *perm is NULL.  Returns 0, or -1
 * (NN_EDATA) when the names or the shape differ, NN_ENOMEM. */
int nn_clean_load_columns(nn_params *p, const char *name, const nn_field *f, size_t D, char ***names,
                          size_t **perm, nn_error *err);

/* keep[j] for D columns: 0 for a constant one (std[j] not above 0, or no
 * std) when drop_constant is set.  Returns the columns kept. */
size_t nn_clean_keep_columns(size_t D, const double *std, int drop_constant, unsigned char *keep);

#endif
