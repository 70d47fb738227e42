/*
 * bodystructure.c — BODY / BODYSTRUCTURE text.
 */
#include "index/bodystructure.h"

#include "common/util.h"
#include "index/envelope.h"
#include "index/mime_imap.h"
#include "index/mime_param.h"

/* The part the grammar needs where a multipart has none, and the body of
 * an unexpanded message part. */
#define EMPTY_BODY "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0"
#define EMPTY_EXT " NIL NIL NIL NIL"

static void empty_body(bool extended, struct rm_buf *out)
{
	rm_buf_puts(out, EMPTY_BODY);
	if (extended)
		rm_buf_puts(out, EMPTY_EXT);
	rm_buf_putc(out, ')');
}

static void params(const struct mime_params *ps, struct rm_buf *out)
{
	if (ps->n == 0) {
		rm_buf_append(out, "NIL", 3);
		return;
	}
	rm_buf_putc(out, '(');
	for (uint32_t i = 0; i < ps->n; i++) {
		if (i > 0)
			rm_buf_putc(out, ' ');
		mime_imap_string(out, ps->v[i].name.p, ps->v[i].name.len);
		rm_buf_putc(out, ' ');
		mime_imap_string(out, ps->v[i].value.p, ps->v[i].value.len);
	}
	rm_buf_putc(out, ')');
}

static void encoding(const struct mime_node *n, struct rm_buf *out)
{
	static const char *const names[] = {
		[MIME_ENC_7BIT] = "\"7BIT\"", [MIME_ENC_8BIT] = "\"8BIT\"",
		[MIME_ENC_BINARY] = "\"BINARY\"", [MIME_ENC_BASE64] = "\"BASE64\"",
		[MIME_ENC_QP] = "\"QUOTED-PRINTABLE\"",
	};
	const struct mime_str *cte = &n->hdr[MIME_H_CONTENT_TRANSFER_ENCODING];
	const char *tok;
	size_t len;
	if (n->encoding != MIME_ENC_UNKNOWN) {
		rm_buf_puts(out, names[n->encoding]);
	} else {
		RM_ASSERT(cte->p && mime_param_first_token(cte->p, cte->len, &tok, &len));
		mime_imap_string_upper(out, tok, len);
	}
}

static void disposition(struct mime_tree *t, const struct mime_node *n, struct rm_buf *out)
{
	const struct mime_str *v = &n->hdr[MIME_H_CONTENT_DISPOSITION];
	struct mime_str type;
	struct mime_params ps;
	if (!v->p || !mime_param_disposition(&t->arena, v->p, v->len, &type, &ps)) {
		rm_buf_append(out, "NIL", 3);
		return;
	}
	rm_buf_putc(out, '(');
	mime_imap_string_upper(out, type.p, type.len);
	rm_buf_putc(out, ' ');
	params(&ps, out);
	rm_buf_putc(out, ')');
}

struct lang_list {
	struct rm_buf *out;
	size_t n;
};

static void lang_token(void *arg, const char *tok, size_t len)
{
	struct lang_list *l = arg;
	rm_buf_putc(l->out, l->n++ ? ' ' : '(');
	mime_imap_string(l->out, tok, len);
}

static void language(const struct mime_node *n, struct rm_buf *out)
{
	const struct mime_str *v = &n->hdr[MIME_H_CONTENT_LANGUAGE];
	struct lang_list l = { out, 0 };
	if (v->p)
		mime_param_tokens(v->p, v->len, lang_token, &l);
	if (l.n)
		rm_buf_putc(out, ')');
	else
		rm_buf_append(out, "NIL", 3);
}

/* body-fld-dsp SP body-fld-lang SP body-fld-loc */
static void ext_tail(struct mime_tree *t, const struct mime_node *n, struct rm_buf *out)
{
	rm_buf_putc(out, ' ');
	disposition(t, n, out);
	rm_buf_putc(out, ' ');
	language(n, out);
	rm_buf_putc(out, ' ');
	mime_imap_field(out, n->hdr[MIME_H_CONTENT_LOCATION]);
}

static void multipart(struct mime_tree *t, const struct mime_node *n, bool extended,
	struct rm_buf *out)
{
	if (n->first_child == MIME_PART_NONE)
		empty_body(extended, out);
	for (uint32_t c = n->first_child; c != MIME_PART_NONE; c = t->nodes[c].next_sibling)
		bodystructure_write(t, c, extended, out);
	rm_buf_putc(out, ' ');
	mime_imap_string_upper(out, n->subtype.p, n->subtype.len);
	if (extended) {
		rm_buf_putc(out, ' ');
		params(&n->params, out);
		ext_tail(t, n, out);
	}
}

static void single(struct mime_tree *t, const struct mime_node *n, bool extended,
	struct rm_buf *out)
{
	mime_imap_string_upper(out, n->type.p, n->type.len);
	rm_buf_putc(out, ' ');
	mime_imap_string_upper(out, n->subtype.p, n->subtype.len);
	rm_buf_putc(out, ' ');
	params(&n->params, out);
	rm_buf_putc(out, ' ');
	mime_imap_field(out, n->hdr[MIME_H_CONTENT_ID]);
	rm_buf_putc(out, ' ');
	mime_imap_field(out, n->hdr[MIME_H_CONTENT_DESCRIPTION]);
	rm_buf_putc(out, ' ');
	encoding(n, out);
	rm_buf_putc(out, ' ');
	rm_buf_put_u64(out, n->body_end - n->body_start);
	if (n->kind == MIME_KIND_MESSAGE) {
		uint32_t c = n->first_child;
		rm_buf_putc(out, ' ');
		envelope_write(c == MIME_PART_NONE ? NULL : &t->nodes[c], out);
		rm_buf_putc(out, ' ');
		if (c == MIME_PART_NONE)
			empty_body(extended, out);
		else
			bodystructure_write(t, c, extended, out);
	}
	if (n->kind == MIME_KIND_MESSAGE || rm_word_eq(n->type.p, n->type.len, "text")) {
		rm_buf_putc(out, ' ');
		rm_buf_put_u64(out, n->lines);
	}
	if (extended) {
		rm_buf_putc(out, ' ');
		mime_imap_field(out, n->hdr[MIME_H_CONTENT_MD5]);
		ext_tail(t, n, out);
	}
}

void bodystructure_write(struct mime_tree *t, uint32_t idx, bool extended,
	struct rm_buf *out)
{
	const struct mime_node *n = &t->nodes[idx];
	rm_buf_putc(out, '(');
	if (n->kind == MIME_KIND_MULTIPART)
		multipart(t, n, extended, out);
	else
		single(t, n, extended, out);
	rm_buf_putc(out, ')');
}
