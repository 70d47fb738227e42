/*
 * mime.h — the MIME parser and its cache blob.
 *
 * At delivery (APPEND, LMTP) the storage engine calls mime_parse() once per
 * message and stores the returned "cache blob" beside the message.  FETCH
 * ENVELOPE, BODY, BODYSTRUCTURE and every BODY[section] / BINARY[section]
 * are then answered from the blob (plus, for body bytes, a byte range of the
 * stored message) without parsing the message again.
 *
 * What the parser does with a message (RFC 5322, RFC 2045/2046):
 *  - Lines end at LF; a CR before it belongs to the line end.  A CR not
 *    followed by LF is an ordinary byte.  NUL and 8-bit bytes are data.
 *  - A header block ends at the first empty line (which belongs to the
 *    header), at end of input, or - inside a multipart - at a boundary line.
 *    Lines that are not "name:" fields stay in the header block and are
 *    ignored (an mbox "From " line, broken folding).  Only the first
 *    RM_MIME_HEADER_MAX_BYTES of a header block are examined for fields.
 *  - A boundary line is "--" boundary at the start of a line, optionally
 *    followed by "--" (close delimiter; the rest of that line is ignored) or
 *    by spaces/tabs only (transport padding).  Boundaries of every open
 *    multipart are active, innermost first, so a missing close delimiter is
 *    repaired by the next outer boundary or by end of input.  The line end
 *    before a boundary line belongs to the boundary (RFC 2046 §5.1.1), so a
 *    part's body ends before it.
 *  - No Content-Type, or one without "type/subtype", means text/plain;
 *    charset=us-ascii (RFC 2045 §5.2); inside multipart/digest it means
 *    message/rfc822 (RFC 2046 §5.1.5).  A missing Content-Transfer-Encoding
 *    means 7bit.
 *  - Past RM_MIME_DEPTH_MAX nested levels or RM_MIME_PARTS_MAX parts the rest
 *    is treated as body: a multipart or message part that cannot be expanded
 *    keeps its type, has no children, and its bytes stay fetchable as the
 *    part's body.  The same happens to a multipart without a boundary
 *    parameter and to a message/rfc822 or message/global part with a base64
 *    or quoted-printable encoding (its bytes are not a message as stored).
 *  - Sizes and line counts are of the bytes as stored: the server stores
 *    exactly what the client sent, so a CRLF counts 2 octets and a bare LF 1.
 *    The line count of a body is its number of LFs, plus one when it is not
 *    empty and does not end with LF.
 *
 * How the rendered IMAP text looks (RFC 9051 §7.5.2, §9):
 *  - A string is quoted when all its bytes are 0x01-0x7f other than CR and
 *    LF ('"' and '\' escaped), otherwise a literal "{n}\r\n<bytes>".  A NUL
 *    byte, which no IMAP string may hold, is written as U+FFFD.
 *  - ENVELOPE: date, subject, in-reply-to and message-id are the unfolded
 *    field values with surrounding spaces removed (NIL when absent, "" when
 *    empty).  Address fields follow RFC 5322 (groups, comments, quoted local
 *    parts kept with their quotes, obsolete routes as "@a,@b"); an address
 *    without a name but with a comment ("a@b (Ann)") takes the comment as
 *    its name; an address without a domain gets host "" (NIL would mark a
 *    group).  Encoded words (RFC 2047) are left as they are.  Sender and
 *    Reply-To default to From when absent or empty.  The first occurrence of
 *    a field is used.
 *  - BODYSTRUCTURE: type, subtype, parameter names, disposition type and
 *    encoding are upper-cased (as the RFC's examples); parameter values and
 *    every other string are as received.  A missing Content-Type renders
 *    ("CHARSET" "US-ASCII").  RFC 2231 parameters are decoded: "x*0",
 *    "x*1"... are joined, "x*" / "x*0*"... are percent-decoded, converted
 *    from their charset to UTF-8 (unknown charsets pass through with invalid
 *    UTF-8 replaced by U+FFFD) and returned as plain "X" (a literal when
 *    8-bit); an RFC 2231 value replaces a plain one of the same name, and
 *    of a repeated parameter the first counts.  (RFC 9051 §7.5.2 words the
 *    charset case as returning "X*"; the decoded value under the plain name
 *    is what clients look up, so that is what ringmail returns.)
 *    body-fld-md5 is the Content-MD5 value or NIL; language is a
 *    parenthesized list of the Content-Language tags or NIL; location is
 *    Content-Location or NIL.  Every extension field is always present.
 *  - A multipart without parts (no boundary, no boundary line found, or not
 *    expanded because of a limit) renders one empty part
 *    ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0), because the
 *    grammar needs 1*body.  A message/rfc822 part that was not expanded
 *    renders an envelope of ten NILs and that same empty body.
 */
