#include "server/compress.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/util.h"

struct compress {
	z_stream in;
	z_stream out;
};

struct compress *compress_new(void)
{
	struct compress *z = rm_calloc(1, sizeof(*z));
	int rc = inflateInit2(&z->in, -15);
	RM_ASSERT(rc == Z_OK);
	rc = deflateInit2(&z->out, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 5, Z_DEFAULT_STRATEGY);
	RM_ASSERT(rc == Z_OK);
	return z;
}

void compress_free(struct compress **z)
{
	if (!*z)
		return;
	inflateEnd(&(*z)->in);
	deflateEnd(&(*z)->out);
	free(*z);
	*z = NULL;
}

enum rm_err compress_inflate(struct compress *z, const char *in, size_t n, size_t max,
			     struct rm_buf *out)
{
	z->in.next_in = (Bytef *)(uintptr_t)in;
	z->in.avail_in = (uInt)n;
	size_t produced = 0;
	while (z->in.avail_in > 0) {
		rm_buf_reserve(out, 16384);
		z->in.next_out = (Bytef *)out->data + out->len;
		z->in.avail_out = (uInt)(out->cap - out->len - 1);
		size_t before = z->in.avail_out;
		int rc = inflate(&z->in, Z_SYNC_FLUSH);
		size_t got = before - z->in.avail_out;
		out->len += got;
		produced += got;
		if (rc == Z_STREAM_END || rc == Z_NEED_DICT || rc == Z_DATA_ERROR || rc == Z_MEM_ERROR)
			return RM_ERR_CORRUPT;
		if (produced > max)
			return RM_ERR_LIMIT;
		if (rc == Z_BUF_ERROR && got == 0)
			break;
	}
	/* Output may still be pending inside zlib when the buffer was full. */
	for (;;) {
		rm_buf_reserve(out, 16384);
		z->in.next_out = (Bytef *)out->data + out->len;
		z->in.avail_out = (uInt)(out->cap - out->len - 1);
		size_t before = z->in.avail_out;
		int rc = inflate(&z->in, Z_SYNC_FLUSH);
		size_t got = before - z->in.avail_out;
		out->len += got;
		produced += got;
		if (produced > max)
			return RM_ERR_LIMIT;
		if (got == 0 || rc != Z_OK)
			break;
	}
	return RM_OK;
}

void compress_deflate(struct compress *z, const char *in, size_t n, struct rm_buf *out)
{
	z->out.next_in = (Bytef *)(uintptr_t)in;
	z->out.avail_in = (uInt)n;
	do {
		rm_buf_reserve(out, n / 2 + 64);
		z->out.next_out = (Bytef *)out->data + out->len;
		z->out.avail_out = (uInt)(out->cap - out->len - 1);
		size_t before = z->out.avail_out;
		int rc = deflate(&z->out, Z_SYNC_FLUSH);
		RM_ASSERT(rc == Z_OK || rc == Z_BUF_ERROR);
		out->len += before - z->out.avail_out;
	} while (z->out.avail_out == 0);
}
