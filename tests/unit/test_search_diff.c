/*
 * The differential test of SEARCH: over a generated corpus of 2,400
 * messages (bench/datagen's shapes — plain, alternative with HTML, mixed
 * with base64 attachments; us-ascii, utf-8, iso-8859-1, windows-1252,
 * koi8-r; 7bit, 8bit, quoted-printable, base64; RFC 2047 subjects — plus
 * real messages from the shared corpus), hundreds of random search
 * programs must give identical results from the index path and the scan
 * path.  Needles are cut from the messages' own decoded text (so most
 * programs have hits), some are absent, some under three bytes (no
 * trigram), and keys are mixed with flags, sizes, NOT, OR and groups.
 * The programs run in every state of the index's merging (meta_fts.c):
 * the whole corpus in the tail (nothing merged), half-way through a
 * generation (some lists appended, the merge mark not moved), merged with
 * a new tail on top, and after a restart.
 * Also: `ringmail verify`'s FTS check passes, a rebuilt index searches the
 * same and dumps the same (before and after merging everything), and the
 * index path answered without reading message bytes.
 */
#include <dirent.h>

#include "tests/unit/test_store_util.h"
#include "tests/unit/test_search_util.h"
#include "bench/datagen.h"
#include "index/fts_doc.h"
#include "index/mime.h"

#define MESSAGES_GEN 2000u
#define MESSAGES_CORPUS_MAX 400u
#define MESSAGES_LATE 300u
#define PROGRAMS 300u

static uint64_t rng_state = 42;

static uint64_t rnd(uint64_t n)
{
	return datagen_rand(&rng_state) % n;
}

/* ---- corpus ----------------------------------------------------------------- */

static size_t load_file(const char *path, struct rm_buf *out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	char buf[65536];
	size_t n;
	rm_buf_reset(out);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		rm_buf_append(out, buf, n);
	fclose(f);
	/* Drop an mbox "From " line. */
	if (out->len > 5 && !memcmp(out->data, "From ", 5)) {
		char *nl = memchr(out->data, '\n', out->len);
		if (nl)
			rm_buf_consume(out, (size_t)(nl - out->data) + 1);
	}
	return out->len;
}

static unsigned load_corpus_dir(struct tenv *e, uint64_t user, uint64_t mbox, const char *dir,
				unsigned max)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *de;
	struct rm_buf b = { 0 };
	unsigned n = 0;
	while (n < max && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (load_file(path, &b) && b.len < 2u * 1024 * 1024) {
			enum rm_err err;
			t_append_kw(e, user, mbox, b.data, b.len, 0, NULL, 0, &err);
			n += err == RM_OK;
		}
	}
	closedir(d);
	rm_buf_free(&b);
	return n;
}

/* ---- needles ------------------------------------------------------------------ */

/* A substring of some message's decoded text, cut at UTF-8 boundaries. */
static size_t pick_needle(struct tenv *e, uint64_t mbox, uint32_t nmsgs, char *out, size_t cap,
			  unsigned *kind_r)
{
	struct store_view *v;
	struct store_msg m;
	CHECK_OK(store_view_begin(e->part, &v));
	size_t len = 0;
	for (int tries = 0; tries < 20 && len == 0; tries++) {
		uint32_t uid = 1 + (uint32_t)rnd(nmsgs);
		const void *doc;
		size_t dl;
		if (store_view_msg(v, mbox, uid, &m) != RM_OK ||
		    store_view_fts_doc(v, m.blob_lsn, &doc, &dl) != RM_OK)
			continue;
		size_t pos = 0, want = 1 + (size_t)rnd(RM_MIN(cap - 1, 12));
		struct fts_unit u, pick = { 0 };
		unsigned seen = 0;
		while (fts_doc_next(doc, dl, &pos, &u) == 1)
			if (u.value_len >= want && rnd(++seen) == 0)
				pick = u;
		if (!seen || !pick.value)
			continue;
		size_t at = (size_t)rnd(pick.value_len - want + 1);
		while (at > 0 && ((unsigned char)pick.value[at] & 0xc0) == 0x80)
			at--;
		size_t end = at + want;
		while (end < pick.value_len && ((unsigned char)pick.value[end] & 0xc0) == 0x80)
			end++;
		len = end - at;
		/* Quoted strings cannot carry these. */
		for (size_t i = at; i < end; i++)
			if (pick.value[i] == '"' || pick.value[i] == '\\' || pick.value[i] == '\r' ||
			    pick.value[i] == '\n' || pick.value[i] == 0)
				len = 0;
		if (len) {
			memcpy(out, pick.value + at, len);
			*kind_r = pick.kind;
		}
	}
	store_view_end(&v);
	out[len] = '\0';
	return len;
}

