/* nn/prep.h — the preparation chain: what nn-clean and nn-normalize did
 * to a stream's features, by value, so that a model can do the same to
 * raw rows and refuse rows prepared any other way (nn-stream(5),
 * PREPARATION CHAIN).
 *
 * A data stream's metadata map holds it under the key "preparation": an
 * array of steps, the oldest first.  Each step is a map:
 *
 *   program    "nn-clean" | "nn-normalize"
 *   field      the feature field it read ("x")
 *   columns    D, the feature columns it read
 *   names      [D names] of those columns, or nil (the stream had none)
 *   dtype      the dtype it read; out_dtype the dtype it wrote
 *   nn-clean:      rows  {"nonfinite": P, "dedup": B, "bad_label": P}
 *                        (what it did to rows: told, never repeated)
 *                  fill  [D] replacement of a NaN/inf value (NaN: none),
 *                        or nil (no fill)
 *                  clip_lo, clip_hi  [D] bounds, or nil (no clipping)
 *                  dropped  [column numbers, 0-based, ascending] it left
 *                        out (constant columns)
 *   nn-normalize:  method  zscore|minmax|robust|maxabs|l2
 *                  offset, scale  [D] (l2: nil), low  the minmax LO
 *                  (0 otherwise): y = (x - offset) / scale + low
 *
 * Vectors are arrays of float64, so any msgpack library reads them.  Two
 * steps are the same when they transform features the same way:
 * program, columns, names (when both have them), fill, clip bounds,
 * dropped columns, method, offset, scale and low, bit for bit; what a
 * step did to rows and the dtypes are not compared.
 */
#ifndef NN_PREP_H
#define NN_PREP_H

#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>
#include "nn/error.h"
#include "nn/mp.h"
#include "nn/stream.h"

#define NN_PREP_KEY       "preparation"
#define NN_PREP_MAX_STEPS 16

enum nn_prep_program { NN_PREP_CLEAN, NN_PREP_NORMALIZE };
/* nn-normalize's methods, in the order of its --method words. */
enum nn_prep_method { NN_PREP_ZSCORE, NN_PREP_MINMAX, NN_PREP_ROBUST, NN_PREP_MAXABS, NN_PREP_L2 };

typedef struct nn_prep_step {
	enum nn_prep_program program;
	char *field;
	size_t columns, out_columns;     /* D read, D written */
	char **names;                    /* columns names, or NULL */
	nn_dtype dtype, out_dtype;
	/* nn-clean */
	char nonfinite[16], bad_label[8];
	int dedup;
	double *fill, *clip_lo, *clip_hi;   /* columns each, or NULL */
	unsigned char *keep;             /* columns: 0 for a dropped one; NULL: all kept */
	/* nn-normalize */
	enum nn_prep_method method;
	double *offset, *scale;          /* columns each (NULL for l2) */
	double low;
} nn_prep_step;

typedef struct nn_prep {
	size_t n;
	nn_prep_step step[NN_PREP_MAX_STEPS];
} nn_prep;

/* Name of a method ("zscore") and back (-1 when unknown). */
const char *nn_prep_method_name(enum nn_prep_method m);
int nn_prep_method_parse(const char *s, enum nn_prep_method *m);
const char *nn_prep_program_name(enum nn_prep_program p);

/* A step for `columns` columns read as dtype (field and names copied;
 * names may be NULL), vectors not yet allocated; out_columns = columns,
 * out_dtype = dtype.  0, or -1 (NN_ENOMEM). */
int nn_prep_step_init(nn_prep_step *st, enum nn_prep_program program, const char *field,
                      size_t columns, char *const *names, nn_dtype dtype, nn_error *err);
/* A vector of st->columns doubles owned by st (*v), filled with x. */
int nn_prep_step_vec(nn_prep_step *st, double **v, double x, nn_error *err);
/* Drop columns where keep[j] is 0 (copied; sets out_columns). */
int nn_prep_step_keep(nn_prep_step *st, const unsigned char *keep, nn_error *err);
void nn_prep_step_release(nn_prep_step *st);
void nn_prep_release(nn_prep *p);           /* empties *p */

