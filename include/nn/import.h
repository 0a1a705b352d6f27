/* nn/import.h — parsers for the formats nn-import reads: CSV and TSV,
 * LIBSVM, IDX and NPY.  They read through a callback (the program's reads
 * through zlib, a fuzzer's from memory), hold one record or one batch at a
 * time, and report bad input as NN_EDATA with a message that names the line
 * and column but not the file.  nn-import(1) lists the choices each
 * format leaves open; these are the parsers' own:
 * - csv/tsv: RFC 4180 double quotes ("" is a quote; a quoted field may
 *   hold delimiters and line breaks) in both; another delimiter when the
 *   caller gives one; CRLF, LF or CR-only line ends (CR-only decided by
 *   the first line break); a UTF-8 byte-order mark is skipped; blank lines
 *   are skipped.  Spaces and tabs around a number are not part of it,
 *   quoted or not (" 12 " is 12, as numpy and pandas read it), and a label
 *   that is a number is trimmed the same way, so " 1" and "1" are one
 *   class (a name keeps its blanks: " pad " is not "pad").  Missing values
 *   (empty, ?, NA, N/A, n/a, NULL, null, None, #N/A, <NA>, and NaN in any
 *   case with a sign) become NaN; inf, +inf, -inf and infinity are
 *   infinite; anything else that is not a decimal number is an error
 *   naming the line and column.  A column spec naming no column is
 *   NN_EARG with the closest name, or, when the header is one column
 *   holding ';', a tab, '|' or ',', the delimiter to give.  Features are
 *   the nearest f32 (what strtof gives; labels go through strtod): nnpipe
 *   never calls setlocale, so '.' is the decimal point.  Values beyond the
 *   range of f32 become infinite.  An id column (a str field) keeps its
 *   text as read, blanks around an unquoted one trimmed.
 * - libsvm: 1-based indices in strictly ascending order; width is the
 *   largest index, or the caller's; "#" starts a comment; read as
 *   svm-train reads it: "+1" is index 1, a value must be a number ("1:",
 *   "1:?", "1:NA" are errors: an index left out is 0), "qid:N" right after
 *   the label is skipped and counted, a UTF-8 byte-order mark is skipped.
 * - idx: the magic's type byte picks the dtype (u8 i8 i16 i32 f32 f64); the
 *   first dimension counts rows.  The data must end exactly where the
 *   header says: short or long data is an error.
 * - npy: versions 1 to 3, the byte orders numpy writes ('<', '>' swapped
 *   to this machine's, '=' this machine's, '|' for single bytes) of b1 u1
 *   i1 i2 u2 i4 u4 i8 u8 f4 f8, C order; Python 2's shapes (6L, 3L).
 */
#ifndef NN_IMPORT_H
#define NN_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "nn/error.h"
#include "nn/stream.h"
#include "nn/tensor.h"

#define NN_IMPORT_ROW_MAX     (NN_MAX_OBJECT_BYTES / 2)  /* bytes in one row */
#define NN_IMPORT_RECORD_MAX  (64u << 20)                /* bytes in one text record */
#define NN_IMPORT_NPY_HDR_MAX (1u << 20)                 /* bytes in an npy header */
#define NN_NO_ID UINT32_MAX

/* Read up to n bytes into buf; fewer only at the end of the input.
 * Returns the count, or -1 with err filled. */
typedef ptrdiff_t (*nn_read_fn)(void *ctx, void *buf, size_t n, nn_error *err);

typedef struct nn_source {
	nn_read_fn read;
	void *ctx;
} nn_source;

/* A source over bytes in memory (tests and fuzzers). */
typedef struct nn_memsrc {
	const unsigned char *p;
	size_t n, pos;
} nn_memsrc;
ptrdiff_t nn_memsrc_read(void *ctx, void *buf, size_t n, nn_error *err);

/* --- numbers ----------------------------------------------------------- */

enum { NN_VALUE_OK, NN_VALUE_MISSING, NN_VALUE_BAD };

