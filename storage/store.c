/* The data directory: layout, meta file, lock, partition hashing, the
 * per-loop turn hook, message buffers. */
#include "storage/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "storage/log_segment.h"

void store_opts_default(struct store_opts *o)
{
	o->segment_max_bytes = RM_SEGMENT_DEFAULT_MAX_BYTES;
	o->lmdb_map_bytes = RM_LMDB_DEFAULT_MAP_BYTES;
	o->checkpoint_idle_ms = RM_STORE_CHECKPOINT_IDLE_DEFAULT_MS;
	o->compact_live_percent = RM_STORE_COMPACT_LIVE_DEFAULT_PERCENT;
	o->compact_check_ms = RM_STORE_COMPACT_CHECK_DEFAULT_MS;
	o->vanished_keep = RM_VANISHED_KEEP_DEFAULT;
}

void store_set_cache_builder(enum rm_err (*fn)(const char *msg, size_t len,
					       struct rm_buf *cache_r))
{
	meta_cache_builder = fn;
}

static void path_join(char *out, size_t cap, const char *a, const char *b)
{
	int n = snprintf(out, cap, "%s/%s", a, b);
	RM_ASSERT(n > 0 && (size_t)n < cap);
}

void store_part_dir(const struct store *s, unsigned p, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/parts/%03u", s->dir, p);
	RM_ASSERT(n > 0 && (size_t)n < cap);
}

static enum rm_err mkdir_sync(const char *path)
{
	if (mkdir(path, 0750) != 0) {
		rm_log(RM_LOG_ERROR, "store_mkdir_failed", "path=%s errno=%d", path, errno);
		return errno == EEXIST ? RM_ERR_EXISTS : RM_ERR_IO;
	}
	return RM_OK;
}

static enum rm_err write_file_sync(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return errno == EEXIST ? RM_ERR_EXISTS : RM_ERR_IO;
	size_t len = strlen(text);
	bool ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	close(fd);
	return ok ? RM_OK : RM_ERR_IO;
}

static enum rm_err init_partition(const char *dir, unsigned p)
{
	char pd[STORE_PATH_MAX], ld[STORE_PATH_MAX];
	int n = snprintf(pd, sizeof(pd), "%s/parts/%03u", dir, p);
	RM_ASSERT(n > 0 && (size_t)n < sizeof(pd));
	path_join(ld, sizeof(ld), pd, "log");
	enum rm_err err = mkdir_sync(pd);
	if (err == RM_OK)
		err = mkdir_sync(ld);
	struct log_seg_header h = { .seg_no = 1, .generation = 0, .partition = p, .base_lsn = 1 };
	if (err == RM_OK)
		err = log_seg_create_sync(ld, &h);
	if (err == RM_OK)
		err = log_dir_sync(pd);
	return err;
}

enum rm_err store_init(const char *dir, unsigned partitions)
{
	if (partitions == 0 || partitions > RM_PARTITIONS_MAX)
		return RM_ERR_INVAL;
	char path[STORE_PATH_MAX], text[128];
	path_join(path, sizeof(path), dir, "meta");
	if (access(path, F_OK) == 0)
		return RM_ERR_EXISTS;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return RM_ERR_IO;
	path_join(path, sizeof(path), dir, "parts");
	enum rm_err err = mkdir_sync(path);
	for (unsigned p = 0; err == RM_OK && p < partitions; p++)
		err = init_partition(dir, p);
	if (err == RM_OK)
		err = log_dir_sync(path);
	path_join(path, sizeof(path), dir, "lock");
	if (err == RM_OK)
		err = write_file_sync(path, "");
	/* The meta file last: its presence says the layout is complete. */
	snprintf(text, sizeof(text), "format=%u\npartitions=%u\n", STORE_FORMAT_VERSION, partitions);
	path_join(path, sizeof(path), dir, "meta");
	if (err == RM_OK)
		err = write_file_sync(path, text);
	if (err == RM_OK)
		err = log_dir_sync(dir);
	return err;
}

static enum rm_err read_meta(const char *dir, unsigned *partitions_r)
{
	char path[STORE_PATH_MAX], text[256];
	path_join(path, sizeof(path), dir, "meta");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? RM_ERR_NOTFOUND : RM_ERR_IO;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return RM_ERR_CORRUPT;
	text[n] = '\0';
	unsigned format = 0, parts = 0;
	if (sscanf(text, "format=%u\npartitions=%u", &format, &parts) != 2)
		return RM_ERR_CORRUPT;
	if (format != STORE_FORMAT_VERSION || parts == 0 || parts > RM_PARTITIONS_MAX)
		return RM_ERR_CORRUPT;
	*partitions_r = parts;
	return RM_OK;
}

