/* test-pack.c — the shared writers: msgpack strings and bins, and JSON
 * strings that stay valid JSON whatever bytes they are given. */
#include <stdlib.h>
#include <string.h>
#include "nn/pack.h"
#include "check.h"

static char *json(const char *s, size_t n)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	nn_error err;
	if (nn_json_str(&buf, &len, &cap, s, n, &err))
		return NULL;
	return buf;
}

static int json_is(const char *s, size_t n, const char *want)
{
	char *got = json(s, n);
	int ok = got && !strcmp(got, want);
	if (!ok)
		printf("# got %s, want %s\n", got ? got : "(null)", want);
	free(got);
	return ok;
}

static int escaped_is(const char *s, size_t n, size_t cap, const char *want, size_t want_len)
{
	char dst[64];
	size_t len = nn_escape_ctrl(cap ? dst : NULL, cap, s, n);
	int ok = len == want_len && (!cap || !strcmp(dst, want));
	if (!ok)
		printf("# got %zu '%s', want %zu '%s'\n", len, cap ? dst : "", want_len, want);
	return ok;
}

int main(void)
{
	CHECK(escaped_is("plain 'x' \\ caf\xc3\xa9", 17, 64, "plain 'x' \\ caf\xc3\xa9", 17),
	      "text without control characters as it is, backslash and UTF-8 too");
	CHECK(escaped_is("a\tb\nc\rd", 7, 64, "a\\tb\\nc\\rd", 10), "tab, newline, CR as \\t \\n \\r");
	CHECK(escaped_is("\x1b[2J\x7f\x01", 6, 64, "\\x1b[2J\\x7f\\x01", 15),
	      "ESC, DEL and the other control characters as \\xHH");
	CHECK(escaped_is("a\0b", 3, 64, "a\\x00b", 6), "a NUL byte inside");
	CHECK(escaped_is("ab\ncd", 5, 4, "ab", 6), "cut like snprintf, an escape whole or not at all");
	CHECK(escaped_is("ab\ncd", 5, 5, "ab\\n", 6), "an escape that fits exactly");
	CHECK(escaped_is("ab\ncd", 5, 0, "", 6), "cap 0: only the length");
	CHECK(json_is("plain", 5, "\"plain\""), "plain text as it is");
	CHECK(json_is("a\"b\\c", 5, "\"a\\\"b\\\\c\""), "quote and backslash escaped");
	CHECK(json_is("a\nb\x1b[2J\x7f", 8, "\"a\\u000ab\\u001b[2J\\u007f\""),
	      "control characters and DEL as \\u00XX: no terminal escape gets through");
	CHECK(json_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""),
	      "valid UTF-8 of 2, 3 and 4 bytes kept");
	CHECK(json_is("caf\xe9", 4, "\"caf\\u00e9\""), "a Latin-1 byte as its character");
	CHECK(json_is("\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82", 11,
	              "\"\\u00c0\\u00af\\u00ed\\u00a0\\u0080\\u00f4\\u0090\\u0080\\u0080\\u00e2\\u0082\""),
	      "overlong, surrogate, beyond U+10FFFF and cut sequences byte by byte");
	CHECK(json_is("a\0b", 3, "\"a\\u0000b\""), "a NUL byte inside");

	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	int bad = nn_pack_str(&pk, "ab") || nn_pack_bin(&pk, "\x01\x02\x03", 3);
	CHECK(!bad && sb.size == 8 && !memcmp(sb.data, "\xa2" "ab" "\xc4\x03\x01\x02\x03", 8),
	      "a str and a bin as msgpack writes them");
	msgpack_sbuffer_destroy(&sb);
	return check_done();
}
