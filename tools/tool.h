/* tools/tool.h — what every nnpipe program shares and libcommon must not
 * do: print diagnostics, choose exit codes, own the output file.
 *
 * Exit codes: 0 success, 1 bad data or I/O, 2 bad usage.
 * Messages:   "nn-NAME: 'FILE': what went wrong" on stderr.
 * Output:     -o FILE is written to a temporary file in the same folder and
 *             renamed over FILE only by tool_output_commit(); any exit
 *             before that (error, SIGINT, SIGTERM, SIGHUP, SIGPIPE)
 *             removes the temporary.  A FILE that exists and is not a
 *             regular file (/dev/stdout, a FIFO, a device) is written in
 *             place.  A program with several outputs holds a tool_out
 *             handle for each, under the same rules.
 *             Without -o, output goes to stdout; binary output is refused
 *             when stdout is a terminal.
 * Broken pipe: a write that fails with EPIPE ends the program quietly with
 *             status 1 (SIGPIPE itself, when not ignored, ends it too).
 */
#ifndef NN_TOOL_H
#define NN_TOOL_H

#include <stdio.h>
#include <sys/types.h>
#include "nn/cli.h"
#include "nn/error.h"
#include "nn/params.h"
#include "nn/stream.h"

#define TOOL_EXIT_DATA  1
#define TOOL_EXIT_USAGE 2

/* The program's name for messages; set by tool_parse. */
extern const char *tool_prog;

/* Parse the command line: prints --help/--version and exits 0, prints a
 * usage error and exits 2.  Also installs the signal handlers that clean up
 * a temporary output.  Operands land in *operands. */
void tool_parse(const nn_cli *cli, int argc, char **argv,
                nn_strlist *operands);

/* Every program takes --key FILE (nn/crypt.h): tool_parse adds it to the
 * program's table and, after parsing, loads the key of --key or of
 * $NN_KEY_FILE (refusing a key file others may read) for every reader and
 * writer; outputs (-o and tool_out_open) are then created 0600.  With a
 * key, clear inputs are refused unless --accept-clear is given.  A program
 * with no use for a key (nn-keygen) sets tool_crypt_options to 0 first. */
extern int tool_crypt_options;
/* The key file in use, or NULL. */
const char *tool_key_path(void);
/* The --trust FILE|DIR (or $NN_TRUST) in use, or NULL. */
const char *tool_trust_path(void);

/* "nn-NAME: 'FILE': message" (FILE NULL: "nn-NAME: message"), then exit
 * with status.  Control characters in FILE and the message are written
 * as \t, \n, \r or \xHH (nn_escape_ctrl).  An nn_error with code NN_EPIPE exits 1 silently. */
