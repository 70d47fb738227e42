/*
 * Unit tests for server/auth/auth_pool: 100 jobs of mixed kinds completing
 * on a real rm_loop in the test thread with the right results, the bounded
 * queue (RM_AUTH_QUEUE_MAX accepted, one more refused), cancellation at
 * stop, and hashing throughput (printed).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/limits.h"
#include "common/loop.h"
#include "common/util.h"
#include "server/auth/auth_pool.h"
#include "server/auth/pwscheme.h"

static int failures;

#define CHECK(cond) \
	do { if (!(cond)) { fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

struct tjob {
	struct auth_job job;
	int expect;
	int got;
	bool done;
	struct scram_keys expect_keys;
};

static struct rm_loop loop;
static pthread_t loop_thread;
static unsigned completed;
static unsigned wrong_thread;

static void job_done(struct rm_op *op, int res, uint32_t flags)
{
	struct tjob *t = RM_CONTAINER_OF(op, struct tjob, job.op);
	t->got = res;
	t->done = true;
	completed++;
	wrong_thread += !pthread_equal(pthread_self(), loop_thread);
}

static bool timed_out;
static struct rm_timer deadline;

static void deadline_fired(struct rm_op *op, int res, uint32_t flags)
{
	timed_out = true;
}

/* Turns the loop until `want` completions in total or 60 s have passed. */
static void run_until(unsigned want)
{
	timed_out = false;
	rm_loop_timer_arm(&loop, &deadline, deadline_fired, 60000);
	while (completed < want && !timed_out)
		RM_ASSERT(rm_loop_turn(&loop, 1) >= 0);
	CHECK(!timed_out);
	/* Cancel the deadline so it cannot fire into a later run. */
	struct io_uring_sqe *sqe = rm_loop_sqe(&loop);
	io_uring_prep_timeout_remove(sqe, (uint64_t)(uintptr_t)&deadline.op, 0);
	io_uring_sqe_set_data(sqe, NULL);
	while (!timed_out)
		RM_ASSERT(rm_loop_turn(&loop, 1) >= 0); /* the cancelled timer completes */
}

static int work_times7(struct auth_job *job)
{
	return (int)(uintptr_t)job->arg * 7;
}

static void test_hundred(void)
{
	enum { N = 100 };
	static struct tjob jobs[N];
	struct auth_pool *pool;
	CHECK(auth_pool_start(2, &pool) == RM_OK);
	struct rm_buf crypt = {0};
	RM_ASSERT(pwscheme_make("SHA512-CRYPT", "pw", 2, &crypt) == RM_OK);
	completed = 0;
	for (unsigned i = 0; i < N; i++) {
		struct tjob *t = &jobs[i];
		char login[32], pw[32];
		snprintf(login, sizeof(login), "user%u", i);
		snprintf(pw, sizeof(pw), "{PLAIN}pw%u", i);
		switch (i % 5) {
		case 0:
			auth_job_init_verify(&t->job, &loop, job_done, pw, pw + 7, strlen(pw + 7));
			t->expect = PWSCHEME_MATCH;
			break;
		case 1:
			auth_job_init_verify(&t->job, &loop, job_done, rm_buf_cstr(&crypt), i % 2 ? "pw" : "px", 2);
			t->expect = i % 2 ? PWSCHEME_MATCH : PWSCHEME_MISMATCH;
			break;
		case 2:
			auth_job_init(&t->job, &loop, job_done, work_times7, (void *)(uintptr_t)i);
			t->expect = (int)i * 7;
			break;
		case 3:
			auth_job_init_scram_keys(&t->job, &loop, job_done, login, strlen(login), pw);
			RM_ASSERT(scram_keys_from_stored(login, strlen(login), pw, &t->expect_keys) == RM_OK);
			t->expect = RM_OK;
			break;
		default:
			auth_job_init_verify(&t->job, &loop, job_done, "{FOO}x", "x", 1);
			t->expect = PWSCHEME_UNKNOWN;
		}
		CHECK(auth_pool_submit(pool, &t->job) == RM_OK);
	}
	run_until(N);
	CHECK(completed == N && wrong_thread == 0);
	for (unsigned i = 0; i < N; i++) {
		if (!jobs[i].done || jobs[i].got != jobs[i].expect)
			fprintf(stderr, "job %u: done %d got %d want %d\n", i, jobs[i].done, jobs[i].got, jobs[i].expect);
		CHECK(jobs[i].done && jobs[i].got == jobs[i].expect);
		if (i % 5 == 3)
			CHECK(memcmp(&jobs[i].job.keys, &jobs[i].expect_keys, sizeof(struct scram_keys)) == 0);
		auth_job_clear(&jobs[i].job);
		CHECK(jobs[i].job.password == NULL && jobs[i].job.stored == NULL);
	}
	auth_pool_stop(&pool);
	CHECK(pool == NULL);
	rm_buf_free(&crypt);
}

