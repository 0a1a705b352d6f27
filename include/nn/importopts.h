/* nn/importopts.h — what nn-import's arguments mean: the format a file
 * name implies, a --classes list, a --shape list, the gzip-or-plain input
 * the parsers of nn/import.h read from, and the header names kept as
 * metadata.  nn-import(1) documents each rule.
 */
#ifndef NN_IMPORTOPTS_H
#define NN_IMPORTOPTS_H

#include <stddef.h>
#include <stdint.h>
#include "nn/cli.h"
#include "nn/error.h"
#include "nn/import.h"
#include "nn/stream.h"

/* The formats, in the order of the --format choice words. */
enum nn_import_format { NN_IMPORT_CSV, NN_IMPORT_TSV, NN_IMPORT_LIBSVM, NN_IMPORT_IDX, NN_IMPORT_NPY };
#define NN_IMPORT_FORMATS "csv|tsv|libsvm|idx|npy"
/* The --task words, in the order of enum nn_task (nn/import.h). */
#define NN_IMPORT_TASKS "auto|classification|regression"

/* The options of one nn-import run that decide which go together. */
typedef struct nn_import_args {
	int format;                  /* enum nn_import_format */
	const char *in_path;         /* the INPUT operand, or NULL */
	const char *delim, *label, *labels, *classes;   /* NULL when not given */
	int no_header, task_given, task;                /* task: enum nn_task */
	size_t ndrop, nids;
	long long skip, features;    /* 0 when not given */
} nn_import_args;

/* Check that the options go with the format and with each other, and
 * find the field delimiter (--delimiter: one ASCII character that cannot
 * be part of a number, or "\t" or "tab"; else ',' for csv, a tab for
 * tsv) into *delim.  NN_EARG with the message for the usage error. */
int nn_import_check_args(const nn_import_args *a, int *delim, nn_error *err);

/* Everything nn-import checks before it reads: the options of a
 * (nn_import_check_args, finding *delim), a->classes into the empty set
 * *classes (nn_class_list; left empty without --classes), the names x
 * and y with those classes (nn_import_check_names) and the --shape list
 * (NULL: none given).  NN_EARG with the usage error's message, the
 * option named; NN_ENOMEM. */
int nn_import_check(const nn_import_args *a, const char *x, const char *y, const char *shape,
                    nn_strset *classes, int *delim, nn_error *err);

/* --hash-id columns are --id columns hashed: hash's names are appended
 * to ids (hash emptied), after checking that there is a key (have_key)
 * and that id_width holds a hash (NN_HASHID_HEX bytes): NN_EARG with the
 * usage error's message; NN_ENOMEM.  Nothing to do without hash's. */
int nn_import_hash_ids(nn_strlist *ids, nn_strlist *hash, int have_key, long long id_width,
                       nn_error *err);

/* The format of a run: the --format word (NULL when not given), else
 * csv when a --delimiter is given (it says what the file is), else what
 * the name implies (nn_import_format_of); -1 when nothing tells. */
int nn_import_format_pick(const char *word, int delim_given, const char *path);

/* Can x and y name fields and classes (n names, or 0) name y's classes?
 * The same checks the schema makes, before any input is read: NN_EARG
 * with the message (NN_ENOMEM when out of memory). */
int nn_import_check_names(const char *x, const char *y, size_t n, const char *const *classes,
                          nn_error *err);

/* --shape spec for rows of ndim dimensions shape: its dimensions into out;
 * returns their count.  -1 with NN_EARG for a bad spec, NN_EDATA when it
 * holds another number of values than the rows. */
int nn_import_reshape(const char *spec, int ndim, const uint64_t *shape,
                      uint64_t out[NN_MAX_DIMS], nn_error *err);

/* The features field: name, dtype t, per-row shape (ndim dimensions),
 * given the --shape reshape instead unless reshape is NULL (NN_EDATA when
 * it holds another number of values).  Else the schema's errors. */
