/* energy.c — the cost of a run: wall and CPU time from the clocks, energy
 * from RAPL counters or estimated from CPU time (nn/energy.h). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "nn/energy.h"

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU seconds of every thread of this process (getrusage counts threads
 * that already ended too, which CLOCK_PROCESS_CPUTIME_ID also does, but
 * rusage also splits user and system for whoever wants them later). */
static double cpu_now(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

/* One decimal counter from a sysfs file; -1 if unreadable or not a number. */
static int read_u64(const char *path, uint64_t *out)
{
	FILE *f = fopen(path, "r");
	char buf[64], *end;
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	if (n == 0 || buf[0] < '0' || buf[0] > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (errno || (*end && *end != '\n'))
		return -1;
	*out = v;
	return 0;
}

/* A package zone is "intel-rapl:N" (digits only after the colon); its
 * sub-zones "intel-rapl:N:M" are inside it and would count twice. */
static int is_package(const char *name)
{
	const char *p = "intel-rapl:";
	if (strncmp(name, p, strlen(p)) != 0)
		return 0;
	name += strlen(p);
	if (!*name)
		return 0;
	for (; *name; name++)
		if (*name < '0' || *name > '9')
			return 0;
	return 1;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const nn_rapl_zone *)a)->path, ((const nn_rapl_zone *)b)->path);
}

int nn_cost_start(nn_cost_meter *m, const char *root, double watts_per_core, nn_error *err)
{
	memset(m, 0, sizeof *m);
	if (!isfinite(watts_per_core) || watts_per_core < 0)
		return nn_error_set(err, NN_EARG, "watts per core must be a number >= 0");
	m->watts_per_core = watts_per_core;
	if (!root)
		root = NN_POWERCAP_ROOT;
	DIR *d = opendir(root);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) && m->nzones < NN_MAX_RAPL_ZONES) {
			if (!is_package(e->d_name))
				continue;
			nn_rapl_zone *z = &m->zone[m->nzones];
			char range[sizeof z->path + 16];
			int n = snprintf(z->path, sizeof z->path, "%s/%s/energy_uj", root, e->d_name);
			snprintf(range, sizeof range, "%s/%s/max_energy_range_uj", root, e->d_name);
			if (n < 0 || (size_t)n >= sizeof z->path)
				continue;
			/* a zone counts only when both files read: root-only
			 * counters (the usual case) leave no zone at all */
			if (read_u64(z->path, &z->last_uj) || read_u64(range, &z->range_uj) ||
			    z->range_uj == 0 || z->last_uj > z->range_uj)
				continue;
			m->nzones++;
		}
		closedir(d);
		/* readdir's order is the file system's: sort, so that the sum
		 * is added in the same order on every run */
		qsort(m->zone, (size_t)m->nzones, sizeof m->zone[0], by_path);
	}
	m->wall0 = wall_now();
	m->cpu0 = cpu_now();
	return 0;
}

int nn_cost_read(nn_cost_meter *m, nn_cost *out, nn_error *err)
{
	memset(out, 0, sizeof *out);
	out->wall_s = wall_now() - m->wall0;
	out->cpu_s = cpu_now() - m->cpu0;
	if (m->nzones) {
		uint64_t uj = 0;
		for (int i = 0; i < m->nzones; i++) {
			nn_rapl_zone *z = &m->zone[i];
			uint64_t now;
			if (read_u64(z->path, &now) || now > z->range_uj)
				return nn_error_set(err, NN_EIO, "%s: the energy counter is no longer readable",
				                    z->path);
			/* below the last value: the counter wrapped once */
			z->total_uj += now >= z->last_uj ? now - z->last_uj
			                                 : z->range_uj - z->last_uj + now;
			z->last_uj = now;
			uj += z->total_uj;
		}
		out->joules = (double)uj * 1e-6;
		out->source = NN_ENERGY_MEASURED;
	} else if (m->watts_per_core > 0) {
		out->joules = out->cpu_s * m->watts_per_core;
		out->source = NN_ENERGY_ESTIMATED;
	}
	return 0;
}

const char *nn_energy_source_name(nn_energy_source s)
{
	return s == NN_ENERGY_MEASURED ? "measured" : s == NN_ENERGY_ESTIMATED ? "estimated" : "none";
}
