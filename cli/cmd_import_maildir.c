/*
 * Reading a Maildir++ tree as Dovecot writes it: INBOX is the root
 * (cur/, new/), folders are ".Name" directories with '.' between levels
 * and names in modified UTF-7.  Per folder: flags are the letters after
 * ":2," in a file name (D draft, F flagged, R replied, S seen, T trashed;
 * 'a'..'z' are keywords named by the folder's dovecot-keywords file), the
 * internal date is the file's mtime (Dovecot keeps INTERNALDATE there),
 * and dovecot-uidlist gives the UID order, which the import keeps.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/import.h"
#include "common/limits.h"
#include "common/util.h"
#include "server/imap/mailbox_name.h"
#include "storage/store_types.h"

struct md_file {
	char *path;
	char *base;        /* name before ":2," */
	uint32_t uid;      /* from dovecot-uidlist; UINT32_MAX when absent */
	int64_t mtime;
};

struct md_folder {
	char *dir;
	char name[RM_MAILBOX_NAME_MAX_BYTES + 1];   /* internal form */
	char *keywords[IMPORT_KEYWORDS_MAX];
	struct md_file *files;
	size_t nfiles, cap;
};

/* dir "/" name into out; false when it does not fit. */
static bool join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);
	return n > 0 && (size_t)n < cap;
}

static void folder_free(struct md_folder *f)
{
	for (size_t i = 0; i < f->nfiles; i++) {
		free(f->files[i].path);
		free(f->files[i].base);
	}
	for (unsigned k = 0; k < IMPORT_KEYWORDS_MAX; k++)
		free(f->keywords[k]);
	free(f->files);
	free(f->dir);
}

/* "N name" lines: keyword N is file-name letter 'a' + N. */
static void read_keywords(struct md_folder *f)
{
	char path[4096], line[512];
	FILE *fp = join(path, sizeof(path), f->dir, "dovecot-keywords") ? fopen(path, "r") : NULL;
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		char *end;
		long n = strtol(line, &end, 10);
		if (end == line || *end != ' ' || n < 0 || n >= IMPORT_KEYWORDS_MAX)
			continue;
		end[1 + strcspn(end + 1, "\r\n")] = '\0';
		free(f->keywords[n]);
		f->keywords[n] = rm_strdup(end + 1);
	}
	fclose(fp);
}

static void add_files(struct md_folder *f, const char *sub)
{
	char dir[4096];
	DIR *d = join(dir, sizeof(dir), f->dir, sub) ? opendir(dir) : NULL;
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		struct stat st;
		if (!join(path, sizeof(path), dir, e->d_name) || stat(path, &st) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (f->nfiles == f->cap) {
			f->cap = f->cap ? f->cap * 2 : 64;
			f->files = rm_realloc(f->files, f->cap * sizeof(*f->files));
		}
		struct md_file *m = &f->files[f->nfiles++];
		m->path = rm_strdup(path);
		m->base = rm_strndup(e->d_name, strcspn(e->d_name, ":"));
		m->uid = UINT32_MAX;
		m->mtime = (int64_t)st.st_mtime;
	}
	closedir(d);
}

static int base_cmp(const void *a, const void *b)
{
	return strcmp(((const struct md_file *)a)->base, ((const struct md_file *)b)->base);
}

static int uid_cmp(const void *a, const void *b)
{
	const struct md_file *x = a, *y = b;
	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return strcmp(x->base, y->base);
}

/* dovecot-uidlist: a header line, then "<uid> [fields] :<file name>". */
static void read_uidlist(struct md_folder *f)
{
	char path[4096];
	FILE *fp = join(path, sizeof(path), f->dir, "dovecot-uidlist") ? fopen(path, "r") : NULL;
	qsort(f->files, f->nfiles, sizeof(*f->files), base_cmp);
	if (fp) {
		char *line = NULL;
		size_t cap = 0;
		bool header = true;
		while (getline(&line, &cap, fp) > 0) {
			if (header) {
				header = false;
				continue;
			}
			char *colon = strstr(line, " :");
			unsigned long uid = strtoul(line, NULL, 10);
			if (!colon || !uid)
				continue;
			char *name = colon + 2;
			name[strcspn(name, ":\r\n")] = '\0';
			struct md_file key = { .base = name };
			struct md_file *m = bsearch(&key, f->files, f->nfiles, sizeof(*f->files), base_cmp);
			if (m)
				m->uid = (uint32_t)uid;
		}
		free(line);
		fclose(fp);
	}
	qsort(f->files, f->nfiles, sizeof(*f->files), uid_cmp);
}

/* ".a.b" -> "a/b", modified UTF-7 decoded; "" (the root) -> INBOX. */
static bool folder_name(const char *dirname, char *out, size_t cap)
{
	if (!dirname[0]) {
		snprintf(out, cap, "INBOX");
		return true;
	}
	char tmp[RM_MAILBOX_NAME_MAX_BYTES * 2];
	snprintf(tmp, sizeof(tmp), "%s", dirname + 1);
	for (char *p = tmp; *p; p++)
		if (*p == '.')
			*p = MBOX_DELIM;
	struct rm_buf b = { 0 };
	const char *why;
	bool ok = mbox_name_from_client(tmp, strlen(tmp), false, &b, &why) == RM_OK && b.len < cap;
	if (ok)
		snprintf(out, cap, "%.*s", (int)b.len, b.data);
	rm_buf_free(&b);
	return ok;
}

