#include "storage/log_segment.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

void log_seg_header_encode(const struct log_seg_header *h, uint8_t *out)
{
	memset(out, 0, LOG_SEG_HEADER_BYTES);
	memcpy(out, LOG_SEG_MAGIC, 8);
	rm_le32_put(out + 8, LOG_VERSION);
	rm_le32_put(out + 12, h->seg_no);
	rm_le32_put(out + 16, h->generation);
	rm_le32_put(out + 20, h->partition);
	rm_le64_put(out + 24, h->base_lsn);
	rm_le64_put(out + 56, rm_hash64(out, 56));
}

enum rm_err log_seg_header_decode(const uint8_t *in, struct log_seg_header *h)
{
	if (memcmp(in, LOG_SEG_MAGIC, 8) != 0 || rm_le32_get(in + 8) != LOG_VERSION)
		return RM_ERR_CORRUPT;
	if (rm_hash64(in, 56) != rm_le64_get(in + 56))
		return RM_ERR_CORRUPT;
	h->seg_no = rm_le32_get(in + 12);
	h->generation = rm_le32_get(in + 16);
	h->partition = rm_le32_get(in + 20);
	h->base_lsn = rm_le64_get(in + 24);
	return RM_OK;
}

void log_seg_path(char *out, size_t cap, const char *logdir, uint32_t seg_no, bool tmp)
{
	int n = snprintf(out, cap, "%s/%08x.seg%s", logdir, seg_no, tmp ? ".tmp" : "");
	RM_ASSERT(n > 0 && (size_t)n < cap);
}

/* 1 for "SSSSSSSS.seg", 2 for "SSSSSSSS.seg.tmp", 0 otherwise. */
static int seg_name_parse(const char *name, uint32_t *seg_r)
{
	if (strlen(name) < 12 || memcmp(name + 8, ".seg", 4) != 0)
		return 0;
	uint32_t v = 0;
	for (int i = 0; i < 8; i++) {
		char c = name[i];
		int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
		if (d < 0)
			return 0;
		v = v << 4 | (uint32_t)d;
	}
	*seg_r = v;
	if (name[12] == '\0')
		return v ? 1 : 0;
	return strcmp(name + 12, ".tmp") == 0 ? 2 : 0;
}

static int seg_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

enum rm_err log_seg_list(const char *logdir, bool remove_tmp, uint32_t **segs_r, size_t *n_r)
{
	*segs_r = NULL;
	*n_r = 0;
	DIR *d = opendir(logdir);
	if (!d) {
		rm_log(RM_LOG_ERROR, "log_dir_open_failed", "dir=%s errno=%d", logdir, errno);
		return RM_ERR_IO;
	}
	size_t n = 0, cap = 0;
	uint32_t *segs = NULL;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		uint32_t seg;
		int kind = seg_name_parse(de->d_name, &seg);
		if (kind == 2 && remove_tmp) {
			rm_log(RM_LOG_WARN, "log_tmp_removed", "dir=%s file=%s", logdir, de->d_name);
			(void)unlinkat(dirfd(d), de->d_name, 0);
		}
		if (kind != 1)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			segs = rm_realloc(segs, cap * sizeof(*segs));
		}
		segs[n++] = seg;
	}
	closedir(d);
	if (n)
		qsort(segs, n, sizeof(*segs), seg_cmp);
	*segs_r = segs;
	*n_r = n;
	return RM_OK;
}

enum rm_err log_dir_sync(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return RM_ERR_IO;
	int rc = fsync(fd);
	close(fd);
	return rc == 0 ? RM_OK : RM_ERR_IO;
}

enum rm_err log_seg_create_sync(const char *logdir, const struct log_seg_header *h)
{
	char path[4096];
	log_seg_path(path, sizeof(path), logdir, h->seg_no, false);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0) {
		rm_log(RM_LOG_ERROR, "log_seg_create_failed", "path=%s errno=%d", path, errno);
		return errno == EEXIST ? RM_ERR_EXISTS : RM_ERR_IO;
	}
	uint8_t hdr[LOG_SEG_HEADER_BYTES];
	log_seg_header_encode(h, hdr);
	bool ok = pwrite(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) && fdatasync(fd) == 0;
	close(fd);
	if (!ok || log_dir_sync(logdir) != RM_OK) {
		rm_log(RM_LOG_ERROR, "log_seg_create_failed", "path=%s errno=%d", path, errno);
		return RM_ERR_IO;
	}
	return RM_OK;
}

enum rm_err log_seg_map_open(const char *path, struct log_seg_map *m)
{
	memset(m, 0, sizeof(*m));
	m->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0) {
		rm_log(RM_LOG_ERROR, "log_seg_open_failed", "path=%s errno=%d", path, errno);
		return RM_ERR_IO;
	}
	struct stat st;
	if (fstat(m->fd, &st) != 0)
		goto io;
	m->len = (size_t)st.st_size;
	if (m->len < LOG_SEG_HEADER_BYTES) {
		rm_log(RM_LOG_ERROR, "log_seg_short", "path=%s bytes=%zu", path, m->len);
		log_seg_map_close(m);
		return RM_ERR_CORRUPT;
	}
	m->base = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, m->fd, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		goto io;
	}
	(void)madvise(m->base, m->len, MADV_SEQUENTIAL);
	if (log_seg_header_decode(m->base, &m->h) != RM_OK) {
		rm_log(RM_LOG_ERROR, "log_seg_header_bad", "path=%s", path);
		log_seg_map_close(m);
		return RM_ERR_CORRUPT;
	}
	return RM_OK;
io:
	rm_log(RM_LOG_ERROR, "log_seg_map_failed", "path=%s errno=%d", path, errno);
	log_seg_map_close(m);
	return RM_ERR_IO;
}

void log_seg_map_close(struct log_seg_map *m)
{
	if (m->base)
		munmap(m->base, m->len);
	if (m->fd > 0)
		close(m->fd);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}
