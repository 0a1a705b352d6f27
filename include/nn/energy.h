/* nn/energy.h — what a run costs: wall time, CPU seconds and energy.
 *
 * Energy comes from the first source that works, never from a made-up
 * default:
 *   measured   Intel RAPL counters under a powercap tree
 *              (ROOT/intel-rapl:N/energy_uj, one per package; the
 *              sub-zones intel-rapl:N:M are parts of their package and
 *              are not added again).  The counters count up to
 *              max_energy_range_uj and wrap to 0; one wrap between two
 *              reads is handled, so a meter must be read at least once
 *              per wrap period (max_energy_range_uj / package watts:
 *              about 40 minutes at 100 W on common parts).
 *   estimated  CPU seconds × watts per core, when the caller gives a
 *              watts-per-core figure and no counter is readable.
 *   none       otherwise: the energy is absent.
 * Kernels since 5.10 make energy_uj readable by root only
 * (CVE-2020-8694), so "estimated" or "none" is the usual case for users.
 */
#ifndef NN_ENERGY_H
#define NN_ENERGY_H

#include <stdint.h>
#include "nn/error.h"

#define NN_POWERCAP_ROOT "/sys/class/powercap"
#define NN_MAX_RAPL_ZONES 16

typedef enum nn_energy_source {
	NN_ENERGY_NONE,
	NN_ENERGY_MEASURED,
	NN_ENERGY_ESTIMATED
} nn_energy_source;

typedef struct nn_cost {
	double wall_s;               /* since the meter started */
	double cpu_s;                /* user + system, every thread of the process */
	double joules;               /* 0 when source is NN_ENERGY_NONE */
	nn_energy_source source;
} nn_cost;

typedef struct nn_rapl_zone {
	char path[512];              /* ROOT/intel-rapl:N/energy_uj */
	uint64_t range_uj;           /* max_energy_range_uj: the counter wraps here */
	uint64_t last_uj;            /* last value read */
	uint64_t total_uj;           /* energy since the meter started */
} nn_rapl_zone;

typedef struct nn_cost_meter {
	double wall0, cpu0;
	double watts_per_core;       /* 0: no estimate */
	int nzones;                  /* 0: no readable counter */
	nn_rapl_zone zone[NN_MAX_RAPL_ZONES];
} nn_cost_meter;

/* Start a meter now.  powercap_root NULL means NN_POWERCAP_ROOT; a root
 * that does not exist or has no readable package counter just means no
 * measurement.  watts_per_core 0 means no estimate; a negative or
 * non-finite figure is NN_EARG. */
int nn_cost_start(nn_cost_meter *m, const char *powercap_root,
                  double watts_per_core, nn_error *err);

/* The cost since nn_cost_start.  A counter that stops being readable
 * (or goes backwards by more than a wrap explains) is NN_EIO: the run
 * goes on, but its energy figure would be wrong. */
int nn_cost_read(nn_cost_meter *m, nn_cost *out, nn_error *err);

/* "measured", "estimated" or "none" */
const char *nn_energy_source_name(nn_energy_source s);

#endif
