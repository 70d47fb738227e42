/* Mailboxes: create, rename (with inferiors), delete, subscriptions. */
#include "storage/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

void store_mbox_create(struct part *part, struct store_mbox_create *rq)
{
	store_submit(part, &rq->req, STORE_OP_MBOX_CREATE);
}

void store_mbox_rename(struct part *part, struct store_mbox_rename *rq)
{
	store_submit(part, &rq->req, STORE_OP_MBOX_RENAME);
}

void store_mbox_delete(struct part *part, struct store_mbox_delete *rq)
{
	store_submit(part, &rq->req, STORE_OP_MBOX_DELETE);
}

void store_subscribe(struct part *part, struct store_subscribe *rq)
{
	store_submit(part, &rq->req, STORE_OP_SUBSCRIBE);
}

static enum rm_err name_check(const char *name, size_t len)
{
	if (len == 0)
		return RM_ERR_INVAL;
	return len > RM_STORE_MAILBOX_NAME_MAX_BYTES ? RM_ERR_LIMIT : RM_OK;
}

static bool is_inbox(const char *name, size_t len)
{
	return len == 5 && memcmp(name, "INBOX", 5) == 0;
}

static enum rm_err count_mailboxes(struct meta_txn *t, uint64_t user_id, unsigned *n_r)
{
	struct meta_iter *it;
	enum rm_err err = meta_iter_mailboxes(t, user_id, &it);
	if (err)
		return err;
	struct store_mailbox mb;
	int rc;
	unsigned n = 0;
	while ((rc = meta_iter_mailbox(it, &mb)) == 1)
		n++;
	meta_iter_free(&it);
	*n_r = n;
	return rc < 0 ? RM_ERR_IO : RM_OK;
}

enum rm_err store_mailbox_exec_create(struct store_exec *x, struct store_req *req)
{
	struct store_mbox_create *rq = RM_CONTAINER_OF(req, struct store_mbox_create, req);
	struct store_user u;
	struct store_mailbox mb;
	enum rm_err err = name_check(rq->name, rq->name_len);
	if (err == RM_OK && (rq->special_use & ~STORE_USE_MASK))
		err = RM_ERR_INVAL;
	if (err == RM_OK)
		err = meta_user_by_id(x->t, rq->user_id, &u);
	if (err)
		return err;
	err = meta_mailbox_get(x->t, rq->user_id, rq->name, rq->name_len, &mb);
	if (err != RM_ERR_NOTFOUND)
		return err ? err : RM_ERR_EXISTS;
	unsigned n;
	err = count_mailboxes(x->t, rq->user_id, &n);
	if (err == RM_OK && n >= RM_MAILBOXES_PER_USER_MAX)
		err = RM_ERR_LIMIT;
	if (err)
		return err;
	return store_user_emit_mailbox(x, rq->user_id, rq->name, rq->name_len, rq->special_use,
				       &rq->mailbox_id, &rq->uidvalidity);
}

/* ---- rename ---------------------------------------------------------------- */

struct rename_item {
	uint64_t id;
	char *new_name;
	size_t new_len;
};

/* The mailbox and its inferiors ("from/..."), with their new names. */
static enum rm_err rename_collect(struct store_exec *x, const struct store_mbox_rename *rq,
				  struct rename_item **items_r, unsigned *n_r)
{
	struct meta_iter *it;
	enum rm_err err = meta_iter_mailboxes(x->t, rq->user_id, &it);
	if (err)
		return err;
	struct rename_item *items = NULL;
	unsigned n = 0;
	struct store_mailbox mb;
	int rc;
	while (err == RM_OK && (rc = meta_iter_mailbox(it, &mb)) == 1) {
		if (mb.name_len < rq->from_len || memcmp(mb.name, rq->from, rq->from_len) != 0)
			continue;
		if (mb.name_len > rq->from_len && mb.name[rq->from_len] != '/')
			continue;
		size_t new_len = rq->to_len + mb.name_len - rq->from_len;
		if (new_len > RM_STORE_MAILBOX_NAME_MAX_BYTES) {
			err = RM_ERR_LIMIT;
			break;
		}
		items = rm_realloc(items, (n + 1) * sizeof(*items));
		items[n].id = mb.id;
		items[n].new_len = new_len;
		items[n].new_name = rm_malloc(new_len);
		memcpy(items[n].new_name, rq->to, rq->to_len);
		memcpy(items[n].new_name + rq->to_len, mb.name + rq->from_len,
		       mb.name_len - rq->from_len);
		n++;
	}
	meta_iter_free(&it);
	if (err == RM_OK && rc < 0)
		err = RM_ERR_IO;
	*items_r = items;
	*n_r = n;
	return err;
}

