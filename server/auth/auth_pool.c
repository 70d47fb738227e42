#include "server/auth/auth_pool.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "server/auth/pwscheme.h"

#define AUTH_POOL_THREADS_MAX 64u
/* A post that fails for want of completion-queue room is retried this many
 * times, 1 ms apart, before the job is given up (and logged). */
#define AUTH_POST_RETRIES 1000u

struct auth_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct auth_job *head, *tail;
	unsigned queued;
	bool stopping;
	unsigned nthreads;
	unsigned started;        /* threads that finished start-up */
	bool start_failed;       /* one of them could not create its ring */
	pthread_t threads[AUTH_POOL_THREADS_MAX];
};

int auth_work_verify(struct auth_job *job)
{
	return (int)pwscheme_verify(job->stored, job->password, job->password_len);
}

int auth_work_scram_keys(struct auth_job *job)
{
	return (int)scram_keys_from_stored(job->login, job->login_len, job->stored, &job->keys);
}

void auth_job_init(struct auth_job *job, struct rm_loop *loop, rm_op_fn *done,
		   auth_work_fn *work, void *arg)
{
	memset(job, 0, sizeof(*job));
	job->op.fn = done;
	job->loop = loop;
	job->work = work;
	job->arg = arg;
}

void auth_job_init_verify(struct auth_job *job, struct rm_loop *loop, rm_op_fn *done,
			  const char *stored, const char *password, size_t pwlen)
{
	auth_job_init(job, loop, done, auth_work_verify, NULL);
	job->stored = rm_strdup(stored);
	job->password = rm_strndup(password, pwlen);
	job->password_len = pwlen;
}

void auth_job_init_scram_keys(struct auth_job *job, struct rm_loop *loop, rm_op_fn *done,
			      const char *login, size_t login_len, const char *stored)
{
	auth_job_init(job, loop, done, auth_work_scram_keys, NULL);
	job->stored = rm_strdup(stored);
	job->login = rm_strndup(login, login_len);
	job->login_len = login_len;
}

void auth_job_clear(struct auth_job *job)
{
	if (job->password)
		OPENSSL_cleanse(job->password, job->password_len);
	/* A PLAIN entry's stored string is the password itself. */
	if (job->stored)
		OPENSSL_cleanse(job->stored, strlen(job->stored));
	OPENSSL_cleanse(&job->keys, sizeof(job->keys));
	free(job->password);
	free(job->stored);
	free(job->login);
	job->password = job->stored = job->login = NULL;
	job->password_len = job->login_len = 0;
}

/* Delivers res to the job's loop through the pool thread's own ring (own):
 * the message is queued, submitted, and a failure comes back as a CQE at
 * once (success posts none: IOSQE_CQE_SKIP_SUCCESS).  Retries while the
 * target's completion queue is full. */
