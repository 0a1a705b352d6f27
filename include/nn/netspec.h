/* nn/netspec.h — the network a training run asks for, from the words a
 * user gives (nn-train's --layers, --activation, --loss,
 * --output-activation, --init) and the task its data implies.
 *
 * Defaults follow the task: softmax + cross-entropy for more than two
 * classes; one sigmoid output + binary cross-entropy for two (P(class 1),
 * unless softmax is asked for or the labels are soft); linear + MSE for
 * regression.  A loss of mse on classes keeps a sigmoid output per class.
 * A softmax over one output (one regression target) is refused: its
 * one probability is always 1.
 * Errors are NN_EARG with a message naming the option, or NN_ENOMEM.
 */
#ifndef NN_NETSPEC_H
#define NN_NETSPEC_H

#include <stddef.h>
#include "nn/dataset.h"
#include "nn/error.h"
#include "nn/mlp.h"

typedef struct nn_net_spec {
	const char *layers;      /* hidden widths "64,32", or "none" */
	const char *activation;  /* one name for all hidden layers, or one per layer */
	const char *output;      /* "softmax", "sigmoid", "linear", or NULL: from the loss */
	const char *loss;        /* "ce", "bce", "mse", or NULL: from the task */
} nn_net_spec;

/* The network spec makes for `inputs` features and task t (parameters
 * zeroed), or NULL. */
nn_mlp *nn_net_build(const nn_net_spec *spec, const nn_task *t, size_t inputs, nn_error *err);

/* The initialisation called name, or (NULL) the one that suits the first
 * activation: Xavier for tanh and sigmoid, He otherwise. */
int nn_net_init(const nn_mlp *m, const char *name, enum nn_init *init, nn_error *err);

#endif
