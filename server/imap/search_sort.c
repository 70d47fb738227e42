/*
 * search_sort.c — SORT keys (RFC 5256 §3, RFC 5957) and the facts THREAD
 * needs, from each matched message's MIME cache: the rendered ENVELOPE
 * gives the first From/To/Cc address exactly as FETCH ENVELOPE shows it,
 * the raw Subject, Message-ID, References and In-Reply-To fields the rest.
 */
#include "server/imap/search_sort.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "index/mime.h"
#include "index/mime_decode.h"
#include "server/imap/basesubject.h"

bool sort_parse_criteria(struct imap_parser *p, struct sort_criteria *c)
{
	static const struct { const char *name; enum sort_key key; } keys[] = {
		{ "ARRIVAL", SORT_ARRIVAL }, { "CC", SORT_CC }, { "DATE", SORT_DATE },
		{ "FROM", SORT_FROM }, { "SIZE", SORT_SIZE }, { "SUBJECT", SORT_SUBJECT },
		{ "TO", SORT_TO }, { "DISPLAYFROM", SORT_DISPLAYFROM }, { "DISPLAYTO", SORT_DISPLAYTO },
	};
	memset(c, 0, sizeof(*c));
	if (!imap_parse_sp(p) || !imap_parse_lparen(p))
		return false;
	do {
		struct imap_str w;
		bool rev = false;
		if (!imap_parse_atom(p, &w))
			return false;
		if (imap_str_eq(&w, "REVERSE")) {
			rev = true;
			if (!imap_parse_sp(p) || !imap_parse_atom(p, &w))
				return false;
		}
		size_t i;
		for (i = 0; i < RM_ARRAY_LEN(keys) && !imap_str_eq(&w, keys[i].name); i++)
			;
		if (i == RM_ARRAY_LEN(keys))
			return imap_parse_fail(p, "Unknown sort criterion");
		if (c->n == SORT_CRITERIA_MAX)
			return imap_parse_fail(p, "Too many sort criteria");
		c->key[c->n] = keys[i].key;
		c->reverse[c->n++] = rev;
	} while (imap_parse_try_sp(p));
	return imap_parse_rparen(p);
}

/* ---- the rendered ENVELOPE ------------------------------------------------- */

struct env {
	const char *p, *end;
};

/* An nstring (quoted, literal or NIL) into out (unescaped); false at a
 * syntax error. */
static bool env_nstring(struct env *e, struct rm_buf *out)
{
	rm_buf_reset(out);
	if (e->end - e->p >= 3 && !memcmp(e->p, "NIL", 3)) {
		e->p += 3;
		return true;
	}
	if (e->p < e->end && *e->p == '"') {
		for (e->p++; e->p < e->end && *e->p != '"'; e->p++) {
			if (*e->p == '\\' && e->p + 1 < e->end)
				e->p++;
			rm_buf_putc(out, *e->p);
		}
		return e->p++ < e->end;
	}
	if (e->p < e->end && *e->p == '{') {
		char *q;
		unsigned long n = strtoul(e->p + 1, &q, 10);
		if (q + 3 > e->end || q[0] != '}' || (size_t)(e->end - q - 3) < n)
			return false;
		rm_buf_append(out, q + 3, n);
		e->p = q + 3 + n;
		return true;
	}
	return false;
}

/* Skips one value (nstring or parenthesized list). */
static bool env_skip(struct env *e, struct rm_buf *tmp)
{
	if (e->p < e->end && *e->p == '(') {
		e->p++;
		while (e->p < e->end && *e->p != ')') {
			if (*e->p == ' ')
				e->p++;
			else if (!env_skip(e, tmp))
				return false;
		}
		return e->p++ < e->end;
	}
	return env_nstring(e, tmp);
}

/* First address of envelope field `field` (2 from, 5 to, 6 cc): name,
 * mailbox, host (empty when absent). */