_Noreturn void tool_die(int status, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
_Noreturn void tool_die_err(const char *file, const nn_error *err);
/* "nn-NAME: message" plus "Try 'nn-NAME --help'.", exit 2. */
_Noreturn void tool_usage(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* A warning or note on stderr (not when quiet was set).  A program makes
 * -q silence them with NN_OPT_QUIET(&tool_quiet) in its option table. */
void tool_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int tool_quiet;

/* Name to show for an input path: "-" and NULL show as "(stdin)". */
const char *tool_name(const char *path);

/* Open an input stream.  path NULL or "-" means stdin; stdin that is a
 * terminal is a usage error rather than a hang.  Errors exit 1. */
nn_reader *tool_reader(const char *path);
/* Next batch or exit 1 with the input named; returns 0 at the end. */
int tool_next(nn_reader *r, const char *path, const nn_batch **b);
/* Open an input for raw bytes (importers): returns an fd, same rules. */
int tool_open_in(const char *path);

/* An input read more than once (a fit, then an apply): a regular file is
 * re-read from where it started; anything else (a pipe) is first copied
 * as it comes, still compressed, to an unlinked file in $TMPDIR. */
typedef struct tool_input {
	const char *name;        /* for messages */
	int fd;
	off_t start;             /* where each reading starts */
} tool_input;
void tool_input_rewindable(tool_input *in, const char *path);
/* A reader from the start of the input (exits 1 on failure). */
nn_reader *tool_input_reader(tool_input *in);

/* For a pass that only reads (a fit, a count, a check), before its first
 * batch: decompress on two threads when there are two processors.  The
 * rest of the program, and its other stages, wait for such a pass. */
void tool_scan_threads(nn_reader *r);

/* An output file (any number of them): path NULL or "-" means stdout;
 * binary: refuse a terminal.  A regular file (or a new one) is written
 * to a temporary beside it, which every exit but tool_out_commit removes
 * (the signal handlers of tool_parse and an atexit handler see to it). */
typedef struct tool_out tool_out;
tool_out *tool_out_open(const char *path, int binary);
/* The same output as a stdio stream (for text). */
FILE *tool_out_file(tool_out *o);
/* "(stdout)" or the path as given. */
const char *tool_out_name(const tool_out *o);
/* A writer on o: threads as tool_compress_threads, batch_rows 0 for the
 * default batch size. */
nn_writer *tool_out_writer(tool_out *o, const nn_schema *s, long long level, long long threads,
                           size_t batch_rows);
/* Flush and close (again: nothing); failure exits 1.  The temporary
 * stays until tool_out_commit, so that a program with several outputs
 * renames them into place only when all are whole. */
void tool_out_close(tool_out *o);
/* Close if need be, rename into place and free the handle. */
void tool_out_commit(tool_out *o);

/* The one output of most programs, a tool_out held here.
 * Start the output: path NULL means stdout.  binary: refuse a terminal.
 * Returns the fd to write to. */
int tool_output_open(const char *path, int binary);
/* The same output as a stdio stream (for text). */
FILE *tool_output_file(void);
/* Flush, check, fsync nothing, close and rename into place.  Any failure
 * exits 1 and leaves no file. */
void tool_output_commit(void);
/* The name of the output for messages. */
const char *tool_output_name(void);

/* Compression threads for a writer on out_fd: `threads` when given (> 0),
 * else the default (NN_OPT_THREADS): 1 when an input opened so far or
 * out_fd is a pipe or a socket — the program is one stage of a pipeline, whose
 * other stages have the other cores — else 2 (1 on one processor).  The
 * bytes written are the same for any number (nn-stream(5)). */
int tool_compress_threads(long long threads, int out_fd);
/* A writer on the output opened by tool_output_open (threads as above). */
nn_writer *tool_writer(const nn_schema *s, long long level, long long threads);
void tool_write(nn_writer *w, const void *const *cols, size_t rows);
/* Finish the stream and commit the output. */
void tool_writer_finish(nn_writer *w);

/* Record the program's own name, version and arguments (less -o FILE)
 * in a schema. */
void tool_provenance(nn_schema *s, int argc, char **argv);

/* The same, less the options that change where things go or what is
 * shown but not the result (so that two runs differing only there give
 * the same bytes).  skip lists them as spelled: "--log=" takes an
 * argument (given as "--log X" or "--log=X"), "--progress" does not. */
void tool_provenance_except(nn_schema *s, int argc, char **argv,
                            const char *const *skip);

/* Write a whole one-row stream (a model, a checkpoint, fitted parameters)
 * to path atomically, like -o, with a handle of its own. */
void tool_save_row(const char *path, const nn_schema *s, const void *const *cols,
                   long long level);
/* Fitted parameters (nn/params.h) to path, the same way, with the
 * program's provenance (tool_provenance) and the default level. */
void tool_save_params(const char *path, const nn_params *p, int argc, char **argv);

/* For programs that multiply matrices, first thing in main(): when this
 * machine's OpenBLAS runs kernels for an older instruction set than the
 * CPU has (nn/blas.h), set OPENBLAS_CORETYPE and re-execute the program;
 * in the re-executed program, run the self-check and go back to the
 * previous kernels if it fails.  NN_BLAS_CORETYPE=keep leaves OpenBLAS's
 * choice (and any OPENBLAS_CORETYPE) alone, NN_BLAS_CORETYPE=NAME
 * chooses NAME (e.g. under valgrind, which does not follow the
 * re-execution).  Sets tool_version_note to a line naming the kernels,
 * which --version prints. */
void tool_blas_init(char **argv);
extern const char *tool_version_note;
/* "SkylakeX (chosen by nnpipe, self-check passed)" and the like. */
const char *tool_blas_description(void);

/* Read a model file (or a checkpoint) whole: its one row of parameters
 * and the verified end; exits 1 naming the file otherwise. */
struct nn_model;
struct nn_model *tool_model(const char *path);

/* An unlinked temporary file in $TMPDIR (default /tmp) for data that must
 * be read twice: bounded memory at the cost of disk.  Exits 1 on failure. */
FILE *tool_spool(void);

/* s[0..n) on o with its control characters escaped (nn_escape_ctrl):
 * text from a file in a line-per-item report. */
void tool_put_text(FILE *o, const char *s, size_t n);
/* The same for a NUL-terminated string. */
void tool_put_str(FILE *o, const char *s);
/* s as a quoted JSON string (nn_json_str's escaping) on o. */
void tool_put_json_str(FILE *o, const char *s);

/* malloc/calloc/realloc that exit 1 with a message on failure. */
void *tool_alloc(size_t n);
void *tool_realloc(void *p, size_t n);

#endif
