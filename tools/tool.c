/* tool.c — the program side of nnpipe: messages, exit codes, inputs and
 * the atomic output file (see tool.h for the rules). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nn/crypt.h"
#include "nn/sign.h"
#include "nn/pack.h"
#include "nn/spool.h"
#include "nn/tensors.h"
#include "nn/version.h"
#include "tool.h"

const char *tool_prog = "nn";
int tool_quiet;
const char *tool_version_note;

/* An output file: see tool.h.  Outputs with a temporary are on a list
 * that the signal handler walks; the list changes only while signals are
 * blocked, so the handler never sees it half changed. */
struct tool_out {
	const char *path;        /* as given; NULL for stdout */
	char *final;             /* where the temporary is renamed to */
	char *tmp;               /* the temporary's path while it exists */
	volatile sig_atomic_t have_tmp;
	int fd;
	FILE *fp;
	tool_out *next;          /* on the list of temporaries */
};
static tool_out *volatile tmps;

/* The output of tool_output_open and the calls without a handle. */
static tool_out *dflt;
static const char *dflt_path;

static int input_piped;      /* some input is a pipe or a socket */

static int is_pipe(int fd)
{
	struct stat st;
	return !fstat(fd, &st) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

static void remove_tmps(void)
{
	for (tool_out *o = tmps; o; o = o->next)
		if (o->have_tmp) {
			unlink(o->tmp);
			o->have_tmp = 0;
		}
}

static void on_signal(int sig)
{
	for (tool_out *o = tmps; o; o = o->next)   /* unlink and raise are async-signal-safe */
		if (o->have_tmp)
			unlink(o->tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* A message line on stderr, built in a buffer of PIPE_BUF bytes: what
 * does not fit goes out first, so a line that fits is one write. */
struct line {
	char buf[4096];
	size_t len;
};

static void line_flush(struct line *l)
{
	if (l->len)
		nn_write_all(2, l->buf, l->len, NULL);
	l->len = 0;
}

/* s[0..n) with its control characters escaped (nn_escape_ctrl): names
 * and messages carry bytes from input files, which must not start lines
 * of their own or reach the terminal as escape sequences. */
static void line_put(struct line *l, const char *s, size_t n)
{
	while (n) {
		size_t part = n < 512 ? n : 512;   /* escaped, at most 2048 bytes */
		if (l->len + nn_escape_ctrl(NULL, 0, s, part) >= sizeof l->buf)
			line_flush(l);
		l->len += nn_escape_ctrl(l->buf + l->len, sizeof l->buf - l->len, s, part);
		s += part;
		n -= part;
	}
}

/* The whole line in one write: programs of a pipeline (or MPI ranks,
 * whose stderr mpirun merges) share stderr, and a line written in pieces
 * can have another's in its middle.  Up to PIPE_BUF bytes a write to a
 * pipe is atomic; a longer line goes out in pieces. */
static void vmessage(const char *file, const char *fmt, va_list ap)
{
	struct line l;
	char small[4096], *text = small;
	int m;
	va_list again;

	fflush(stdout);
	fflush(stderr);
	va_copy(again, ap);
	m = vsnprintf(small, sizeof small, fmt, again);
	va_end(again);
	if (m < 0)
		m = 0, small[0] = 0;
	else if ((size_t)m >= sizeof small && (text = malloc((size_t)m + 1)))
		vsnprintf(text, (size_t)m + 1, fmt, ap);
	else if (!text)                         /* out of memory: the start of it */
		text = small, m = (int)strlen(small);
	l.len = 0;
	line_put(&l, tool_prog, strlen(tool_prog));
	line_put(&l, ": ", 2);
	if (file) {
		line_put(&l, "'", 1);
		line_put(&l, file, strlen(file));
		line_put(&l, "': ", 3);
	}
	line_put(&l, text, (size_t)m);
	if (l.len + 1 >= sizeof l.buf)
		line_flush(&l);
	l.buf[l.len++] = '\n';
	line_flush(&l);
	if (text != small)
		free(text);
}

void tool_die(int status, const char *file, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(file, fmt, ap);
	va_end(ap);
	exit(status);
}

void tool_die_err(const char *file, const nn_error *err)
{
	if (err->code == NN_EPIPE)
		exit(TOOL_EXIT_DATA);
	tool_die(err->code == NN_EARG ? TOOL_EXIT_USAGE : TOOL_EXIT_DATA, file, "%s", err->msg);
}

void tool_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(NULL, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", tool_prog);
	exit(TOOL_EXIT_USAGE);
}

void tool_note(const char *fmt, ...)
{
	va_list ap;
	if (tool_quiet)
		return;
	va_start(ap, fmt);
	vmessage(NULL, fmt, ap);
	va_end(ap);
}

const char *tool_name(const char *path)
{
	return !path || !strcmp(path, "-") ? "(stdin)" : path;
}

void *tool_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		tool_die(TOOL_EXIT_DATA, NULL, "out of memory (%zu bytes)", n);
	return p;
}

void *tool_realloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		tool_die(TOOL_EXIT_DATA, NULL, "out of memory (%zu bytes)", n);
	return p;
}

/* --- the options every program takes (added to its table here) ------------ */

int tool_crypt_options = 1;
static const char *opt_key;
static int opt_accept_clear;
static nn_key *tool_key;
static const char *opt_sign_key, *opt_trust;
static nn_sign_key *tool_sign_key;
static nn_trust *tool_trust;

static const nn_option crypt_opts[] = {
	{ 0, "key", NN_OPT_STR, &opt_key, "FILE",
	  "encrypt what is written, decrypt what is read, with the key in FILE (default $NN_KEY_FILE)",
	  0, 0 },
	{ 0, "accept-clear", NN_OPT_FLAG, &opt_accept_clear, NULL,
	  "with a key, read inputs that are not encrypted too (to encrypt existing files)", 0, 0 },
	{ 0, "sign-key", NN_OPT_STR, &opt_sign_key, "FILE",
	  "sign the models, checkpoints and parameters written with the key in FILE "
	  "(default $NN_SIGN_KEY)", 0, 0 },
	{ 0, "trust", NN_OPT_STR, &opt_trust, "FILE|DIR",
	  "read only models, checkpoints and parameters signed by a key in FILE or DIR/*.pub "
	  "(default $NN_TRUST)", 0, 0 },
};

/* The program's table and the common options it does not have itself. */
static nn_option *with_common(const nn_option *opts)
{
	size_t n0 = 0, n, k, ncommon = tool_crypt_options ? sizeof crypt_opts / sizeof *crypt_opts : 0;
	nn_option *all;

	while (opts[n0].type != NN_OPT_END)
		n0++;
	all = tool_alloc((n0 + ncommon + 1) * sizeof *all);
	memcpy(all, opts, n0 * sizeof *all);
	n = n0;
	for (size_t i = 0; i < ncommon; i++) {
		for (k = 0; k < n0; k++)
			if (opts[k].long_name && !strcmp(opts[k].long_name, crypt_opts[i].long_name))
				break;
		if (k == n0)
			all[n++] = crypt_opts[i];
	}
	all[n] = (nn_option)NN_OPT_END_ENTRY;
	return all;
}

/* --key FILE, else $NN_KEY_FILE: every reader and writer of the program
 * uses the key (nn_key_use); outputs are made 0600 (out_open). */
static void load_key(void)
{
	nn_error err = { 0 };
	const char *path = opt_key;

	if (!path && (path = getenv("NN_KEY_FILE")) && !*path)
		path = NULL;
	if (!path || !tool_crypt_options) {
		if (opt_accept_clear)
			tool_usage("--accept-clear without a key (--key FILE or NN_KEY_FILE)");
		return;
	}
	if (!(tool_key = nn_key_load(path, &err)))
		tool_die(TOOL_EXIT_DATA, path, "%s", err.msg);
	nn_key_use(tool_key);
	nn_key_accept_clear(opt_accept_clear);
}

static const char *opt_or_env(const char *opt, const char *var)
{
	const char *v = opt ? opt : getenv(var);
	return v && *v ? v : NULL;
}

/* --sign-key FILE (or $NN_SIGN_KEY) signs every model, checkpoint and
 * parameters file the program writes; --trust (or $NN_TRUST) makes every
 * such file it reads need a trusted signature (nn/sign.h). */
static void load_sign(void)
{
	nn_error err = { 0 };
	const char *path;

	if (!tool_crypt_options)
		return;
	if ((path = opt_or_env(opt_sign_key, "NN_SIGN_KEY"))) {
		if (!(tool_sign_key = nn_sign_key_load(path, &err)))
			tool_die(TOOL_EXIT_DATA, path, "%s", err.msg);
		nn_sign_use(tool_sign_key);
	}
	if ((path = opt_or_env(opt_trust, "NN_TRUST"))) {
		if (!(tool_trust = nn_trust_load(path, &err)))
			tool_die(TOOL_EXIT_DATA, path, "%s", err.msg);
		nn_trust_use(tool_trust);
	}
}

const char *tool_trust_path(void)
{
	return tool_trust ? opt_or_env(opt_trust, "NN_TRUST") : NULL;
}

const char *tool_key_path(void)
{
	return tool_key ? (opt_key ? opt_key : getenv("NN_KEY_FILE")) : NULL;
}

void tool_parse(const nn_cli *cli, int argc, char **argv, nn_strlist *operands)
{
	nn_error err = { 0 };
	struct sigaction sa, old;
	char *text;
	static nn_cli full;   /* kept: nn_cli_parse's results do not point into it, but help does */

	tool_prog = cli->prog;   /* first: a failure below names the program */
	full = *cli;
	full.opts = with_common(cli->opts);
	cli = &full;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, NULL, &old);   /* an ignored SIGPIPE stays ignored */
	if (old.sa_handler != SIG_IGN)
		sigaction(SIGPIPE, &sa, NULL);
	atexit(remove_tmps);
	switch (nn_cli_parse(cli, argc, argv, operands, &err)) {
	case NN_CLI_HELP:
		if (!(text = nn_cli_help(cli)))
			tool_die(TOOL_EXIT_DATA, NULL, "out of memory");
		fputs(text, stdout);
		free(text);
		break;
	case NN_CLI_COMPLETION:
		if (!(text = nn_cli_completion(cli)))
			tool_die(TOOL_EXIT_DATA, NULL, "out of memory");
		fputs(text, stdout);
		free(text);
		break;
	case NN_CLI_VERSION:
		printf("%s (nnpipe) %s\n", cli->prog, NN_VERSION);
		if (tool_version_note)
			printf("%s\n", tool_version_note);
		break;
	case NN_CLI_OK:
		load_key();
		load_sign();
		return;
	default:
		if (err.code == NN_ENOMEM)     /* not the user's mistake: status 1 */
			tool_die_err(NULL, &err);
		tool_usage("%s", err.msg);
	}
	if (fflush(stdout) || ferror(stdout) || close(1))
		tool_die(TOOL_EXIT_DATA, NULL, "write error: %s", strerror(errno));
	exit(0);
}

