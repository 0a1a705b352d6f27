/* hot.h — private to libcommon: how the elementwise loops are compiled.
 *
 * NN_HOT builds a function for AVX-512, AVX2 and plain x86-64 and picks
 * one when the program loads (GCC's target_clones), so Debian's generic
 * build still runs 16 floats per instruction where the CPU can.  The
 * Makefile's -ffp-contract=off keeps every clone computing the same bits:
 * without it the AVX2/AVX-512 clones could fuse a*b+c into one rounding
 * and a model would depend on the machine that trained it.
 */
#ifndef NN_HOT_H
#define NN_HOT_H
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && !defined(NN_NO_CLONES)
#define NN_HOT __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NN_HOT
#endif
#endif
