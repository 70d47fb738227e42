/*
 * Unit tests for server/auth/passwd, passwd_quota and passwd_file: parsing
 * (comments, blank lines, missing and extra fields, quota rules, duplicates,
 * CRLF, long lines, NUL bytes), the warnings' line numbers, lookups,
 * reference counting, a 100,000-user file (load time printed), and the
 * atomic set/remove edits.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/util.h"
#include "server/auth/passwd.h"
#include "server/auth/passwd_file.h"
#include "server/auth/passwd_quota.h"
#include "server/auth/pwscheme.h"

static int failures;

#define CHECK(cond) \
	do { if (!(cond)) { fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

static char dir[] = "/tmp/test_auth_passwd.XXXXXX";

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	RM_ASSERT(f != NULL);
	RM_ASSERT(fwrite(data, 1, len, f) == len);
	fclose(f);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	RM_ASSERT(f != NULL);
	struct rm_buf b = {0};
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rm_buf_append(&b, chunk, n);
	fclose(f);
	return rm_buf_cstr(&b);
}

/* Loads path with stderr captured into *log_r (malloc'd). */
static struct passwd_db *load_capture(const char *path, char **log_r)
{
	char logpath[256];
	snprintf(logpath, sizeof(logpath), "%s/stderr.log", dir);
	fflush(stderr);
	int saved = dup(2);
	int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	RM_ASSERT(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	struct passwd_db *db = NULL;
	enum rm_err err = passwd_load(path, &db);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	CHECK(err == RM_OK);
	*log_r = read_file(logpath);
	return db;
}

static const struct passwd_entry *get(struct passwd_db *db, const char *login)
{
	return passwd_lookup(db, login, strlen(login));
}

static void test_parse(void)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/passwd", dir);
	struct rm_buf f = {0};
	rm_buf_puts(&f,
		"# comment line\n"                                           /* 1 */
		"\n"                                                          /* 2 */
		"   \t \n"                                                    /* 3 */
		"alice:{PLAIN}secret\n"                                       /* 4 */
		"Bob:{sha512-crypt}$6$x$y:1000:1000:Bob B:/home/bob:/bin/sh:userdb_quota_rule=*:storage=1G userdb_quota_rule2=*:messages=1000\r\n" /* 5 */
		"nocolon\n"                                                   /* 6 */
		"bob:{PLAIN}second\n"                                         /* 7: duplicate */
		"carol:$2y$05$abc\n"                                          /* 8: no prefix */
		"dave:\n"                                                     /* 9: no password */
		":{PLAIN}x\n"                                                 /* 10: empty login */
		"sp ace:{PLAIN}x\n"                                           /* 11 */
		"  # indented comment\n"                                      /* 12 */
		"erin:{PLAIN}x::::::quota_rule=*:storage=100 quota_rule=*:bytes=5000\n" /* 13 */
		"frank:{PLAIN}x::::::userdb_quota_rule=*:storage=2M:messages=7 mail=maildir:~/Mail\n" /* 14 */
		"gina:{PLAIN}x::::::userdb_quota_rule=Trash:storage=+100M\n"  /* 15: ignored */
		"hank:{PLAIN}x::::::userdb_quota_rule=*:storage=10%\n"        /* 16: ignored */
		"ivan:{PLAIN}x::::::userdb_quota_rule=*:storage=99999999999999999999T\n" /* 17 */
		"judy:{PLAIN}x::::::userdb_quota_rule=*:storage=3GB\n"        /* 18 */
		"ctl\x01:{PLAIN}x\n");                                        /* 19 */
	rm_buf_append(&f, "nul\0:{PLAIN}x\n", 14);                         /* 20 */
	rm_buf_puts(&f, "long:{PLAIN}");                                   /* 21 */
	for (unsigned i = 0; i < RM_PASSWD_LINE_MAX_BYTES; i++)
		rm_buf_putc(&f, 'x');
	rm_buf_putc(&f, '\n');
	for (unsigned i = 0; i < RM_AUTH_LOGIN_MAX_BYTES + 1; i++)          /* 22 */
		rm_buf_putc(&f, 'L');
	rm_buf_puts(&f, ":{PLAIN}x\n");
	for (unsigned i = 0; i < RM_AUTH_LOGIN_MAX_BYTES; i++)              /* 23 */
		rm_buf_putc(&f, 'M');
	rm_buf_puts(&f, ":{PLAIN}x\n");
	rm_buf_puts(&f, "last:{PLAIN}no newline");                         /* 24 */
	write_file(path, f.data, f.len);
	char *log;
	struct passwd_db *db = load_capture(path, &log);

