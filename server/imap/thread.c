/* RFC 5256 threading: ORDEREDSUBJECT and REFERENCES (steps 1-6 of §3). */
#include "server/imap/thread.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* ---- ORDEREDSUBJECT ---------------------------------------------------------- */

static int cmp_subject_date(const void *pa, const void *pb)
{
	const struct sort_msg *a = pa, *b = pb;
	int c = strcmp(a->subject, b->subject);
	return c ? c : sort_by_date(a, b);
}

struct span {
	uint32_t start, n;
	const struct sort_msg *first;
};

static int cmp_span(const void *pa, const void *pb)
{
	return sort_by_date(((const struct span *)pa)->first, ((const struct span *)pb)->first);
}

void thread_orderedsubject(struct sort_msg *m, uint32_t n, struct rm_buf *out)
{
	qsort(m, n, sizeof(*m), cmp_subject_date);
	struct span *t = rm_malloc((n ? n : 1) * sizeof(*t));
	uint32_t nt = 0;
	for (uint32_t i = 0; i < n;) {
		uint32_t j = i + 1;
		while (j < n && !strcmp(m[j].subject, m[i].subject))
			j++;
		t[nt++] = (struct span){ i, j - i, &m[i] };
		i = j;
	}
	qsort(t, nt, sizeof(*t), cmp_span);
	for (uint32_t i = 0; i < nt; i++) {
		const struct sort_msg *s = m + t[i].start;
		/* The first message is the parent of all others, which are
		 * siblings: (a), (a b), (a (b)(c)...). */
		rm_buf_printf(out, "(%u", s[0].number);
		if (t[i].n == 2)
			rm_buf_printf(out, " %u", s[1].number);
		else if (t[i].n > 2)
			for (uint32_t k = 1; k < t[i].n; k++)
				rm_buf_printf(out, "%s(%u)", k == 1 ? " " : "", s[k].number);
		rm_buf_putc(out, ')');
	}
	free(t);
}

/* ---- REFERENCES -------------------------------------------------------------- */

#define NONE UINT32_MAX

struct node {
	struct sort_msg *msg;      /* NULL: dummy */
	uint32_t parent, child, next;
};

struct forest {
	struct node *v;
	uint32_t n, cap;
	/* msgid -> node, open addressing */
	const char **keys;
	uint32_t *vals;
	uint32_t hcap;
};

static uint32_t node_new(struct forest *f, struct sort_msg *msg)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 64;
		f->v = rm_realloc(f->v, f->cap * sizeof(*f->v));
	}
	f->v[f->n] = (struct node){ msg, NONE, NONE, NONE };
	return f->n++;
}

static uint32_t *slot(struct forest *f, const char *id)
{
	uint64_t h = rm_hash64(id, strlen(id));
	for (uint32_t i = (uint32_t)(h & (f->hcap - 1));; i = (i + 1) & (f->hcap - 1)) {
		if (!f->keys[i] || !strcmp(f->keys[i], id)) {
			if (!f->keys[i]) {
				f->keys[i] = id;
				f->vals[i] = NONE;
			}
			return &f->vals[i];
		}
	}
}

/* The node of a referenced id, a dummy when nobody has it yet. */
static uint32_t node_of(struct forest *f, const char *id)
{
	uint32_t *s = slot(f, id);
	if (*s == NONE)
		*s = node_new(f, NULL);
	return *s;
}

static bool is_ancestor(const struct forest *f, uint32_t a, uint32_t of)
{
	for (uint32_t x = of; x != NONE; x = f->v[x].parent)
		if (x == a)
			return true;
	return false;
}

static void unlink_node(struct forest *f, uint32_t c)
{
	uint32_t p = f->v[c].parent;
	if (p == NONE)
		return;
	uint32_t *pp = &f->v[p].child;
	while (*pp != c)
		pp = &f->v[*pp].next;
	*pp = f->v[c].next;
	f->v[c].next = NONE;
	f->v[c].parent = NONE;
}

static void link_node(struct forest *f, uint32_t p, uint32_t c)
{
	uint32_t *pp = &f->v[p].child;
	while (*pp != NONE)
		pp = &f->v[*pp].next;
	*pp = c;
	f->v[c].parent = p;
}

