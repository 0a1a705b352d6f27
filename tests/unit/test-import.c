/* test-import.c — the importers' library: the fast decimal parser gives
 * exactly what strtof gives (millions of random and edge-case strings),
 * CSV's two paths agree, and LIBSVM, IDX and NPY headers are checked. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/import.h"
#include "nn/rng.h"
#include "../../libcommon/import_int.h"
#include "check.h"

static int same_f32(float a, float b)
{
	return !memcmp(&a, &b, 4);
}

/* Parse s both ways; count a difference (and show the first few). */
static int compare(const char *s, long *fast, int *shown)
{
	float want = strtof(s, NULL), got = 12345, quick;
	size_t n = strlen(s);
	int r = nn_import_f32(s, n, &got);
	if (import_scan_f32(s, s + n, &quick) == s + n) {
		++*fast;
		if (!same_f32(quick, want))
			r = -1;
	}
	if (r != NN_VALUE_OK || !same_f32(got, want)) {
		if ((*shown)++ < 5)
			printf("# '%s': strtof %a, ours %a, r %d\n", s, want, got, r);
		return 1;
	}
	return 0;
}

static void random_decimal(nn_rng *r, char *buf)
{
	char *p = buf;
	int digits = 1 + (int)nn_rng_below(r, 25), point = (int)nn_rng_below(r, (uint64_t)digits + 2);
	if (nn_rng_below(r, 4) == 0)
		*p++ = nn_rng_below(r, 2) ? '-' : '+';
	for (int i = 0; i < digits; i++) {
		if (i == point)
			*p++ = '.';
		*p++ = (char)('0' + nn_rng_below(r, 10));
	}
	if (point == digits)
		*p++ = '.';
	if (nn_rng_below(r, 3) == 0)
		p += sprintf(p, "%c%d", nn_rng_below(r, 2) ? 'e' : 'E', (int)nn_rng_below(r, 100) - 50);
	*p = 0;
}

static void test_against_strtof(void)
{
	static const char *const edge[] = {
		"0", "-0", "+0", "0.0", "-0.0", "00000", ".0", "0.", "0e0", "0e-999", "-0e+999",
		"1", "-1", "16777216", "16777217", "16777218", "16777219", "33554431", "33554433",
		"9007199254740992", "9007199254740993", "9007199254740995", "18446744073709551615",
		"18446744073709551616", "1e22", "1e23", "9999999999999999999", "99999999999999999999",
		"3.4028235e38", "3.40282347e38", "3.4028236e38", "3.40282357e38", "1e38", "1e39",
		"340282356779733661637539395458142568448", "1.17549435e-38", "1.1754942e-38",
		"1.4e-45", "7e-46", "7.1e-46", "1e-46", "2.8e-45", "1e-22", "1e-23",
		"0.1", "0.2", "0.3", "0.7", "1.1", "2.5", "0.5", "1.5", "0.003921569", "0.28627452",
		"0.050980393", "0.99999994", "0.99999997", "0.999999970198", "1.00000006",
		"1.000000059604644775390625", "1.0000000596046447753906249", "1.0000000596046447753906251",
		"8.589973e9", "4.2949673e9", "123456789", "1234567890123", ".5", "5.", "+.5e+3",
		"1e0", "1E+0", "1e-0", "000000000000000000000000001", "0.000000000000000000000000001",
		"1.00000000000000000000000000000000000001", "2.00000011920928955078125",
		"2.0000001192092896", "7.038531e-26", "1.6777217e7", "4.5e15", "1e15",
		"5e-324", "1e-400", "1e400", "-1e400"
	};
	long fast = 0, total = 0;
	int bad = 0, shown = 0;
	char buf[80];
	nn_rng r;

	for (size_t i = 0; i < sizeof edge / sizeof *edge; i++, total++)
		bad += compare(edge[i], &fast, &shown);
	CHECK(!bad, "%zu edge cases parse as strtof parses them", sizeof edge / sizeof *edge);

	nn_rng_seed(&r, 1, 40);
	bad = 0;
	for (int i = 0; i < 1000000; i++, total++) {
		random_decimal(&r, buf);
		bad += compare(buf, &fast, &shown);
	}
	CHECK(!bad, "1,000,000 random decimals (1-25 digits, exponents -50..49): %d differ", bad);

	/* Every float kind printed short and long, and the halfway points
	 * between neighbours (where double rounding would go wrong). */
	bad = 0;
	for (int i = 0; i < 1000000; i++, total += 4) {
		uint32_t u = (uint32_t)nn_rng_u64(&r);
		float f, g;
		double mid;
		if (i % 2)   /* half of them in the range of ordinary data */
			u = (u & 0x807fffffu) | (uint32_t)(110 + nn_rng_below(&r, 40)) << 23;
		memcpy(&f, &u, 4);
		if (!isfinite(f))
			continue;
		g = nextafterf(f, INFINITY);
		mid = ((double)f + (double)g) / 2;
		snprintf(buf, sizeof buf, "%.9g", f);
		bad += compare(buf, &fast, &shown);
		snprintf(buf, sizeof buf, "%.6g", f);
		bad += compare(buf, &fast, &shown);
		snprintf(buf, sizeof buf, "%.17g", mid);
		bad += compare(buf, &fast, &shown);
		snprintf(buf, sizeof buf, "%.12e", mid);
		bad += compare(buf, &fast, &shown);
	}
	CHECK(!bad, "4,000,000 printed floats and halfway points: %d differ", bad);

	/* Short decimals in [0, 1] as CSV files hold them. */
	bad = 0;
	for (int i = 0; i < 1000000; i++, total++) {
		snprintf(buf, sizeof buf, "%.*f", 1 + (int)nn_rng_below(&r, 9),
		         (double)nn_rng_below(&r, 1000000000) / 1e9);
		bad += compare(buf, &fast, &shown);
	}
	CHECK(!bad, "1,000,000 short decimals in [0, 1]: %d differ", bad);
	CHECK(fast > total / 2, "the fast path decided %ld of %ld", fast, total);
}

