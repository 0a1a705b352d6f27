/* fuzz-header.c — header.c's parser alone on arbitrary bytes: one
 * decompressed header object (the first frame of a stream), parsed into a
 * schema, which is packed again and must parse to the same schema.  Built
 * with libFuzzer by `make fuzz`, and with replay.c's main() by `make`. */
#include <stdint.h>
#include <stdlib.h>
#include "../../libcommon/stream_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nn_error err = { 0 };
	nn_schema *s = header_parse(data, size, &err);
	msgpack_sbuffer sb;
	msgpack_packer pk;

	if (!s)
		return 0;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (header_pack(&pk, s) ||
	    (s->meta_len && msgpack_sbuffer_write(&sb, (const char *)s->meta, s->meta_len)))
		abort();
	nn_schema *t = header_parse((const unsigned char *)sb.data, sb.size, &err);
	if (!t || nn_schema_compare(s, t, &err))
		abort();   /* what was read is written back the same */
	nn_schema_free(t);
	nn_schema_free(s);
	msgpack_sbuffer_destroy(&sb);
	return 0;
}