#ifndef RM_MIME_H
#define RM_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

/** Cache blob format version written by this build (see mime_cache.c). */
#define MIME_CACHE_VERSION 1u

/** "no part" in part indexes (parent of the root, range of a header). */
#define MIME_PART_NONE UINT32_MAX

/** Content-Transfer-Encoding of a part.  7BIT, 8BIT and BINARY need no
 * decoding; UNKNOWN is an encoding BINARY[] cannot undo (UNKNOWN-CTE). */
enum mime_encoding {
	MIME_ENC_7BIT = 0,
	MIME_ENC_8BIT,
	MIME_ENC_BINARY,
	MIME_ENC_BASE64,
	MIME_ENC_QP,
	MIME_ENC_UNKNOWN,
};

/** Shape of a part in the tree. */
enum mime_kind {
	MIME_KIND_LEAF = 0,   /* any non-multipart, non-message part */
	MIME_KIND_MULTIPART,  /* children: its body parts (maybe none) */
	MIME_KIND_MESSAGE,    /* message/rfc822 or message/global: one child,
	                       * the encapsulated message (none if unexpanded) */
};

/** Bits in struct mime_part.flags. */
enum {
	MIME_PART_F_MESSAGE = 1u << 0,  /* a message: the root or the child of a
	                                 * MESSAGE part (it has an ENVELOPE) */
	MIME_PART_F_NOT_EXPANDED = 1u << 1, /* multipart/message kept flat */
	MIME_PART_F_CT_DEFAULT = 1u << 2,   /* Content-Type absent or invalid */
};

/**
 * Parses the raw message [msg, msg+len) (any bytes, any line ends) and
 * appends its cache blob to cache_r.  One forward pass, bounded state, no
 * recursion beyond RM_MIME_DEPTH_MAX.  Never fails because of the message's
 * content.  Returns RM_OK, or RM_ERR_LIMIT when len does not fit the blob's
 * 32-bit offsets (over 4 GiB, far past any APPEND limit); on error cache_r
 * is left as it was.
 */
enum rm_err mime_parse(const char *msg, size_t len, struct rm_buf *cache_r);

/*
 * Accessors.  Each takes the blob as mime_parse() produced it and checks it
 * first (magic, version, lengths, offsets): a blob that fails returns
 * RM_ERR_CORRUPT; one of another format version returns RM_ERR_UNSUPPORTED.
 * Returned pointers point into the blob and are valid as long as it is.
 */

/** The top-level ENVELOPE, rendered: "(" date SP subject ... ")". */
enum rm_err mime_cache_envelope(const void *blob, size_t len,
	const char **ptr_r, size_t *len_r);

/** BODY (extended == false) or BODYSTRUCTURE (true), rendered "(...)". */
enum rm_err mime_cache_body(const void *blob, size_t len, bool extended,
	const char **ptr_r, size_t *len_r);

/** Offset just past the top-level header block (its blank line included):
 * where BODY[TEXT] starts. */
enum rm_err mime_cache_header_end(const void *blob, size_t len, size_t *end_r);

/** The Date header as seconds since the epoch (UTC), or -1 when the field
 * is absent or does not parse.  See mime_date.h for the forms accepted. */
enum rm_err mime_cache_date(const void *blob, size_t len, int64_t *date_r);
/** The Date field's zone in minutes east of UTC; RM_ERR_NOTFOUND when the
 * Date did not parse or the blob predates the ZONE section. */
enum rm_err mime_cache_date_zone(const void *blob, size_t len, int *zone_min_r);

/** Length of the message the blob describes. */
enum rm_err mime_cache_message_size(const void *blob, size_t len, size_t *size_r);

/** Top-level header fields kept raw for SORT and THREAD. */
enum mime_field {
	MIME_FIELD_SUBJECT = 0,
	MIME_FIELD_FROM,
	MIME_FIELD_TO,
	MIME_FIELD_CC,
	MIME_FIELD_MESSAGE_ID,
	MIME_FIELD_IN_REPLY_TO,
	MIME_FIELD_REFERENCES,
	MIME_FIELD__COUNT
};

/**
 * The unfolded value of a top-level header field (spaces around it
 * removed), at most RM_MIME_SORT_FIELD_MAX_BYTES long: longer values keep
 * their start, except References, which keeps its end (the parent ids) cut
 * at a '<'.  RM_ERR_NOTFOUND when the field is absent.
 */
