/*
 * envelope.c — ENVELOPE from the header fields the parser kept.
 */
#include "index/envelope.h"

#include "index/mime_address.h"
#include "index/mime_imap.h"

static void address_list(struct rm_buf *out, struct mime_str v)
{
	if (!v.p || mime_address_write_list(v.p, v.len, out) == 0)
		rm_buf_append(out, "NIL", 3);
}

/* Sender and Reply-To: their own list, or From's when absent or empty. */
static void address_list_or(struct rm_buf *out, struct mime_str v, const struct rm_buf *from)
{
	if (!v.p || mime_address_write_list(v.p, v.len, out) == 0)
		rm_buf_append(out, from->data, from->len);
}

void envelope_write(const struct mime_node *n, struct rm_buf *out)
{
	if (!n) {
		rm_buf_puts(out, "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
		return;
	}
	const struct mime_str *h = n->hdr;
	struct rm_buf from = { 0 };
	address_list(&from, h[MIME_H_FROM]);
	rm_buf_putc(out, '(');
	mime_imap_field(out, h[MIME_H_DATE]);
	rm_buf_putc(out, ' ');
	mime_imap_field(out, h[MIME_H_SUBJECT]);
	rm_buf_putc(out, ' ');
	rm_buf_append(out, from.data, from.len);
	rm_buf_putc(out, ' ');
	address_list_or(out, h[MIME_H_SENDER], &from);
	rm_buf_putc(out, ' ');
	address_list_or(out, h[MIME_H_REPLY_TO], &from);
	rm_buf_putc(out, ' ');
	address_list(out, h[MIME_H_TO]);
	rm_buf_putc(out, ' ');
	address_list(out, h[MIME_H_CC]);
	rm_buf_putc(out, ' ');
	address_list(out, h[MIME_H_BCC]);
	rm_buf_putc(out, ' ');
	mime_imap_field(out, h[MIME_H_IN_REPLY_TO]);
	rm_buf_putc(out, ' ');
	mime_imap_field(out, h[MIME_H_MESSAGE_ID]);
	rm_buf_putc(out, ')');
	rm_buf_free(&from);
}
