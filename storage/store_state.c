/*
 * store_state.c — the partition's state file and checkpoints.
 *
 * LMDB runs with MDB_NOSYNC: after a process crash its file is intact (the
 * page cache survives), after a machine crash it may be torn.  The state file
 * (parts/NNN/state, 64 bytes) says which:
 *
 *   0  "RMSTATE1"   8  u32 clean (1) / dirty (0)   12 u32 zero
 *   16 boot id (/proc/sys/kernel/random/boot_id, 36 chars, NUL padded to 40)
 *   56 u64 xxh3 of bytes 0..55
 *
 * Dirty is written (and fsynced) before the first LMDB commit after a clean
 * mark; clean only after an fsync of the LMDB file with no commit since.
 * At open: clean -> trust the index; dirty with this boot's id -> only the
 * process died, trust it; anything else -> rebuild the index from the log.
 *
 * A checkpoint (LMDB fsync + clean mark, one linked io_uring chain) runs on a
 * partition idle for checkpoint_idle_ms; batches wait while it runs.
 */
#include "storage/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

#define STATE_MAGIC "RMSTATE1"
#define STATE_BYTES 64u

static char boot_id[40];
static pthread_once_t boot_once = PTHREAD_ONCE_INIT;

static void boot_id_load(void)
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, boot_id, 36);
		close(fd);
		if (n == 36)
			return;
	}
	/* No boot id: every dirty stop then looks like a machine crash, which
	 * costs a rebuild but never trusts a torn index. */
	memset(boot_id, 0, sizeof(boot_id));
	rm_log(RM_LOG_WARN, "boot_id_unavailable", "errno=%d", errno);
}

void store_state_encode(uint8_t *buf, bool clean)
{
	pthread_once(&boot_once, boot_id_load);
	memset(buf, 0, STATE_BYTES);
	memcpy(buf, STATE_MAGIC, 8);
	rm_le32_put(buf + 8, clean ? 1 : 0);
	memcpy(buf + 16, boot_id, sizeof(boot_id));
	rm_le64_put(buf + 56, rm_hash64(buf, 56));
}

int store_state_load(struct part *part)
{
	char path[STORE_PATH_MAX];
	int len = snprintf(path, sizeof(path), "%s/state", part->dir);
	RM_ASSERT(len > 0 && (size_t)len < sizeof(path));
	part->state_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (part->state_fd < 0) {
		rm_log(RM_LOG_ERROR, "state_open_failed", "path=%s errno=%d", path, errno);
		return -1;
	}
	uint8_t buf[STATE_BYTES];
	pthread_once(&boot_once, boot_id_load);
	ssize_t n = pread(part->state_fd, buf, sizeof(buf), 0);
	if (n == 0)
		return -2;      /* never opened since `ringmail init` */
	if (n != (ssize_t)sizeof(buf) ||
	    memcmp(buf, STATE_MAGIC, 8) != 0 || rm_hash64(buf, 56) != rm_le64_get(buf + 56))
		return -1;
	if (rm_le32_get(buf + 8) == 1)
		return 1;
	bool same_boot = boot_id[0] && memcmp(buf + 16, boot_id, sizeof(boot_id)) == 0;
	return same_boot ? 0 : -1;
}

enum rm_err store_state_write_sync(struct part *part, bool clean)
{
	uint8_t buf[STATE_BYTES];
	store_state_encode(buf, clean);
	if (pwrite(part->state_fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) ||
	    fdatasync(part->state_fd) != 0) {
		rm_log(RM_LOG_ERROR, "state_write_failed", "part=%u errno=%d", part->p, errno);
		return RM_ERR_IO;
	}
	part->ckpt = clean ? STORE_CKPT_CLEAN : STORE_CKPT_DIRTY;
	return RM_OK;
}

static void on_ckpt(struct rm_op *op, int res, uint32_t flags)
{
	struct part *part = RM_CONTAINER_OF(op, struct part, ckpt_op);
	if (res < 0 && part->ckpt_fail == 0)
		part->ckpt_fail = res;
	RM_ASSERT(part->ckpt_pending > 0);
	if (--part->ckpt_pending)
		return;
	if (part->ckpt_fail) {
		/* Stay dirty: a machine crash then rebuilds, which is safe. */
		rm_log(RM_LOG_WARN, "checkpoint_failed", "part=%u errno=%d", part->p,
		       -part->ckpt_fail);
		part->ckpt = STORE_CKPT_DIRTY;
		part->last_commit_ms = rm_now_ms();
		return;
	}
	part->ckpt = STORE_CKPT_CLEAN;
	part->m.checkpoints++;
	part->m.checkpoint_ns_total += rm_now_ns() - part->ckpt_start_ns;
}

void store_state_maybe_checkpoint(struct part *part, uint64_t now_ms)
{
	uint64_t idle = part->store->opts.checkpoint_idle_ms;
	if (!part->loop || part->ckpt != STORE_CKPT_DIRTY || part->read_only || idle == 0 ||
	    now_ms - part->last_commit_ms < idle || compact_busy(part))
		return;
	struct rm_loop *loop = part->loop;
	if (io_uring_sq_space_left(&loop->ring) < 3)
		io_uring_submit(&loop->ring);
	part->ckpt = STORE_CKPT_RUNNING;
	part->ckpt_start_ns = rm_now_ns();
	part->ckpt_pending = 3;
	part->ckpt_fail = 0;
	part->ckpt_op.fn = on_ckpt;
	store_state_encode(part->ckpt_buf, true);
	struct io_uring_sqe *sqe = rm_loop_sqe(loop);
	io_uring_prep_fsync(sqe, meta_data_fd(part->meta), IORING_FSYNC_DATASYNC);
	sqe->flags |= IOSQE_IO_LINK;
	io_uring_sqe_set_data(sqe, &part->ckpt_op);
	sqe = rm_loop_sqe(loop);
	io_uring_prep_write(sqe, part->state_fd, part->ckpt_buf, STATE_BYTES, 0);
	sqe->flags |= IOSQE_IO_LINK;
	io_uring_sqe_set_data(sqe, &part->ckpt_op);
	sqe = rm_loop_sqe(loop);
	io_uring_prep_fsync(sqe, part->state_fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data(sqe, &part->ckpt_op);
}