/* Step 1: the reference chains and each message's parent. */
static void build(struct forest *f, struct sort_msg *m, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t self = NONE;
		if (m[i].msgid) {
			uint32_t *s = slot(f, m[i].msgid);
			if (*s == NONE)
				*s = node_new(f, &m[i]);
			else if (!f->v[*s].msg)
				f->v[*s].msg = &m[i];
			else
				s = NULL;     /* duplicate id: a unique one */
			if (s)
				self = *s;
		}
		if (self == NONE)
			self = node_new(f, &m[i]);
		uint32_t prev = NONE;
		for (unsigned r = 0; r < m[i].nrefs; r++) {
			uint32_t cur = node_of(f, m[i].refs[r]);
			if (prev != NONE && cur != prev && f->v[cur].parent == NONE &&
			    !is_ancestor(f, cur, prev))
				link_node(f, prev, cur);
			prev = cur;
		}
		/* 1B: the last reference is the parent. */
		if (prev == self)
			prev = NONE;
		unlink_node(f, self);
		if (prev != NONE && !is_ancestor(f, self, prev))
			link_node(f, prev, self);
	}
}

/* The date a node sorts by: its message's, or its first child's. */
static const struct sort_msg *date_msg(const struct forest *f, uint32_t x)
{
	while (x != NONE && !f->v[x].msg)
		x = f->v[x].child;
	return x == NONE ? NULL : f->v[x].msg;
}

static _Thread_local const struct forest *sort_forest;

static int cmp_nodes(const void *pa, const void *pb)
{
	const struct sort_msg *a = date_msg(sort_forest, *(const uint32_t *)pa);
	const struct sort_msg *b = date_msg(sort_forest, *(const uint32_t *)pb);
	if (!a || !b)
		return !a - !b;
	return sort_by_date(a, b);
}

/* Sorts a sibling list by date, children first (step 6). */
static uint32_t sort_siblings(struct forest *f, uint32_t first)
{
	uint32_t n = 0;
	for (uint32_t x = first; x != NONE; x = f->v[x].next)
		n++;
	if (n == 0)
		return NONE;
	uint32_t *v = rm_malloc(n * sizeof(*v));
	n = 0;
	for (uint32_t x = first; x != NONE; x = f->v[x].next) {
		f->v[x].child = sort_siblings(f, f->v[x].child);
		v[n++] = x;
	}
	sort_forest = f;
	qsort(v, n, sizeof(*v), cmp_nodes);
	for (uint32_t i = 0; i < n; i++)
		f->v[v[i]].next = i + 1 < n ? v[i + 1] : NONE;
	uint32_t head = v[0];
	free(v);
	return head;
}

/* Step 3: prunes dummies from a sibling list whose parent is `parent`
 * (NONE: the root); returns the new list head. */
static uint32_t prune(struct forest *f, uint32_t first, uint32_t parent)
{
	uint32_t head = NONE, *tail = &head;
	for (uint32_t x = first, next; x != NONE; x = next) {
		next = f->v[x].next;
		f->v[x].next = NONE;
		f->v[x].child = prune(f, f->v[x].child, x);
		uint32_t c = f->v[x].child;
		bool dummy = !f->v[x].msg;
		if (dummy && c == NONE)
			continue;                          /* no children: gone */
		if (dummy && (parent != NONE || f->v[c].next == NONE)) {
			/* Promote the children to this level. */
			for (uint32_t y = c; y != NONE; y = f->v[y].next) {
				f->v[y].parent = parent;
				*tail = y;
				tail = &f->v[y].next;
			}
			continue;
		}
		f->v[x].parent = parent;
		*tail = x;
		tail = &f->v[x].next;
	}
	return head;
}

