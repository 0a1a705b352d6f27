/* cliargs.c — options passed on to another program (nn/cliargs.h). */
#include <stdlib.h>
#include <string.h>
#include "nn/cliargs.h"

nn_option *nn_cli_table_read(const char *text, size_t n, nn_error *err)
{
	size_t lines = 1, k = 0;
	for (size_t i = 0; i < n; i++)
		lines += text[i] == '\n';
	/* the table, then a copy of the text that the names point into */
	nn_option *t = malloc((lines + 1) * sizeof *t + n + 1);
	if (!t)
		return nn_error_set(err, NN_ENOMEM, "out of memory"), NULL;
	char *s = (char *)(t + lines + 1), *end = s + n;
	memcpy(s, text, n);
	*end = 0;
	for (char *line = s; line < end;) {
		char *eol = memchr(line, '\n', (size_t)(end - line)), *f[5];
		if (!eol)
			eol = end;
		*eol = 0;
		int nf = 1;
		f[0] = line;
		for (char *p = line; nf < 5 && (p = strchr(p, '\t')); nf++)
			*p++ = 0, f[nf] = p;
		if (nf == 5 && !strncmp(f[1], "--", 2) && f[1][2]) {
			int flag = !strcmp(f[2], "flag"), choice = !strcmp(f[2], "choice");
			t[k++] = (nn_option){ 0, f[1] + 2, flag ? NN_OPT_FLAG : NN_OPT_STR, NULL,
			                      choice ? f[3] : NULL, f[4], 0, 0 };
		}
		line = eol + 1;
	}
	t[k] = (nn_option)NN_OPT_END_ENTRY;
	if (!k) {
		free(t);
		return nn_error_set(err, NN_EDATA, "no long option in the completion text"), NULL;
	}
	return t;
}

const nn_option *nn_cli_find(const nn_option *table, const char *name, size_t n)
{
	for (const nn_option *o = table; o->type != NN_OPT_END; o++)
		if (o->long_name && strlen(o->long_name) == n && !strncmp(o->long_name, name, n))
			return o;
	return NULL;
}

/* own's option that argument a ("--name", "--name=v", "-x", "-xVALUE") is. */
static const nn_option *own_option(const nn_cli *own, const char *a)
{
	if (a[1] == '-') {
		const char *eq = strchr(a + 2, '=');
		return nn_cli_find(own->opts, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
	}
	for (const nn_option *o = own->opts; o->type != NN_OPT_END; o++)
		if (o->short_name && o->short_name == a[1])
			return o;
	return NULL;
}

int nn_cli_split(const nn_cli *own, const nn_cli *other, int argc, char **argv, char **mine, int *nmine,
                 const char **pass, size_t *npass, nn_error *err)
{
	static const char *const builtin[] = { "--help", "--version", "--completion-helper", NULL };
	int all = 0, n = 0;
	size_t np = 0;
	mine[n++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		int longopt = a[0] == '-' && a[1] == '-' && a[2], builtin_opt = 0;
		for (int b = 0; builtin[b]; b++)
			builtin_opt |= !strcmp(a, builtin[b]);
		const nn_option *o = !all && a[0] == '-' && a[1] && a[1] != '-' ? own_option(own, a) :
		                     !all && longopt ? own_option(own, a) : NULL;
		if (!all && !strcmp(a, "--")) {
			all = 1;
			continue;
		}
		if (!all && (!longopt || o || builtin_opt)) {
			mine[n++] = argv[i];
			if (o && o->type != NN_OPT_FLAG && !(longopt ? eq != NULL : a[2] != 0) && i + 1 < argc)
				mine[n++] = argv[++i];
			continue;
		}
		if (!longopt)
			return nn_error_set(err, NN_EARG, "'%s' after '--': only %s's long options go there", a,
			                    other->prog);
		size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		const nn_option *t = nn_cli_find(other->opts, a + 2, len);
		if (!t) {
			const char *near = nn_cli_closest(other, a + 2, len);
			if (!near)
				near = nn_cli_closest(own, a + 2, len);
			return nn_error_set(err, NN_EARG, "unknown option '--%.*s' (neither %s's nor %s's)%s%s%s",
			                    (int)len, a + 2, own->prog, other->prog, near ? "; did you mean '--" : "",
			                    near ? near : "", near ? "'?" : "");
		}
		pass[np++] = a;
		if (t->type != NN_OPT_FLAG && !eq && i + 1 < argc)
			pass[np++] = argv[++i];
	}
	mine[n] = NULL;
	*nmine = n;
	*npass = np;
	return 0;
}

int nn_cli_check_passed(const nn_cli *own, const nn_cli *other, const char *const *managed,
                        const char *name, size_t n, int grid, nn_error *err)
{
	for (size_t i = 0; managed[i]; i++)
		if (strlen(managed[i]) == n && !strncmp(managed[i], name, n))
			return nn_error_set(err, NN_EARG, "%s'%.*s': %s sets --%s of each trial itself",
			                    grid ? "grid key " : "option ", (int)n, name, own->prog, managed[i]);
	if (nn_cli_find(other->opts, name, n))
		return 0;
	const char *near = nn_cli_closest(other, name, n);
	return nn_error_set(err, NN_EARG, "grid key '%.*s': %s has no --%.*s%s%s%s", (int)n, name,
	                    other->prog, (int)n, name, near ? "; did you mean '" : "", near ? near : "",
	                    near ? "'?" : "");
}

const char *nn_cli_given(const char *const *pass, size_t npass, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; i < npass; i++)
		if (!strncmp(pass[i], "--", 2) && !strncmp(pass[i] + 2, key, n) &&
		    (pass[i][2 + n] == 0 || pass[i][2 + n] == '='))
			return pass[i];
	return NULL;
}
