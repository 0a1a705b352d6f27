/* test-cliargs.c — another program's option table read from its
 * --completion-helper text, and a command line split between two
 * programs: values taken along, "--", built-in options, unknown options
 * with their nearest name. */
#include <stdlib.h>
#include <string.h>
#include "nn/cliargs.h"
#include "check.h"

static const char completion[] =
	"-o\t--output\tvalue\tFILE\twrite to FILE\n"
	"\t--epochs\tvalue\tN\tpasses\n"
	"\t--nesterov\tflag\t\tNesterov momentum\n"
	"\t--optimizer\tchoice\tsgd|adam\toptimizer\n"
	"\t--seed\tvalue\tN\tseed\n"
	"garbage line\n"
	"\tnodashes\tflag\t\tskipped\n";

static long long folds;
static const char *out;
static int json;
static const nn_option own_opts[] = {
	{ 0, "folds", NN_OPT_INT, &folds, "K", "folds", 2, 100 },
	{ 'o', "output", NN_OPT_STR, &out, "FILE", "table", 0, 0 },
	{ 0, "json", NN_OPT_FLAG, &json, NULL, "json", 0, 0 },
	{ 0, "seed", NN_OPT_INT, &folds, "N", "seed", 0, 100 },
	NN_OPT_END_ENTRY
};
static const nn_cli own = { "nn-tune", "", "", NULL, own_opts, 1 };

/* The split of the words of line, as "mine|pass" joined by spaces. */
static int split_is(const nn_cli *other, const char *line, const char *want)
{
	char buf[256], *argv[32], *mine[33], got[512] = "";
	const char *pass[32];
	int argc = 0, nmine;
	size_t npass;
	nn_error err = { 0 };
	strcpy(buf, line);
	for (char *w = strtok(buf, " "); w; w = strtok(NULL, " "))
		argv[argc++] = w;
	if (nn_cli_split(&own, other, argc, argv, mine, &nmine, pass, &npass, &err))
		return strstr(err.msg, want) != NULL;
	for (int i = 1; i < nmine; i++)
		strcat(strcat(got, i > 1 ? " " : ""), mine[i]);
	strcat(got, "|");
	for (size_t i = 0; i < npass; i++)
		strcat(strcat(got, i ? " " : ""), pass[i]);
	return !strcmp(got, want) && mine[nmine] == NULL;
}

int main(void)
{
	nn_error err = { 0 };
	nn_option *t = nn_cli_table_read(completion, strlen(completion), &err);
	CHECK(t != NULL, "the table reads: %s", err.msg);
	if (!t)
		return check_done();
	const nn_option *o = nn_cli_find(t, "nesterov", 8);
	CHECK(o && o->type == NN_OPT_FLAG, "a flag");
	o = nn_cli_find(t, "optimizer", 9);
	CHECK(o && o->type == NN_OPT_STR && o->arg_name && nn_cli_choice(o->arg_name, "adam") == 1,
	      "a choice keeps its words");
	o = nn_cli_find(t, "epochs", 6);
	CHECK(o && o->type == NN_OPT_STR && !o->arg_name, "a value");
	CHECK(!nn_cli_find(t, "nodashes", 8) && !nn_cli_find(t, "epoch", 5), "no partial names, no bad lines");
	CHECK(nn_cli_table_read("x\ny\n", 4, &err) == NULL && err.code == NN_EDATA, "no option: refused");

	nn_cli other = { "nn-train", "", "", NULL, t, 1 };
	CHECK(split_is(&other, "nn-tune --folds 3 in.nns --epochs 5", "--folds 3 in.nns|--epochs 5"),
	      "an option of the other passes with its value");
	CHECK(split_is(&other, "nn-tune --epochs=5 --nesterov in.nns", "in.nns|--epochs=5 --nesterov"),
	      "=VALUE and a flag");
	CHECK(split_is(&other, "nn-tune -o t.tsv --seed 1 x", "-o t.tsv --seed 1 x|"),
	      "an option both have is own's");
	CHECK(split_is(&other, "nn-tune --json x -- --seed 2 --optimizer adam", "--json x|--seed 2 --optimizer adam"),
	      "after --, everything passes");
	CHECK(split_is(&other, "nn-tune --help", "--help|"), "--help is own's");
	CHECK(split_is(&other, "nn-tune --epochz 3", "unknown option '--epochz' (neither nn-tune's nor nn-train's); did you mean '--epochs'?"),
	      "an unknown option, the other's nearest");
	CHECK(split_is(&other, "nn-tune --fold 3", "did you mean '--folds'?"), "an unknown option, own's nearest");
	CHECK(split_is(&other, "nn-tune -- x.nns", "'x.nns' after '--'"), "a bare word after --");

	/* what nn-tune passes on: one of nn-train's, not one nn-tune sets */
	static const char *const managed[] = { "seed", "output", NULL };
	CHECK(!nn_cli_check_passed(&own, &other, managed, "epochs=3", 6, 1, &err), "a key of the other's");
	CHECK(nn_cli_check_passed(&own, &other, managed, "seed", 4, 0, &err) == -1 && err.code == NN_EARG &&
	      !strcmp(err.msg, "option 'seed': nn-tune sets --seed of each trial itself"), "a managed option: %s", err.msg);
	CHECK(!nn_cli_check_passed(&own, &other, managed + 1, "seed", 4, 1, &err), "a grid may search what is left out");
	CHECK(nn_cli_check_passed(&own, &other, managed, "output", 6, 1, &err) == -1 &&
	      !strcmp(err.msg, "grid key 'output': nn-tune sets --output of each trial itself"), "a managed key");
	CHECK(nn_cli_check_passed(&own, &other, managed, "epochz", 6, 1, &err) == -1 &&
	      !strcmp(err.msg, "grid key 'epochz': nn-train has no --epochz; did you mean 'epochs'?"),
	      "an unknown key, the nearest: %s", err.msg);
	CHECK(nn_cli_check_passed(&own, &other, managed, "zzzzzzzz", 8, 1, &err) == -1 &&
	      !strcmp(err.msg, "grid key 'zzzzzzzz': nn-train has no --zzzzzzzz"), "nothing near: %s", err.msg);
	const char *pass[] = { "--epochs", "5", "--lr=0.1", "--nesterov" };
	CHECK(nn_cli_given(pass, 4, "lr") == pass[2] && nn_cli_given(pass, 4, "epochs") == pass[0] &&
	      nn_cli_given(pass, 4, "nesterov") == pass[3], "--key and --key=V are given");
	CHECK(!nn_cli_given(pass, 4, "epoch") && !nn_cli_given(pass, 4, "5") && !nn_cli_given(pass, 0, "lr"),
	      "a prefix, a value, nothing passed: not given");
	free(t);
	return check_done();
}
