#include "server/imap/seqset.h"

#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/util.h"

static bool parse_seq_number(struct imap_parser *p, uint32_t *v)
{
	if (imap_parse_try_char(p, '*')) {
		*v = SEQSET_STAR;
		return true;
	}
	if (!imap_parse_nz_number(p, v))
		return imap_parse_fail(p, "Invalid sequence set");
	/* nz-number is at most 4294967295, which we reserve for "*";
	 * treating it as "*"'s value is the only possible meaning left. */
	return true;
}

bool seqset_parse(struct imap_parser *p, bool allow_dollar, struct seqset *out)
{
	memset(out, 0, sizeof(*out));
	if (imap_parse_try_char(p, '$')) {
		if (!allow_dollar)
			return imap_parse_fail(p, "$ is not allowed here");
		out->dollar = true;
		return true;
	}
	size_t cap = 8;
	out->r = rm_arena_alloc(p->arena, cap * sizeof(*out->r));
	for (;;) {
		uint32_t lo, hi;
		if (!parse_seq_number(p, &lo))
			return false;
		hi = lo;
		if (imap_parse_try_char(p, ':') && !parse_seq_number(p, &hi))
			return false;
		if (out->n == cap) {
			if (cap >= RM_SEQSET_MAX_RANGES)
				return imap_parse_fail(p, "Sequence set has too many ranges");
			size_t ncap = RM_MIN(cap * 4, (size_t)RM_SEQSET_MAX_RANGES);
			struct seq_range *nr = rm_arena_alloc(p->arena, ncap * sizeof(*nr));
			memcpy(nr, out->r, out->n * sizeof(*nr));
			out->r = nr;
			cap = ncap;
		}
		out->r[out->n].lo = lo;
		out->r[out->n].hi = hi;
		out->n++;
		if (!imap_parse_try_char(p, ','))
			break;
	}
	return true;
}

static int range_cmp(const void *a, const void *b)
{
	const struct seq_range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

void seqset_resolve(struct seqset *s, uint32_t star)
{
	size_t kept = 0;
	for (size_t i = 0; i < s->n; i++) {
		/* In an empty mailbox a range that reaches "*" names nothing. */
		if (star == 0 && (s->r[i].lo == SEQSET_STAR || s->r[i].hi == SEQSET_STAR))
			continue;
		s->r[kept++] = s->r[i];
	}
	s->n = kept;
	for (size_t i = 0; i < s->n; i++) {
		struct seq_range *r = &s->r[i];
		if (r->lo == SEQSET_STAR)
			r->lo = star;
		if (r->hi == SEQSET_STAR)
			r->hi = star;
		if (r->lo > r->hi) {
			uint32_t t = r->lo;
			r->lo = r->hi;
			r->hi = t;
		}
	}
	if (s->n > 1)
		qsort(s->r, s->n, sizeof(*s->r), range_cmp);
	size_t o = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (o && (uint64_t)s->r[i].lo <= (uint64_t)s->r[o - 1].hi + 1) {
			if (s->r[i].hi > s->r[o - 1].hi)
				s->r[o - 1].hi = s->r[i].hi;
		} else {
			s->r[o++] = s->r[i];
		}
	}
	s->n = o;
}

bool seqset_contains(const struct seqset *s, uint32_t v)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v < s->r[mid].lo)
			hi = mid;
		else if (v > s->r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

uint64_t seqset_count(const struct seqset *s)
{
	uint64_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += (uint64_t)s->r[i].hi - s->r[i].lo + 1;
	return n;
}

void seqset_from_sorted(struct seqset *s, const uint32_t *v, size_t n, struct rm_arena *arena)
{
	memset(s, 0, sizeof(*s));
	s->r = rm_arena_alloc(arena, (n ? n : 1) * sizeof(*s->r));
	for (size_t i = 0; i < n; i++) {
		if (s->n && s->r[s->n - 1].hi + 1 == v[i] && s->r[s->n - 1].hi != UINT32_MAX) {
			s->r[s->n - 1].hi = v[i];
		} else {
			s->r[s->n].lo = s->r[s->n].hi = v[i];
			s->n++;
		}
	}
}

void seqset_write(const struct seqset *s, struct rm_buf *out)
{
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			rm_buf_putc(out, ',');
		rm_buf_put_u64(out, s->r[i].lo);
		if (s->r[i].hi != s->r[i].lo) {
			rm_buf_putc(out, ':');
			rm_buf_put_u64(out, s->r[i].hi);
		}
	}
}
