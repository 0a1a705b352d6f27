/* nn/estimate.h — what a training run will cost, worked out before it
 * runs (nn-train --dry-run): memory, FLOPs, and time from a measured rate.
 *
 * Memory counts what training allocates: every row as f32 features and
 * targets plus a 4-byte class, the parameter block's copies (with their
 * padding), and one batch's work.  FLOPs count the dense products only
 * (nn_mlp_flops_train per training row, nn_mlp_flops_forward per
 * validation row).
 */
#ifndef NN_ESTIMATE_H
#define NN_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "nn/checkpoint.h"
#include "nn/dataset.h"
#include "nn/error.h"
#include "nn/mlp.h"
#include "nn/model.h"

typedef struct nn_estimate {
	size_t batch;              /* rows per step: the batch size, or all rows when fewer */
	size_t chunk;              /* rows of the work buffers: batch, 1024 at least */
	double data_bytes;         /* training and validation rows */
	double model_bytes;        /* parameters, gradient, optimizer moments, best copy */
	double scratch_bytes;      /* a step's work and gathered rows */
	double flops_per_row;      /* one training row's forward and backward pass */
	double flops_per_epoch;    /* every training row's, every validation row's forward */
} nn_estimate;

/* The parameter blocks a checkpoint of st holds: the parameters, the
 * optimizer's moments, the best epoch's copy (training adds the gradient). */
int nn_estimate_blocks(const nn_train_state *st);

/* The estimate of training st's network on tr and val, batch rows a step. */
void nn_estimate_run(nn_estimate *e, const nn_train_state *st, const nn_dataset *tr, const nn_dataset *val,
                     size_t batch);

/* Seconds per epoch at gflops (a measured product rate). */
double nn_estimate_epoch_seconds(const nn_estimate *e, double gflops);

/* Time forward and backward passes of net on tr's first e->batch rows,
 * for seconds and min_steps at least: returns the seconds one step takes
 * and the steps timed in *steps, or a negative number (err set) when
 * out of memory. */
double nn_estimate_step_seconds(const nn_estimate *e, const nn_mlp *net, const nn_dataset *tr,
                                double seconds, int min_steps, int *steps, nn_error *err);

/* Whether the model m of st's network can be written as a model file
 * (and with checkpoint its checkpoint too; tensors over the one-row
 * limits go in chunks, nn/tensors.h, so any size that fits in memory
 * can): 0, or -1 with NN_EARG and a message saying what is wrong, or
 * NN_ENOMEM. */
int nn_estimate_fits(const nn_model *m, const nn_train_state *st, int checkpoint, nn_error *err);

/* nn-train --dry-run's report on o, a "name<TAB>value" line each: the
 * network, the rows, memory, FLOPs, the product rate measured on
 * `threads` BLAS threads (and on one when more: training's shares run on
 * one each) and on this data (kernels names the BLAS kernels), and the
 * time of `epochs` epochs.  Write errors are o's (the caller checks
 * ferror).  Returns the measured seconds of one step, or -1. */
double nn_estimate_print(FILE *o, const nn_train_state *st, const nn_dataset *tr, const nn_dataset *val,
                       size_t batch, long long epochs, int threads, const char *kernels);

/* A data-parallel run on N ranks (nn-train --mpi), from one rank's
 * measured step: each step, every rank computes its own batch of B rows
 * (step_s, as measured here), then the gradient block of G bytes is
 * summed by a ring all-reduce, which sends and receives 2(N-1)/N x G
 * bytes per rank in 2(N-1) messages:
 *   comm_s  = 2(N-1)/N x G / (link bytes per second) + 2(N-1) x latency
 *   epoch_s = ceil(rows / (N x B)) x (step_s + comm_s)
 * with no overlap of the two (nn-train sums the gradient after the whole
 * backward pass).  One rank has no communication.  Energy: every rank
 * keeps its cores busy for the whole epoch (OpenMPI polls while it
 * waits), so N x cores_per_rank x epoch_s x watts_per_core joules. */
#define NN_CLUSTER_LATENCY 10e-6   /* seconds per message: TCP over Ethernet */
#define NN_CLUSTER_MAX_RANKS 1000000

typedef struct nn_cluster {
	int ranks;
	double sent_bytes;         /* per rank and step */
	double comm_s;             /* one all-reduce */
	double step_s;             /* compute + all-reduce */
	uint64_t steps;            /* per epoch */
	double epoch_s;
	double speedup;            /* one rank's epoch_s over this one's */
	double efficiency;         /* speedup / ranks */
	double balance_batch;      /* the per-rank batch whose compute equals comm_s at these ranks */
	int comm_from;             /* the fewest ranks (2 or more) whose all-reduce takes longer
	                            * than the compute, 0 if none up to NN_CLUSTER_MAX_RANKS */
	double joules;             /* per epoch; 0 without watts_per_core */
} nn_cluster;

/* The estimate for ranks ranks of batch rows each over rows training rows,
 * one step of compute taking step_s, a gradient of grad_bytes, a link of
 * link_gbps gigabits per second with latency_s per message.  Arguments
 * out of range (ranks < 1, a rate or time <= 0) are NN_EARG. */
int nn_cluster_estimate(nn_cluster *c, double step_s, size_t batch, uint64_t rows, double grad_bytes,
                        int ranks, double link_gbps, double latency_s, int cores_per_rank,
                        double watts_per_core, nn_error *err);

/* The estimate's lines ("cluster", "cluster_balance", "cluster_energy"). */
void nn_cluster_print(FILE *o, const nn_cluster *c, size_t batch, double link_gbps, long long epochs,
                      int cores_per_rank, double watts_per_core);

#endif
