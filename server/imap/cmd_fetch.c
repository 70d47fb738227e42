/*
 * FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9).
 *
 * The messages are handled in batches: the index entries and cache blobs of
 * up to FETCH_BATCH messages are copied out of one short read view; the
 * message bytes the items need are read through io_uring, all of a batch at
 * once; then the batch's responses are written in order.  Between batches
 * the command waits while the connection's queued output is over its soft
 * limit, so a FETCH of a whole large mailbox streams with bounded memory.
 * ENVELOPE, BODYSTRUCTURE and HEADER.FIELDS ranges come from the cache
 * built at delivery: only the bytes an item shows are read.
 *
 * A body item without .PEEK sets \Seen first (one STORE in the store, before
 * anything is read), and the responses then carry the new FLAGS.
 */
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "index/mime.h"
#include "server/imap/command.h"
#include "server/imap/fetch_parse.h"
#include "server/imap/fetch_write.h"
#include "server/imap/select.h"
#include "server/imap/view.h"
#include "storage/store.h"

#define FETCH_BATCH 32u
/* Message bytes held by one batch; a larger message forms a batch alone. */
#define FETCH_BATCH_BYTES (8u * 1024 * 1024)
/* Room past the soft limit for the response that crosses it (a typical
 * one is under 1 KiB; a larger one grows the buffer). */
#define FETCH_DIRECT_SLACK_BYTES (16u * 1024)
/* Messages looked up before their responses are written (direct path),
 * and how much of each cache blob is prefetched meanwhile. */
#define FETCH_DIRECT_GROUP 16u
#define FETCH_PREFETCH_BYTES 2048u

struct fetch_ctx {
	struct imap_cmd *cmd;
	struct fetch_req req;
	struct seqset set;            /* resolved against the view */
	bool set_uid;                 /* set holds UIDs (else sequence numbers) */
	struct select_walk w;         /* the next message: walked over the view */
	bool stop;                    /* no further message (read view failed) */
	uint32_t *uids;               /* for the implicit \Seen only */
	unsigned n;
	struct fetch_msg batch[FETCH_BATCH];
	unsigned bn;
	unsigned reads;               /* in flight */
	bool expunged;                /* some messages vanished: EXPUNGEISSUED */
	bool failed_cte;              /* BINARY of an unknown encoding */
	bool io_error;
	struct store_flags seen;      /* the implicit \Seen */
	struct store_flag_result *seen_res;
	bool need_cache;              /* an item comes from the MIME cache */
};

static void fetch_continue(struct fetch_ctx *f);

static void batch_free(struct fetch_ctx *f)
{
	for (unsigned i = 0; i < f->bn; i++) {
		free(f->batch[i].kw);
		free(f->batch[i].cache);
		free(f->batch[i].body);
	}
	f->bn = 0;
}

static void fetch_finish(struct fetch_ctx *f)
{
	struct imap_cmd *cmd = f->cmd;
	batch_free(f);
	if (f->failed_cte)
		imap_cmd_reply(cmd, "NO", "[UNKNOWN-CTE] Cannot decode a part's transfer encoding");
	else if (f->io_error)
		imap_cmd_reply(cmd, "NO", "[SERVERBUG] Some messages could not be read");
	else if (f->expunged)
		/* RFC 5530 EXPUNGEISSUED; OK, not NO: the rest was sent and
		 * clients treat a NO on FETCH as a failure of all of it. */
		imap_cmd_reply(cmd, "OK", "[EXPUNGEISSUED] Some messages were expunged meanwhile");
	else
		imap_cmd_reply(cmd, "OK", "%sFETCH completed", cmd->uid ? "UID " : "");
	imap_cmd_async_end(cmd);
}

static bool seen_was_set(const struct fetch_ctx *f, uint32_t uid)
{
	if (!f->seen_res)
		return false;
	/* uids are ascending and the flags request used the same array. */
	size_t lo = 0, hi = f->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (f->uids[mid] < uid)
			lo = mid + 1;
		else if (f->uids[mid] > uid)
			hi = mid;
		else
			return f->seen_res[mid].status == STORE_FLAG_CHANGED;
	}
	return false;
}

