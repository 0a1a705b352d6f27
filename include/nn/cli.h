/* nn/cli.h — one declarative option table per program, one parser.
 *
 * A program lists its options in an array of nn_option ending with
 * NN_OPT_END; nn_cli_parse fills the destinations, checks numbers strictly
 * (whole string, range) and gathers operands.  -h/--help and --version are
 * built in.  The same table produces the --help text, so help and parser
 * cannot disagree.  Like the rest of libcommon the parser never prints: it
 * returns what happened and the program prints.
 */
#ifndef NN_CLI_H
#define NN_CLI_H

#include <stddef.h>
#include "nn/error.h"

enum nn_opt_type {
	NN_OPT_FLAG,    /* int *: set to 1 */
	NN_OPT_STR,     /* const char **: the argument */
	NN_OPT_INT,     /* long long *: integer within [min, max] */
	NN_OPT_DOUBLE,  /* double *: finite number within [min, max] */
	NN_OPT_SIZE,    /* long long *: bytes, "64K"/"32M"/"1G" taken, within [min, max] */
	NN_OPT_LIST,    /* nn_strlist *: every occurrence appended */
	NN_OPT_CHOICE,  /* const char **: one of the words of arg_name, "tsv|json" */
	NN_OPT_END
};

typedef struct nn_strlist {
	size_t n;
	const char **v;   /* malloc'd array of pointers into argv */
} nn_strlist;

typedef struct nn_option {
	char short_name;        /* 0 for none */
	const char *long_name;  /* without the dashes; NULL for none */
	enum nn_opt_type type;
	void *dest;
	const char *arg_name;   /* "N", "FILE"; NULL for flags; for a choice
	                         * the accepted words, "tsv|json" */
	const char *help;       /* one line */
	double min, max;        /* for INT and DOUBLE */
} nn_option;

#define NN_OPT_END_ENTRY { 0, NULL, NN_OPT_END, NULL, NULL, NULL, 0, 0 }

/* The options every program spells the same way (DESIGN.md). */
#define NN_OPT_OUTPUT(p) { 'o', "output", NN_OPT_STR, (p), "FILE", \
	"write to FILE atomically (default: standard output)", 0, 0 }
#define NN_OPT_QUIET(p) { 'q', "quiet", NN_OPT_FLAG, (p), NULL, \
	"print nothing on stderr but errors", 0, 0 }
#define NN_OPT_LEVEL(p) { 0, "level", NN_OPT_INT, (p), "N", \
	"zstd compression level, 1 to 19 (default 3)", 1, 19 }
#define NN_OPT_THREADS(p) { 0, "threads", NN_OPT_INT, (p), "N", \
	"threads this program may use (default 2 between files, 1 in a pipeline)", 1, 256 }
#define NN_OPT_SEED(p) { 0, "seed", NN_OPT_INT, (p), "N", \
	"random seed (default 0)", 0, 9007199254740991.0 }

typedef struct nn_cli {
	const char *prog;       /* "nn-info" */
	const char *synopsis;   /* "[OPTIONS] [INPUT]" */
	const char *summary;    /* one sentence: what the program does */
	const char *details;    /* paragraphs after the options, or NULL */
	const nn_option *opts;  /* ends with NN_OPT_END_ENTRY */
	int max_operands;       /* -1 for any number */
} nn_cli;

enum nn_cli_result {
	NN_CLI_OK = 0,
	NN_CLI_HELP,     /* -h/--help was given: print nn_cli_help */
	NN_CLI_VERSION,  /* --version was given */
	NN_CLI_COMPLETION, /* --completion-helper: print nn_cli_completion */
	NN_CLI_ERROR = -1
};

/* Parse argv[1..].  Operands (and everything after "--"; a lone "-" is an
 * operand) go into operands.  Options may follow operands. */
int nn_cli_parse(const nn_cli *cli, int argc, char **argv,
                 nn_strlist *operands, nn_error *err);

/* The --help text (malloc'd; NULL when out of memory). */
char *nn_cli_help(const nn_cli *cli);
/* For shell completion (tools/completion.sh), as git's
 * --git-completion-helper: one line per option, tab-separated: the short
 * name or "", the long name or "", "flag"/"value"/"list"/"choice", the
 * argument's name (a choice's words), and the help line.  malloc'd. */
char *nn_cli_completion(const nn_cli *cli);
/* The one-line usage: "usage: nn-info [OPTIONS] [INPUT]". */
char *nn_cli_usage(const nn_cli *cli);

void nn_strlist_free(nn_strlist *l);

/* The position of word in a choice list "a|b|c" (0 for "a"), or -1 when it
 * is not one of them.  A program whose choices are listed in the order of
 * an enum gets the enum's value. */
int nn_cli_choice(const char *choices, const char *word);

/* Levenshtein distance of a[0..n) and the string b, or max + 1 when it is
 * over max (names of 64 bytes or more are always "far"). */
size_t nn_edit_distance(const char *a, size_t n, const char *b, size_t max);

/* The long option of cli closest to name (at most two edits away, or name
 * a prefix of it), for "did you mean"; NULL when none is close. */
const char *nn_cli_closest(const nn_cli *cli, const char *name, size_t len);

/* Strict number parsing, locale-independent ("1e3", " 5" and "5x" are
 * handled as strtod/strtoll would not: whole string, no spaces). */
int nn_parse_ll(const char *s, long long min, long long max, long long *out);
int nn_parse_double(const char *s, double *out);
/* A byte count: a whole number with an optional K, M, G or T (either
 * case) multiplying it by 2^10, 2^20, 2^30 or 2^40. */
int nn_parse_size(const char *s, long long min, long long max, long long *out);

#endif
