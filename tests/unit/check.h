/* check.h — the smallest TAP producer: CHECK prints "ok N - what" or
 * "not ok N - what" with the place that failed, and the test's main
 * returns check_done() (non-zero when anything failed). */
#ifndef NN_CHECK_H
#define NN_CHECK_H
#include <stdio.h>

static int check_n, check_failed;

#define CHECK(cond, ...) do { \
	int ok_ = !!(cond); \
	printf("%s %d - ", ok_ ? "ok" : "not ok", ++check_n); \
	printf(__VA_ARGS__); \
	printf("\n"); \
	if (!ok_) { \
		check_failed++; \
		printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	} \
	fflush(stdout); \
} while (0)

static inline int check_done(void)
{
	printf("1..%d\n", check_n);
	return check_failed != 0;
}
#endif