/* A feature value: the n bytes at s, less surrounding blanks (spaces and
 * tabs, quoted or not: numpy and pandas read " 12 " as 12), are a decimal
 * number ([+-] digits [. digits] [e [+-] digits]), an infinity (inf,
 * infinity in any case, signed) or a missing value: NaN in any case and
 * signed, or one of the tokens empty, ?, NA, N/A, n/a, NULL, null, None,
 * #N/A, <NA>.  Stores exactly what strtof gives in the C locale; returns
 * NN_VALUE_*. */
int nn_import_f32(const char *s, size_t n, float *out);

/* The same syntax for a NUL-terminated label, as a double (strtod). */
int nn_import_f64(const char *s, double *out);

/* The length of s[0..n) less its surrounding blanks; *s moves past the
 * leading ones.  A label that is a number or a missing value is trimmed
 * the same way before it is taken as a class name, so " 1" and "1" are
 * one class; a name keeps its blanks (" pad " is not "pad"). */
size_t nn_import_trim(const char **s, size_t n);

/* --- sets of strings, in order of first appearance --------------------- */

typedef struct nn_strset {
	char **s;
	uint64_t *line;     /* the line each string first appeared on */
	size_t n, scap;
	uint32_t *slot;     /* open addressing: entry index + 1, 0 = empty */
	size_t cap;         /* slots, a power of two */
	int full;           /* an add found NN_MAX_CLASSES entries */
} nn_strset;

/* The id of s, or NN_NO_ID. */
uint32_t nn_strset_find(const nn_strset *t, const char *s);
/* Add s (if new) and store its id in *id: NN_NO_ID when the set is full.
 * Returns -1 only when out of memory. */
int nn_strset_add(nn_strset *t, const char *s, uint64_t line, uint32_t *id, nn_error *err);
void nn_strset_free(nn_strset *t);

/* --- labels: collected row by row, their kind decided at the end -------- */

enum nn_task { NN_TASK_AUTO, NN_TASK_CLASSIFY, NN_TASK_REGRESS };

typedef struct nn_labels {
	char column[300];         /* for messages: ", column 'species'" or "" */
	nn_strset names;          /* distinct non-missing label texts */
	nn_strset ints;           /* distinct whole-number labels, as "%d" */
	uint64_t missing_line, nonnum_line, nonint_line, min_line, max_line;
	char nonnum_text[48];
	int32_t min, max;
} nn_labels;

/* Record one label text: *v is its value (NaN unless a number), *id the
 * id of its text in L->names (NN_NO_ID when missing). */
int nn_labels_add(nn_labels *L, const char *text, uint64_t line, double *v, uint32_t *id,
                  nn_error *err);
void nn_labels_free(nn_labels *L);

enum { NN_Y_VALUE, NN_Y_ID, NN_Y_REMAP, NN_Y_NAMES };

/* Whole-number labels with --task auto: at most this many distinct values
 * are classes, more are regression targets (diabetes' 214 disease scores
 * are a measurement, not 214 classes). */
#define NN_AUTO_MAX_CLASSES 100
/* What --task auto decided about whole-number labels, for a note. */
enum { NN_YNOTE_NONE, NN_YNOTE_CLASSES, NN_YNOTE_VALUES };

/* How labels become y (f32 values or i32 class ids), with the class names. */
typedef struct nn_yplan {
	int how;
	int note;                 /* NN_YNOTE_*: classes from more than two whole
	                             numbers, or values from too many of them */
	size_t distinct;          /* the distinct whole numbers, for the note */
	nn_dtype dtype;           /* NN_F32 or NN_I32 */
	int32_t *ints;            /* NN_Y_REMAP: the distinct values, sorted */
	size_t nints;
	uint32_t *map;            /* NN_Y_NAMES: class id of each name id */
	size_t ncls;
	const char *const *cls;   /* class names for the schema, or none */
	const char **own;
} nn_yplan;

