/* netspec.c — the network a training run asks for (see nn/netspec.h). */
#include <string.h>
#include "nn/cli.h"
#include "nn/netspec.h"

#define ITEM 32                       /* bytes in one list item, with its NUL */

/* Split s at commas into at most max items; -1 (NN_EARG) on an empty or
 * overlong item, or too many. */
static int split_list(const char *s, char parts[][ITEM], size_t max, const char *opt, size_t *count,
                      nn_error *err)
{
	size_t n = 0;
	const char *p = s;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (n == max || len == 0 || len >= ITEM)
			return nn_error_set(err, NN_EARG, "--%s '%s': expected a comma-separated list of at most %zu items",
			                    opt, s, max);
		memcpy(parts[n], p, len);
		parts[n++][len] = 0;
		p += len + (comma ? 1 : 0);
		if (comma && !*p)
			return nn_error_set(err, NN_EARG, "--%s '%s': empty item", opt, s);
	}
	*count = n;
	return 0;
}

nn_mlp *nn_net_build(const nn_net_spec *spec, const nn_task *t, size_t inputs, nn_error *err)
{
	char parts[NN_MLP_MAX_LAYERS][ITEM], acts[NN_MLP_MAX_LAYERS][ITEM];
	size_t width[NN_MLP_MAX_LAYERS + 1], hidden = 0, nact = 0;
	enum nn_act act[NN_MLP_MAX_LAYERS];

	if (strcmp(spec->layers, "none") &&
	    split_list(spec->layers, parts, NN_MLP_MAX_LAYERS - 1, "layers", &hidden, err))
		return NULL;
	width[0] = inputs;
	for (size_t i = 0; i < hidden; i++) {
		long long v;
		if (nn_parse_ll(parts[i], 1, 1 << 24, &v)) {
			nn_error_set(err, NN_EARG, "--layers: '%s' is not a width from 1 to 16777216 (or give none)", parts[i]);
			return NULL;
		}
		width[i + 1] = (size_t)v;
	}
	if (split_list(spec->activation, acts, NN_MLP_MAX_LAYERS, "activation", &nact, err))
		return NULL;
	if (nact != 1 && nact != hidden) {
		nn_error_set(err, NN_EARG, "--activation: %zu names for %zu hidden layers (give one, or one per layer)",
		             nact, hidden);
		return NULL;
	}
	for (size_t i = 0; i < hidden; i++)
		if (nn_act_parse(acts[nact == 1 ? 0 : i], &act[i])) {
			nn_error_set(err, NN_EARG, "--activation: '%s' is not relu, tanh, sigmoid, leaky-relu, gelu or identity",
			             acts[nact == 1 ? 0 : i]);
			return NULL;
		}

	enum nn_loss loss = t->classification ? (t->nclasses == 2 ? NN_LOSS_BCE : NN_LOSS_CE) : NN_LOSS_MSE;
	if (spec->loss && nn_loss_parse(spec->loss, &loss)) {
		nn_error_set(err, NN_EARG, "--loss: '%s' is not ce, bce or mse", spec->loss);
		return NULL;
	}
	if (!t->classification && loss != NN_LOSS_MSE) {
		nn_error_set(err, NN_EARG, "--loss %s: regression takes mse", nn_loss_name(loss));
		return NULL;
	}
	enum nn_output out = loss == NN_LOSS_CE ? NN_OUT_SOFTMAX : loss == NN_LOSS_BCE ? NN_OUT_SIGMOID :
	                     t->classification ? NN_OUT_SIGMOID : NN_OUT_LINEAR;
	if (spec->output && nn_output_parse(spec->output, &out)) {
		nn_error_set(err, NN_EARG, "--output-activation: '%s' is not softmax, sigmoid or linear", spec->output);
		return NULL;
	}
	size_t outputs = t->classification ? t->nclasses : t->ntargets;
	/* Two classes: one output, P(class 1), unless softmax was asked for. */
	if (t->classification && t->nclasses == 2 && out == NN_OUT_SIGMOID && !t->soft)
		outputs = 1;
	if (out == NN_OUT_SOFTMAX && outputs == 1) {   /* its one probability is always 1 */
		nn_error_set(err, NN_EARG, "--output-activation softmax over one output always gives 1: use sigmoid "
		             "(two classes) or linear (regression)");
		return NULL;
	}
	width[hidden + 1] = outputs;
	return nn_mlp_new((int)hidden + 1, width, act, out, loss, err);
}

int nn_net_init(const nn_mlp *m, const char *name, enum nn_init *init, nn_error *err)
{
	*init = m->nlayers > 1 && (m->act[0] == NN_ACT_TANH || m->act[0] == NN_ACT_SIGMOID) ?
	        NN_INIT_XAVIER : NN_INIT_HE;
	if (name && nn_init_parse(name, init))
		return nn_error_set(err, NN_EARG, "--init: '%s' is not he or xavier", name);
	return 0;
}
