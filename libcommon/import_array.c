/* import_array.c — IDX (MNIST's big-endian arrays) and NPY headers, and
 * their rows in host byte order.  Every size in a header is checked
 * before anything is allocated for it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "import_int.h"

static int src_exact(nn_array *a, void *buf, size_t n, const char *what, nn_error *err)
{
	ptrdiff_t r = a->src.read(a->src.ctx, buf, n, err);
	if (r < 0)
		return -1;
	if ((size_t)r != n)
		return nn_error_set(err, NN_EDATA, "truncated %s", what);
	return 0;
}

/* Shape [rows, ...] from a header; size as for nn_array_open. */
static int array_shape(nn_array *a, int ndim, const uint64_t *dims, size_t header_bytes,
                       long long size, nn_error *err)
{
	size_t esize = nn_dtype_size(a->dtype), total;

	if (ndim < 1)
		return nn_error_set(err, NN_EDATA, "a 0-d array has no rows");
	if (ndim > NN_MAX_DIMS + 1)
		return nn_error_set(err, NN_EDATA, "%d dimensions (at most %d)", ndim, NN_MAX_DIMS + 1);
	a->rows = dims[0];
	a->ndim = ndim - 1;
	a->row_elems = 1;
	for (int d = 1; d < ndim; d++) {
		if (!dims[d])
			return nn_error_set(err, NN_EDATA, "dimension %d is zero", d);
		if (dims[d] > NN_IMPORT_ROW_MAX ||
		    nn_size_mul(a->row_elems, (size_t)dims[d], &a->row_elems) ||
		    a->row_elems > NN_IMPORT_ROW_MAX)
			return nn_error_set(err, NN_EDATA, "one row is over %u bytes", NN_IMPORT_ROW_MAX);
		a->shape[d - 1] = dims[d];
	}
	a->row_bytes = a->row_elems * esize;
	if (a->row_bytes > NN_IMPORT_ROW_MAX)
		return nn_error_set(err, NN_EDATA, "one row is over %u bytes", NN_IMPORT_ROW_MAX);
	if ((uint64_t)(size_t)a->rows != a->rows ||
	    nn_size_mul((size_t)a->rows, a->row_bytes, &total) ||
	    nn_size_add(total, header_bytes, &total))
		return nn_error_set(err, NN_EDATA, "the header claims more data than can exist");
	if (size >= 0 && (uintmax_t)size != (uintmax_t)total)
		return nn_error_set(err, NN_EDATA,
		                    "the header claims %llu rows of %zu bytes (%zu bytes in all), "
		                    "the file has %jd", (unsigned long long)a->rows, a->row_bytes,
		                    total, (intmax_t)size);
	return 0;
}

static int idx_open(nn_array *a, long long size, nn_error *err)
{
	unsigned char m[4], d[4 * (NN_MAX_DIMS + 1)];
	uint64_t dims[NN_MAX_DIMS + 1];
	ptrdiff_t n;
	int ndim;

	if ((n = a->src.read(a->src.ctx, m, 4, err)) < 0)
		return -1;
	if (n == 0)
		return nn_error_set(err, NN_EDATA, "empty file");
	if (n < 4 || m[0] || m[1])
		return nn_error_set(err, NN_EDATA, "not an IDX file (bad magic)");
	switch (m[2]) {
	case 0x08: a->dtype = NN_U8; break;
	case 0x09: a->dtype = NN_I8; break;
	case 0x0B: a->dtype = NN_I16; break;
	case 0x0C: a->dtype = NN_I32; break;
	case 0x0D: a->dtype = NN_F32; break;
	case 0x0E: a->dtype = NN_F64; break;
	default:
		return nn_error_set(err, NN_EDATA, "not an IDX file (type byte 0x%02x)", m[2]);
	}
	ndim = m[3];
	if (ndim < 1 || ndim > NN_MAX_DIMS + 1)
		return nn_error_set(err, NN_EDATA, "IDX with %d dimensions (1 to %d allowed)",
		                    ndim, NN_MAX_DIMS + 1);
	if (src_exact(a, d, 4 * (size_t)ndim, "IDX header", err))
		return -1;
	for (int i = 0; i < ndim; i++)
		dims[i] = (uint64_t)d[4 * i] << 24 | (uint64_t)d[4 * i + 1] << 16 |
		          (uint64_t)d[4 * i + 2] << 8 | d[4 * i + 3];
	a->big_endian = 1;
	return array_shape(a, ndim, dims, 4 + 4 * (size_t)ndim, size, err);
}

/* --- npy --- */

static int npy_bad(nn_error *err, const char *what)
{
	return nn_error_set(err, NN_EDATA, "bad NPY header: %s", what);
}

static void npy_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		++*p;
}

/* A quoted Python string: copy its text (no escapes) into buf. */
static int npy_str(const char **p, char *buf, size_t n, nn_error *err)
{
	char q = **p;
	size_t len = 0;
	if (q != '\'' && q != '"')
		return npy_bad(err, "expected a string");
	for (++*p; **p != q; ++*p) {
		if (!**p || **p == '\\' || len + 1 >= n)
			return npy_bad(err, "unsupported string");
		buf[len++] = **p;
	}
	++*p;
	buf[len] = 0;
	return 0;
}

