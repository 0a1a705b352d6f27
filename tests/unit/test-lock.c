/* test-lock.c — one run at a time on a file: a second lock of the same
 * path is refused naming the lock file, until the first is closed; the
 * lock file is made beside the path; a folder that cannot hold it is an
 * I/O error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nn/lock.h"
#include "check.h"

int main(void)
{
	char dir[] = "/tmp/test-lock.XXXXXX", path[64], lockname[80];
	nn_error err = { 0 };
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/ck.nnm", dir);
	snprintf(lockname, sizeof lockname, "%s.lock", path);

	int a = nn_lock_path(path, &err);
	CHECK(a >= 0 && access(lockname, F_OK) == 0, "the first run locks PATH.lock");
	/* flock conflicts between open file descriptions, even in one process */
	int b = nn_lock_path(path, &err);
	CHECK(b == -1 && err.code == NN_EDATA && strstr(err.msg, "in use by another run") && strstr(err.msg, lockname),
	      "a second run is refused, the lock named: %s", err.msg);
	close(a);
	b = nn_lock_path(path, &err);
	CHECK(b >= 0, "free again once the first lock is closed");
	close(b);

	char missing[96];
	snprintf(missing, sizeof missing, "%s/no/such/folder/ck", dir);
	CHECK(nn_lock_path(missing, &err) == -1 && err.code == NN_EIO && strstr(err.msg, "cannot make the lock file"),
	      "no folder for the lock: an I/O error");

	unlink(lockname);
	rmdir(dir);
	return check_done();
}
