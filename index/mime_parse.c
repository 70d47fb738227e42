/*
 * mime_parse.c — one forward pass over a message that builds the part tree
 * (mime_tree.h), then the cache blob (mime_cache.c).
 *
 * The pass keeps an explicit stack of open entities, one frame per level
 * (at most RM_MIME_DEPTH_MAX + 1), and moves line by line.  An entity is
 * first in ST_HEADER; when its header ends it becomes a leaf (ST_BODY), a
 * multipart waiting for its first boundary (ST_PREAMBLE), or a message
 * whose encapsulated message is pushed on top (ST_MESSAGE).  A boundary
 * line of any open multipart closes every frame above that multipart and
 * opens its next part (ST_PART) or starts its epilogue (ST_EPILOGUE).  End
 * of input closes everything.  Line counts come from a running count of
 * LFs, so no byte is looked at twice.
 */
#include "index/mime_tree.h"

#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "index/mime_cache.h"
#include "index/mime_header.h"
#include "index/mime_param.h"

#define MAX_FRAMES (RM_MIME_DEPTH_MAX + 1)

enum frame_state { ST_HEADER, ST_BODY, ST_PREAMBLE, ST_PART, ST_EPILOGUE, ST_MESSAGE };

struct frame {
	uint32_t node;
	enum frame_state state;
};

struct parser {
	struct mime_tree *t;
	const char *m;
	size_t len;
	size_t pos;        /* always a line start (or len) */
	uint32_t lf;       /* LFs before pos */
	struct frame st[MAX_FRAMES];
	unsigned sp;
	unsigned active;   /* frames whose boundary is live */
	bool flat;         /* part budget spent: the rest is body */
};

/* A boundary line found at q. */
struct hit {
	unsigned level;    /* stack index of the multipart it belongs to */
	bool close;
	size_t q;
	size_t next;       /* start of the following line */
};

static bool boundary_live(enum frame_state s)
{
	return s == ST_PREAMBLE || s == ST_PART;
}

static struct mime_node *node(struct parser *ps, uint32_t idx)
{
	return &ps->t->nodes[idx];
}

/* After "--boundary" at r: "--" (close) or padding to the line end. */
static bool boundary_tail(const char *m, size_t len, size_t r, bool *close_r)
{
	if (r + 1 < len && m[r] == '-' && m[r + 1] == '-') {
		*close_r = true;
		return true;
	}
	while (r < len && (m[r] == ' ' || m[r] == '\t'))
		r++;
	*close_r = false;
	return r == len || m[r] == '\n' || (m[r] == '\r' && (r + 1 == len || m[r + 1] == '\n'));
}

static bool match_boundary(struct parser *ps, size_t q, struct hit *h)
{
	const char *m = ps->m;
	if (ps->active == 0 || ps->flat || q + 2 > ps->len || m[q] != '-' || m[q + 1] != '-')
		return false;
	for (unsigned k = ps->sp; k-- > 0;) {
		if (!boundary_live(ps->st[k].state))
			continue;
		const struct mime_str *b = &node(ps, ps->st[k].node)->boundary;
		if (q + 2 + b->len > ps->len || memcmp(m + q + 2, b->p, b->len) != 0)
			continue;
		if (!boundary_tail(m, ps->len, q + 2 + b->len, &h->close))
			continue;
		const char *nl = memchr(m + q, '\n', ps->len - q);
		h->level = k;
		h->q = q;
		h->next = nl ? (size_t)(nl - m) + 1 : ps->len;
		return true;
	}
	return false;
}

/* Ends node idx's body at end, lf_end being the LF count before end. */
static void close_node(struct parser *ps, uint32_t idx, size_t end, uint32_t lf_end)
{
	struct mime_node *n = node(ps, idx);
	if (end < n->body_start) {
		end = n->body_start;
		lf_end = n->body_lf;
	}
	n->body_end = (uint32_t)end;
	n->lines = lf_end - n->body_lf +
		   (end > n->body_start && ps->m[end - 1] != '\n' ? 1u : 0u);
}

