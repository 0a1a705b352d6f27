/* test-tsv.c — the TSV table read back: cells, columns by name, empty
 * cells, and the tables that are refused (cut, ragged, NUL, empty). */
#include <string.h>
#include "nn/tsv.h"
#include "check.h"

static int refused(const char *text, size_t n, const char *part)
{
	nn_tsv t;
	nn_error err = { 0 };
	int r = nn_tsv_parse(&t, text, n, &err);
	if (!r)
		nn_tsv_release(&t);
	return r == -1 && strstr(err.msg, part) && !t.cell;
}

int main(void)
{
	static const char text[] = "lr\tmean\tstatus\n1e-3\t0.9\tok\n1e-2\t\tfailed: x\n";
	nn_tsv t;
	nn_error err = { 0 };
	char dirty[] = "a\tb\nc\rd";

	CHECK(!nn_tsv_parse(&t, text, strlen(text), &err), "a table parses: %s", err.msg);
	CHECK(t.ncols == 3 && t.nrows == 2, "3 columns, 2 rows");
	CHECK(nn_tsv_col(&t, "mean") == 1 && nn_tsv_col(&t, "status") == 2 && nn_tsv_col(&t, "x") == -1,
	      "columns found by name");
	CHECK(!strcmp(nn_tsv_cell(&t, 0, 0), "1e-3") && !strcmp(nn_tsv_cell(&t, 1, 2), "failed: x"),
	      "cells by row and column");
	CHECK(!strcmp(nn_tsv_cell(&t, 1, 1), ""), "an empty cell");
	nn_tsv_release(&t);

	CHECK(!nn_tsv_parse(&t, "a\n", 2, &err) && t.nrows == 0 && t.ncols == 1, "a header alone");
	nn_tsv_release(&t);
	{
		char big[3000];
		size_t n = 0;
		for (int i = 0; i < 300; i++) {   /* grows past the first allocation */
			memcpy(big + n, i % 3 == 2 ? "ab\n" : "ab\t", 3);
			n += 3;
		}
		CHECK(!nn_tsv_parse(&t, big, n, &err) && t.ncols == 3 && t.nrows == 99, "100 lines");
		nn_tsv_release(&t);
	}

	CHECK(refused("", 0, "empty"), "an empty file");
	CHECK(refused("a\tb\n1\t2", 7, "no newline"), "a cut last line");
	CHECK(refused("a\tb\n1\n", 6, "line 2: 1 cells where the header has 2"), "a short row");
	CHECK(refused("a\tb\n1\t2\t3\n", 10, "line 2: 3 cells"), "a long row");
	CHECK(refused("a\0b\n", 4, "NUL"), "a NUL byte");

	nn_tsv_clean(dirty);
	CHECK(!strcmp(dirty, "a b c d"), "tabs, newlines and returns become spaces");
	return check_done();
}
