/* fault-alloc.c — an LD_PRELOAD library that makes the Nth allocation of a
 * program fail (NN_FAIL_ALLOC=N), counting from the start of main(): what
 * the dynamic loader, libc and OpenBLAS's constructors allocate before
 * main is not counted, since a failure there is no program's to handle.
 * malloc, calloc, realloc and the aligned allocators are replaced (the
 * real ones are glibc's __libc_* entry points), so allocations inside
 * libzstd and msgpack-c fail as well.  On exit it prints to stderr, with
 * NN_FAIL_ALLOC_REPORT set, whether the failure happened ("injected" or
 * "not reached"), so that a test knows when N passed the last allocation.
 * Used by tests/bats/alloc-faults.bats; not for sanitizer builds. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);
void *__libc_memalign(size_t align, size_t n);
void *memalign(size_t align, size_t n);

static long fail_at;           /* 0: never */
static long counted;
static int armed, injected;

static int should_fail(void)
{
	if (!armed || !fail_at)
		return 0;
	if (__atomic_add_fetch(&counted, 1, __ATOMIC_RELAXED) == fail_at) {
		injected = 1;
		return 1;
	}
	return 0;
}

void *malloc(size_t n)
{
	return should_fail() ? (errno = ENOMEM, NULL) : __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	return should_fail() ? (errno = ENOMEM, NULL) : __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	return should_fail() ? (errno = ENOMEM, NULL) : __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}

void *memalign(size_t align, size_t n)
{
	return should_fail() ? (errno = ENOMEM, NULL) : __libc_memalign(align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
	return memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p = memalign(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

static void report(void)
{
	const char *msg = injected ? "fault-alloc: injected\n" : "fault-alloc: not reached\n";
	if (getenv("NN_FAIL_ALLOC_REPORT"))
		(void)!write(2, msg, strlen(msg));
}

/* main runs through __libc_start_main: wrap main to arm the counter. */
typedef int (*main_fn)(int, char **, char **);
static main_fn real_main;

static int armed_main(int argc, char **argv, char **envp)
{
	const char *n = getenv("NN_FAIL_ALLOC");
	fail_at = n ? atol(n) : 0;
	atexit(report);
	armed = 1;
	return real_main(argc, argv, envp);
}

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end);

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
	typeof(&__libc_start_main) next = (typeof(next))dlsym(RTLD_NEXT, "__libc_start_main");
	real_main = main;
	return next(armed_main, argc, argv, init, fini, rtld_fini, stack_end);
}
