/* libcommon/split.c — where each row of a split goes (nn/split.h). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/cli.h"
#include "nn/rng.h"
#include "nn/split.h"
#include "nn/stratify.h"

int nn_split_size_parse(const char *s, nn_split_size *z)
{
	long long count;

	*z = (nn_split_size){ 0, 0, 0 };
	if (!nn_parse_ll(s, 1, LLONG_MAX, &count)) {
		z->count = (uint64_t)count;
		return 0;
	}
	if (nn_parse_double(s, &z->f) || !(z->f > 0 && z->f < 1)) {
		z->f = 0;
		return -1;
	}
	z->frac = 1;
	return 0;
}

uint64_t nn_split_size_rows(nn_split_size z, uint64_t n)
{
	return z.frac ? (uint64_t)ceil(z.f * (double)n) : z.count;
}

static const char *const out_name[] = { "train", "test", "validation" };

/* The blocks of a split by sizes: how many rows of each group go to each
 * (used: groups with rows). */
static int plan_sizes(nn_split *p, const nn_split_spec *sp, const uint64_t *counts, uint64_t n,
                      size_t used, nn_error *err)
{
	nn_split_size t = sp->test;
	uint64_t sz[3] = { 0, 0, 0 }, nt, nv;
	size_t nb = (size_t)p->nblk;

	if (!t.frac && !t.count)
		t = (nn_split_size){ 1, 0.25, 0 };
	nt = nn_split_size_rows(t, n);
	nv = sp->has_val ? nn_split_size_rows(sp->val, n) : 0;
	if (nt >= n || nv >= n - nt) {
		char val[64] = "";
		if (sp->has_val)
			snprintf(val, sizeof val, " and %llu validation", (unsigned long long)nv);
		return nn_error_set(err, NN_EDATA, "%llu rows less %llu test%s leave no training rows",
		                    (unsigned long long)n, (unsigned long long)nt, val);
	}
	uint64_t by_out[3] = { n - nt - nv, nt, nv };
	/* rounded in the shuffled order test, val, train whatever the block order */
	for (size_t b = 0; b < nb; b++) {
		int o = p->out[sp->ordered ? nb - 1 - b : b];
		sz[b] = by_out[o];
		if (sp->stratify && sz[b] < used)
			return nn_error_set(err, NN_EDATA, "--stratify: %s would get %llu rows, fewer than "
			                    "the %zu classes", out_name[o], (unsigned long long)sz[b], used);
	}
	if (!sp->stratify) {
		for (size_t b = 0; b < nb; b++)
			p->alloc[b] = by_out[p->out[b]];
		return 0;
	}
	if (nn_stratify(counts, p->ngrp, sz, nb, p->alloc, err))
		return -1;
	for (size_t g = 0; sp->ordered && g < p->ngrp; g++) {   /* back to the block order */
		uint64_t x = p->alloc[g * nb];
		p->alloc[g * nb] = p->alloc[g * nb + nb - 1];
		p->alloc[g * nb + nb - 1] = x;
	}
	return 0;
}