static const struct { const char *descr; nn_dtype t; } npy_types[] = {
	{ "b1", NN_U8 }, { "u1", NN_U8 }, { "i1", NN_I8 },
	{ "u2", NN_U16 }, { "i2", NN_I16 }, { "u4", NN_U32 }, { "i4", NN_I32 },
	{ "u8", NN_U64 }, { "i8", NN_I64 }, { "f4", NN_F32 }, { "f8", NN_F64 }
};

/* {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } */
static int npy_dict(const char *h, char *descr, size_t dn, int *fortran, uint64_t *dims,
                    int *ndim, nn_error *err)
{
	const char *p = h;
	char key[32];

	npy_ws(&p);
	if (*p++ != '{')
		return npy_bad(err, "expected '{'");
	for (;;) {
		npy_ws(&p);
		if (*p == '}')
			break;
		if (npy_str(&p, key, sizeof key, err))
			return -1;
		npy_ws(&p);
		if (*p++ != ':')
			return npy_bad(err, "expected ':'");
		npy_ws(&p);
		if (!strcmp(key, "descr")) {
			if (*p == '[')
				return nn_error_set(err, NN_EDATA, "structured NPY dtypes are not supported");
			if (npy_str(&p, descr, dn, err))
				return -1;
		} else if (!strcmp(key, "fortran_order")) {
			if (!strncmp(p, "True", 4))
				*fortran = 1;
			else if (!strncmp(p, "False", 5))
				*fortran = 0;
			else
				return npy_bad(err, "fortran_order is not True or False");
			p += *fortran ? 4 : 5;
		} else if (!strcmp(key, "shape")) {
			if (*p++ != '(')
				return npy_bad(err, "expected a tuple for shape");
			for (*ndim = 0;;) {
				char *end;
				unsigned long long v;
				npy_ws(&p);
				if (*p == ')')
					break;
				if (*ndim == NN_MAX_DIMS + 2)
					return nn_error_set(err, NN_EDATA, "more than %d dimensions",
					                    NN_MAX_DIMS + 1);
				if (*p < '0' || *p > '9')
					return npy_bad(err, "bad shape");
				errno = 0;
				v = strtoull(p, &end, 10);
				if (errno || v > INT64_MAX)
					return npy_bad(err, "dimension out of range");
				dims[(*ndim)++] = v;
				p = end;
				if (*p == 'L')       /* Python 2's long: (6L, 3L) */
					p++;
				npy_ws(&p);
				if (*p == ',')
					p++;
				else if (*p != ')')
					return npy_bad(err, "bad shape");
			}
			p++;
		} else {
			return npy_bad(err, "unknown key");
		}
		npy_ws(&p);
		if (*p == ',')
			p++;
		else if (*p != '}')
			return npy_bad(err, "expected ',' or '}'");
	}
	if (!descr[0] || *fortran < 0 || *ndim < 0)
		return npy_bad(err, "descr, fortran_order or shape is missing");
	return 0;
}

static int host_is_le(void);