static void env_first_address(const char *env, size_t len, unsigned field, struct rm_buf *name,
			      struct rm_buf *mailbox, struct rm_buf *host)
{
	struct env e = { env, env + len };
	struct rm_buf tmp = { 0 };
	rm_buf_reset(name);
	rm_buf_reset(mailbox);
	rm_buf_reset(host);
	bool ok = e.p < e.end && *e.p++ == '(';
	for (unsigned i = 0; ok && i < field; i++)
		ok = env_skip(&e, &tmp) && e.p < e.end && *e.p++ == ' ';
	/* "((" name SP adl SP mailbox SP host ")" */
	if (ok && e.end - e.p >= 2 && e.p[0] == '(' && e.p[1] == '(') {
		e.p += 2;
		ok = env_nstring(&e, name) && e.p < e.end && *e.p++ == ' ' &&
		     env_skip(&e, &tmp) && e.p < e.end && *e.p++ == ' ' &&
		     env_nstring(&e, mailbox) && e.p < e.end && *e.p++ == ' ' &&
		     env_nstring(&e, host);
		if (!ok) {
			rm_buf_reset(name);
			rm_buf_reset(mailbox);
			rm_buf_reset(host);
		}
	}
	rm_buf_free(&tmp);
}

static char *folded(const char *s, size_t len)
{
	struct rm_buf f = { 0 };
	mime_fold_utf8(s, len, &f);
	char *r = rm_strndup(f.data ? f.data : "", f.len);
	rm_buf_free(&f);
	return r;
}

/* RFC 5957 §3: the decoded display name, else mailbox@host, else mailbox. */
static char *display_value(const struct rm_buf *name, const struct rm_buf *mailbox,
			   const struct rm_buf *host)
{
	struct rm_buf v = { 0 };
	mime_decode_header(name->data ? name->data : "", name->len, &v);
	if (v.len == 0 && mailbox->len) {
		rm_buf_append(&v, mailbox->data, mailbox->len);
		if (host->len) {
			rm_buf_putc(&v, '@');
			rm_buf_append(&v, host->data, host->len);
		}
	}
	char *r = folded(v.data ? v.data : "", v.len);
	rm_buf_free(&v);
	return r;
}

static void load_addresses(struct sort_msg *m, const void *cache, size_t clen)
{
	const char *env = "";
	size_t elen = 0;
	(void)mime_cache_envelope(cache, clen, &env, &elen);
	struct rm_buf name = { 0 }, mailbox = { 0 }, host = { 0 };
	static const unsigned fields[] = { 2, 5, 6 };
	for (size_t i = 0; i < RM_ARRAY_LEN(fields); i++) {
		env_first_address(env, elen, fields[i], &name, &mailbox, &host);
		char *mb = folded(mailbox.data ? mailbox.data : "", mailbox.len);
		if (i == 0) {
			m->from = mb;
			m->dfrom = display_value(&name, &mailbox, &host);
		} else if (i == 1) {
			m->to = mb;
			m->dto = display_value(&name, &mailbox, &host);
		} else {
			m->cc = mb;
		}
	}
	rm_buf_free(&name);
	rm_buf_free(&mailbox);
	rm_buf_free(&host);
}

/* ---- message ids -------------------------------------------------------------- */

/* The msg-ids "<...>" of a field, normalized: quotes, spaces and comments
 * inside removed (RFC 5256 REFERENCES: "<\"a\"@b>" == "<a@b>"). */
static unsigned msgids(const char *s, size_t len, char ***ids_r, unsigned max)
{
	unsigned n = 0;
	char **ids = NULL;
	for (size_t i = 0; i < len && n < max; i++) {
		if (s[i] != '<')
			continue;
		const char *end = memchr(s + i, '>', len - i);
		if (!end)
			break;
		struct rm_buf b = { 0 };
		for (const char *q = s + i; q <= end; q++)
			if (*q != '"' && *q != ' ' && *q != '\t' && *q != '\r' && *q != '\n')
				rm_buf_putc(&b, *q);
		if (b.len > 2) {
			ids = rm_realloc(ids, (n + 1) * sizeof(*ids));
			ids[n++] = rm_strndup(b.data, b.len);
		}
		rm_buf_free(&b);
		i = (size_t)(end - s);
	}
	*ids_r = ids;
	return n;
}

static void load_thread_fields(struct sort_msg *m, const void *cache, size_t clen)
{
	const char *v;
	size_t vl;
	char **ids;
	if (mime_cache_field(cache, clen, MIME_FIELD_MESSAGE_ID, &v, &vl) == RM_OK &&
	    msgids(v, vl, &ids, 1) == 1) {
		m->msgid = ids[0];
		free(ids);
	}
	if (mime_cache_field(cache, clen, MIME_FIELD_REFERENCES, &v, &vl) == RM_OK)
		m->nrefs = msgids(v, vl, &m->refs, 1000);
	if (m->nrefs == 0 && mime_cache_field(cache, clen, MIME_FIELD_IN_REPLY_TO, &v, &vl) == RM_OK)
		m->nrefs = msgids(v, vl, &m->refs, 1);
}

