/*
 * base64.h — RFC 4648 §4 base64 (the "+/" alphabet with "=" padding).
 *
 * Two decoders:
 *  - strict (SASL, RFC 9051 §6.2.2, SCRAM attributes): the input is a whole
 *    number of 4-character groups, only alphabet characters, "=" only as the
 *    last one or two characters of the last group, and the unused bits before
 *    the padding are zero (RFC 4648 §3.5), so every byte string has exactly
 *    one accepted encoding.  The empty string decodes to zero bytes; IMAP's
 *    lone "=" for an empty SASL response is the caller's business.
 *  - tolerant (message bodies, RFC 2045 §6.8): characters outside the
 *    alphabet (line breaks, spaces, junk) are skipped, decoding stops at the
 *    first "=", missing padding is accepted and trailing partial bits are
 *    dropped.
 *
 * No function allocates except base64_encode_buf (through the rm_buf).
 */
#ifndef RM_BASE64_H
#define RM_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

/** Which decoder base64_decode runs (see above). */
enum base64_mode {
	BASE64_STRICT,
	BASE64_TOLERANT,
};

/** Characters base64_encode writes for n input bytes (without the NUL).
 * A constant expression when n is (usable for array sizes). */
#define BASE64_ENCODED_LEN(n) (((n) + 2) / 3 * 4)

/** Upper bound of the bytes any decode of n characters produces. */
#define BASE64_DECODED_MAX(n) ((n) / 4 * 3 + 3)

/** Encodes n bytes of in into out, which must hold BASE64_ENCODED_LEN(n) + 1
 * bytes; out is NUL-terminated.  Returns the encoded length. */
size_t base64_encode(const void *in, size_t n, char *out);

/** Appends the encoding of n bytes of in to b (not NUL-counted). */
void base64_encode_buf(struct rm_buf *b, const void *in, size_t n);

/** Decodes n characters of in into out, which must hold
 * BASE64_DECODED_MAX(n) bytes; *out_len_r receives the decoded length.
 * out may equal in (decoding in place never overtakes the reader).
 * Returns RM_OK, or RM_ERR_SYNTAX when mode is BASE64_STRICT and the input
 * breaks a rule above (out then holds garbage).  BASE64_TOLERANT never
 * fails. */
enum rm_err base64_decode(const char *in, size_t n, uint8_t *out, size_t *out_len_r,
			  enum base64_mode mode);

#endif
