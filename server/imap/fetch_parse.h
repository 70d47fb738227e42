/*
 * fetch_parse.h — the FETCH attribute list (RFC 9051 §6.4.5 and §9
 * fetch-att, RFC 3516 BINARY, RFC 7162 MODSEQ/CHANGEDSINCE/VANISHED,
 * RFC 8474 EMAILID/THREADID, RFC 8514 SAVEDATE) parsed into a list of items
 * the FETCH command executes.  Syntax only: whether a part exists is known
 * when the message is read.
 */
#ifndef RM_IMAP_FETCH_PARSE_H
#define RM_IMAP_FETCH_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "server/imap/parse.h"

#define FETCH_PART_DEPTH_MAX 32

enum fetch_item_kind {
	FI_UID,
	FI_FLAGS,
	FI_INTERNALDATE,
	FI_RFC822_SIZE,
	FI_ENVELOPE,
	FI_BODY,           /* non-extensible BODYSTRUCTURE */
	FI_BODYSTRUCTURE,
	FI_SECTION,        /* BODY[...], BODY.PEEK[...], RFC822, RFC822.HEADER, RFC822.TEXT */
	FI_BINARY,         /* BINARY[...], BINARY.PEEK[...] */
	FI_BINARY_SIZE,
	FI_MODSEQ,
	FI_EMAILID,
	FI_THREADID,
	FI_SAVEDATE,
};

enum fetch_section_text {
	FS_ALL,            /* BODY[] or BODY[1.2] */
	FS_HEADER,
	FS_HEADER_FIELDS,
	FS_HEADER_FIELDS_NOT,
	FS_TEXT,
	FS_MIME,
};

struct fetch_item {
	enum fetch_item_kind kind;
	/* FI_SECTION, FI_BINARY, FI_BINARY_SIZE */
	uint32_t part[FETCH_PART_DEPTH_MAX];
	unsigned depth;
	enum fetch_section_text text;
	const char **fields;          /* HEADER.FIELDS names, arena */
	unsigned nfields;
	bool peek;                    /* does not set \Seen */
	bool partial;
	uint32_t offset;              /* <offset.length> */
	uint32_t length;
	/* The name the response uses: "BODY[HEADER.FIELDS (FROM TO)]",
	 * "RFC822.HEADER", "BINARY[1]" (without <partial>, which the response
	 * writes as <offset>). */
	const char *resp_name;
};

struct fetch_req {
	struct fetch_item *items;     /* arena */
	unsigned n;
	bool changedsince;
	uint64_t changedsince_modseq;
	bool vanished;                /* UID FETCH (VANISHED), RFC 7162 §3.2.6 */
	/* What executing needs, summarized. */
	bool needs_body;              /* message bytes must be read */
	bool sets_seen;               /* a non-peek body item */
	bool has_modseq;              /* MODSEQ asked (or CHANGEDSINCE implies it) */
};

/** Parses " <att or list> [modifiers]" after the sequence set (starting
 * at the SP).  Memory from the parser's arena. */
bool fetch_parse(struct imap_parser *p, struct fetch_req *req);

/** True when the request has an item of that kind. */
bool fetch_req_has(const struct fetch_req *req, enum fetch_item_kind kind);
/** Adds an item without arguments (MODSEQ implied by CHANGEDSINCE); false
 * when the list is full. */
bool fetch_req_add(struct fetch_req *req, enum fetch_item_kind kind, const char *name);

#endif