static bool folder_load(struct md_folder *f, const char *root, const char *dirname)
{
	memset(f, 0, sizeof(*f));
	if (!folder_name(dirname, f->name, sizeof(f->name)))
		return false;
	size_t n = strlen(root) + strlen(dirname) + 2;
	f->dir = rm_malloc(n);
	snprintf(f->dir, n, "%s%s%s", root, dirname[0] ? "/" : "", dirname);
	read_keywords(f);
	add_files(f, "cur");
	add_files(f, "new");
	read_uidlist(f);
	return true;
}

/* Flags after ":2," of a file in cur/; new/ files have none. */
static void file_flags(const struct md_folder *f, const struct md_file *m, struct import_msg *im)
{
	const char *info = strstr(m->path + strlen(f->dir), ":2,");
	for (const char *p = info ? info + 3 : ""; *p; p++) {
		switch (*p) {
		case 'D': im->flags |= STORE_F_DRAFT; break;
		case 'F': im->flags |= STORE_F_FLAGGED; break;
		case 'R': im->flags |= STORE_F_ANSWERED; break;
		case 'S': im->flags |= STORE_F_SEEN; break;
		case 'T': im->flags |= STORE_F_DELETED; break;
		default:
			if (*p >= 'a' && *p <= 'z' && f->keywords[*p - 'a'] && im->nkeywords < IMPORT_KEYWORDS_MAX)
				im->keywords[im->nkeywords++] = f->keywords[*p - 'a'];
		}
	}
}

static void import_folder(struct import_sink *s, const struct md_folder *f)
{
	if (import_mailbox(s, f->name) != RM_OK) {
		s->failed += f->nfiles;
		return;
	}
	struct rm_buf data = { 0 };
	for (size_t i = 0; i < f->nfiles; i++) {
		const struct md_file *m = &f->files[i];
		if (!import_read_file(m->path, &data))
			fprintf(stderr, "ringmail: cannot read %s\n", m->path);
		struct import_msg im = { .internal_date_s = m->mtime, .data = data.data, .len = data.len };
		file_flags(f, m, &im);
		import_message(s, f->name, &im);
	}
	rm_buf_free(&data);
}

/* The root and every ".name" directory with a cur/ inside. */
static size_t list_folders(const char *root, char ***names_r)
{
	char **names = rm_malloc(sizeof(*names));
	size_t n = 0;
	names[n++] = rm_strdup("");
	DIR *d = opendir(root);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char sub[4096], cur[4096];
		struct stat st;
		if (e->d_name[0] != '.' || !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !join(sub, sizeof(sub), root, e->d_name) || !join(cur, sizeof(cur), sub, "cur") ||
		    stat(cur, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		names = rm_realloc(names, (n + 1) * sizeof(*names));
		names[n++] = rm_strdup(e->d_name);
	}
	if (d)
		closedir(d);
	*names_r = names;
	return n;
}

/* Dovecot's subscriptions file: "V\t2", an empty line, then a name a line
 * with TAB between hierarchy levels; the older format has one name a line
 * with the Maildir++ '.' between levels.  Names are modified UTF-7.
 * Returns false when there is no file. */
static bool import_subscriptions(struct import_sink *s, const char *dir)
{
	char path[4096];
	struct rm_buf data = { 0 };
	if (!join(path, sizeof(path), dir, "subscriptions") || !import_read_file(path, &data)) {
		rm_buf_free(&data);
		return false;
	}
	char *p = rm_buf_cstr(&data);
	bool v2 = !strncmp(p, "V\t", 2);
	if (v2) {
		char *body = strstr(p, "\n\n");
		p = body ? body + 2 : p + strlen(p);
	}
	while (*p) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len && p[len - 1] == '\r')
			len--;
		char raw[RM_MAILBOX_NAME_MAX_BYTES * 2];
		if (len && len < sizeof(raw)) {
			memcpy(raw, p, len);
			raw[len] = '\0';
			for (char *q = raw; *q; q++)
				if (*q == (v2 ? '\t' : '.'))
					*q = MBOX_DELIM;
			struct rm_buf name = { 0 };
			const char *why;
			if (mbox_name_from_client(raw, len, false, &name, &why) == RM_OK)
				import_subscribe(s, rm_buf_cstr(&name));
			else
				fprintf(stderr, "ringmail: subscription %s skipped: %s\n", raw, why);
			rm_buf_free(&name);
		}
		p = nl ? nl + 1 : p + strlen(p);
	}
	rm_buf_free(&data);
	return true;
}

int import_maildir(struct import_sink *s, struct admin *a, const char *login, const char *dir)
{
	char **names;
	size_t n = list_folders(dir, &names);
	struct md_folder *fs = rm_calloc(n, sizeof(*fs));
	uint64_t total = 0;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (!folder_load(&fs[i], dir, names[i])) {
			rc = cli_fail("%s/%s: folder name is not valid modified UTF-7", dir, names[i]);
			continue;
		}
		total += fs[i].nfiles;
	}
	if (import_begin(s, a, login, total) == RM_OK) {
		for (size_t i = 0; i < n; i++)
			if (fs[i].dir)
				import_folder(s, &fs[i]);
		/* Without Dovecot's list, every imported folder is subscribed:
		 * clients that show subscribed folders only must see them. */
		if (!import_subscriptions(s, dir))
			for (size_t i = 0; i < n; i++)
				if (fs[i].dir)
					import_subscribe(s, fs[i].name);
		rc = import_end(s) || rc;
	} else {
		rc = 1;
	}
	for (size_t i = 0; i < n; i++) {
		folder_free(&fs[i]);
		free(names[i]);
	}
	free(fs);
	free(names);
	return rc;
}