/* Pops every frame above level, closing their nodes at end. */
static void pop_to(struct parser *ps, unsigned level, size_t end, uint32_t lf_end)
{
	while (ps->sp > level) {
		struct frame *f = &ps->st[--ps->sp];
		if (boundary_live(f->state))
			ps->active--;
		close_node(ps, f->node, end, lf_end);
	}
}

static void push(struct parser *ps, uint32_t idx)
{
	RM_ASSERT(ps->sp < MAX_FRAMES);
	ps->st[ps->sp++] = (struct frame){ idx, ST_HEADER };
}

/* A new entity starting at ps->pos under parent (MIME_PART_NONE: root). */
static void open_entity(struct parser *ps, uint32_t parent)
{
	uint32_t idx = mime_tree_add(ps->t);
	struct mime_node *n = node(ps, idx);
	n->header_start = n->body_start = (uint32_t)ps->pos;
	n->body_lf = ps->lf;
	n->parent = parent;
	if (parent == MIME_PART_NONE) {
		n->flags = MIME_PART_F_MESSAGE;
	} else {
		struct mime_node *p = node(ps, parent);
		n->depth = (uint8_t)(p->depth + 1);
		if (p->kind == MIME_KIND_MESSAGE)
			n->flags = MIME_PART_F_MESSAGE;
		else
			n->number = ++p->child_count;
		if (p->last_child == MIME_PART_NONE)
			p->first_child = idx;
		else
			node(ps, p->last_child)->next_sibling = idx;
		p->last_child = idx;
	}
	push(ps, idx);
}

static void on_delimiter(struct parser *ps, const struct hit *h)
{
	size_t end = h->q;
	uint32_t lf_end = ps->lf;
	/* The line end before a boundary belongs to the boundary. */
	if (end > 0 && ps->m[end - 1] == '\n') {
		end--;
		lf_end--;
		if (end > 0 && ps->m[end - 1] == '\r')
			end--;
	}
	pop_to(ps, h->level + 1, end, lf_end);
	struct frame *f = &ps->st[h->level];
	ps->lf += h->next > h->q && ps->m[h->next - 1] == '\n';
	ps->pos = h->next;
	if (h->close || ps->t->count >= RM_MIME_PARTS_MAX) {
		ps->flat = ps->flat || !h->close;
		f->state = ST_EPILOGUE;
		ps->active--;
		return;
	}
	f->state = ST_PART;
	open_entity(ps, f->node);
}

static uint32_t count_lf(const char *p, size_t n)
{
	uint32_t c = 0;
	const char *end = p + n;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		c++;
		p++;
	}
	return c;
}

/* Top frame is a body, preamble or epilogue: runs to a boundary or EOF. */
static void scan_body(struct parser *ps)
{
	const char *m = ps->m;
	size_t p = ps->pos;
	if (ps->active > 0 && !ps->flat) {
		while (p < ps->len) {
			struct hit h;
			if (m[p] == '-' && match_boundary(ps, p, &h)) {
				ps->pos = p;
				on_delimiter(ps, &h);
				return;
			}
			const char *nl = memchr(m + p, '\n', ps->len - p);
			if (!nl)
				break;
			p = (size_t)(nl - m) + 1;
			ps->lf++;
		}
	} else {
		ps->lf += count_lf(m + p, ps->len - p);
	}
	ps->pos = ps->len;
	pop_to(ps, 0, ps->len, ps->lf);
}

