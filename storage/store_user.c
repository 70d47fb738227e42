/* Users: create (with the default mailboxes) and delete. */
#include "storage/store_int.h"

#include <string.h>

#include "common/util.h"

static const struct {
	const char *name;
	uint32_t use;
} default_mailboxes[] = {
	{ "INBOX", 0 },
	{ "Drafts", STORE_USE_DRAFTS },
	{ "Sent", STORE_USE_SENT },
	{ "Trash", STORE_USE_TRASH },
	{ "Junk", STORE_USE_JUNK },
	{ "Archive", STORE_USE_ARCHIVE },
};

void store_user_create(struct part *part, struct store_user_create *rq)
{
	store_submit(part, &rq->req, STORE_OP_USER_CREATE);
}

void store_user_delete(struct part *part, struct store_user_delete *rq)
{
	store_submit(part, &rq->req, STORE_OP_USER_DELETE);
}

/* Emits MBOX_CREATE (and SUBSCRIBE when subscribe) for a validated name. */
static enum rm_err emit_mailbox(struct store_exec *x, uint64_t user_id, const char *name,
				size_t len, uint32_t use, bool subscribe, uint64_t *id_r,
				uint32_t *uidvalidity_r)
{
	struct meta_counters c;
	enum rm_err err = store_exec_counters(x, &c);
	uint32_t uidvalidity = store_exec_uidvalidity(&c);
	if (err)
		return err;
	if (uidvalidity == 0)
		return RM_ERR_LIMIT;
	struct rm_buf *b = &x->b->recs;
	size_t start = log_rec_begin(b, LOG_T_MBOX_CREATE);
	log_rec_put_u64(b, user_id);
	log_rec_put_u64(b, c.mailbox_id + 1);
	log_rec_put_u32(b, uidvalidity);
	log_rec_put_u32(b, use);
	log_rec_put_name(b, name, len);
	err = store_exec_emit(x, start);
	if (err == RM_OK && subscribe) {
		start = log_rec_begin(b, LOG_T_SUBSCRIBE);
		log_rec_put_u64(b, user_id);
		rm_buf_putc(b, 1);
		log_rec_put_name(b, name, len);
		err = store_exec_emit(x, start);
	}
	if (id_r)
		*id_r = c.mailbox_id + 1;
	if (uidvalidity_r)
		*uidvalidity_r = uidvalidity;
	return err;
}

enum rm_err store_user_exec_create(struct store_exec *x, struct store_req *req)
{
	struct store_user_create *rq = RM_CONTAINER_OF(req, struct store_user_create, req);
	char login[RM_AUTH_LOGIN_MAX_BYTES];
	if (rq->login_len == 0)
		return RM_ERR_INVAL;
	if (rq->login_len > sizeof(login))
		return RM_ERR_LIMIT;
	for (size_t i = 0; i < rq->login_len; i++)
		login[i] = rm_lower(rq->login[i]);
	struct store_user u;
	enum rm_err err = meta_user_get(x->t, login, rq->login_len, &u);
	if (err != RM_ERR_NOTFOUND)
		return err ? err : RM_ERR_EXISTS;
	struct meta_counters c;
	err = store_exec_counters(x, &c);
	if (err)
		return err;
	struct rm_buf *b = &x->b->recs;
	size_t start = log_rec_begin(b, LOG_T_USER_CREATE);
	log_rec_put_u64(b, c.user_id + 1);
	log_rec_put_name(b, login, rq->login_len);
	err = store_exec_emit(x, start);
	for (size_t i = 0; err == RM_OK && i < RM_ARRAY_LEN(default_mailboxes); i++)
		err = emit_mailbox(x, c.user_id + 1, default_mailboxes[i].name,
				   strlen(default_mailboxes[i].name), default_mailboxes[i].use, true,
				   NULL, NULL);
	rq->user_id = c.user_id + 1;
	return err;
}

enum rm_err store_user_exec_delete(struct store_exec *x, struct store_req *req)
{
	struct store_user_delete *rq = RM_CONTAINER_OF(req, struct store_user_delete, req);
	struct store_user u;
	enum rm_err err = meta_user_by_id(x->t, rq->user_id, &u);
	if (err)
		return err;
	/* Sessions watching the user's mailboxes learn that they are gone. */
	struct meta_iter *it;
	err = meta_iter_mailboxes(x->t, rq->user_id, &it);
	if (err)
		return err;
	struct store_mailbox mb;
	int rc;
	while ((rc = meta_iter_mailbox(it, &mb)) == 1)
		store_exec_touch(x, mb.id);
	meta_iter_free(&it);
	if (rc < 0)
		return RM_ERR_IO;
	struct rm_buf *b = &x->b->recs;
	size_t start = log_rec_begin(b, LOG_T_USER_DELETE);
	log_rec_put_u64(b, rq->user_id);
	return store_exec_emit(x, start);
}

enum rm_err store_user_emit_mailbox(struct store_exec *x, uint64_t user_id, const char *name,
				    size_t len, uint32_t use, uint64_t *id_r, uint32_t *uidvalidity_r)
{
	return emit_mailbox(x, user_id, name, len, use, false, id_r, uidvalidity_r);
}
