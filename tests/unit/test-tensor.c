/* test-tensor.c — dtype names and sizes, checked conversions, shortest
 * round-trip float text, and the strict option parser. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn/cli.h"
#include "nn/tensor.h"
#include "check.h"

static void test_dtypes(void)
{
	int ok = 1;
	for (int t = 0; t < NN_DTYPE_COUNT; t++) {
		nn_dtype back;
		if (nn_dtype_parse(nn_dtype_name((nn_dtype)t), &back) || back != (nn_dtype)t)
			ok = 0;
	}
	nn_dtype d;
	CHECK(ok && nn_dtype_parse("f16", &d) == -1, "every dtype name parses back; f16 does not exist");
	CHECK(nn_dtype_size(NN_U8) == 1 && nn_dtype_size(NN_I16) == 2 && nn_dtype_size(NN_F32) == 4 &&
	      nn_dtype_size(NN_I64) == 8 && nn_dtype_size(NN_F64) == 8, "dtype sizes");
}

/* Text: its dtype, the UTF-8 rule (RFC 3629's table) and the padding. */
static void test_text(void)
{
	nn_dtype d;
	nn_error err = { 0 };
	char out[NN_FLOAT_CHARS];
	CHECK(nn_dtype_parse("str", &d) == 0 && d == NN_STR && nn_dtype_size(NN_STR) == 1 &&
	      !nn_dtype_is_numeric(NN_STR) && nn_dtype_is_numeric(NN_U8) && !nn_dtype_is_float(NN_STR),
	      "str: one byte per element, not a number");
	static const struct { const char *s; int ok; } u[] = {
		{ "plain ascii", 1 }, { "caf\xc3\xa9", 1 }, { "\xe2\x82\xac", 1 }, { "\xf0\x9f\x98\x80", 1 },
		{ "\xf4\x8f\xbf\xbf", 1 }, { "\xe9t\xe9", 0 }, { "\xc0\xaf", 0 }, { "\xe0\x80\xaf", 0 },
		{ "\xed\xa0\x80", 0 }, { "\xf4\x90\x80\x80", 0 }, { "\xc3", 0 }, { "\xe2\x82", 0 },
		{ "\x80", 0 }, { "\xff", 0 },
	};
	int ok = 1;
	for (size_t i = 0; i < sizeof u / sizeof *u; i++)
		if (nn_utf8_valid(u[i].s, strlen(u[i].s)) != u[i].ok)
			ok = 0;
	CHECK(ok, "UTF-8: overlong forms, surrogates, past U+10FFFF, cut sequences refused");
	char col[4][6] = { "ab", "", "\xc3\xa9xyz", "abcdef" };
	CHECK(nn_str_check(col, 6, 4) == SIZE_MAX && nn_str_len(col[0], 6) == 2 &&
	      nn_str_len(col[1], 6) == 0 && nn_str_len(col[3], 6) == 6,
	      "rows of text padded with NUL bytes, or filling the width, pass");
	col[1][3] = 'x';
	CHECK(nn_str_check(col, 6, 4) == 1, "a byte after the padding fails its row");
	col[1][3] = 0;
	col[3][5] = (char)0xc3;
	CHECK(nn_str_check(col, 6, 4) == 3, "a sequence cut by the width fails its row");
	CHECK(nn_convert(out, NN_F32, col, NN_STR, 1, &err) == -1 && err.code == NN_EDATA &&
	      nn_convert(col, NN_STR, out, NN_F32, 1, &err) == -1 && isnan(nn_load_f64(col, NN_STR, 0)),
	      "text is never converted to or from numbers: %s", err.msg);
}

