/*
 * mime_tree.c — storage of the in-memory part tree.
 */
#include "index/mime_tree.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

void mime_tree_init(struct mime_tree *t, const char *msg, size_t len)
{
	memset(t, 0, sizeof(*t));
	t->msg = msg;
	t->len = len;
	rm_arena_init(&t->arena, 16 * 1024);
}

void mime_tree_fini(struct mime_tree *t)
{
	free(t->nodes);
	rm_arena_fini(&t->arena);
	memset(t, 0, sizeof(*t));
}

uint32_t mime_tree_add(struct mime_tree *t)
{
	if (t->count == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->nodes = rm_realloc(t->nodes, (size_t)t->cap * sizeof(*t->nodes));
	}
	struct mime_node *n = &t->nodes[t->count];
	memset(n, 0, sizeof(*n));
	n->parent = n->first_child = n->last_child = n->next_sibling = MIME_PART_NONE;
	return t->count++;
}