/* Decide the labels' kind: task is enum nn_task; classes (or NULL) the
 * names given by the user.  The plan refers to strings in L and classes.
 * NN_TASK_AUTO: labels with any non-number are class names; numbers that
 * are not all whole are f32 regression targets; whole numbers are i32
 * class ids when they take at most NN_AUTO_MAX_CLASSES distinct values,
 * else regression targets, with p->note set when there are more than two
 * (scikit-learn's type_of_target takes any whole numbers for classes; a
 * column of 214 disease scores is a measurement).  --classes means
 * classes.  Class names are sorted bytewise and numbered from 0 (what
 * scikit-learn's LabelEncoder does), so the ids do not depend on row
 * order.  Whole-number labels keep their values as ids, unless one is
 * negative (LIBSVM's -1/+1): then the distinct values, in numeric order,
 * become classes 0..K-1 named by their values.  --classes fixes the names
 * and their order.  A missing label is NaN in regression and an error in
 * classification. */
int nn_labels_plan(const nn_labels *L, int task, const nn_strset *classes, nn_yplan *p,
                   nn_error *err);
/* The note --task auto's decision asks for (p->note), as text in buf;
 * 0 when there is none. */
int nn_yplan_note(const nn_yplan *p, char *buf, size_t n);
/* Store the y of one row (4 bytes) from its label value and id. */
void nn_yplan_apply(const nn_yplan *p, double v, uint32_t id, void *dst);
/* The same for n rows: y[i] (4 bytes each) from v[i] and id[i]. */
void nn_yplan_apply_rows(const nn_yplan *p, const double *v, const uint32_t *id, size_t n, void *y);
void nn_yplan_free(nn_yplan *p);

/* --- csv, tsv ---------------------------------------------------------- */

enum { NN_COL_FEATURE, NN_COL_LABEL, NN_COL_DROP, NN_COL_ID };

typedef struct nn_csv_opts {
	int delim;                 /* ',' or '\t' */
	int no_header;             /* the first line is data */
	long long skip;            /* lines skipped before anything */
	const char *label;         /* label column by name or index, or NULL */
	const char *const *drop;   /* columns left out */
	size_t ndrop;
	const char *const *ids;    /* columns kept as text (str fields) */
	size_t nids;
	size_t id_width;           /* bytes per id, 1..NN_MAX_STR_BYTES (0: 64) */
} nn_csv_opts;

typedef struct nn_csv nn_csv;
/* What the first record told; valid until nn_csv_close. */
typedef struct nn_csv_info {
	size_t ncols, nfeat;
	char **names;              /* header names, or NULL (no header) */
	const unsigned char *role; /* NN_COL_* of each column */
	size_t label_col;          /* SIZE_MAX without a label */
	size_t nids, id_width;     /* --id columns and their width */
	const size_t *id_col;      /* the column of each, in the order given */
	char **id_names;           /* the str field of each: its header name, else "col_N" */
} nn_csv_info;

/* Read the header (or the first row), resolve the columns. */
nn_csv *nn_csv_open(nn_source src, const nn_csv_opts *o, nn_error *err);
const nn_csv_info *nn_csv_info_of(const nn_csv *c);
/* Up to max rows: features into x (nfeat f32 per row), the label's value
 * and id into yv, yid (when there is a label; else they may be NULL).
 * Returns the row count, 0 at the end, or -1. */
ptrdiff_t nn_csv_read(nn_csv *c, float *x, double *yv, uint32_t *yid, size_t max, nn_error *err);
/* The same, and the ids of each row into ids (when there are --id
 * columns; else it may be NULL): ids[k] is where id column k's rows go, as
 * a str field holds them, row i at ids[k] + i * id_width, its text padded
 * with NUL bytes (a writer's batch, nn_writer_room, takes them as they
 * are).  An id longer than id_width, or not UTF-8, is an error naming its
 * line and column: ids are never cut. */
ptrdiff_t nn_csv_read_cols(nn_csv *c, float *x, double *yv, uint32_t *yid, void *const *ids,
                           size_t max, nn_error *err);
/* The labels seen so far (for nn_labels_plan). */
nn_labels *nn_csv_labels(nn_csv *c);
void nn_csv_close(nn_csv *c);

/* --- libsvm ------------------------------------------------------------ */

