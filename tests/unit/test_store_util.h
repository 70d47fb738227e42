/*
 * test_store_util.h — helpers for the storage tests (header-only, static):
 * a throw-away data directory, a loop driving one partition, synchronous
 * wrappers around the asynchronous requests, index dumps.
 */
#ifndef RM_TEST_STORE_UTIL_H
#define RM_TEST_STORE_UTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "storage/store_int.h"

#define CHECK(c) \
	do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_OK(e) \
	do { enum rm_err e_ = (e); if (e_ != RM_OK) { fprintf(stderr, "%s:%d: %s -> %s\n", __FILE__, __LINE__, #e, rm_err_str(e_)); exit(1); } } while (0)

struct tenv {
	char dir[256];
	struct store_opts opts;
	struct store *s;
	struct rm_loop loop;
	bool loop_on;
	struct part *part;
};

static int t_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(path);
}

static inline void t_rmrf(const char *dir)
{
	nftw(dir, t_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Opens store and partition 0; loop NULL when offline. */
static inline void t_open(struct tenv *e, bool online)
{
	CHECK_OK(store_open(e->dir, &e->opts, &e->s));
	e->loop_on = online;
	if (online)
		CHECK(rm_loop_init(&e->loop, 256, 0) == 0);
	CHECK_OK(store_part_open(e->s, 0, online ? &e->loop : NULL, &e->part));
}

static inline void t_close(struct tenv *e)
{
	store_part_close(&e->part);
	store_close(&e->s);
	if (e->loop_on)
		rm_loop_fini(&e->loop);
	e->loop_on = false;
}

/* A fresh data directory with `partitions` partitions, opened online. */
static inline void t_init(struct tenv *e, unsigned partitions, uint64_t segment_max_bytes)
{
	memset(e, 0, sizeof(*e));
	rm_log_threshold = getenv("TEST_VERBOSE") ? RM_LOG_DEBUG : RM_LOG_CRIT;
	snprintf(e->dir, sizeof(e->dir), "/tmp/rmtest.XXXXXX");
	CHECK(mkdtemp(e->dir) != NULL);
	char data[300];
	snprintf(data, sizeof(data), "%s/data", e->dir);
	CHECK_OK(store_init(data, partitions));
	memmove(e->dir, data, strlen(data) + 1);
	store_opts_default(&e->opts);
	e->opts.segment_max_bytes = segment_max_bytes;
	e->opts.compact_check_ms = 0;
	t_open(e, true);
}

static inline void t_destroy(struct tenv *e)
{
	if (e->part)
		t_close(e);
	char *slash = strrchr(e->dir, '/');
	*slash = '\0';
	t_rmrf(e->dir);
}

/* ---- synchronous requests ------------------------------------------------ */

static unsigned t_done_count;
static void t_done(struct store_req *req) { (void)req; t_done_count++; }

/* Turns the loop until n more requests completed. */
static inline void t_wait(struct tenv *e, unsigned n)
{
	unsigned target = t_done_count + n;
	while (t_done_count < target)
		rm_loop_turn(&e->loop, store_part_expecting(e->part) ? 1 : 0);
}

static inline uint64_t t_user(struct tenv *e, const char *login)
{
	struct store_user_create rq = { .req.done = t_done, .login = login,
					.login_len = strlen(login) };
	store_user_create(e->part, &rq);
	t_wait(e, 1);
	CHECK_OK(rq.req.err);
	return rq.user_id;
}

static inline enum rm_err t_mbox(struct tenv *e, uint64_t user, const char *name, uint64_t *id_r)
{
	struct store_mbox_create rq = { .req.done = t_done, .user_id = user, .name = name,
					.name_len = strlen(name) };
	store_mbox_create(e->part, &rq);
	t_wait(e, 1);
	if (id_r)
		*id_r = rq.mailbox_id;
	return rq.req.err;
}

static inline uint64_t t_mbox_id(struct tenv *e, uint64_t user, const char *name)
{
	struct store_view *v;
	struct store_mailbox mb;
	CHECK_OK(store_view_begin(e->part, &v));
	enum rm_err err = store_view_mailbox(v, user, name, strlen(name), &mb);
	store_view_end(&v);
	return err ? 0 : mb.id;
}

/* Appends bytes; returns the UID (0 on error, err_r set). */
static inline uint32_t t_append_kw(struct tenv *e, uint64_t user, uint64_t mbox, const char *bytes,
				   size_t len, uint32_t flags, const char *const *kw, unsigned nkw,
				   enum rm_err *err_r)
{
	struct store_msgbuf *mb = store_msgbuf_alloc(len);
	memcpy(store_msgbuf_data(mb), bytes, len);
	size_t lens[16];
	for (unsigned i = 0; i < nkw; i++)
		lens[i] = strlen(kw[i]);
	struct store_rcpt rc = { .user_id = user, .mailbox_id = mbox, .flags = flags,
				 .keywords = kw, .keyword_lens = lens, .nkeywords = nkw,
				 .internal_date_s = 1700000000 };
	struct store_append rq = { .req.done = t_done, .msg = mb, .rcpts = &rc, .nrcpts = 1 };
	store_append(e->part, &rq);
	t_wait(e, 1);
	if (err_r)
		*err_r = rq.req.err;
	return rq.req.err ? 0 : rc.uid;
}

static inline uint32_t t_append(struct tenv *e, uint64_t user, uint64_t mbox, const char *text)
{
	enum rm_err err;
	uint32_t uid = t_append_kw(e, user, mbox, text, strlen(text), 0, NULL, 0, &err);
	CHECK_OK(err);
	return uid;
}

static inline enum rm_err t_flags(struct tenv *e, uint64_t user, uint64_t mbox, const uint32_t *uids,
				  unsigned n, enum store_flags_mode mode, uint32_t flags,
				  const char *const *kw, unsigned nkw, uint64_t unchangedsince,
				  struct store_flag_result *res)
{
	size_t lens[16];
	for (unsigned i = 0; i < nkw; i++)
		lens[i] = strlen(kw[i]);
	struct store_flags rq = { .req.done = t_done, .user_id = user, .mailbox_id = mbox,
				  .uids = uids, .nuids = n, .mode = mode, .flags = flags,
				  .keywords = kw, .keyword_lens = lens, .nkeywords = nkw,
				  .unchangedsince = unchangedsince, .results = res };
	store_flags(e->part, &rq);
	t_wait(e, 1);
	return rq.req.err;
}

static inline unsigned t_expunge(struct tenv *e, uint64_t user, uint64_t mbox, const uint32_t *uids,
				 unsigned n)
{
	struct store_expunge rq = { .req.done = t_done, .user_id = user, .mailbox_id = mbox,
				    .uids = uids, .nuids = n };
	store_expunge(e->part, &rq);
	t_wait(e, 1);
	CHECK_OK(rq.req.err);
	return rq.expunged;
}

static inline unsigned t_copy(struct tenv *e, uint64_t user, uint64_t src, uint64_t dst,
			      const uint32_t *uids, unsigned n, bool move, uint32_t *new_uids)
{
	struct store_copy rq = { .req.done = t_done, .user_id = user, .src_mailbox_id = src,
				 .dst_mailbox_id = dst, .uids = uids, .nuids = n, .move = move,
				 .new_uids = new_uids };
	store_copy(e->part, &rq);
	t_wait(e, 1);
	CHECK_OK(rq.req.err);
	return rq.copied;
}

/* ---- reads ----------------------------------------------------------------- */

struct t_read {
	struct store_read rd;
	bool done;
	enum rm_err err;
	size_t got;
};

static void t_read_done(struct store_read *rd, enum rm_err err, size_t got)
{
	struct t_read *t = RM_CONTAINER_OF(rd, struct t_read, rd);
	t->done = true;
	t->err = err;
	t->got = got;
}

/* Reads [off, off+len) of a message; returns bytes read, or -1. */
static inline long t_read(struct tenv *e, uint64_t blob_lsn, uint64_t off, size_t len, void *buf)
{
	struct t_read t = {0};
	store_read_msg(e->part, blob_lsn, off, len, buf, &t.rd, t_read_done);
	while (!t.done)
		rm_loop_turn(&e->loop, 1);
	return t.err ? -1 : (long)t.got;
}

static inline bool t_msg(struct tenv *e, uint64_t mbox, uint32_t uid, struct store_msg *m)
{
	struct store_view *v;
	CHECK_OK(store_view_begin(e->part, &v));
	enum rm_err err = store_view_msg(v, mbox, uid, m);
	m->keywords_le = NULL;    /* not valid after the view */
	store_view_end(&v);
	return err == RM_OK;
}

/* The canonical image of partition 0's index (caller frees). */
static inline void t_dump(struct tenv *e, struct rm_buf *out)
{
	struct meta_txn *t;
	rm_buf_reset(out);
	CHECK_OK(meta_txn_begin(e->part->meta, false, &t));
	CHECK_OK(meta_dump(t, out));
	meta_txn_abort(&t);
}

#endif
