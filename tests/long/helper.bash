# The long suites' helpers: every bats file's (tests/bats/helper.bash),
# and the cron runs' of cron.bats and cron-keep.bats.
source "${BATS_TEST_DIRNAME%/*}/bats/helper.bash"

# cron_setup: a test's setup: $T, the state folder $S (not made yet), the
# data folder $T/data with a copy of iris.csv, $CRON and the pipeline $IRIS.
cron_setup() {
	T="$BATS_TEST_TMPDIR"
	S="$T/state"
	CRON="$ROOT/pipelines/cron/nn-cron"
	IRIS="$ROOT/pipelines/iris"
	mkdir "$T/data"
	cp "$ROOT/data/iris.csv" "$T/data/"
}

# cron [ARGS...]: one run on the Iris pipeline, the data in $T/data.
cron() {
	"$CRON" -d "$S" "$@" "$IRIS" NN_BIN="$BUILD/bin" DATA="$T/data"
}