enum rm_err mime_cache_field(const void *blob, size_t len, enum mime_field f,
	const char **ptr_r, size_t *len_r);

/** One entry of the part tree (parts are numbered in pre-order, root = 0). */
struct mime_part {
	uint32_t header_start;  /* offsets in the message */
	uint32_t body_start;    /* = header end */
	uint32_t body_end;
	uint32_t lines;         /* line count of the body */
	uint32_t parent;        /* MIME_PART_NONE for the root */
	uint32_t number;        /* 1-based place among a multipart's parts, else 0 */
	uint32_t depth;         /* 0 for the root */
	enum mime_kind kind;
	enum mime_encoding encoding;
	unsigned flags;         /* MIME_PART_F_* */
	/* Lower-cased media type, subtype and charset parameter ("" when the
	 * part has none), each at most 255 bytes, pointing into the blob. */
	const char *type, *subtype, *charset;
	size_t type_len, subtype_len, charset_len;
};

/** Number of parts in the tree (at least 1: the message itself). */
enum rm_err mime_cache_part_count(const void *blob, size_t len, uint32_t *count_r);

/** Part idx of the tree; RM_ERR_NOTFOUND when idx >= the part count. */
enum rm_err mime_cache_part(const void *blob, size_t len, uint32_t idx,
	struct mime_part *part_r);

/**
 * The IMAP section path of part idx ("2.1" as {2, 1}) as section-part
 * numbers, written to path_r (cap entries; RM_ERR_LIMIT when it does not
 * fit).  The root and an encapsulated message have the path of the body
 * they stand for: a non-multipart message is part "1" of its parent path, a
 * multipart message has its parent's path (depth 0 for the root).
 */
enum rm_err mime_cache_part_path(const void *blob, size_t len, uint32_t idx,
	uint32_t *path_r, size_t cap, size_t *depth_r);

/** What follows the part numbers in a section spec (RFC 9051 §6.4.5.1).
 * HEADER.FIELDS and .NOT are HEADER plus mime_header_fields(). */
enum mime_section_kind {
	MIME_SECTION_NONE = 0, /* BODY[], BODY[1.2]: the part body */
	MIME_SECTION_HEADER,   /* BODY[HEADER], BODY[3.HEADER] */
	MIME_SECTION_TEXT,     /* BODY[TEXT], BODY[3.TEXT] */
	MIME_SECTION_MIME,     /* BODY[1.MIME]: the part's own header */
};

/** A byte range of the message plus what is needed to decode it. */
struct mime_range {
	size_t start;
	size_t len;
	/* Transfer encoding of these bytes: the part's for a part body or the
	 * TEXT of a message, MIME_ENC_BINARY (nothing to undo) for headers and
	 * the whole message. */
	enum mime_encoding encoding;
	/* The part whose body or header this is, MIME_PART_NONE for depth 0. */
	uint32_t part;
};

/**
 * Resolves a section spec: path[0..depth) are part numbers (1-based), kind
 * what follows them.  depth 0 is the message itself (BODY[], BODY[HEADER],
 * BODY[TEXT]; MIME needs a part number: RM_ERR_INVAL).  Per RFC 9051:
 *  - a non-multipart message (top level or encapsulated) has only part 1,
 *    its body; a multipart's parts are numbered from 1;
 *  - the body of a message/rfc822 part is the whole encapsulated message,
 *    its part numbers continue into that message, and HEADER / TEXT after
 *    it mean the encapsulated message's header / body;
 *  - HEADER or TEXT after a part that is not message/rfc822 (or global),
 *    and any number that names no part, return RM_ERR_NOTFOUND;
 *  - MIME is the part's own header block (for part 1 of a non-multipart
 *    message: the message header);
 *  - part 1 of a multipart without parts (the empty part BODYSTRUCTURE
 *    shows) is an empty range with an empty MIME header.
 * Header ranges include their blank line when the message has one.
 */
enum rm_err mime_section_find(const void *blob, size_t len, const uint32_t *path,
	size_t depth, enum mime_section_kind kind, struct mime_range *r);

/**
 * BODY[HEADER.FIELDS (names)] (not == false) or HEADER.FIELDS.NOT (true):
 * appends to out the fields of the header block [hdr, hdr+len) whose name
 * matches (ASCII case-insensitively) one of names[0..n) - or, with not, does
 * not match - each with its continuation lines and line end exactly as
 * stored, in message order, then the block's blank line if it has one.
 * Lines that are not fields are left out of both.
 */
void mime_header_fields(const char *hdr, size_t len, const char *const *names,
	size_t n, bool not, struct rm_buf *out);

#endif
