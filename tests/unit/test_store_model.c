/*
 * Property test: a random sequence of operations applied to the engine and
 * to a plain in-memory model gives the same mailbox state (names, ids,
 * UIDVALIDITY, UIDNEXT, counts, sizes, every message's UID, flags, keywords,
 * MODSEQ and bytes).  Several requests go into one turn, so batches hold
 * many requests.  At the end the index rebuilt from the log equals the live
 * one, byte for byte (`ringmail reindex` == live).
 *
 * TEST_SEED=<n> reproduces a run; TEST_OPS=<n> changes its length.
 */
#include "tests/unit/test_store_util.h"

#define USERS 2
#define MBOX_MAX 16
#define MSG_MAX 400
#define KW_POOL 6

static const char *const names_pool[] = { "INBOX", "a", "a/b", "a/b/c", "b", "c", "c/d", "x" };
static const char *const kw_pool[KW_POOL] = { "$Forwarded", "work", "Home", "$Junk", "todo", "k6" };

struct mmsg {
	uint32_t uid;
	uint32_t flags;
	unsigned kw;              /* bitmask over kw_pool */
	uint64_t modseq;
	unsigned content;         /* index into contents */
};

struct mbox {
	bool used;
	char name[64];
	uint64_t id;
	uint32_t uidvalidity;
	uint64_t uidnext;
	struct mmsg msgs[MSG_MAX];
	unsigned n;
	uint64_t vanished;        /* expunges the vanished history holds */
};

/* The history is trimmed to VANISHED_KEEP once it passes keep + keep / 16
 * (one VANISHED_TRIM per expunge request, storage/store_exec.c). */
#define VANISHED_KEEP 16u
static unsigned trimmed_seen;   /* mailboxes seen with a trimmed history */

static void vanished_add(struct mbox *m, unsigned gone)
{
	m->vanished += gone;
	if (m->vanished > VANISHED_KEEP + VANISHED_KEEP / RM_VANISHED_TRIM_SLACK_DIV)
		m->vanished = VANISHED_KEEP;
}

struct muser {
	uint64_t id;
	struct mbox mb[MBOX_MAX];
};

static struct muser users[USERS];
static char *contents[20000];
static unsigned ncontents;
static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned rn(unsigned n) { return (unsigned)(rnd() % n); }

static struct mbox *find_mb(struct muser *u, const char *name)
{
	for (int i = 0; i < MBOX_MAX; i++)
		if (u->mb[i].used && strcmp(u->mb[i].name, name) == 0)
			return &u->mb[i];
	return NULL;
}

static struct mbox *random_mb(struct muser *u)
{
	for (;;) {
		struct mbox *m = &u->mb[rn(MBOX_MAX)];
		if (m->used)
			return m;
	}
}

static struct mmsg *find_msg(struct mbox *m, uint32_t uid)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->msgs[i].uid == uid)
			return &m->msgs[i];
	return NULL;
}

static void kw_names(unsigned mask, const char **out, unsigned *n)
{
	*n = 0;
	for (int i = 0; i < KW_POOL; i++)
		if (mask & (1u << i))
			out[(*n)++] = kw_pool[i];
}

/* ---- operations: each runs on the engine and on the model --------------- */

static void op_create(struct tenv *e, struct muser *u)
{
	const char *name = names_pool[rn(RM_ARRAY_LEN(names_pool))];
	uint64_t id;
	enum rm_err err = t_mbox(e, u->id, name, &id);
	if (find_mb(u, name)) {
		CHECK(err == RM_ERR_EXISTS);
		return;
	}
	CHECK_OK(err);
	for (int i = 0; i < MBOX_MAX; i++) {
		if (u->mb[i].used)
			continue;
		struct mbox *m = &u->mb[i];
		memset(m, 0, sizeof(*m));
		m->used = true;
		snprintf(m->name, sizeof(m->name), "%s", name);
		m->id = id;
		m->uidnext = 1;
		struct store_view *v;
		struct store_mailbox smb;
		CHECK_OK(store_view_begin(e->part, &v));
		CHECK_OK(store_view_mailbox_by_id(v, id, &smb));
		m->uidvalidity = smb.uidvalidity;
		store_view_end(&v);
		return;
	}
	CHECK(!"model full");
}

