/*
 * libFuzzer target for the MIME parser: mime_parse() on the input, then
 * every accessor on the blob (ENVELOPE, BODY, BODYSTRUCTURE, part tree and
 * paths, section lookup of every part and of a few fixed paths,
 * HEADER.FIELDS), and the decoders on each leaf body.  Besides the
 * sanitizers it checks what must always hold: the rendered text follows
 * the RFC 9051 grammar (tests/unit/test_mime_check.c) and every range lies
 * inside the message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "index/mime.h"
#include "index/mime_decode.h"
#include "tests/unit/test_mime_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(cond)                                                              \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "fuzz_mime: %s failed at line %d\n", #cond, \
				__LINE__);                                      \
			abort();                                                \
		}                                                               \
	} while (0)

static void check_rendered(const struct rm_buf *blob)
{
	const char *p, *err;
	size_t len, at;
	MUST(mime_cache_envelope(blob->data, blob->len, &p, &len) == RM_OK);
	MUST(check_envelope(p, len, &err, &at));
	MUST(mime_cache_body(blob->data, blob->len, false, &p, &len) == RM_OK);
	MUST(check_body(p, len, false, &err, &at));
	MUST(mime_cache_body(blob->data, blob->len, true, &p, &len) == RM_OK);
	MUST(check_body(p, len, true, &err, &at));
	for (int f = 0; f < MIME_FIELD__COUNT; f++) {
		enum rm_err e = mime_cache_field(blob->data, blob->len, (enum mime_field)f, &p, &len);
		MUST(e == RM_OK || e == RM_ERR_NOTFOUND);
	}
	int64_t date;
	size_t end;
	MUST(mime_cache_date(blob->data, blob->len, &date) == RM_OK);
	MUST(mime_cache_header_end(blob->data, blob->len, &end) == RM_OK);
}

static void find(const struct rm_buf *blob, const char *msg, size_t size, const uint32_t *path,
	size_t depth)
{
	for (int k = MIME_SECTION_NONE; k <= MIME_SECTION_MIME; k++) {
		struct mime_range r;
		enum rm_err e = mime_section_find(blob->data, blob->len, path, depth,
						  (enum mime_section_kind)k, &r);
		MUST(e == RM_OK || e == RM_ERR_NOTFOUND || e == RM_ERR_INVAL);
		if (e != RM_OK)
			continue;
		MUST(r.start <= size && r.len <= size - r.start);
		if (k == MIME_SECTION_HEADER || k == MIME_SECTION_MIME) {
			static const char *const names[] = { "From", "subject", "CONTENT-TYPE" };
			struct rm_buf out = { 0 };
			mime_header_fields(msg + r.start, r.len, names, 3, k == MIME_SECTION_MIME, &out);
			MUST(out.len <= r.len);
			rm_buf_free(&out);
		}
	}
}

/* Decoders on a leaf body, bounded so one input stays fast. */
static void decode(const char *msg, const struct mime_part *p)
{
	struct rm_buf text = { 0 }, folded = { 0 };
	mime_decode_part(p, msg + p->body_start, RM_MIN(p->body_end - p->body_start, 65536u), &text);
	mime_fold_utf8(text.data ? text.data : "", text.len, &folded);
	MUST(folded.len <= text.len);
	rm_buf_free(&text);
	rm_buf_free(&folded);
}

static void walk_parts(const struct rm_buf *blob, const char *msg, size_t size)
{
	uint32_t count;
	MUST(mime_cache_part_count(blob->data, blob->len, &count) == RM_OK && count >= 1);
	for (uint32_t i = 0; i < count; i++) {
		struct mime_part p;
		MUST(mime_cache_part(blob->data, blob->len, i, &p) == RM_OK);
		MUST(p.header_start <= p.body_start && p.body_start <= p.body_end && p.body_end <= size);
		if (i >= 64)
			continue; /* lookups walk siblings: keep one input fast */
		uint32_t path[RM_MIME_DEPTH_MAX + 2];
		size_t depth;
		MUST(mime_cache_part_path(blob->data, blob->len, i, path, RM_ARRAY_LEN(path), &depth) ==
		     RM_OK);
		find(blob, msg, size, path, depth);
		if (p.kind == MIME_KIND_LEAF)
			decode(msg, &p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *msg = (const char *)data;
	struct rm_buf blob = { 0 };
	MUST(mime_parse(msg, size, &blob) == RM_OK);
	check_rendered(&blob);
	walk_parts(&blob, msg, size);
	static const uint32_t paths[][3] = { { 1, 0, 0 }, { 2, 0, 0 }, { 1, 1, 0 }, { 1, 2, 1 },
					     { 0, 0, 0 }, { 3, 1, 2 }, { 5000, 0, 0 } };
	static const size_t depths[] = { 1, 1, 2, 3, 1, 3, 1 };
	for (size_t i = 0; i < RM_ARRAY_LEN(paths); i++)
		find(&blob, msg, size, paths[i], depths[i]);
	find(&blob, msg, size, NULL, 0);
	/* The header decoder on the raw input as if it were a field value. */
	struct rm_buf out = { 0 };
	mime_decode_header(msg, RM_MIN(size, 4096u), &out);
	rm_buf_free(&out);
	rm_buf_free(&blob);
	return 0;
}
