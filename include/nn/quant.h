/* nn/quant.h — shrinking a trained network: int8 weights and pruning.
 *
 * int8 weights: symmetric, one scale per output channel (row o of a layer's
 * W [out x in], as PyTorch's per_channel_symmetric qint8 on dim 0):
 *
 *   scale[o] = max_i |W[o,i]| / 127        q[o,i] = round(W[o,i] / scale[o])
 *
 * q lies in [-127, 127] (-128 is never used, so that -q is always
 * representable), rounding half away from zero; a row of zeros has scale 0
 * and dequantizes to zeros exactly.  Dequantized, each weight is within
 * scale[o] / 2 of the original.  Biases stay f32 (they are few, and int32
 * biases would need the activation scales of an int8 kernel).
 *
 * In a model file (nn-stream(5), nn-quantize(1)) a quantized layer l has
 *   layerL.weight        i8  [out, in]
 *   layerL.weight_scale  f32 [out]
 *   layerL.bias          f32 [out]
 * and the metadata key "quantization" says so.  Readers dequantize each
 * layer into its f32 place as they load it (nn_model_from), for training
 * and every other use, and keep the int8 weights beside (nn_model's
 * qweight, qscale): predictors run those through int8 products with
 * activations quantized per row (nn/qgemm.h), 1.5 to 1.8 × faster than
 * sgemm on the Fashion-MNIST network here (bench/int8.c, bench/results.md).
 *
 * Pruning zeroes the weights of smallest magnitude (never biases): a
 * fraction of each layer's weights ("layer"), or of all weights at once
 * ("global", as torch.nn.utils.prune.global_unstructured).  Exactly
 * floor(fraction × n) weights are zero afterwards in each scope (weights
 * already zero count first); ties at the threshold go in index order, so
 * the result is the same on every machine.
 */
#ifndef NN_QUANT_H
#define NN_QUANT_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"
#include "nn/mlp.h"
#include "nn/model.h"
#include "nn/qgemm.h"
#include "nn/stream.h"

/* w [rows x cols] → q [rows x cols], scale [rows]. */
void nn_quant_rows(const float *w, size_t rows, size_t cols, int8_t *q, float *scale);
/* q [rows x cols], scale [rows] → w [rows x cols]. */
void nn_dequant_rows(const int8_t *q, const float *scale, size_t rows, size_t cols, float *w);

/* Zero the smallest weights: a fraction in [0, 1] of each layer's weights
 * (global 0) or of all of them (global 1).  The zeros per layer are
 * counted into zeroed[nlayers] when it is not NULL. */
int nn_prune(nn_mlp *m, double fraction, int global, size_t *zeroed, nn_error *err);
/* Weights of layer l that are exactly zero. */
size_t nn_mlp_zero_weights(const nn_mlp *m, int l);

/* A model's int8 form, ready to write: its schema (kind "model", the
 * tensors above, the model's metadata plus "quantization"; one row or
 * chunks, nn/tensors.h) and its tensors for nn_tensors_write. */
typedef struct nn_quant_model {
	nn_schema *schema;
	int nlayers;
	int8_t *q[NN_MLP_MAX_LAYERS];
	float *scale[NN_MLP_MAX_LAYERS];
	const void *cols[3 * NN_MLP_MAX_LAYERS];
} nn_quant_model;

nn_quant_model *nn_quant_model_new(const nn_model *m, nn_error *err);
void nn_quant_model_free(nn_quant_model *qm);      /* NULL is fine */

/* Is field f of s a quantized weight ("layerL.weight", i8)?  Then
 * dequantize its column (with "layerL.weight_scale" from the same row)
 * into w [out x in].  Returns 1 when it did, 0 when the field is not i8,
 * -1 on a scale field that is missing, of the wrong shape or not finite. */
int nn_quant_load_weight(const nn_schema *s, const nn_batch *row, int f, size_t out, size_t in,
                         float *w, nn_error *err);
/* Are scale[0..out) finite and >= 0?  Otherwise -1 with a message naming
 * the field (or tensor) name. */
int nn_quant_check_scales(const float *scale, size_t out, const char *name, nn_error *err);
/* Copies of the int8 weights of field f and of their scales, once
 * nn_quant_load_weight has accepted them: *q [out x in], *scale [out]. */
int nn_quant_keep(const nn_schema *s, const nn_batch *row, int f, size_t out, size_t in,
                  int8_t **q, float **scale, nn_error *err);

/* Give m copies of qm's int8 weights (replacing any it had), so that its
 * predictors run them; m's f32 weights must be their dequantized values
 * (nn_dequant_rows).  NULL qm drops m's int8 weights. */
int nn_model_set_int8(nn_model *m, const nn_quant_model *qm, nn_error *err);

/* Does layer l of m have int8 weights that dequantize to exactly its f32
 * weights?  (Not after training or pruning changed the f32 ones.) */
int nn_model_int8_current(const nn_model *m, int l);

/* The forward pass of a model's int8 layers: each layer whose int8
 * weights are current (above) runs as an int8 product (nn/qgemm.h), the
 * others as sgemm; bias and activations as nn_mlp_forward.  Per row, the
 * same bytes whatever the batch split. */
typedef struct nn_qforward nn_qforward;
/* *f for batches of up to max_rows rows, or NULL (and 0) when m has no
 * current int8 layer.  m must outlive it. */
int nn_qforward_new(const nn_model *m, size_t max_rows, nn_qforward **f, nn_error *err);
void nn_qforward_free(nn_qforward *f);              /* NULL is fine */
/* x [rows x inputs] → the outputs [rows x outputs], after the output
 * function, valid until the next call. */
const float *nn_qforward_run(nn_qforward *f, const float *x, size_t rows);

#endif