static void op_delete(struct tenv *e, struct muser *u)
{
	struct mbox *m = random_mb(u);
	struct store_mbox_delete rq = { .req.done = t_done, .user_id = u->id, .name = m->name,
					.name_len = strlen(m->name) };
	store_mbox_delete(e->part, &rq);
	t_wait(e, 1);
	if (strcmp(m->name, "INBOX") == 0) {
		CHECK(rq.req.err == RM_ERR_PERM);
		return;
	}
	CHECK_OK(rq.req.err);
	m->used = false;
}

static bool in_subtree(const char *name, const char *root)
{
	size_t n = strlen(root);
	return strncmp(name, root, n) == 0 && (name[n] == '\0' || name[n] == '/');
}

static void op_rename(struct tenv *e, struct muser *u)
{
	struct mbox *m = random_mb(u);
	char from[64];
	snprintf(from, sizeof(from), "%s", m->name);
	const char *to = names_pool[rn(RM_ARRAY_LEN(names_pool))];
	struct store_mbox_rename rq = { .req.done = t_done, .user_id = u->id, .from = from,
					.from_len = strlen(from), .to = to, .to_len = strlen(to) };
	store_mbox_rename(e->part, &rq);
	t_wait(e, 1);
	if (strcmp(from, "INBOX") == 0 || strcmp(to, "INBOX") == 0) {
		CHECK(rq.req.err == RM_ERR_PERM);
		return;
	}
	if (strlen(to) > strlen(from) && in_subtree(to, from)) {
		CHECK(rq.req.err == RM_ERR_INVAL);
		return;
	}
	/* Every new name must be free. */
	bool clash = false;
	char newname[64];
	for (int i = 0; i < MBOX_MAX; i++) {
		if (!u->mb[i].used || !in_subtree(u->mb[i].name, from))
			continue;
		snprintf(newname, sizeof(newname), "%s%s", to, u->mb[i].name + strlen(from));
		clash |= find_mb(u, newname) != NULL;
	}
	if (clash) {
		CHECK(rq.req.err == RM_ERR_EXISTS);
		return;
	}
	CHECK_OK(rq.req.err);
	unsigned n = 0;
	for (int i = 0; i < MBOX_MAX; i++) {
		if (!u->mb[i].used || !in_subtree(u->mb[i].name, from))
			continue;
		snprintf(newname, sizeof(newname), "%s%s", to, u->mb[i].name + strlen(from));
		snprintf(u->mb[i].name, sizeof(u->mb[i].name), "%s", newname);
		n++;
	}
	CHECK(rq.renamed == n);
}

static char *make_content(void)
{
	size_t len = 30 + rn(3000);
	char *c = rm_malloc(len + 1);
	int h = snprintf(c, len + 1, "Subject: m%u\r\n\r\n", ncontents);
	for (size_t i = (size_t)h; i < len; i++)
		c[i] = (char)('a' + (i * 7 + ncontents) % 26);
	c[len] = '\0';
	return c;
}

/* Several appends submitted in one turn. */
static void op_append(struct tenv *e, struct muser *u)
{
	enum { K = 4 };
	unsigned k = 1 + rn(K);
	struct store_append rq[K];
	struct store_rcpt rc[K];
	struct mbox *mb[K];
	const char *kw[K][KW_POOL];
	size_t lens[K][KW_POOL];
	unsigned kwmask[K], nkw[K], content[K];
	for (unsigned i = 0; i < k; i++) {
		mb[i] = random_mb(u);
		content[i] = ncontents;
		contents[ncontents] = make_content();
		size_t len = strlen(contents[ncontents]);
		struct store_msgbuf *buf = store_msgbuf_alloc(len);
		memcpy(store_msgbuf_data(buf), contents[ncontents++], len);
		kwmask[i] = (unsigned)rnd() & ((1u << KW_POOL) - 1) & (unsigned)rnd();
		kw_names(kwmask[i], kw[i], &nkw[i]);
		for (unsigned j = 0; j < nkw[i]; j++)
			lens[i][j] = strlen(kw[i][j]);
		rc[i] = (struct store_rcpt){ .user_id = u->id, .mailbox_id = mb[i]->id,
					     .flags = (uint32_t)rnd() & STORE_F_ALL,
					     .keywords = kw[i], .keyword_lens = lens[i],
					     .nkeywords = nkw[i] };
		rq[i] = (struct store_append){ .req.done = t_done, .msg = buf, .rcpts = &rc[i],
					       .nrcpts = 1 };
		store_append(e->part, &rq[i]);
	}
	t_wait(e, k);
	for (unsigned i = 0; i < k; i++) {
		if (getenv("TEST_VERBOSE"))
			fprintf(stderr, "append %s uid %u modseq %llu\n", mb[i]->name, rc[i].uid,
				(unsigned long long)rc[i].modseq);
		CHECK_OK(rq[i].req.err);
		if (mb[i]->n == MSG_MAX)
			continue;    /* the model only tracks so many; engine keeps it */
		CHECK(rc[i].uid == mb[i]->uidnext);
		mb[i]->msgs[mb[i]->n++] = (struct mmsg){ rc[i].uid, rc[i].flags, kwmask[i],
							 rc[i].modseq, content[i] };
		mb[i]->uidnext++;
	}
}