enum rm_err store_open(const char *dir, const struct store_opts *opts, struct store **r)
{
	*r = NULL;
	unsigned parts;
	enum rm_err err = read_meta(dir, &parts);
	if (err)
		return err;
	char path[STORE_PATH_MAX];
	path_join(path, sizeof(path), dir, "lock");
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return RM_ERR_IO;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		close(fd);
		rm_log(RM_LOG_ERROR, "store_locked", "dir=%s errno=%d", dir, e);
		return e == EWOULDBLOCK ? RM_ERR_BUSY : RM_ERR_IO;
	}
	struct store *s = rm_calloc(1, sizeof(*s));
	s->dir = rm_strdup(dir);
	s->partitions = parts;
	s->lock_fd = fd;
	if (opts)
		s->opts = *opts;
	else
		store_opts_default(&s->opts);
	pthread_mutex_init(&s->mu, NULL);
	*r = s;
	return RM_OK;
}

void store_close(struct store **sp)
{
	struct store *s = *sp;
	if (!s)
		return;
	for (unsigned i = 0; i < s->nloops; i++) {
		RM_ASSERT(s->loops[i]->nparts == 0);
		free(s->loops[i]->parts);
		free(s->loops[i]);
	}
	free(s->loops);
	pthread_mutex_destroy(&s->mu);
	close(s->lock_fd);
	free(s->dir);
	free(s);
	*sp = NULL;
}

unsigned store_partitions(const struct store *s)
{
	return s->partitions;
}

unsigned store_partition_of(const struct store *s, const char *login, size_t len)
{
	char low[RM_AUTH_LOGIN_MAX_BYTES];
	size_t n = RM_MIN(len, sizeof(low));
	for (size_t i = 0; i < n; i++)
		low[i] = rm_lower(login[i]);
	return (unsigned)(rm_hash64(low, n) % s->partitions);
}

/* ---- the turn hook ------------------------------------------------------- */

static void store_loop_hook(struct rm_loop *loop, void *arg)
{
	struct store_loop *sl = arg;
	uint64_t now = 0;
	for (unsigned i = 0; i < sl->nparts; i++) {
		struct part *part = sl->parts[i];
		if (part->q_len && !part->inflight)
			store_commit_flush(part);
		if (!part->inflight && !part->q_len) {
			if (!now)
				now = rm_now_ms();
			store_state_maybe_checkpoint(part, now);
			compact_maybe_start(part, now);
			store_fts_maybe_merge(part, now);
		}
	}
}

void store_loop_attach(struct part *part)
{
	struct store *s = part->store;
	pthread_mutex_lock(&s->mu);
	struct store_loop *sl = NULL;
	for (unsigned i = 0; i < s->nloops && !sl; i++)
		if (s->loops[i]->loop == part->loop)
			sl = s->loops[i];
	if (!sl) {
		sl = rm_calloc(1, sizeof(*sl));
		sl->loop = part->loop;
		s->loops = rm_realloc(s->loops, (s->nloops + 1) * sizeof(*s->loops));
		s->loops[s->nloops++] = sl;
		rm_loop_add_hook(part->loop, store_loop_hook, sl);
	}
	pthread_mutex_unlock(&s->mu);
	/* Only the owner thread touches sl->parts from here on. */
	if (sl->nparts == sl->cap) {
		sl->cap = sl->cap ? sl->cap * 2 : 8;
		sl->parts = rm_realloc(sl->parts, sl->cap * sizeof(*sl->parts));
	}
	sl->parts[sl->nparts++] = part;
}

void store_loop_detach(struct part *part)
{
	struct store *s = part->store;
	pthread_mutex_lock(&s->mu);
	for (unsigned i = 0; i < s->nloops; i++) {
		struct store_loop *sl = s->loops[i];
		if (sl->loop != part->loop)
			continue;
		for (unsigned j = 0; j < sl->nparts; j++) {
			if (sl->parts[j] == part) {
				sl->parts[j] = sl->parts[--sl->nparts];
				break;
			}
		}
	}
	pthread_mutex_unlock(&s->mu);
}

/* ---- message buffers ------------------------------------------------------ */

struct store_msgbuf *store_msgbuf_alloc(size_t size_bytes)
{
	RM_ASSERT(size_bytes <= RM_RECORD_MAX_BYTES);
	struct store_msgbuf *mb = rm_malloc(sizeof(*mb) + size_bytes);
	mb->size_bytes = size_bytes;
	return mb;
}

char *store_msgbuf_data(struct store_msgbuf *mb)
{
	return mb->data;
}

size_t store_msgbuf_size(const struct store_msgbuf *mb)
{
	return mb->size_bytes;
}

void store_msgbuf_free(struct store_msgbuf **mb)
{
	free(*mb);
	*mb = NULL;
}
