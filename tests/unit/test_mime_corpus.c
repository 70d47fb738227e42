/*
 * test_mime_corpus.c — every message of the shared real-world corpus
 * (enmime, mimekit-testdata/messages, the SpamAssassin sample) through the
 * parser: it must not crash, ENVELOPE / BODY / BODYSTRUCTURE must follow
 * the RFC 9051 grammar, every part must lie inside its parent and the
 * message, the section path of every part must lead back to its bytes, and
 * the decoders must digest every body.  The corpus lives outside the
 * repository (RM_CORPUS_DIR, default set by the build): absent, the test is
 * skipped (77).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/mime.h"
#include "index/mime_decode.h"
#include "tests/unit/test_mime_check.h"

static size_t files, parts_seen, bytes_seen;

static const char *const dirs[] = {
	"enmime/mail", "enmime/parts", "enmime/low-quality", "mimekit-testdata/messages",
	"spamassassin-public-corpus-sample/easy-ham-1",
	"spamassassin-public-corpus-sample/hard-ham-1",
	"spamassassin-public-corpus-sample/mime-rich",
	"spamassassin-public-corpus-sample/spam-2",
};

static void check_syntax(const char *path, const struct rm_buf *blob)
{
	const char *p, *err = NULL;
	size_t len, at = 0;
	CHECK(mime_cache_envelope(blob->data, blob->len, &p, &len) == RM_OK &&
	      check_envelope(p, len, &err, &at), "%s: ENVELOPE: %s at %zu", path, err, at);
	CHECK(mime_cache_body(blob->data, blob->len, false, &p, &len) == RM_OK &&
	      check_body(p, len, false, &err, &at), "%s: BODY: %s at %zu", path, err, at);
	CHECK(mime_cache_body(blob->data, blob->len, true, &p, &len) == RM_OK &&
	      check_body(p, len, true, &err, &at), "%s: BODYSTRUCTURE: %s at %zu", path, err, at);
}

/* Decoded, charset-converted, folded text of a leaf: exercised for
 * crashes and sanitizer findings; the result is only sanity-checked. */
static void decode_leaf(const char *msg, const struct mime_part *p)
{
	struct rm_buf text = { 0 }, folded = { 0 };
	mime_decode_part(p, msg + p->body_start, p->body_end - p->body_start, &text);
	mime_fold_utf8(text.data ? text.data : "", text.len, &folded);
	CHECK(folded.len <= text.len, "folding grew the text");
	rm_buf_free(&text);
	rm_buf_free(&folded);
}

static void check_part(const char *path, const char *msg, size_t len, const struct rm_buf *blob,
	uint32_t i)
{
	struct mime_part p, parent;
	if (mime_cache_part(blob->data, blob->len, i, &p) != RM_OK) {
		CHECK(0, "%s: part %u unreadable", path, i);
		return;
	}
	CHECK(p.header_start <= p.body_start && p.body_start <= p.body_end && p.body_end <= len,
	      "%s: part %u range", path, i);
	if (p.parent != MIME_PART_NONE)
		CHECK(mime_cache_part(blob->data, blob->len, p.parent, &parent) == RM_OK &&
		      parent.body_start <= p.header_start && p.body_end <= parent.body_end,
		      "%s: part %u outside its parent", path, i);
	/* A leaf's path leads back to exactly its body. */
	uint32_t sec[64];
	size_t depth;
	struct mime_range r;
	if (p.kind == MIME_KIND_LEAF && p.parent != MIME_PART_NONE &&
	    mime_cache_part_path(blob->data, blob->len, i, sec, 64, &depth) == RM_OK) {
		CHECK(mime_section_find(blob->data, blob->len, sec, depth, MIME_SECTION_NONE, &r) ==
			      RM_OK && r.start == p.body_start && r.len == p.body_end - p.body_start,
		      "%s: part %u: its path finds other bytes", path, i);
		CHECK(mime_section_find(blob->data, blob->len, sec, depth, MIME_SECTION_MIME, &r) ==
			      RM_OK && r.start == p.header_start, "%s: part %u: MIME", path, i);
	}
	if (p.kind == MIME_KIND_LEAF)
		decode_leaf(msg, &p);
	parts_seen++;
}

static void check_message(const char *path, const char *msg, size_t len)
{
	struct rm_buf blob = { 0 };
	enum rm_err err = mime_parse(msg, len, &blob);
	CHECK(err == RM_OK, "%s: %s", path, rm_err_str(err));
	if (err != RM_OK)
		return;
	check_syntax(path, &blob);
	uint32_t count = 0;
	CHECK(mime_cache_part_count(blob.data, blob.len, &count) == RM_OK && count >= 1, "%s", path);
	for (uint32_t i = 0; i < count; i++)
		check_part(path, msg, len, &blob, i);
	/* HEADER.FIELDS over the top-level header never grows it. */
	struct mime_range hdr;
	CHECK(mime_section_find(blob.data, blob.len, NULL, 0, MIME_SECTION_HEADER, &hdr) == RM_OK,
	      "%s: HEADER", path);
	static const char *const names[] = { "From", "To", "Subject", "Date", "Message-ID" };
	struct rm_buf a = { 0 }, b = { 0 };
	mime_header_fields(msg + hdr.start, hdr.len, names, 5, false, &a);
	mime_header_fields(msg + hdr.start, hdr.len, names, 5, true, &b);
	CHECK(a.len <= hdr.len && b.len <= hdr.len, "%s: HEADER.FIELDS", path);
	rm_buf_free(&a);
	rm_buf_free(&b);
	rm_buf_free(&blob);
	files++;
	bytes_seen += len;
}

/* The SpamAssassin files start with an mbox "From " line; a server never
 * stores one, so it is dropped before parsing. */
static void check_file(const char *path)
{
	size_t len;
	char *data = test_read_file(path, &len);
	if (!data) {
		CHECK(0, "%s: unreadable", path);
		return;
	}
	const char *msg = data;
	if (len > 5 && memcmp(data, "From ", 5) == 0) {
		const char *nl = memchr(data, '\n', len);
		msg = nl ? nl + 1 : data + len;
	}
	check_message(path, msg, len - (size_t)(msg - data));
	free(data);
}

static int check_dir(const char *root, const char *sub)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", root, sub);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char file[1400];
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		check_file(file);
		n++;
	}
	closedir(d);
	return n;
}

int main(void)
{
	const char *root = getenv("RM_CORPUS_DIR");
	if (!root)
		root = RM_CORPUS_DIR;
	int found = 0;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		found += check_dir(root, dirs[i]);
	if (found == 0) {
		printf("skip: no corpus under %s\n", root);
		return 77;
	}
	if (test_failures) {
		fprintf(stderr, "%d failures\n", test_failures);
		return 1;
	}
	printf("ok: %zu messages, %zu parts, %zu bytes\n", files, parts_seen, bytes_seen);
	return 0;
}
