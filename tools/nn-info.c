/* nn-info — show what a stream holds, and check that it is whole.
 *
 * Choices:
 * - Several INPUTs are allowed; each is reported in turn, a bad one is
 *   named on stderr and the others still reported; the exit status is 1
 *   if any failed.
 * - Without --head the whole input is read (statistics need it), so every
 *   report is also a verification: a cut or corrupt stream prints no
 *   report and fails.  --verify skips the statistics.  With -o, a run in
 *   which any input failed leaves no file.
 * - --head N prints the first N rows and stops reading, like head(1): the
 *   rest of the stream is not checked and the status is 0.
 * - Statistics per field, gathered in one walk over the data for the
 *   text and the JSON report alike (nn/fieldstats.h has the rules): min,
 *   max, mean and population std of the finite values, NaNs and
 *   infinities apart; for a str field its empty rows and longest text;
 *   class counts for integer labels.  With no finite value min, max,
 *   mean and std are nan (null in JSON).
 * - A file of tensors in chunks (nn/tensors.h) is reported as the same
 *   tensors in one row would be: a field and statistics per tensor,
 *   gathered chunk by chunk in one batch of memory, and a "chunks" line
 *   with the bytes per chunk; its chunks' order, gaps and padding are
 *   checked on the way, under --verify too.
 * - Text output is one "key<TAB>value…" line per item so that grep, cut
 *   and awk can pick it apart; --json prints one object per input, each on
 *   one line.
 * - Numbers are printed as nn-export prints them: the fewest digits that
 *   read back as the same value; mean and std in text with 6 digits.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tool.h"
#include "nn/fieldstats.h"
#include "nn/mp.h"
#include "nn/sign.h"
#include "nn/tensors.h"

static const char *opt_out;
static long long opt_head = -1;
static int opt_verify, opt_json, opt_quiet;

static const nn_option options[] = {
	NN_OPT_OUTPUT(&opt_out),
	{ 'n', "head", NN_OPT_INT, &opt_head, "N",
	  "print the first N rows as text and stop reading", 0, 9007199254740991.0 },
	{ 0, "verify", NN_OPT_FLAG, &opt_verify, NULL,
	  "only check the whole stream and print OK rows=N members=M", 0, 0 },
	{ 0, "json", NN_OPT_FLAG, &opt_json, NULL, "print one JSON object per input", 0, 0 },
	{ 'q', "quiet", NN_OPT_FLAG, &opt_quiet, NULL,
	  "with --verify print nothing: the exit status is the answer", 0, 0 },
	NN_OPT_END_ENTRY
};

static const nn_cli cli = {
	"nn-info", "[OPTIONS] [INPUT...]",
	"Show the schema, provenance, row count and statistics of streams.",
	"Reads every INPUT (standard input when there is none) to the end, so a cut\n"
	"or corrupt stream fails with status 1.  Works on data streams, models and\n"
	"fitted parameters alike.",
	options, -1
};

/* --- text and JSON ------------------------------------------------------- */

static void put_shape(FILE *o, const nn_field *f)
{
	char buf[NN_SHAPE_CHARS];
	nn_shape_str(buf, sizeof buf, f->ndim, f->shape);
	fputs(buf, o);
}

/* An argument as a shell would need it: quoted unless plainly safe;
 * control characters escaped as everywhere in the text report. */
static void put_shell_word(FILE *o, const char *s)
{
	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                    "0123456789_-+=/.,:@%") == strlen(s)) {
		fputs(s, o);
		return;
	}
	putc('\'', o);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", o);
		else
			tool_put_text(o, s, 1);
	putc('\'', o);
}

/* Metadata as JSON ("null" when there is none), malloc'd; NULL on error. */
static char *meta_json(const nn_schema *s, nn_error *err)
{
	nn_mp c = { s->meta, s->meta + s->meta_len };
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!s->meta)
		return memcpy(tool_alloc(5), "null", 5);
	if (nn_mp_to_json(&c, &buf, &len, &cap, err)) {
		free(buf);
		nn_error_prefix(err, "metadata");
		return NULL;
	}
	return buf;
}

