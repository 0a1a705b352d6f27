/* test-proc.c — child processes: stdout and stderr to files, the exit
 * status, a program that does not exist, a killed child, and the private
 * folder removed with its files; a copy with its size and CRC-32. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/wait.h>
#include "nn/proc.h"
#include "check.h"

int main(void)
{
	char dir[] = "/tmp/test-proc-XXXXXX", out[64], err[64], line[64];
	nn_error e = { 0 };
	int st = 0;

	CHECK(mkdtemp(dir) != NULL, "a private folder");
	snprintf(out, sizeof out, "%s/out", dir);
	snprintf(err, sizeof err, "%s/err", dir);
	{
		char *argv[] = { "sh", "-c", "echo hello; echo oops >&2; exit 3", NULL };
		pid_t pid = nn_proc_spawn(NULL, argv, out, err, 1, &e);
		CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && nn_proc_status(st) == 3, "exit status 3");
		CHECK(!strcmp(nn_proc_first_line(out, line, sizeof line), "hello"), "stdout to its file");
		CHECK(!strcmp(nn_proc_first_line(err, line, sizeof line), "oops"), "stderr to its file");
	}
	{
		char *argv[] = { "sh", "-c", "echo more >&2; exit 0", NULL };
		pid_t pid = nn_proc_spawn("/bin/sh", argv, NULL, err, 0, &e);
		CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && nn_proc_status(st) == 0, "a path, status 0");
		FILE *f = fopen(err, "r");
		int lines = 0;
		while (f && fgets(line, sizeof line, f))
			lines++;
		if (f)
			fclose(f);
		CHECK(lines == 2, "stderr is appended to");
	}
	{
		char *argv[] = { "sh", "-c", "kill -TERM $$", NULL };
		pid_t pid = nn_proc_spawn(NULL, argv, NULL, NULL, 1, &e);
		CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && nn_proc_status(st) == 128 + SIGTERM,
		      "a killed child: 128 + the signal");
	}
	{
		char *argv[] = { "nn-no-such-program", NULL };
		CHECK(nn_proc_spawn(NULL, argv, NULL, NULL, 0, &e) == -1 && e.code == NN_EIO &&
		      strstr(e.msg, "nn-no-such-program"), "no such program: %s", e.msg);
	}
	{
		unsigned long long size = 1;
		uint32_t crc = 0;
		int in = open(out, O_RDONLY), cp = open(err, O_WRONLY | O_TRUNC);
		CHECK(!nn_proc_copy(in, cp, &size, &crc, &e) && size == 6 && crc == 0x363a3020,
		      "\"hello\\n\": 6 bytes, CRC-32 %08lx", (unsigned long)crc);
		close(in), close(cp);
		CHECK(!strcmp(nn_proc_first_line(err, line, sizeof line), "hello"), "the copy holds them");
		CHECK(nn_proc_copy(-1, -1, &size, &crc, &e) == -1 && e.code == NN_EIO, "a read that fails");
	}
	CHECK(!strcmp(nn_proc_first_line("/nonexistent/x", line, sizeof line), ""), "no file, no line");
	/* folders within, as a launcher's session folders: emptied and
	 * removed too; a link to a folder is removed, not followed */
	char sub[64], deep[80], kept[64], link[80], file[96];
	snprintf(sub, sizeof sub, "%s/ompi.host.0", dir);
	snprintf(deep, sizeof deep, "%s/pid.1", sub);
	snprintf(kept, sizeof kept, "%s.kept", dir);
	snprintf(link, sizeof link, "%s/to-kept", sub);
	CHECK(!mkdir(sub, 0700) && !mkdir(deep, 0700) && !mkdir(kept, 0700), "folders within");
	snprintf(file, sizeof file, "%s/contact.txt", deep);
	int fd = open(file, O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0 && !close(fd) && !symlink(kept, link), "a file two levels down, a link out");
	CHECK(!nn_proc_rmdir(dir, &e), "the folder, its files and folders removed: %s", e.msg);
	struct stat kb;
	CHECK(stat(kept, &kb) == 0 && S_ISDIR(kb.st_mode) && !rmdir(kept), "the link's target stays");
	fd = open(kept, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0 && !close(fd) && nn_proc_rmdir(kept, &e) == -1 && e.code == NN_EIO &&
	      !unlink(kept), "a file is not a folder, and stays: %s", e.msg);
	struct stat sb;
	CHECK(stat(dir, &sb) == -1, "the folder is gone");
	CHECK(nn_proc_rmdir(dir, &e) == -1 && e.code == NN_EIO, "a folder that is not there");
	return check_done();
}