int tool_open_in(const char *path)
{
	int fd;

	if (!path || !strcmp(path, "-")) {
		if (!path && isatty(0))
			tool_usage("no input given and standard input is a terminal");
		input_piped |= is_pipe(0);
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		tool_die(TOOL_EXIT_DATA, path, "%s", strerror(errno));
	input_piped |= is_pipe(fd);   /* a named pipe, /dev/stdin, <(...) */
	return fd;
}

nn_reader *tool_reader(const char *path)
{
	nn_error err = { 0 };
	int fd = tool_open_in(path);
	nn_reader *r = nn_reader_open_fd(fd, &err);

	if (!r)
		tool_die_err(tool_name(path), &err);
	/* fd stays open for the life of the program: closed at exit */
	return r;
}

int tool_next(nn_reader *r, const char *path, const nn_batch **b)
{
	nn_error err = { 0 };
	int n = nn_reader_next(r, b, &err);

	if (n < 0)
		tool_die_err(tool_name(path), &err);
	return n;
}

void tool_input_rewindable(tool_input *in, const char *path)
{
	struct stat st;
	char buf[1 << 16];
	ssize_t n;
	nn_error err = { 0 };

	in->name = tool_name(path);
	in->fd = tool_open_in(path);
	if (!fstat(in->fd, &st) && S_ISREG(st.st_mode) && (in->start = lseek(in->fd, 0, SEEK_CUR)) >= 0)
		return;
	int fd = fileno(tool_spool());
	while ((n = read(in->fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			tool_die(TOOL_EXIT_DATA, in->name, "%s", strerror(errno));
		if (nn_write_all(fd, buf, (size_t)n, &err))
			tool_die(TOOL_EXIT_DATA, "(temporary file)", "%s", err.msg);
	}
	in->fd = fd;
	in->start = 0;
}

nn_reader *tool_input_reader(tool_input *in)
{
	nn_error err = { 0 };
	nn_reader *r;

	if (lseek(in->fd, in->start, SEEK_SET) != in->start)
		tool_die(TOOL_EXIT_DATA, in->name, "cannot read it again: %s", strerror(errno));
	if (!(r = nn_reader_open_fd(in->fd, &err)))
		tool_die_err(in->name, &err);
	return r;
}

const char *tool_out_name(const tool_out *o)
{
	return o->path ? o->path : "(stdout)";
}

/* Outputs that are not regular files are written in place: renaming over
 * /dev/stdout, a FIFO or a device would break what the user pointed at. */
static int write_in_place(const char *path)
{
	struct stat st;
	if (!strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6))
		return 1;
	return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

static tool_out *out_open(const char *path, int binary, const char *hint)
{
	tool_out *o = tool_alloc(sizeof *o);

	if (path && !strcmp(path, "-"))
		path = NULL;
	o->path = path;
	if (!path) {
		o->fd = 1;
	} else if (write_in_place(path)) {
		o->fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (o->fd < 0)
			tool_die(TOOL_EXIT_DATA, path, "%s", strerror(errno));
	} else {
		/* a link to a regular file: replace the file, keep the link */
		char *real = realpath(path, NULL);
		if (!(o->final = real ? real : strdup(path)))
			tool_die(TOOL_EXIT_DATA, NULL, "out of memory");
		const char *slash = strrchr(o->final, '/');
		int dirlen = slash ? (int)(slash - o->final + 1) : 0;
		size_t len = strlen(o->final) + 16;
		o->tmp = tool_alloc(len);
		snprintf(o->tmp, len, "%.*s.nn-%s.XXXXXX", dirlen, o->final, slash ? slash + 1 : o->final);
		sigset_t all, old;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, &old);   /* no signal between create and mark */
		o->fd = mkostemp(o->tmp, O_CLOEXEC);
		if (o->fd >= 0) {
			o->have_tmp = 1;
			o->next = tmps;
			tmps = o;
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (o->fd < 0)
			tool_die(TOOL_EXIT_DATA, path, "cannot create a temporary file beside it: %s",
			         strerror(errno));
		/* with a key, readable by its owner only (the temporary is 0600
		 * from the start: never more readable than the file) */
		mode_t mask = umask(0);
		umask(mask);
		fchmod(o->fd, tool_key ? 0600 : 0666 & ~mask);
	}
	if (binary && isatty(o->fd))
		tool_usage("refusing to write binary data to a terminal%s", hint);
	return o;
}

tool_out *tool_out_open(const char *path, int binary)
{
	return out_open(path, binary, "");
}

FILE *tool_out_file(tool_out *o)
{
	if (!o->fp) {
		if (o->fd == 1)
			o->fp = stdout;
		else if (!(o->fp = fdopen(o->fd, "w")))
			tool_die(TOOL_EXIT_DATA, tool_out_name(o), "%s", strerror(errno));
	}
	return o->fp;
}

void tool_out_close(tool_out *o)
{
	int bad = 0, e = 0;

	if (o->fd < 0)
		return;
	if (o->fp) {
		if (fflush(o->fp) || ferror(o->fp))
			bad = 1, e = errno;
	}
	if (o->fp && o->fp != stdout) {
		if (fclose(o->fp) && !bad)
			bad = 1, e = errno;
	} else if (close(o->fd) && !bad) {
		bad = 1, e = errno;
	}
	o->fp = NULL;
	o->fd = -1;
	if (bad) {
		if (e == EPIPE)
			exit(TOOL_EXIT_DATA);
		tool_die(TOOL_EXIT_DATA, tool_out_name(o), "write failed: %s", strerror(e));
	}
}

void tool_out_commit(tool_out *o)
{
	sigset_t all, old;

	tool_out_close(o);
	if (o->have_tmp && rename(o->tmp, o->final))
		tool_die(TOOL_EXIT_DATA, tool_out_name(o), "cannot rename into place: %s", strerror(errno));
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);   /* off the list the handler walks */
	o->have_tmp = 0;
	for (tool_out *volatile *p = &tmps; *p; p = &(*p)->next)
		if (*p == o) {
			*p = o->next;
			break;
		}
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(o->final);
	free(o->tmp);
	free(o);
}

nn_writer *tool_out_writer(tool_out *o, const nn_schema *s, long long level, long long threads,
                           size_t batch_rows)
{
	nn_error err = { 0 };
	nn_writer_options wo = { (int)level, 0, batch_rows };
	nn_writer *w;

	wo.threads = tool_compress_threads(threads, o->fd);
	if (!(w = nn_writer_open_fd(o->fd, s, &wo, &err)))
		tool_die_err(tool_out_name(o), &err);
	return w;
}

/* --- the one output of most programs ------------------------------------- */

const char *tool_output_name(void)
{
	return dflt_path ? dflt_path : "(stdout)";
}

int tool_output_open(const char *path, int binary)
{
	dflt = out_open(path, binary, " (use -o FILE or a pipe)");
	dflt_path = dflt->path;
	return dflt->fd;
}

FILE *tool_output_file(void)
{
	return tool_out_file(dflt);
}

void tool_output_commit(void)
{
	tool_out *o = dflt;
	dflt = NULL;
	tool_out_commit(o);
}

int tool_compress_threads(long long threads, int out_fd)
{
	long cpus;

	if (threads > 0)
		return (int)threads;
	if (input_piped || is_pipe(out_fd))
		return 1;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus >= 2 ? 2 : 1;
}

void tool_scan_threads(nn_reader *r)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	nn_error err = { 0 };

	if (cpus >= 2 && nn_reader_set_threads(r, 2, &err))
		tool_die_err(NULL, &err);   /* only before the first batch: a bug */
}

nn_writer *tool_writer(const nn_schema *s, long long level, long long threads)
{
	if (!dflt)
		tool_die(TOOL_EXIT_DATA, NULL, "internal error: tool_writer before tool_output_open");
	return tool_out_writer(dflt, s, level, threads, 0);
}

void tool_write(nn_writer *w, const void *const *cols, size_t rows)
{
	nn_error err = { 0 };
	if (nn_writer_write(w, cols, rows, &err))
		tool_die_err(tool_output_name(), &err);
}

void tool_writer_finish(nn_writer *w)
{
	nn_error err = { 0 };
	if (nn_writer_finish(w, &err))
		tool_die_err(tool_output_name(), &err);
	nn_writer_free(w);
	tool_output_commit();
}

/* The arguments minus the output's name: where a result is written does
 * not change it, and two runs that differ only there must give the same
 * bytes.  (A -o grouped behind other flags, as in -qo FILE, is kept.) */
void tool_provenance(nn_schema *s, int argc, char **argv)
{
	/* -q changes what is said on stderr, never the output */
	static const char *const quiet[] = { "-q", "--quiet", NULL };
	tool_provenance_except(s, argc, argv, quiet);
}

/* Is arg one of skip?  *takes_value: it is given without "=VALUE". */
static int skipped(const char *arg, const char *const *skip, int *takes_value)
{
	*takes_value = 0;
	for (; skip && *skip; skip++) {
		size_t n = strlen(*skip);
		if ((*skip)[n - 1] == '=') {
			if (!strncmp(arg, *skip, n - 1) && arg[n - 1] == 0)
				return *takes_value = 1;
			if (!strncmp(arg, *skip, n))
				return 1;
		} else if (!strcmp(arg, *skip)) {
			return 1;
		}
	}
	return 0;
}

/* Who signs an output, and whom a program trusts, change no byte of what
 * it computes: a signed model is its unsigned self plus the trailer's
 * signature (nn-stream(5), SIGNATURES). */
static const char *const sign_opts[] = { "--sign-key=", "--trust=", NULL };

void tool_provenance_except(nn_schema *s, int argc, char **argv, const char *const *skip)
{
	nn_error err = { 0 };
	const char **args = tool_alloc((size_t)argc * sizeof *args);
	int n = 0, value;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output"))
			i++;
		else if (skipped(argv[i], skip, &value) || skipped(argv[i], sign_opts, &value))
			i += value;
		else if (strncmp(argv[i], "-o", 2) && strncmp(argv[i], "--output=", 9))
			args[n++] = argv[i];
	}
	for (int i = 1; i < argc; i++)   /* everything after "--" is an operand */
		if (!strcmp(argv[i], "--"))
			while (i < argc)
				args[n++] = argv[i++];
	if (nn_schema_set_provenance(s, tool_prog, NN_VERSION, n, args, &err))
		tool_die_err(NULL, &err);
	free(args);
}