	CHECK(passwd_db_count(db) == 12);
	CHECK(passwd_db_invalid_lines(db) == 7);
	CHECK(passwd_db_duplicate_lines(db) == 1);
	static const char *const warnings[] = {
		"line=6 reason=\"no password field\"", "line=10 reason=\"empty login\"",
		"line=11 reason=\"blank", "line=19 reason=\"blank", "line=20 reason=\"NUL byte\"",
		"line=21 reason=\"line too long\"", "line=22 reason=\"login too long\"",
		"event=passwd_duplicate_user line=7 first_line=5 login=\"bob\"",
		"event=passwd_quota_ignored line=15", "event=passwd_quota_ignored line=16",
		"event=passwd_quota_ignored line=17", "users=12 invalid=7 duplicates=1",
	};
	for (size_t i = 0; i < RM_ARRAY_LEN(warnings); i++) {
		if (!strstr(log, warnings[i]))
			fprintf(stderr, "missing warning: %s\nlog:\n%s", warnings[i], log);
		CHECK(strstr(log, warnings[i]) != NULL);
	}
	CHECK(strstr(log, "secret") == NULL && strstr(log, "second") == NULL); /* no passwords */
	free(log);

	const struct passwd_entry *e = get(db, "ALICE");
	CHECK(e && strcmp(e->login, "alice") == 0 && strcmp(e->password, "{PLAIN}secret") == 0);
	CHECK(e && strcmp(e->scheme, "PLAIN") == 0 && e->line == 4 && e->quota_storage_bytes == 0);
	e = get(db, "bob");
	CHECK(e && strcmp(e->login, "Bob") == 0 && strcmp(e->password, "{sha512-crypt}$6$x$y") == 0);
	CHECK(e && strcmp(e->scheme, "SHA512-CRYPT") == 0 && strcmp(e->home, "/home/bob") == 0);
	CHECK(e && e->quota_storage_bytes == (1ull << 30) && e->quota_messages == 1000);
	CHECK(e && strcmp(e->extra, "userdb_quota_rule=*:storage=1G userdb_quota_rule2=*:messages=1000") == 0);
	e = get(db, "carol");
	CHECK(e && strcmp(e->scheme, "CRYPT") == 0 && strcmp(e->password, "$2y$05$abc") == 0);
	e = get(db, "dave");
	CHECK(e && strcmp(e->password, "") == 0 && pwscheme_verify(e->password, "", 0) == PWSCHEME_MISMATCH);
	e = get(db, "erin");
	CHECK(e && e->quota_storage_bytes == 5000); /* later rule wins; storage=100 was 102400 */
	e = get(db, "frank");
	CHECK(e && e->quota_storage_bytes == 2u << 20 && e->quota_messages == 7);
	CHECK(get(db, "gina") && get(db, "gina")->quota_storage_bytes == 0);
	CHECK(get(db, "hank") && get(db, "hank")->quota_storage_bytes == 0);
	CHECK(get(db, "ivan") && get(db, "ivan")->quota_storage_bytes == 0);
	CHECK(get(db, "judy") && get(db, "judy")->quota_storage_bytes == 3ull << 30);
	CHECK(get(db, "last") && strcmp(get(db, "last")->password, "{PLAIN}no newline") == 0);
	char m[RM_AUTH_LOGIN_MAX_BYTES + 2];
	memset(m, 'm', sizeof(m));
	CHECK(passwd_lookup(db, m, RM_AUTH_LOGIN_MAX_BYTES) != NULL);
	CHECK(passwd_lookup(db, m, RM_AUTH_LOGIN_MAX_BYTES + 1) == NULL);
	CHECK(get(db, "nocolon") == NULL && get(db, "long") == NULL && get(db, "") == NULL);
	CHECK(get(db, "alic") == NULL && get(db, "alicex") == NULL);
	CHECK(passwd_lookup(db, "alice:", 5) != NULL);
	CHECK(strcmp(passwd_db_entry(db, 0)->login, "alice") == 0);
	CHECK(strcmp(passwd_db_entry(db, 11)->login, "last") == 0);

