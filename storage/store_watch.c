/* Change notification: watchers per mailbox, hashed into buckets, called
 * once per committed batch that touched their mailbox. */
#include "storage/store_int.h"

#include "common/util.h"

static struct store_watch **bucket(struct part *part, uint64_t mailbox_id)
{
	return &part->watch[rm_hash64(&mailbox_id, sizeof(mailbox_id)) % STORE_WATCH_BUCKETS];
}

void store_watch_add(struct part *part, uint64_t mailbox_id, struct store_watch *w)
{
	struct store_watch **head = bucket(part, mailbox_id);
	w->mailbox_id = mailbox_id;
	w->next_ = *head;
	w->pprev_ = head;
	if (*head)
		(*head)->pprev_ = &w->next_;
	*head = w;
}

void store_watch_remove(struct part *part, struct store_watch *w)
{
	RM_ASSERT(w->pprev_ != NULL);
	*w->pprev_ = w->next_;
	if (w->next_)
		w->next_->pprev_ = w->pprev_;
	w->next_ = NULL;
	w->pprev_ = NULL;
}

void store_watch_notify(struct part *part, const uint64_t *mailbox_ids, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct store_watch *w = *bucket(part, mailbox_ids[i]), *next;
		for (; w; w = next) {
			next = w->next_;     /* fn may remove w itself */
			if (w->mailbox_id == mailbox_ids[i])
				w->fn(w, mailbox_ids[i]);
		}
	}
}
