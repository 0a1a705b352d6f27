/* cli.c — the option parser every program uses (see nn/cli.h).
 *
 * Accepted spellings: -o FILE, -oFILE, --output FILE, --output=FILE,
 * grouped flags (-qv); "--" ends options; "-" alone is an operand.  Long
 * options may not be abbreviated: a script that works today keeps working
 * when an option is added tomorrow.
 */
#include <errno.h>
#include <math.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/cli.h"

int nn_parse_ll(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!*s || *s == ' ' || *s == '\t' || *s == '+')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int nn_parse_size(const char *s, long long min, long long max, long long *out)
{
	static const char units[] = "KMGT";
	char num[32];
	size_t n = strlen(s);
	const char *u;
	long long v;
	int shift = 0;

	/* a whole number, then at most one of K M G T (or k m g t): binary
	 * multiples, as sort -S and dd take them */
	char c = n ? s[n - 1] : 0;
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c && (u = strchr(units, c)))
		shift = 10 * (int)(u - units + 1), n--;
	if (!n || n >= sizeof num)
		return -1;
	memcpy(num, s, n);
	num[n] = 0;
	if (nn_parse_ll(num, 0, LLONG_MAX >> shift, &v))
		return -1;
	v <<= shift;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int nn_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	/* programs never call setlocale, so strtod reads '.' as the point */
	if (!*s || *s == ' ' || *s == '\t')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*end || (errno == ERANGE && fabs(v) == HUGE_VAL))
		return -1;
	*out = v;
	return 0;
}

static int list_add(nn_strlist *l, const char *s, nn_error *err)
{
	const char **v = realloc(l->v, (l->n + 1) * sizeof *v);
	if (!v)
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	l->v = v;
	l->v[l->n++] = s;
	return 0;
}

void nn_strlist_free(nn_strlist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static const char *opt_name(const nn_option *o, char *buf, size_t n)
{
	if (o->long_name)
		snprintf(buf, n, "--%s", o->long_name);
	else
		snprintf(buf, n, "-%c", o->short_name);
	return buf;
}

int nn_cli_choice(const char *choices, const char *word)
{
	size_t n = strlen(word);
	int i = 0;
	for (const char *p = choices; ; i++) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (n && len == n && !strncmp(p, word, n))
			return i;
		if (!bar)
			return -1;
		p = bar + 1;
	}
}

size_t nn_edit_distance(const char *a, size_t n, const char *b, size_t max)
{
	size_t m = strlen(b), row[64];
	if (n >= 64 || m >= 64)
		return max + 1;
	for (size_t j = 0; j <= m; j++)
		row[j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t diag = row[0], best;
		row[0] = best = i;
		for (size_t j = 1; j <= m; j++) {
			size_t up = row[j];
			size_t v = diag + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < v) v = row[j - 1] + 1;
			if (up + 1 < v) v = up + 1;
			row[j] = v;
			diag = up;
			if (v < best) best = v;
		}
		if (best > max)
			return max + 1;
	}
	return row[m];
}

const char *nn_cli_closest(const nn_cli *cli, const char *name, size_t len)
{
	static const char *const builtin[] = { "help", "version" };
	const char *best = NULL;
	size_t best_d = 3;       /* further than two edits is no suggestion */

	for (const nn_option *o = cli->opts; o->type != NN_OPT_END; o++) {
		if (!o->long_name)
			continue;
		size_t d = len >= 3 && !strncmp(o->long_name, name, len) ? 1 : nn_edit_distance(name, len, o->long_name, 2);
		if (d < best_d)
			best = o->long_name, best_d = d;
	}
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
		size_t d = nn_edit_distance(name, len, builtin[i], 2);
		if (d < best_d)
			best = builtin[i], best_d = d;
	}
	return best;
}

