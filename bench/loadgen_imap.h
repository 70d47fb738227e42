/*
 * loadgen_imap.h — the load generator's minimal IMAP response reader.
 *
 * It splits a server's byte stream into responses (RFC 9051 §7): a line, and
 * when the line ends with a literal announcement `{n}`, `{n+}` or `~{n}`, the
 * n literal bytes and the rest of the response after them.  Literal bytes are
 * counted and skipped, never stored; only the first line fragment of each
 * response is kept (up to LG_IMAP_HEAD_MAX bytes) together with its full
 * length and number of spaces, which is all the workloads need: tags and
 * status, `* N EXISTS`, FETCH counts, SEARCH hit counts, `+` continuations.
 * The reader is resumable: feed it whatever arrived, it reports how much it
 * consumed.
 */
#ifndef RM_BENCH_LOADGEN_IMAP_H
#define RM_BENCH_LOADGEN_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* First-fragment bytes kept per response. */
#define LG_IMAP_HEAD_MAX     256u
/* A response line (without literals) longer than this is a protocol error:
 * a SEARCH result over 100,000 messages is under 1 MiB. */
#define LG_IMAP_LINE_MAX_BYTES (16u * 1024 * 1024)
/* Largest literal accepted in a response (a 5 MiB message plus slack is far
 * below). */
#define LG_IMAP_LITERAL_MAX_BYTES (1024ull * 1024 * 1024)

enum lg_resp_type { LG_RESP_UNTAGGED, LG_RESP_CONT, LG_RESP_TAGGED };

struct lg_imap_reader {
	bool in_resp;            /* a response's first line has been seen */
	enum lg_resp_type type;
	char head[LG_IMAP_HEAD_MAX + 1]; /* first fragment, NUL-terminated, cut */
	size_t head_len;
	size_t line_bytes;       /* full length of the first fragment */
	size_t spaces;           /* spaces in the first fragment */
	uint64_t literal_left;   /* literal bytes still to skip */
	uint64_t literal_bytes;  /* literal bytes in this response so far */
};

/** Consumes bytes of data.  Returns 1 when a response is complete (its
 * description is in r until the next call), 0 when more input is needed,
 * -1 on a protocol error (line or literal over its bound, bad literal
 * count).  *used_r says how many bytes were consumed; with 0 the unconsumed
 * rest is an incomplete line the caller keeps and offers again with more
 * bytes behind it. */
int lg_imap_read(struct lg_imap_reader *r, const char *data, size_t len, size_t *used_r);

enum lg_imap_status { LG_IMAP_OK, LG_IMAP_NO, LG_IMAP_BAD, LG_IMAP_BYE, LG_IMAP_OTHER };

/** Status word after the tag of a tagged (or untagged "* ") line. */
enum lg_imap_status lg_imap_status_of(const struct lg_imap_reader *r);

/** True when the completed response is tagged with tag. */
bool lg_imap_is_tagged(const struct lg_imap_reader *r, const char *tag);

/** For "* <n> <word>..." (EXISTS, FETCH, EXPUNGE): 1 and *n_r when the
 * response is untagged with that word after a number, else 0. */
int lg_imap_untagged_num(const struct lg_imap_reader *r, const char *word, uint32_t *n_r);

#endif