static void text_key(struct tenv *e, uint64_t mbox, uint32_t nmsgs, struct rm_buf *p)
{
	char needle[64];
	unsigned kind = FTS_U_BODY;
	size_t n = rnd(10) == 0 ? 0 : pick_needle(e, mbox, nmsgs, needle, sizeof(needle), &kind);
	if (n == 0)
		snprintf(needle, sizeof(needle), "zq%llxxq", (unsigned long long)rnd(1u << 20));
	/* Upper-case some ASCII letters: matching is case-insensitive. */
	for (char *c = needle; *c; c++)
		if (*c >= 'a' && *c <= 'z' && rnd(3) == 0)
			*c = (char)(*c - 32);
	static const char *const hdr[] = { "FROM", "TO", "CC", "SUBJECT", "BCC" };
	switch (rnd(6)) {
	case 0: rm_buf_printf(p, "TEXT \"%s\"", needle); break;
	case 1: rm_buf_printf(p, "BODY \"%s\"", needle); break;
	case 2: rm_buf_printf(p, "%s \"%s\"", hdr[rnd(5)], needle); break;
	case 3: rm_buf_printf(p, "HEADER %s \"%s\"", rnd(2) ? "Content-Type" : "Message-ID",
			      rnd(4) ? needle : ""); break;
	default: rm_buf_printf(p, "%s \"%s\"", kind == FTS_U_HEADER ? "TEXT" : "BODY", needle);
	}
}

static void random_key(struct tenv *e, uint64_t mbox, uint32_t nmsgs, struct rm_buf *p, int depth)
{
	unsigned r = (unsigned)rnd(depth > 2 ? 6 : 10);
	switch (r) {
	case 0: rm_buf_puts(p, rnd(2) ? "SEEN" : "UNFLAGGED"); break;
	case 1: rm_buf_printf(p, "LARGER %llu", (unsigned long long)rnd(20000)); break;
	case 2: case 3: case 4: case 5: text_key(e, mbox, nmsgs, p); break;
	case 6: rm_buf_puts(p, "NOT "); random_key(e, mbox, nmsgs, p, depth + 1); break;
	case 7: case 8:
		rm_buf_puts(p, "OR ");
		random_key(e, mbox, nmsgs, p, depth + 1);
		rm_buf_putc(p, ' ');
		random_key(e, mbox, nmsgs, p, depth + 1);
		break;
	default:
		rm_buf_putc(p, '(');
		random_key(e, mbox, nmsgs, p, depth + 1);
		rm_buf_putc(p, ' ');
		random_key(e, mbox, nmsgs, p, depth + 1);
		rm_buf_putc(p, ')');
	}
}

/* ---- running ------------------------------------------------------------------- */

