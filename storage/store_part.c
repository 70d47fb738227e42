/* A partition's life: open (state check, recovery), close, reindex. */
#include "storage/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

static void part_free(struct part *part)
{
	store_read_close_all(part);
	meta_close(&part->meta);
	if (part->seg_fd >= 0)
		close(part->seg_fd);
	if (part->logdir_fd >= 0)
		close(part->logdir_fd);
	if (part->state_fd >= 0)
		close(part->state_fd);
	free(part);
}

/* Index durable, state clean: the end of recovery, reindex and close. */
static enum rm_err part_settle(struct part *part)
{
	enum rm_err err = meta_sync(part->meta);
	return err ? err : store_state_write_sync(part, true);
}

/* Recovery with the state file saying dirty for its whole duration, so a
 * crash in the middle of it is recognized at the next start. */
static enum rm_err part_recover(struct part *part, bool rebuild)
{
	enum rm_err err = store_state_write_sync(part, false);
	if (err == RM_OK)
		err = store_recover(part, rebuild, &part->recovery);
	if (err == RM_OK)
		err = part_settle(part);
	return err;
}

enum rm_err store_part_open(struct store *s, unsigned p, struct rm_loop *loop, struct part **r)
{
	*r = NULL;
	if (p >= s->partitions)
		return RM_ERR_INVAL;
	struct part *part = rm_calloc(1, sizeof(*part));
	part->store = s;
	part->p = p;
	part->loop = loop;
	part->seg_fd = part->logdir_fd = part->state_fd = -1;
	store_part_dir(s, p, part->dir, sizeof(part->dir));
	int n = snprintf(part->logdir, sizeof(part->logdir), "%s/log", part->dir);
	RM_ASSERT(n > 0 && (size_t)n < sizeof(part->logdir));
	int state = store_state_load(part);
	if (part->state_fd < 0) {
		part_free(part);
		return RM_ERR_IO;
	}
	if (state == -1)
		rm_log(RM_LOG_WARN, "index_untrusted", "part=%u action=rebuild", p);
	enum rm_err err = part_recover(part, state < 0);
	if (err) {
		rm_log(RM_LOG_ERROR, "part_open_failed", "part=%u err=%s", p, rm_err_str(err));
		part_free(part);
		return err;
	}
	part->last_commit_ms = rm_now_ms();
	part->compact_next_ms = rm_now_ms() + s->opts.compact_check_ms;
	if (loop)
		store_loop_attach(part);
	*r = part;
	return RM_OK;
}

bool store_part_expecting(const struct part *part)
{
	return part->inflight || part->reads_inflight > 0 || part->ckpt == STORE_CKPT_RUNNING ||
	       compact_busy(part);
}

bool store_part_idle(const struct part *part)
{
	return !part->q_head && !part->inflight && part->reads_inflight == 0 &&
	       part->ckpt != STORE_CKPT_RUNNING && !compact_busy(part);
}

void store_part_close(struct part **pp)
{
	struct part *part = *pp;
	if (!part)
		return;
	*pp = NULL;
	if (part->loop) {
		/* Queued requests are not started; what is in flight finishes. */
		struct store_req *q = part->q_head;
		part->q_head = part->q_tail = NULL;
		part->q_len = 0;
		store_commit_fail_list(q, RM_ERR_CLOSED);
		while (!store_part_idle(part))
			rm_loop_turn(part->loop, store_part_expecting(part) ? 1 : 0);
		store_loop_detach(part);
	}
	if (!part->read_only && part_settle(part) != RM_OK)
		rm_log(RM_LOG_ERROR, "part_close_unclean", "part=%u", part->p);
	part_free(part);
}

enum rm_err store_part_reindex(struct part *part, struct store_replay_stats *r)
{
	if (part->loop)
		return RM_ERR_PERM;
	if (part->seg_fd >= 0)
		close(part->seg_fd);
	if (part->logdir_fd >= 0)
		close(part->logdir_fd);
	part->seg_fd = part->logdir_fd = -1;
	enum rm_err err = part_recover(part, true);
	*r = part->recovery;
	return err;
}

void store_part_recovery(const struct part *part, struct store_replay_stats *r)
{
	*r = part->recovery;
}