int nn_import_add_x(nn_schema *s, const char *name, nn_dtype t, int ndim, const uint64_t *shape,
                    const char *reshape, nn_error *err);
/* The label field: a scalar of dtype t, with n class names (or none). */
int nn_import_add_y(nn_schema *s, const char *name, nn_dtype t, size_t n,
                    const char *const *classes, nn_error *err);
/* The fields of a csv or tsv import after x (nn_import_add_x, f32 with
 * in->nfeat per row), in their order: y when p is given (p's dtype and
 * class names); a str field [in->id_width] for each id column, named
 * after it (in->id_names).  NN_EARG when an id field would take the name
 * of x or (with p) y, naming the --id as given (ids[k]) and the option
 * that renames the other; else the schema's errors. */
int nn_import_csv_fields(nn_schema *s, const nn_csv_info *in, const char *x, const char *y,
                         const nn_yplan *p, const char *const *ids, nn_error *err);

/* The format path's name implies, after a final ".gz" is removed, in any
 * case: .csv; .tsv or .tab; .svm, .libsvm or .svmlight; .npy; .idx or a
 * name ending in "ubyte" (MNIST's train-images-idx3-ubyte).  NULL and "-"
 * (standard input) are csv.  -1 when the name says nothing. */
int nn_import_format_of(const char *path);

/* Fill an empty set with the class names of list: "fashion-mnist" for
 * Fashion-MNIST's ten, else names separated by commas, class 0 first.
 * NN_EARG for an empty name, a name given twice or more than
 * NN_MAX_CLASSES names; NN_ENOMEM.  The set's ids are the class ids. */
int nn_class_list(nn_strset *set, const char *list, nn_error *err);

/* Sizes separated by commas ("8,8"), each from 1 to 2^40, into out.
 * Returns their count, or -1 with NN_EARG: none given, more than
 * NN_MAX_DIMS, an empty part or one that is not a size. */
int nn_parse_dims(const char *s, uint64_t out[NN_MAX_DIMS], nn_error *err);

/* A gzip file or a plain one (zlib passes plain bytes through), read from
 * an open descriptor, which closing it closes. */
typedef struct nn_gzin nn_gzin;
nn_gzin *nn_gzin_open(int fd, nn_error *err);
/* The source for the parsers: a cut gzip member or a read error is an
 * error, never a short input. */
nn_source nn_gzin_source(nn_gzin *g);
/* The bytes left from where fd was when opened, when known: a plain
 * regular file.  Else -1. */
long long nn_gzin_size(nn_gzin *g);
/* Close; NN_EIO or NN_EDATA when closing shows an error. */
int nn_gzin_close(nn_gzin *g, nn_error *err);

/* Metadata {feature_names: [the names of the NN_COL_FEATURE columns],
 * label_name: label} (label_name only when label is not NULL) set on s.
 * A map over NN_MAX_HEADER_BYTES / 4 is left out: a header too large for
 * readers is worse than no names. */
int nn_import_names_meta(nn_schema *s, char *const *names, size_t ncols,
                         const unsigned char *role, size_t nfeat, const char *label,
                         nn_error *err);

/* The names nn_import_names_meta keeps, read back from s's metadata:
 * *names (*nnames of them, malloc'd, each malloc'd) and *label, or NULL
 * and 0 when absent or not all strings.  Returns -1 only when out of
 * memory.  nn_import_names_free frees them. */
int nn_import_names_read(const nn_schema *s, char ***names, size_t *nnames, char **label,
                         nn_error *err);
void nn_import_names_free(char **names, size_t nnames, char *label);

/* NPY 1.0 header of `rows` rows of field f at h (room: 1024 bytes),
 * padded with spaces so that its length does not depend on rows (room for
 * a 20-digit count) and the data starts 64-byte aligned: numpy's dtype of
 * the field's ('<f4', …; a str field of [W] is 'S<W>', shape (rows,)).
 * Returns its length. */
size_t nn_npy_header(char *h, const nn_field *f, uint64_t rows);

#endif
