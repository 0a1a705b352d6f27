/* test-schema.c — the small schema rules the programs share: class-name
 * equality and the shape as text. */
#include <string.h>
#include "nn/stream.h"
#include "check.h"

static void test_classes_same(void)
{
	char *abc[3] = { "a", "b", "c" }, *abd[3] = { "a", "b", "d" }, *ab[2] = { "a", "b" };
	CHECK(nn_classes_same(3, abc, 3, abc), "the same names");
	CHECK(!nn_classes_same(3, abc, 3, abd), "one name differs");
	CHECK(!nn_classes_same(3, abc, 2, ab) && !nn_classes_same(2, ab, 3, abc), "a prefix is not the same");
	CHECK(nn_classes_same(0, NULL, 0, NULL), "no names and no names");
	CHECK(!nn_classes_same(0, NULL, 2, ab), "no names and names differ (callers that allow it check first)");
}

static void test_shape_str(void)
{
	char buf[NN_SHAPE_CHARS], small[6];
	uint64_t big[NN_MAX_DIMS];
	nn_shape_str(buf, sizeof buf, 2, (const uint64_t[]){ 28, 28 });
	CHECK(!strcmp(buf, "[28,28]"), "%s", buf);
	nn_shape_str(buf, sizeof buf, 0, NULL);
	CHECK(!strcmp(buf, "[]"), "a scalar: %s", buf);
	for (int d = 0; d < NN_MAX_DIMS; d++)
		big[d] = UINT64_MAX;
	nn_shape_str(buf, sizeof buf, NN_MAX_DIMS, big);
	CHECK(strlen(buf) == NN_MAX_DIMS * 21 + 1 && buf[strlen(buf) - 1] == ']',
	      "the largest shape fits NN_SHAPE_CHARS");
	nn_shape_str(small, sizeof small, 2, (const uint64_t[]){ 280, 280 });
	CHECK(!strcmp(small, "[280,"), "cut to fit: %s", small);
}

int main(void)
{
	test_classes_same();
	test_shape_str();
	return check_done();
}
