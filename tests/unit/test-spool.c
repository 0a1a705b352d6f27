/* test-spool.c — temporary files: nothing left in the folder, what is
 * written reads back, and a missing folder is named in the error. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nn/spool.h"
#include "check.h"

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return d ? n : -1;
}

int main(void)
{
	char dir[] = "/tmp/test-spool.XXXXXX", buf[6] = { 0 };
	nn_error err = { 0 };
	FILE *f;

	if (!mkdtemp(dir))
		return 1;
	f = nn_spool(dir, "t", &err);
	CHECK(f != NULL, "a spool in a folder (%s)", err.msg);
	CHECK(entries(dir) == 0, "unlinked at once: the folder stays empty");
	CHECK(f && fwrite("hello", 5, 1, f) == 1 && !fseek(f, 0, SEEK_SET) && fread(buf, 5, 1, f) == 1 &&
	      !strcmp(buf, "hello"), "what is written reads back");
	if (f)
		fclose(f);
	rmdir(dir);
	f = nn_spool(dir, "t", &err);
	CHECK(!f && err.code == NN_EIO && strstr(err.msg, dir), "a missing folder: NN_EIO naming it: %s", err.msg);
	setenv("TMPDIR", "/nonexistent-test-spool", 1);
	f = nn_spool(NULL, "t", &err);
	CHECK(!f && strstr(err.msg, "/nonexistent-test-spool"), "no folder given: $TMPDIR");
	return check_done();
}
