#include "server/auth/passwd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "server/auth/passwd_quota.h"
#include "server/auth/pwscheme.h"

/* Distinct scheme names, upper-cased, owned by the db (a file has a few). */
struct passwd_scheme {
	struct passwd_scheme *next;
	char name[];
};

struct passwd_db {
	atomic_uint refs;
	uint64_t generation;
	char *text;                  /* the file, fields NUL-terminated in place */
	struct passwd_entry *entries;
	size_t count, cap;
	uint32_t *slots;             /* open addressing: entry index + 1, 0 empty */
	size_t slot_mask;
	struct passwd_scheme *schemes;
	unsigned invalid, duplicates;
	const char *path;            /* for messages during the load only */
};

static atomic_uint_fast64_t passwd_generations;

struct passwd_db *passwd_db_ref(struct passwd_db *db)
{
	atomic_fetch_add_explicit(&db->refs, 1, memory_order_relaxed);
	return db;
}

static void passwd_db_free(struct passwd_db *db)
{
	while (db->schemes) {
		struct passwd_scheme *next = db->schemes->next;
		free(db->schemes);
		db->schemes = next;
	}
	free(db->slots);
	free(db->entries);
	free(db->text);
	free(db);
}

void passwd_db_unref(struct passwd_db **dbp)
{
	struct passwd_db *db = *dbp;
	*dbp = NULL;
	if (!db)
		return;
	/* acq_rel: the freeing thread sees every other holder's reads done. */
	if (atomic_fetch_sub_explicit(&db->refs, 1, memory_order_acq_rel) == 1)
		passwd_db_free(db);
}

size_t passwd_db_count(const struct passwd_db *db) { return db->count; }
unsigned passwd_db_invalid_lines(const struct passwd_db *db) { return db->invalid; }
unsigned passwd_db_duplicate_lines(const struct passwd_db *db) { return db->duplicates; }
uint64_t passwd_db_generation(const struct passwd_db *db) { return db->generation; }

const struct passwd_entry *passwd_db_entry(const struct passwd_db *db, size_t i)
{
	RM_ASSERT(i < db->count);
	return &db->entries[i];
}

/* rm_hash64 of the lower-cased login; false when it is too long to be one. */
static bool passwd_hash_login(const char *login, size_t len, uint64_t *h)
{
	char low[RM_AUTH_LOGIN_MAX_BYTES];
	if (len == 0 || len > sizeof(low))
		return false;
	for (size_t i = 0; i < len; i++)
		low[i] = rm_lower(login[i]);
	*h = rm_hash64(low, len);
	return true;
}

static const struct passwd_entry *passwd_find(const struct passwd_db *db, const char *login,
					      size_t len, uint64_t h)
{
	if (!db->slots)
		return NULL;
	for (size_t i = h & db->slot_mask;; i = (i + 1) & db->slot_mask) {
		uint32_t slot = db->slots[i];
		if (slot == 0)
			return NULL;
		const struct passwd_entry *e = &db->entries[slot - 1];
		if (e->login_hash == h && e->login_len == len &&
		    rm_strncasecmp_ascii(e->login, login, len) == 0)
			return e;
	}
}

const struct passwd_entry *passwd_lookup(const struct passwd_db *db, const char *login,
					 size_t len)
{
	uint64_t h;
	if (!passwd_hash_login(login, len, &h))
		return NULL;
	return passwd_find(db, login, len, h);
}

static void passwd_rehash(struct passwd_db *db, size_t cap)
{
	free(db->slots);
	db->slots = rm_calloc(cap, sizeof(*db->slots));
	db->slot_mask = cap - 1;
	for (size_t k = 0; k < db->count; k++) {
		size_t i = db->entries[k].login_hash & db->slot_mask;
		while (db->slots[i])
			i = (i + 1) & db->slot_mask;
		db->slots[i] = (uint32_t)(k + 1);
	}
}

/* Appends e unless its login is taken (then returns the first holder). */
static const struct passwd_entry *passwd_insert(struct passwd_db *db,
						const struct passwd_entry *e)
{
	const struct passwd_entry *old = passwd_find(db, e->login, e->login_len, e->login_hash);
	if (old)
		return old;
	if (db->count == db->cap) {
		db->cap = db->cap ? db->cap * 2 : 64;
		db->entries = rm_realloc(db->entries, db->cap * sizeof(*db->entries));
	}
	db->entries[db->count++] = *e;
	if (!db->slots || db->count * 2 > db->slot_mask + 1) {
		passwd_rehash(db, db->slots ? (db->slot_mask + 1) * 2 : 128);
		return NULL;
	}
	size_t i = e->login_hash & db->slot_mask;
	while (db->slots[i])
		i = (i + 1) & db->slot_mask;
	db->slots[i] = (uint32_t)db->count;
	return NULL;
}

/* The interned upper-case name of the password field's scheme. */
static const char *passwd_scheme_intern(struct passwd_db *db, const char *password)
{
	struct pwscheme_stored st;
	pwscheme_split(password, &st);
	for (struct passwd_scheme *s = db->schemes; s; s = s->next)
		if (rm_word_eq(st.name, st.name_len, s->name))
			return s->name;
	struct passwd_scheme *s = rm_malloc(sizeof(*s) + st.name_len + 1);
	for (size_t i = 0; i < st.name_len; i++)
		s->name[i] = rm_upper(st.name[i]);
	s->name[st.name_len] = '\0';
	s->next = db->schemes;
	db->schemes = s;
	return s->name;
}

