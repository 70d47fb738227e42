#include "server/imap/recent.h"

#include <stdlib.h>

#include "common/util.h"
#include "server/imap/session.h"
#include "server/worker.h"
#include "storage/store_types.h"

/* Open addressing, grown at 3/4 load; never shrinks (one entry per mailbox
 * selected since start: 16 bytes). */
struct recent_entry {
	uint64_t mailbox_id;   /* 0: empty */
	uint64_t next_uid;
};

struct recent_table {
	struct recent_entry *e;
	size_t cap;            /* power of two */
	size_t used;
};

struct recent_table *recent_table_new(void)
{
	struct recent_table *t = rm_calloc(1, sizeof(*t));
	t->cap = 64;
	t->e = rm_calloc(t->cap, sizeof(*t->e));
	return t;
}

void recent_table_free(struct recent_table **t)
{
	if (!*t)
		return;
	free((*t)->e);
	free(*t);
	*t = NULL;
}

static struct recent_entry *slot(struct recent_table *t, uint64_t id)
{
	size_t mask = t->cap - 1;
	size_t i = (size_t)rm_hash64(&id, sizeof(id)) & mask;
	while (t->e[i].mailbox_id && t->e[i].mailbox_id != id)
		i = (i + 1) & mask;
	return &t->e[i];
}

static void grow(struct recent_table *t)
{
	struct recent_entry *old = t->e;
	size_t old_cap = t->cap;
	t->cap *= 2;
	t->e = rm_calloc(t->cap, sizeof(*t->e));
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].mailbox_id)
			*slot(t, old[i].mailbox_id) = old[i];
	free(old);
}

static struct recent_entry *entry(struct recent_table *t, uint64_t id, uint64_t uidnext)
{
	struct recent_entry *e = slot(t, id);
	if (!e->mailbox_id) {
		if ((t->used + 1) * 4 > t->cap * 3) {
			grow(t);
			e = slot(t, id);
		}
		e->mailbox_id = id;
		e->next_uid = uidnext;
		t->used++;
	}
	return e;
}

uint32_t recent_claim(struct recent_table *t, uint64_t mailbox_id, uint64_t uidnext)
{
	struct recent_entry *e = entry(t, mailbox_id, uidnext);
	uint64_t first = e->next_uid;
	if (uidnext > e->next_uid)
		e->next_uid = uidnext;
	return (uint32_t)RM_MIN(first, (uint64_t)UINT32_MAX);
}

void recent_arrived(struct recent_table *t, uint64_t key, uint32_t uid)
{
	entry(t, key, uid);
}

void recent_forget(struct recent_table *t, uint64_t mailbox_id)
{
	/* Deletion in open addressing: re-insert the rest of the cluster. */
	struct recent_entry *e = slot(t, mailbox_id);
	if (!e->mailbox_id)
		return;
	e->mailbox_id = 0;
	t->used--;
	size_t mask = t->cap - 1;
	size_t i = ((size_t)(e - t->e) + 1) & mask;
	while (t->e[i].mailbox_id) {
		struct recent_entry moved = t->e[i];
		t->e[i].mailbox_id = 0;
		*slot(t, moved.mailbox_id) = moved;
		i = (i + 1) & mask;
	}
}

uint32_t imap_recent_count(struct imap_session *s, const struct store_mailbox *mb)
{
	struct recent_table *t = s->c->w->recent;
	struct recent_entry *e = slot(t, recent_key(s->partition, mb->id));
	/* Unknown mailbox: nothing arrived since we started watching it. */
	if (!e->mailbox_id || mb->uidnext <= e->next_uid)
		return 0;
	uint64_t n = mb->uidnext - e->next_uid;
	return (uint32_t)RM_MIN(n, mb->messages);
}