static void test_syntax(void)
{
	static const char *const badv[] = {
		"1e", "1e+", "e5", ".", "-", "+", "1.2.3", "0x10", "1 2", " 1 2", "1\n", "1,5",
		"nan(1)", "infinit", "--1", "1-", "1e5.5", "abc", "1f", "١"
	};
	static const char *const missing[] = {
		"", "?", "NA", "N/A", "n/a", "NaN", "nan", "-nan", "NULL", "null", "None", "#N/A", "<NA>",
		"NAN", "+nan", "-NaN", " nan ", "\t?"
	};
	int ok = 1;
	float f;
	double d;
	for (size_t i = 0; i < sizeof badv / sizeof *badv; i++)
		if (nn_import_f32(badv[i], strlen(badv[i]), &f) != NN_VALUE_BAD ||
		    nn_import_f64(badv[i], &d) != NN_VALUE_BAD) {
			printf("# '%s' accepted\n", badv[i]);
			ok = 0;
		}
	CHECK(ok, "hex, inner spaces, cut exponents and text are not numbers");
	ok = 1;
	for (size_t i = 0; i < sizeof missing / sizeof *missing; i++)
		ok &= nn_import_f32(missing[i], strlen(missing[i]), &f) == NN_VALUE_MISSING && isnan(f);
	CHECK(ok, "the missing-value tokens, and NaN in any case with a sign, are NaN");
	ok = 1;
	static const char *const blanks[] = { " 12", "12 ", " 12 ", "\t12", " +12.0\t", "1.2e1  " };
	for (size_t i = 0; i < sizeof blanks / sizeof *blanks; i++) {
		ok &= nn_import_f32(blanks[i], strlen(blanks[i]), &f) == NN_VALUE_OK && f == 12;
		ok &= nn_import_f64(blanks[i], &d) == NN_VALUE_OK && d == 12;
	}
	CHECK(ok, "surrounding spaces and tabs are not part of a number: ' 12 ' is 12");
	const char *p = "  a b \t";
	size_t n = nn_import_trim(&p, strlen(p));
	CHECK(n == 3 && !strncmp(p, "a b", 3), "trimming keeps inner blanks");
	CHECK(nn_import_f32("-Infinity", 9, &f) == NN_VALUE_OK && f == -INFINITY &&
	      nn_import_f32("INF", 3, &f) == NN_VALUE_OK && f == INFINITY, "infinities in any case");
	CHECK(nn_import_f32("1\0" "2", 3, &f) == NN_VALUE_BAD, "a NUL byte is not part of a number");
}

