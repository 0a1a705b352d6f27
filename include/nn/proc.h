/* nn/proc.h — other programs as child processes, and the private folder
 * their files go to (nn-tune runs nn-split, nn-train and nn-eval).
 */
#ifndef NN_PROC_H
#define NN_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "nn/error.h"

/* Start argv[0]: the file path when path is not NULL, else looked up in
 * PATH.  Its stdout goes to the file out (created or truncated; NULL:
 * /dev/null), its stderr to err (appended to; NULL: with stdout; "": this
 * process's stderr).  SIGINT, SIGTERM and SIGHUP are back to their default
 * in it; own_group puts it in a process group of its own (one kill(-pid)
 * ends it and what it starts).  The pid, or -1 (NN_EIO, ENOENT named when
 * there is no such program). */
pid_t nn_proc_spawn(const char *path, char *const argv[], const char *out, const char *err,
                    int own_group, nn_error *e);

/* The exit status of a waitpid status, 128 + the signal for a killed one. */
int nn_proc_status(int wstatus);

/* Remove the folder dir and everything in it: files, and folders within
 * (32 levels deep at most; links removed, never followed).  A file that
 * another process removes meanwhile is not a failure; anything that
 * stays is (NN_EIO, and the rest is still removed). */
int nn_proc_rmdir(const char *dir, nn_error *e);

/* Read in to its end, writing what it reads to out (-1: nowhere), and
 * count its bytes into *size and their CRC-32 (zlib's) into *crc.  0, or
 * -1 with NN_EIO naming errno when a read or write fails. */
int nn_proc_copy(int in, int out, unsigned long long *size, uint32_t *crc, nn_error *e);

/* The first line of the file path, without its newline, into buf (empty
 * when there is none). */
char *nn_proc_first_line(const char *path, char *buf, size_t n);

#endif
