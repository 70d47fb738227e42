#include "server/server_init.h"

#include "common/log.h"
#include "server/worker.h"

enum rm_err server_open_services(struct server *srv)
{
	return RM_OK;
}

void server_close_services(struct server *srv)
{
}

void server_reload_passwd(struct server *srv)
{
}

int server_worker_open(struct server *srv, struct worker *w)
{
	return 0;
}

void server_worker_close(struct server *srv, struct worker *w)
{
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
