#!/usr/bin/env bats
# The Iris pipeline (pipelines/iris) run into a temporary OUT folder: its
# held-out accuracy against the floor the README promises, a second make
# that does nothing, and `make clean all` that gives the same bytes again.
# The other pipelines are in tests/long/pipelines.bats (make check-long).
load helper
load pipelines

@test "iris: 3 species >= 0.93, virginica or not >= 0.93, make twice does nothing, same bytes" {
	check_pipeline iris
	at_least "$(metric "$T/out/species/metrics.json" accuracy)" 0.93
	at_least "$(metric "$T/out/virginica/metrics.json" accuracy)" 0.93
	# The two-class network of the classic write-up: one sigmoid output, MSE.
	run nn-info "$T/out/virginica/model.nnm"
	[[ "$output" == *'"layers": [4, 16, 1]'* ]] || fail "$output"
	[[ "$output" == *'"output": "sigmoid", "loss": "mse"'* ]] || fail "$output"
	# 80/20, stratified, seed 42.
	run nn-info "$T/out/species/test.nns"
	[[ "$output" == *$'rows\t30'* ]]
	[[ "$output" == *$'class\ty\t0\t10\tsetosa'* ]] || fail "$output"
}
