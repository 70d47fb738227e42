/*
 * libFuzzer target for the IMAP input path: the framer (lines, literals,
 * limits) and every argument parser a command handler uses (tokens, sequence
 * sets, FETCH lists, SEARCH programs, dates, mailbox names).  The first byte
 * picks the line limit so both pre-auth and authenticated bounds are hit.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/limits.h"
#include "server/imap/fetch_parse.h"
#include "server/imap/frame.h"
#include "server/imap/imap_date.h"
#include "server/imap/mailbox_name.h"
#include "server/imap/parse.h"
#include "server/imap/search_parse.h"
#include "server/imap/seqset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const struct imap_frame *fr)
{
	struct rm_arena arena;
	rm_arena_init(&arena, 4096);
	for (int variant = 0; variant < 6; variant++) {
		struct imap_parser p;
		imap_parser_init(&p, fr->text.data ? fr->text.data : "", fr->text.len, fr->lits,
				 fr->nlits, &arena);
		/* Skip "tag SP name" the way the dispatcher does. */
		struct imap_str w;
		if (!imap_parse_atom(&p, &w) || !imap_parse_try_sp(&p) || !imap_parse_atom(&p, &w)) {
			rm_arena_reset(&arena);
			continue;
		}
		switch (variant) {
		case 0: {
			struct seqset s;
			if (imap_parse_sp(&p) && seqset_parse(&p, true, &s)) {
				seqset_resolve(&s, 1000);
				struct fetch_req req;
				fetch_parse(&p, &req);
			}
			break;
		}
		case 1: {
			struct search_program prog;
			search_parse(&p, true, &prog);
			break;
		}
		case 2: {
			struct imap_str s;
			while (imap_parse_try_sp(&p) && imap_parse_astring(&p, &s)) {
				struct rm_buf out = { 0 };
				const char *why;
				mbox_name_from_client(s.s, s.len, s.len & 1, &out, &why);
				rm_buf_free(&out);
			}
			break;
		}
		case 3: {
			int64_t t;
			int z;
			if (imap_parse_sp(&p))
				imap_parse_datetime(&p, &t, &z);
			break;
		}
		case 4: {
			struct imap_str s;
			while (imap_parse_try_sp(&p)) {
				if (imap_parse_try_lparen(&p) || imap_parse_try_rparen(&p))
					continue;
				if (!imap_parse_nstring(&p, &s) && !imap_parse_astring(&p, &s))
					break;
			}
			break;
		}
		case 5: {
			uint64_t n;
			while (imap_parse_try_sp(&p) && imap_parse_number64(&p, &n))
				;
			break;
		}
		}
		rm_arena_reset(&arena);
	}
	rm_arena_fini(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t max_line = (data[0] & 1) ? RM_LINE_PREAUTH_MAX_BYTES : 256;
	data++;
	size--;
	struct imap_frame fr;
	frame_init(&fr);
	size_t pos = 0;
	unsigned guard = 0;
	while (pos < size && guard++ < 10000) {
		size_t used = 0;
		enum frame_result r = frame_feed(&fr, (const char *)data + pos, size - pos, max_line, &used);
		pos += used;
		switch (r) {
		case FRAME_MORE:
			break;
		case FRAME_COMMAND:
			exercise(&fr);
			frame_reset(&fr, true);
			break;
		case FRAME_LITERAL:
			/* Accept small literals, reject big ones like the session. */
			if (fr.pending_len <= 65536)
				frame_literal_accept(&fr, NULL, NULL);
			else
				frame_literal_reject(&fr);
			break;
		case FRAME_LINE_TOO_LONG:
		case FRAME_DISCARDED:
			frame_reset(&fr, true);
			break;
		}
	}
	frame_fini(&fr);
	return 0;
}
