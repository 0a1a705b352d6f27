# nnpipe — `make` builds, `make check` tests, `make demo` shows, `make deps`
# installs what Debian packages are missing.  See README.md.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
PKGS    := libzstd msgpack openblas zlib libsodium
DEBS    := build-essential pkg-config libzstd-dev libmsgpack-dev libopenblas-dev \
           zlib1g-dev libsodium-dev zstd time groff-base valgrind strace bats parallel \
           dataset-fashion-mnist python3 python3-nacl gnuplot-nox openmpi-bin libopenmpi-dev
# Test jobs run at once by make check (tests/run-tests.sh) and build jobs
# of its build when make was not given -j: one per core.
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)

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
# Read once per make (not once per command): the build that make check
# starts is a second make, after make deps has installed pkg-config.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# -MMD -MP: each object's header dependencies in a .d file beside it,
# read back below.  libcommon sees include/ only; the programs' objects
# add -Itools for tools/tool*.h.
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE $(OPT) $(VEC) $(WARN) $(SAN) -MMD -MP -Iinclude \
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
# make bench's own programs (bench/*.c), built as the rest, warnings and all
BENCH_SRC   := $(wildcard bench/*.c)
BENCH_PROGS := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all check check-asan check-valgrind check-long fuzz deps demo bench bench-programs install uninstall clean

all: $(BUILD)/libcommon.a $(TOOLS) $(UNITS) $(FUZZ_REPLAY) $(BUILD)/tests/libfault-alloc.so

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/tools/%.o: tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itools -c $< -o $@

# The headers each object was built from (-MMD -MP), and the objects kept
# after a build (not deleted as intermediate files) so that a second make
# finds them.
-include $(wildcard $(BUILD)/libcommon/*.d $(BUILD)/tools/*.d $(BUILD)/tests/*/*.d $(BUILD)/bench/*.d)
.SECONDARY: $(LIB_OBJ) $(TOOL_SRC:%.c=$(BUILD)/%.o) $(UNIT_SRC:%.c=$(BUILD)/%.o) \
            $(FUZZ_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tests/fuzz/replay.o

$(BUILD)/libcommon.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# The programs' shared code as an archive, so that a program links only
# the parts it calls: tool-blas.o (and OpenBLAS) only where matrices are
# multiplied, tool-model.o only where a model is read, tool-import.o in
# nn-import.
$(BUILD)/libtool.a: $(BUILD)/tools/tool.o $(BUILD)/tools/tool-blas.o $(BUILD)/tools/tool-model.o \
                    $(BUILD)/tools/tool-import.o
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

$(BUILD)/tools/tool-mpi.o $(BUILD)/tools/tool-tune-mpi.o: $(BUILD)/tools/%.o: tools/%.c $(BUILD)/mpi.flags
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itools $(MPI_CFLAGS) -c $< -o $@

$(BUILD)/bin/nn-train: $(BUILD)/tools/nn-train.o $(BUILD)/tools/tool-train.o $(BUILD)/tools/tool-ooc.o $(BUILD)/tools/tool-mpi.o \
                       $(BUILD)/tools/tool-train-mpi.o $(BUILD)/libtool.a \
                       $(BUILD)/libcommon.a $(BUILD)/mpi.flags
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $(filter-out %.flags,$^) $(LIBS_ALL) $(MPI_LIBS) -o $@

# nn-tune's glue (children, private folder, signals, picture, its ranks
# under mpirun on tool-mpi.o's start and exit hook) beside its story.
$(BUILD)/bin/nn-tune: $(BUILD)/tools/nn-tune.o $(BUILD)/tools/tool-tune.o $(BUILD)/tools/tool-tune-mpi.o \
                      $(BUILD)/tools/tool-mpi.o \
                      $(BUILD)/libtool.a $(BUILD)/libcommon.a $(BUILD)/mpi.flags
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $(filter-out %.flags,$^) $(LIBS_ALL) $(MPI_LIBS) -o $@

.PHONY: FORCE
FORCE:

# The tests' own code (drivers, fuzz targets) at -O1: the library they
# test is built as it ships, and -O1 compiles the drivers in two thirds
# of the time.  An OPT given to make (check-asan's) still wins.
ifeq ($(origin OPT),file)
$(BUILD)/tests/unit/%.o $(BUILD)/tests/fuzz/%.o: OPT = -O1 -g
endif

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
# since the build needs them; on every core when make was not given -j),
# then run.  tests/README says what each suite holds and how long it takes.
# CHECK_LABEL names the suite on its last line ("asan: N passed, N failed").
BUILD_ALL = $(MAKE) --no-print-directory $(if $(filter -j%,$(MAKEFLAGS)),,-j$(JOBS)) all
RUN_TESTS = NN_BUILD=$(abspath $(BUILD)) NN_JOBS=$(JOBS) $(if $(CHECK_LABEL),NN_LABEL=$(CHECK_LABEL)) \
            sh tests/run-tests.sh

# The fast suite: unit tests, fuzz-corpus replays, tests/bats/*.bats.
check:
	@$(MAKE) --no-print-directory deps
	@$(BUILD_ALL)
	@$(RUN_TESTS)

# The fast suite under AddressSanitizer and UBSan.
check-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g" CHECK_LABEL=$(or $(CHECK_LABEL),asan) \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" check

# The unit tests under valgrind (tests/run-valgrind.sh).
check-valgrind:
	@$(MAKE) --no-print-directory deps
	@$(BUILD_ALL)
	@sh tests/run-valgrind.sh $(UNITS)

# The exhaustive and slow tests, tests/long/*.bats with NN_LONG=1: every
# byte offset and 1,000 bit flips of streams, models and parameters
# through every reading program, every bomb and I/O fault through every
# program, 25 kill -9 of nn-train, every allocation failed in turn, the
# pipelines, cron, MPI.
check-long: CHECK_LABEL = long
check-long:
	@$(MAKE) --no-print-directory deps
	@$(BUILD_ALL)
	@$(RUN_TESTS) long

# libFuzzer runs (clang, tests/run-fuzz.sh): each target FUZZ_SECONDS;
# FUZZ_TARGETS="stream model" limits the run to some targets.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/fuzz-%.c=%)
fuzz:
	@PKG_CFLAGS="$(PKG_CFLAGS)" PKG_LIBS="$(PKG_LIBS)" sh tests/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

deps:
	@sh .ci/deps.sh $(DEBS)

# The Iris and Fashion-MNIST pipelines (pipelines/*/Makefile); EPOCHS=N
# trains Fashion-MNIST longer than the demo's 3 epochs.
demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@sh pipelines/demo.sh NN_BIN=$(abspath $(BUILD))/bin $(if $(EPOCHS),EPOCHS=$(EPOCHS))