/* Step 5: merges root threads with the same base subject. */
static uint32_t group_subjects(struct forest *f, uint32_t roots)
{
	struct forest tab = { .hcap = 1 };
	uint32_t count = 0;
	for (uint32_t x = roots; x != NONE; x = f->v[x].next)
		count++;
	while (tab.hcap < 2 * count + 2)
		tab.hcap *= 2;
	tab.keys = rm_calloc(tab.hcap, sizeof(*tab.keys));
	tab.vals = rm_calloc(tab.hcap, sizeof(*tab.vals));
	/* (B) one thread per subject, preferring dummies, then non-replies. */
	for (uint32_t x = roots; x != NONE; x = f->v[x].next) {
		const struct sort_msg *s = date_msg(f, x);
		if (!s || !s->subject[0])
			continue;
		uint32_t *t = slot(&tab, s->subject);
		if (*t == NONE || (f->v[*t].msg && (!f->v[x].msg ||
		    (f->v[*t].msg->reply && !f->v[x].msg->reply))))
			*t = x;
	}
	/* (C) merge. */
	uint32_t head = NONE, *tail = &head;
	for (uint32_t x = roots, next; x != NONE; x = next) {
		next = f->v[x].next;
		f->v[x].next = NONE;
		const struct sort_msg *s = date_msg(f, x);
		uint32_t *t = s && s->subject[0] ? slot(&tab, s->subject) : NULL;
		if (!t || *t == x) {
			*tail = x;
			tail = &f->v[x].next;
			continue;
		}
		uint32_t y = *t;
		bool xd = !f->v[x].msg, yd = !f->v[y].msg;
		if (xd && yd) {
			for (uint32_t c = f->v[x].child, cn; c != NONE; c = cn) {
				cn = f->v[c].next;
				f->v[c].next = NONE;
				link_node(f, y, c);
			}
		} else if (yd || (f->v[x].msg->reply && !f->v[y].msg->reply)) {
			link_node(f, y, x);
		} else {
			/* A new dummy holds both; it takes y's place among the roots. */
			uint32_t d = node_new(f, NULL);
			f->v[d] = f->v[y];
			f->v[d].msg = NULL;
			f->v[d].child = NONE;
			uint32_t moved = node_new(f, f->v[y].msg);
			f->v[moved].child = f->v[y].child;
			for (uint32_t c = f->v[moved].child; c != NONE; c = f->v[c].next)
				f->v[c].parent = moved;
			f->v[y] = f->v[d];
			link_node(f, y, moved);
			link_node(f, y, x);
		}
	}
	free(tab.keys);
	free(tab.vals);
	return head;
}

static void write_node(const struct forest *f, uint32_t x, struct rm_buf *out);

static void write_children(const struct forest *f, uint32_t c, struct rm_buf *out)
{
	if (c == NONE)
		return;
	if (f->v[c].next == NONE) {
		rm_buf_putc(out, ' ');
		write_node(f, c, out);
		return;
	}
	rm_buf_putc(out, ' ');
	for (; c != NONE; c = f->v[c].next) {
		rm_buf_putc(out, '(');
		write_node(f, c, out);
		rm_buf_putc(out, ')');
	}
}

static void write_node(const struct forest *f, uint32_t x, struct rm_buf *out)
{
	rm_buf_printf(out, "%u", f->v[x].msg->number);
	write_children(f, f->v[x].child, out);
}

void thread_references(struct sort_msg *m, uint32_t n, struct rm_buf *out)
{
	struct forest f = { .hcap = 1 };
	uint32_t ids = 1;
	for (uint32_t i = 0; i < n; i++)
		ids += 1 + m[i].nrefs;
	while (f.hcap < 2 * ids)
		f.hcap *= 2;
	f.keys = rm_calloc(f.hcap, sizeof(*f.keys));
	f.vals = rm_calloc(f.hcap, sizeof(*f.vals));
	build(&f, m, n);
	/* Step 2: the root set. */
	uint32_t roots = NONE, *tail = &roots;
	for (uint32_t x = 0; x < f.n; x++)
		if (f.v[x].parent == NONE) {
			*tail = x;
			tail = &f.v[x].next;
		}
	roots = prune(&f, roots, NONE);
	for (uint32_t x = roots; x != NONE; x = f.v[x].next)      /* step 4 */
		f.v[x].child = sort_siblings(&f, f.v[x].child);
	roots = sort_siblings(&f, roots);
	roots = group_subjects(&f, roots);
	roots = sort_siblings(&f, roots);                          /* step 6 */
	for (uint32_t x = roots; x != NONE; x = f.v[x].next) {
		rm_buf_putc(out, '(');
		if (f.v[x].msg) {
			write_node(&f, x, out);
		} else {
			for (uint32_t c = f.v[x].child; c != NONE; c = f.v[c].next) {
				rm_buf_putc(out, '(');
				write_node(&f, c, out);
				rm_buf_putc(out, ')');
			}
		}
		rm_buf_putc(out, ')');
	}
	free(f.keys);
	free(f.vals);
	free(f.v);
}
