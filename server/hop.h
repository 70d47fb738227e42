/*
 * hop.h — run a piece of work on another worker and come back.
 *
 * Partitions belong to one worker each (ARCHITECTURE.md §3).  A connection
 * that needs a partition it does not own (an LMTP recipient, a control
 * request, a metrics scrape) sends a hop: an op posted with
 * IORING_OP_MSG_RING that runs `remote` on the target worker, which calls
 * hop_return() when done (at once or from a store completion), and `back`
 * then runs on the home worker.  Between the two nothing is shared: remote
 * touches only the target's state and the hop's own fields, back only the
 * home's.  When target == home both run as direct calls (back may then
 * run inside hop_go).
 *
 * The hop struct is caller-owned and must stay alive until back has run.
 */
#ifndef RM_HOP_H
#define RM_HOP_H

#include "common/loop.h"

struct worker;

struct hop {
	struct rm_op op;
	struct worker *home;
	struct worker *target;
	void (*remote)(struct hop *h);   /* on target */
	void (*back)(struct hop *h);     /* on home */
};

/** Runs h->remote on h->target. */
void hop_go(struct hop *h);
/** From remote, now or later, on target: runs h->back on home. */
void hop_return(struct hop *h);
/** The worker owning partition p, seen from any worker. */
struct worker *hop_owner(const struct worker *any, unsigned p);
/** On the target: its partition p, or NULL when the worker has closed it
 * (a hop that arrives while the worker shuts down). */
struct part *hop_part(const struct hop *h, unsigned p);

#endif