	/* References: a second holder keeps the db alive; reload is a new
	 * generation. */
	struct passwd_db *held = passwd_db_ref(db), *db2 = NULL;
	uint64_t gen = passwd_db_generation(db);
	passwd_db_unref(&db);
	CHECK(db == NULL && get(held, "alice") != NULL);
	CHECK(passwd_load(path, &db2) == RM_OK && passwd_db_generation(db2) > gen);
	passwd_db_unref(&held);
	passwd_db_unref(&db2);
	passwd_db_unref(&db2); /* NULL is fine */
	CHECK(passwd_load("/nonexistent/passwd", &db2) == RM_ERR_IO && db2 == NULL);
	rm_buf_free(&f);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_large(void)
{
	enum { USERS = 100000 };
	char path[256];
	snprintf(path, sizeof(path), "%s/passwd.large", dir);
	struct rm_buf f = {0};
	for (unsigned i = 0; i < USERS; i++)
		rm_buf_printf(&f, "user%06u@example.com:{SHA512-CRYPT}$6$salt%u$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.abcdef::::::userdb_quota_rule=*:storage=%uM\n",
			      i, i, i % 5000);
	write_file(path, f.data, f.len);
	double t0 = now_ms();
	struct passwd_db *db = NULL;
	CHECK(passwd_load(path, &db) == RM_OK);
	double t1 = now_ms();
	CHECK(db && passwd_db_count(db) == USERS && passwd_db_invalid_lines(db) == 0);
	unsigned found = 0;
	for (unsigned i = 0; i < USERS; i++) {
		char login[64];
		int n = snprintf(login, sizeof(login), "USER%06u@EXAMPLE.COM", i);
		const struct passwd_entry *e = passwd_lookup(db, login, (size_t)n);
		found += e && e->line == i + 1 && e->quota_storage_bytes == (uint64_t)(i % 5000) << 20;
	}
	double t2 = now_ms();
	CHECK(found == USERS);
	CHECK(passwd_lookup(db, "user100000@example.com", 22) == NULL);
	printf("passwd-file of %d users (%zu KiB): load %.1f ms, %d lookups %.1f ms (%.0f ns each)\n",
	       USERS, f.len / 1024, t1 - t0, USERS, t2 - t1, (t2 - t1) * 1e6 / USERS);
	CHECK(t1 - t0 < 5000); /* "reasonable": seconds would mean a quadratic bug */
	passwd_db_unref(&db);
	rm_buf_free(&f);
}

static unsigned count_dir_entries(void)
{
	DIR *d = opendir(dir);
	unsigned n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_file_edit(void)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/edit", dir);
	const char *orig =
		"# users\n"
		"alice:{PLAIN}old:1:2:Alice:/home/a:/bin/sh:userdb_quota_rule=*:storage=1G\n"
		"\n"
		"Bob:{PLAIN}b\r\n"
		"carol:{PLAIN}c\n"
		"BOB:{PLAIN}dup\n"
		"dave:{PLAIN}d";
	write_file(path, orig, strlen(orig));
	chmod(path, 0640);
	unsigned entries = count_dir_entries();

	CHECK(passwd_file_set(path, "ALICE", "{PLAIN}new") == RM_OK);
	CHECK(passwd_file_set(path, "bob", "{PLAIN}bnew") == RM_OK);
	CHECK(passwd_file_set(path, "erin", "{PLAIN}e") == RM_OK);
	char *got = read_file(path);
	const char *want1 =
		"# users\n"
		"alice:{PLAIN}new:1:2:Alice:/home/a:/bin/sh:userdb_quota_rule=*:storage=1G\n"
		"\n"
		"Bob:{PLAIN}bnew\r\n"
		"carol:{PLAIN}c\n"
		"BOB:{PLAIN}dup\n"
		"dave:{PLAIN}d\n"
		"erin:{PLAIN}e\n";
	if (strcmp(got, want1) != 0)
		fprintf(stderr, "after set:\n%s", got ? got : "");
	CHECK(strcmp(got, want1) == 0);
	free(got);
	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);

	CHECK(passwd_file_remove(path, "bob") == RM_OK);
	CHECK(passwd_file_remove(path, "bob") == RM_ERR_NOTFOUND);
	CHECK(passwd_file_remove(path, "alic") == RM_ERR_NOTFOUND);
	got = read_file(path);
	const char *want2 =
		"# users\n"
		"alice:{PLAIN}new:1:2:Alice:/home/a:/bin/sh:userdb_quota_rule=*:storage=1G\n"
		"\n"
		"carol:{PLAIN}c\n"
		"dave:{PLAIN}d\n"
		"erin:{PLAIN}e\n";
	CHECK(strcmp(got, want2) == 0);
	free(got);