static void auth_pool_complete(struct rm_loop *own, struct auth_job *job, int res)
{
	int rc = 0;
	for (unsigned i = 0; i < AUTH_POST_RETRIES; i++) {
		rc = rm_loop_post(own, job->loop, &job->op, res);
		while (rc == 0 && (rc = io_uring_submit(&own->ring)) == -EINTR)
			;
		struct io_uring_cqe *cqe;
		if (rc >= 0 && io_uring_peek_cqe(&own->ring, &cqe) == 0) {
			rc = cqe->res;
			io_uring_cqe_seen(&own->ring, cqe);
		}
		if (rc >= 0 || (rc != -EAGAIN && rc != -EBUSY && rc != -EOVERFLOW))
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	if (rc < 0)
		rm_log(RM_LOG_CRIT, "auth_post_failed", "errno=%d worker=%d", -rc, job->loop->id);
}

/* Takes the next job, waiting for one; NULL when stopping with none left. */
static struct auth_job *auth_pool_next(struct auth_pool *pool, bool *cancel_r)
{
	pthread_mutex_lock(&pool->mu);
	while (!pool->head && !pool->stopping)
		pthread_cond_wait(&pool->cv, &pool->mu);
	struct auth_job *job = pool->head;
	if (job) {
		pool->head = job->next;
		if (!pool->head)
			pool->tail = NULL;
		pool->queued--;
	}
	*cancel_r = pool->stopping;
	pthread_mutex_unlock(&pool->mu);
	return job;
}

/* Records a thread's start-up result for auth_pool_start. */
static void auth_pool_ready(struct auth_pool *pool, bool ok)
{
	pthread_mutex_lock(&pool->mu);
	pool->started++;
	pool->start_failed |= !ok;
	pthread_cond_broadcast(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
}

static void *auth_pool_thread(void *arg)
{
	struct auth_pool *pool = arg;
	/* Each thread posts through a ring of its own, created here because a
	 * single-issuer ring belongs to the thread that creates it. */
	struct rm_loop own;
	int rc = rm_loop_init(&own, 8, -1);
	auth_pool_ready(pool, rc == 0);
	if (rc < 0) {
		rm_log(RM_LOG_ERROR, "auth_ring_failed", "errno=%d", -rc);
		return NULL;
	}
	bool cancel;
	struct auth_job *job;
	while ((job = auth_pool_next(pool, &cancel))) {
		int res = -ECANCELED;
		if (!cancel) {
			res = job->work(job);
			RM_ASSERT(res >= 0);
		}
		auth_pool_complete(&own, job, res);
	}
	rm_loop_fini(&own);
	return NULL;
}

enum rm_err auth_pool_start(unsigned threads, struct auth_pool **r)
{
	RM_ASSERT(threads >= 1 && threads <= AUTH_POOL_THREADS_MAX);
	struct auth_pool *pool = rm_calloc(1, sizeof(*pool));
	pthread_mutex_init(&pool->mu, NULL);
	pthread_cond_init(&pool->cv, NULL);
	for (unsigned i = 0; i < threads; i++) {
		if (pthread_create(&pool->threads[i], NULL, auth_pool_thread, pool) != 0)
			break;
		char name[16];
		snprintf(name, sizeof(name), "rm-auth-%u", i);
		pthread_setname_np(pool->threads[i], name);
		pool->nthreads = i + 1;
	}
	pthread_mutex_lock(&pool->mu);
	while (pool->started < pool->nthreads)
		pthread_cond_wait(&pool->cv, &pool->mu);
	bool failed = pool->start_failed || pool->nthreads < threads;
	pthread_mutex_unlock(&pool->mu);
	if (failed) {
		rm_log(RM_LOG_ERROR, "auth_pool_start_failed", "threads=%u", pool->nthreads);
		auth_pool_stop(&pool);
		*r = NULL;
		return RM_ERR_IO;
	}
	*r = pool;
	return RM_OK;
}

enum rm_err auth_pool_submit(struct auth_pool *pool, struct auth_job *job)
{
	RM_ASSERT(job->work && job->loop && job->op.fn);
	enum rm_err err = RM_OK;
	pthread_mutex_lock(&pool->mu);
	if (pool->stopping) {
		err = RM_ERR_CLOSED;
	} else if (pool->queued >= RM_AUTH_QUEUE_MAX) {
		err = RM_ERR_BUSY;
	} else {
		job->next = NULL;
		if (pool->tail)
			pool->tail->next = job;
		else
			pool->head = job;
		pool->tail = job;
		pool->queued++;
		pthread_cond_signal(&pool->cv);
	}
	pthread_mutex_unlock(&pool->mu);
	return err;
}

unsigned auth_pool_queued(struct auth_pool *pool)
{
	pthread_mutex_lock(&pool->mu);
	unsigned n = pool->queued;
	pthread_mutex_unlock(&pool->mu);
	return n;
}

void auth_pool_stop(struct auth_pool **pp)
{
	struct auth_pool *pool = *pp;
	if (!pool)
		return;
	pthread_mutex_lock(&pool->mu);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
	/* The threads complete what is queued with -ECANCELED, then exit. */
	for (unsigned i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	pthread_cond_destroy(&pool->cv);
	pthread_mutex_destroy(&pool->mu);
	free(pool);
	*pp = NULL;
}