/* A job that holds its pool thread until the gate opens. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static atomic_bool gate_entered;

static int work_gate(struct auth_job *job)
{
	atomic_store(&gate_entered, true);
	pthread_mutex_lock(&gate_mu);
	while (!gate_open)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
	return 1234;
}

static void gate_start(struct auth_pool *pool, struct tjob *t)
{
	gate_open = false;
	atomic_store(&gate_entered, false);
	auth_job_init(&t->job, &loop, job_done, work_gate, NULL);
	RM_ASSERT(auth_pool_submit(pool, &t->job) == RM_OK);
	while (!atomic_load(&gate_entered))
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
}

static void gate_release(void)
{
	pthread_mutex_lock(&gate_mu);
	gate_open = true;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

static void test_queue_limit(void)
{
	static struct tjob gate, jobs[RM_AUTH_QUEUE_MAX + 1];
	struct auth_pool *pool;
	RM_ASSERT(auth_pool_start(1, &pool) == RM_OK);
	completed = 0;
	gate_start(pool, &gate);
	for (unsigned i = 0; i <= RM_AUTH_QUEUE_MAX; i++) {
		auth_job_init(&jobs[i].job, &loop, job_done, work_times7, (void *)(uintptr_t)i);
		enum rm_err err = auth_pool_submit(pool, &jobs[i].job);
		CHECK(err == (i < RM_AUTH_QUEUE_MAX ? RM_OK : RM_ERR_BUSY));
	}
	CHECK(auth_pool_queued(pool) == RM_AUTH_QUEUE_MAX);
	gate_release();
	run_until(RM_AUTH_QUEUE_MAX + 1);
	CHECK(gate.done && gate.got == 1234);
	for (unsigned i = 0; i < RM_AUTH_QUEUE_MAX; i++)
		CHECK(jobs[i].done && jobs[i].got == (int)i * 7);
	CHECK(!jobs[RM_AUTH_QUEUE_MAX].done);
	CHECK(auth_pool_queued(pool) == 0);
	auth_pool_stop(&pool);
}

static void *stopper(void *arg)
{
	auth_pool_stop(arg);
	return NULL;
}

static void test_stop_cancels(void)
{
	static struct tjob gate, jobs[5], extra[1000];
	struct auth_pool *pool;
	RM_ASSERT(auth_pool_start(1, &pool) == RM_OK);
	completed = 0;
	gate_start(pool, &gate);
	for (unsigned i = 0; i < 5; i++) {
		auth_job_init(&jobs[i].job, &loop, job_done, work_times7, (void *)(uintptr_t)i);
		RM_ASSERT(auth_pool_submit(pool, &jobs[i].job) == RM_OK);
	}
	struct auth_pool *shared = pool;
	pthread_t th;
	RM_ASSERT(pthread_create(&th, NULL, stopper, &shared) == 0);
	/* Until the stop is seen, submissions still queue (and will be
	 * cancelled too); after it they are refused. */
	unsigned k = 0;
	enum rm_err err;
	do {
		RM_ASSERT(k < RM_ARRAY_LEN(extra));
		auth_job_init(&extra[k].job, &loop, job_done, work_times7, NULL);
		err = auth_pool_submit(pool, &extra[k].job);
		k += err == RM_OK;
		if (err == RM_OK)
			nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	} while (err == RM_OK);
	CHECK(err == RM_ERR_CLOSED);
	CHECK(completed == 0 && !gate.done);
	gate_release();
	run_until(6 + k); /* the running job finishes, the queued ones are cancelled */
	CHECK(gate.done && gate.got == 1234);
	for (unsigned i = 0; i < 5; i++)
		CHECK(jobs[i].done && jobs[i].got == -ECANCELED);
	for (unsigned i = 0; i < k; i++)
		CHECK(extra[i].done && extra[i].got == -ECANCELED);
	pthread_join(th, NULL);
	CHECK(shared == NULL);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void measure(const char *scheme, unsigned n, unsigned threads)
{
	static struct tjob jobs[200];
	RM_ASSERT(n <= RM_ARRAY_LEN(jobs));
	struct rm_buf st = {0};
	RM_ASSERT(pwscheme_make(scheme, "pw", 2, &st) == RM_OK);
	struct auth_pool *pool;
	RM_ASSERT(auth_pool_start(threads, &pool) == RM_OK);
	completed = 0;
	double t0 = now_ms();
	for (unsigned i = 0; i < n; i++) {
		auth_job_init_verify(&jobs[i].job, &loop, job_done, rm_buf_cstr(&st), "pw", 2);
		RM_ASSERT(auth_pool_submit(pool, &jobs[i].job) == RM_OK);
	}
	run_until(n);
	double ms = now_ms() - t0;
	for (unsigned i = 0; i < n; i++) {
		CHECK(jobs[i].got == PWSCHEME_MATCH);
		auth_job_clear(&jobs[i].job);
	}
	printf("  %-14s %u threads: %u verifications in %.0f ms = %.0f/s\n", scheme, threads, n,
	       ms, n * 1000.0 / ms);
	auth_pool_stop(&pool);
	rm_buf_free(&st);
}

int main(void)
{
	int rc = rm_loop_init(&loop, 1024, 0);
	if (rc < 0) {
		fprintf(stderr, "io_uring unavailable (%s): skipping\n", strerror(-rc));
		return 77;
	}
	loop_thread = pthread_self();
	test_hundred();
	test_queue_limit();
	test_stop_cancels();
	printf("auth pool throughput:\n");
	measure("SHA512-CRYPT", 200, 1);
	measure("SHA512-CRYPT", 200, 2);
	measure("ARGON2ID", 20, 2);
	rm_loop_fini(&loop);
	if (failures) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	printf("auth_pool: all passed\n");
	return 0;
}