static int npy_open(nn_array *a, long long size, nn_error *err)
{
	unsigned char pre[12];
	size_t hlen, pre_len;
	char *h, descr[32] = "", sb[48];
	uint64_t dims[NN_MAX_DIMS + 2];
	int ndim = -1, fortran = -1;
	ptrdiff_t n;

	if ((n = a->src.read(a->src.ctx, pre, 10, err)) < 0)
		return -1;
	if (n != 10 || memcmp(pre, "\x93NUMPY", 6))
		return nn_error_set(err, NN_EDATA, "not an NPY file (bad magic)");
	if (pre[6] == 1) {
		hlen = pre[8] | (size_t)pre[9] << 8;
		pre_len = 10;
	} else if (pre[6] == 2 || pre[6] == 3) {
		if (src_exact(a, pre + 10, 2, "NPY header", err))
			return -1;
		hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
		pre_len = 12;
	} else {
		return nn_error_set(err, NN_EDATA, "NPY version %d is not supported", pre[6]);
	}
	if (hlen > NN_IMPORT_NPY_HDR_MAX)
		return nn_error_set(err, NN_EDATA, "NPY header of %zu bytes (at most %u)", hlen,
		                    NN_IMPORT_NPY_HDR_MAX);
	if (!(h = malloc(hlen + 1)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	if (src_exact(a, h, hlen, "NPY header", err)) {
		free(h);
		return -1;
	}
	h[hlen] = 0;
	if (strlen(h) != hlen) {
		free(h);
		return npy_bad(err, "NUL byte");
	}
	if (npy_dict(h, descr, sizeof descr, &fortran, dims, &ndim, err)) {
		free(h);
		return -1;
	}
	free(h);
	if (fortran)
		return nn_error_set(err, NN_EDATA,
		                    "fortran_order arrays are not supported (save in C order)");
	size_t t = 0, nt = sizeof npy_types / sizeof *npy_types;
	while (t < nt && strcmp(descr + 1, npy_types[t].descr))
		t++;
	/* byte order as numpy writes it: '<' little, '>' big, '=' this
	 * machine's (the writer's, which numpy only writes for its own), '|'
	 * none (one-byte types) */
	if (t == nt || !descr[0] || !strchr("<>=|", descr[0]) ||
	    (descr[0] == '|' && nn_dtype_size(npy_types[t].t) != 1))
		return nn_error_set(err, NN_EDATA, "NPY dtype '%s' is not supported",
		                    import_shorten(descr, sb));
	a->dtype = npy_types[t].t;
	a->big_endian = descr[0] == '>' || (descr[0] == '=' && !host_is_le());
	if (ndim > NN_MAX_DIMS + 1)
		return nn_error_set(err, NN_EDATA, "%d dimensions (at most %d)", ndim, NN_MAX_DIMS + 1);
	return array_shape(a, ndim, dims, pre_len + hlen, size, err);
}

int nn_array_open(nn_array *a, nn_source src, int format, long long size, nn_error *err)
{
	memset(a, 0, sizeof *a);
	a->src = src;
	return format == NN_ARRAY_IDX ? idx_open(a, size, err) : npy_open(a, size, err);
}

static int host_is_le(void)
{
	const uint16_t one = 1;
	return *(const unsigned char *)&one == 1;
}

/* Reverse the bytes of n elements of size esize (big-endian <-> host). */
static void swap_bytes(void *buf, size_t n, size_t esize)
{
	unsigned char *p = buf;
	if (esize < 2)
		return;
	for (size_t i = 0; i < n; i++, p += esize)
		for (size_t x = 0, y = esize - 1; x < y; x++, y--) {
			unsigned char t = p[x];
			p[x] = p[y];
			p[y] = t;
		}
}

int nn_array_rows(nn_array *a, void *buf, size_t n, uint64_t done, nn_error *err)
{
	size_t bytes = n * a->row_bytes;
	ptrdiff_t got = a->src.read(a->src.ctx, buf, bytes, err);
	if (got < 0)
		return -1;
	if ((size_t)got != bytes)
		return nn_error_set(err, NN_EDATA,
		                    "truncated: the header claims %llu rows, the data ends after %llu",
		                    (unsigned long long)a->rows,
		                    (unsigned long long)(done + (size_t)got / a->row_bytes));
	if (a->big_endian == host_is_le())
		swap_bytes(buf, n * a->row_elems, nn_dtype_size(a->dtype));
	return 0;
}

int nn_array_end(nn_array *a, nn_error *err)
{
	unsigned char c;
	ptrdiff_t got = a->src.read(a->src.ctx, &c, 1, err);
	if (got < 0)
		return -1;
	if (got)
		return nn_error_set(err, NN_EDATA,
		                    "trailing data after the %llu rows the header announces",
		                    (unsigned long long)a->rows);
	return 0;
}

/* --- labels of an array ------------------------------------------------ */

int nn_array_labels_check(const nn_array *l, uint64_t rows, size_t nclasses, nn_dtype *dtype,
                          nn_error *err)
{
	if (l->ndim > 1 || l->row_elems != 1)
		return nn_error_set(err, NN_EDATA, "labels must have one value per row");
	if (l->rows != rows)
		return nn_error_set(err, NN_EDATA, "%llu labels for %llu rows",
		                    (unsigned long long)l->rows, (unsigned long long)rows);
	*dtype = nn_dtype_is_float(l->dtype) ? NN_F32 : NN_I32;
	if (nclasses && *dtype != NN_I32)
		return nn_error_set(err, NN_EDATA, "--classes needs integer labels, not %s",
		                    nn_dtype_name(l->dtype));
	return 0;
}

int nn_array_labels_convert(const nn_array *l, void *y, nn_dtype dtype, const void *raw, size_t n,
                            uint64_t done, size_t nclasses, nn_error *err)
{
	if (nn_convert(y, dtype, raw, l->dtype, n, err))
		return nn_error_prefix(err, "rows %llu to %llu", (unsigned long long)done + 1,
		                       (unsigned long long)(done + n));
	for (size_t i = 0; nclasses && i < n; i++) {
		int32_t k;
		memcpy(&k, (const unsigned char *)y + 4 * i, 4);
		if (k < 0 || (size_t)k >= nclasses)
			return nn_error_set(err, NN_EDATA, "row %llu: class id %d needs more than the %zu --classes",
			                    (unsigned long long)(done + i + 1), (int)k, nclasses);
	}
	return 0;
}

int nn_array_labels_rows(nn_array *l, void *y, nn_dtype dtype, void *raw, size_t n, uint64_t done,
                         size_t nclasses, nn_error *err)
{
	if (nn_array_rows(l, raw, n, done, err))
		return -1;
	return nn_array_labels_convert(l, y, dtype, raw, n, done, nclasses, err);
}
