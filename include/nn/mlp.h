/* nn/mlp.h — the multilayer perceptron: forward pass, loss,
 * backpropagation.  Optimizers live in nn/optim.h, the file form in
 * nn/model.h.
 *
 * Layout.  Layer l (0 <= l < nlayers) maps width[l] inputs to width[l+1]
 * outputs: Z = A W^T + b, with W row-major [width[l+1] x width[l]] (as
 * PyTorch's nn.Linear) and b [width[l+1]].  All parameters live in ONE
 * contiguous float block, layer after layer, W then b, and the gradient
 * block has the same layout — so an optimizer step, a checkpoint and an
 * MPI all-reduce are each one call over one array.
 *
 * Batches are row-major: X [rows x width[0]], one sample per row.
 * Hidden layers apply act[l]; the last layer applies the output function
 * (softmax, sigmoid, or identity) and the loss compares it with targets
 * given as dense rows [rows x width[nlayers]]: class probabilities
 * (one-hot or soft labels) for cross-entropy, 0/1 (or soft) values for
 * binary cross-entropy, real values for MSE.
 */
#ifndef NN_MLP_H
#define NN_MLP_H

#include <stddef.h>
#include "nn/error.h"
#include "nn/rng.h"

#define NN_MLP_MAX_LAYERS 64          /* dense layers, hidden + output */

enum nn_act { NN_ACT_RELU, NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_LEAKY_RELU,
              NN_ACT_GELU, NN_ACT_IDENTITY, NN_ACT_COUNT };
enum nn_output { NN_OUT_SOFTMAX, NN_OUT_SIGMOID, NN_OUT_LINEAR, NN_OUT_COUNT };
enum nn_loss { NN_LOSS_CE, NN_LOSS_BCE, NN_LOSS_MSE, NN_LOSS_COUNT };
enum nn_init { NN_INIT_HE, NN_INIT_XAVIER, NN_INIT_COUNT };

/* Names as spelled on command lines and in model files: "relu", "tanh",
 * "sigmoid", "leaky-relu", "gelu", "identity"; "softmax", "sigmoid",
 * "linear"; "ce", "bce", "mse"; "he", "xavier".  parse returns -1 for an
 * unknown name. */
const char *nn_act_name(enum nn_act a);
int nn_act_parse(const char *s, enum nn_act *a);
const char *nn_output_name(enum nn_output o);
int nn_output_parse(const char *s, enum nn_output *o);
const char *nn_loss_name(enum nn_loss l);
int nn_loss_parse(const char *s, enum nn_loss *l);
int nn_init_parse(const char *s, enum nn_init *i);

typedef struct nn_mlp {
	int nlayers;                             /* dense layers >= 1 */
	size_t width[NN_MLP_MAX_LAYERS + 1];     /* width[0] inputs .. outputs */
	enum nn_act act[NN_MLP_MAX_LAYERS];      /* after hidden layer l */
	enum nn_output output;
	enum nn_loss loss;
	size_t nparams;
	size_t woff[NN_MLP_MAX_LAYERS];          /* offset of W_l in params */
	size_t boff[NN_MLP_MAX_LAYERS];          /* offset of b_l in params */
	float *params;                           /* nparams floats, 64-byte aligned */
} nn_mlp;

/* A network with widths width[0..nlayers] and activations act[0..nlayers-2];
 * parameters zeroed.  Fails on a zero width or a parameter count that
 * overflows. */
nn_mlp *nn_mlp_new(int nlayers, const size_t *width, const enum nn_act *act,
                   enum nn_output output, enum nn_loss loss, nn_error *err);
void nn_mlp_free(nn_mlp *m);                  /* NULL is fine */

/* n zeroed floats on a 64-byte boundary, for parameters and optimizer
 * state; free with nn_floats_free (NULL is fine).  Arrays of a MiB and
 * more are mapped pages that take memory only where written: a model
 * file whose header claims a huge network costs what its chunks bring,
 * not the claim, before a missing chunk fails it. */
float *nn_floats_zeroed(size_t n);
void nn_floats_free(float *p);

/* Parameters the network has (nparams also counts the padding that
 * aligns each tensor to 64 bytes). */
size_t nn_mlp_count(const nn_mlp *m);

/* He (normal, std sqrt(2/fan_in)) or Xavier/Glorot (uniform,
 * ±sqrt(6/(fan_in+fan_out))) weights; biases zero. */
void nn_mlp_init(nn_mlp *m, enum nn_init init, nn_rng *rng);

/* Floating-point operations of one forward pass of one sample (2 per
 * multiply-add), and of one training step per sample (forward, backward
 * to weights and to inputs of every layer but the first). */
double nn_mlp_flops_forward(const nn_mlp *m);
double nn_mlp_flops_train(const nn_mlp *m);

/* Scratch space for batches of up to max_rows rows: activations of every
 * layer and the backpropagated deltas. */
typedef struct nn_mlp_work nn_mlp_work;
nn_mlp_work *nn_mlp_work_new(const nn_mlp *m, size_t max_rows, nn_error *err);
void nn_mlp_work_free(nn_mlp_work *w);        /* NULL is fine */
size_t nn_mlp_work_bytes(const nn_mlp *m, size_t max_rows);

/* Forward pass.  x [rows x width[0]]; returns the outputs [rows x
 * width[nlayers]] after the output function (probabilities for softmax
 * and sigmoid), valid until the next call with w. */
const float *nn_mlp_forward(const nn_mlp *m, nn_mlp_work *w, const float *x,
                            size_t rows);

/* The rest of layer l's forward step once its product z [rows x
 * width[l+1]] = A W^T is computed elsewhere (an int8 product, nn/qgemm.h):
 * the bias added to z, then the activation (hidden layers) or the output
 * function (the last) into a, exactly as nn_mlp_forward does. */
void nn_mlp_finish_layer(const nn_mlp *m, int l, float *z, float *a, size_t rows);

/* Mean loss of the outputs of the last forward pass against targets
 * t [rows x width[nlayers]], in double. */
double nn_mlp_loss(const nn_mlp *m, const nn_mlp_work *w, const float *t,
                   size_t rows);

/* Forward, loss and backpropagation: writes the gradient of the mean loss
 * over the rows into grad (nparams floats, same layout as params) and
 * returns the mean loss. */
double nn_mlp_gradient(const nn_mlp *m, nn_mlp_work *w, const float *x,
                       const float *t, size_t rows, float *grad);

#endif