/* Positions f->w on the next message to write; false when none is left.
 * The view does not change while the command runs (syncs happen between
 * commands), so the walk needs no copy of the UIDs. */
static bool fetch_peek(struct fetch_ctx *f)
{
	return !f->stop && select_set_next(f->cmd->s->view, &f->set, f->set_uid, &f->w);
}

/* What FETCH takes from the index for one message, for both paths: false
 * when the message is not to be written (expunged meanwhile, or not
 * changed since CHANGEDSINCE); m->meta and m->cache point into the view. */
static bool msg_lookup(struct fetch_ctx *f, struct store_view *v, struct fetch_msg *m,
		       uint32_t uid, uint32_t seq)
{
	struct imap_view *view = f->cmd->s->view;
	memset(m, 0, sizeof(*m));
	m->ctx = f;
	m->uid = uid;
	m->seq = seq;
	if (store_view_msg(v, view->mailbox_id, uid, &m->meta) != RM_OK) {
		m->gone = true;
		f->expunged = true;
		return false;
	}
	/* CHANGEDSINCE (RFC 7162 §3.1.4.1): only what changed after. */
	if (f->req.changedsince && m->meta.modseq <= f->req.changedsince_modseq) {
		m->gone = true;
		return false;
	}
	m->recent = view->nrecent && view_is_recent(view, uid);
	m->seen_set = seen_was_set(f, uid);
	const void *cache;
	size_t clen;
	if (f->need_cache && store_view_cache(v, m->meta.blob_lsn, &cache, &clen) == RM_OK &&
	    cache && clen) {
		m->cache = (void *)cache;
		m->cache_len = clen;
	}
	return true;
}

/* Copies the next batch's entries out of the index; returns the number of
 * reads to wait for. */
static void batch_load(struct fetch_ctx *f)
{
	struct imap_session *s = f->cmd->s;
	struct imap_view *view = s->view;
	struct store_view *v;
	f->bn = 0;
	if (store_view_begin(session_part(s), &v) != RM_OK) {
		f->io_error = true;
		f->stop = true;
		return;
	}
	bool need_cache = f->need_cache;
	size_t bytes = 0;
	while (f->bn < FETCH_BATCH && (f->bn == 0 || bytes < FETCH_BATCH_BYTES) && fetch_peek(f)) {
		uint32_t vi = f->w.vi++;
		struct fetch_msg *m = &f->batch[f->bn++];
		if (!msg_lookup(f, v, m, view->uids[vi], vi + 1))
			continue;
		/* Copied out: the reads complete after this view ends. */
		if (m->meta.nkeywords) {
			m->kw = rm_malloc(2u * m->meta.nkeywords);
			memcpy(m->kw, m->meta.keywords_le, 2u * m->meta.nkeywords);
			m->meta.keywords_le = m->kw;
		}
		if (m->cache) {
			void *copy = rm_malloc(m->cache_len);
			memcpy(copy, m->cache, m->cache_len);
			m->cache = copy;
		}
		if (f->req.needs_body || (need_cache && !m->cache)) {
			size_t off, len;
			if (fetch_range(&f->req, m, &off, &len) && len) {
				m->need_read = true;
				m->want_off = off;
				m->want_len = len;
				bytes += len;
			}
		}
	}
	store_view_end(&v);
}

static void batch_write(struct fetch_ctx *f)
{
	struct imap_cmd *cmd = f->cmd;
	struct imap_session *s = cmd->s;
	struct store_view *v;
	if (imap_cmd_dead(cmd) || store_view_begin(session_part(s), &v) != RM_OK) {
		batch_free(f);
		return;
	}
	struct rm_buf *out = imap_out(s);
	for (unsigned i = 0; i < f->bn; i++) {
		struct fetch_msg *m = &f->batch[i];
		if (m->gone || !m->seq)
			continue;
		if (!m->cache && m->body && m->body_off == 0 && m->body_len == m->meta.size_bytes) {
			/* No cache entry (stored before the parser existed): parse
			 * now, from the bytes just read. */
			struct rm_buf c = { 0 };
			if (mime_parse(m->body, m->body_len, &c) == RM_OK) {
				m->cache = c.data;
				m->cache_len = c.len;
			} else {
				rm_buf_free(&c);
			}
		}
		if (!fetch_write(s, v, &f->req, cmd->uid, m, out))
			f->failed_cte = true;
	}
	store_view_end(&v);
	conn_mark_dirty(s->c);
	batch_free(f);
}

