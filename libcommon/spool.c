/* libcommon/spool.c — unlinked temporary files (nn/spool.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nn/spool.h"

FILE *nn_spool(const char *dir, const char *prefix, nn_error *err)
{
	size_t len;
	char *path;
	int fd;
	FILE *f = NULL;

	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	len = strlen(dir) + strlen(prefix) + 16;
	if (!(path = malloc(len))) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(path, len, "%s/%s.XXXXXX", dir, prefix);
	if ((fd = mkostemp(path, O_CLOEXEC)) < 0) {
		nn_error_set(err, NN_EIO, "'%s': cannot create a temporary file: %s", dir, strerror(errno));
	} else {
		unlink(path);   /* gone from the folder at once: nothing to clean up */
		if (!(f = fdopen(fd, "w+b"))) {
			nn_error_set(err, NN_EIO, "temporary file: %s", strerror(errno));
			close(fd);
		}
	}
	free(path);
	return f;
}
