/* lock.c — one run at a time on a file (see nn/lock.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "nn/lock.h"

int nn_lock_path(const char *path, nn_error *err)
{
	size_t n = strlen(path);
	char *name = malloc(n + 6);
	if (!name)
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	memcpy(name, path, n);
	memcpy(name + n, ".lock", 6);
	int fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0) {
		nn_error_set(err, NN_EIO, "cannot make the lock file '%s': %s", name, strerror(errno));
	} else if (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK)
			nn_error_set(err, NN_EDATA, "in use by another run (it holds the lock '%s')", name);
		else
			nn_error_set(err, NN_EIO, "cannot lock '%s': %s", name, strerror(errno));
		close(fd);
		fd = -1;
	}
	free(name);
	return fd;
}
