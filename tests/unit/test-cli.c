/* test-cli.c — the option parser: choices validated in one place, "did you
 * mean" for a mistyped long option, and the help listing the choices. */
#include <string.h>
#include <stdlib.h>
#include "nn/cli.h"
#include "check.h"

static const char *fmt = "tsv", *out;
static long long epochs = 10;
static const nn_option opts[] = {
	{ 0, "log-format", NN_OPT_CHOICE, &fmt, "tsv|json", "format of the log", 0, 0 },
	{ 0, "epochs", NN_OPT_INT, &epochs, "N", "epochs", 1, 1000 },
	{ 0, "epsilon", NN_OPT_DOUBLE, NULL, "E", "epsilon", 0, 1 },
	NN_OPT_OUTPUT(&out),
	NN_OPT_END_ENTRY
};
static const nn_cli cli = { "nn-test", "[OPTIONS]", "Test.", NULL, opts, 0 };

static int parse(int argc, char **argv, nn_error *err)
{
	nn_strlist ops = { 0 };
	int r = nn_cli_parse(&cli, argc, argv, &ops, err);
	nn_strlist_free(&ops);
	return r;
}

int main(void)
{
	nn_error err = { 0 };

	CHECK(nn_cli_choice("tsv|json", "tsv") == 0 && nn_cli_choice("tsv|json", "json") == 1,
	      "a choice's position in the list");
	CHECK(nn_cli_choice("tsv|json", "ts") == -1 && nn_cli_choice("tsv|json", "") == -1 &&
	      nn_cli_choice("tsv|json", "tsv|json") == -1 && nn_cli_choice("tsv|json", "jsonx") == -1,
	      "a prefix, an empty word, the list itself are not choices");

	char *a1[] = { "nn-test", "--log-format", "json", NULL };
	CHECK(parse(3, a1, &err) == NN_CLI_OK && !strcmp(fmt, "json"), "--log-format json accepted");
	char *a2[] = { "nn-test", "--log-format=csv", NULL };
	CHECK(parse(2, a2, &err) == NN_CLI_ERROR &&
	      !strcmp(err.msg, "--log-format: 'csv' is not one of: tsv, json"),
	      "a value not among the choices names them: %s", err.msg);

	char *a3[] = { "nn-test", "--epoch", "3", NULL };
	CHECK(parse(3, a3, &err) == NN_CLI_ERROR &&
	      !strcmp(err.msg, "unknown option '--epoch'; did you mean '--epochs'?"),
	      "a missing letter: did you mean (%s)", err.msg);
	char *a4[] = { "nn-test", "--ouptut=x", NULL };
	CHECK(parse(2, a4, &err) == NN_CLI_ERROR && strstr(err.msg, "did you mean '--output'?"),
	      "two letters swapped: did you mean (%s)", err.msg);
	char *a5[] = { "nn-test", "--log", "tsv", NULL };
	CHECK(parse(3, a5, &err) == NN_CLI_ERROR && strstr(err.msg, "did you mean '--log-format'?"),
	      "a prefix of a long name: did you mean (%s)", err.msg);
	char *a6[] = { "nn-test", "--zzzzzz", NULL };
	CHECK(parse(2, a6, &err) == NN_CLI_ERROR && !strcmp(err.msg, "unknown option '--zzzzzz'"),
	      "nothing close: no suggestion (%s)", err.msg);
	char *a7[] = { "nn-test", "--versoin", NULL };
	CHECK(parse(2, a7, &err) == NN_CLI_ERROR && strstr(err.msg, "did you mean '--version'?"),
	      "the built-in options are suggested too (%s)", err.msg);
	CHECK(nn_cli_closest(&cli, "epsilo", 6) && !strcmp(nn_cli_closest(&cli, "epsilo", 6), "epsilon"),
	      "the closest of two near names");

	char *help = nn_cli_help(&cli);
	CHECK(help && strstr(help, "--log-format tsv|json"), "the help lists the choices");
	free(help);
	return check_done();
}
