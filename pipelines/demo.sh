#!/bin/sh
# make demo: the classic loop on real data, twice — the Iris pipeline, then
# the Fashion-MNIST one for EPOCHS epochs (default 3; `make demo EPOCHS=20`
# for the full run) — and where their reports are.  Each pipeline is a
# Makefile in pipelines/NAME/ whose targets are the files it makes, so a
# second `make demo` redoes only what changed.  Arguments (VAR=VALUE) go to
# both makes; NN_BIN names the programs (default build/bin).
set -eu
cd "$(dirname "$0")"
step() { printf '\n== %s\n' "$*"; }
headline() { grep -m 1 '^\*\*' "$1" | tr -d '*'; }
epochs=3
for arg in "$@"; do
	case $arg in EPOCHS=*) epochs=${arg#EPOCHS=} ;; esac
done

step "Iris: import, clean, stratified 80/20 split (seed 42), z-scores, MLP, evaluation"
make --no-print-directory -C iris "$@"
for r in iris/out/species/report.md iris/out/virginica/report.md; do
	printf '%s: %s\n' "pipelines/$r" "$(headline "$r")"
done

if [ -d "${FASHION:-/usr/share/datasets/fashion-mnist}" ]; then
	step "Fashion-MNIST: 60,000 training images (5,000 of them for validation), 10,000 test images, 784-256-128-10 MLP, $epochs epochs"
	make --no-print-directory -C fashion-mnist "$@"
	printf '%s: %s\n' pipelines/fashion-mnist/out/report.md "$(headline fashion-mnist/out/report.md)"
else
	step "Fashion-MNIST is not installed: make deps installs dataset-fashion-mnist"
fi

step "done: the reports (metrics, confusion matrix, checksums, curves) are"
ls -1 "$PWD"/*/out/report.md "$PWD"/*/out/*/report.md 2>/dev/null || true
