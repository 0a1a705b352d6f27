/* test-rowpack.c — packed rows: field order, a field left out, and back. */
#include <stdint.h>
#include <string.h>
#include "nn/rowpack.h"
#include "check.h"

int main(void)
{
	nn_error err = { 0 };
	nn_schema *s = nn_schema_new("data", &err);
	uint64_t three = 3;
	float x[6] = { 1, 2, 3, 4, 5, 6 };
	int32_t y[2] = { 7, 8 };
	uint8_t z[2] = { 9, 10 };
	const void *cols[3] = { x, y, z };
	float x2[6] = { 0 };
	int32_t y2[2] = { 0 };
	uint8_t z2[2] = { 0 };
	void *back[3] = { x2, y2, z2 };
	unsigned char row[32];

	CHECK(s && !nn_schema_add_field(s, "x", NN_F32, 1, &three, &err) &&
	      !nn_schema_add_field(s, "y", NN_I32, 0, NULL, &err) &&
	      !nn_schema_add_field(s, "z", NN_U8, 0, NULL, &err), "schema x f32[3], y i32, z u8");
	CHECK(nn_row_bytes(s, -1) == 17 && nn_row_bytes(s, 0) == 5 && nn_row_bytes(s, 1) == 13,
	      "bytes with every field, without x, without y");
	CHECK(nn_row_pack(s, -1, cols, 1, row) == 17 && !memcmp(row, x + 3, 12) &&
	      !memcmp(row + 12, y + 1, 4) && row[16] == 10, "row 1 packed, fields in order");
	CHECK(nn_row_unpack(s, -1, row, back, 0) == 17 && x2[0] == 4 && x2[2] == 6 && y2[0] == 8 &&
	      z2[0] == 10, "and back into row 0");
	CHECK(nn_row_pack(s, 0, cols, 0, row) == 5 && !memcmp(row, y, 4) && row[4] == 9,
	      "x left out");
	CHECK(nn_row_unpack(s, 0, row, back, 1) == 5 && y2[1] == 7 && z2[1] == 9 && x2[3] == 0,
	      "and back, x untouched");
	nn_schema_free(s);
	return check_done();
}