static void test_convert(void)
{
	nn_error err = { 0 };
	uint8_t px[3] = { 0, 128, 255 };
	float f[3];
	CHECK(nn_convert(f, NN_F32, px, NN_U8, 3, &err) == 0 && f[0] == 0 && f[1] == 128 && f[2] == 255,
	      "u8 to f32");
	double dv[3] = { 1, -2, 3.5 };
	int32_t iv[3];
	CHECK(nn_convert(iv, NN_I32, dv, NN_F64, 2, &err) == 0 && iv[0] == 1 && iv[1] == -2, "whole f64 to i32");
	CHECK(nn_convert(iv, NN_I32, dv, NN_F64, 3, &err) == -1 && strstr(err.msg, "element 2"),
	      "3.5 to i32 fails naming the element: %s", err.msg);
	int32_t big[2] = { 5, 300 };
	uint8_t small[2];
	CHECK(nn_convert(small, NN_U8, big, NN_I32, 2, &err) == -1 && strstr(err.msg, "300"),
	      "300 does not fit u8: %s", err.msg);
	int64_t neg = -1;
	uint64_t u;
	CHECK(nn_convert(&u, NN_U64, &neg, NN_I64, 1, &err) == -1, "-1 does not fit u64");
	uint64_t huge = UINT64_MAX;
	int64_t s;
	CHECK(nn_convert(&s, NN_I64, &huge, NN_U64, 1, &err) == -1, "2^64-1 does not fit i64");
	int64_t exact = INT64_MAX;
	int64_t back;
	CHECK(nn_convert(&back, NN_I64, &exact, NN_I64, 1, &err) == 0 && back == INT64_MAX, "i64 copies exactly");
	double nan_in = NAN;
	CHECK(nn_convert(iv, NN_I32, &nan_in, NN_F64, 1, &err) == -1, "NaN does not convert to an integer");
	double top = 9223372036854775808.0;   /* 2^63 */
	CHECK(nn_convert(&s, NN_I64, &top, NN_F64, 1, &err) == -1, "2^63 does not fit i64");
}

static void test_format(void)
{
	char buf[NN_FLOAT_CHARS];
	nn_format_f32(buf, 5.1f);
	CHECK(!strcmp(buf, "5.1"), "f32 5.1 prints as %s", buf);
	nn_format_f64(buf, 0.1);
	CHECK(!strcmp(buf, "0.1"), "f64 0.1 prints as %s", buf);
	nn_format_f32(buf, 0.1f);
	CHECK(!strcmp(buf, "0.1"), "f32 0.1 prints as %s", buf);
	nn_format_f64(buf, (double)0.1f);
	CHECK(strtod(buf, NULL) == (double)0.1f, "f64 of f32 0.1 round-trips as %s", buf);
	nn_format_f32(buf, NAN);
	CHECK(!strcmp(buf, "nan"), "NaN prints as nan");
	nn_format_f64(buf, -INFINITY);
	CHECK(!strcmp(buf, "-inf"), "-inf prints as -inf");
	int all = 1;
	uint32_t bits = 0x3f800000;
	for (int i = 0; i < 100000; i++, bits = bits * 2654435761u + 12345) {
		float v;
		memcpy(&v, &bits, 4);
		if (!isfinite(v))
			continue;
		nn_format_f32(buf, v);
		if (strtof(buf, NULL) != v)
			all = 0;
	}
	CHECK(all, "100000 pseudo-random f32 bit patterns round-trip through text");

	/* the layout rules, f32 (Schubfach) and f64 (bisection) alike */
	static const struct { double v; int f32; const char *text; } layout[] = {
		{ 0.0001, 1, "0.0001" }, { 0.0001, 0, "0.0001" }, { 1e-5, 1, "1e-05" }, { 1e-5, 0, "1e-05" },
		{ 0.00012345, 1, "0.00012345" }, { 123.25, 1, "123.25" }, { 123.25, 0, "123.25" },
		{ -0.0, 1, "-0" }, { -0.0, 0, "-0" }, { 1e8, 1, "100000000" }, { 1e15, 0, "1000000000000000" },
		{ 1e15, 1, "1e+15" }, { 1e16, 0, "1e+16" }, { 1e-300, 0, "1e-300" }, { 1e300, 0, "1e+300" },
		{ 0x1p90, 1, "1.2379401e+27" }, { 0x1p90, 0, "1.2379400392853803e+27" },
		{ -3.4028234663852886e38, 1, "-3.4028235e+38" }, { 16777217, 0, "16777217" },
	};
	for (size_t i = 0; i < sizeof layout / sizeof layout[0]; i++) {
		if (layout[i].f32)
			nn_format_f32(buf, (float)layout[i].v);
		else
			nn_format_f64(buf, layout[i].v);
		CHECK(!strcmp(buf, layout[i].text), "%s %.17g prints as %s (%s)", layout[i].f32 ? "f32" : "f64",
		      layout[i].v, buf, layout[i].text);
	}
	float col[3] = { 0.1f, 0x1p90f, -1.5e-7f };
	char *want[3] = { "0.1", "1.2379401e+27", "-1.5e-07" };
	for (size_t i = 0; i < 3; i++) {
		int len = nn_format_elem(buf, col, NN_F32, i);
		CHECK(!strcmp(buf, want[i]) && len == (int)strlen(want[i]), "nn_format_elem f32 %s", buf);
	}
}