static enum rm_err rename_validate(struct store_exec *x, const struct store_mbox_rename *rq)
{
	enum rm_err err = name_check(rq->from, rq->from_len);
	if (err == RM_OK)
		err = name_check(rq->to, rq->to_len);
	if (err)
		return err;
	if (is_inbox(rq->from, rq->from_len) || is_inbox(rq->to, rq->to_len))
		return RM_ERR_PERM;
	/* Into its own subtree ("a" -> "a/b") would rename a name twice. */
	if (rq->to_len > rq->from_len && memcmp(rq->to, rq->from, rq->from_len) == 0 &&
	    rq->to[rq->from_len] == '/')
		return RM_ERR_INVAL;
	struct store_mailbox mb;
	return meta_mailbox_get(x->t, rq->user_id, rq->from, rq->from_len, &mb);
}

enum rm_err store_mailbox_exec_rename(struct store_exec *x, struct store_req *req)
{
	struct store_mbox_rename *rq = RM_CONTAINER_OF(req, struct store_mbox_rename, req);
	enum rm_err err = rename_validate(x, rq);
	struct rename_item *items = NULL;
	unsigned n = 0;
	if (err == RM_OK)
		err = rename_collect(x, rq, &items, &n);
	struct store_mailbox other;
	for (unsigned i = 0; err == RM_OK && i < n; i++) {
		enum rm_err e = meta_mailbox_get(x->t, rq->user_id, items[i].new_name,
						 items[i].new_len, &other);
		if (e != RM_ERR_NOTFOUND)
			err = e ? e : RM_ERR_EXISTS;
	}
	struct rm_buf *b = &x->b->recs;
	for (unsigned i = 0; err == RM_OK && i < n; i++) {
		size_t start = log_rec_begin(b, LOG_T_MBOX_RENAME);
		log_rec_put_u64(b, rq->user_id);
		log_rec_put_u64(b, items[i].id);
		log_rec_put_name(b, items[i].new_name, items[i].new_len);
		err = store_exec_emit(x, start);
		store_exec_touch(x, items[i].id);
	}
	for (unsigned i = 0; i < n; i++)
		free(items[i].new_name);
	free(items);
	rq->renamed = err ? 0 : n;
	return err;
}

/* ---- delete and subscriptions ---------------------------------------------- */

enum rm_err store_mailbox_exec_delete(struct store_exec *x, struct store_req *req)
{
	struct store_mbox_delete *rq = RM_CONTAINER_OF(req, struct store_mbox_delete, req);
	enum rm_err err = name_check(rq->name, rq->name_len);
	if (err)
		return err;
	if (is_inbox(rq->name, rq->name_len))
		return RM_ERR_PERM;
	struct store_mailbox mb;
	err = meta_mailbox_get(x->t, rq->user_id, rq->name, rq->name_len, &mb);
	if (err)
		return err;
	struct rm_buf *b = &x->b->recs;
	size_t start = log_rec_begin(b, LOG_T_MBOX_DELETE);
	log_rec_put_u64(b, rq->user_id);
	log_rec_put_u64(b, mb.id);
	store_exec_touch(x, mb.id);
	return store_exec_emit(x, start);
}

enum rm_err store_mailbox_exec_subscribe(struct store_exec *x, struct store_req *req)
{
	struct store_subscribe *rq = RM_CONTAINER_OF(req, struct store_subscribe, req);
	struct store_user u;
	enum rm_err err = name_check(rq->name, rq->name_len);
	if (err == RM_OK)
		err = meta_user_by_id(x->t, rq->user_id, &u);
	if (err)
		return err;
	if (meta_subscribed(x->t, rq->user_id, rq->name, rq->name_len) == rq->on)
		return RM_OK;
	struct rm_buf *b = &x->b->recs;
	size_t start = log_rec_begin(b, LOG_T_SUBSCRIBE);
	log_rec_put_u64(b, rq->user_id);
	rm_buf_putc(b, rq->on ? 1 : 0);
	log_rec_put_name(b, rq->name, rq->name_len);
	return store_exec_emit(x, start);
}