/* A statistic: shortest form in JSON, 6 digits in text; none is nan/null. */
static void put_stat(FILE *o, const char *key, double v, int have, int single, int digits)
{
	char buf[64];

	if (have && opt_json && !isfinite(v)) {
		/* JSON has no infinity: a sum of squares past DBL_MAX is null */
		tool_note("the %s of a field overflows a double: null in the JSON", key);
		have = 0;
	}
	if (!have)
		snprintf(buf, sizeof buf, opt_json ? "null" : "nan");
	else if (digits && !opt_json)
		snprintf(buf, sizeof buf, "%.*g", digits, v);
	else
		single ? nn_format_f32(buf, (float)v) : nn_format_f64(buf, v);
	fprintf(o, opt_json ? "\"%s\": %s" : "\t%s=%s", key, buf);
}

/* min, max, mean and std, in the order both reports give them. */
static void put_stats(FILE *o, const nn_fieldstats *a, int single)
{
	static const char *const key[4] = { "min", "max", "mean", "std" };
	double v[4] = { a->min, a->max, a->mean, nn_fieldstats_std(a) };

	for (int k = 0; k < 4; k++) {
		if (k && opt_json)
			fputs(", ", o);
		put_stat(o, key[k], v[k], a->n > 0, k < 2 && single, k < 2 ? 0 : 6);
	}
}

/* Who signed a model, checkpoint or parameters file (nn/sign.h); nothing
 * for other kinds.  With --trust an unsigned or untrusted file never gets
 * here: the reader refused it. */
static void put_signature(FILE *o, const nn_reader *r, int json)
{
	char id[NN_SIGN_ID_HEX];
	int sig = nn_reader_signature(r, id);
	const char *trust = tool_trust_path();

	if (sig == NN_SIG_NOT_CHECKED)
		return;
	if (json) {
		fputs(", \"signer\": ", o);
		if (sig == NN_SIG_NONE)
			fputs("null", o);
		else
			fprintf(o, "\"%s\"", id);
		fprintf(o, ", \"signature\": \"%s\"", sig == NN_SIG_NONE ? "none" :
		        sig == NN_SIG_TRUSTED ? "trusted" : "verifies");
		return;
	}
	fputs("signature\t", o);
	if (sig == NN_SIG_NONE) {
		fputs("unsigned\n", o);
	} else if (sig == NN_SIG_TRUSTED) {
		fprintf(o, "signed by %s: verified with --trust ", id);
		tool_put_str(o, trust);
		putc('\n', o);
	} else {
		fprintf(o, "signed by %s (no --trust given: not checked)\n", id);
	}
}

/* An item of a report: "KEY<TAB>" opening a line in text, ', "KEY": ' in
 * JSON (the first item opens the object). */
static void put_key(FILE *o, const char *key, int first)
{
	if (opt_json)
		fprintf(o, "%s\"%s\": ", first ? "{" : ", ", key);
	else
		fprintf(o, "%s%s\t", first ? "" : "\n", key);
}

static void put_val(FILE *o, const char *s)
{
	(opt_json ? tool_put_json_str : tool_put_str)(o, s);
}

/* What made the stream, first in both reports: the file, its kind, the
 * program and version (one text line), its arguments (in text as a shell
 * would need them). */
static void put_head(FILE *o, const char *name, const nn_schema *s)
{
	const char *none = opt_json ? "" : "?";

	put_key(o, "file", 1);
	put_val(o, name);
	put_key(o, "kind", 0);
	put_val(o, s->kind);
	put_key(o, "program", 0);
	put_val(o, s->program ? s->program : none);
	if (opt_json)
		put_key(o, "version", 0);
	else
		putc(' ', o);
	put_val(o, s->version ? s->version : none);
	put_key(o, "args", 0);
	fputs(opt_json ? "[" : "", o);
	for (size_t i = 0; i < s->nargs; i++) {
		fputs(!i ? "" : opt_json ? ", " : " ", o);
		if (opt_json)
			tool_put_json_str(o, s->args[i]);
		else
			put_shell_word(o, s->args[i]);
	}
	fputs(opt_json ? "]" : "\n", o);
}

