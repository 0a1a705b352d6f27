/* proc.c — child processes and a private folder (nn/proc.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <zlib.h>
#include "nn/proc.h"

extern char **environ;

pid_t nn_proc_spawn(const char *path, char *const argv[], const char *out, const char *err,
                    int own_group, nn_error *e)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def;
	pid_t pid = -1;
	int r;

	if (posix_spawn_file_actions_init(&fa) || posix_spawnattr_init(&at))
		return nn_error_set(e, NN_ENOMEM, "out of memory"), -1;
	sigemptyset(&def);
	sigaddset(&def, SIGINT), sigaddset(&def, SIGTERM), sigaddset(&def, SIGHUP);
	r = posix_spawnattr_setsigdefault(&at, &def);
	r |= posix_spawnattr_setflags(&at, (short)(POSIX_SPAWN_SETSIGDEF | (own_group ? POSIX_SPAWN_SETPGROUP : 0)));
	r |= posix_spawnattr_setpgroup(&at, 0);
	r |= posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (!err)
		r |= posix_spawn_file_actions_adddup2(&fa, 1, 2);
	else if (*err)
		r |= posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (!r)
		r = path ? posix_spawn(&pid, path, &fa, &at, argv, environ)
		         : posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (r)
		return nn_error_set(e, NN_EIO, "cannot run '%s': %s", path ? path : argv[0], strerror(r)), -1;
	return pid;
}

int nn_proc_status(int wstatus)
{
	return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

/* Everything in dir, folders within first emptied (not followed when
 * they are links), down to depth levels; -1 when something stayed.  A
 * name gone meanwhile (ENOENT) is not a failure: another process, a
 * launcher ending, may remove its own files at the same time. */
static int remove_in(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	char path[PATH_MAX];
	struct stat st;
	int bad = 0;
	if (!d)
		return errno == ENOENT ? 0 : -1;
	for (struct dirent *ent; (ent = readdir(d));) {
		if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, ent->d_name) >= (int)sizeof path) {
			bad = -1;
			continue;
		}
		if (!lstat(path, &st) && S_ISDIR(st.st_mode)) {
			if (depth <= 0 || remove_in(path, depth - 1) || (rmdir(path) && errno != ENOENT))
				bad = -1;
		} else if (unlink(path) && errno != ENOENT) {
			bad = -1;
		}
	}
	closedir(d);
	return bad;
}

int nn_proc_rmdir(const char *dir, nn_error *e)
{
	struct stat st;
	if (lstat(dir, &st))
		return nn_error_set(e, NN_EIO, "%s", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return nn_error_set(e, NN_EIO, "%s", strerror(ENOTDIR));
	if (remove_in(dir, 32) || rmdir(dir))
		return nn_error_set(e, NN_EIO, "%s", strerror(errno));
	return 0;
}

char *nn_proc_first_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	buf[0] = 0;
	if (f && n > 1 && fgets(buf, (int)(n > INT_MAX ? INT_MAX : n), f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
	return buf;
}

int nn_proc_copy(int in, int out, unsigned long long *size, uint32_t *crc, nn_error *e)
{
	char buf[1 << 16];
	uLong c = crc32(0, NULL, 0);

	*size = 0;
	for (ssize_t n; (n = read(in, buf, sizeof buf)) != 0;) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (out >= 0 && write(out, buf, (size_t)n) != n))
			return nn_error_set(e, NN_EIO, "%s", strerror(errno));
		c = crc32(c, (const Bytef *)buf, (uInt)n);
		*size += (unsigned long long)n;
	}
	*crc = (uint32_t)c;
	return 0;
}
