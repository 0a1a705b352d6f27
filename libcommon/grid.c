/* grid.c — nn-tune's search space: parsing, expansion, random draws
 * (nn/grid.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/cli.h"
#include "nn/grid.h"
#include "nn/tensor.h"

int nn_grid_is_rate(const char *name)
{
	static const char *const rates[] = { "lr", "min-lr", "weight-decay", "eps", "clip-norm" };
	for (size_t i = 0; i < sizeof rates / sizeof *rates; i++)
		if (!strcmp(name, rates[i]))
			return 1;
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* LO:HI into k (0), or 1 when s is not a range (no error: then it is a
 * list); NN_EARG for a range that is wrong. */
static int parse_range(nn_grid_key *k, const char *s, size_t n, nn_error *err)
{
	char a[NN_GRID_VALUE], b[NN_GRID_VALUE];
	const char *colon = memchr(s, ':', n);
	long long la, lb;

	if (!colon || memchr(s, ',', n) || memchr(s, '[', n))
		return 1;
	if ((size_t)(colon - s) >= sizeof a || n - (size_t)(colon - s) > sizeof b)
		return nn_error_set(err, NN_EARG, "'%s': range too long", k->name);
	memcpy(a, s, (size_t)(colon - s));
	a[colon - s] = 0;
	memcpy(b, colon + 1, n - (size_t)(colon - s) - 1);
	b[n - (size_t)(colon - s) - 1] = 0;
	if (nn_parse_double(a, &k->lo) || nn_parse_double(b, &k->hi))
		return nn_error_set(err, NN_EARG, "'%s=%s:%s': a range is two numbers LO:HI", k->name, a, b);
	if (!(k->lo < k->hi))
		return nn_error_set(err, NN_EARG, "'%s=%s:%s': LO must be below HI", k->name, a, b);
	if (nn_grid_is_rate(k->name) && !(k->lo > 0))
		return nn_error_set(err, NN_EARG, "'%s=%s:%s': a rate is drawn log-uniformly, LO must be above 0",
		                    k->name, a, b);
	k->integer = !nn_grid_is_rate(k->name) && !nn_parse_ll(a, -(1LL << 52), 1LL << 52, &la) &&
	             !nn_parse_ll(b, -(1LL << 52), 1LL << 52, &lb);
	return 0;
}

/* The comma-separated list s[0..n) into k->values. */
static int parse_list(nn_grid_key *k, const char *s, size_t n, nn_error *err)
{
	size_t i = 0;
	while (i <= n) {
		size_t start = i, end;
		int bracket = i < n && s[i] == '[';
		if (bracket) {
			const char *close = memchr(s + i, ']', n - i);
			if (!close)
				return nn_error_set(err, NN_EARG, "'%s': '[' without ']'", k->name);
			start = i + 1;
			end = (size_t)(close - s);
			i = end + 1;
			if (i < n && s[i] != ',')
				return nn_error_set(err, NN_EARG, "'%s': ',' expected after ']'", k->name);
		} else {
			const char *comma = memchr(s + i, ',', n - i);
			end = comma ? (size_t)(comma - s) : n;
			i = end;
		}
		if (end == start)
			return nn_error_set(err, NN_EARG, "'%s': empty value", k->name);
		if (end - start >= NN_GRID_VALUE)
			return nn_error_set(err, NN_EARG, "'%s': value longer than %d bytes", k->name,
			                    NN_GRID_VALUE - 1);
		void *p = realloc(k->values, (k->nvalues + 1) * sizeof *k->values);
		if (!p)
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		k->values = p;
		memcpy(k->values[k->nvalues], s + start, end - start);
		k->values[k->nvalues++][end - start] = 0;
		i++;   /* past the comma, or past the end */
	}
	return 0;
}