static void report_text(FILE *o, const char *name, const nn_schema *s, const nn_reader *r,
                        const nn_fieldstats *acc, const char *meta, size_t chunk)
{
	put_head(o, name, s);
	if (s->has_seed)
		fprintf(o, "seed\t%llu\n", (unsigned long long)s->seed);
	if (s->meta)
		fprintf(o, "meta\t%s\n", meta);
	fprintf(o, "rows\t%llu\nmembers\t%llu\n", (unsigned long long)nn_reader_rows(r),
	        (unsigned long long)nn_reader_members(r));
	if (chunk)
		fprintf(o, "chunks\t%zu bytes\n", chunk);
	put_signature(o, r, 0);
	for (size_t i = 0; i < s->nfields; i++) {
		const nn_field *f = &s->fields[i];
		fputs("field\t", o);
		tool_put_str(o, f->name);
		fprintf(o, "\t%s\t", nn_dtype_name(f->dtype));
		put_shape(o, f);
		if (f->nclasses)
			fprintf(o, "\t%zu classes", f->nclasses);
		putc('\n', o);
	}
	for (size_t i = 0; i < s->nfields; i++) {
		const nn_fieldstats *a = &acc[i];
		int single = s->fields[i].dtype == NN_F32;
		if (s->fields[i].dtype == NN_STR) {
			fputs("text\t", o);
			tool_put_str(o, s->fields[i].name);
			fprintf(o, "\tempty=%llu\tlongest=%zu\n", (unsigned long long)a->empty, a->longest);
			continue;
		}
		fputs("stats\t", o);
		tool_put_str(o, s->fields[i].name);
		put_stats(o, a, single);
		fprintf(o, "\tnan=%llu\tinf=%llu\n", (unsigned long long)a->nan, (unsigned long long)a->inf);
	}
	for (size_t i = 0; i < s->nfields; i++) {
		const nn_field *f = &s->fields[i];
		if (!nn_fieldstats_has_classes(&acc[i], f))
			continue;
		for (size_t v = nn_fieldstats_next_class(&acc[i], f, 0); v < acc[i].ncount;
		     v = nn_fieldstats_next_class(&acc[i], f, v + 1)) {
			fputs("class\t", o);
			tool_put_str(o, f->name);
			fprintf(o, "\t%zu\t%llu", v, (unsigned long long)acc[i].count[v]);
			if (f->nclasses) {
				putc('\t', o);
				tool_put_str(o, f->classes[v]);
			}
			putc('\n', o);
		}
		if (acc[i].other) {
			fputs("class\t", o);
			tool_put_str(o, f->name);
			fprintf(o, "\tother\t%llu\n", (unsigned long long)acc[i].other);
		}
	}
}

