/* nn/predict.h — running a trained model over batches of a stream: the
 * inference path nn-predict and nn-eval share.
 *
 * A batch's feature column is converted to f32 in one call (any numeric
 * dtype), then the network runs over it NN_PREDICT_CHUNK rows at a time
 * with one nn_mlp_work, so scratch memory does not grow with the batch.
 * A quantized model's layers run as int8 products (nn_qforward,
 * nn/quant.h) while its int8 weights match its f32 ones.
 */
#ifndef NN_PREDICT_H
#define NN_PREDICT_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"
#include "nn/model.h"
#include "nn/tensor.h"

#define NN_PREDICT_CHUNK 256   /* rows per forward pass */

typedef struct nn_predictor nn_predictor;

/* Scratch for running m: the work space for one chunk and buffers that
 * grow to the largest batch seen.  m must outlive it. */
nn_predictor *nn_predictor_new(const nn_model *m, nn_error *err);
void nn_predictor_free(nn_predictor *p);          /* NULL is fine */

/* Run the model on `rows` rows of a feature column (type t, row_elems
 * equal to the model's inputs).  Returns the network's outputs [rows x
 * nn_model_outputs(m)], valid until the next call; NULL when the column
 * does not convert to f32 (err says which element). */
const float *nn_predictor_run(nn_predictor *p, const void *col, nn_dtype t, size_t rows,
                              nn_error *err);

/* Classification outputs as class probabilities [rows x nclasses]: a
 * softmax row as it is, a single sigmoid output p as (1 - p, p) (in f32,
 * as a predictions stream stores it).  proba may be the outputs' own
 * buffer only when the model has nclasses outputs. */
void nn_predict_proba(const nn_model *m, const float *out, size_t rows, float *proba);
/* The predicted class of each row: the first of the highest probabilities
 * (numpy's argmax). */
void nn_predict_classes(size_t nclasses, const float *proba, size_t rows, int32_t *pred);
/* Soften (temperature > 1) or sharpen (< 1) probabilities [rows x
 * nclasses] in place: p_j^(1/T) / sum_k p_k^(1/T), which is softmax(z / T)
 * of the logits z behind a softmax output, as in Hinton, Vinyals and
 * Dean, "Distilling the Knowledge in a Neural Network" (2015).  The
 * argmax does not change.  T must be > 0; 1 leaves proba as it is. */
void nn_predict_soften(float *proba, size_t rows, size_t nclasses, double temperature);

/* --- feeding a model: its preparation chain and its columns by name ---
 *
 * A feed takes a data stream's feature field to what the model takes:
 *   - the stream's chain (nn/prep.h) equal to the model's: as it is;
 *   - a prefix of it (raw imported rows, or rows part-way): the model's
 *     missing steps applied by value, each rounding to the dtype its
 *     program wrote, so the values are those the programs would write;
 *   - anything else: refused, naming the step that differs and what to run.
 * Columns are matched by name when both sides have names (a permutation
 * per batch); missing or extra columns are refused, naming them.  No step
 * drops a row here: a NaN or infinite value the chain does not fill is an
 * error naming the row and column.  A model that records no chain (made
 * before models did) takes the rows as they are, as it always did. */
typedef struct nn_feed nn_feed;
nn_feed *nn_feed_new(const nn_model *m, const nn_schema *s, size_t xfield, nn_error *err);
void nn_feed_free(nn_feed *f);                     /* NULL is fine */
/* Steps of the model applied here (0: none), and whether the columns
 * come in another order than the model's. */
size_t nn_feed_steps(const nn_feed *f);
int nn_feed_reordered(const nn_feed *f);
/* The features of `rows` rows of the field (col, its dtype t; row numbers
 * from first_row, 0-based) as the model takes them: col itself (*ot = t)
 * when there is nothing to do, else a buffer of f32 (*ot = NN_F32) valid
 * until the next call.  NULL with err naming the row (1-based). */
const void *nn_feed_run(nn_feed *f, const void *col, nn_dtype t, size_t rows, uint64_t first_row,
                        nn_dtype *ot, nn_error *err);

#endif
