/*
 * store_types.h — the plain data the storage engine hands out: users,
 * mailboxes, messages, flag and special-use bits.  Filled by the index
 * (index/meta*.c) and returned through storage/store.h.
 *
 * Pointers inside these structs (names, keyword lists, logins) point into the
 * LMDB map of the read transaction that produced them and are valid until
 * that transaction (store_view) ends; copy what must outlive it.
 */
#ifndef RM_STORE_TYPES_H
#define RM_STORE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* System flags (RFC 9051 §2.3.2); \Recent is per session and never stored. */
#define STORE_F_SEEN      0x01u
#define STORE_F_ANSWERED  0x02u
#define STORE_F_FLAGGED   0x04u
#define STORE_F_DELETED   0x08u
#define STORE_F_DRAFT     0x10u
#define STORE_F_ALL       0x1fu

/* Special-use attributes (RFC 6154). */
#define STORE_USE_ALL      0x01u
#define STORE_USE_ARCHIVE  0x02u
#define STORE_USE_DRAFTS   0x04u
#define STORE_USE_FLAGGED  0x08u
#define STORE_USE_JUNK     0x10u
#define STORE_USE_SENT     0x20u
#define STORE_USE_TRASH    0x40u
#define STORE_USE_MASK     0x7fu

/* The highest UID (nz-number, RFC 9051 §9) and MODSEQ (RFC 7162 §7). */
#define STORE_UID_MAX      UINT32_MAX
#define STORE_MODSEQ_MAX   ((uint64_t)INT64_MAX)

struct store_user {
	uint64_t id;
	const char *login;           /* lower-cased, not NUL-terminated */
	size_t login_len;
	uint64_t messages;           /* over all mailboxes (quota later) */
	uint64_t size_bytes;
	uint32_t keywords;           /* keyword ids defined: 0 .. keywords-1 */
};

struct store_mailbox {
	uint64_t id;
	uint64_t user_id;
	const char *name;            /* UTF-8, "/" delimiter, not NUL-terminated */
	size_t name_len;
	uint32_t uidvalidity;
	uint64_t uidnext;            /* STORE_UID_MAX + 1 when exhausted */
	uint64_t highestmodseq;      /* 0 until the first change */
	uint64_t messages;
	uint64_t unseen;
	uint64_t deleted;            /* messages with \Deleted */
	uint64_t size_bytes;
	uint32_t special_use;        /* STORE_USE_* */
	bool subscribed;
	/* Expunges with MODSEQ above this are all in the vanished history
	 * (RFC 7162 §3.2.5.1); 0 = complete since the mailbox was created. */
	uint64_t vanished_floor_modseq;
	uint64_t vanished_count;     /* expunged UIDs the history holds */
};

struct store_msg {
	uint64_t mailbox_id;
	uint32_t uid;
	uint32_t flags;              /* STORE_F_* */
	uint64_t modseq;
	int64_t internal_date_s;
	int64_t save_date_s;         /* RFC 8514 SAVEDATE */
	uint64_t size_bytes;         /* RFC822.SIZE: the stored bytes */
	uint64_t blob_lsn;           /* the message bytes: store_read_msg() */
	uint16_t nkeywords;
	const uint8_t *keywords_le;  /* nkeywords little-endian u16 ids, sorted */
};

/** Keyword id i of a message. */
static inline uint16_t store_msg_keyword(const struct store_msg *m, unsigned i)
{
	return (uint16_t)(m->keywords_le[2 * i] | m->keywords_le[2 * i + 1] << 8);
}

#endif