/* FETCH of items that need no message bytes (flags, dates, sizes,
 * ENVELOPE, BODYSTRUCTURE, ids): every response is written straight from
 * the index map under one read view, nothing copied, until the output
 * reaches its soft limit.  Stops early (false) at a message without a
 * cache entry, which the batch path reads and parses. */
static bool fetch_direct(struct fetch_ctx *f)
{
	struct imap_cmd *cmd = f->cmd;
	struct imap_session *s = cmd->s;
	struct imap_view *view = s->view;
	struct store_view *v;
	if (store_view_begin(session_part(s), &v) != RM_OK) {
		f->io_error = true;
		f->stop = true;
		return true;
	}
	struct rm_buf *out = imap_out(s);
	/* The run fills the output to the soft limit: one allocation for it
	 * instead of doubling from empty after each flush. */
	size_t queued = conn_queued_bytes(s->c);
	if (queued < RM_OUTQ_SOFT_BYTES)
		rm_buf_reserve(out, RM_OUTQ_SOFT_BYTES - queued + FETCH_DIRECT_SLACK_BYTES);
	bool ok = true;
	while (ok && conn_queued_bytes(s->c) < RM_OUTQ_SOFT_BYTES && fetch_peek(f)) {
		/* A group's index entries first, with the start of each cache
		 * blob (ENVELOPE, BODY, BODYSTRUCTURE lead it) prefetched, then
		 * its responses: the blobs lie on separate cold pages, and
		 * copying them one after the other would wait for each miss in
		 * turn. */
		struct fetch_msg m[FETCH_DIRECT_GROUP];
		unsigned k = 0;
		while (k < FETCH_DIRECT_GROUP && fetch_peek(f)) {
			uint32_t vi = f->w.vi;
			if (!msg_lookup(f, v, &m[k], view->uids[vi], vi + 1)) {
				f->w.vi++;
				continue;
			}
			if (f->need_cache && !m[k].cache) {
				ok = false;   /* the batch path reads and parses it */
				break;
			}
			f->w.vi++;
			const char *c = m[k].cache;
			for (size_t o = 0; c && o < RM_MIN(m[k].cache_len, FETCH_PREFETCH_BYTES); o += 64)
				__builtin_prefetch(c + o);
			k++;
		}
		for (unsigned i = 0; i < k; i++) {
			if (!fetch_write(s, v, &f->req, cmd->uid, &m[i], out)) {
				f->failed_cte = true;
				ok = true;
				goto done;
			}
		}
	}
done:
	store_view_end(&v);
	conn_mark_dirty(s->c);
	return ok;
}

static void read_done(struct store_read *rd, enum rm_err err, size_t got)
{
	struct fetch_msg *m = RM_CONTAINER_OF(rd, struct fetch_msg, rd);
	struct fetch_ctx *f = m->ctx;
	if (err == RM_ERR_NOTFOUND) {
		m->gone = true;
		f->expunged = true;
	} else if (err != RM_OK) {
		rm_log(RM_LOG_ERROR, "fetch_read_failed", "session=%llu uid=%u err=%s",
		       (unsigned long long)f->cmd->s->c->id, m->uid, rm_err_str(err));
		m->gone = true;
		f->io_error = true;
	} else {
		m->body_len = got;
	}
	if (--f->reads == 0) {
		batch_write(f);
		fetch_continue(f);
	}
}

static void fetch_drained(struct imap_cmd *cmd)
{
	cmd->on_drained = NULL;
	fetch_continue(cmd->ctx);
}

/* Runs batches until one waits for reads or for the socket, or all are
 * done. */
