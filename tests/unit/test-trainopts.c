/* test-trainopts.c — what nn-train's options imply: the defaults, the
 * task kind, the optimizer's configuration (an option given overrides
 * the optimizer's default, the schedule in steps), the early-stopping
 * rule, and the signature (its items in order, epochs only with the
 * cosine schedule, the data's size and CRC last). */
#include <math.h>
#include <string.h>
#include "nn/trainopts.h"
#include "check.h"

int main(void)
{
	nn_train_opts o;
	nn_optim_config c;
	nn_train_sig sig;
	nn_train_opts_init(&o);

	CHECK(!strcmp(o.x, "x") && !strcmp(o.y, "y") && !strcmp(o.layers, "100") && o.batch == 128,
	      "defaults: fields x and y, 100 hidden units, batches of 128");
	CHECK(o.epochs == 200 && o.patience == -1 && o.min_delta == -1, "up to 200 epochs; patience not given yet");
	nn_train_opts_finish(&o);
	CHECK(o.patience == 10 && o.min_delta == 1e-4, "then as scikit-learn's: 10 epochs without an improvement of 1e-4");
	o.patience = 0;
	o.min_delta = 0.5;
	nn_train_opts_finish(&o);
	CHECK(o.patience == 0 && o.min_delta == 0.5, "given values stay");
	CHECK(nn_train_task_kind(&o) == NN_TASK_AUTO, "no --task: from the label");
	o.task = "regression";
	CHECK(nn_train_task_kind(&o) == NN_TASK_REGRESSION, "--task regression");
	o.task = "classification";
	CHECK(nn_train_task_kind(&o) == NN_TASK_CLASSIFICATION, "--task classification");
	o.task = NULL;

	nn_train_optim_config(&o, 10, &c);
	CHECK(c.kind == NN_OPTIM_ADAM && fabs(c.lr - 0.001) < 1e-9 && c.weight_decay == 0, "adam's own lr and decay by default");
	o.optim = "sgd";
	o.lr = 0.5;
	o.schedule = "step";
	o.step_size = 2;
	o.warmup = 0.5;
	nn_train_optim_config(&o, 10, &c);
	CHECK(c.kind == NN_OPTIM_SGD && c.lr == 0.5 && c.schedule == NN_SCHED_STEP, "--optimizer, --lr, --schedule");
	CHECK(c.step_every == 20 && c.warmup == 5, "step size and warm-up from epochs to steps");

	o.patience = 3;
	o.min_delta = 0.01;
	o.monitor = "accuracy";
	nn_earlystop es = nn_train_earlystop(&o);
	CHECK(es.patience == 3 && es.min_delta == 0.01 && es.monitor == NN_MONITOR_ACCURACY, "the early-stopping rule");

	nn_train_signature(&o, 1, 120, 0xabcdef01u, 30, 7, &sig);
	CHECK(sig.n >= 30 && !strcmp(sig.v[0], "ranks=1") && !strcmp(sig.v[2], "layers=100"), "ranks first, then the network");
	CHECK(!strcmp(sig.v[sig.n - 2], "training data=120 rows, crc32 abcdef01") &&
	      !strcmp(sig.v[sig.n - 1], "validation data=30 rows, crc32 00000007"), "the data's size and CRC last");
	int has_epochs = 0;
	for (size_t i = 0; i < sig.n; i++)
		has_epochs |= !strncmp(sig.v[i], "epochs=", 7);
	size_t n = sig.n;
	CHECK(!has_epochs, "no epochs in the signature but with the cosine schedule");
	o.schedule = "cosine";
	nn_train_signature(&o, 4, 120, 1, 30, 7, &sig);
	has_epochs = 0;
	for (size_t i = 0; i < sig.n; i++)
		has_epochs |= !strcmp(sig.v[i], "epochs=200");
	CHECK(has_epochs && sig.n == n + 1 && !strcmp(sig.v[0], "ranks=4"), "cosine: epochs recorded");
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	o.x = longname;
	nn_train_signature(&o, 1, 1, 1, 0, 0, &sig);
	CHECK(strlen(sig.v[8]) == 2 + 80, "a long field name is cut");
	return check_done();
}
