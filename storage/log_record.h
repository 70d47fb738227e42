/*
 * log_record.h — encoding and decoding of log records (format in
 * log_format.h).  Pure functions over memory: no files, no LMDB.
 *
 * Encoding appends to an rm_buf: log_rec_begin() reserves the header,
 * the typed put functions append the payload, log_rec_seal() fills the
 * header and checksum.  Records are addressed by their start offset in the
 * buffer, never by pointer, because the buffer may move while it grows.
 *
 * Decoding never trusts the input: log_rec_header_parse() checks the header,
 * log_rec_verify() the checksum, log_rec_parse() the payload structure (every
 * count and length against the payload size).  Pointers in a decoded
 * struct log_rec point into the caller's bytes and live as long as they do.
 */
#ifndef RM_LOG_RECORD_H
#define RM_LOG_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "storage/log_format.h"

/** One message entry of MSG_ADD, MSG_FLAGS or MSG_EXPUNGE.  Fields a type
 * does not carry are zero.  kw_le points at nkw little-endian u16 ids inside
 * the record (valid as long as the record's bytes). */
struct log_entry {
	uint32_t uid;
	uint32_t flags;
	uint64_t modseq;
	int64_t internal_date_s;
	int64_t save_date_s;
	uint64_t blob_lsn;
	uint64_t size_bytes;
	uint16_t nkw;
	const uint8_t *kw_le;
};

/** A decoded record.  Which fields are meaningful depends on type (see
 * log_format.h); the rest are zero.  payload, entries and name point into
 * the bytes that were decoded. */
struct log_rec {
	uint8_t type;
	uint16_t flags;
	uint32_t len;              /* payload bytes */
	uint64_t lsn;
	uint64_t checksum;
	const uint8_t *payload;

	uint64_t user_id;
	uint64_t mailbox_id;
	uint32_t count;            /* message entries */
	const uint8_t *entries;    /* first entry; walk with log_entry_next */
	uint32_t uidvalidity;
	uint32_t special_use;
	uint8_t on;
	uint16_t kw_id;
	uint64_t modseq;           /* VANISHED_TRIM floor */
	const char *name;          /* mailbox name, login or keyword */
	uint16_t name_len;
};

/** Walks the entries of a parsed message record. */
struct log_entry_iter {
	const uint8_t *p;
	const uint8_t *end;
	uint32_t left;
	uint8_t type;
};

/** Short upper-case name of a record type ("MSG_ADD"); "?" when unknown. */
const char *log_type_name(unsigned type);

/* ---- encoding ----------------------------------------------------------- */

/** Appends a header placeholder; returns the record's start offset. */
size_t log_rec_begin(struct rm_buf *b, enum log_type type);
void log_rec_put_u16(struct rm_buf *b, uint16_t v);
void log_rec_put_u32(struct rm_buf *b, uint32_t v);
void log_rec_put_u64(struct rm_buf *b, uint64_t v);
/** u16 length then the bytes (names, logins; len <= UINT16_MAX). */
void log_rec_put_name(struct rm_buf *b, const char *s, size_t len);
/** Starts a MSG_ADD / MSG_FLAGS / MSG_EXPUNGE record with count 0. */
size_t log_rec_msg_begin(struct rm_buf *b, enum log_type type, uint64_t user_id,
			 uint64_t mailbox_id);
/** Appends one entry to the message record at `start` and bumps its count.
 * kw holds e->nkw ids (host order, sorted); e->kw_le is ignored. */
void log_rec_msg_entry(struct rm_buf *b, size_t start, const struct log_entry *e,
		       const uint16_t *kw);
/** Fills the header of the record at `start` (payload = everything appended
 * after it) and returns the payload hash (for log_rec_set_flags). */
uint64_t log_rec_seal(struct rm_buf *b, size_t start, uint64_t lsn, uint16_t flags);
/** Fills a header in place for a payload that is already contiguous after it
 * (a store_msgbuf).  Returns the payload hash. */
uint64_t log_rec_seal_at(uint8_t *hdr, enum log_type type, uint64_t lsn, uint16_t flags,
			 const void *payload, uint32_t len);
/** Rewrites the flags of a sealed header, given its payload hash. */
void log_rec_set_flags(uint8_t *hdr, uint16_t flags, uint64_t payload_hash);

/* ---- decoding ----------------------------------------------------------- */

/** Checks magic, version, type, reserved bits and length (<= max_len) of a
 * 32-byte header and fills r's header fields (payload left NULL).
 * RM_ERR_CORRUPT when any is wrong. */
enum rm_err log_rec_header_parse(const uint8_t *hdr, uint32_t max_len, struct log_rec *r);
/** True when the stored checksum matches header and payload. */
bool log_rec_verify(const uint8_t *hdr, const uint8_t *payload, uint32_t len);
/** Decodes the payload of r (header parsed, r->payload set): fixed fields and
 * the structure of every entry.  RM_ERR_CORRUPT on any inconsistency. */
enum rm_err log_rec_parse(struct log_rec *r);
/** Header + checksum + payload in one call on contiguous bytes `avail` long.
 * RM_ERR_AGAIN when fewer bytes than the record claims are available. */
enum rm_err log_rec_decode(const uint8_t *p, size_t avail, struct log_rec *r);

void log_entry_iter_init(struct log_entry_iter *it, const struct log_rec *r);
/** 1 and *e filled, or 0 at the end (the structure was checked by parse). */
int log_entry_next(struct log_entry_iter *it, struct log_entry *e);
/** Keyword id i of an entry. */
static inline uint16_t log_entry_kw(const struct log_entry *e, unsigned i)
{
	return (uint16_t)(e->kw_le[2 * i] | e->kw_le[2 * i + 1] << 8);
}

#endif
