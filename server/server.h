/*
 * server.h — the process-wide state every worker reads: configuration,
 * the TLS context and passwd database (both swapped on SIGHUP), the address
 * table, the data store, the auth pool, counters.  Fields are written by the
 * main thread before workers start, or are atomics / swapped pointers.
 */
#ifndef RM_SERVER_H
#define RM_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/config.h"

struct worker;
struct tls_ctx;
struct addr_table;
struct passwd_db;
struct auth_pool;
struct store;

struct server {
	struct rm_config cfg;
	struct worker **workers;
	unsigned nworkers;
	struct addr_table *addrs;
	struct auth_pool *auth_pool;
	struct store *store;
	unsigned partitions;        /* P, fixed at `ringmail init` */

	/* Swapped on SIGHUP under reload_mu; readers take a reference under
	 * the same lock (once per connection or login, never per command). */
	pthread_mutex_t reload_mu;
	struct tls_ctx *tls;
	bool tls_available;        /* set at start-up; reloads never clear it */
	struct passwd_db *passwd;
	atomic_uint passwd_generation;

	atomic_uint_fast64_t conns_total;   /* open connections, all workers */
	atomic_uint_fast64_t next_session_id;
	atomic_bool stopping;

	/* Start-up hand-shake (server_init.c). */
	pthread_mutex_t start_mu;
	pthread_cond_t start_cv;
	unsigned workers_reported;
	int workers_failed;
};

extern struct server *rm_server;

/** Current TLS context with a reference the caller drops, or NULL when no
 * certificate could be loaded. */
struct tls_ctx *server_tls_get(struct server *srv);
/** Current passwd database with a reference (passwd_db_unref). */
struct passwd_db *server_passwd_get(struct server *srv);

/** Worker that owns partition p. */
static inline unsigned server_partition_owner(const struct server *srv, unsigned p)
{
	return p % srv->nworkers;
}

#endif
