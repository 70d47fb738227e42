/*
 * server_init.h — start-up and shutdown of what workers share: the passwd
 * database, the auth pool, the data store; and the hand-shake by which the
 * main thread learns that every worker has its ring and partitions ready.
 */
#ifndef RM_SERVER_INIT_H
#define RM_SERVER_INIT_H

#include "common/err.h"
#include "server/server.h"

struct worker;

/** Main thread, before workers start: passwd-file, auth pool, store. */
enum rm_err server_open_services(struct server *srv);
/** Main thread, after workers stopped. */
void server_close_services(struct server *srv);
/** SIGHUP: re-reads the passwd-file and swaps it in. */
void server_reload_passwd(struct server *srv);

/** Partition of a login: xxh3_64(lower-cased login) % P. */
unsigned server_partition_of(const struct server *srv, const char *login, size_t len);

/** Worker thread, after its ring exists: opens its partitions (recovery
 * runs here).  Returns 0 or -errno. */
int server_worker_open(struct server *srv, struct worker *w);
/** Worker thread, after its loop ended: closes its partitions. */
void server_worker_close(struct server *srv, struct worker *w);
/** Worker thread: reports set-up result (0 or -errno). */
void server_worker_ready(struct server *srv, int rc);
/** Main thread: waits for every worker's report; -1 if one failed. */
int server_wait_workers(struct server *srv);

#endif