	/* Refusals change nothing. */
	CHECK(passwd_file_set(path, "bad:login", "{PLAIN}x") == RM_ERR_INVAL);
	CHECK(passwd_file_set(path, "", "{PLAIN}x") == RM_ERR_INVAL);
	CHECK(passwd_file_set(path, "#x", "{PLAIN}x") == RM_ERR_INVAL);
	CHECK(passwd_file_set(path, "x", "{PLAIN}a:b") == RM_ERR_INVAL);
	CHECK(passwd_file_set(path, "x", "{PLAIN}a\nb") == RM_ERR_INVAL);
	CHECK(passwd_file_remove(path, "a b") == RM_ERR_INVAL);
	got = read_file(path);
	CHECK(strcmp(got, want2) == 0);
	free(got);

	/* The edited file loads and verifies. */
	struct rm_buf h = {0};
	RM_ASSERT(pwscheme_make("SHA512-CRYPT", "pw2", 3, &h) == RM_OK);
	CHECK(passwd_file_set(path, "carol", rm_buf_cstr(&h)) == RM_OK);
	struct passwd_db *db = NULL;
	CHECK(passwd_load(path, &db) == RM_OK && passwd_db_count(db) == 4);
	const struct passwd_entry *e = passwd_lookup(db, "carol", 5);
	CHECK(e && pwscheme_verify(e->password, "pw2", 3) == PWSCHEME_MATCH);
	CHECK(e && strcmp(e->scheme, "SHA512-CRYPT") == 0);
	passwd_db_unref(&db);
	rm_buf_free(&h);

	/* A missing file: set creates it (0600), remove says not found. */
	char fresh[256];
	snprintf(fresh, sizeof(fresh), "%s/fresh", dir);
	CHECK(passwd_file_remove(fresh, "x") == RM_ERR_NOTFOUND);
	CHECK(passwd_file_set(fresh, "x", "{PLAIN}y") == RM_OK);
	got = read_file(fresh);
	CHECK(strcmp(got, "x:{PLAIN}y\n") == 0);
	free(got);
	CHECK(stat(fresh, &st) == 0 && (st.st_mode & 07777) == 0600);
	/* No temporary files left: only "fresh" and the two lock files are new. */
	CHECK(count_dir_entries() == entries + 3);
	unlink(fresh);
}

static void test_quota_units(void)
{
	static const struct { const char *extra; uint64_t storage, messages; } cases[] = {
		{ "", 0, 0 },
		{ "userdb_quota_rule=*:storage=0", 0, 0 },
		{ "userdb_quota_rule=*:storage=1", 1024, 0 },
		{ "userdb_quota_rule=*:storage=1B", 1, 0 },
		{ "userdb_quota_rule=*:storage=1k", 1024, 0 },
		{ "userdb_quota_rule=*:storage=1T", 1ull << 40, 0 },
		{ "userdb_quota_rule=*:storage=1TB", 1ull << 40, 0 },
		{ "userdb_quota_rule=*:storage=1BB", 0, 0 },
		{ "userdb_quota_rule=*:storage=1X", 0, 0 },
		{ "userdb_quota_rule=*:storage=", 0, 0 },
		{ "userdb_quota_rule=*:storage=16777216T", 0, 0 },   /* 2^64: overflow */
		{ "userdb_quota_rule=*:storage=16777215T", 16777215ull << 40, 0 },
		{ "userdb_quota_rule=*:messages=12 x=y", 0, 12 },
		{ "userdb_quota_rule=*:ignore", 0, 0 },
		{ "userdb_quota_rulex=*:storage=1G quota_rule9=*:messages=3", 0, 3 },
		{ "other=*:storage=1G\tuserdb_quota_rule=*:storage=1M:messages=2", 1u << 20, 2 },
		{ "userdb_quota_rule=*:storage=1M:bogus=2", 0, 0 },
	};
	for (size_t i = 0; i < RM_ARRAY_LEN(cases); i++) {
		uint64_t s = 99, m = 99;
		passwd_quota_parse(cases[i].extra, 1, &s, &m);
		if (s != cases[i].storage || m != cases[i].messages)
			fprintf(stderr, "quota \"%s\": %llu %llu\n", cases[i].extra,
				(unsigned long long)s, (unsigned long long)m);
		CHECK(s == cases[i].storage && m == cases[i].messages);
	}
}

int main(void)
{
	RM_ASSERT(mkdtemp(dir) != NULL);
	test_parse();
	test_quota_units();
	test_file_edit();
	test_large();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	if (failures) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	printf("passwd: all passed\n");
	return 0;
}