/* Lines logged one by one; past that only the count at the end. */
#define PASSWD_INVALID_LOGGED_MAX 100u

static void passwd_invalid(struct passwd_db *db, unsigned lineno, const char *reason)
{
	char q[256], why[128];
	if (++db->invalid > PASSWD_INVALID_LOGGED_MAX)
		return;
	rm_log(RM_LOG_WARN, "passwd_line_invalid", "path=%s line=%u reason=%s",
	       rm_log_quote(q, sizeof(q), db->path, strlen(db->path)), lineno,
	       rm_log_quote(why, sizeof(why), reason, strlen(reason)));
}

const char *passwd_login_check(const char *s, size_t n)
{
	if (n == 0)
		return "empty login";
	if (n > RM_AUTH_LOGIN_MAX_BYTES)
		return "login too long";
	if (s[0] == '#')
		return "login starts with '#' (a comment)";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == ':')
			return "blank, control byte or ':' in login";
	return NULL;
}

/* Cuts line (NUL-terminated, no line end) into fields in place:
 * user, password, uid, gid, gecos, home, shell, then the rest. */
static unsigned passwd_split(char *line, char *f[8])
{
	unsigned n = 0;
	f[n++] = line;
	for (char *p = line; n < 8 && (p = strchr(p, ':')); ) {
		*p++ = '\0';
		f[n++] = p;
	}
	return n;
}

/* Parses one line into the db; returns why it is invalid, or NULL. */
static const char *passwd_parse_line(struct passwd_db *db, char *line, size_t len, unsigned lineno)
{
	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	size_t lead = strspn(line, " \t");
	if (lead == len || line[lead] == '#')
		return NULL;
	if (len > RM_PASSWD_LINE_MAX_BYTES)
		return "line too long";
	if (strlen(line) != len)
		return "NUL byte";
	char *f[8];
	unsigned nf = passwd_split(line, f);
	if (nf < 2)
		return "no password field";
	const char *why = passwd_login_check(f[0], strlen(f[0]));
	if (why)
		return why;
	struct passwd_entry e = {
		.login = f[0], .login_len = strlen(f[0]), .password = f[1],
		.home = nf > 5 ? f[5] : "", .extra = nf > 7 ? f[7] : "", .line = lineno,
	};
	e.scheme = passwd_scheme_intern(db, e.password);
	RM_ASSERT(passwd_hash_login(e.login, e.login_len, &e.login_hash));
	passwd_quota_parse(e.extra, lineno, &e.quota_storage_bytes, &e.quota_messages);
	const struct passwd_entry *first = passwd_insert(db, &e);
	if (first) {
		char q[RM_AUTH_LOGIN_MAX_BYTES + 8];
		db->duplicates++;
		rm_log(RM_LOG_WARN, "passwd_duplicate_user", "line=%u first_line=%u login=%s",
		       lineno, first->line, rm_log_quote(q, sizeof(q), e.login, e.login_len));
	}	return NULL;
}

static enum rm_err passwd_read_error(const char *event, const char *path, int e)
{
	char q[256];
	rm_log(RM_LOG_ERROR, event, "path=%s errno=%d",
	       rm_log_quote(q, sizeof(q), path, strlen(path)), e);
	return RM_ERR_IO;
}

enum rm_err passwd_read(const char *path, char **text_r, size_t *len_r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (e == ENOENT)
			return RM_ERR_NOTFOUND;
		return passwd_read_error("passwd_open_failed", path, e);
	}
	if ((uint64_t)st.st_size > RM_PASSWD_FILE_MAX_BYTES) {
		close(fd);
		rm_log(RM_LOG_ERROR, "passwd_too_large", "bytes=%lld", (long long)st.st_size);
		return RM_ERR_LIMIT;
	}
	size_t cap = (size_t)st.st_size, len = 0;
	char *text = rm_malloc(cap + 1);
	for (;;) {
		ssize_t n = read(fd, text + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			passwd_read_error("passwd_read_failed", path, errno);
			close(fd);
			free(text);
			return RM_ERR_IO;
		}
		if (n == 0 || (len += (size_t)n) == cap)
			break; /* a file that grows while read is cut at its fstat size */
	}
	close(fd);
	text[len] = '\0';
	*text_r = text;
	*len_r = len;
	return RM_OK;
}

enum rm_err passwd_load(const char *path, struct passwd_db **r)
{
	*r = NULL;
	struct passwd_db *db = rm_calloc(1, sizeof(*db));
	size_t len;
	enum rm_err err = passwd_read(path, &db->text, &len);
	if (err == RM_ERR_NOTFOUND)
		passwd_read_error("passwd_open_failed", path, ENOENT);
	if (err != RM_OK) {
		free(db);
		err = err == RM_ERR_NOTFOUND ? RM_ERR_IO : err;
		return err;
	}
	db->path = path;
	unsigned lineno = 0;
	for (char *p = db->text, *end = db->text + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *stop = nl ? nl : end;
		*stop = '\0';
		const char *why = passwd_parse_line(db, p, (size_t)(stop - p), ++lineno);
		if (why)
			passwd_invalid(db, lineno, why);
		p = stop + 1;
	}
	char q[256];
	rm_log(RM_LOG_INFO, "passwd_loaded", "path=%s users=%zu invalid=%u duplicates=%u",
	       rm_log_quote(q, sizeof(q), path, strlen(path)), db->count, db->invalid,
	       db->duplicates);
	db->path = NULL;
	atomic_init(&db->refs, 1);
	db->generation = atomic_fetch_add(&passwd_generations, 1) + 1;
	*r = db;
	return RM_OK;
}
