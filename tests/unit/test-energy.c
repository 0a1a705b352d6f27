/* test-energy.c — the cost meter on a fake powercap tree: package zones
 * summed, sub-zones left out, a wrap counted once, a counter that
 * disappears an error; the estimate from CPU time; nothing made up when
 * there is no source. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "nn/energy.h"
#include "check.h"

static char root[] = "/tmp/nn-test-energy.XXXXXX";

static void put(const char *zone, const char *file, unsigned long long v)
{
	char dir[256], path[512];
	snprintf(dir, sizeof dir, "%s/%s", root, zone);
	mkdir(dir, 0755);
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "w");
	fprintf(f, "%llu\n", v);
	fclose(f);
}

static void burn_cpu(double seconds)
{
	volatile double x = 0;
	struct timespec t0, t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			x += i * 1e-9;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) * 1e-9 < seconds);
}

int main(void)
{
	nn_cost_meter m;
	nn_cost c;
	nn_error err = { 0 };

	CHECK(mkdtemp(root) != NULL, "a temporary powercap root");

	/* no tree, no watts: energy absent, not zero-as-a-figure */
	CHECK(nn_cost_start(&m, "/nonexistent/powercap", 0, &err) == 0, "a missing root is no error");
	burn_cpu(0.02);
	CHECK(nn_cost_read(&m, &c, &err) == 0 && c.source == NN_ENERGY_NONE && c.joules == 0,
	      "no counter and no watts: source none");
	CHECK(c.cpu_s >= 0.015 && c.wall_s >= c.cpu_s * 0.5, "CPU and wall time counted (%g, %g)",
	      c.cpu_s, c.wall_s);
	CHECK(!strcmp(nn_energy_source_name(c.source), "none"), "named none");

	/* the estimate: CPU seconds × watts per core */
	CHECK(nn_cost_start(&m, root, 10, &err) == 0, "an empty root with watts");
	burn_cpu(0.03);
	CHECK(nn_cost_read(&m, &c, &err) == 0 && c.source == NN_ENERGY_ESTIMATED &&
	      fabs(c.joules - 10 * c.cpu_s) < 1e-9, "estimated: %g J for %g s at 10 W", c.joules, c.cpu_s);
	CHECK(nn_cost_start(&m, root, -1, &err) == -1 && err.code == NN_EARG, "negative watts refused");
	CHECK(nn_cost_start(&m, root, NAN, &err) == -1 && err.code == NN_EARG, "NaN watts refused");

	/* two packages and a sub-zone (core power, already inside package 0) */
	put("intel-rapl:0", "energy_uj", 1000000);
	put("intel-rapl:0", "max_energy_range_uj", 262143328850ULL);
	put("intel-rapl:1", "energy_uj", 5000000);
	put("intel-rapl:1", "max_energy_range_uj", 262143328850ULL);
	put("intel-rapl:0:0", "energy_uj", 7);
	put("intel-rapl:0:0", "max_energy_range_uj", 262143328850ULL);
	put("psys", "energy_uj", 7);   /* not a package zone */
	CHECK(nn_cost_start(&m, root, 10, &err) == 0 && m.nzones == 2, "two package zones found (%d)",
	      m.nzones);
	put("intel-rapl:0", "energy_uj", 3500000);     /* +2.5 J */
	put("intel-rapl:1", "energy_uj", 5250000);     /* +0.25 J */
	put("intel-rapl:0:0", "energy_uj", 99999999);  /* ignored */
	CHECK(nn_cost_read(&m, &c, &err) == 0 && c.source == NN_ENERGY_MEASURED &&
	      fabs(c.joules - 2.75) < 1e-9, "measured beats estimated: 2.75 J (%g)", c.joules);

	/* package 1 wraps: from 5.25 J to range, then to 0.5 J */
	put("intel-rapl:1", "energy_uj", 500000);
	CHECK(nn_cost_read(&m, &c, &err) == 0 &&
	      fabs(c.joules - (2.5 + 0.25 + (262143328850.0 - 5250000 + 500000) * 1e-6)) < 1e-6,
	      "one wrap counted as range - last + now (%.6f J)", c.joules);

	/* the counter goes away: an error, not a silently smaller figure */
	char path[512];
	snprintf(path, sizeof path, "%s/intel-rapl:1/energy_uj", root);
	unlink(path);
	CHECK(nn_cost_read(&m, &c, &err) == -1 && err.code == NN_EIO && strstr(err.msg, "intel-rapl:1"),
	      "a counter that disappears is an error: %s", err.msg);

	/* a zone whose range does not read (or a garbage counter) is skipped */
	put("intel-rapl:1", "energy_uj", 1);
	snprintf(path, sizeof path, "%s/intel-rapl:1/max_energy_range_uj", root);
	FILE *f = fopen(path, "w");
	fputs("lots\n", f);
	fclose(f);
	CHECK(nn_cost_start(&m, root, 0, &err) == 0 && m.nzones == 1, "an unreadable range leaves the zone out");

	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	CHECK(system(cmd) == 0, "clean up");
	return check_done();
}