typedef struct nn_svm_pair {
	uint32_t index;            /* 0-based */
	float value;
} nn_svm_pair;

typedef struct nn_libsvm nn_libsvm;
/* features: the row width, or 0 to learn it (limit NN_IMPORT_ROW_MAX / 4). */
nn_libsvm *nn_libsvm_open(nn_source src, long long skip, uint64_t features, nn_error *err);
/* The next row: label value and id, nnz pairs in ascending index order
 * (valid until the next call).  Returns 1, 0 at the end, or -1. */
int nn_libsvm_next(nn_libsvm *l, double *v, uint32_t *id, const nn_svm_pair **pairs,
                   uint32_t *nnz, nn_error *err);
uint64_t nn_libsvm_width(const nn_libsvm *l);   /* largest index so far, or features */
/* Rows that had a "qid:N" (skipped), and the line of the first. */
uint64_t nn_libsvm_qid_rows(const nn_libsvm *l, uint64_t *first_line);
nn_labels *nn_libsvm_labels(nn_libsvm *l);
/* A row kept in a temporary file between nn-import's two passes (its
 * width is known only at the end): nnz (u32), the label's value (f64) and
 * id (u32), then the pairs.  _get adds the row's values into x (width
 * floats, zeroed by the caller).  NN_EIO on a failed read or write, or
 * a row the file cannot hold. */
int nn_libsvm_spool_put(FILE *f, double v, uint32_t id, const nn_svm_pair *pairs, uint32_t nnz,
                        nn_error *err);
int nn_libsvm_spool_get(FILE *f, float *x, uint64_t width, double *v, uint32_t *id, nn_error *err);
/* Back to the spool's start, its writing ended (NN_EIO). */
int nn_libsvm_spool_rewind(FILE *f, nn_error *err);
/* Pass 2: the spool's next n rows dense into x (n rows of width floats,
 * zeroed here) and their y into y (4 bytes a row, by the plan p). */
int nn_libsvm_spool_rows(FILE *f, float *x, uint64_t width, size_t n, const nn_yplan *p, void *y,
                         nn_error *err);
void nn_libsvm_close(nn_libsvm *l);

/* --- binary arrays: idx and npy ---------------------------------------- */

enum nn_array_format { NN_ARRAY_IDX, NN_ARRAY_NPY };

typedef struct nn_array {
	nn_source src;
	nn_dtype dtype;
	int big_endian;            /* data needs swapping to host order */
	int ndim;                  /* per-row dimensions */
	uint64_t shape[NN_MAX_DIMS];
	uint64_t rows;
	size_t row_elems, row_bytes;
} nn_array;

/* Read and check the header.  size is the input's length in bytes when
 * known (a plain regular file): the data must fill it exactly; else -1. */
int nn_array_open(nn_array *a, nn_source src, int format, long long size, nn_error *err);
/* n rows into buf, in host byte order; done rows were read before. */
int nn_array_rows(nn_array *a, void *buf, size_t n, uint64_t done, nn_error *err);
/* After the last row: nothing may follow. */
int nn_array_end(nn_array *a, nn_error *err);

/* Labels from an array (--labels): l must hold one value per row and as
 * many rows as the features (rows); *dtype is what they become: i32 class
 * ids from integers, f32 from floats, and integers only when nclasses
 * names classes.  NN_EDATA with the message otherwise. */
int nn_array_labels_check(const nn_array *l, uint64_t rows, size_t nclasses, nn_dtype *dtype,
                          nn_error *err);
/* n labels read as raw (l->dtype) into y (dtype from the check), rows
 * done + 1 .. done + n; with nclasses, every id must lie below it. */
int nn_array_labels_convert(const nn_array *l, void *y, nn_dtype dtype, const void *raw, size_t n,
                            uint64_t done, size_t nclasses, nn_error *err);
/* Both: n labels read (nn_array_rows) into raw (room for n of
 * l->dtype) and converted into y. */
int nn_array_labels_rows(nn_array *l, void *y, nn_dtype dtype, void *raw, size_t n, uint64_t done,
                         size_t nclasses, nn_error *err);

#endif
