/*
 * mime_decode.h — turning stored MIME bytes into text: transfer encodings
 * (for BINARY[] now and full-text search later), RFC 2047 header words,
 * charsets, HTML, case folding.
 *
 * Every function appends to an rm_buf (the caller owns it and frees it
 * with rm_buf_free) and never fails: real mail is full of broken encodings,
 * and each function documents what it does with them.  None keeps state
 * between calls; mime_charset_to_utf8 holds an iconv descriptor during the
 * call.  Implemented by file: mime_decode.c (base64, quoted-printable,
 * RFC 2047), mime_charset.c, mime_html.c, mime_fold.c.
 */
#ifndef RM_MIME_DECODE_H
#define RM_MIME_DECODE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "index/mime.h"

/**
 * Base64 (RFC 2045 §6.8) with common/base64.h's tolerant decoder: bytes
 * outside the alphabet (line ends, spaces, garbage) are skipped; decoding
 * stops at the first '=' pad; a final group of 2 or 3 characters yields its
 * 1 or 2 whole bytes, a lone final character is dropped.  Returns the
 * number of bytes appended.
 */
size_t mime_decode_base64(const char *in, size_t len, struct rm_buf *out);

/**
 * The text of a leaf part, for search: its stored body [body, body+len)
 * with part's transfer encoding undone (base64, quoted-printable; other
 * encodings copied), converted from part's charset to UTF-8
 * (mime_charset_to_utf8) and, for text/html, reduced to text
 * (mime_html_to_text).  Case folding is left to the caller.  Which parts
 * are worth it (text parts, not images) is the caller's choice too.
 */
void mime_decode_part(const struct mime_part *part, const char *body, size_t len,
	struct rm_buf *out);

/**
 * Quoted-printable (RFC 2045 §6.7).  "=XX" (either case of hex) is a byte;
 * "=" at the end of a line (spaces after it allowed) is a soft line break;
 * spaces and tabs at the end of a line are dropped; an '=' not followed by
 * two hex digits is kept as it is.  Line ends are kept as stored (CRLF or
 * LF).  Returns the number of bytes appended.
 */
size_t mime_decode_qp(const char *in, size_t len, struct rm_buf *out);

/**
 * A header value to UTF-8: unfolds it, decodes RFC 2047 encoded words
 * ("=?charset?B?...?=" and "?Q?", charset may carry "*lang"), drops white
 * space between two adjacent encoded words, joins adjacent words of one
 * charset before converting (so a character split across words survives),
 * and treats all other text as UTF-8 (RFC 6532), replacing invalid bytes
 * with U+FFFD.  Malformed words are kept as text.
 */
void mime_decode_header(const char *in, size_t len, struct rm_buf *out);

/**
 * Converts [in, in+len) from charset (not NUL-terminated, any case, MIME
 * or iconv name) to UTF-8 with glibc iconv; bytes invalid in the charset
 * become U+FFFD.  UTF-8, US-ASCII and an empty or unknown charset are
 * copied with invalid UTF-8 replaced by U+FFFD.  Returns false when the
 * charset was unknown (the bytes were still appended).
 */
bool mime_charset_to_utf8(const char *charset, size_t charset_len,
	const char *in, size_t len, struct rm_buf *out);

/** Copies UTF-8, replacing each maximal invalid sequence (RFC 3629: no
 * overlongs, surrogates or values past U+10FFFF) with U+FFFD. */
void mime_charset_utf8_repair(const char *in, size_t len, struct rm_buf *out);

/**
 * HTML to plain text for search: tags, comments and declarations removed,
 * the content of <script> and <style> dropped, character references
 * decoded (decimal, hex, and the common named ones: HTML 4's Latin-1,
 * symbol and special sets), block elements (p, br, div, tr, li, h1-h6,
 * table ...) turned into line breaks, runs of white space (and &nbsp;)
 * collapsed to one space.  Input is expected in UTF-8 (convert first).
 */
void mime_html_to_text(const char *in, size_t len, struct rm_buf *out);

/**
 * Lower-cases UTF-8 text for case-insensitive search: simple (one code
 * point to one code point) folding for ASCII, Latin-1 Supplement, Latin
 * Extended-A, Greek (final sigma folds to sigma, accented capitals to their
 * small forms) and Cyrillic (U+0400-U+052F).  Other code points and invalid
 * bytes are copied unchanged.
 */
void mime_fold_utf8(const char *in, size_t len, struct rm_buf *out);

#endif