static unsigned pick_uids(struct mbox *m, uint32_t *uids, unsigned max)
{
	unsigned n = 1 + rn(max);
	for (unsigned i = 0; i < n; i++)
		uids[i] = m->n && rn(5) ? m->msgs[rn(m->n)].uid : 1 + rn((unsigned)m->uidnext + 2);
	return n;
}

static void op_copy(struct tenv *e, struct muser *u, bool move)
{
	struct mbox *src = random_mb(u), *dst = random_mb(u);
	uint32_t uids[8], nu[8];
	unsigned n = pick_uids(src, uids, 8);
	struct store_copy rq = { .req.done = t_done, .user_id = u->id, .src_mailbox_id = src->id,
				 .dst_mailbox_id = dst->id, .uids = uids, .nuids = n, .move = move,
				 .new_uids = nu };
	store_copy(e->part, &rq);
	t_wait(e, 1);
	CHECK_OK(rq.req.err);
	unsigned copied = 0;
	struct mmsg add[8];
	for (unsigned i = 0; i < n; i++) {
		struct mmsg *s = find_msg(src, uids[i]);
		if (!s) {
			CHECK(nu[i] == 0);
			continue;
		}
		CHECK(nu[i] == dst->uidnext + copied);
		add[copied] = *s;
		add[copied].uid = nu[i];
		copied++;
	}
	CHECK(rq.copied == copied);
	if (move) {
		unsigned moved = 0;
		for (unsigned i = 0; i < n; i++) {
			struct mmsg *s = find_msg(src, uids[i]);
			if (s) {
				*s = src->msgs[--src->n];
				moved++;
			}
		}
		if (moved)
			vanished_add(src, moved);
	}
	/* Copies get new MODSEQs, above everything the target had. */
	struct store_view *v;
	struct store_mailbox smb;
	CHECK_OK(store_view_begin(e->part, &v));
	uint64_t prev = 0;
	for (unsigned i = 0; i < copied; i++) {
		struct store_msg sm;
		CHECK_OK(store_view_msg(v, dst->id, add[i].uid, &sm));
		CHECK(sm.modseq > prev && sm.modseq > add[i].modseq);
		add[i].modseq = prev = sm.modseq;
	}
	CHECK_OK(store_view_mailbox_by_id(v, dst->id, &smb));
	CHECK(copied == 0 || smb.highestmodseq == prev || (move && src == dst));
	store_view_end(&v);
	for (unsigned i = 0; i < copied && dst->n < MSG_MAX; i++)
		dst->msgs[dst->n++] = add[i];
	dst->uidnext += copied;
}

