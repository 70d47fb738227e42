/* Cross-worker hops; see hop.h. */
#include "server/hop.h"

#include "common/util.h"
#include "server/server.h"
#include "server/worker.h"

static void hop_on_target(struct rm_op *op, int res, uint32_t flags)
{
	struct hop *h = RM_CONTAINER_OF(op, struct hop, op);
	h->remote(h);
}

static void hop_on_home(struct rm_op *op, int res, uint32_t flags)
{
	struct hop *h = RM_CONTAINER_OF(op, struct hop, op);
	h->back(h);
}

void hop_go(struct hop *h)
{
	if (h->target == h->home) {
		h->remote(h);
		return;
	}
	h->op.fn = hop_on_target;
	int rc = rm_loop_post(&h->home->loop, &h->target->loop, &h->op, 0);
	RM_ASSERT(rc == 0);
}

void hop_return(struct hop *h)
{
	if (h->target == h->home) {
		h->back(h);
		return;
	}
	h->op.fn = hop_on_home;
	int rc = rm_loop_post(&h->target->loop, &h->home->loop, &h->op, 0);
	RM_ASSERT(rc == 0);
}

struct part *hop_part(const struct hop *h, unsigned p)
{
	return h->target->parts ? h->target->parts[p] : NULL;
}

struct worker *hop_owner(const struct worker *any, unsigned p)
{
	const struct server *srv = any->srv;
	return srv->workers[server_partition_owner(srv, p)];
}
