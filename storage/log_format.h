/*
 * log_format.h — the byte-level format of a partition's log.  This comment is
 * the specification; log_record.c and log_segment.c implement it and nothing
 * else writes log bytes.  All integers are little-endian.
 *
 * Files of partition NNN (three decimal digits, or more past 999):
 *
 *   parts/NNN/log/SSSSSSSS.seg      segment S (eight hex digits, from 1)
 *   parts/NNN/log/SSSSSSSS.seg.tmp  compaction output before its rename
 *   parts/NNN/index.lmdb/           the LMDB index (index/meta.c)
 *   parts/NNN/state                 clean/dirty marker (storage/store_state.c)
 *
 * Segment header, 64 bytes at offset 0 of every segment:
 *
 *   0  u8[8]  magic "RMSEG\r\n\x1a"
 *   8  u32    format version (LOG_VERSION)
 *   12 u32    segment number S (the file name says the same)
 *   16 u32    generation: 0 when created, +1 each time compaction rewrites it
 *   20 u32    partition number
 *   24 u64    base LSN: the first LSN the segment was opened for (records in
 *             it have LSN >= base; compaction keeps the base)
 *   32 u8[24] zero
 *   56 u64    xxh3_64 of bytes 0..55
 *
 * Records follow back to back (no padding).  A record is a 32-byte header
 * and `length` payload bytes:
 *
 *   0  u32    magic 0x676c4d52 ("RMlg")
 *   4  u8     format version (LOG_VERSION)
 *   5  u8     type (enum log_type)
 *   6  u16    flags: bit 0 LOG_F_BATCH_END on the last record of a group
 *             commit batch; other bits zero
 *   8  u32    payload length (<= RM_RECORD_MAX_BYTES)
 *   12 u32    zero
 *   16 u64    LSN: 1, 2, 3, ... per partition, strictly increasing along
 *             the log; never reused, kept by compaction
 *   24 u64    checksum = XXH3_64bits_withSeed(header bytes 0..23, 24,
 *                                             XXH3_64bits(payload, length))
 *             (payload hashed first, so the writer can set LOG_F_BATCH_END
 *             on a finished record by rehashing 24 bytes, not the payload)
 *
 * Payloads (u64 user and mailbox ids are partition-unique and never reused;
 * UIDs are IMAP's 32-bit nz-number; MODSEQs are below 2^63, RFC 7162 §7):
 *
 *   BLOB         the message bytes exactly as received
 *   MSG_ADD      u64 user, u64 mailbox, u32 count, count entries of
 *                  u32 uid, u32 flags, u64 modseq, i64 internal date (s),
 *                  i64 save date (s), u64 blob LSN, u64 size, u16 nkw,
 *                  nkw x u16 keyword id (sorted, unique)
 *   MSG_FLAGS    u64 user, u64 mailbox, u32 count, count entries of
 *                  u32 uid, u32 flags, u64 modseq, u16 nkw, nkw x u16
 *                (the new absolute state of each message, so replaying a
 *                 record twice gives the same result)
 *   MSG_EXPUNGE  u64 user, u64 mailbox, u32 count, entries u32 uid, u64 modseq
 *   MBOX_CREATE  u64 user, u64 mailbox, u32 uidvalidity, u32 special-use
 *                bits, u16 name length, name (UTF-8, "/" delimiter)
 *   MBOX_RENAME  u64 user, u64 mailbox, u16 name length, new name
 *   MBOX_DELETE  u64 user, u64 mailbox
 *   SUBSCRIBE    u64 user, u8 on (1) / off (0), u16 name length, name
 *   USER_CREATE  u64 user, u16 login length, login (lower-cased)
 *   USER_DELETE  u64 user
 *   KEYWORD      u64 user, u16 keyword id, u16 name length, name
 *   VANISHED_TRIM u64 user, u64 mailbox, u64 floor: the mailbox's vanished
 *                history forgets the expunges with MODSEQ <= floor (written
 *                by the store when a mailbox remembers more than
 *                vanished_keep expunged UIDs; QRESYNC then falls back for
 *                clients older than the floor)
 *
 * Writing: a batch (all records of one loop turn) is one writev at the
 * segment's tail linked to one fdatasync; its last record carries
 * LOG_F_BATCH_END.  At most one batch per partition is in flight, so only the
 * last batch of the last segment can be torn by a crash; recovery truncates
 * it whole (log_scan.c).  A record is checked before it is written and after
 * it is read back.
 */
#ifndef RM_LOG_FORMAT_H
#define RM_LOG_FORMAT_H

#include <stdint.h>

#define LOG_VERSION              1u
#define LOG_SEG_MAGIC            "RMSEG\r\n\x1a"
#define LOG_SEG_HEADER_BYTES     64u
#define LOG_REC_MAGIC            0x676c4d52u
#define LOG_REC_HEADER_BYTES     32u
#define LOG_F_BATCH_END          0x0001u

/* Payload sizes of the fixed parts (see above). */
#define LOG_MSG_HEAD_BYTES       20u  /* user, mailbox, count */
#define LOG_ADD_ENTRY_BYTES      50u  /* without keyword ids */
#define LOG_FLAGS_ENTRY_BYTES    18u  /* without keyword ids */
#define LOG_EXPUNGE_ENTRY_BYTES  12u

enum log_type {
	LOG_T_BLOB = 1,
	LOG_T_MSG_ADD = 2,
	LOG_T_MSG_FLAGS = 3,
	LOG_T_MSG_EXPUNGE = 4,
	LOG_T_MBOX_CREATE = 5,
	LOG_T_MBOX_RENAME = 6,
	LOG_T_MBOX_DELETE = 7,
	LOG_T_SUBSCRIBE = 8,
	LOG_T_USER_CREATE = 9,
	LOG_T_USER_DELETE = 10,
	LOG_T_KEYWORD = 11,
	LOG_T_VANISHED_TRIM = 12,
	LOG_T__MAX = 12
};

/* Highest MODSEQ a record may carry (RFC 7162 mod-sequence-value). */
#define LOG_MODSEQ_MAX           ((uint64_t)INT64_MAX)

#endif
