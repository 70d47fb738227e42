/*
 * mime_section.c — section specs (RFC 9051 §6.4.5.1) to byte ranges, read
 * from the cache blob's part tree.
 *
 * Walking a path keeps a current part and whether it stands for a message
 * (the root, or the encapsulated message inside a message/rfc822 part).
 * A number selects a multipart's child; a non-multipart message has only
 * number 1, its own body; a message/rfc822 part passes the number on to the
 * message it encapsulates.
 */
#include "index/mime.h"

#include "index/mime_cache.h"

struct cursor {
	uint32_t idx;
	struct mime_part p;
	bool message;     /* stands for a whole message */
	bool phantom;     /* the empty part 1 of a multipart without parts */
};

static enum rm_err nth_child(const void *blob, size_t len, uint32_t idx, uint32_t k, uint32_t *child_r)
{
	uint32_t c, next;
	enum rm_err err = mime_cache_links(blob, len, idx, &c, &next);
	while (err == RM_OK && c != MIME_PART_NONE && --k > 0) {
		uint32_t first;
		err = mime_cache_links(blob, len, c, &first, &next);
		c = next;
	}
	if (err == RM_OK && c == MIME_PART_NONE)
		err = RM_ERR_NOTFOUND;
	*child_r = c;
	return err;
}

static enum rm_err move_to(const void *blob, size_t len, struct cursor *c, uint32_t idx, bool message)
{
	c->idx = idx;
	c->message = message;
	return mime_cache_part(blob, len, idx, &c->p);
}

static enum rm_err step(const void *blob, size_t len, struct cursor *c, uint32_t k)
{
	if (k == 0)
		return RM_ERR_INVAL;
	if (c->phantom)
		return RM_ERR_NOTFOUND;
	for (;;) {
		if (c->p.kind == MIME_KIND_MULTIPART) {
			uint32_t child, next;
			enum rm_err err = mime_cache_links(blob, len, c->idx, &child, &next);
			if (err == RM_OK && child == MIME_PART_NONE && k == 1) {
				/* BODYSTRUCTURE shows one empty part here. */
				c->phantom = true;
				c->message = false;
				return RM_OK;
			}
			if (err == RM_OK)
				err = nth_child(blob, len, c->idx, k, &child);
			return err == RM_OK ? move_to(blob, len, c, child, false) : err;
		}
		if (c->message) {
			if (k != 1)
				return RM_ERR_NOTFOUND;
			c->message = false;
			return RM_OK;
		}
		if (c->p.kind != MIME_KIND_MESSAGE)
			return RM_ERR_NOTFOUND;
		uint32_t inner, next;
		enum rm_err err = mime_cache_links(blob, len, c->idx, &inner, &next);
		if (err == RM_OK && inner == MIME_PART_NONE)
			err = RM_ERR_NOTFOUND;
		if (err == RM_OK)
			err = move_to(blob, len, c, inner, true);
		if (err != RM_OK)
			return err;
	}
}

static void set_range(struct mime_range *r, size_t start, size_t end,
	enum mime_encoding enc, uint32_t part)
{
	r->start = start;
	r->len = end - start;
	r->encoding = enc;
	r->part = part;
}

static enum rm_err whole_message(const void *blob, size_t len, enum mime_section_kind kind,
	struct mime_range *r)
{
	struct mime_part root;
	enum rm_err err = mime_cache_part(blob, len, 0, &root);
	if (err != RM_OK)
		return err;
	switch (kind) {
	case MIME_SECTION_NONE:
		set_range(r, 0, root.body_end, MIME_ENC_BINARY, MIME_PART_NONE);
		return RM_OK;
	case MIME_SECTION_HEADER:
		set_range(r, root.header_start, root.body_start, MIME_ENC_BINARY, MIME_PART_NONE);
		return RM_OK;
	case MIME_SECTION_TEXT:
		set_range(r, root.body_start, root.body_end, root.encoding, MIME_PART_NONE);
		return RM_OK;
	case MIME_SECTION_MIME:
		break;
	}
	return RM_ERR_INVAL;
}

/* HEADER / TEXT after a path: the message a message/rfc822 part holds. */
static enum rm_err inner_message(const void *blob, size_t len, const struct cursor *c,
	enum mime_section_kind kind, struct mime_range *r)
{
	if (c->phantom || c->p.kind != MIME_KIND_MESSAGE)
		return RM_ERR_NOTFOUND;
	uint32_t inner, next;
	struct mime_part m;
	enum rm_err err = mime_cache_links(blob, len, c->idx, &inner, &next);
	if (err != RM_OK)
		return err;
	if (inner == MIME_PART_NONE) {
		/* Not expanded: no header, all of it is text. */
		size_t end = kind == MIME_SECTION_HEADER ? c->p.body_start : c->p.body_end;
		set_range(r, c->p.body_start, end, kind == MIME_SECTION_HEADER ? MIME_ENC_BINARY :
			  c->p.encoding, c->idx);
		return RM_OK;
	}
	if ((err = mime_cache_part(blob, len, inner, &m)) != RM_OK)
		return err;
	if (kind == MIME_SECTION_HEADER)
		set_range(r, m.header_start, m.body_start, MIME_ENC_BINARY, inner);
	else
		set_range(r, m.body_start, m.body_end, m.encoding, inner);
	return RM_OK;
}

enum rm_err mime_section_find(const void *blob, size_t len, const uint32_t *path,
	size_t depth, enum mime_section_kind kind, struct mime_range *r)
{
	if (depth == 0)
		return whole_message(blob, len, kind, r);
	struct cursor c = { 0 };
	enum rm_err err = move_to(blob, len, &c, 0, true);
	for (size_t i = 0; i < depth && err == RM_OK; i++)
		err = step(blob, len, &c, path[i]);
	if (err != RM_OK)
		return err;
	switch (kind) {
	case MIME_SECTION_NONE:
		if (c.phantom)
			set_range(r, c.p.body_start, c.p.body_start, MIME_ENC_7BIT, c.idx);
		else
			set_range(r, c.p.body_start, c.p.body_end, c.p.encoding, c.idx);
		return RM_OK;
	case MIME_SECTION_MIME:
		if (c.phantom)
			set_range(r, c.p.body_start, c.p.body_start, MIME_ENC_BINARY, c.idx);
		else
			set_range(r, c.p.header_start, c.p.body_start, MIME_ENC_BINARY, c.idx);
		return RM_OK;
	case MIME_SECTION_HEADER:
	case MIME_SECTION_TEXT:
		return inner_message(blob, len, &c, kind, r);
	}
	return RM_ERR_INVAL;
}