static void fetch_continue(struct fetch_ctx *f)
{
	struct imap_cmd *cmd = f->cmd;
	for (;;) {
		if (imap_cmd_dead(cmd) || f->failed_cte || !fetch_peek(f)) {
			fetch_finish(f);
			return;
		}
		if (conn_wait_drain(cmd->s->c)) {
			cmd->on_drained = fetch_drained;
			return;
		}
		if (!f->req.needs_body && fetch_direct(f))
			continue;
		batch_load(f);
		for (unsigned i = 0; i < f->bn; i++) {
			struct fetch_msg *m = &f->batch[i];
			if (!m->need_read)
				continue;
			m->body = rm_malloc(m->want_len ? m->want_len : 1);
			m->body_off = m->want_off;
			f->reads++;
		}
		if (f->reads == 0) {
			batch_write(f);
			continue;
		}
		/* Issue after counting: an offline read completes inline. */
		for (unsigned i = 0; i < f->bn; i++) {
			struct fetch_msg *m = &f->batch[i];
			if (m->need_read)
				store_read_msg(session_part(cmd->s), m->meta.blob_lsn, m->want_off,
					       m->want_len, m->body, &m->rd, read_done);
		}
		return;
	}
}

static void seen_done(struct store_req *req)
{
	struct fetch_ctx *f = RM_CONTAINER_OF(req, struct fetch_ctx, seen.req);
	/* This FETCH reports the new flags itself; the view must not report
	 * them again. */
	if (req->err == RM_OK && f->cmd->s->view) {
		for (unsigned i = 0; i < f->n; i++)
			if (f->seen_res[i].status == STORE_FLAG_CHANGED)
				view_silent_add(f->cmd->s->view, f->uids[i], f->seen_res[i].modseq);
	} else {
		f->seen_res = NULL;
	}
	fetch_continue(f);
}

void cmd_fetch(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct imap_parser *p = &cmd->p;
	struct seqset set;
	struct fetch_ctx *f = rm_arena_alloc(&s->arena, sizeof(*f));
	memset(f, 0, sizeof(*f));
	f->cmd = cmd;
	cmd->ctx = f;
	if (!imap_parse_sp(p) || !seqset_parse(p, true, &set) || !fetch_parse(p, &f->req))
		return;
	/* RFC 7162 §3.2.6: VANISHED only in UID FETCH, with CHANGEDSINCE,
	 * after ENABLE QRESYNC. */
	if (f->req.vanished && (!cmd->uid || !f->req.changedsince || !(s->enabled & IMAP_EN_QRESYNC))) {
		imap_cmd_reply(cmd, "BAD", "VANISHED needs QRESYNC and UID FETCH with CHANGEDSINCE");
		return;
	}
	if (f->req.changedsince || f->req.has_modseq)
		imap_condstore_enable(s);
	if (f->req.changedsince && !fetch_req_has(&f->req, FI_MODSEQ))
		fetch_req_add(&f->req, FI_MODSEQ, "MODSEQ");
	f->set_uid = cmd->uid;
	if (!select_set_resolve(cmd, &set, &f->set_uid))
		return;
	f->set = set;
	for (unsigned i = 0; i < f->req.n; i++)
		f->need_cache |= (f->req.items[i].kind >= FI_ENVELOPE &&
				  f->req.items[i].kind <= FI_BINARY_SIZE) ||
				 f->req.items[i].kind == FI_THREADID;
	if (f->req.vanished)
		fetch_write_vanished(s, &f->set, f->req.changedsince_modseq, 0);
	imap_cmd_async_begin(cmd);
	if (f->req.sets_seen && !s->view->readonly &&
	    select_set_uids(cmd, &set, f->set_uid, &f->uids, &f->n) && f->n) {
		f->seen_res = rm_arena_alloc(&s->arena, f->n * sizeof(*f->seen_res));
		f->seen.req.done = seen_done;
		f->seen.user_id = s->user_id;
		f->seen.mailbox_id = s->view->mailbox_id;
		f->seen.uids = f->uids;
		f->seen.nuids = f->n;
		f->seen.mode = STORE_FLAGS_ADD;
		f->seen.flags = STORE_F_SEEN;
		f->seen.results = f->seen_res;
		store_flags(session_part(s), &f->seen);
		return;
	}
	fetch_continue(f);
}