FILE *tool_spool(void)
{
	nn_error err = { 0 };
	FILE *f = nn_spool(NULL, tool_prog, &err);

	if (!f)
		tool_die_err(NULL, &err);
	return f;
}

void tool_save_row(const char *path, const nn_schema *s, const void *const *cols, long long level)
{
	nn_error err = { 0 };
	tool_out *o = out_open(path, 1, " (use -o FILE or a pipe)");
	nn_writer *w = tool_out_writer(o, s, level, 1, 0);

	if (nn_tensors_write(w, s, cols, &err) || nn_writer_finish(w, &err))
		tool_die_err(tool_out_name(o), &err);
	nn_writer_free(w);
	tool_out_commit(o);
}

void tool_save_params(const char *path, const nn_params *p, int argc, char **argv)
{
	nn_error err = { 0 };
	const void *cols[NN_PARAMS_MAXVEC];
	nn_schema *s = nn_params_schema(p, &err);

	if (!s)
		tool_die_err(path, &err);
	tool_provenance(s, argc, argv);
	nn_params_columns(p, cols);
	tool_save_row(path, s, cols, NN_DEFAULT_LEVEL);
	nn_schema_free(s);
}

void tool_put_text(FILE *o, const char *s, size_t n)
{
	char buf[1024];

	while (n) {
		size_t part = n < 255 ? n : 255;   /* escaped, at most 1020 bytes and the NUL */
		nn_escape_ctrl(buf, sizeof buf, s, part);
		fputs(buf, o);
		s += part;
		n -= part;
	}
}

void tool_put_str(FILE *o, const char *s)
{
	tool_put_text(o, s, strlen(s));
}

void tool_put_json_str(FILE *o, const char *s)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	nn_error err;
	if (nn_json_str(&buf, &len, &cap, s, strlen(s), &err))
		tool_die_err(NULL, &err);
	fwrite(buf, 1, len, o);
	free(buf);
}