/* ---- loading and ordering ---------------------------------------------------------- */

struct sort_msg *sort_msgs_load(const struct search_run *r, bool uid, bool threading,
				uint32_t *n_r)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < r->n; i++)
		n += r->match[i];
	struct sort_msg *m = rm_calloc(n ? n : 1, sizeof(*m));
	struct store_view *v = NULL;
	(void)store_view_begin(r->part, &v);
	struct rm_buf subj = { 0 };
	uint32_t k = 0;
	for (uint32_t i = 0; i < r->n; i++) {
		if (!r->match[i])
			continue;
		const struct search_msg *sm = &r->msgs[i];
		struct sort_msg *x = &m[k++];
		x->idx = i;
		x->number = uid ? r->uids[i] : i + 1;
		x->arrival_s = sm->internal_date_s;
		x->date_s = sm->sent_date_s >= 0 ? sm->sent_date_s : sm->internal_date_s;
		x->size_bytes = sm->size_bytes;
		const void *cache = NULL;
		size_t clen = 0;
		if (v)
			(void)store_view_cache(v, sm->blob_lsn, &cache, &clen);
		const char *s = "";
		size_t sl = 0;
		if (cache)
			(void)mime_cache_field(cache, clen, MIME_FIELD_SUBJECT, &s, &sl);
		rm_buf_reset(&subj);
		basesubject(s, sl, &subj, &x->reply);
		x->subject = rm_strndup(subj.data ? subj.data : "", subj.len);
		load_addresses(x, cache ? cache : "", cache ? clen : 0);
		if (threading && cache)
			load_thread_fields(x, cache, clen);
	}
	rm_buf_free(&subj);
	store_view_end(&v);
	*n_r = n;
	return m;
}

void sort_msgs_free(struct sort_msg **mp, uint32_t n)
{
	struct sort_msg *m = *mp;
	for (uint32_t i = 0; m && i < n; i++) {
		free(m[i].subject);
		free(m[i].from);
		free(m[i].to);
		free(m[i].cc);
		free(m[i].dfrom);
		free(m[i].dto);
		free(m[i].msgid);
		for (unsigned j = 0; j < m[i].nrefs; j++)
			free(m[i].refs[j]);
		free(m[i].refs);
	}
	free(m);
	*mp = NULL;
}

static int cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_key(const struct sort_msg *a, const struct sort_msg *b, enum sort_key k)
{
	switch (k) {
	case SORT_ARRIVAL: return cmp_i64(a->arrival_s, b->arrival_s);
	case SORT_DATE: return cmp_i64(a->date_s, b->date_s);
	case SORT_SIZE: return a->size_bytes < b->size_bytes ? -1 : a->size_bytes > b->size_bytes;
	case SORT_SUBJECT: return strcmp(a->subject, b->subject);
	case SORT_FROM: return strcmp(a->from, b->from);
	case SORT_TO: return strcmp(a->to, b->to);
	case SORT_CC: return strcmp(a->cc, b->cc);
	case SORT_DISPLAYFROM: return strcmp(a->dfrom, b->dfrom);
	case SORT_DISPLAYTO: return strcmp(a->dto, b->dto);
	}
	return 0;
}

static _Thread_local const struct sort_criteria *sort_crit;

static int cmp_msgs(const void *pa, const void *pb)
{
	const struct sort_msg *a = pa, *b = pb;
	for (unsigned i = 0; i < sort_crit->n; i++) {
		int c = cmp_key(a, b, sort_crit->key[i]);
		if (c)
			return sort_crit->reverse[i] ? -c : c;
	}
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

void sort_msgs(struct sort_msg *m, uint32_t n, const struct sort_criteria *c)
{
	/* qsort has no argument pointer: the criteria go through a
	 * thread-local (each worker sorts for one command at a time). */
	sort_crit = c;
	qsort(m, n, sizeof(*m), cmp_msgs);
	sort_crit = NULL;
}

int sort_by_date(const struct sort_msg *a, const struct sort_msg *b)
{
	int c = cmp_i64(a->date_s, b->date_s);
	return c ? c : (a->idx < b->idx ? -1 : a->idx > b->idx);
}
