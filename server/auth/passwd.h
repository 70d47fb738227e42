/*
 * passwd.h — the Dovecot-compatible passwd-file, loaded into an immutable
 * in-memory table.
 *
 * File format (one user a line):
 *     user:password:uid:gid:gecos:home:shell:extra_fields
 * Only user and password are required ("user:" is a user without a password,
 * who cannot log in).  Lines whose first non-blank character is '#' and blank
 * lines are skipped; CRLF line ends are accepted.  password is "{SCHEME}data"
 * (pwscheme.h; no prefix means CRYPT).  extra_fields is the rest of the line
 * (it may contain ':'), space-separated key=value pairs; the quota rules
 *     userdb_quota_rule=*:storage=<n>[B|K|M|G|T]   (bare n is KiB, Dovecot's unit)
 *     userdb_quota_rule=*:bytes=<n>
 *     userdb_quota_rule=*:messages=<n>
 * (also without the "userdb_" prefix, as quota_rule2… and with several limits
 * in one rule, "*:storage=1G:messages=1000") set the entry's quota fields;
 * rules for other mailboxes, relative ("+10M") and percentage values are
 * ignored with a warning.  uid, gid, gecos and shell are not used by ringmail
 * and not kept.
 *
 * Bad lines (no ':', empty or over-long login, control characters in the
 * login, a line over RM_PASSWD_LINE_MAX_BYTES, a NUL byte) are reported with
 * rm_log as "passwd_line_invalid path=… line=N reason=…" and skipped; a second
 * line for a login already seen (ASCII case-insensitive) is reported as
 * "passwd_duplicate_user" and skipped: the first wins.
 *
 * Threads: a loaded db never changes, so any number of threads read it
 * without locks.  Its lifetime is a reference count (atomic).  To reload,
 * load a new db and hand each worker its own reference (through
 * rm_loop_post); each worker swaps its pointer and drops its reference to
 * the old db, which is freed when the last holder (a session in the middle
 * of a login, say) drops its reference.  Do not publish one global pointer
 * that readers load and then ref: the old db can be freed between the load
 * and the ref.
 */
#ifndef RM_PASSWD_H
#define RM_PASSWD_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/** One user.  All strings are NUL-terminated and owned by the db: valid
 * while the caller holds a reference to it. */
struct passwd_entry {
	const char *login;       /* as spelled in the file */
	size_t login_len;
	const char *password;    /* the whole field, "{SCHEME}data"; "" when absent */
	const char *scheme;      /* upper-case scheme name ("CRYPT" without prefix) */
	const char *home;        /* "" when absent */
	const char *extra;       /* raw extra_fields; "" when absent */
	uint64_t quota_storage_bytes; /* 0: unlimited */
	uint64_t quota_messages;      /* 0: unlimited */
	uint64_t login_hash;     /* rm_hash64 of the lower-cased login */
	unsigned line;           /* line number in the file */
};

/** A loaded, immutable passwd-file (opaque, reference-counted). */
struct passwd_db;

/** Reads and parses the file at path into a new db with one reference.
 * Returns RM_OK, RM_ERR_IO (open/read failed; logged with errno) or
 * RM_ERR_LIMIT (file over RM_PASSWD_FILE_MAX_BYTES).  Bad lines are skipped,
 * not errors.  Each successful load gets a new generation number. */
enum rm_err passwd_load(const char *path, struct passwd_db **r);

/** Adds a reference; returns db. */
struct passwd_db *passwd_db_ref(struct passwd_db *db);

/** Drops the caller's reference (frees at zero); *db becomes NULL. */
void passwd_db_unref(struct passwd_db **db);

/** The entry for login (len bytes, ASCII case-insensitive), or NULL.
 * Valid while the caller holds its reference. */
const struct passwd_entry *passwd_lookup(const struct passwd_db *db, const char *login,
					 size_t len);

/** Users in the db; entries in file order are passwd_db_entry(db, 0..n-1). */
size_t passwd_db_count(const struct passwd_db *db);
const struct passwd_entry *passwd_db_entry(const struct passwd_db *db, size_t i);

/** Lines skipped as invalid and as duplicates during the load. */
unsigned passwd_db_invalid_lines(const struct passwd_db *db);
unsigned passwd_db_duplicate_lines(const struct passwd_db *db);

/** Process-wide increasing number of this load (auth_cache flushes when it
 * changes). */
uint64_t passwd_db_generation(const struct passwd_db *db);

/** NULL when s (n bytes) is acceptable as a login in the file, else a
 * static reason: empty, over RM_AUTH_LOGIN_MAX_BYTES, a leading '#', a
 * blank, control byte or ':'. */
const char *passwd_login_check(const char *s, size_t n);

/** Reads the whole file at path into a new NUL-terminated heap buffer
 * (*text_r, free() it; *len_r bytes before the NUL).  Returns RM_OK,
 * RM_ERR_NOTFOUND (no such file; not logged), RM_ERR_IO (logged) or
 * RM_ERR_LIMIT (over RM_PASSWD_FILE_MAX_BYTES).  For passwd_file.c. */
enum rm_err passwd_read(const char *path, char **text_r, size_t *len_r);

#endif
