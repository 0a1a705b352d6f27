/* test-netspec.c — networks from the words a user gives: widths,
 * activations, the outputs and loss each task implies, the initialisation,
 * and the errors naming the option. */
#include <string.h>
#include "nn/netspec.h"
#include "check.h"

static nn_mlp *build(const char *layers, const char *act, const char *out, const char *loss, const nn_task *t,
                     nn_error *err)
{
	nn_net_spec s = { .layers = layers, .activation = act, .output = out, .loss = loss };
	return nn_net_build(&s, t, 4, err);
}

int main(void)
{
	nn_task three = { .classification = 1, .nclasses = 3 }, two = { .classification = 1, .nclasses = 2 };
	nn_task soft = { .classification = 1, .soft = 1, .nclasses = 2 }, reg = { .ntargets = 2 }, reg1 = { .ntargets = 1 };
	nn_error err = { 0 };
	enum nn_init init;
	nn_mlp *m;

	m = build("8,6", "tanh,relu", NULL, NULL, &three, &err);
	CHECK(m && m->nlayers == 3 && m->width[0] == 4 && m->width[1] == 8 && m->width[2] == 6 && m->width[3] == 3 &&
	      m->act[0] == NN_ACT_TANH && m->act[1] == NN_ACT_RELU && m->output == NN_OUT_SOFTMAX &&
	      m->loss == NN_LOSS_CE, "3 classes: 4-8-6-3, tanh then relu, softmax + cross-entropy");
	CHECK(!nn_net_init(m, NULL, &init, &err) && init == NN_INIT_XAVIER, "tanh first: Xavier");
	CHECK(!nn_net_init(m, "he", &init, &err) && init == NN_INIT_HE, "he when asked");
	CHECK(nn_net_init(m, "lecun", &init, &err) && err.code == NN_EARG &&
	      !strcmp(err.msg, "--init: 'lecun' is not he or xavier"), "%s", err.msg);
	nn_mlp_free(m);

	m = build("5", "relu", NULL, NULL, &two, &err);
	CHECK(m && m->width[2] == 1 && m->output == NN_OUT_SIGMOID && m->loss == NN_LOSS_BCE,
	      "2 classes: one sigmoid output, binary cross-entropy");
	CHECK(!nn_net_init(m, NULL, &init, &err) && init == NN_INIT_HE, "relu: He");
	nn_mlp_free(m);
	m = build("5", "relu", NULL, "ce", &two, &err);
	CHECK(m && m->width[2] == 2 && m->output == NN_OUT_SOFTMAX, "2 classes with cross-entropy: two softmax outputs");
	nn_mlp_free(m);
	m = build("5", "relu", NULL, NULL, &soft, &err);
	CHECK(m && m->width[2] == 2, "soft labels of 2 classes: two outputs");
	nn_mlp_free(m);
	m = build("none", "relu", NULL, "mse", &three, &err);
	CHECK(m && m->nlayers == 1 && m->width[1] == 3 && m->output == NN_OUT_SIGMOID && m->loss == NN_LOSS_MSE,
	      "no hidden layer, mse on classes: a sigmoid per class");
	nn_mlp_free(m);
	m = build("3", "gelu", NULL, NULL, &reg, &err);
	CHECK(m && m->width[2] == 2 && m->output == NN_OUT_LINEAR && m->loss == NN_LOSS_MSE, "regression: linear + mse");
	nn_mlp_free(m);

	static const char *const bad[][3] = {
		{ "0", "relu", "--layers: '0' is not a width from 1 to 16777216 (or give none)" },
		{ "4,,3", "relu", "--layers '4,,3': expected a comma-separated list of at most 63 items" },
		{ "4,", "relu", "--layers '4,': empty item" },
		{ "4,3", "relu,tanh,gelu", "--activation: 3 names for 2 hidden layers (give one, or one per layer)" },
		{ "4", "swish", "--activation: 'swish' is not relu, tanh, sigmoid, leaky-relu, gelu or identity" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!build(bad[i][0], bad[i][1], NULL, NULL, &three, &err) && err.code == NN_EARG &&
		      !strcmp(err.msg, bad[i][2]), "%s", err.msg);
	CHECK(!build("4", "relu", NULL, "ce", &reg, &err) && !strcmp(err.msg, "--loss ce: regression takes mse"), "%s",
	      err.msg);
	CHECK(!build("4", "relu", NULL, "hinge", &three, &err) && !strcmp(err.msg, "--loss: 'hinge' is not ce, bce or mse"),
	      "%s", err.msg);
	CHECK(!build("4", "relu", "relu", NULL, &three, &err) &&
	      !strcmp(err.msg, "--output-activation: 'relu' is not softmax, sigmoid or linear"), "%s", err.msg);
	CHECK(!build("4", "relu", "softmax", NULL, &reg1, &err) && err.code == NN_EARG &&
	      strstr(err.msg, "softmax over one output always gives 1"), "a softmax over one output: %s", err.msg);
	return check_done();
}