static void op_flags(struct tenv *e, struct muser *u)
{
	struct mbox *m = random_mb(u);
	uint32_t uids[8];
	unsigned n = pick_uids(m, uids, 8);
	enum store_flags_mode mode = (enum store_flags_mode)rn(3);
	uint32_t flags = (uint32_t)rnd() & STORE_F_ALL;
	unsigned mask = (unsigned)rnd() & ((1u << KW_POOL) - 1) & (unsigned)rnd(), nkw;
	const char *kw[KW_POOL];
	kw_names(mask, kw, &nkw);
	struct store_flag_result res[8];
	CHECK_OK(t_flags(e, u->id, m->id, uids, n, mode, flags, kw, nkw, 0, res));
	for (unsigned i = 0; i < n; i++) {
		struct mmsg *s = find_msg(m, uids[i]);
		if (!s) {
			CHECK(res[i].status == STORE_FLAG_ABSENT);
			continue;
		}
		uint32_t f = mode == STORE_FLAGS_ADD ? s->flags | flags :
			     mode == STORE_FLAGS_REMOVE ? s->flags & ~flags : flags;
		unsigned k = mode == STORE_FLAGS_ADD ? s->kw | mask :
			     mode == STORE_FLAGS_REMOVE ? s->kw & ~mask : mask;
		if (f == s->flags && k == s->kw) {
			/* Also a UID named twice whose first entry changed it. */
			CHECK(res[i].status == STORE_FLAG_UNCHANGED || res[i].status == STORE_FLAG_CHANGED);
			if (res[i].status == STORE_FLAG_CHANGED)
				s->modseq = res[i].modseq;
			CHECK(res[i].modseq == s->modseq);
			continue;
		}
		CHECK(res[i].status == STORE_FLAG_CHANGED && res[i].flags == f);
		CHECK(res[i].modseq > s->modseq);
		s->flags = f;
		s->kw = k;
		s->modseq = res[i].modseq;
	}
}

static void op_expunge(struct tenv *e, struct muser *u)
{
	struct mbox *m = random_mb(u);
	uint32_t uids[8];
	unsigned n = pick_uids(m, uids, 8), gone = 0;
	unsigned got = t_expunge(e, u->id, m->id, uids, n);
	for (unsigned i = 0; i < n; i++) {
		struct mmsg *s = find_msg(m, uids[i]);
		if (s) {
			*s = m->msgs[--m->n];
			gone++;
		}
	}
	CHECK(got == gone);
	if (gone)
		vanished_add(m, gone);
}

/* ---- comparison ------------------------------------------------------------- */

static unsigned engine_kw_mask(struct store_view *v, uint64_t user, const struct store_msg *sm)
{
	unsigned mask = 0;
	for (unsigned k = 0; k < sm->nkeywords; k++) {
		const char *name;
		size_t len;
		CHECK_OK(store_view_keyword_name(v, user, store_msg_keyword(sm, k), &name, &len));
		for (int j = 0; j < KW_POOL; j++)
			if (strlen(kw_pool[j]) == len && rm_strncasecmp_ascii(kw_pool[j], name, len) == 0)
				mask |= 1u << j;
	}
	return mask;
}

static void compare_mailbox(struct tenv *e, struct store_view *v, struct muser *u, struct mbox *m,
			    bool bytes)
{
	struct store_mailbox smb;
	CHECK_OK(store_view_mailbox(v, u->id, m->name, strlen(m->name), &smb));
	CHECK(smb.id == m->id && smb.uidvalidity == m->uidvalidity && smb.uidnext == m->uidnext);
	CHECK(smb.messages == m->n);
	CHECK(smb.vanished_count == m->vanished);
	trimmed_seen += smb.vanished_floor_modseq > 0;
	uint64_t unseen = 0, deleted = 0, size = 0, maxms = 0;
	for (unsigned i = 0; i < m->n; i++) {
		struct mmsg *s = &m->msgs[i];
		struct store_msg sm;
		CHECK_OK(store_view_msg(v, m->id, s->uid, &sm));
		if (sm.flags != s->flags || sm.modseq != s->modseq)
			fprintf(stderr, "mailbox %s uid %u: engine flags %u modseq %llu, model %u %llu\n",
				m->name, s->uid, sm.flags, (unsigned long long)sm.modseq, s->flags,
				(unsigned long long)s->modseq);
		CHECK(sm.flags == s->flags && sm.modseq == s->modseq);
		CHECK(engine_kw_mask(v, u->id, &sm) == s->kw);
		CHECK(sm.size_bytes == strlen(contents[s->content]));
		unseen += !(s->flags & STORE_F_SEEN);
		deleted += !!(s->flags & STORE_F_DELETED);
		size += sm.size_bytes;
		maxms = RM_MAX(maxms, s->modseq);
		if (bytes) {
			static char buf[4096];
			CHECK(t_read(e, sm.blob_lsn, 0, sizeof(buf), buf) == (long)sm.size_bytes);
			CHECK(memcmp(buf, contents[s->content], sm.size_bytes) == 0);
		}
	}
	CHECK(smb.unseen == unseen && smb.deleted == deleted && smb.size_bytes == size);
	CHECK(smb.highestmodseq >= maxms);
}

