/*
 * compress.h — COMPRESS=DEFLATE (RFC 4978) for one connection: raw deflate
 * (RFC 1951, no zlib header) both ways, between the IMAP text and TLS.
 *
 * Every chunk of output ends with a sync flush, so what a turn produced
 * (an IDLE notification included) can be decoded at once by the peer.  The
 * compressor uses a 4 KiB window and memLevel 5 (about 32 KiB of state, not
 * zlib's default 256 KiB): RFC 4978 §3 lets the sender choose; the
 * decompressor accepts the full 32 KiB window any client may use.
 */
#ifndef RM_COMPRESS_H
#define RM_COMPRESS_H

#include <stddef.h>

#include "common/buf.h"
#include "common/err.h"

struct compress;

struct compress *compress_new(void);
void compress_free(struct compress **z);

/** Appends the decompressed form of [in, in+n) to out.  RM_ERR_CORRUPT on
 * a bad stream; RM_ERR_LIMIT when one call would produce more than max
 * bytes (a decompression bomb). */
enum rm_err compress_inflate(struct compress *z, const char *in, size_t n, size_t max,
			     struct rm_buf *out);

/** Appends the compressed form of [in, in+n), ended by a sync flush. */
void compress_deflate(struct compress *z, const char *in, size_t n, struct rm_buf *out);

#endif