static void report_json(FILE *o, const char *name, const nn_schema *s, const nn_reader *r,
                        const nn_fieldstats *acc, const char *meta, size_t chunk)
{
	put_head(o, name, s);
	if (s->has_seed)
		fprintf(o, ", \"seed\": %llu", (unsigned long long)s->seed);
	else
		fputs(", \"seed\": null", o);
	fprintf(o, ", \"meta\": %s, \"rows\": %llu, \"members\": %llu", meta,
	        (unsigned long long)nn_reader_rows(r), (unsigned long long)nn_reader_members(r));
	if (chunk)
		fprintf(o, ", \"chunk_bytes\": %zu", chunk);
	else
		fputs(", \"chunk_bytes\": null", o);
	put_signature(o, r, 1);
	fputs(", \"fields\": [", o);
	for (size_t i = 0; i < s->nfields; i++) {
		const nn_field *f = &s->fields[i];
		const nn_fieldstats *a = &acc[i];
		fputs(i ? ", {\"name\": " : "{\"name\": ", o);
		tool_put_json_str(o, f->name);
		fprintf(o, ", \"dtype\": \"%s\", \"shape\": ", nn_dtype_name(f->dtype));
		put_shape(o, f);
		fputs(", \"classes\": ", o);
		for (size_t c = 0; c < f->nclasses; c++) {
			fputs(c ? ", " : "[", o);
			tool_put_json_str(o, f->classes[c]);
		}
		fputs(f->nclasses ? "]" : "null", o);
		if (f->dtype == NN_STR) {
			fprintf(o, ", \"stats\": null, \"text\": {\"empty\": %llu, \"longest\": %zu}, "
			        "\"class_counts\": null}", (unsigned long long)a->empty, a->longest);
			continue;
		}
		fprintf(o, ", \"stats\": {\"count\": %llu, \"nan\": %llu, \"inf\": %llu, ",
		        (unsigned long long)a->n, (unsigned long long)a->nan, (unsigned long long)a->inf);
		put_stats(o, a, f->dtype == NN_F32);
		fputs("}, \"class_counts\": ", o);
		if (!nn_fieldstats_has_classes(a, f)) {
			fputs("null}", o);
			continue;
		}
		putc('[', o);
		for (size_t v = nn_fieldstats_next_class(a, f, 0), first = 1; v < a->ncount;
		     v = nn_fieldstats_next_class(a, f, v + 1)) {
			fprintf(o, "%s{\"value\": %zu, \"count\": %llu", first ? "" : ", ", v,
			        (unsigned long long)a->count[v]);
			if (f->nclasses) {
				fputs(", \"name\": ", o);
				tool_put_json_str(o, f->classes[v]);
			}
			putc('}', o);
			first = 0;
		}
		fprintf(o, "], \"class_other\": %llu}", (unsigned long long)a->other);
	}
	fputs("]}\n", o);
}

/* --- one input ----------------------------------------------------------- */

static int failed(FILE *o, const char *name, const nn_error *err)
{
	fflush(o);
	tool_note("'%s': %s", name, err->msg);   /* nn-info's -q is not tool_quiet */
	return 1;
}

static void head_rows(FILE *o, const nn_schema *s, const nn_batch *b, size_t rows)
{
	char buf[64];

	for (size_t i = 0; i < rows; i++) {
		for (size_t f = 0; f < s->nfields; f++) {
			const nn_field *fl = &s->fields[f];
			if (f)
				putc('\t', o);
			if (fl->dtype == NN_STR) {   /* the text, escaped as every string here */
				const char *t = (const char *)b->col[f] + i * fl->row_bytes;
				tool_put_text(o, t, nn_str_len(t, fl->row_bytes));
				continue;
			}
			for (size_t k = 0; k < fl->row_elems; k++) {
				nn_format_elem(buf, b->col[f], fl->dtype, i * fl->row_elems + k);
				if (k)
					putc(' ', o);
				fputs(buf, o);
			}
		}
		putc('\n', o);
	}
}

/* "NAME: OK rows=N members=M" (name NULL: without "NAME: "). */
static void verified(FILE *o, const char *name, const nn_reader *r)
{
	if (name) {
		tool_put_str(o, name);
		fputs(": ", o);
	}
	fprintf(o, "OK rows=%llu members=%llu\n", (unsigned long long)nn_reader_rows(r),
	        (unsigned long long)nn_reader_members(r));
}

