/* test-grid.c — nn-tune's grid: the exact expansion and its order, lists
 * with bracketed values, ranges, the draws (reproducible for a seed,
 * within range, log-uniform for rates) and the specs that are refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/cli.h"
#include "nn/grid.h"
#include "check.h"

static int refused(const char *spec, const char *part)
{
	nn_grid g = { 0 };
	nn_error err = { 0 };
	int r = nn_grid_add(&g, spec, &err);
	nn_grid_release(&g);
	return r == -1 && err.code == NN_EARG && strstr(err.msg, part);
}

int main(void)
{
	nn_grid g = { 0 };
	nn_error err = { 0 };
	char v[NN_GRID_KEYS][NN_GRID_VALUE];
	size_t n = 0;

	CHECK(!nn_grid_add(&g, "  lr=1e-3,1e-2\tlayers=32,[64,32],128 ", &err), "a spec parses: %s", err.msg);
	CHECK(!nn_grid_add(&g, "batch-size=16,64", &err), "a second spec adds its keys");
	CHECK(g.nkeys == 3 && !strcmp(g.keys[1].name, "layers") && g.keys[1].nvalues == 3 &&
	      !strcmp(g.keys[1].values[1], "64,32"), "a bracketed value keeps its commas");
	CHECK(!nn_grid_count(&g, &n, &err) && n == 12, "2 x 3 x 2 = 12 configurations");
	{
		static const char *const want[12][3] = {
			{ "1e-3", "32", "16" }, { "1e-3", "32", "64" }, { "1e-3", "64,32", "16" },
			{ "1e-3", "64,32", "64" }, { "1e-3", "128", "16" }, { "1e-3", "128", "64" },
			{ "1e-2", "32", "16" }, { "1e-2", "32", "64" }, { "1e-2", "64,32", "16" },
			{ "1e-2", "64,32", "64" }, { "1e-2", "128", "16" }, { "1e-2", "128", "64" },
		};
		int same = 1;
		for (size_t i = 0; i < 12; i++) {
			nn_grid_point(&g, i, v);
			for (int k = 0; k < 3; k++)
				same &= !strcmp(v[k], want[i][k]);
		}
		CHECK(same, "the expansion is the product, first key slowest, last key fastest");
	}
	CHECK(nn_grid_add(&g, "lr=0.1", &err) && strstr(err.msg, "'lr' given twice"), "a key given twice");
	nn_grid_release(&g);

	CHECK(!nn_grid_add(&g, "", &err) && !nn_grid_count(&g, &n, &err) && n == 1,
	      "no key: one configuration (the pass-through options alone)");

	/* Draws. */
	CHECK(!nn_grid_add(&g, "lr=1e-4:1e-1 epochs=5:8 momentum=0.5:0.9 layers=8,16", &err), "ranges parse");
	CHECK(!g.keys[0].integer && g.keys[1].integer && !g.keys[2].integer && g.keys[3].nvalues == 2,
	      "integer ranges are told from real ones");
	CHECK(nn_grid_count(&g, &n, &err) && strstr(err.msg, "needs --trials"), "a range cannot be a grid");
	{
		nn_rng a, b;
		char w[NN_GRID_KEYS][NN_GRID_VALUE];
		int same = 1, inside = 1, seen[4] = { 0 }, low = 0, lay[2] = { 0 };
		nn_rng_seed(&a, 42, 0);
		nn_rng_seed(&b, 42, 0);
		for (int t = 0; t < 2000; t++) {
			nn_grid_draw(&g, &a, v);
			nn_grid_draw(&g, &b, w);
			for (size_t k = 0; k < g.nkeys; k++)
				same &= !strcmp(v[k], w[k]);
			double lr = strtod(v[0], NULL), mom = strtod(v[2], NULL);
			long ep = strtol(v[1], NULL, 10);
			inside &= lr >= 1e-4 && lr <= 1e-1 && mom >= 0.5 && mom <= 0.9 && ep >= 5 && ep <= 8;
			if (ep >= 5 && ep <= 8)
				seen[ep - 5]++;
			low += lr < 1e-2;   /* log-uniform: 2/3 of the draws below 1e-2 */
			lay[!strcmp(v[3], "16")]++;
		}
		CHECK(same, "the same seed draws the same values");
		CHECK(inside, "every draw is within its range");
		CHECK(seen[0] && seen[1] && seen[2] && seen[3], "an integer range reaches both ends");
		CHECK(low > 1200 && low < 1466, "lr is log-uniform (%d of 2000 below 1e-2, 1333 expected)", low);
		CHECK(lay[0] > 850 && lay[1] > 850, "a list is drawn uniformly (%d, %d)", lay[0], lay[1]);
		nn_rng_seed(&b, 43, 0);
		nn_grid_draw(&g, &b, w);
		nn_rng_seed(&a, 42, 0);
		nn_grid_draw(&g, &a, v);
		CHECK(strcmp(v[0], w[0]), "another seed, other draws");
		CHECK(strlen(v[0]) <= 10, "a real draw has 4 significant digits: %s", v[0]);
	}
	nn_grid_release(&g);

	CHECK(refused("lr", "KEY=VALUES"), "an item without '='");
	CHECK(refused("=1", "KEY=VALUES"), "an item without a key");
	CHECK(refused("Lr=1", "long name"), "a key in capitals");
	CHECK(refused("--lr=1", "long name"), "a key with its dashes");
	CHECK(refused("lr=", "no value"), "a key without values");
	CHECK(refused("lr=1,,2", "empty value"), "an empty value in a list");
	CHECK(refused("lr=1,", "empty value"), "a trailing comma");
	CHECK(refused("layers=[64,32", "without ']'"), "an open bracket");
	CHECK(refused("layers=[64]32", "',' expected"), "text after a bracket");
	CHECK(refused("lr=0:1", "above 0"), "a rate's range from 0");
	CHECK(refused("epochs=9:3", "below HI"), "a range upside down");
	CHECK(refused("epochs=a:3", "two numbers"), "a range of words");
	CHECK(refused("lr=1 lr=2", "given twice"), "a key twice in one spec");
	{
		char big[200];
		memset(big, '9', sizeof big);
		memcpy(big, "epochs=", 7);
		big[sizeof big - 1] = 0;
		CHECK(refused(big, "longer than"), "a value too long");
	}
	{   /* a value for the option it sets, as nn-tune checks it before any trial */
		nn_grid c = { 0 };
		nn_option flag = { 0, "nesterov", NN_OPT_FLAG, NULL, NULL, "", 0, 0 };
		nn_option choice = { 0, "optimizer", NN_OPT_STR, NULL, "sgd|adam", "", 0, 0 };
		nn_option value = { 0, "epochs", NN_OPT_STR, NULL, NULL, "", 0, 0 };
		CHECK(!nn_grid_add(&c, "nesterov=on,maybe optimizer=adam,rmsprop epochs=2:9", &err), "keys for the checks");
		CHECK(!nn_grid_check_value(&c.keys[0], 0, &flag, &err), "a flag on");
		CHECK(nn_grid_check_value(&c.keys[0], 1, &flag, &err) == -1 && err.code == NN_EARG &&
		      !strcmp(err.msg, "grid value 'nesterov=maybe': a flag takes on or off"), "a flag maybe: %s", err.msg);
		CHECK(!nn_grid_check_value(&c.keys[1], 0, &choice, &err), "a choice's word");
		CHECK(nn_grid_check_value(&c.keys[1], 1, &choice, &err) == -1 &&
		      !strcmp(err.msg, "grid value 'optimizer=rmsprop': not one of sgd|adam"), "another word: %s", err.msg);
		CHECK(!nn_grid_check_value(&c.keys[2], 0, &value, &err), "a range of a value");
		CHECK(nn_grid_check_value(&c.keys[2], 0, &flag, &err) == -1 &&
		      !strcmp(err.msg, "grid key 'epochs': a range needs a numeric option"), "a range of a flag");
		nn_grid_release(&c);
	}
	return check_done();
}