int nn_grid_add(nn_grid *g, const char *spec, nn_error *err)
{
	const char *p = spec;
	for (;;) {
		while (is_space(*p))
			p++;
		if (!*p)
			return 0;
		const char *item = p, *eq;
		while (*p && !is_space(*p))
			p++;
		size_t len = (size_t)(p - item);
		eq = memchr(item, '=', len);
		if (!eq || eq == item)
			return nn_error_set(err, NN_EARG, "'%.*s': KEY=VALUES expected", (int)len, item);
		size_t kn = (size_t)(eq - item);
		for (size_t i = 0; i < kn; i++) {
			char c = item[i];
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0)))
				return nn_error_set(err, NN_EARG, "'%.*s': a key is an option's long name",
				                    (int)kn, item);
		}
		if (kn >= NN_GRID_VALUE)
			return nn_error_set(err, NN_EARG, "'%.40s...': key too long", item);
		if (g->nkeys == NN_GRID_KEYS)
			return nn_error_set(err, NN_ELIMIT, "more than %d keys", NN_GRID_KEYS);
		nn_grid_key *k = &g->keys[g->nkeys];
		memset(k, 0, sizeof *k);
		memcpy(k->name, item, kn);
		for (size_t i = 0; i < g->nkeys; i++)
			if (!strcmp(g->keys[i].name, k->name))
				return nn_error_set(err, NN_EARG, "'%s' given twice", k->name);
		g->nkeys++;   /* owned from here, released by nn_grid_release */
		const char *v = eq + 1;
		size_t vn = len - kn - 1;
		if (!vn)
			return nn_error_set(err, NN_EARG, "'%s': no value", k->name);
		int r = parse_range(k, v, vn, err);
		if (r < 0)
			return -1;
		if (r > 0 && parse_list(k, v, vn, err))
			return -1;
	}
}

void nn_grid_release(nn_grid *g)
{
	for (size_t i = 0; i < g->nkeys; i++)
		free(g->keys[i].values);
	g->nkeys = 0;
}

int nn_grid_count(const nn_grid *g, size_t *n, nn_error *err)
{
	size_t c = 1;
	for (size_t i = 0; i < g->nkeys; i++) {
		const nn_grid_key *k = &g->keys[i];
		if (!k->nvalues)
			return nn_error_set(err, NN_EARG, "'%s' is a range: a range needs --trials N", k->name);
		if (nn_size_mul(c, k->nvalues, &c) || c > NN_GRID_MAX)
			return nn_error_set(err, NN_EARG, "the grid has more than %d configurations", NN_GRID_MAX);
	}
	*n = c;
	return 0;
}

void nn_grid_point(const nn_grid *g, size_t i, char (*out)[NN_GRID_VALUE])
{
	for (size_t k = g->nkeys; k-- > 0;) {   /* the last key varies fastest */
		const nn_grid_key *key = &g->keys[k];
		memcpy(out[k], key->values[i % key->nvalues], NN_GRID_VALUE);
		i /= key->nvalues;
	}
}

void nn_grid_draw(const nn_grid *g, nn_rng *r, char (*out)[NN_GRID_VALUE])
{
	for (size_t i = 0; i < g->nkeys; i++) {
		const nn_grid_key *k = &g->keys[i];
		if (k->nvalues) {
			memcpy(out[i], k->values[nn_rng_below(r, k->nvalues)], NN_GRID_VALUE);
		} else if (k->integer) {
			long long lo = (long long)k->lo, span = (long long)k->hi - lo + 1;
			snprintf(out[i], NN_GRID_VALUE, "%lld", lo + (long long)nn_rng_below(r, (uint64_t)span));
		} else {
			double u = nn_rng_uniform(r), v;
			if (nn_grid_is_rate(k->name))
				v = exp(log(k->lo) + u * (log(k->hi) - log(k->lo)));
			else
				v = k->lo + u * (k->hi - k->lo);
			snprintf(out[i], NN_GRID_VALUE, "%.4g", v);
			double shown = strtod(out[i], NULL);
			if (shown < k->lo || shown > k->hi)
				nn_format_f64(out[i], v < k->lo ? k->lo : v > k->hi ? k->hi : v);
		}
	}
}

int nn_grid_check_value(const nn_grid_key *key, size_t i, const nn_option *o, nn_error *err)
{
	if (!key->nvalues && o->type != NN_OPT_STR)
		return nn_error_set(err, NN_EARG, "grid key '%s': a range needs a numeric option", key->name);
	if (key->nvalues && o->arg_name && nn_cli_choice(o->arg_name, key->values[i]) < 0)
		return nn_error_set(err, NN_EARG, "grid value '%s=%s': not one of %s", key->name,
		                    key->values[i], o->arg_name);
	if (o->type == NN_OPT_FLAG && strcmp(key->values[i], "on") && strcmp(key->values[i], "off"))
		return nn_error_set(err, NN_EARG, "grid value '%s=%s': a flag takes on or off", key->name,
		                    key->values[i]);
	return 0;
}
