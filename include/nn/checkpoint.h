/* nn/checkpoint.h — a training run's state as a file, and back.
 *
 * A checkpoint is a model file (nn/model.h) of kind "checkpoint" whose
 * tensors (one row, or chunks) also hold, per parameter tensor, the optimizer's moments and
 * the best epoch's copy ("layer0.weight.m", "layer0.weight.v",
 * "layer0.weight.best"), and whose "training" map has a "resume" map:
 *
 *   {"signature": ["ranks=1", "layers=100", …], "epoch": E, "batch": B,
 *    "step": S, "rng": [s0, s1, s2, s3], "epoch_loss": L, "epoch_rows": R,
 *    "best_metric": M, "best_epoch": E, "bad_epochs": N}
 *
 * The signature is the caller's: what a resumed run must have the same
 * (the options that shape the run, the data's size and CRC), as text,
 * compared item by item.  Reading checks every length and shape; a file
 * that is not a checkpoint of this network is an error naming why.
 */
#ifndef NN_CHECKPOINT_H
#define NN_CHECKPOINT_H

#include "nn/energy.h"

#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>
#include "nn/error.h"
#include "nn/mlp.h"
#include "nn/model.h"
#include "nn/optim.h"
#include "nn/rng.h"
#include "nn/stream.h"

/* Where a run is. */
typedef struct nn_train_state {
	nn_mlp *net;
	nn_optim *opt;           /* its kind, lr, step and moments */
	float *best;             /* parameters of the best epoch (early stopping), or NULL */
	int has_best;            /* best holds an epoch's parameters */
	uint64_t epoch;          /* epochs completed */
	uint64_t batch;          /* batches completed in the current epoch */
	nn_rng shuffle;          /* the shuffling generator at the epoch's start */
	double epoch_loss;       /* sum of batch losses x rows, this epoch so far */
	uint64_t epoch_rows;
	double best_metric;
	uint64_t best_epoch, bad_epochs;
} nn_train_state;

/* What a run records beside its state. */
typedef struct nn_train_info {
	int threads;             /* BLAS threads */
	int ranks;               /* data-parallel processes; 0: one, not recorded */
	long long batch_size, seed;
	uint64_t train_rows;     /* all the training data (every rank's) */
	uint32_t train_crc;
	uint64_t val_rows;
	const char *const *sig;  /* the signature: nsig items */
	size_t nsig;
	size_t nclasses;         /* the training data's class names, or 0 */
	char *const *classes;
	const nn_cost *cost;     /* the run's cost for a model's "cost" map, or NULL */
} nn_train_info;

/* Append the "training" map of a model (resume 0) or of a checkpoint
 * (resume 1: with the "resume" map) to sb.  The final losses: NaN
 * validation values are written as nil.  -1 (NN_ENOMEM) on failure. */
int nn_train_pack(msgpack_sbuffer *sb, const nn_train_info *info, const nn_train_state *st, int resume,
                  double train_loss, double val_loss, double val_accuracy, nn_error *err);

/* The schema of checkpoint m (whose training map nn_train_pack made with
 * resume 1) and its tensors: cols has room for 8 per layer and gets the
 * parameters, then the moments and the best copy where st has them.  One
 * row when it holds them all, chunks otherwise (nn/model.h); write it
 * with nn_tensors_write.  _chunked: chunks of chunk bytes (0: as
 * nn_checkpoint_schema) whatever the size, for tests. */
nn_schema *nn_checkpoint_schema(const nn_model *m, const nn_train_state *st, const void **cols,
                                nn_error *err);
nn_schema *nn_checkpoint_schema_chunked(const nn_model *m, const nn_train_state *st, const void **cols,
                                        size_t chunk, nn_error *err);

/* Where a signature differs: the item's index and the checkpoint's text
 * (cut at 127 bytes), so that a caller can say more about some items. */
typedef struct nn_sig_mismatch {
	int found;
	size_t index;
	char have[128];
} nn_sig_mismatch;

/* Restore st (its net, opt and best allocated as the options make them)
 * from the checkpoint r: the parameters, the optimizer's step and
 * moments, the best copy (has_best when there is one), the position.
 * Refuses another network, class names other than info's (when both
 * have names: the message shows both lists), and a signature other than
 * info's (why, which may be NULL, says where).  x names the feature field in a message. */
int nn_checkpoint_read(nn_reader *r, const nn_train_info *info, const char *x, nn_train_state *st,
                       nn_sig_mismatch *why, nn_error *err);

#endif
