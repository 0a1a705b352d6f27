/* nn/shortest.h — the shortest decimal that reads back as a float.
 *
 * nn_shortest_f32 is Schubfach (R. Giulietti, "The Schubfach way to render
 * doubles", 2020), for binary32: of the decimals that round to v (to
 * nearest, ties to even, as strtof reads them) it returns one with the
 * fewest significant digits, and of those the one closest to v (ties to an
 * even last digit).  About ten nanoseconds, no tables built at run time.
 * nn_format_f32 (nn/tensor.h) lays the digits out as text.
 */
#ifndef NN_SHORTEST_H
#define NN_SHORTEST_H

#include <stdint.h>

/* v finite and not zero (its sign is ignored): returns the digits d, with
 * no trailing zeros, and sets *exp10 so that d × 10^*exp10 is that
 * decimal.  d < 10^9. */
uint32_t nn_shortest_f32(float v, int *exp10);

#endif