static unsigned compare_paths(struct tenv *e, uint64_t mbox, const uint32_t *uids, uint32_t n,
			      const char *text, uint64_t *hits_r, uint64_t *verified_r)
{
	uint32_t sc_i, ver_i, sc_s, ver_s;
	uint8_t *a = t_search(e->part, &e->loop, mbox, uids, n, text, SEARCH_PATH_AUTO, &sc_i,
			      &ver_i);
	uint8_t *b = t_search(e->part, &e->loop, mbox, uids, n, text, SEARCH_PATH_SCAN, &sc_s,
			      &ver_s);
	unsigned diffs = 0;
	for (uint32_t i = 0; i < n; i++) {
		*hits_r += a[i];
		if (a[i] != b[i] && diffs++ < 5)
			fprintf(stderr, "DIFF uid %u: index %u scan %u for: %s\n", uids[i], a[i], b[i],
				text);
	}
	/* The index answered every text key: no message bytes were read. */
	CHECK(sc_i == 0);
	CHECK(ver_s == 0);
	*verified_r += ver_i;
	free(a);
	free(b);
	return diffs;
}

/* ---- merge states ------------------------------------------------------------ */

static uint64_t merged_mark(struct tenv *e)
{
	struct store_view *v;
	CHECK_OK(store_view_begin(e->part, &v));
	uint64_t m = store_view_fts_merged(v);
	store_view_end(&v);
	return m;
}

/* One merge step in a transaction of its own; returns whether it appended
 * lists (or finished), *done_r when the tail is empty. */
static bool merge_step(struct tenv *e, bool *done_r)
{
	struct meta_txn *t;
	bool wrote;
	CHECK_OK(meta_txn_begin(e->part->meta, true, &t));
	CHECK_OK(meta_fts_merge_step(t, RM_FTS_MERGE_STEP_LISTS, RM_FTS_MERGE_STEP_PAIRS, &wrote,
				     done_r));
	CHECK_OK(meta_txn_commit(&t));
	return wrote;
}

static void merge_everything(struct tenv *e)
{
	bool done = false;
	for (unsigned i = 0; i < 100000 && !done; i++)
		merge_step(e, &done);
	CHECK(done);
}

/* Stops half-way through a generation: its documents read, some lists
 * appended, the mark not moved yet. */
static void merge_half(struct tenv *e)
{
	uint64_t before = merged_mark(e);
	bool done = false;
	while (!merge_step(e, &done))
		CHECK(!done);
	merge_step(e, &done);
	struct meta_fts_tail_stats st;
	meta_fts_tail_stats(e->part->meta, &st);
	CHECK(st.merging && !done && merged_mark(e) == before);
}

static void append_generated(struct tenv *e, uint64_t user, uint64_t mbox, uint32_t first,
			     uint32_t n)
{
	struct rm_buf msg = { 0 };
	for (uint32_t i = first; i < first + n; i++) {
		rm_buf_reset(&msg);
		size_t size = 1024 + (size_t)rnd(i % 10 == 0 ? 60000 : 6000);
		datagen_message(7, i, size, &msg);
		uint32_t flags = (uint32_t)rnd(32) & STORE_F_ALL;
		enum rm_err err;
		t_append_kw(e, user, mbox, msg.data, msg.len, flags, NULL, 0, &err);
		CHECK_OK(err);
	}
	rm_buf_free(&msg);
}

/* PROGRAMS / 4 random programs over uids[0..n) both ways. */
static unsigned run_programs(struct tenv *e, uint64_t mbox, const uint32_t *uids, uint32_t n,
			     const char *state)
{
	unsigned diffs = 0;
	uint64_t hits = 0, verified = 0;
	struct rm_buf prog = { 0 };
	for (unsigned i = 0; i < PROGRAMS / 4; i++) {
		rm_buf_reset(&prog);
		rm_buf_putc(&prog, ' ');
		random_key(e, mbox, n, &prog, 0);
		if (rnd(3) == 0) {
			rm_buf_putc(&prog, ' ');
			random_key(e, mbox, n, &prog, 1);
		}
		diffs += compare_paths(e, mbox, uids, n, rm_buf_cstr(&prog), &hits, &verified);
	}
	printf("%s: %u programs over %u messages: %llu hits, %llu candidates verified, "
	       "%u differences\n", state, PROGRAMS / 4, n, (unsigned long long)hits,
	       (unsigned long long)verified, diffs);
	CHECK(hits > PROGRAMS / 4);      /* the needles came from the messages */
	rm_buf_free(&prog);
	return diffs;
}

