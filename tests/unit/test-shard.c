/* test-shard.c — the shard-name rule: conversions, flags, widths, literal
 * percent signs, and the patterns that must be refused. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn/shard.h"
#include "check.h"

static int name_is(const char *pat, uint64_t i, const char *want)
{
	nn_shard_pattern p;
	nn_error err = { 0 };
	char *s;
	int ok;

	if (nn_shard_pattern_parse(&p, pat, &err))
		return 0;
	s = nn_shard_name(&p, i, &err);
	ok = s && !strcmp(s, want);
	free(s);
	nn_shard_pattern_release(&p);
	return ok;
}

static int refused(const char *pat)
{
	nn_shard_pattern p;
	nn_error err = { 0 };
	int r = nn_shard_pattern_parse(&p, pat, &err);
	if (!r)
		nn_shard_pattern_release(&p);
	return r && err.code == NN_EARG && !p.pre;
}

int main(void)
{
	CHECK(name_is("part-%03d.nns", 7, "part-007.nns"), "%%03d pads with zeros");
	CHECK(name_is("part-%03d.nns", 12345, "part-12345.nns"), "a width is a minimum");
	CHECK(name_is("p%d", 0, "p0"), "%%d, shard 0");
	CHECK(name_is("%d", 18446744073709551615u, "18446744073709551615"), "the largest number");
	CHECK(name_is("s%5d.x", 42, "s   42.x"), "a width pads with spaces");
	CHECK(name_is("s%-5d.x", 42, "s42   .x"), "'-' pads on the right");
	CHECK(name_is("s%0-5d.x", 42, "s42   .x"), "'-' wins over '0'");
	CHECK(name_is("s%-05d.x", 42, "s42   .x"), "in either order");
	CHECK(name_is("w%%-%-3d.nns", 1, "w%-1  .nns"), "%%%% is a percent sign");
	CHECK(name_is("%%%i%%", 3, "%3%"), "%%i, percent signs around it");
	CHECK(name_is("a%ub", 9, "a9b"), "%%u");
	CHECK(name_is("%0007d", 5, "0000005"), "several '0' flags");
	{
		char want[1001];
		memset(want, '0', 999);
		strcpy(want + 998, "1");
		CHECK(name_is("%0999d", 1, want), "a width of three digits");
	}
	CHECK(refused("p.nns"), "no conversion");
	CHECK(refused("p%%d.nns"), "%%%%d is text, so no conversion");
	CHECK(refused("p%d%d.nns"), "two conversions");
	CHECK(refused("p%s.nns"), "%%s");
	CHECK(refused("p%n.nns"), "%%n");
	CHECK(refused("p%5.2f.nns"), "%%5.2f");
	CHECK(refused("p%"), "a '%%' at the end");
	CHECK(refused("p%0"), "flags at the end");
	CHECK(refused("p%+d"), "'+' flag");
	CHECK(refused("p% d"), "' ' flag");
	CHECK(refused("p%#d"), "'#' flag");
	CHECK(refused("p%*d"), "'*' width");
	CHECK(refused("p%1000d"), "a width of four digits");
	CHECK(refused("p%ld"), "a length modifier");
	CHECK(refused("p%x"), "%%x");
	CHECK(refused("%d%n"), "%%n after a good conversion");
	CHECK(refused(""), "an empty pattern");
	return check_done();
}