static void compare(struct tenv *e, bool bytes)
{
	struct store_view *v;
	CHECK_OK(store_view_begin(e->part, &v));
	for (int ui = 0; ui < USERS; ui++) {
		struct muser *u = &users[ui];
		unsigned count = 0;
		struct store_iter *it;
		struct store_mailbox smb;
		CHECK_OK(store_view_mailboxes(v, u->id, &it));
		while (store_iter_mailbox(it, &smb) == 1)
			count++;
		store_iter_free(&it);
		unsigned model = 0;
		for (int i = 0; i < MBOX_MAX; i++) {
			if (!u->mb[i].used)
				continue;
			model++;
			compare_mailbox(e, v, u, &u->mb[i], bytes);
		}
		CHECK(count == model);
	}
	store_view_end(&v);
}

static void setup_users(struct tenv *e)
{
	for (int i = 0; i < USERS; i++) {
		char login[32];
		snprintf(login, sizeof(login), "user%d@example.org", i);
		users[i].id = t_user(e, login);
		struct store_view *v;
		struct store_iter *it;
		struct store_mailbox smb;
		CHECK_OK(store_view_begin(e->part, &v));
		CHECK_OK(store_view_mailboxes(v, users[i].id, &it));
		int k = 0;
		while (store_iter_mailbox(it, &smb) == 1) {
			struct mbox *m = &users[i].mb[k++];
			m->used = true;
			snprintf(m->name, sizeof(m->name), "%.*s", (int)smb.name_len, smb.name);
			m->id = smb.id;
			m->uidvalidity = smb.uidvalidity;
			m->uidnext = 1;
		}
		store_iter_free(&it);
		store_view_end(&v);
	}
}

static void run_ops(struct tenv *e, unsigned ops)
{
	for (unsigned i = 0; i < ops; i++) {
		struct muser *u = &users[rn(USERS)];
		unsigned r = rn(100);
		if (r < 6)
			op_create(e, u);
		else if (r < 9)
			op_delete(e, u);
		else if (r < 13)
			op_rename(e, u);
		else if (r < 45)
			op_append(e, u);
		else if (r < 58)
			op_copy(e, u, r < 52);
		else if (r < 85)
			op_flags(e, u);
		else if (r < 97)
			op_expunge(e, u);
		else {
			t_close(e);
			t_open(e, true);
		}
		compare(e, i % 50 == 0);
	}
}

int main(void)
{
	const char *seed = getenv("TEST_SEED");
	if (seed)
		rng = strtoull(seed, NULL, 10) | 1;
	unsigned ops = getenv("TEST_OPS") ? (unsigned)atoi(getenv("TEST_OPS")) : 1500;
	fprintf(stderr, "seed=%llu ops=%u\n", (unsigned long long)rng, ops);
	struct tenv e;
	t_init(&e, 1, 256u * 1024);
	t_close(&e);
	e.opts.vanished_keep = VANISHED_KEEP;
	t_open(&e, true);
	setup_users(&e);
	run_ops(&e, ops);
	compare(&e, true);
	CHECK(trimmed_seen > 0);
	/* The index rebuilt from the log equals the live one. */
	struct rm_buf live = {0}, rebuilt = {0};
	t_close(&e);
	t_open(&e, false);
	t_dump(&e, &live);
	struct store_replay_stats st;
	CHECK_OK(store_part_reindex(e.part, &st));
	CHECK(st.rebuilt && st.corrupt_regions == 0 && st.rejected == 0 && st.applied > 0);
	t_dump(&e, &rebuilt);
	CHECK(live.len == rebuilt.len && memcmp(live.data, rebuilt.data, live.len) == 0);
	/* `ringmail verify` finds nothing wrong. */
	struct store_verify_stats vs;
	CHECK_OK(store_part_verify(e.part, &vs));
	CHECK(vs.corrupt_regions == 0 && vs.blob_errors == 0 && vs.index_errors == 0);
	CHECK(vs.users == USERS && vs.messages > 0 && vs.records > vs.messages);
	t_close(&e);
	t_open(&e, true);
	compare(&e, true);
	rm_buf_free(&live);
	rm_buf_free(&rebuilt);
	for (unsigned i = 0; i < ncontents; i++)
		free(contents[i]);
	t_destroy(&e);
	return 0;
}
