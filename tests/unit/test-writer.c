/* test-writer.c — the writer's ways in for rows give the same bytes:
 * nn_writer_write in pieces or in whole batches (copied, or compressed
 * from the caller's columns when there are no threads), and rows made in
 * place with nn_writer_room and nn_writer_commit, on 0, 1 and 2 threads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "nn/stream.h"
#include "check.h"

enum { ROWS = 1000, BATCH = 64 };

static float x[ROWS * 3];
static int32_t y[ROWS];

/* The stream's bytes, rows handed over `how`: 0 in pieces of 7 rows, 1 all
 * at once, 2 made in place.  NULL on failure. */
static unsigned char *make(const nn_schema *s, int threads, int how, size_t *len)
{
	nn_error err = { 0 };
	nn_writer_options o = { 3, threads > 0 ? threads : 1, BATCH };
	int fd = memfd_create("nn-test", 0);
	nn_writer *w = nn_writer_open_fd(fd, s, &o, &err);
	unsigned char *buf;
	int bad = !w || (threads == 0 && nn_writer_set_threads(w, 0, &err));

	for (size_t done = 0; !bad && done < ROWS; ) {
		void *at[2];
		size_t k = how == 1 ? ROWS : 7, room;
		if (k > ROWS - done)
			k = ROWS - done;
		if (how == 2) {
			room = nn_writer_room(w, at);
			k = k < room ? k : room;
			memcpy(at[0], x + done * 3, k * 12);
			memcpy(at[1], y + done, k * 4);
			bad = nn_writer_commit(w, k, &err);
		} else {
			bad = nn_writer_write(w, (const void *const[]){ x + done * 3, y + done }, k, &err);
		}
		done += k;
	}
	bad = bad || nn_writer_finish(w, &err);
	nn_writer_free(w);
	*len = (size_t)lseek(fd, 0, SEEK_END);
	buf = malloc(*len);
	if (bad || !buf || pread(fd, buf, *len, 0) != (ssize_t)*len) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	return buf;
}

int main(void)
{
	nn_error err = { 0 };
	nn_schema *s = nn_schema_new("data", &err);
	uint64_t three = 3;
	size_t ref_len, len;
	unsigned char *ref, *got;

	for (size_t i = 0; i < ROWS * 3; i++)
		x[i] = (float)(i % 97) * 0.5f;
	for (size_t i = 0; i < ROWS; i++)
		y[i] = (int32_t)(i % 5);
	CHECK(s && !nn_schema_add_field(s, "x", NN_F32, 1, &three, &err) &&
	      !nn_schema_add_field(s, "y", NN_I32, 0, NULL, &err), "schema x f32[3], y i32");
	ref = make(s, 0, 0, &ref_len);
	CHECK(ref != NULL, "rows in pieces, no threads");
	for (int t = 0; t <= 2; t++)
		for (int how = 0; how <= 2; how++) {
			got = make(s, t, how, &len);
			CHECK(got && len == ref_len && !memcmp(got, ref, len),
			      "%d threads, rows %s: the same bytes", t,
			      how == 0 ? "in pieces" : how == 1 ? "all at once" : "made in place");
			free(got);
		}
	{   /* committing more than the room is the caller's error */
		nn_writer_options o = { 3, 1, BATCH };
		int fd = memfd_create("nn-test", 0);
		nn_writer *w = nn_writer_open_fd(fd, s, &o, &err);
		void *at[2];
		CHECK(w && nn_writer_room(w, at) == BATCH && !nn_writer_commit(w, 10, &err) &&
		      nn_writer_room(w, at) == BATCH - 10, "room shrinks as rows are committed");
		CHECK(nn_writer_commit(w, BATCH, &err) && err.code == NN_EARG, "%s", err.msg);
		nn_writer_free(w);
		close(fd);
	}
	free(ref);
	nn_schema_free(s);
	return check_done();
}