$(BUILD)/bench/%: bench/%.c $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $< $(BUILD)/libcommon.a $(LDFLAGS_ALL) $(LIBS_ALL) -o $@

bench-programs: $(BENCH_PROGS)

bench: all bench-programs
	@sh bench/run.sh

# Bash completion from the programs' option tables (tools/completion.sh),
# as bash-completion's completions/nnpipe, linked as each nn-NAME.
$(BUILD)/nnpipe.bash: tools/completion.sh $(TOOLS)
	sh tools/completion.sh $(BUILD)/bin > $@.tmp && mv $@.tmp $@

# The programs, the manual, and libcommon for other programs: its headers,
# the archive libnncommon.a and nnpipe.pc for pkg-config (nn-stream(5),
# EXAMPLES, shows a program built with it).
VERSION := $(shell sed -n 's/^\#define NN_VERSION "\(.*\)"/\1/p' include/nn/version.h)
install: all $(BUILD)/nnpipe.bash
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/nn \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 include/nn/*.h $(DESTDIR)$(PREFIX)/include/nn
	install -m 644 $(BUILD)/libcommon.a $(DESTDIR)$(PREFIX)/lib/libnncommon.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@REQUIRES@|$(PKGS)|' \
	  libcommon/nnpipe.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/nnpipe.pc
	install -m 644 man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 man/man5/*.5 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 644 man/man7/*.7 $(DESTDIR)$(PREFIX)/share/man/man7
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 $(BUILD)/nnpipe.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/nnpipe
	for t in $(notdir $(TOOLS)); do \
	  ln -sf nnpipe $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$t; done

uninstall:
	rm -f $(TOOLS:$(BUILD)/bin/%=$(DESTDIR)$(PREFIX)/bin/%)
	rm -rf $(DESTDIR)$(PREFIX)/include/nn
	rm -f $(DESTDIR)$(PREFIX)/lib/libnncommon.a $(DESTDIR)$(PREFIX)/lib/pkgconfig/nnpipe.pc
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/nnpipe \
	  $(TOOLS:$(BUILD)/bin/%=$(DESTDIR)$(PREFIX)/share/bash-completion/completions/%)

clean:
	rm -rf build build-asan build-fuzz