static const struct {
	const char *name;
	size_t len;
	enum mime_hdr h;
} fields[] = {
#define F(s, h) { s, sizeof(s) - 1, h }
	F("content-type", MIME_H_CONTENT_TYPE),
	F("content-transfer-encoding", MIME_H_CONTENT_TRANSFER_ENCODING),
	F("content-disposition", MIME_H_CONTENT_DISPOSITION),
	F("content-id", MIME_H_CONTENT_ID),
	F("content-description", MIME_H_CONTENT_DESCRIPTION),
	F("content-md5", MIME_H_CONTENT_MD5),
	F("content-language", MIME_H_CONTENT_LANGUAGE),
	F("content-location", MIME_H_CONTENT_LOCATION),
	F("date", MIME_H_DATE),
	F("subject", MIME_H_SUBJECT),
	F("from", MIME_H_FROM),
	F("sender", MIME_H_SENDER),
	F("reply-to", MIME_H_REPLY_TO),
	F("to", MIME_H_TO),
	F("cc", MIME_H_CC),
	F("bcc", MIME_H_BCC),
	F("in-reply-to", MIME_H_IN_REPLY_TO),
	F("message-id", MIME_H_MESSAGE_ID),
	F("references", MIME_H_REFERENCES),
#undef F
};

static void record_field(struct parser *ps, struct mime_node *n, const struct mime_header_line *l)
{
	const char *name = ps->m + l->start;
	for (size_t i = 0; i < RM_ARRAY_LEN(fields); i++) {
		if (fields[i].len != l->name_len ||
		    rm_strncasecmp_ascii(name, fields[i].name, l->name_len) != 0)
			continue;
		struct mime_str *s = &n->hdr[fields[i].h];
		if (!s->p) {
			s->p = ps->m + l->value_start;
			s->len = l->value_end - l->value_start;
		}
		return;
	}
}

static enum mime_encoding encoding_of(const struct mime_str *cte)
{
	static const struct {
		const char *name;
		enum mime_encoding e;
	} known[] = {
		{ "7bit", MIME_ENC_7BIT }, { "8bit", MIME_ENC_8BIT },
		{ "binary", MIME_ENC_BINARY }, { "base64", MIME_ENC_BASE64 },
		{ "quoted-printable", MIME_ENC_QP },
	};
	const char *tok = NULL;
	size_t tok_len = 0;
	if (!cte->p || !mime_param_first_token(cte->p, cte->len, &tok, &tok_len))
		return MIME_ENC_7BIT;
	for (size_t i = 0; i < RM_ARRAY_LEN(known); i++) {
		if (rm_word_eq(tok, tok_len, known[i].name))
			return known[i].e;
	}
	return MIME_ENC_UNKNOWN;
}

static bool parent_is_digest(struct parser *ps, const struct mime_node *n)
{
	if (n->parent == MIME_PART_NONE)
		return false;
	const struct mime_node *p = node(ps, n->parent);
	return p->kind == MIME_KIND_MULTIPART && rm_word_eq(p->subtype.p, p->subtype.len, "digest");
}

/* Content-Type (or its default), kind and encoding of n. */
static void resolve_type(struct parser *ps, struct mime_node *n)
{
	struct mime_str *ct = &n->hdr[MIME_H_CONTENT_TYPE];
	if (!ct->p || !mime_param_content_type(&ps->t->arena, ct->p, ct->len,
					       &n->type, &n->subtype, &n->params)) {
		n->flags |= MIME_PART_F_CT_DEFAULT;
		n->params = (struct mime_params){ NULL, 0 };
		if (parent_is_digest(ps, n)) {
			n->type = (struct mime_str){ "message", 7 };
			n->subtype = (struct mime_str){ "rfc822", 6 };
		} else {
			static struct mime_param charset = { { "CHARSET", 7 }, { "US-ASCII", 8 } };
			n->type = (struct mime_str){ "text", 4 };
			n->subtype = (struct mime_str){ "plain", 5 };
			n->params = (struct mime_params){ &charset, 1 };
		}
	}
	if (rm_word_eq(n->type.p, n->type.len, "multipart"))
		n->kind = MIME_KIND_MULTIPART;
	else if (rm_word_eq(n->type.p, n->type.len, "message") &&
		 (rm_word_eq(n->subtype.p, n->subtype.len, "rfc822") ||
		  rm_word_eq(n->subtype.p, n->subtype.len, "global")))
		n->kind = MIME_KIND_MESSAGE;
	n->encoding = (uint8_t)encoding_of(&n->hdr[MIME_H_CONTENT_TRANSFER_ENCODING]);
}

