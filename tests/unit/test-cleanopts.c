/* test-cleanopts.c — nn-clean's settings taken together: typed, from a
 * --load file, refused when they differ; the file's columns against the
 * input's; constant columns. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/cleanopts.h"
#include "check.h"

static nn_field field(size_t D)
{
	static char name[] = "x";
	nn_field f = { .name = name, .dtype = NN_F32, .ndim = 1, .row_elems = D, .row_bytes = D * 4 };
	f.shape[0] = D;
	return f;
}

static char **names(const char *a, const char *b, const char *c)
{
	char **v = malloc(3 * sizeof *v);
	v[0] = strdup(a), v[1] = strdup(b), v[2] = strdup(c);
	return v;
}

static void test_settle(void)
{
	nn_params none = { 0 }, file;
	nn_clean_settings s;
	nn_error err = { 0 };
	nn_field f = field(3);

	CHECK(!nn_clean_settle(&none, NULL, NULL, -1, 0, &s, &err) && s.policy == NN_NONFINITE_DROP &&
	      s.value == 0 && s.sigma == 0 && !s.drop_constant, "nothing typed: drop, no clipping");
	CHECK(!nn_clean_settle(&none, NULL, "value=2.5", 3, 1, &s, &err) && s.policy == NN_NONFINITE_VALUE &&
	      s.value == 2.5 && s.sigma == 3 && s.drop_constant, "typed settings");
	CHECK(nn_clean_settle(&none, NULL, "value=x", -1, 0, &s, &err) && err.code == NN_EARG &&
	      !strcmp(err.msg, "--nonfinite: 'value=x' is not value=NUMBER"), "value= needs a number");
	CHECK(nn_clean_settle(&none, NULL, "avg", -1, 0, &s, &err) && err.code == NN_EARG &&
	      strstr(err.msg, "unknown policy 'avg'"), "an unknown policy");

	nn_params_init(&file, "nn-clean", "clean", &f);
	CHECK(!nn_clean_record(&file, "median", &(nn_clean_settings){ NN_NONFINITE_MEDIAN, 0, 2.5, 1 }, &err) &&
	      !strcmp(nn_params_option(&file, "nonfinite"), "median") &&
	      !strcmp(nn_params_option(&file, "clip-sigma"), "2.5") &&
	      !strcmp(nn_params_option(&file, "drop-constant"), "yes"), "a fit's settings recorded");
	CHECK(!nn_clean_settle(&file, "f.nnp", NULL, -1, 0, &s, &err) && s.policy == NN_NONFINITE_MEDIAN &&
	      s.sigma == 2.5 && s.drop_constant, "--load: the file's settings apply");
	CHECK(!nn_clean_settle(&file, "f.nnp", "median", 2.5, 1, &s, &err), "the same settings typed again");
	CHECK(nn_clean_settle(&file, "f.nnp", "mean", -1, 0, &s, &err) && err.code == NN_EARG &&
	      !strcmp(err.msg, "--load: 'f.nnp' was fitted with --nonfinite median --clip-sigma 2.5 "
	              "--drop-constant; leave these settings out (the file's apply) or fit again with --save"),
	      "another policy typed: refused, naming the file's");
	CHECK(nn_clean_settle(&file, "f.nnp", NULL, 1, 0, &s, &err) && err.code == NN_EARG,
	      "another sigma typed: refused");
	nn_params_release(&file);

	nn_params_init(&file, "nn-clean", "clean", &f);
	CHECK(!nn_clean_record(&file, NULL, &(nn_clean_settings){ 0 }, &err) && file.nopt == 1 &&
	      !strcmp(nn_params_option(&file, "nonfinite"), "drop"), "nothing typed: drop recorded alone");
	CHECK(nn_clean_settle(&file, "f.nnp", NULL, -1, 1, &s, &err) && err.code == NN_EARG,
	      "--drop-constant typed over a file without it: refused");
	snprintf(file.opt_value[0], sizeof file.opt_value[0], "value=");
	CHECK(nn_clean_settle(&file, "f.nnp", "drop", -1, 0, &s, &err) && err.code == NN_EDATA &&
	      !strcmp(err.msg, "a bad nonfinite setting 'value='"), "a bad setting in the file: bad data");
	nn_params_release(&file);
}

static void test_columns(void)
{
	nn_params p;
	nn_error err = { 0 };
	nn_field f = field(3), f2 = field(2);
	char **have = names("b", "c", "a");
	size_t *perm = NULL;

	nn_params_init(&p, "nn-clean", "clean", &f);
	char **want = names("a", "b", "c");
	CHECK(!nn_params_set_names(&p, want, &err), "names set");
	CHECK(!nn_clean_load_columns(&p, "f.nnp", &f, 3, &have, &perm, &err) && perm && perm[0] == 2 &&
	      perm[1] == 0 && perm[2] == 1 && !strcmp(have[0], "a") && !p.names,
	      "by name: the input's column of each fitted one; the file's names taken");
	free(perm);
	nn_prep_names_free(have, 3);

	CHECK(!nn_params_set_names(&p, want, &err), "names set again");
	have = names("a", "b", "c");
	CHECK(!nn_clean_load_columns(&p, "f.nnp", &f, 3, &have, &perm, &err) && !perm, "the same order: no perm");
	nn_prep_names_free(have, 3);

	CHECK(!nn_params_set_names(&p, want, &err), "names set again");
	have = names("a", "b", "d");
	const char *pre = "the columns of field 'x' are not those the parameters in 'f.nnp' were fitted on: ";
	CHECK(nn_clean_load_columns(&p, "f.nnp", &f, 3, &have, &perm, &err) && err.code == NN_EDATA && !perm &&
	      !strncmp(err.msg, pre, strlen(pre)), "another name: refused");
	CHECK(nn_clean_load_columns(&p, "f.nnp", &f2, 2, &have, &perm, &err) && err.code == NN_EDATA &&
	      strstr(err.msg, "2 columns; the parameters have 3"), "another count: refused");
	nn_prep_names_free(have, 3);
	nn_prep_names_free(want, 3);
	nn_params_release(&p);

	nn_params_init(&p, "nn-clean", "clean", &f);
	have = NULL;
	CHECK(!nn_clean_load_columns(&p, "f.nnp", &f, 3, &have, &perm, &err) && !perm, "no names: by position");
	CHECK(nn_clean_load_columns(&p, "f.nnp", &f2, 2, &have, &perm, &err) &&
	      !strcmp(err.msg, "field 'x' has another shape than the 3 features the parameters in 'f.nnp' "
	              "were fitted on"), "no names, another shape: refused");
	nn_params_release(&p);
}

int main(void)
{
	test_settle();
	test_columns();

	unsigned char keep[4];
	double sd[4] = { 1, 0, NAN, 0.5 };
	CHECK(nn_clean_keep_columns(4, sd, 1, keep) == 2 && keep[0] && !keep[1] && !keep[2] && keep[3],
	      "constant columns (std 0 or none) left out");
	CHECK(nn_clean_keep_columns(4, sd, 0, keep) == 4 && keep[1], "without --drop-constant: all kept");
	CHECK(nn_clean_keep_columns(4, NULL, 0, keep) == 4, "no statistics: all kept");
	return check_done();
}
