# pipelines/common.mk — what every pipeline Makefile shares.  A pipeline
# includes it first, writes its own steps (import, clean, split, normalize,
# augment, train), and ends its model in $(OUT)/NAME/model.nnm with the test
# set beside it in $(OUT)/NAME/test.nns; the rules below then evaluate it
# and write $(OUT)/NAME/report.md.
#
#   make                      build everything that is out of date
#   make OUT=/tmp/iris        write the outputs elsewhere (default: out/)
#   make NN_BIN=/usr/local/bin  use installed programs (default: ../../build/bin)
#   make SEED=7 THREADS=2     another seed; threads of nn-train
#   make clean                remove $(OUT)
#   make SECURE=1             encrypted and signed (below); KEYS=DIR for the keys
#
# Paths stay relative where they can, since the programs record their
# arguments in every stream they write: the same checkout gives the same
# bytes wherever it lies.

NN_BIN  ?= ../../build/bin
DATA    ?= ../../data
OUT     ?= out
SEED    ?= 42
# nn-train records --threads in the model's provenance: fix it, so that
# the model's bytes are the same on every machine.
THREADS ?= 1
PIPELINES := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

export PATH := $(abspath $(NN_BIN)):$(PATH)
SHELL := /bin/sh

# A step that fails leaves no target behind that looks up to date (the
# programs write -o files atomically; this covers everything else), and
# the intermediate streams stay, so that the next run redoes only what
# changed.
.DELETE_ON_ERROR:
.SECONDARY:
.DEFAULT_GOAL := all
.PHONY: all clean

# Every target depends on the programs and on the Makefiles that hold the
# options (without being named in $^ or $<): a rebuilt program or a changed
# option redoes the steps after it.  Folders depend on nothing.
.EXTRA_PREREQS = $(wildcard $(NN_BIN)/nn-*) $(MAKEFILE_LIST)

$(OUT) clean: .EXTRA_PREREQS :=
$(OUT)/%/: .EXTRA_PREREQS :=
$(OUT):
	mkdir -p $@
$(OUT)/%/:
	mkdir -p $@

# A finished model D/model.nnm with its test set D/test.nns is scored...
# The table for people, JSON for programs: both deterministic (no time in
# them), so the tests compare them byte for byte.
%/metrics.txt: %/model.nnm %/test.nns
	nn-eval -q -m $< -o $@ $*/test.nns

%/metrics.json: %/model.nnm %/test.nns
	nn-eval -q --json -m $< -o $@ $*/test.nns

# Raw rows scored by the model alone (nn-predict(1)): the test rows before
# any preparation (D/test-raw.nns), written as the CSV new rows would come
# in, imported again with IMPORT_RAW (the pipeline's nn-import options for
# that CSV; a pipeline that sets none skips this) and scored in one
# command.  The model applies its own preparation, so the scores must equal
# the prepared path's byte for byte; report.sh says whether they do.
%/scored.csv: %/model.nnm %/test.nns
	nn-predict -q -m $< $*/test.nns | nn-export --class-names > $@.tmp && mv $@.tmp $@
%/raw-test.csv: %/test-raw.nns
	nn-export --class-names -o $@ $<
%/scored-raw.csv: %/model.nnm %/raw-test.csv
	nn-import -q $(IMPORT_RAW) $*/raw-test.csv | nn-predict -q -m $< | \
	    nn-export --class-names > $@.tmp && mv $@.tmp $@

# ... and reported: metrics, confusion matrix, checksums, seed, versions,
# time, FLOPs, pictures.  The report holds the training time, so it is not
# one of the files that must be byte-identical between runs.  DATA_FILES
# (set by the pipeline) are the files whose sha256 it lists besides the
# streams in D.
# (IMPORT_RAW is set after this file is included: expanded a second time.)
.SECONDEXPANSION:
%/report.md: %/metrics.txt %/metrics.json $$(if $$(IMPORT_RAW),$$*/scored.csv $$*/scored-raw.csv) \
             $(PIPELINES)/report.sh
	sh $(PIPELINES)/report.sh -t "$(TITLE)" -d $* $(DATA_FILES)

# SECURE=1: every stream and model encrypted (NN_KEY_FILE), every model
# and fitted parameters file signed (NN_SIGN_KEY) and read only when its
# signature verifies (NN_TRUST) -- nnpipe(7), SECURITY.  The keys are made
# by nn-keygen in KEYS (default $(OUT)/keys, mode 700) when missing; give
# KEYS=DIR outside OUT to keep them apart from the data, as nn-cron needs
# (its releases copy OUT).  A new key redoes every step.
ifeq ($(SECURE),1)
KEYS ?= $(OUT)/keys
export NN_KEY_FILE := $(abspath $(KEYS)/data.key)
export NN_SIGN_KEY := $(abspath $(KEYS)/model.key)
export NN_TRUST    := $(abspath $(KEYS)/model.pub)
.EXTRA_PREREQS += $(KEYS)/data.key $(KEYS)/model.pub
$(KEYS)/ $(KEYS)/data.key $(KEYS)/model.key $(KEYS)/model.pub: .EXTRA_PREREQS :=
$(KEYS)/:
	mkdir -p -m 700 $@
$(KEYS)/data.key: | $(KEYS)/
	nn-keygen -q -o $@
$(KEYS)/model.pub: $(KEYS)/model.key
$(KEYS)/model.key: | $(KEYS)/
	nn-keygen -q --sign -o $(KEYS)/model
endif

clean:
	rm -rf $(OUT)
