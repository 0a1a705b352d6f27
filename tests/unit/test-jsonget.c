/* test-jsonget.c — one number out of a JSON document: paths, exact
 * values, null and other kinds named, malformed documents refused. */
#include <string.h>
#include "nn/jsonget.h"
#include "check.h"

static const char report[] =
	"{\"task\": \"classification\", \"rows\": 30, \"classes\": [\"a\", \"b\"], "
	"\"accuracy\": 0.9666666666666667, \"log_loss\": null, \"top_k\": 2, "
	"\"per_class\": [{\"class\": \"a\", \"f1\": 0.5}], "
	"\"macro_avg\": {\"classes\": 2, \"precision\": 1e-3, \"f1\": -2.5E+2}, \"notes\": [\"x\\\"y\\u00e9\"]}\n";

static int got(const char *doc, const char *path, double want)
{
	double v = 0;
	nn_error err = { 0 };
	return !nn_json_number(doc, strlen(doc), path, &v, &err) && v == want;
}

static int refused(const char *doc, const char *path, const char *part)
{
	double v;
	nn_error err = { 0 };
	return nn_json_number(doc, strlen(doc), path, &v, &err) == -1 && strstr(err.msg, part);
}

int main(void)
{
	CHECK(got(report, "accuracy", 0.9666666666666667), "a top-level number, exactly");
	CHECK(got(report, "rows", 30), "an integer");
	CHECK(got(report, "macro_avg.f1", -250), "a nested number with an exponent");
	CHECK(got(report, "macro_avg.precision", 1e-3), "another nested number");
	CHECK(refused(report, "f1", "no 'f1'"), "a key inside an array is not looked through");
	CHECK(refused(report, "log_loss", "'log_loss' is null"), "null is named");
	CHECK(refused(report, "task", "is a string"), "a string is named");
	CHECK(refused(report, "macro_avg", "is an object"), "an object is named");
	CHECK(refused(report, "roc_auc", "no 'roc_auc'"), "an absent key");
	CHECK(refused(report, "accuracy.x", "no 'accuracy.x'"), "a path through a number");
	CHECK(got("{\"a\": 1, \"a\": 2}", "a", 1), "of a key given twice, the first");
	CHECK(got(" {\"a\":{\"b\":{}}, \"b\": 7} ", "b", 7), "the path starts at the top");
	CHECK(refused("{\"a\": 1", "a", "malformed"), "a cut document");
	CHECK(refused("{\"a\": 1} x", "a", "after the value"), "bytes after the document");
	CHECK(refused("{\"a\": 01}", "a", "malformed"), "a leading zero");
	CHECK(refused("{\"a\": .5}", "a", "malformed"), "a number without its integer part");
	CHECK(refused("{\"a\": 1.}", "a", "malformed"), "a number without fraction digits");
	CHECK(refused("{\"a\": nul}", "a", "malformed"), "a cut literal");
	CHECK(refused("{\"a\": \"x\ny\"}", "a", "malformed"), "a control character in a string");
	CHECK(refused("{\"a\": \"\\q\"}", "a", "malformed"), "a bad escape");
	CHECK(refused("{\"a\": [1,]}", "a", "malformed"), "a trailing comma");
	CHECK(refused("{a: 1}", "a", "malformed"), "a bare key");
	{
		char deep[301];
		memset(deep, '[', 150);
		memset(deep + 150, ']', 150);
		deep[300] = 0;
		CHECK(refused(deep, "a", "malformed"), "nesting past 64");
	}
	return check_done();
}
