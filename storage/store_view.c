/* Synchronous index reads for the IMAP layer: a view is an LMDB read
 * transaction; iterators are index cursors.  Thin by design: the index
 * (index/meta*.c) does the work, this file keeps lmdb.h out of callers. */
#include "storage/store_int.h"

#include <stdlib.h>

#include "common/util.h"

struct store_view {
	struct meta_txn *t;
	struct meta_lookup *look;   /* opened by the first message/cache read */
};

/* An iterator is the index's cursor under the engine's name. */
static struct store_iter *iter_out(struct meta_iter *it)
{
	return (struct store_iter *)(void *)it;
}

static struct meta_iter *iter_in(struct store_iter *it)
{
	return (struct meta_iter *)(void *)it;
}

struct meta_txn *store_view_txn(struct store_view *v)
{
	return v->t;
}

enum rm_err store_view_begin(struct part *part, struct store_view **r)
{
	struct meta_txn *t;
	*r = NULL;
	enum rm_err err = meta_txn_begin(part->meta, false, &t);
	if (err)
		return err;
	*r = rm_malloc(sizeof(**r));
	(*r)->t = t;
	(*r)->look = NULL;
	return RM_OK;
}

void store_view_end(struct store_view **v)
{
	if (!*v)
		return;
	meta_lookup_free(&(*v)->look);
	meta_txn_abort(&(*v)->t);
	free(*v);
	*v = NULL;
}

enum rm_err store_view_user(struct store_view *v, const char *login, size_t len,
			    struct store_user *r)
{
	char low[RM_AUTH_LOGIN_MAX_BYTES];
	if (len == 0 || len > sizeof(low))
		return RM_ERR_NOTFOUND;
	for (size_t i = 0; i < len; i++)
		low[i] = rm_lower(login[i]);
	enum rm_err err = meta_user_get(v->t, low, len, r);
	/* r->login must outlive this call: take the map's copy. */
	return err ? err : meta_user_by_id(v->t, r->id, r);
}

enum rm_err store_view_mailbox(struct store_view *v, uint64_t user_id, const char *name,
			       size_t len, struct store_mailbox *r)
{
	return meta_mailbox_get(v->t, user_id, name, len, r);
}

enum rm_err store_view_mailbox_by_id(struct store_view *v, uint64_t mailbox_id,
				     struct store_mailbox *r)
{
	return meta_mailbox_by_id(v->t, mailbox_id, r);
}

/* Message entries and cache blobs are read through the view's lookup
 * cursors: callers walk them in UID order (FETCH, SEARCH, SORT), which
 * keeps each read on the leaf page of the previous one. */
static struct meta_lookup *view_lookup(struct store_view *v)
{
	if (!v->look)
		meta_lookup_open(v->t, &v->look);
	return v->look;
}

enum rm_err store_view_msg(struct store_view *v, uint64_t mailbox_id, uint32_t uid,
			   struct store_msg *r)
{
	return meta_lookup_msg(view_lookup(v), mailbox_id, uid, r);
}

enum rm_err store_view_cache(struct store_view *v, uint64_t blob_lsn, const void **p_r,
			     size_t *len_r)
{
	return meta_lookup_cache(view_lookup(v), blob_lsn, p_r, len_r);
}

enum rm_err store_view_keyword_name(struct store_view *v, uint64_t user_id, uint16_t id,
				    const char **name_r, size_t *len_r)
{
	return meta_keyword_name(v->t, user_id, id, name_r, len_r);
}

enum rm_err store_view_keyword_id(struct store_view *v, uint64_t user_id, const char *name,
				  size_t len, uint16_t *id_r)
{
	return meta_keyword_id(v->t, user_id, name, len, id_r);
}

/* ---- iterators ---------------------------------------------------------------- */

#define ITER_CTOR(call) \
	do { \
		struct meta_iter *it; \
		enum rm_err err = (call); \
		*r = err ? NULL : iter_out(it); \
		return err; \
	} while (0)

enum rm_err store_view_mailboxes(struct store_view *v, uint64_t user_id, struct store_iter **r)
{
	ITER_CTOR(meta_iter_mailboxes(v->t, user_id, &it));
}

int store_iter_mailbox(struct store_iter *it, struct store_mailbox *mb)
{
	return meta_iter_mailbox(iter_in(it), mb);
}

enum rm_err store_view_msgs(struct store_view *v, uint64_t mailbox_id, uint32_t from_uid,
			    struct store_iter **r)
{
	ITER_CTOR(meta_iter_msgs(v->t, mailbox_id, from_uid, &it));
}

enum rm_err store_view_changed(struct store_view *v, uint64_t mailbox_id, uint64_t since,
			       struct store_iter **r)
{
	ITER_CTOR(meta_iter_changed(v->t, mailbox_id, since, &it));
}

int store_iter_msg(struct store_iter *it, struct store_msg *m)
{
	return meta_iter_msg(iter_in(it), m);
}

enum rm_err store_view_vanished(struct store_view *v, uint64_t mailbox_id, uint64_t since,
				struct store_iter **r)
{
	ITER_CTOR(meta_iter_vanished(v->t, mailbox_id, since, &it));
}

int store_iter_vanished(struct store_iter *it, uint32_t *uid_r, uint64_t *modseq_r)
{
	return meta_iter_vanished_next(iter_in(it), uid_r, modseq_r);
}

enum rm_err store_view_subscriptions(struct store_view *v, uint64_t user_id,
				     struct store_iter **r)
{
	ITER_CTOR(meta_iter_subs(v->t, user_id, &it));
}

int store_iter_name(struct store_iter *it, const char **name_r, size_t *len_r)
{
	return meta_iter_name(iter_in(it), name_r, len_r);
}

enum rm_err store_view_keywords(struct store_view *v, uint64_t user_id, struct store_iter **r)
{
	ITER_CTOR(meta_iter_keywords(v->t, user_id, &it));
}

int store_iter_keyword(struct store_iter *it, uint16_t *id_r, const char **name_r,
		       size_t *len_r)
{
	return meta_iter_keyword(iter_in(it), id_r, name_r, len_r);
}

void store_iter_free(struct store_iter **it)
{
	struct meta_iter *m = iter_in(*it);
	meta_iter_free(&m);
	*it = NULL;
}