/* Report on one input; return 0, or 1 when it could not be read whole. */
static int info(FILE *o, const char *path, int several)
{
	const char *name = tool_name(path);
	nn_error err = { 0 };
	const nn_schema *s;
	const nn_batch *b;
	nn_fieldstats *acc = NULL;
	nn_tensor_table tt = { 0 };
	nn_field *tfields = NULL;   /* a chunked file's tensors as fields */
	nn_schema view;
	char *meta = NULL;
	uint64_t left = opt_head >= 0 ? (uint64_t)opt_head : 0;
	nn_reader *r;
	int rc = 0;

	if (!path && isatty(STDIN_FILENO))   /* as tool_open_in */
		tool_usage("no input given and standard input is a terminal");
	if (opt_head >= 0 && several) {
		fputs("==> ", o);
		tool_put_str(o, name);
		fputs(" <==\n", o);
	}
	if (!(r = nn_reader_open(path ? path : "-", &err)))
		return failed(o, name, &err);
	s = nn_reader_schema(r);
	if (opt_head >= 0) {
		for (size_t f = 0; f < s->nfields; f++) {
			fputs(f ? "\t" : "", o);
			tool_put_str(o, s->fields[f].name);
		}
		putc('\n', o);
		while (left && (rc = nn_reader_next(r, &b, &err)) > 0) {
			size_t n = b->rows < left ? b->rows : (size_t)left;
			head_rows(o, s, b, n);
			left -= n;
		}
		nn_reader_close(r);
		return rc < 0 ? failed(o, name, &err) : 0;
	}
	tool_scan_threads(r);
	if (nn_tensors_chunked(s)) {
		if (nn_tensors_table(s, &tt, &err) || !(tfields = nn_tensors_fields(&tt, &err))) {
			nn_tensors_table_free(&tt);
			nn_reader_close(r);
			return failed(o, name, &err);
		}
		view = *s;
		view.nfields = tt.n;
		view.fields = tfields;
		s = &view;
	}
	if (!opt_verify) {
		acc = tool_alloc((s->nfields ? s->nfields : 1) * sizeof *acc);
		for (size_t f = 0; f < s->nfields; f++)
			if (nn_fieldstats_init(&acc[f], &s->fields[f], &err))
				tool_die_err(NULL, &err);
	}
	if (tfields) {
		rc = nn_fieldstats_scan_tensors(r, &tt, tfields, acc, &err);
	} else {
		while ((rc = nn_reader_next(r, &b, &err)) > 0)
			for (size_t f = 0; acc && f < s->nfields; f++)
				nn_fieldstats_add(&acc[f], &s->fields[f], b->col[f], b->rows);
	}
	if (rc == 0 && acc && !(meta = meta_json(s, &err)))
		rc = -1;
	if (rc < 0)
		failed(o, name, &err);
	else if (opt_verify && !opt_quiet)
		verified(o, several ? name : NULL, r);
	else if (opt_json)
		report_json(o, name, s, r, acc, meta, tt.chunk);
	else if (!opt_verify)
		report_text(o, name, s, r, acc, meta, tt.chunk);
	for (size_t f = 0; acc && f < s->nfields; f++)
		nn_fieldstats_free(&acc[f]);
	free(acc);
	free(meta);
	free(tfields);
	nn_tensors_table_free(&tt);
	nn_reader_close(r);
	return rc < 0;
}

int main(int argc, char **argv)
{
	nn_strlist in = { 0 };
	int bad = 0;
	FILE *o;

	tool_parse(&cli, argc, argv, &in);
	nn_sign_report(1);
	if (opt_head >= 0 && (opt_verify || opt_json))
		tool_usage("--head goes with neither --verify nor --json");
	if (opt_verify && opt_json)
		tool_usage("--verify and --json exclude each other");
	tool_output_open(opt_out, 0);
	o = tool_output_file();
	if (!in.n)
		bad = info(o, NULL, 0);
	for (size_t i = 0; i < in.n; i++) {
		if (i && opt_head >= 0)
			putc('\n', o);
		bad |= info(o, in.v[i], in.n > 1);
	}
	if (bad && opt_out)   /* a file holds whole reports or nothing */
		exit(TOOL_EXIT_DATA);
	tool_output_commit();
	nn_strlist_free(&in);
	return bad;
}