static void dump_equal_rebuilt(struct tenv *e)
{
	struct rm_buf live = { 0 }, rebuilt = { 0 };
	t_dump(e, &live);
	struct store_replay_stats rs;
	CHECK_OK(store_part_reindex(e->part, &rs));
	t_dump(e, &rebuilt);
	CHECK(live.len == rebuilt.len && !memcmp(live.data, rebuilt.data, live.len));
	rm_buf_free(&live);
	rm_buf_free(&rebuilt);
}

int main(void)
{
	struct tenv e;
	store_set_cache_builder(mime_parse);
	t_init(&e, 1, 4u * 1024 * 1024);
	/* Merges run only where this test says so. */
	store_fts_set_policy(e.part, UINT64_MAX, UINT64_MAX, 0, 0);
	uint64_t user = t_user(&e, "diff");
	uint64_t mbox = t_mbox_id(&e, user, "INBOX");
	append_generated(&e, user, mbox, 0, MESSAGES_GEN);
	const char *root = getenv("RM_CORPUS_DIR") ? getenv("RM_CORPUS_DIR") : RM_CORPUS_DIR;
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/spamassassin-public-corpus-sample/mime-rich", root);
	unsigned corpus = load_corpus_dir(&e, user, mbox, dir, MESSAGES_CORPUS_MAX / 2);
	snprintf(dir, sizeof(dir), "%s/enmime/mail", root);
	corpus += load_corpus_dir(&e, user, mbox, dir, MESSAGES_CORPUS_MAX / 4);
	snprintf(dir, sizeof(dir), "%s/mimekit-testdata", root);
	corpus += load_corpus_dir(&e, user, mbox, dir, MESSAGES_CORPUS_MAX / 4);
	uint32_t n = MESSAGES_GEN + corpus + MESSAGES_LATE;
	uint32_t *uids = rm_malloc(n * sizeof(*uids));
	for (uint32_t i = 0; i < n; i++)
		uids[i] = i + 1;
	n -= MESSAGES_LATE;
	printf("corpus: %u generated + %u real messages\n", MESSAGES_GEN, corpus);

	unsigned diffs = 0;
	CHECK(merged_mark(&e) == 1);
	diffs += run_programs(&e, mbox, uids, n, "all in the tail");
	merge_half(&e);
	diffs += run_programs(&e, mbox, uids, n, "half-way through a generation");
	merge_everything(&e);
	uint64_t mark = merged_mark(&e);
	CHECK(mark > 1);
	append_generated(&e, user, mbox, MESSAGES_GEN, MESSAGES_LATE);
	n += MESSAGES_LATE;
	CHECK(merged_mark(&e) == mark);
	diffs += run_programs(&e, mbox, uids, n, "merged, new tail on top");

	/* A restart finds the tail where it was. */
	t_close(&e);
	t_open(&e, true);
	store_fts_set_policy(e.part, UINT64_MAX, UINT64_MAX, 0, 0);
	CHECK(merged_mark(&e) == mark);
	diffs += run_programs(&e, mbox, uids, n, "after a restart");
	CHECK(diffs == 0);

	/* After a rebuild from the log the index dumps the same, with the
	 * tail unmerged and after merging everything. */
	t_close(&e);
	t_open(&e, false);
	struct store_verify_stats vs;
	CHECK_OK(store_part_verify(e.part, &vs));
	printf("verify: fts_docs=%llu fts_errors=%llu index_errors=%llu\n",
	       (unsigned long long)vs.fts_docs, (unsigned long long)vs.fts_errors,
	       (unsigned long long)vs.index_errors);
	CHECK(vs.fts_errors == 0 && vs.fts_docs == n);
	dump_equal_rebuilt(&e);
	merge_everything(&e);
	CHECK_OK(store_part_verify(e.part, &vs));
	CHECK(vs.fts_errors == 0 && vs.fts_docs == n);
	dump_equal_rebuilt(&e);
	free(uids);
	t_destroy(&e);
	return 0;
}
