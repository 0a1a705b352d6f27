# nnpipe — `make` builds, `make check` tests, `make demo` shows, `make deps`
# installs what Debian packages are missing.  See README.md.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
PKGS    := libzstd msgpack openblas zlib
DEBS    := build-essential pkg-config libzstd-dev libmsgpack-dev libopenblas-dev \
           zlib1g-dev zstd time groff-base valgrind strace bats bats-support bats-assert dataset-fashion-mnist python3 \
           gnuplot-nox openmpi-bin libopenmpi-dev

CC      ?= cc
WARN    := -Wall -Wextra -Wshadow -Wvla -Wformat=2 -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wundef
ifeq ($(WERROR),1)
WARN    += -Werror
endif
OPT     ?= -O2 -g
# Math loops (activations, optimizers) vectorise only without errno from
# sqrtf/expf and with the dynamic cost model; nothing here reads errno
# after a math call.
VEC     := -fno-math-errno -ftree-vectorize -fvect-cost-model=dynamic -ffp-contract=off
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE $(OPT) $(VEC) $(WARN) $(SAN) -Iinclude -Itools \
             $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SAN) -Wl,--as-needed $(LDFLAGS)
LIBS_ALL = $(PKG_LIBS) -lm -lpthread

LIB_SRC   := $(wildcard libcommon/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
TOOL_SRC  := $(wildcard tools/nn-*.c)
TOOLS     := $(TOOL_SRC:tools/%.c=$(BUILD)/bin/%)
UNIT_SRC  := $(wildcard tests/unit/test-*.c)
UNITS     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/replay-%)
HEADERS   := $(wildcard include/nn/*.h) $(wildcard libcommon/*.h) tools/tool.h $(wildcard tests/fuzz/*.h)

.PHONY: all check check-asan check-valgrind check-long fuzz deps demo bench install uninstall clean

all: $(BUILD)/libcommon.a $(TOOLS) $(UNITS) $(FUZZ_REPLAY) $(BUILD)/tests/libfault-alloc.so

$(BUILD)/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/libcommon.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# The programs' shared code as an archive, so that a program links only
# the parts it calls: tool-blas.o (and OpenBLAS) only where matrices are
# multiplied, tool-model.o only where a model is read.
$(BUILD)/libtool.a: $(BUILD)/tools/tool.o $(BUILD)/tools/tool-blas.o $(BUILD)/tools/tool-model.o
	rm -f $@
	ar rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/tools/%.o $(BUILD)/libtool.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(LIBS_ALL) -o $@

# MPI for nn-train --mpi: on when pkg-config finds OpenMPI (ompi-c), or
# with MPI=1 (then mpicc --showme gives the flags if pkg-config cannot);
# MPI=0 leaves it out.  mpi.flags changes when the choice does, so that
# switching rebuilds what depends on it.
MPI ?= $(shell pkg-config --exists ompi-c 2>/dev/null && echo 1 || echo 0)
ifeq ($(MPI),1)
MPI_CFLAGS := -DNN_MPI $(shell pkg-config --cflags ompi-c 2>/dev/null || mpicc --showme:compile)
MPI_LIBS   := $(shell pkg-config --libs ompi-c 2>/dev/null || mpicc --showme:link)
endif

$(BUILD)/mpi.flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(MPI_CFLAGS) $(MPI_LIBS)' | cmp -s - $@ || echo '$(MPI_CFLAGS) $(MPI_LIBS)' > $@

$(BUILD)/tools/tool-mpi.o: tools/tool-mpi.c $(HEADERS) tools/tool-mpi.h $(BUILD)/mpi.flags
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(MPI_CFLAGS) -c $< -o $@

$(BUILD)/tools/nn-train.o: tools/tool-mpi.h

$(BUILD)/bin/nn-train: $(BUILD)/tools/nn-train.o $(BUILD)/tools/tool-mpi.o $(BUILD)/libtool.a \
                       $(BUILD)/libcommon.a $(BUILD)/mpi.flags
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $(filter-out %.flags,$^) $(LIBS_ALL) $(MPI_LIBS) -o $@

.PHONY: FORCE
FORCE:

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(LIBS_ALL) -o $@

# The allocation-failure injector preloaded into programs by
# tests/bats/alloc-faults.bats: never instrumented (no $(SAN)).
$(BUILD)/tests/libfault-alloc.so: tests/fault-alloc.c
	@mkdir -p $(dir $@)
	$(CC) -shared -fPIC -O1 -g $(WARN) -o $@ $< -ldl

# Fuzz targets built with a plain main() that replays files: no clang needed.
$(BUILD)/tests/replay-%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/replay.o $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(LIBS_ALL) -o $@

# check and demo install missing packages first, then build (in that order,
# since the build needs them), then run.
check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@NN_BUILD=$(abspath $(BUILD)) sh tests/run-tests.sh

check-asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g" \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" check

# The unit tests under valgrind: no invalid access, no leak (valgrind's
# own status 99).  OpenBLAS with one thread and kernels valgrind's CPU
# model supports.  A check that fails only under valgrind is listed, not
# counted: valgrind computes long double in 64 bits, so a reference sum
# in long double (test-colstats) loses digits there.  NN_TEST_STRIDE: the
# sweeps of test-shortest check every 1000th value (the paths, not the
# numbers, are what valgrind checks).  NN_TEST_TICK_US: test-eintr's
# timer every 1 ms instead of 50 µs, which valgrind cannot keep up with.
VALGRIND := valgrind -q --leak-check=full --error-exitcode=99
check-valgrind:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@failed=0; for t in $(UNITS); do \
	  OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell NN_BLAS_CORETYPE=Haswell NN_TEST_STRIDE=1000 NN_TEST_TICK_US=1000 \
	    $(VALGRIND) $$t > $$t.valgrind 2>&1; rc=$$?; \
	  if [ $$rc -eq 99 ] || grep -q '^==[0-9]*==' $$t.valgrind; then \
	    failed=$$((failed + 1)); cat $$t.valgrind; echo "not ok - valgrind $${t##*/}"; \
	  else \
	    echo "ok - valgrind $${t##*/}: no memory errors, no leaks"; \
	    grep '^not ok' $$t.valgrind | sed 's/^/#   only under valgrind: /'; \
	  fi; \
	done; \
	echo "valgrind: $(words $(UNITS)) unit tests, $$failed with memory errors or leaks"; [ $$failed -eq 0 ]

# The long versions of the sweeps and of the kill -9 training runs
# and allocation failures (NN_LONG=1: every byte offset, 1,000 bit flips
# per kind of file, 25 kills, every allocation).
LONG_BATS := tests/bats/sweep.bats tests/bats/crash-train.bats tests/bats/alloc-faults.bats
check-long:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@NN_LONG=1 NN_BUILD=$(abspath $(BUILD)) bats --tap $(LONG_BATS) | tee $(BUILD)/check-long.log; \
	passed=$$(grep -c '^ok ' $(BUILD)/check-long.log); failed=$$(grep -c '^not ok ' $(BUILD)/check-long.log); \
	echo; echo "$$passed passed, $$failed failed"; [ $$failed -eq 0 ] && [ $$passed -gt 0 ]

# libFuzzer runs (clang): each target FUZZ_SECONDS with the dictionary
# tests/fuzz/nn.dict, size bombs count as crashes; crashes land in
# tests/fuzz/regressions/NAME/ for make check.  Prints each target's
# executions (libFuzzer's final stats); fails if any target crashed.
# FUZZ_TARGETS=model limits the run to some targets.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/fuzz-%.c=%)
fuzz:
	@mkdir -p build-fuzz; failed=; \
	for name in $(FUZZ_TARGETS); do \
	  clang -std=c11 -D_GNU_SOURCE -g -O1 -Wall -fsanitize=fuzzer,address,undefined -Iinclude \
	    $(PKG_CFLAGS) tests/fuzz/fuzz-$$name.c $(LIB_SRC) $(PKG_LIBS) -lm -o build-fuzz/fuzz-$$name || exit 1; \
	  mkdir -p build-fuzz/corpus-$$name tests/fuzz/regressions/$$name; \
	  build-fuzz/fuzz-$$name -max_total_time=$(FUZZ_SECONDS) -malloc_limit_mb=256 \
	    -rss_limit_mb=1024 -dict=tests/fuzz/nn.dict -print_final_stats=1 \
	    -artifact_prefix=tests/fuzz/regressions/$$name/ \
	    build-fuzz/corpus-$$name tests/fuzz/corpus/$$name >build-fuzz/fuzz-$$name.log 2>&1; \
	  rc=$$?; \
	  runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' build-fuzz/fuzz-$$name.log | tail -n 1); \
	  echo "fuzz $$name: $${runs:-?} executions in $(FUZZ_SECONDS) s$$( [ $$rc -eq 0 ] || echo ', CRASHED: see build-fuzz/fuzz-'$$name'.log')"; \
	  [ $$rc -eq 0 ] || failed="$$failed $$name"; \
	done; \
	[ -z "$$failed" ] || { echo "fuzz: crashes in:$$failed (inputs in tests/fuzz/regressions/)"; exit 1; }

deps:
	@sh .ci/deps.sh $(DEBS)

# The Iris and Fashion-MNIST pipelines (pipelines/*/Makefile); EPOCHS=N
# trains Fashion-MNIST longer than the demo's 3 epochs.
demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@sh pipelines/demo.sh NN_BIN=$(abspath $(BUILD))/bin $(if $(EPOCHS),EPOCHS=$(EPOCHS))

bench: all
	@sh bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/nn \
	  $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 include/nn/*.h $(DESTDIR)$(PREFIX)/include/nn
	install -m 644 $(BUILD)/libcommon.a $(DESTDIR)$(PREFIX)/lib/libnncommon.a
	install -m 644 man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 man/man5/*.5 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 644 man/man7/*.7 $(DESTDIR)$(PREFIX)/share/man/man7

uninstall:
	rm -f $(TOOLS:$(BUILD)/bin/%=$(DESTDIR)$(PREFIX)/bin/%)
	rm -rf $(DESTDIR)$(PREFIX)/include/nn
	rm -f $(DESTDIR)$(PREFIX)/lib/libnncommon.a

clean:
	rm -rf build build-asan build-fuzz
