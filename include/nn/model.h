/* nn/model.h — a trained model as a file: the stream container with kind
 * "model", one row, and one field per parameter tensor:
 *
 *   layer0.weight  f32 [width1, width0]      layer0.bias  f32 [width1]
 *   layer1.weight  f32 [width2, width1]      …
 *
 * and the header's metadata map (documented in nn-train(1)):
 *
 *   {"task": "classification" | "regression",
 *    "input": {"field": "x", "dtype": "f32", "shape": [28, 28],
 *              "feature_names": [...] or nil,   names of the columns, in order
 *              "preparation": [...]},           the chain (nn/prep.h)
 *    "label": {"field": "y", "classes": ["T-shirt/top", …]}   classification
 *             {"field": "y", "targets": 1}                     regression
 *    "layers": [784, 256, 128, 10], "activations": ["relu", "relu"],
 *    "output": "softmax", "loss": "ce",
 *    "training": {…what nn-train recorded…}}
 *
 * A checkpoint is the same with kind "checkpoint" and more tensors (the
 * optimizer's state); nn_model_read reads both.  The tensors are in one
 * row, one field each, when one row holds them (each at most 32 MiB, all
 * together a little under 64 MiB: the bytes such a model always had), and
 * otherwise in chunks of 1 MiB with a table of them in the metadata
 * (nn/tensors.h, nn-stream(5)), so a model has no size limit but memory.
 */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"
#include "nn/mlp.h"
#include "nn/prep.h"
#include "nn/stream.h"
#include "nn/tensors.h"

typedef struct nn_model {
	nn_mlp *mlp;
	/* the feature field it was trained on */
	char *x_name;
	nn_dtype x_dtype;
	int x_ndim;
	uint64_t x_shape[NN_MAX_DIMS];
	/* How its input was prepared (nn/prep.h), or NULL: a file made before
	 * models recorded it (then nothing is checked or applied). */
	nn_prep *prep;
	char **feature_names;      /* one per input, or NULL (none known) */
	size_t nfeature_names;
	/* the label */
	char *y_name;
	int classification;        /* 1: classes, 0: regression */
	size_t nclasses;           /* classification: >= 2 */
	char **classes;            /* nclasses names, or NULL (then "0", "1", …) */
	/* Binary classification has either 2 softmax outputs or one sigmoid
	 * output giving P(class 1). */
	/* What nn-train recorded (a msgpack map, raw; may be NULL). */
	unsigned char *training;
	size_t training_len;
	/* A quantized file's int8 weights and scales, per layer (NULL for f32
	 * layers; nn/quant.h).  mlp holds their dequantized values, which
	 * training and every other use read; predictors run the int8 copy
	 * (nn/predict.h) while it still dequantizes to mlp's weights. */
	int8_t *qweight[NN_MLP_MAX_LAYERS];
	float *qscale[NN_MLP_MAX_LAYERS];
} nn_model;

void nn_model_free(nn_model *m);               /* NULL is fine; frees mlp */

/* The model's own tensors, f32: layerL.weight [W(L+1), W(L)] and
 * layerL.bias [W(L+1)] for each layer, into t (2 per layer): their count,
 * or -1. */
int nn_model_tensors(const nn_model *m, nn_tensor *t, nn_error *err);

/* What a model file holds beside the model's metadata. */
typedef struct nn_model_layout {
	const nn_tensor *t;       /* its tensors, in order; NULL: the model's own */
	size_t n;
	const void *meta;         /* meta_pairs msgpack key/value pairs for the */
	size_t meta_len;          /* metadata map, after the model's own keys */
	size_t meta_pairs;
	size_t chunk;             /* 0: one row when it holds the tensors, else chunks
	                           * of NN_CHUNK_BYTES; N: chunks of N bytes (tests) */
} nn_model_layout;

/* The schema of a file of model m (kind "model" or "checkpoint"), without
 * provenance: its tensors as lay says (NULL: the model's own, in one row
 * when it holds them).  Write the tensors with nn_tensors_write. */
nn_schema *nn_model_schema(const nn_model *m, const char *kind, nn_error *err);
nn_schema *nn_model_schema_with(const nn_model *m, const char *kind, const nn_model_layout *lay, nn_error *err);
/* The model's columns, its tensors in schema order (pointers into
 * m->mlp->params). */
void nn_model_columns(const nn_model *m, const void **cols);

/* A model from a header and its one row (columns found by name; columns
 * beyond the model's own, a checkpoint's, are ignored).  Every dimension is
 * checked against the metadata; a file that is not a model is an error
 * naming what is wrong, and so is a softmax over one output (it gives
 * probability 1 to every row).  The parameters are copied.  A header of
 * tensors in chunks is an error: nn_model_read reads those. */
nn_model *nn_model_from(const nn_schema *s, const nn_batch *row, nn_error *err);
/* Read a model or checkpoint from r to its verified end: its one row, or
 * its chunks, each copied into its place in the network as it comes (the
 * network is allocated once, from the widths, after every tensor of the
 * table has been checked against them).  The widths may ask for at most
 * max_bytes (nn_model_read: nn_model_memory_limit, the machine's
 * memory). */
nn_model *nn_model_read(nn_reader *r, nn_error *err);
nn_model *nn_model_read_max(nn_reader *r, uint64_t max_bytes, nn_error *err);
uint64_t nn_model_memory_limit(void);

/* The shape of a model's network. */
typedef struct nn_model_desc {
	int nlayers;
	size_t width[NN_MLP_MAX_LAYERS + 1];
	enum nn_act act[NN_MLP_MAX_LAYERS];
	enum nn_output output;
	enum nn_loss loss;
} nn_model_desc;
/* The model a header describes, checked as nn_model_from checks it, but
 * without its tensors: m->mlp is NULL, the network's shape in *d (for a
 * reader that loads the tensors into places of its own). */
nn_model *nn_model_describe(const nn_schema *s, nn_model_desc *d, nn_error *err);

/* Record how the model's input was prepared: the chain and the feature
 * names of field xname of the training stream's schema s (nn-train, when
 * it writes the model).  Frees what m recorded before. */
int nn_model_set_input(nn_model *m, const nn_schema *s, const char *xname, nn_error *err);
/* Free what nn_model_set_input allocated (for a model on the stack;
 * nn_model_free does it too). */
void nn_model_clear_input(nn_model *m);

/* Can the field f of a data stream feed this model?  Same element count
 * per row (the shape may differ only as [784] vs [28, 28]), any numeric
 * dtype.  Otherwise -1 with a message naming both shapes. */
int nn_model_check_input(const nn_model *m, const nn_field *f, nn_error *err);

/* Name of class i (the stored name or its number), into buf when needed. */
const char *nn_model_class_name(const nn_model *m, size_t i, char *buf,
                                size_t n);

/* Outputs of the network per row (width of the last layer). */
size_t nn_model_outputs(const nn_model *m);

#endif