/* Store arg into o->dest according to its type. */
static int set_value(const nn_option *o, const char *arg, nn_error *err)
{
	char name[64];

	switch (o->type) {
	case NN_OPT_FLAG:
		*(int *)o->dest = 1;
		return 0;
	case NN_OPT_STR:
		*(const char **)o->dest = arg;
		return 0;
	case NN_OPT_LIST:
		return list_add(o->dest, arg, err);
	case NN_OPT_CHOICE: {
		if (nn_cli_choice(o->arg_name, arg) < 0) {
			char list[256];
			size_t k = 0;
			for (const char *p = o->arg_name; *p && k + 3 < sizeof list; p++) {
				if (*p == '|')
					list[k++] = ',', list[k++] = ' ';
				else
					list[k++] = *p;
			}
			list[k] = 0;
			return nn_error_set(err, NN_EARG, "%s: '%s' is not one of: %s",
			                    opt_name(o, name, sizeof name), arg, list);
		}
		*(const char **)o->dest = arg;
		return 0;
	}
	case NN_OPT_INT: {
		long long v;
		if (nn_parse_ll(arg, (long long)o->min, (long long)o->max, &v))
			return nn_error_set(err, NN_EARG, "%s: '%s' is not a whole number from %.0f to %.0f",
			                    opt_name(o, name, sizeof name), arg, o->min, o->max);
		*(long long *)o->dest = v;
		return 0;
	}
	case NN_OPT_SIZE: {
		long long v;
		if (nn_parse_size(arg, (long long)o->min, (long long)o->max, &v))
			return nn_error_set(err, NN_EARG, "%s: '%s' is not a size from %.0f to %.0f bytes "
			                    "(a whole number, with K, M or G after it for KiB, MiB, GiB)",
			                    opt_name(o, name, sizeof name), arg, o->min, o->max);
		*(long long *)o->dest = v;
		return 0;
	}
	case NN_OPT_DOUBLE: {
		double v;
		if (nn_parse_double(arg, &v) || !isfinite(v) || v < o->min || v > o->max)
			return nn_error_set(err, NN_EARG, "%s: '%s' is not a number from %g to %g",
			                    opt_name(o, name, sizeof name), arg, o->min, o->max);
		*(double *)o->dest = v;
		return 0;
	}
	default:
		return nn_error_set(err, NN_EARG, "bad option table");
	}
}

int nn_cli_parse(const nn_cli *cli, int argc, char **argv,
                 nn_strlist *operands, nn_error *err)
{
	int only_operands = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const nn_option *o;

		if (only_operands || a[0] != '-' || !a[1]) {
			if (list_add(operands, a, err))
				return NN_CLI_ERROR;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_operands = 1;
			continue;
		}
		if (a[1] == '-') {                          /* --name[=value] */
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t n = eq ? (size_t)(eq - name) : strlen(name);
			if ((n == 4 && !strncmp(name, "help", 4)) && !eq)
				return NN_CLI_HELP;
			if ((n == 7 && !strncmp(name, "version", 7)) && !eq)
				return NN_CLI_VERSION;
			if ((n == 17 && !strncmp(name, "completion-helper", 17)) && !eq)
				return NN_CLI_COMPLETION;
			for (o = cli->opts; o->type != NN_OPT_END; o++)
				if (o->long_name && strlen(o->long_name) == n && !strncmp(o->long_name, name, n))
					break;
			if (o->type == NN_OPT_END) {
				const char *near = nn_cli_closest(cli, name, n);
				nn_error_set(err, NN_EARG, "unknown option '--%.*s'%s%s%s", (int)n, name,
				             near ? "; did you mean '--" : "", near ? near : "", near ? "'?" : "");
				return NN_CLI_ERROR;
			}
			const char *arg = NULL;
			if (o->type == NN_OPT_FLAG) {
				if (eq) {
					nn_error_set(err, NN_EARG, "option '--%s' takes no value", o->long_name);
					return NN_CLI_ERROR;
				}
			} else if (eq) {
				arg = eq + 1;
			} else if (i + 1 < argc) {
				arg = argv[++i];
			} else {
				nn_error_set(err, NN_EARG, "option '--%s' needs a value", o->long_name);
				return NN_CLI_ERROR;
			}
			if (set_value(o, arg, err))
				return NN_CLI_ERROR;
			continue;
		}
		for (const char *p = a + 1; *p; p++) {      /* -abc, -oFILE, -o FILE */
			if (*p == 'h')
				return NN_CLI_HELP;
			for (o = cli->opts; o->type != NN_OPT_END; o++)
				if (o->short_name == *p)
					break;
			if (o->type == NN_OPT_END) {
				nn_error_set(err, NN_EARG, "unknown option '-%c'", *p);
				return NN_CLI_ERROR;
			}
			if (o->type == NN_OPT_FLAG) {
				if (set_value(o, NULL, err))
					return NN_CLI_ERROR;
				continue;
			}
			const char *arg = p[1] ? p + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (!arg) {
				nn_error_set(err, NN_EARG, "option '-%c' needs a value", *p);
				return NN_CLI_ERROR;
			}
			if (set_value(o, arg, err))
				return NN_CLI_ERROR;
			break;
		}
	}
	if (cli->max_operands >= 0 && operands->n > (size_t)cli->max_operands) {
		nn_error_set(err, NN_EARG, "too many operands (at most %d)", cli->max_operands);
		return NN_CLI_ERROR;
	}
	return NN_CLI_OK;
}