int nn_split_plan(nn_split *p, const nn_split_spec *sp, const uint64_t *counts, size_t ngrp,
                  const char *const *names, size_t nnames, nn_error *err)
{
	static const int shuffled[3] = { NN_SPLIT_TEST, NN_SPLIT_VAL, NN_SPLIT_TRAIN };
	static const int in_order[3] = { NN_SPLIT_TRAIN, NN_SPLIT_VAL, NN_SPLIT_TEST };
	static const int folds[3] = { NN_SPLIT_TRAIN, NN_SPLIT_TEST, NN_SPLIT_TRAIN };
	size_t used = 0, need = sp->kfold ? (size_t)sp->kfold : sp->has_val ? 3 : 2;
	uint64_t n = 0;

	*p = (nn_split){ { 0, 0, 0 }, 0, ngrp, NULL, NULL, NULL };
	for (int b = 0; b < 3; b++) {
		int o = sp->kfold ? folds[b] : sp->ordered ? in_order[b] : shuffled[b];
		if (o != NN_SPLIT_VAL || sp->has_val)
			p->out[p->nblk++] = o;
	}
	for (size_t g = 0; g < ngrp; g++)
		n += counts[g];
	if (!n)
		return nn_error_set(err, NN_EDATA, "no rows to split");
	if (sp->kfold > n)
		return nn_error_set(err, NN_EDATA, "%llu rows cannot make %llu folds",
		                    (unsigned long long)n, (unsigned long long)sp->kfold);
	for (size_t g = 0; sp->stratify && g < ngrp; g++) {
		char name[300];
		if (g < nnames)
			snprintf(name, sizeof name, "'%s' (%zu)", names[g], g);
		else
			snprintf(name, sizeof name, "%zu", g);
		if (counts[g] && counts[g] < need)
			return nn_error_set(err, NN_EDATA, "class %s has %llu row%s; --stratify needs at "
			                    "least %zu, one for each %s", name, (unsigned long long)counts[g],
			                    counts[g] == 1 ? "" : "s", need, sp->kfold ? "fold" : "output");
		used += counts[g] > 0;
	}
	if (!(p->alloc = calloc(ngrp * 3, sizeof *p->alloc)) ||
	    !(p->cur = calloc(ngrp, sizeof *p->cur)) || !(p->left = calloc(ngrp, sizeof *p->left)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	if (!sp->kfold) {
		if (plan_sizes(p, sp, counts, n, used, err))
			return -1;
	} else {   /* folds in turn: train, the test fold, train; classes sorted */
		uint64_t first = 0;
		for (size_t g = 0; g < ngrp; first += counts[g++])
			nn_kfold_blocks(first, counts[g], sp->kfold, sp->fold, p->alloc + 3 * g);
	}
	for (size_t g = 0; g < ngrp; g++)
		p->left[g] = p->alloc[g * (size_t)p->nblk];
	return 0;
}

int nn_split_next(nn_split *p, size_t g)
{
	if (g >= p->ngrp)
		return -1;
	while (!p->left[g]) {
		if ((int)++p->cur[g] >= p->nblk)
			return -1;
		p->left[g] = p->alloc[g * (size_t)p->nblk + p->cur[g]];
	}
	p->left[g]--;
	return p->out[p->cur[g]];
}

void nn_split_release(nn_split *p)
{
	free(p->alloc);
	free(p->cur);
	free(p->left);
	p->alloc = p->left = NULL;
	p->cur = NULL;
}

int nn_split_fractions(const nn_split_spec *sp, double *ftest, double *fval)
{
	nn_split_size t = sp->test, v = sp->val;

	if (!t.frac && !t.count)
		t = (nn_split_size){ 1, 0.25, 0 };
	if (!sp->has_val)
		v = (nn_split_size){ 1, 0, 0 };
	*ftest = t.f;
	*fval = v.f;
	return t.frac && v.frac ? 0 : -1;
}

size_t nn_split_shard(uint64_t seed, uint64_t row, uint64_t nshards, int round_robin)
{
	if (round_robin)
		return (size_t)(row % nshards);
	return (size_t)(((unsigned __int128)nn_hash64(seed, row) * nshards) >> 64);
}

int nn_split_streamed(uint64_t seed, uint64_t row, uint64_t kfold, uint64_t fold, double ftest,
                      double fval)
{
	uint64_t h = nn_hash64(seed, row);
	double u = (double)(h >> 11) * 0x1p-53;

	if (kfold)
		return (uint64_t)(((unsigned __int128)h * kfold) >> 64) == fold ? NN_SPLIT_TEST
		                                                                 : NN_SPLIT_TRAIN;
	return u < ftest ? NN_SPLIT_TEST : u < ftest + fval ? NN_SPLIT_VAL : NN_SPLIT_TRAIN;
}

int nn_split_tally_add(nn_split_tally *t, int64_t cls, nn_error *err)
{
	t->rows++;
	if (cls < 0)
		return 0;
	if ((size_t)cls >= t->ncls) {   /* single-pass modes learn classes as they go */
		size_t n = (size_t)cls + 1 > 2 * t->ncls ? (size_t)cls + 1 : 2 * t->ncls;
		uint64_t *c = realloc(t->cls, n * sizeof *c);
		if (!c)
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		memset(c + t->ncls, 0, (n - t->ncls) * sizeof *c);
		t->cls = c;
		t->ncls = n;
	}
	t->cls[cls]++;
	return 0;
}

void nn_split_tally_release(nn_split_tally *t)
{
	free(t->cls);
	*t = (nn_split_tally){ 0, NULL, 0 };
}

int nn_split_note(char *buf, size_t cap, const nn_split_tally *outs, size_t n, size_t i,
                  const char *yname, const char *const *names, size_t nnames)
{
	const nn_split_tally *o = &outs[i];
	size_t len = 0, shown = 0;

	buf[0] = 0;
	for (size_t c = 0; c < o->ncls && len < cap - 64; c++) {
		uint64_t any = 0;
		for (size_t j = 0; j < n; j++)
			any |= c < outs[j].ncls ? outs[j].cls[c] : 0;
		if (!any)
			continue;
		if (!shown++)
			len += (size_t)snprintf(buf + len, cap - len, "; %.40s:", yname);
		if (c < nnames)
			len += (size_t)snprintf(buf + len, cap - len, " %.40s=%llu", names[c],
			                        (unsigned long long)o->cls[c]);
		else
			len += (size_t)snprintf(buf + len, cap - len, " %zu=%llu", c,
			                        (unsigned long long)o->cls[c]);
	}
	return len >= cap - 64;
}
