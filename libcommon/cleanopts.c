/* libcommon/cleanopts.c — nn-clean's settings taken together
 * (nn/cleanopts.h). */
#include <stdio.h>
#include <stdlib.h>
#include "nn/cleanopts.h"
#include "nn/prep.h"

int nn_clean_settle(const nn_params *p, const char *name, const char *nonfinite, double sigma,
                    int drop_constant, nn_clean_settings *s, nn_error *err)
{
	enum nn_nonfinite typed;
	double typed_value = 0;   /* value= only sets it */
	const char *nf = nn_params_option(p, "nonfinite"), *clip_s = nn_params_option(p, "clip-sigma");
	int rc, dc;

	*s = (nn_clean_settings){ .sigma = sigma, .drop_constant = drop_constant };
	if (!nf)   /* no --load, or a file written before settings were kept */
		nf = nonfinite ? nonfinite : "drop";
	rc = nn_nonfinite_parse(nonfinite ? nonfinite : nf, &typed, &typed_value);
	if (rc)
		return nn_error_set(err, NN_EARG, rc > 0 ? "--nonfinite: '%s' is not value=NUMBER" :
		                    "--nonfinite: unknown policy '%s' (drop, mean, median, zero, value=V, "
		                    "fail or keep)", nonfinite ? nonfinite : nf);
	if (nn_nonfinite_parse(nf, &s->policy, &s->value))
		return nn_error_set(err, NN_EDATA, "a bad nonfinite setting '%s'", nf);
	if (!p->nopt) {
		s->sigma = sigma < 0 ? 0 : sigma;
		return 0;
	}
	s->sigma = clip_s ? strtod(clip_s, NULL) : 0;
	s->drop_constant = dc = nn_params_option(p, "drop-constant") != NULL;
	if (typed != s->policy || typed_value != s->value || (sigma >= 0 && sigma != s->sigma) ||
	    (drop_constant && !dc))
		return nn_error_set(err, NN_EARG, "--load: '%s' was fitted with --nonfinite %s%s%s%s; leave "
		                    "these settings out (the file's apply) or fit again with --save", name, nf,
		                    clip_s ? " --clip-sigma " : "", clip_s ? clip_s : "",
		                    dc ? " --drop-constant" : "");
	return 0;
}

int nn_clean_record(nn_params *p, const char *nonfinite, const nn_clean_settings *s, nn_error *err)
{
	char clip[32];

	snprintf(clip, sizeof clip, "%.17g", s->sigma);
	if (nn_params_set_option(p, "nonfinite", nonfinite ? nonfinite : "drop", err) ||
	    (s->sigma > 0 && nn_params_set_option(p, "clip-sigma", clip, err)) ||
	    (s->drop_constant && nn_params_set_option(p, "drop-constant", "yes", err)))
		return -1;
	return 0;
}

int nn_clean_load_columns(nn_params *p, const char *name, const nn_field *f, size_t D, char ***names,
                          size_t **perm, nn_error *err)
{
	*perm = NULL;
	if (p->names && *names) {   /* by name: the constant columns are those fitted */
		if (!(*perm = malloc((D ? D : 1) * sizeof **perm)))
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		if (p->elems != D || nn_prep_map_names(*names, D, p->names, p->elems, *perm, err)) {
			if (p->elems != D)
				nn_error_set(err, NN_EDATA, "%zu columns; the parameters have %zu", D, p->elems);
			free(*perm);
			*perm = NULL;
			return nn_error_prefix(err, "the columns of field '%s' are not those the parameters in "
			                       "'%s' were fitted on", f->name, name);
		}
		if (nn_prep_perm_identity(*perm, D)) {
			free(*perm);
			*perm = NULL;
		}
		nn_prep_names_free(*names, D);
		*names = p->names;
		p->names = NULL;
	}
	if (p->elems != D || !nn_params_fits(p, f)) {
		free(*perm);
		*perm = NULL;
		return nn_error_set(err, NN_EDATA, "field '%s' has another shape than the %zu features the "
		                    "parameters in '%s' were fitted on", f->name, p->elems, name);
	}
	return 0;
}

size_t nn_clean_keep_columns(size_t D, const double *std, int drop_constant, unsigned char *keep)
{
	size_t n = 0;
	for (size_t j = 0; j < D; j++) {
		keep[j] = !drop_constant || (std && std[j] > 0);
		n += keep[j];
	}
	return n;
}
