#include "server/server_init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "server/auth/auth_cache.h"
#include "server/auth/auth_pool.h"
#include "server/auth/passwd.h"
#include "server/auth/scram.h"
#include "index/mime.h"
#include "storage/store.h"
#include "server/imap/recent.h"
#include "server/metrics.h"
#include "server/worker.h"

struct passwd_db *server_passwd_get(struct server *srv)
{
	pthread_mutex_lock(&srv->reload_mu);
	struct passwd_db *db = srv->passwd ? passwd_db_ref(srv->passwd) : NULL;
	pthread_mutex_unlock(&srv->reload_mu);
	return db;
}

static void passwd_install(struct server *srv, struct passwd_db *db)
{
	pthread_mutex_lock(&srv->reload_mu);
	struct passwd_db *old = srv->passwd;
	srv->passwd = db;
	pthread_mutex_unlock(&srv->reload_mu);
	passwd_db_unref(&old);
}

void server_reload_passwd(struct server *srv)
{
	struct passwd_db *db = NULL;
	if (passwd_load(srv->cfg.passwd_file, &db) != RM_OK) {
		rm_log(RM_LOG_ERROR, "passwd_reload_failed", "path=%s note=\"keeping the old one\"",
		       srv->cfg.passwd_file);
		return;
	}
	passwd_install(srv, db);
}

unsigned server_partition_of(const struct server *srv, const char *login, size_t len)
{
	return store_partition_of(srv->store, login, len);
}

/* The SCRAM salt secret lives in <data_dir>/auth.secret (32 random bytes,
 * made on first start) so salts stay the same across restarts. */
static enum rm_err scram_secret_load(const struct server *srv)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/auth.secret", srv->cfg.data_dir);
	unsigned char secret[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, secret, sizeof(secret));
		close(fd);
		if (n == (ssize_t)sizeof(secret)) {
			scram_secret_set(secret, sizeof(secret));
			OPENSSL_cleanse(secret, sizeof(secret));
			return RM_OK;
		}
		rm_log(RM_LOG_ERROR, "auth_secret_invalid", "path=%s", path);
		return RM_ERR_CORRUPT;
	}
	if (RAND_bytes(secret, sizeof(secret)) != 1)
		return RM_ERR_IO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, secret, sizeof(secret)) != (ssize_t)sizeof(secret) || fsync(fd) < 0) {
		rm_log(RM_LOG_ERROR, "auth_secret_write_failed", "path=%s errno=%d", path, errno);
		if (fd >= 0)
			close(fd);
		return RM_ERR_IO;
	}
	close(fd);
	scram_secret_set(secret, sizeof(secret));
	OPENSSL_cleanse(secret, sizeof(secret));
	return RM_OK;
}

enum rm_err server_open_services(struct server *srv)
{
	if (scram_secret_load(srv) != RM_OK)
		return RM_ERR_IO;
	struct store_opts opts;
	store_opts_default(&opts);
	opts.segment_max_bytes = srv->cfg.segment_max_bytes;
	opts.checkpoint_idle_ms = srv->cfg.checkpoint_idle_ms;
	opts.compact_live_percent = srv->cfg.compact_live_percent;
	opts.compact_check_ms = srv->cfg.compact_check_ms;
	opts.vanished_keep = srv->cfg.vanished_keep;
	enum rm_err err = store_open(srv->cfg.data_dir, &opts, &srv->store);
	if (err != RM_OK) {
		fprintf(stderr, "data directory %s: %s%s\n", srv->cfg.data_dir, rm_err_str(err),
			err == RM_ERR_NOTFOUND ? " (create it with: ringmail init -d DIR)"
			: err == RM_ERR_BUSY ? " (another ringmaild or ringmail holds its lock)" : "");
		return err;
	}
	srv->partitions = store_partitions(srv->store);
	/* ENVELOPE, BODYSTRUCTURE and the part tree are computed once, when a
	 * message is stored. */
	store_set_cache_builder(mime_parse);
	struct passwd_db *db = NULL;
	if (passwd_load(srv->cfg.passwd_file, &db) == RM_OK) {
		passwd_install(srv, db);
	} else {
		rm_log(RM_LOG_WARN, "passwd_missing",
		       "path=%s note=\"nobody can log in until it exists (SIGHUP reloads)\"",
		       srv->cfg.passwd_file);
	}
	if (auth_pool_start(srv->cfg.auth_threads, &srv->auth_pool) != RM_OK)
		return RM_ERR_IO;
	return RM_OK;
}

void server_close_services(struct server *srv)
{
	auth_pool_stop(&srv->auth_pool);
	passwd_install(srv, NULL);
	if (srv->store)
		store_close(&srv->store);
}

/* A worker owns partitions p with p % W == its index; opening one runs its
 * recovery, on the owner's own ring. */
int server_worker_open(struct server *srv, struct worker *w)
{
	w->auth_cache = auth_cache_create(RM_AUTH_CACHE_SIZE, srv->cfg.auth_cache_ttl_ms);
	w->recent = recent_table_new();
	w->metrics = metrics_worker_new();
	w->parts = rm_calloc(srv->partitions, sizeof(*w->parts));
	for (unsigned p = w->index; p < srv->partitions; p += srv->nworkers) {
		uint64_t t0 = rm_now_ms();
		enum rm_err err = store_part_open(srv->store, p, &w->loop, &w->parts[p]);
		if (err != RM_OK) {
			rm_log(RM_LOG_CRIT, "partition_open_failed", "worker=%u partition=%u err=%s",
			       w->index, p, rm_err_str(err));
			return -EIO;
		}
		struct store_replay_stats st;
		store_part_recovery(w->parts[p], &st);
		if (st.applied || st.corrupt_regions || st.truncated_bytes || (st.rebuilt && st.records))
			rm_log(RM_LOG_INFO, "partition_recovered",
			       "partition=%u replayed=%llu corrupt_regions=%llu truncated_bytes=%llu "
			       "rebuilt=%d ms=%llu", p, (unsigned long long)st.applied,
			       (unsigned long long)st.corrupt_regions,
			       (unsigned long long)st.truncated_bytes, st.rebuilt,
			       (unsigned long long)(rm_now_ms() - t0));
	}
	return 0;
}

void server_worker_close(struct server *srv, struct worker *w)
{
	struct auth_cache *cache = w->auth_cache;
	auth_cache_destroy(&cache);
	w->auth_cache = NULL;
	recent_table_free(&w->recent);
	if (w->parts) {
		/* Closing drives the loop until the batch in flight is durable. */
		for (unsigned p = w->index; p < srv->partitions; p += srv->nworkers)
			if (w->parts[p])
				store_part_close(&w->parts[p]);
	}
	/* Last: closing partitions drives the loop, whose completions count. */
	free(w->metrics);
	w->metrics = NULL;
}

void server_worker_ready(struct server *srv, int rc)
{
	pthread_mutex_lock(&srv->start_mu);
	srv->workers_reported++;
	if (rc < 0)
		srv->workers_failed++;
	pthread_cond_broadcast(&srv->start_cv);
	pthread_mutex_unlock(&srv->start_mu);
}

int server_wait_workers(struct server *srv)
{
	pthread_mutex_lock(&srv->start_mu);
	while (srv->workers_reported < srv->nworkers)
		pthread_cond_wait(&srv->start_cv, &srv->start_mu);
	int failed = srv->workers_failed;
	pthread_mutex_unlock(&srv->start_mu);
	return failed ? -1 : 0;
}