static void test_cli(void)
{
	long long n = 0;
	double lr = 0;
	int quiet = 0;
	const char *outp = NULL;
	nn_strlist drops = { 0 }, ops = { 0 };
	const nn_option opts[] = {
		NN_OPT_OUTPUT(&outp), NN_OPT_QUIET(&quiet),
		{ 0, "epochs", NN_OPT_INT, &n, "N", "epochs", 1, 1000 },
		{ 0, "lr", NN_OPT_DOUBLE, &lr, "X", "learning rate", 0, 10 },
		{ 0, "drop-col", NN_OPT_LIST, &drops, "NAME", "drop", 0, 0 },
		NN_OPT_END_ENTRY
	};
	const nn_cli cli = { "nn-test", "[OPTIONS] [INPUT]", "Test.", NULL, opts, 1 };
	char *argv1[] = { "nn-test", "-qofile", "--epochs=5", "--lr", "1e-3", "--drop-col", "a",
	                  "in.nns", "--drop-col=b", NULL };
	nn_error err = { 0 };
	int rc = nn_cli_parse(&cli, 9, argv1, &ops, &err);
	CHECK(rc == NN_CLI_OK && quiet && !strcmp(outp, "file") && n == 5 && lr == 1e-3 &&
	      drops.n == 2 && !strcmp(drops.v[1], "b") && ops.n == 1 && !strcmp(ops.v[0], "in.nns"),
	      "grouped short options, --opt=value, lists, operands anywhere (%s)", err.msg);
	nn_strlist_free(&ops);
	char *bad[][3] = { { "nn-test", "--epochs=0", NULL }, { "nn-test", "--epochs=5x", NULL },
	                   { "nn-test", "--lr=nan", NULL }, { "nn-test", "--nope", NULL },
	                   { "nn-test", "--epochs", NULL }, { "nn-test", "-q=1", NULL } };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rc = nn_cli_parse(&cli, 2, bad[i], &ops, &err);
		CHECK(rc == NN_CLI_ERROR, "'%s' is a usage error: %s", bad[i][1], err.msg);
		nn_strlist_free(&ops);
	}
	char *two[] = { "nn-test", "a", "b", NULL };
	CHECK(nn_cli_parse(&cli, 3, two, &ops, &err) == NN_CLI_ERROR, "a second operand is refused");
	nn_strlist_free(&ops);
	char *help[] = { "nn-test", "--lr", "1", "-h", NULL };
	CHECK(nn_cli_parse(&cli, 4, help, &ops, &err) == NN_CLI_HELP, "-h asks for help");
	nn_strlist_free(&ops);
	char *dash[] = { "nn-test", "--", "-q", NULL };
	CHECK(nn_cli_parse(&cli, 3, dash, &ops, &err) == NN_CLI_OK && ops.n == 1 && !strcmp(ops.v[0], "-q"),
	      "after -- everything is an operand");
	nn_strlist_free(&ops);
	nn_strlist_free(&drops);
	char *text = nn_cli_help(&cli);
	CHECK(text && strstr(text, "usage: nn-test [OPTIONS] [INPUT]") && strstr(text, "--drop-col NAME") &&
	      strstr(text, "-o, --output FILE"), "help text lists the options");
	free(text);
	long long v;
	CHECK(nn_parse_ll(" 5", 0, 10, &v) == -1 && nn_parse_ll("+5", 0, 10, &v) == -1 &&
	      nn_parse_ll("10", 0, 10, &v) == 0 && v == 10, "strict integers");
}

int main(void)
{
	test_dtypes();
	test_text();
	test_convert();
	test_format();
	test_cli();
	return check_done();
}
