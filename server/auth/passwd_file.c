#include "server/auth/passwd_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "server/auth/passwd.h"

/* True when line (len bytes, no '\n') is a user line for login. */
static bool passwd_file_line_is(const char *line, size_t len, const char *login, size_t llen)
{
	return len > llen && line[llen] == ':' && rm_strncasecmp_ascii(line, login, llen) == 0;
}

/* Copies line with its password field replaced by stored. */
static void passwd_file_replace(struct rm_buf *out, const char *line, size_t len,
				size_t llen, const char *stored)
{
	const char *pw = line + llen + 1, *end = line + len;
	const char *colon = memchr(pw, ':', (size_t)(end - pw));
	const char *rest = colon ? colon : end;
	if (!colon && rest > pw && rest[-1] == '\r')
		rest--; /* keep a CRLF line end */
	rm_buf_append(out, line, llen + 1);
	rm_buf_puts(out, stored);
	rm_buf_append(out, rest, (size_t)(end - rest));
}

/* Builds the new content: set (stored != NULL) or remove (NULL).  Returns
 * the number of matching lines. */
static unsigned passwd_file_edit(const char *text, size_t len, const char *login,
				 const char *stored, struct rm_buf *out)
{
	size_t llen = strlen(login);
	unsigned found = 0;
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		size_t full = nl ? n + 1 : n;
		if (!passwd_file_line_is(p, n, login, llen)) {
			rm_buf_append(out, p, full);
		} else if (stored && found++ == 0) {
			passwd_file_replace(out, p, n, llen, stored);
			if (nl)
				rm_buf_putc(out, '\n');
		} else if (stored) {
			rm_buf_append(out, p, full); /* later duplicates stay (ignored at load) */
		} else {
			found++;
		}
		p += full;
	}
	if (stored && !found) {
		if (out->len && out->data[out->len - 1] != '\n')
			rm_buf_putc(out, '\n');
		rm_buf_printf(out, "%s:%s\n", login, stored);
	}
	return found;
}

static enum rm_err passwd_file_errno(const char *event, int e)
{
	rm_log(RM_LOG_ERROR, event, "errno=%d", e);
	return RM_ERR_IO;
}

static int passwd_file_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes data to a temporary file beside path and renames it over path. */
static enum rm_err passwd_file_replace_atomic(const char *path, const char *data, size_t len,
					      mode_t mode)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return RM_ERR_INVAL;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return passwd_file_errno("passwd_tmp_open_failed", errno);
	if (fchmod(fd, mode) < 0 || passwd_file_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return passwd_file_errno("passwd_tmp_write_failed", e);
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return passwd_file_errno("passwd_rename_failed", e);
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		int e = errno;
		if (dfd >= 0)
			close(dfd);
		return passwd_file_errno("passwd_dir_fsync_failed", e);
	}
	close(dfd);
	return RM_OK;
}

/* Serializes editors of one file; returns the lock fd or -1. */
static int passwd_file_lock(const char *path)
{
	char lock[4096];
	if (snprintf(lock, sizeof(lock), "%s.lock", path) >= (int)sizeof(lock))
		return -1;
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static enum rm_err passwd_file_update(const char *path, const char *login, const char *stored)
{
	int lock = passwd_file_lock(path);
	if (lock < 0)
		return passwd_file_errno("passwd_lock_failed", errno);
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	mode_t mode = stat(path, &st) == 0 ? st.st_mode & 07777 : 0600;
	enum rm_err err = passwd_read(path, &text, &len);
	if (err == RM_ERR_NOTFOUND && stored)
		err = RM_OK; /* set on a missing file creates it */
	struct rm_buf out = {0};
	if (err == RM_OK) {
		unsigned found = passwd_file_edit(text ? text : "", len, login, stored, &out);
		if (!stored && !found)
			err = RM_ERR_NOTFOUND;
		else
			err = passwd_file_replace_atomic(path, out.data ? out.data : "", out.len, mode);
	}
	rm_buf_free(&out);
	free(text);
	close(lock);
	return err;
}

enum rm_err passwd_file_set(const char *path, const char *login, const char *stored)
{
	if (passwd_login_check(login, strlen(login)) || strpbrk(stored, ":\r\n"))
		return RM_ERR_INVAL;
	return passwd_file_update(path, login, stored);
}

enum rm_err passwd_file_remove(const char *path, const char *login)
{
	if (passwd_login_check(login, strlen(login)))
		return RM_ERR_INVAL;
	return passwd_file_update(path, login, NULL);
}
