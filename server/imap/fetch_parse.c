#include "server/imap/fetch_parse.h"

#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "server/imap/quote.h"

#define FETCH_ITEMS_MAX 128
#define FETCH_FIELDS_MAX 256

static struct fetch_item *item_add(struct imap_parser *p, struct fetch_req *req,
				   enum fetch_item_kind kind, const char *resp_name)
{
	if (req->n >= FETCH_ITEMS_MAX) {
		imap_parse_fail(p, "Too many FETCH items");
		return NULL;
	}
	struct fetch_item *it = &req->items[req->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->resp_name = resp_name;
	return it;
}

/* section-part = nz-number *("." nz-number), followed by '.' or ']'. */
static bool parse_part_numbers(struct imap_parser *p, struct fetch_item *it, struct rm_buf *name)
{
	while (imap_parse_peek(p) >= '1' && imap_parse_peek(p) <= '9') {
		uint32_t n;
		if (!imap_parse_nz_number(p, &n))
			return false;
		if (it->depth >= FETCH_PART_DEPTH_MAX)
			return imap_parse_fail(p, "Section part too deep");
		it->part[it->depth++] = n;
		rm_buf_put_u64(name, n);
		if (imap_parse_peek(p) != '.')
			break;
		p->p++;
		rm_buf_putc(name, '.');
		int c = imap_parse_peek(p);
		if (!(c >= '1' && c <= '9'))
			break; /* ".HEADER" and friends follow */
	}
	return true;
}

static bool parse_header_list(struct imap_parser *p, struct fetch_item *it, struct rm_buf *name)
{
	if (!imap_parse_sp(p) || !imap_parse_lparen(p))
		return false;
	rm_buf_puts(name, " (");
	const char **fields = rm_arena_alloc(p->arena, FETCH_FIELDS_MAX * sizeof(*fields));
	unsigned n = 0;
	do {
		struct imap_str f;
		if (!imap_parse_astring(p, &f))
			return false;
		if (f.len == 0 || memchr(f.s, ':', f.len) || (f.lit && f.lit->has_nul))
			return imap_parse_fail(p, "Invalid header field name");
		if (n >= FETCH_FIELDS_MAX)
			return imap_parse_fail(p, "Too many header fields");
		fields[n] = imap_str_dup(p, &f);
		if (n)
			rm_buf_putc(name, ' ');
		imap_write_astring(name, f.s, f.len, false);
		n++;
	} while (imap_parse_try_sp(p));
	if (!imap_parse_rparen(p))
		return false;
	rm_buf_putc(name, ')');
	it->fields = fields;
	it->nfields = n;
	return true;
}

/* After "[" for BODY: [section-part ["." section-text]] / section-msgtext. */
static bool parse_section_spec(struct imap_parser *p, struct fetch_item *it, struct rm_buf *name)
{
	if (!parse_part_numbers(p, it, name))
		return false;
	bool dot = name->len && name->data[name->len - 1] == '.';
	if (!dot && imap_parse_peek(p) == ']')
		return true;
	if (!dot && it->depth > 0)
		return imap_parse_fail(p, "Invalid section");
	struct imap_str w;
	if (!imap_parse_word(p, "[]()<>", &w))
		return false;
	rm_buf_append(name, w.s, w.len);
	for (size_t i = name->len - w.len; i < name->len; i++)
		name->data[i] = rm_upper(name->data[i]);
	if (imap_str_eq(&w, "HEADER")) {
		it->text = FS_HEADER;
	} else if (imap_str_eq(&w, "TEXT")) {
		it->text = FS_TEXT;
	} else if (imap_str_eq(&w, "MIME") && it->depth > 0) {
		/* RFC 9051 §6.4.5: MIME only after a part number. */
		it->text = FS_MIME;
	} else if (imap_str_eq(&w, "HEADER.FIELDS") || imap_str_eq(&w, "HEADER.FIELDS.NOT")) {
		it->text = w.len == 13 ? FS_HEADER_FIELDS : FS_HEADER_FIELDS_NOT;
		return parse_header_list(p, it, name);
	} else {
		return imap_parse_fail(p, "Invalid section");
	}
	return true;
}

/* "<" number "." nz-number ">" */
static bool parse_partial(struct imap_parser *p, struct fetch_item *it)
{
	if (!imap_parse_try_char(p, '<'))
		return true;
	if (!imap_parse_number(p, &it->offset) || !imap_parse_char(p, '.', "Invalid partial") ||
	    !imap_parse_nz_number(p, &it->length) || !imap_parse_char(p, '>', "Invalid partial"))
		return false;
	it->partial = true;
	return true;
}

static bool parse_body_section(struct imap_parser *p, struct fetch_req *req, bool peek)
{
	struct rm_buf name = { 0 };
	rm_buf_puts(&name, "BODY[");
	struct fetch_item *it = item_add(p, req, FI_SECTION, NULL);
	bool ok = it && imap_parse_char(p, '[', "Expected [") &&
		  parse_section_spec(p, it, &name) && imap_parse_char(p, ']', "Expected ]") &&
		  parse_partial(p, it);
	if (ok) {
		rm_buf_putc(&name, ']');
		it->peek = peek;
		it->resp_name = rm_arena_strndup(p->arena, name.data, name.len);
		req->needs_body = true;
		if (!peek)
			req->sets_seen = true;
	}
	rm_buf_free(&name);
	return ok;
}

static bool parse_binary(struct imap_parser *p, struct fetch_req *req, enum fetch_item_kind kind,
			 bool peek)
{
	struct rm_buf name = { 0 };
	rm_buf_puts(&name, kind == FI_BINARY_SIZE ? "BINARY.SIZE[" : "BINARY[");
	struct fetch_item *it = item_add(p, req, kind, NULL);
	bool ok = it && imap_parse_char(p, '[', "Expected [") && parse_part_numbers(p, it, &name) &&
		  imap_parse_char(p, ']', "Expected ]") &&
		  (kind == FI_BINARY_SIZE || parse_partial(p, it));
	if (ok && name.len && name.data[name.len - 1] == '.')
		ok = imap_parse_fail(p, "Invalid binary section");
	if (ok) {
		rm_buf_putc(&name, ']');
		it->peek = peek || kind == FI_BINARY_SIZE;
		it->resp_name = rm_arena_strndup(p->arena, name.data, name.len);
		req->needs_body = true;
		if (!it->peek)
			req->sets_seen = true;
	}
	rm_buf_free(&name);
	return ok;
}

static bool add_simple(struct imap_parser *p, struct fetch_req *req, enum fetch_item_kind kind,
		       const char *name)
{
	return item_add(p, req, kind, name) != NULL;
}

/* RFC822, RFC822.HEADER, RFC822.TEXT: old names for BODY[], BODY.PEEK[HEADER]
 * (RFC822.HEADER never sets \Seen) and BODY[TEXT]. */
static bool add_rfc822(struct imap_parser *p, struct fetch_req *req, enum fetch_section_text text,
		       const char *name, bool peek)
{
	struct fetch_item *it = item_add(p, req, FI_SECTION, name);
	if (!it)
		return false;
	it->text = text;
	it->peek = peek;
	req->needs_body = true;
	if (!peek)
		req->sets_seen = true;
	return true;
}

static bool parse_att(struct imap_parser *p, struct fetch_req *req)
{
	struct imap_str w;
	if (!imap_parse_word(p, "[]()<>", &w))
		return false;
	if (imap_str_eq(&w, "UID"))
		return add_simple(p, req, FI_UID, "UID");
	if (imap_str_eq(&w, "FLAGS"))
		return add_simple(p, req, FI_FLAGS, "FLAGS");
	if (imap_str_eq(&w, "INTERNALDATE"))
		return add_simple(p, req, FI_INTERNALDATE, "INTERNALDATE");
	if (imap_str_eq(&w, "RFC822.SIZE"))
		return add_simple(p, req, FI_RFC822_SIZE, "RFC822.SIZE");
	if (imap_str_eq(&w, "ENVELOPE"))
		return add_simple(p, req, FI_ENVELOPE, "ENVELOPE");
	if (imap_str_eq(&w, "BODYSTRUCTURE"))
		return add_simple(p, req, FI_BODYSTRUCTURE, "BODYSTRUCTURE");
	if (imap_str_eq(&w, "MODSEQ")) {
		req->has_modseq = true;
		return add_simple(p, req, FI_MODSEQ, "MODSEQ");
	}
	if (imap_str_eq(&w, "EMAILID"))
		return add_simple(p, req, FI_EMAILID, "EMAILID");
	if (imap_str_eq(&w, "THREADID"))
		return add_simple(p, req, FI_THREADID, "THREADID");
	if (imap_str_eq(&w, "SAVEDATE"))
		return add_simple(p, req, FI_SAVEDATE, "SAVEDATE");
	if (imap_str_eq(&w, "RFC822"))
		return add_rfc822(p, req, FS_ALL, "RFC822", false);
	if (imap_str_eq(&w, "RFC822.HEADER"))
		return add_rfc822(p, req, FS_HEADER, "RFC822.HEADER", true);
	if (imap_str_eq(&w, "RFC822.TEXT"))
		return add_rfc822(p, req, FS_TEXT, "RFC822.TEXT", false);
	if (imap_str_eq(&w, "BODY")) {
		if (imap_parse_peek(p) == '[')
			return parse_body_section(p, req, false);
		return add_simple(p, req, FI_BODY, "BODY");
	}
	if (imap_str_eq(&w, "BODY.PEEK"))
		return parse_body_section(p, req, true);
	if (imap_str_eq(&w, "BINARY"))
		return parse_binary(p, req, FI_BINARY, false);
	if (imap_str_eq(&w, "BINARY.PEEK"))
		return parse_binary(p, req, FI_BINARY, true);
	if (imap_str_eq(&w, "BINARY.SIZE"))
		return parse_binary(p, req, FI_BINARY_SIZE, true);
	return imap_parse_fail(p, "Unknown FETCH item");
}

/* fetch-modifiers (RFC 4466 §2.4): CHANGEDSINCE (RFC 7162 §3.1.4) and
 * VANISHED (§3.2.6). */
static bool parse_modifiers(struct imap_parser *p, struct fetch_req *req)
{
	if (!imap_parse_lparen(p))
		return false;
	do {
		struct imap_str w;
		if (!imap_parse_atom(p, &w))
			return false;
		if (imap_str_eq(&w, "CHANGEDSINCE")) {
			if (req->changedsince)
				return imap_parse_fail(p, "CHANGEDSINCE given twice");
			if (!imap_parse_sp(p) || !imap_parse_number64(p, &req->changedsince_modseq))
				return false;
			req->changedsince = true;
			req->has_modseq = true;
		} else if (imap_str_eq(&w, "VANISHED")) {
			req->vanished = true;
		} else {
			return imap_parse_fail(p, "Unknown FETCH modifier");
		}
	} while (imap_parse_try_sp(p));
	return imap_parse_rparen(p);
}

bool fetch_parse(struct imap_parser *p, struct fetch_req *req)
{
	memset(req, 0, sizeof(*req));
	req->items = rm_arena_alloc(p->arena, FETCH_ITEMS_MAX * sizeof(*req->items));
	if (!imap_parse_sp(p))
		return false;
	if (imap_parse_try_lparen(p)) {
		do {
			if (!parse_att(p, req))
				return false;
		} while (imap_parse_try_sp(p));
		if (!imap_parse_rparen(p))
			return false;
	} else {
		struct imap_parser save = *p;
		struct imap_str w;
		if (!imap_parse_word(p, "[]()<>", &w))
			return false;
		static const enum fetch_item_kind fast[] = { FI_FLAGS, FI_INTERNALDATE, FI_RFC822_SIZE };
		static const char *const fast_names[] = { "FLAGS", "INTERNALDATE", "RFC822.SIZE" };
		bool all = imap_str_eq(&w, "ALL"), full = imap_str_eq(&w, "FULL");
		if (all || full || imap_str_eq(&w, "FAST")) {
			for (unsigned i = 0; i < 3; i++)
				add_simple(p, req, fast[i], fast_names[i]);
			if (all || full)
				add_simple(p, req, FI_ENVELOPE, "ENVELOPE");
			if (full)
				add_simple(p, req, FI_BODY, "BODY");
		} else {
			*p = save;
			if (!parse_att(p, req))
				return false;
		}
	}
	if (imap_parse_try_sp(p) && !parse_modifiers(p, req))
		return false;
	return imap_parse_eol(p);
}

bool fetch_req_has(const struct fetch_req *req, enum fetch_item_kind kind)
{
	for (unsigned i = 0; i < req->n; i++)
		if (req->items[i].kind == kind)
			return true;
	return false;
}

bool fetch_req_add(struct fetch_req *req, enum fetch_item_kind kind, const char *name)
{
	if (req->n >= FETCH_ITEMS_MAX)
		return false;
	struct fetch_item *it = &req->items[req->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->resp_name = name;
	return true;
}