/* Append *st to p (moved: *st is emptied).  NN_ELIMIT past
 * NN_PREP_MAX_STEPS. */
int nn_prep_append(nn_prep *p, nn_prep_step *st, nn_error *err);
/* Remove the last step. */
void nn_prep_pop(nn_prep *p);
/* A deep copy. */
int nn_prep_copy(nn_prep *dst, const nn_prep *src, nn_error *err);

/* --- as bytes ------------------------------------------------------------- */

/* The chain as a msgpack array.  Nonzero when out of memory. */
int nn_prep_pack(msgpack_packer *pk, const nn_prep *p);
/* Read the array at c into *p (empty first); every length is checked
 * against the bytes and the limits, every vector against columns.
 * NN_EDATA naming the step and what is wrong. */
int nn_prep_parse(nn_mp *c, nn_prep *p, nn_error *err);
/* The chain of a data stream's metadata map (s->meta; none: empty).
 * *present says whether the key was there (may be NULL). */
int nn_prep_read(const nn_schema *s, nn_prep *p, int *present, nn_error *err);

/* The feature names of field f of s: the metadata's feature_names when
 * it names f->row_elems columns, else *names NULL.  Copied (*names and
 * each string malloc'd; nn_prep_names_free). */
int nn_prep_feature_names(const nn_schema *s, const nn_field *f, char ***names, nn_error *err);
void nn_prep_names_free(char **names, size_t n);

/* Set os's metadata to in's map (in may be os itself; NULL meta: an
 * empty map) with "preparation" set to p and, when names is not NULL,
 * "feature_names" set to its n names; every other key kept as it was. */
int nn_prep_meta_update(nn_schema *os, const nn_schema *in, const nn_prep *p, char *const *names,
                        size_t n, nn_error *err);

/* --- comparing ------------------------------------------------------------ */

/* Are steps a and b the same (see the top)?  1 if so; else 0 and why
 * (which part differs) in why[0..n). */
int nn_prep_step_same(const nn_prep_step *a, const nn_prep_step *b, char *why, size_t n);
/* How many leading steps a and b share; at the first that differs,
 * why says how. */
size_t nn_prep_common(const nn_prep *a, const nn_prep *b, char *why, size_t n);
/* "nn-normalize --method zscore" and the like, for messages. */
void nn_prep_step_describe(const nn_prep_step *st, char *buf, size_t n);

/* --- columns by name ------------------------------------------------------ */

/* perm[j] = the column of `have` named want[j], for the nw wanted names.
 * Fails (NN_EDATA) naming the wanted columns missing from have, the
 * columns of have not wanted, or a name given twice. */
int nn_prep_map_names(char *const *have, size_t nh, char *const *want, size_t nw, size_t *perm,
                      nn_error *err);
/* out[r][j] = in[r][perm[j]] for rows of d columns (in and out apart). */
void nn_prep_permute(const size_t *perm, size_t d, const double *in, double *out, size_t rows);
/* Is perm the identity on n columns? */
int nn_prep_perm_identity(const size_t *perm, size_t n);

/* --- applying ------------------------------------------------------------- */

typedef struct nn_prep_counts {
	uint64_t replaced;     /* non-finite values filled */
	uint64_t clipped;      /* values moved to a clip bound */
	uint64_t passed;       /* non-finite values passed through by a scaler */
} nn_prep_counts;

/* Apply st to rows of st->columns doubles in v[rows x columns], in
 * place; the result, rows x st->out_columns, is packed from v[0].  The
 * caller converts the values to st->out_dtype (rounding once, as the
 * program that wrote the step did).  Drops no row. */
void nn_prep_apply(const nn_prep_step *st, double *v, size_t rows, nn_prep_counts *cnt);
/* nn-normalize --inverse: x = (y - low) * scale + offset (not l2). */
void nn_prep_unapply(const nn_prep_step *st, double *v, size_t rows, nn_prep_counts *cnt);

#endif
