/*
 * auth_pool.h — the password hashing thread pool.  Workers never hash:
 * they hand a job to the pool, a pool thread runs the job's work function
 * and completes the job's rm_op on the submitting worker's loop with
 * rm_loop_post (IORING_OP_MSG_RING; common/loop.h) through a small ring of
 * the pool thread's own (created and destroyed with the thread), so the
 * result arrives as an ordinary completion on that worker's thread.
 *
 * Usage on a worker:
 *
 *   struct my_login { struct auth_job job; ... };       // owned by the session
 *   auth_job_init_verify(&l->job, loop, login_done, entry->password, pw, pwlen);
 *   switch (auth_pool_submit(pool, &l->job)) {
 *   case RM_OK:       count the op as in flight; wait for login_done
 *   case RM_ERR_BUSY: auth_job_clear; NO [UNAVAILABLE] (queue full)
 *   }
 *   void login_done(struct rm_op *op, int res, uint32_t flags) {
 *       struct my_login *l = RM_CONTAINER_OF(op, struct my_login, job.op);
 *       res: enum pwscheme_result for verify jobs, enum rm_err for SCRAM key
 *            jobs (keys in l->job.keys), -ECANCELED when the pool stopped
 *       auth_job_clear(&l->job);
 *   }
 *
 * The job's memory must stay valid until its completion runs (the session
 * counts it as an in-flight op).  Jobs are started in submission order.
 * Thread-safe: any thread may submit.
 */
#ifndef RM_AUTH_POOL_H
#define RM_AUTH_POOL_H

#include <stddef.h>

#include "common/err.h"
#include "common/loop.h"
#include "server/auth/scram.h"

struct auth_job;
/** Runs on a pool thread; the return value is delivered as the completion's
 * res (must not be negative: negative values are reserved for the pool). */
typedef int auth_work_fn(struct auth_job *job);

/** One unit of hashing work; embed it in the session's own struct. */
struct auth_job {
	struct rm_op op;          /* op.fn runs on loop with the work's result */
	struct rm_loop *loop;     /* the submitting worker's loop */
	auth_work_fn *work;
	/* Inputs: heap copies owned by the job (auth_job_init_* make them,
	 * auth_job_clear wipes the password and frees all). */
	char *stored;
	char *login;
	size_t login_len;
	char *password;
	size_t password_len;
	void *arg;                /* for custom work functions */
	/* Output of auth_work_scram_keys. */
	struct scram_keys keys;
	struct auth_job *next;    /* pool-private queue link */
};

/** Work: pwscheme_verify(stored, password) -> enum pwscheme_result. */
int auth_work_verify(struct auth_job *job);
/** Work: scram_keys_from_stored(login, stored, &job->keys) -> enum rm_err. */
int auth_work_scram_keys(struct auth_job *job);

/** Prepares a password check: copies stored and the password. */
void auth_job_init_verify(struct auth_job *job, struct rm_loop *loop, rm_op_fn *done,
			  const char *stored, const char *password, size_t pwlen);
/** Prepares SCRAM key preparation (PLAIN entries need PBKDF2): copies
 * login and stored. */
void auth_job_init_scram_keys(struct auth_job *job, struct rm_loop *loop, rm_op_fn *done,
			      const char *login, size_t login_len, const char *stored);
/** Prepares a job with a custom work function and no copied inputs. */
void auth_job_init(struct auth_job *job, struct rm_loop *loop, rm_op_fn *done,
		   auth_work_fn *work, void *arg);
/** Wipes the password and keys, frees the copies.  Idempotent. */
void auth_job_clear(struct auth_job *job);

/** The pool (opaque). */
struct auth_pool;

/** Starts `threads` hashing threads (1..64; the config key auth_threads,
 * default: the number of CPUs) and waits until each has its ring.  Returns
 * RM_OK or RM_ERR_IO (a thread or ring could not be created; logged;
 * nothing left running). */
enum rm_err auth_pool_start(unsigned threads, struct auth_pool **r);

/** Queues a job.  RM_OK: its completion will come (result or -ECANCELED).
 * RM_ERR_BUSY: RM_AUTH_QUEUE_MAX jobs are waiting; answer the client
 * NO [UNAVAILABLE].  RM_ERR_CLOSED: the pool is stopping.  On error the job
 * is untouched and no completion comes. */
enum rm_err auth_pool_submit(struct auth_pool *pool, struct auth_job *job);

/** Jobs waiting (not yet started), for metrics. */
unsigned auth_pool_queued(struct auth_pool *pool);

/** Stops the pool: jobs still queued complete with -ECANCELED (after the
 * running jobs, which finish and complete normally), the threads are
 * joined and the pool freed; *pool becomes NULL.  Call it while the
 * workers' loops still run (before they are torn down), from a thread that
 * is not a pool thread; it blocks until the running jobs are done. */
void auth_pool_stop(struct auth_pool **pool);

#endif
