/* jsonget.c — a checking JSON reader that keeps one number (nn/jsonget.h). */
#include <stdlib.h>
#include <string.h>
#include "nn/jsonget.h"

#define DEPTH 64

typedef struct {
	const char *s, *end;
	const char *path;          /* the rest of the path to match */
	int found;
	double value;
	const char *what;          /* the value at the path was not a number: its kind */
} cur;

static void ws(cur *c)
{
	while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' || *c->s == '\r'))
		c->s++;
}

static int lit(cur *c, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(c->end - c->s) < n || memcmp(c->s, w, n))
		return -1;
	c->s += n;
	return 0;
}

/* A string; *k and *kn its raw bytes between the quotes. */
static int string(cur *c, const char **k, size_t *kn)
{
	if (c->s >= c->end || *c->s != '"')
		return -1;
	const char *start = ++c->s;
	while (c->s < c->end && *c->s != '"') {
		unsigned char ch = (unsigned char)*c->s;
		if (ch < 0x20)
			return -1;
		if (ch == '\\') {
			if (++c->s >= c->end)
				return -1;
			if (*c->s == 'u') {
				for (int i = 0; i < 4; i++)
					if (++c->s >= c->end || !strchr("0123456789abcdefABCDEF", *c->s) || !*c->s)
						return -1;
			} else if (!strchr("\"\\/bfnrt", *c->s) || !*c->s) {
				return -1;
			}
		}
		c->s++;
	}
	if (c->s >= c->end)
		return -1;
	*k = start;
	*kn = (size_t)(c->s++ - start);
	return 0;
}

static int digits(cur *c)
{
	const char *s = c->s;
	while (c->s < c->end && *c->s >= '0' && *c->s <= '9')
		c->s++;
	return c->s > s ? 0 : -1;
}

static int number(cur *c, double *v)
{
	const char *s = c->s;
	char buf[64];
	if (c->s < c->end && *c->s == '-')
		c->s++;
	if (c->s < c->end && *c->s == '0')
		c->s++;
	else if (digits(c))
		return -1;
	if (c->s < c->end && *c->s == '.') {
		c->s++;
		if (digits(c))
			return -1;
	}
	if (c->s < c->end && (*c->s == 'e' || *c->s == 'E')) {
		c->s++;
		if (c->s < c->end && (*c->s == '+' || *c->s == '-'))
			c->s++;
		if (digits(c))
			return -1;
	}
	size_t n = (size_t)(c->s - s);
	if (n >= sizeof buf) {
		*v = 0;   /* valid, but longer than any nn-eval writes: not kept */
		return 1;
	}
	memcpy(buf, s, n);
	buf[n] = 0;
	*v = strtod(buf, NULL);
	return 0;
}

/* A value; at_path: it is the one the path names (when path is ""), or
 * it is an object that may hold it. */
static int value(cur *c, int depth, int on_path)
{
	const char *k;
	size_t kn;
	double v;

	if (depth > DEPTH)
		return -1;
	ws(c);
	if (c->s >= c->end)
		return -1;
	int here = on_path && !*c->path;
	switch (*c->s) {
	case '{': {
		const char *path = c->path;
		c->s++;
		ws(c);
		if (c->s < c->end && *c->s == '}') {
			c->s++;
			break;
		}
		for (;;) {
			ws(c);
			if (string(c, &k, &kn))
				return -1;
			ws(c);
			if (c->s >= c->end || *c->s++ != ':')
				return -1;
			const char *dot = strchr(path, '.');
			size_t pn = dot ? (size_t)(dot - path) : strlen(path);
			int match = on_path && *path && !c->found && pn == kn && !memcmp(k, path, kn);
			c->path = match ? path + pn + (dot != NULL) : path;
			if (value(c, depth + 1, match))
				return -1;
			c->path = path;
			ws(c);
			if (c->s < c->end && *c->s == ',') {
				c->s++;
				continue;
			}
			if (c->s < c->end && *c->s == '}') {
				c->s++;
				break;
			}
			return -1;
		}
		if (here)
			c->what = "an object";
		break;
	}
	case '[':
		c->s++;
		ws(c);
		if (c->s < c->end && *c->s == ']') {
			c->s++;
		} else {
			for (;;) {
				if (value(c, depth + 1, 0))
					return -1;
				ws(c);
				if (c->s < c->end && *c->s == ',') {
					c->s++;
					continue;
				}
				if (c->s < c->end && *c->s == ']') {
					c->s++;
					break;
				}
				return -1;
			}
		}
		if (here)
			c->what = "an array";
		break;
	case '"':
		if (string(c, &k, &kn))
			return -1;
		if (here)
			c->what = "a string";
		break;
	case 't':
	case 'f':
	case 'n':
		if (lit(c, "true") && lit(c, "false") && lit(c, "null"))
			return -1;
		if (here)
			c->what = c->s[-1] == 'l' ? "null" : "a boolean";
		break;
	default: {
		int r = number(c, &v);
		if (r < 0)
			return -1;
		if (here && r == 0) {
			c->found = 1;
			c->value = v;
		} else if (here) {
			c->what = "a number too long to keep";
		}
	}
	}
	return 0;
}

int nn_json_number(const char *doc, size_t n, const char *path, double *out, nn_error *err)
{
	cur c = { doc, doc + n, path, 0, 0, NULL };
	if (!*path)
		return nn_error_set(err, NN_EARG, "empty path");
	if (value(&c, 0, 1))
		return nn_error_set(err, NN_EDATA, "malformed JSON near byte %zu", (size_t)(c.s - doc));
	ws(&c);
	if (c.s != c.end)
		return nn_error_set(err, NN_EDATA, "malformed JSON: bytes after the value at byte %zu",
		                    (size_t)(c.s - doc));
	if (!c.found)
		return nn_error_set(err, NN_EDATA, c.what ? "'%s' is %s, not a number" : "no '%s'%s", path,
		                    c.what ? c.what : "");
	*out = c.value;
	return 0;
}