/* Whether n (a multipart or message) may get children. */
static bool may_expand(struct parser *ps, struct mime_node *n, bool has_body)
{
	if (!has_body || n->depth >= RM_MIME_DEPTH_MAX || ps->t->count >= RM_MIME_PARTS_MAX)
		return false;
	if (n->kind == MIME_KIND_MULTIPART) {
		const struct mime_param *b = mime_param_find(&n->params, "BOUNDARY");
		if (!b || b->value.len == 0)
			return false;
		n->boundary = b->value;
		return true;
	}
	return n->encoding == MIME_ENC_7BIT || n->encoding == MIME_ENC_8BIT ||
	       n->encoding == MIME_ENC_BINARY;
}

/* The header of the top frame's node ended; its body starts at body_start.
 * has_body is false when a boundary line or end of input ended it. */
static void finish_header(struct parser *ps, size_t body_start, bool has_body)
{
	struct frame *f = &ps->st[ps->sp - 1];
	struct mime_node *n = node(ps, f->node);
	n->body_start = (uint32_t)body_start;
	n->body_lf = ps->lf;
	resolve_type(ps, n);
	f->state = ST_BODY;
	if (n->kind == MIME_KIND_LEAF)
		return;
	if (!may_expand(ps, n, has_body)) {
		n->flags |= MIME_PART_F_NOT_EXPANDED;
		return;
	}
	if (n->kind == MIME_KIND_MULTIPART) {
		f->state = ST_PREAMBLE;
		ps->active++;
	} else {
		f->state = ST_MESSAGE;
		open_entity(ps, f->node);
	}
}

static void parse_header(struct parser *ps)
{
	uint32_t idx = ps->st[ps->sp - 1].node;
	size_t limit = node(ps, idx)->header_start + (size_t)RM_MIME_HEADER_MAX_BYTES;
	for (;;) {
		struct hit h;
		if (match_boundary(ps, ps->pos, &h)) {
			finish_header(ps, ps->pos, false);
			on_delimiter(ps, &h);
			return;
		}
		struct mime_header_line l;
		mime_header_next(ps->m, ps->len, ps->pos, &l);
		if (l.item == MIME_HEADER_EOF) {
			finish_header(ps, ps->len, false);
			return;
		}
		ps->lf += l.lf_count;
		ps->pos = l.end;
		if (l.item == MIME_HEADER_BLANK) {
			finish_header(ps, l.end, true);
			return;
		}
		if (l.item == MIME_HEADER_FIELD && l.start < limit)
			record_field(ps, node(ps, idx), &l);
	}
}

void mime_parse_tree(struct mime_tree *t)
{
	struct parser ps = { .t = t, .m = t->msg, .len = t->len };
	open_entity(&ps, MIME_PART_NONE);
	while (ps.sp > 0) {
		enum frame_state s = ps.st[ps.sp - 1].state;
		RM_ASSERT(s != ST_PART && s != ST_MESSAGE);
		if (s == ST_HEADER)
			parse_header(&ps);
		else
			scan_body(&ps);
	}
}

enum rm_err mime_parse(const char *msg, size_t len, struct rm_buf *cache_r)
{
	if (len > UINT32_MAX - 1)
		return RM_ERR_LIMIT;
	struct mime_tree t;
	mime_tree_init(&t, msg, len);
	mime_parse_tree(&t);
	mime_cache_write(&t, cache_r);
	mime_tree_fini(&t);
	return RM_OK;
}
