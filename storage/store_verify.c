/* `ringmail verify`: every record's checksum, every blob pointer of the
 * index, and the index's own consistency (index/meta_verify.c). */
#include "storage/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "storage/log_scan.h"
#include "storage/log_segment.h"

struct vscan {
	struct part *part;
	uint32_t seg_no;
	struct store_verify_stats *st;
};

static void verify_bad(void *arg, uint64_t off, uint64_t len)
{
	struct vscan *vs = arg;
	vs->st->corrupt_regions++;
	vs->st->corrupt_bytes += len;
	rm_log(RM_LOG_ERROR, "verify_log_corrupt", "part=%u seg=%u offset=%llu bytes=%llu",
	       vs->part->p, vs->seg_no, (unsigned long long)off, (unsigned long long)len);
}

static enum rm_err verify_log(struct part *part, struct store_verify_stats *st)
{
	uint32_t *segs;
	size_t n;
	enum rm_err err = log_seg_list(part->logdir, false, &segs, &n);
	for (size_t i = 0; err == RM_OK && i < n; i++) {
		char path[STORE_PATH_MAX];
		struct log_seg_map m;
		log_seg_path(path, sizeof(path), part->logdir, segs[i], false);
		struct vscan vs = { part, segs[i], st };
		st->segments++;
		if (log_seg_map_open(path, &m) != RM_OK) {
			verify_bad(&vs, 0, 0);
			continue;
		}
		struct log_scan_ops ops = { NULL, verify_bad };
		struct log_scan_stats ss;
		err = log_scan(m.base, m.len, 0, &ops, &vs, &ss);
		st->records += ss.records;
		log_seg_map_close(&m);
	}
	free(segs);
	return err;
}

/* The segment map for seg_no, replacing the one held (blobs come in LSN
 * order, hence mostly segment by segment). */
static bool map_for(struct part *part, struct log_seg_map *m, uint32_t seg_no)
{
	if (m->base && m->h.seg_no == seg_no)
		return true;
	log_seg_map_close(m);
	char path[STORE_PATH_MAX];
	log_seg_path(path, sizeof(path), part->logdir, seg_no, false);
	return log_seg_map_open(path, m) == RM_OK;
}

static bool blob_ok(struct part *part, struct log_seg_map *m, const struct meta_blob *b)
{
	if (!map_for(part, m, b->seg_no) || m->h.generation != b->generation || b->offset > m->len)
		return false;
	struct log_rec r;
	return log_rec_decode(m->base + b->offset, m->len - b->offset, &r) == RM_OK &&
	       r.type == LOG_T_BLOB && r.lsn == b->lsn && r.len == b->size_bytes;
}

static enum rm_err verify_blobs(struct part *part, struct meta_txn *t, struct store_verify_stats *st)
{
	struct meta_iter *it;
	enum rm_err err = meta_iter_blobs(t, 0, UINT64_MAX, &it);
	if (err)
		return err;
	struct log_seg_map m = { .fd = -1 };
	struct meta_blob b;
	int rc;
	while ((rc = meta_iter_blob(it, &b)) == 1) {
		if (blob_ok(part, &m, &b))
			continue;
		st->blob_errors++;
		rm_log(RM_LOG_ERROR, "verify_blob_pointer", "part=%u lsn=%llu seg=%u generation=%u offset=%llu",
		       part->p, (unsigned long long)b.lsn, b.seg_no, b.generation,
		       (unsigned long long)b.offset);
	}
	log_seg_map_close(&m);
	meta_iter_free(&it);
	return rc < 0 ? RM_ERR_IO : RM_OK;
}

enum rm_err store_part_verify(struct part *part, struct store_verify_stats *r)
{
	memset(r, 0, sizeof(*r));
	if (part->loop)
		return RM_ERR_PERM;
	enum rm_err err = verify_log(part, r);
	struct meta_txn *t = NULL;
	if (err == RM_OK)
		err = meta_txn_begin(part->meta, false, &t);
	if (err == RM_OK)
		err = verify_blobs(part, t, r);
	struct meta_verify_stats ms;
	struct meta_fts_verify_stats fs;
	if (err == RM_OK)
		err = meta_verify(t, &ms);
	if (err == RM_OK)
		err = meta_fts_verify(t, &fs);
	meta_txn_abort(&t);
	if (err == RM_OK) {
		r->users = ms.users;
		r->mailboxes = ms.mailboxes;
		r->messages = ms.messages;
		r->blobs = ms.blobs;
		r->index_errors = ms.errors;
		r->fts_docs = fs.docs;
		r->fts_stale = fs.stale;
		r->fts_errors = fs.errors;
	}
	return err;
}