/* --- csv ------------------------------------------------------------- */

static nn_csv *csv_open(nn_memsrc *m, const char *text, size_t len, const nn_csv_opts *o,
                        nn_error *err)
{
	m->p = (const unsigned char *)text;
	m->n = len;
	m->pos = 0;
	return nn_csv_open((nn_source){ nn_memsrc_read, m }, o, err);
}

static void test_csv(void)
{
	static const char text[] =
		"\xEF\xBB\xBF" "a, b ,label\r\n"
		"1,2.5,cat\r\n"
		"\r\n"
		"  -3 , NA ,dog\n"
		"\"4\",\"1e3\",\"c\"\"at\"\n"
		"\"5\"  ,6,dog\n"
		"7,inf,cat";
	nn_csv_opts o = { ',', 0, 0, "label", NULL, 0, NULL, 0, 0 };
	nn_memsrc m;
	nn_error err = { 0 };
	nn_csv *c = csv_open(&m, text, sizeof text - 1, &o, &err);
	float x[20];
	double yv[10];
	uint32_t yid[10];
	ptrdiff_t n;

	CHECK(c != NULL, "a csv with a BOM, CRLF, quotes and a blank line opens: %s", err.msg);
	if (!c)
		return;
	const nn_csv_info *in = nn_csv_info_of(c);
	CHECK(in->ncols == 3 && in->nfeat == 2 && in->label_col == 2 && !strcmp(in->names[1], "b"),
	      "header names trimmed, the label found by name");
	n = nn_csv_read(c, x, yv, yid, 10, &err);
	CHECK(n == 5, "five rows (blank line skipped): %td %s", n, err.msg);
	CHECK(x[0] == 1 && x[1] == 2.5f && x[2] == -3 && isnan(x[3]) && x[4] == 4 && x[5] == 1000 &&
	      x[6] == 5 && x[7] == 6 && x[8] == 7 && x[9] == INFINITY, "values, quoted or not");
	CHECK(yid[0] == yid[4] && yid[1] == yid[3] && yid[0] != yid[1] && yid[2] != yid[0],
	      "labels by text, a quoted quote kept");
	n = nn_csv_read(c, x, yv, yid, 10, &err);
	CHECK(n == 0, "then the end");
	nn_yplan p;
	CHECK(nn_labels_plan(nn_csv_labels(c), NN_TASK_AUTO, NULL, &p, &err) == 0 &&
	      p.how == NN_Y_NAMES && p.ncls == 3 && !strcmp(p.cls[0], "c\"at") &&
	      !strcmp(p.cls[1], "cat") && !strcmp(p.cls[2], "dog"), "class names sorted bytewise");
	int32_t y[4];   /* rows 2..5: the read that found the end began row 1 anew */
	nn_yplan_apply_rows(&p, yv + 1, yid + 1, 4, y);
	CHECK(y[0] == 2 && y[1] == 0 && y[2] == 2 && y[3] == 1, "rows' class ids by the plan");
	nn_yplan_free(&p);
	nn_csv_close(c);

	/* CR-only line endings (classic Mac OS, some spreadsheet exports) */
	static const char cr[] = "a,y\r1,\" 1\"\r2,1 \r3,2\r\"NAN\",2";
	nn_csv_opts ocr = { ',', 0, 0, "y", NULL, 0, NULL, 0, 0 };
	c = csv_open(&m, cr, sizeof cr - 1, &ocr, &err);
	n = c ? nn_csv_read(c, x, yv, yid, 10, &err) : -1;
	CHECK(n == 4 && x[0] == 1 && x[2] == 3 && isnan(x[3]) && nn_csv_info_of(c)->ncols == 2,
	      "CR-only lines are lines; NAN is a missing value: %td rows %s", n, err.msg);
	CHECK(n == 4 && yid[0] == yid[1] && yid[1] != yid[2] && yid[2] == yid[3],
	      "the labels ' 1' and '1 ' are the class '1'");
	if (c) {
		nn_yplan pc;
		CHECK(nn_labels_plan(nn_csv_labels(c), NN_TASK_AUTO, NULL, &pc, &err) == 0 &&
		      nn_csv_labels(c)->names.n == 2,
		      "two label texts, not three: %s", err.msg);
		nn_yplan_free(&pc);
		nn_csv_close(c);
	}

	static const struct { const char *text, *msg; } bad[] = {
		{ "a,b\n1,2\n3,x\n", "line 3, column 'b': not a number: 'x'" },
		{ "a,b\n1,2\n3,4,5\n", "line 3: expected 2 columns, found 3" },
		{ "a,b\n1,2\n3\n", "line 3: expected 2 columns, found 1" },
		{ "a,b\n1,2\n3,x,5\n", "line 3: expected 2 columns, found 3" },
		{ "a,b\n1,\"2\nx", "line 2: unterminated quoted field" },
		{ "a,b\n1,\"2\"x\n", "line 2: text after a closing quote" },
		{ "a,b\n1,2\0\n", "line 2: NUL byte (a binary file?)" },
		{ "", "no header line: the input is empty" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		size_t len = strlen(bad[i].text) + (strstr(bad[i].msg, "NUL") ? 2 : 0);
		nn_csv_opts o2 = { ',', 0, 0, NULL, NULL, 0, NULL, 0, 0 };
		memset(&err, 0, sizeof err);
		c = csv_open(&m, bad[i].text, len, &o2, &err);
		if (c) {
			while ((n = nn_csv_read(c, x, NULL, NULL, 1, &err)) > 0)
				;
			nn_csv_close(c);
		}
		CHECK(err.code == NN_EDATA && !strcmp(err.msg, bad[i].msg), "error '%s' (got '%s')",
		      bad[i].msg, err.msg);
	}
}

/* Lines longer than the read block, and many short ones across blocks. */

static void test_csv_blocks(void)
{
	size_t cols = 300000, cap = cols * 12 + 4000000, len = 0;
	char *text = malloc(cap);
	float *x = malloc(cols * 4 * 2);
	nn_memsrc m;
	nn_error err = { 0 };
	nn_csv_opts o = { ',', 1, 0, NULL, NULL, 0, NULL, 0, 0 };
	nn_csv *c;
	ptrdiff_t n;
	int ok = 1;
	size_t rows = 0;

	for (int r = 0; r < 2; r++)
		for (size_t i = 0; i < cols; i++)
			len += (size_t)sprintf(text + len, "%zu.%d%c", i, r, i + 1 < cols ? ',' : '\n');
	m = (nn_memsrc){ (const unsigned char *)text, len, 0 };
	c = nn_csv_open((nn_source){ nn_memsrc_read, &m }, &o, &err);
	while (c && (n = nn_csv_read(c, x, NULL, NULL, 2, &err)) > 0)
		rows += (size_t)n;
	for (size_t i = 0; i < cols; i++) {
		char v[32];
		snprintf(v, sizeof v, "%zu.1", i);
		ok &= x[i] == (float)i && same_f32(x[cols + i], strtof(v, NULL));
	}
	CHECK(c && rows == 2 && ok, "two 3 MB lines across 1 MiB blocks: %zu rows %s", rows, err.msg);
	nn_csv_close(c);

	/* 200,000 short lines, the value checked on every one */
	len = 0;
	for (int i = 0; i < 200000; i++)
		len += (size_t)sprintf(text + len, "%d,%d.25\n", i, i);
	m = (nn_memsrc){ (const unsigned char *)text, len, 0 };
	c = nn_csv_open((nn_source){ nn_memsrc_read, &m }, &o, &err);
	rows = 0;
	ok = 1;
	while (c && (n = nn_csv_read(c, x, NULL, NULL, 1, &err)) > 0) {
		ok &= x[0] == (float)rows && x[1] == (float)rows + 0.25f;
		rows++;
	}
	CHECK(c && rows == 200000 && ok, "200,000 short lines across blocks: %zu rows", rows);
	nn_csv_close(c);
	free(text);
	free(x);
}

/* --- libsvm, idx, npy ------------------------------------------------- */

static void test_libsvm(void)
{
	static const char text[] = "# comment\n+1 1:0.5 3:2\n-1 2:1e1 # tail\n\n+1\n";
	nn_memsrc m = { (const unsigned char *)text, sizeof text - 1, 0 };
	nn_error err = { 0 };
	nn_libsvm *l = nn_libsvm_open((nn_source){ nn_memsrc_read, &m }, 0, 0, &err);
	const nn_svm_pair *pr;
	uint32_t nnz, id;
	double v;
	int rows = 0, ok = 1;

	while (l && nn_libsvm_next(l, &v, &id, &pr, &nnz, &err) == 1) {
		if (rows == 0)
			ok &= v == 1 && nnz == 2 && pr[0].index == 0 && pr[0].value == 0.5f &&
			      pr[1].index == 2 && pr[1].value == 2;
		if (rows == 1)
			ok &= v == -1 && nnz == 1 && pr[0].index == 1 && pr[0].value == 10;
		if (rows == 2)
			ok &= nnz == 0;
		rows++;
	}
	CHECK(l && rows == 3 && ok && nn_libsvm_width(l) == 3, "libsvm rows, comments, width 3");
	nn_libsvm_close(l);

	static const char badtext[] = "1 2:1 2:3\n";
	m = (nn_memsrc){ (const unsigned char *)badtext, sizeof badtext - 1, 0 };
	l = nn_libsvm_open((nn_source){ nn_memsrc_read, &m }, 0, 0, &err);
	CHECK(l && nn_libsvm_next(l, &v, &id, &pr, &nnz, &err) < 0 &&
	      !strcmp(err.msg, "line 1: index 2 does not ascend"), "indices must ascend: %s", err.msg);
	nn_libsvm_close(l);

	/* as svm-train and scikit-learn read it: a BOM, qid, +1 as an index, nan */
	static const char svmlight[] = "\xEF\xBB\xBF" "3 qid:1 +1:2 4:nan\n1 qid:2 2:1\n";
	m = (nn_memsrc){ (const unsigned char *)svmlight, sizeof svmlight - 1, 0 };
	l = nn_libsvm_open((nn_source){ nn_memsrc_read, &m }, 0, 0, &err);
	uint64_t first = 0;
	ok = l && nn_libsvm_next(l, &v, &id, &pr, &nnz, &err) == 1 && v == 3 && nnz == 2 &&
	     pr[0].index == 0 && pr[0].value == 2 && pr[1].index == 3 && isnan(pr[1].value) &&
	     nn_libsvm_next(l, &v, &id, &pr, &nnz, &err) == 1 && v == 1 && nnz == 1 &&
	     nn_libsvm_next(l, &v, &id, &pr, &nnz, &err) == 0;
	CHECK(ok && nn_libsvm_qid_rows(l, &first) == 2 && first == 1,
	      "a BOM, qid:N skipped and counted, index +1, value nan: %s", err.msg);
	nn_libsvm_close(l);

	static const struct { const char *text, *msg; } bad[] = {
		{ "1 1: 2:3\n", "line 1, index 1: empty value (LIBSVM has no missing values: "
		                "leave the index out for 0)" },
		{ "1 1:?\n", "line 1, index 1: missing value '?' (LIBSVM has no missing values: "
		             "leave the index out for 0)" },
		{ "1 1:NA\n", "line 1, index 1: missing value 'NA' (LIBSVM has no missing values: "
		              "leave the index out for 0)" },
		{ "1 1:2 qid:3\n", "line 1: 'qid:3' after the features (a query id goes right after the label)" },
		{ "1 qid:x 1:2\n", "line 1: bad query id 'qid:x'" },
		{ "1 +-1:2\n", "line 1: bad index '+-1'" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		m = (nn_memsrc){ (const unsigned char *)bad[i].text, strlen(bad[i].text), 0 };
		l = nn_libsvm_open((nn_source){ nn_memsrc_read, &m }, 0, 0, &err);
		CHECK(l && nn_libsvm_next(l, &v, &id, &pr, &nnz, &err) < 0 && !strcmp(err.msg, bad[i].msg),
		      "libsvm error '%s' (got '%s')", bad[i].msg, err.msg);
		nn_libsvm_close(l);
	}
}

static void test_arrays(void)
{
	static const unsigned char idx[] = { 0, 0, 0x0B, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0x01, 0x02, 0xff, 0xfe };
	char npy[128];
	nn_memsrc m = { idx, sizeof idx, 0 };
	nn_array a;
	nn_error err = { 0 };
	int16_t v[2];

	CHECK(nn_array_open(&a, (nn_source){ nn_memsrc_read, &m }, NN_ARRAY_IDX, sizeof idx, &err) == 0 &&
	      a.dtype == NN_I16 && a.rows == 2 && a.ndim == 1 && a.row_bytes == 2 &&
	      nn_array_rows(&a, v, 2, 0, &err) == 0 && v[0] == 0x0102 && v[1] == -2 &&
	      nn_array_end(&a, &err) == 0, "idx i16, big-endian to host");
	static const unsigned char lab[] = { 0, 0, 0x08, 1, 0, 0, 0, 3, 2, 0, 7 };
	unsigned char raw[3];
	int32_t y[3];
	m = (nn_memsrc){ lab, sizeof lab, 0 };
	nn_dtype ldt;
	CHECK(nn_array_open(&a, (nn_source){ nn_memsrc_read, &m }, NN_ARRAY_IDX, sizeof lab, &err) == 0 &&
	      nn_array_labels_check(&a, 3, 0, &ldt, &err) == 0 && ldt == NN_I32 &&
	      nn_array_labels_rows(&a, y, ldt, raw, 2, 0, 0, &err) == 0 && y[0] == 2 && y[1] == 0 &&
	      nn_array_labels_rows(&a, y, ldt, raw, 1, 2, 3, &err) == -1 && strstr(err.msg, "3"),
	      "labels read and converted, checked against the classes: %s", err.msg);
	m.pos = 0;
	CHECK(nn_array_open(&a, (nn_source){ nn_memsrc_read, &m }, NN_ARRAY_IDX, 15, &err) < 0 &&
	      strstr(err.msg, "the file has 15"), "idx size checked against the file: %s", err.msg);
	m = (nn_memsrc){ idx, 13, 0 };
	CHECK(nn_array_open(&a, (nn_source){ nn_memsrc_read, &m }, NN_ARRAY_IDX, -1, &err) == 0 &&
	      nn_array_rows(&a, v, 2, 0, &err) < 0 &&
	      !strcmp(err.msg, "truncated: the header claims 2 rows, the data ends after 0"),
	      "idx cut short: %s", err.msg);

	static const char hdr[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }";
	size_t hl = sizeof hdr - 1;
	memcpy(npy, "\x93NUMPY\x01\x00", 8);
	npy[8] = (char)hl;
	npy[9] = 0;
	memcpy(npy + 10, hdr, hl);
	m = (nn_memsrc){ (const unsigned char *)npy, 10 + hl, 0 };
	CHECK(nn_array_open(&a, (nn_source){ nn_memsrc_read, &m }, NN_ARRAY_NPY, -1, &err) == 0 &&
	      a.dtype == NN_F32 && a.rows == 3 && a.ndim == 1 && a.shape[0] == 2, "npy header");
	npy[10 + 12] = 'c';  /* '<c4' */
	m.pos = 0;
	CHECK(nn_array_open(&a, (nn_source){ nn_memsrc_read, &m }, NN_ARRAY_NPY, -1, &err) < 0 &&
	      !strcmp(err.msg, "NPY dtype '<c4' is not supported"), "npy dtype checked: %s", err.msg);

	/* headers as numpy writes them: '=' and '>' byte orders, '|u1',
	 * Python 2's long dimensions; a big-endian value swapped */
	static const struct { const char *hdr; nn_dtype t; int ok; } hs[] = {
		{ "{'descr': '=f4', 'fortran_order': False, 'shape': (1, 2), }", NN_F32, 1 },
		{ "{'descr': '>i2', 'fortran_order': False, 'shape': (1, 2), }", NN_I16, 1 },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (1L, 2L), }", NN_U8, 1 },
		{ "{'descr': '|f4', 'fortran_order': False, 'shape': (1, 2), }", NN_F32, 0 },
		{ "{'descr': '!f4', 'fortran_order': False, 'shape': (1, 2), }", NN_F32, 0 },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (1LL, 2), }", NN_F32, 0 },
	};
	for (size_t i = 0; i < sizeof hs / sizeof *hs; i++) {
		hl = strlen(hs[i].hdr);
		npy[8] = (char)hl;
		memcpy(npy + 10, hs[i].hdr, hl);
		memcpy(npy + 10 + hl, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
		m = (nn_memsrc){ (const unsigned char *)npy, 10 + hl + 8, 0 };
		unsigned char row[8];
		int got = nn_array_open(&a, (nn_source){ nn_memsrc_read, &m }, NN_ARRAY_NPY, -1, &err) == 0 &&
		          a.dtype == hs[i].t && a.rows == 1 && a.shape[0] == 2 &&
		          nn_array_rows(&a, row, 1, 0, &err) == 0;
		if (got && hs[i].t == NN_I16) {
			int16_t v0;
			memcpy(&v0, row, 2);
			got = v0 == 0x0102;
		}
		CHECK(got == hs[i].ok, "npy %s: %s", hs[i].hdr, hs[i].ok ? "read" : "refused");
	}
}

/* --id columns: text padded with NUL bytes, column by column; never cut,
 * always UTF-8; a column given twice refused. */
static void test_csv_ids(void)
{
	static const char text[] = "k,a,j,y\nab,1,\"x,y\",0\n\"\",2,\xc3\xa9,1\n  s ,3,q,0\n";
	const char *ids[2] = { "j", "0" };
	nn_csv_opts o = { ',', 0, 0, "y", NULL, 0, ids, 2, 4 };
	nn_memsrc m;
	nn_error err = { 0 };
	nn_csv *c = csv_open(&m, text, sizeof text - 1, &o, &err);
	float x[8];
	double yv[4];
	uint32_t yid[4];
	unsigned char buf[2 * 4 * 4];
	static const unsigned char want[2 * 4 * 4] = {
		'x', ',', 'y', 0, 0xc3, 0xa9, 0, 0, 'q', 0, 0, 0, 0, 0, 0, 0,
		'a', 'b', 0, 0, 0, 0, 0, 0, 's', 0, 0, 0, 0, 0, 0, 0 };
	ptrdiff_t n = c ? nn_csv_read_cols(c, x, yv, yid, (void *[]){ buf, buf + 16 }, 4, &err) : -1;
	const nn_csv_info *in = c ? nn_csv_info_of(c) : NULL;
	CHECK(n == 3 && in->nfeat == 1 && in->nids == 2 && in->id_col[0] == 2 && in->id_col[1] == 0 &&
	      !strcmp(in->id_names[0], "j") && !strcmp(in->id_names[1], "k") &&
	      x[0] == 1 && x[2] == 3 && !memcmp(buf, want, 12) && !memcmp(buf + 16, want + 16, 12),
	      "two id columns, quoted, empty, trimmed, UTF-8: %td %s", n, err.msg);
	nn_csv_close(c);

	static const struct { const char *text, *id, *msg; } bad[] = {
		{ "k,a\nabcd,1\nabcde,2\n", "k", "line 3, column 'k': an id of 5 bytes is longer than "
		  "the 4 bytes of a str field (give --id-width 5 or more)" },
		{ "k,a\n\xe9,1\n", "k", "line 2, column 'k': the id is not UTF-8 text "
		  "(convert the file first, e.g. with iconv -f latin1 -t utf-8)" },
		{ "k,a\n\"\xe9\",1\n", "k", "line 2, column 'k': the id is not UTF-8 text "
		  "(convert the file first, e.g. with iconv -f latin1 -t utf-8)" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		nn_csv_opts o2 = { ',', 0, 0, NULL, NULL, 0, &bad[i].id, 1, 4 };
		memset(&err, 0, sizeof err);
		c = csv_open(&m, bad[i].text, strlen(bad[i].text), &o2, &err);
		while (c && (n = nn_csv_read_cols(c, x, NULL, NULL, (void *[]){ buf }, 1, &err)) > 0)
			;
		nn_csv_close(c);
		CHECK(err.code == NN_EDATA && !strcmp(err.msg, bad[i].msg), "%s (got '%s')", bad[i].msg, err.msg);
	}
	const char *twice[2] = { "k", "0" };
	nn_csv_opts o3 = { ',', 0, 0, NULL, NULL, 0, twice, 2, 4 };
	c = csv_open(&m, "k,a\nx,1\n", 8, &o3, &err);
	CHECK(!c && strstr(err.msg, "column 'k' is both --id and --id") == NULL &&
	      strstr(err.msg, "is both --id and --id"), "a column given twice: %s", err.msg);
}

/* --task auto: whole numbers are classes up to NN_AUTO_MAX_CLASSES
 * distinct values, regression beyond, with a note past two values. */
static void test_auto_task(void)
{
	static const struct { int distinct, classify, note; } cases[] = {
		{ 2, 1, NN_YNOTE_NONE }, { 3, 1, NN_YNOTE_CLASSES }, { NN_AUTO_MAX_CLASSES, 1, NN_YNOTE_CLASSES },
		{ NN_AUTO_MAX_CLASSES + 1, 0, NN_YNOTE_VALUES }, { 214, 0, NN_YNOTE_VALUES },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		nn_labels L = { 0 };
		nn_error err = { 0 };
		nn_yplan p;
		char buf[24], note[200] = "";
		double v;
		uint32_t id;
		for (int k = 0; k < 2 * cases[i].distinct; k++) {
			snprintf(buf, sizeof buf, "%d", 25 + k % cases[i].distinct);
			if (nn_labels_add(&L, buf, (uint64_t)k + 1, &v, &id, &err))
				abort();
		}
		int ok = nn_labels_plan(&L, NN_TASK_AUTO, NULL, &p, &err) == 0 &&
		         (p.dtype == NN_I32) == cases[i].classify && p.note == cases[i].note &&
		         nn_yplan_note(&p, note, sizeof note) == (cases[i].note != NN_YNOTE_NONE);
		CHECK(ok, "%d distinct whole numbers: %s; note '%s'", cases[i].distinct,
		      cases[i].classify ? "classes" : "regression", note);
		nn_yplan_free(&p);
		CHECK(nn_labels_plan(&L, NN_TASK_CLASSIFY, NULL, &p, &err) == 0 && p.dtype == NN_I32 &&
		      p.note == NN_YNOTE_NONE, "--task classification: classes, no note");
		nn_yplan_free(&p);
		nn_labels_free(&L);
	}
}

/* LIBSVM rows through the spool of nn-import's two passes. */
static void test_libsvm_spool(void)
{
	FILE *f = tmpfile();
	nn_svm_pair pairs[2] = { { 0, 1.5f }, { 3, -2 } };
	float x[4] = { 0 };
	double v;
	uint32_t id;
	nn_error err = { 0 };
	CHECK(f && nn_libsvm_spool_put(f, 7.5, 3, pairs, 2, &err) == 0 &&
	      nn_libsvm_spool_put(f, 1, 0, pairs, 0, &err) == 0 && !fseek(f, 0, SEEK_SET) &&
	      nn_libsvm_spool_get(f, x, 4, &v, &id, &err) == 0 && v == 7.5 && id == 3 &&
	      x[0] == 1.5f && x[1] == 0 && x[3] == -2 &&
	      nn_libsvm_spool_get(f, x, 4, &v, &id, &err) == 0 && v == 1 && id == 0,
	      "spooled rows read back dense: %s", err.msg);
	CHECK(nn_libsvm_spool_get(f, x, 4, &v, &id, &err) == -1 && err.code == NN_EIO &&
	      strstr(err.msg, "shorter than written"), "past the end: %s", err.msg);
	nn_yplan p = { .how = NN_Y_VALUE, .dtype = NN_F32 };
	float x2[8] = { 9, 9, 9, 9, 9, 9, 9, 9 }, y[2];
	CHECK(nn_libsvm_spool_rewind(f, &err) == 0 && nn_libsvm_spool_rows(f, x2, 4, 2, &p, y, &err) == 0 &&
	      x2[0] == 1.5f && x2[1] == 0 && x2[3] == -2 && x2[4] == 0 && x2[7] == 0 && y[0] == 7.5f &&
	      y[1] == 1, "two rows back dense (zeroed first), y by the plan: %s", err.msg);
	fseek(f, 0, SEEK_SET);
	CHECK(nn_libsvm_spool_get(f, x, 3, &v, &id, &err) == -1 && strstr(err.msg, "index 3"),
	      "an index past the width is refused: %s", err.msg);
	fclose(f);
}

int main(void)
{
	test_csv_ids();
	test_auto_task();
	test_libsvm_spool();
	test_syntax();
	test_against_strtof();
	test_csv();
	test_csv_blocks();
	test_libsvm();
	test_arrays();
	return check_done();
}
