/* libcommon/clean.c — nn-clean's rules for one row (nn/clean.h). */
#include <math.h>
#include <string.h>
#include "nn/clean.h"
#include "nn/cli.h"

int nn_nonfinite_parse(const char *s, enum nn_nonfinite *p, double *value)
{
	static const char *const names[] = { "drop", "mean", "median", "zero", "value=", "fail", "keep" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		size_t n = strlen(names[i]);
		if (i == NN_NONFINITE_VALUE ? strncmp(s, names[i], n) : strcmp(s, names[i]))
			continue;
		*p = (enum nn_nonfinite)i;
		if (i == NN_NONFINITE_VALUE && (nn_parse_double(s + n, value) || !isfinite(*value)))
			return 1;
		return 0;
	}
	return -1;
}

int nn_nonfinite_fills(enum nn_nonfinite p)
{
	return p == NN_NONFINITE_MEAN || p == NN_NONFINITE_MEDIAN || p == NN_NONFINITE_ZERO ||
	       p == NN_NONFINITE_VALUE;
}

double nn_nonfinite_fill(enum nn_nonfinite p, size_t j, const double *mean,
                         const double *median, double value)
{
	return p == NN_NONFINITE_MEAN ? mean[j] : p == NN_NONFINITE_MEDIAN ? median[j] :
	       p == NN_NONFINITE_ZERO ? 0 : value;
}

void nn_clip_bounds(size_t D, const double *mean, const double *std, double sigma,
                    int integer, double *lo, double *hi)
{
	for (size_t j = 0; j < D; j++) {
		double m = mean ? mean[j] : NAN, sd = std ? std[j] : NAN;
		lo[j] = -INFINITY;
		hi[j] = INFINITY;
		if (sigma > 0 && isfinite(m) && isfinite(sd)) {
			lo[j] = m - sigma * sd;
			hi[j] = m + sigma * sd;
			if (integer) {
				lo[j] = ceil(lo[j]);
				hi[j] = floor(hi[j]);
			}
		}
	}
}

void nn_clean_row(double *row, size_t D, const double *fill, const double *lo,
                  const double *hi, uint64_t *replaced, uint64_t *clipped)
{
	for (size_t j = 0; j < D; j++) {
		double v = row[j];
		if (fill && v - v != 0 && !isnan(fill[j])) {   /* v - v: NaN for NaN and ±inf */
			v = fill[j];
			++*replaced;
		}
		if (v < lo[j] || v > hi[j]) {
			v = v < lo[j] ? lo[j] : hi[j];
			++*clipped;
		}
		row[j] = v;
	}
}
