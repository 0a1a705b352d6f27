/* fuzz-prep.c — prep.c's chain parser on arbitrary bytes: one metadata
 * map (a data stream's "meta"), its chain read, packed again and read back
 * the same; each step applied to two rows, the names mapped onto
 * themselves, the map updated.  Built with libFuzzer by `make fuzz`, and
 * with replay.c's main() by `make`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn/prep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nn_error err = { 0 };
	nn_schema *s = nn_schema_new("data", &err);
	nn_prep p, q;
	char why[256];
	msgpack_sbuffer sb;
	msgpack_packer pk;

	if (!s)
		abort();
	if (nn_schema_add_field(s, "x", NN_F32, 1, (const uint64_t[]){ 3 }, &err) ||
	    nn_schema_set_meta(s, data, size, &err) || nn_prep_read(s, &p, NULL, &err)) {
		nn_schema_free(s);
		return 0;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (nn_prep_pack(&pk, &p))
		abort();
	nn_mp c = { (const unsigned char *)sb.data, (const unsigned char *)sb.data + sb.size };
	if (nn_prep_parse(&c, &q, &err) || c.p != c.end || q.n != p.n || nn_prep_common(&p, &q, why, sizeof why) != p.n)
		abort();   /* what was read is written back the same */
	for (size_t i = 0; i < p.n; i++) {
		const nn_prep_step *st = &p.step[i];
		nn_prep_counts cnt = { 0 };
		if (st->columns > 4096)
			continue;
		double *v = calloc(2 * st->columns, sizeof *v);
		size_t *perm = malloc(st->columns * sizeof *perm);
		if (!v || !perm)
			abort();
		v[0] = 0.0 / 0.0;
		nn_prep_apply(st, v, 2, &cnt);
		nn_prep_unapply(st, v, 2, &cnt);
		if (st->names)
			nn_prep_map_names(st->names, st->columns, st->names, st->columns, perm, &err);
		free(v);
		free(perm);
	}
	nn_prep_meta_update(s, s, &q, NULL, 0, &err);
	nn_prep_release(&q);
	nn_prep_release(&p);
	msgpack_sbuffer_destroy(&sb);
	nn_schema_free(s);
	return 0;
}