char *nn_cli_usage(const nn_cli *cli)
{
	char *s = NULL;
	if (asprintf(&s, "usage: %s %s", cli->prog, cli->synopsis) < 0)
		return NULL;
	return s;
}

/* Append to a malloc'd string; on failure frees it and returns NULL. */
static char *append(char *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *append(char *s, const char *fmt, ...)
{
	char *more = NULL, *joined = NULL;
	va_list ap;

	if (!s)
		return NULL;
	va_start(ap, fmt);
	int n = vasprintf(&more, fmt, ap);
	va_end(ap);
	if (n < 0 || asprintf(&joined, "%s%s", s, more) < 0)
		joined = NULL;
	free(s);
	free(more);
	return joined;
}

/* One option's line: "  -o, --output FILE         help". */
static char *append_option(char *s, const nn_option *o)
{
	char left[80];
	int n = snprintf(left, sizeof left, "%c%c%s%s%s%s%s",
	                 o->short_name ? '-' : ' ', o->short_name ? o->short_name : ' ',
	                 o->short_name && o->long_name ? ", " : "  ",
	                 o->long_name ? "--" : "", o->long_name ? o->long_name : "",
	                 o->arg_name ? " " : "", o->arg_name ? o->arg_name : "");
	return append(s, "  %s%*s%s%s\n", left, n < 26 ? 26 - n : 1, "", o->help,
	              o->type == NN_OPT_LIST ? " (repeatable)" : "");
}

char *nn_cli_help(const nn_cli *cli)
{
	static const nn_option builtin[] = {
		{ 'h', "help", NN_OPT_FLAG, NULL, NULL, "print this help and exit", 0, 0 },
		{ 0, "version", NN_OPT_FLAG, NULL, NULL, "print the version and exit", 0, 0 },
	};
	char *s = nn_cli_usage(cli);

	s = append(s, "\n%s\n\nOptions:\n", cli->summary);
	for (const nn_option *o = cli->opts; s && o->type != NN_OPT_END; o++)
		s = append_option(s, o);
	for (size_t i = 0; s && i < sizeof builtin / sizeof builtin[0]; i++)
		s = append_option(s, &builtin[i]);
	if (cli->details)
		s = append(s, "\n%s\n", cli->details);
	return s;
}

char *nn_cli_completion(const nn_cli *cli)
{
	char *s = strdup("");
	for (const nn_option *o = cli->opts; s && o->type != NN_OPT_END; o++) {
		const char *kind = o->type == NN_OPT_FLAG ? "flag" : o->type == NN_OPT_LIST ? "list" :
		                   o->type == NN_OPT_CHOICE ? "choice" : "value";
		char shortname[3] = { o->short_name ? '-' : 0, o->short_name, 0 };
		s = append(s, "%s\t%s%s\t%s\t%s\t%s\n", shortname, o->long_name ? "--" : "",
		           o->long_name ? o->long_name : "", kind, o->arg_name ? o->arg_name : "", o->help);
	}
	return s;
}
