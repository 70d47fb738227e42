/*
 * ringmaild — the server.  The main thread reads the configuration, binds
 * the listening sockets (one per worker and address, SO_REUSEPORT, so bind
 * errors surface before anything starts), loads TLS and the passwd-file,
 * opens the data directory, starts the workers, prints "event=ready" and
 * then only handles signals: SIGTERM/SIGINT drain and exit, SIGHUP reloads
 * the certificate and the passwd-file.
 */
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "server/addr.h"
#include "server/control_listen.h"
#include "server/imap/session.h"
#include "server/server.h"
#include "server/server_init.h"
#include "server/tls.h"
#include "server/worker.h"

struct server *rm_server;

struct tls_ctx *server_tls_get(struct server *srv)
{
	pthread_mutex_lock(&srv->reload_mu);
	struct tls_ctx *ctx = srv->tls;
	if (ctx)
		tls_ctx_ref(ctx);
	pthread_mutex_unlock(&srv->reload_mu);
	return ctx;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ringmaild [-c ringmail.conf] [-o key=value]...\n"
		"       ringmaild --help-config   (every key with its default)\n");
}

static int bind_one(const struct rm_listen_addr *a)
{
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
	char port[8];
	snprintf(port, sizeof(port), "%u", a->port);
	int rc = getaddrinfo(a->host, port, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "listen %s:%u: %s (numeric addresses only)\n", a->host, a->port,
			gai_strerror(rc));
		return -1;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    (res->ai_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 4096) < 0) {
		fprintf(stderr, "listen %s:%u: %s\n", a->host, a->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* Every worker gets its own socket on every address. */
static int bind_all(struct server *srv)
{
	const struct rm_config *cfg = &srv->cfg;
	for (unsigned i = 0; i < srv->nworkers; i++) {
		for (unsigned k = 0; k < cfg->imap_listen_count; k++) {
			int fd = bind_one(&cfg->imap_listen[k]);
			if (fd < 0)
				return -1;
			worker_add_listener(srv->workers[i], fd, false, &imap_proto);
		}
		for (unsigned k = 0; k < cfg->imaps_listen_count; k++) {
			int fd = bind_one(&cfg->imaps_listen[k]);
			if (fd < 0)
				return -1;
			worker_add_listener(srv->workers[i], fd, true, &imap_proto);
		}
		struct control_listen_tcp ops[4];
		for (unsigned l = 0, n = control_listen_tcp_lists(srv, ops, 4); l < n; l++) {
			for (unsigned k = 0; k < ops[l].count; k++) {
				int fd = bind_one(&ops[l].addrs[k]);
				if (fd < 0)
					return -1;
				worker_add_listener(srv->workers[i], fd, false, ops[l].proto);
			}
		}
	}
	return control_listen_unix(srv);
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Connections never take the last descriptors: segments opened later (log
 * rotation, reads of old segments, compaction), the control and metrics
 * sockets and the connection being refused need some.  Counted after the
 * store, the rings and the listeners are open; past the clamped
 * max_connections a client gets "* BYE [UNAVAILABLE]" instead of the
 * server meeting EMFILE in accept. */
static void clamp_connections(struct rm_config *cfg)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return;
	uint64_t used = 0;
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		while (readdir(d))
			used++;
		closedir(d);
	}
	uint64_t reserve = used + RM_FD_RESERVE;
	uint64_t room = rl.rlim_cur > reserve ? rl.rlim_cur - reserve : 0;
	if (cfg->max_connections > room) {
		rm_log(RM_LOG_NOTICE, "max_connections_clamped",
		       "configured=%llu effective=%llu nofile=%llu in_use=%llu",
		       (unsigned long long)cfg->max_connections, (unsigned long long)room,
		       (unsigned long long)rl.rlim_cur, (unsigned long long)used);
		cfg->max_connections = room;
	}
}

static void reload(struct server *srv)
{
	struct tls_ctx *ctx = NULL;
	if (tls_ctx_load(srv->cfg.tls_cert, srv->cfg.tls_key, &ctx) == RM_OK) {
		pthread_mutex_lock(&srv->reload_mu);
		struct tls_ctx *old = srv->tls;
		srv->tls = ctx;
		pthread_mutex_unlock(&srv->reload_mu);
		tls_ctx_unref(&old);
		rm_log(RM_LOG_NOTICE, "tls_reloaded", "cert=%s", srv->cfg.tls_cert);
	} else {
		rm_log(RM_LOG_ERROR, "tls_reload_failed", "cert=%s note=\"keeping the old one\"",
		       srv->cfg.tls_cert);
	}
	server_reload_passwd(srv);
}

static int parse_args(int argc, char **argv, struct rm_config *cfg)
{
	const char *conf = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help-config")) {
			config_print_doc();
			exit(0);
		} else if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			conf = argv[++i];
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			i++;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage();
			exit(0);
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--version")) {
			printf("ringmaild %s\n", RM_VERSION);
			exit(0);
		} else {
			usage();
			return -1;
		}
	}
	if (config_load_file(cfg, conf ? conf : "ringmail.conf", conf != NULL) != RM_OK)
		return -1;
	/* -o overrides the file, whatever the order on the command line. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") != 0 || i + 1 >= argc)
			continue;
		char *kv = argv[++i];
		char *eq = strchr(kv, '=');
		if (!eq) {
			fprintf(stderr, "-o %s: expected key=value\n", kv);
			return -1;
		}
		*eq = '\0';
		enum rm_err e = config_set(cfg, kv, eq + 1, "-o");
		*eq = '=';
		if (e != RM_OK)
			return -1;
	}
	return config_finish(cfg) == RM_OK ? 0 : -1;
}

static int start(struct server *srv)
{
	unsigned n = srv->cfg.workers;
	if (n == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus > 0 ? (unsigned)cpus : 1;
	}
	srv->nworkers = n;
	srv->workers = rm_calloc(n, sizeof(*srv->workers));
	for (unsigned i = 0; i < n; i++) {
		int rc = worker_create(srv, i, &srv->workers[i]);
		if (rc < 0) {
			fprintf(stderr, "worker %u: io_uring setup failed: %s\n", i, strerror(-rc));
			return -1;
		}
	}
	if (bind_all(srv) < 0 || control_privs_drop(&srv->cfg) < 0)
		return -1;
	if (server_open_services(srv) != RM_OK)
		return -1;
	clamp_connections(&srv->cfg);
	for (unsigned i = 0; i < n; i++) {
		int rc = worker_start(srv->workers[i]);
		if (rc < 0) {
			fprintf(stderr, "worker %u: %s\n", i, strerror(-rc));
			return -1;
		}
	}
	return server_wait_workers(srv);
}

int main(int argc, char **argv)
{
	struct server *srv = rm_calloc(1, sizeof(*srv));
	rm_server = srv;
	pthread_mutex_init(&srv->reload_mu, NULL);
	pthread_mutex_init(&srv->start_mu, NULL);
	pthread_cond_init(&srv->start_cv, NULL);
	config_defaults(&srv->cfg);
	if (parse_args(argc, argv, &srv->cfg) < 0)
		return 2;
	rm_log_threshold = (enum rm_log_level)srv->cfg.log_level;
	signal(SIGPIPE, SIG_IGN);
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	raise_fd_limit();
	/* The stop request is posted from this thread, possibly when every
	 * descriptor is taken: its ring is made now. */
	if (rm_loop_post_prepare() < 0) {
		fprintf(stderr, "io_uring: cannot create the main thread's ring\n");
		return 1;
	}
	srv->addrs = addr_table_new();

	if (tls_ctx_load(srv->cfg.tls_cert, srv->cfg.tls_key, &srv->tls) == RM_OK) {
		srv->tls_available = true;
	} else if (srv->cfg.imaps_listen_count) {
		fprintf(stderr, "TLS certificate %s / key %s could not be loaded; "
			"imaps_listen needs them (or set imaps_listen to empty)\n",
			srv->cfg.tls_cert, srv->cfg.tls_key);
		return 1;
	} else {
		rm_log(RM_LOG_WARN, "tls_unavailable", "cert=%s note=\"STARTTLS not offered\"",
		       srv->cfg.tls_cert);
	}
	if (start(srv) < 0)
		return 1;

	char addrs[1024] = "";
	size_t o = 0;
	for (unsigned k = 0; k < srv->cfg.imap_listen_count && o < sizeof(addrs) - 40; k++)
		o += (size_t)snprintf(addrs + o, sizeof(addrs) - o, "%simap=%s:%u", o ? "," : "",
				      srv->cfg.imap_listen[k].host, srv->cfg.imap_listen[k].port);
	for (unsigned k = 0; k < srv->cfg.imaps_listen_count && o < sizeof(addrs) - 40; k++)
		o += (size_t)snprintf(addrs + o, sizeof(addrs) - o, "%simaps=%s:%u", o ? "," : "",
				      srv->cfg.imaps_listen[k].host, srv->cfg.imaps_listen[k].port);
	control_listen_describe(srv, addrs, sizeof(addrs), &o);
	rm_log(RM_LOG_NOTICE, "ready", "version=%s workers=%u listen=%s data_dir=%s pid=%d",
	       RM_VERSION, srv->nworkers, addrs, srv->cfg.data_dir, (int)getpid());

	for (;;) {
		int sig = 0;
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload(srv);
			continue;
		}
		break;
	}
	rm_log(RM_LOG_NOTICE, "stopping", "connections=%llu",
	       (unsigned long long)atomic_load(&srv->conns_total));
	atomic_store(&srv->stopping, true);
	control_listen_unlink();   /* a successor may start at once */
	for (unsigned i = 0; i < srv->nworkers; i++)
		worker_request_stop(srv->workers[i]);
	for (unsigned i = 0; i < srv->nworkers; i++)
		worker_join(srv->workers[i]);
	server_close_services(srv);
	for (unsigned i = 0; i < srv->nworkers; i++)
		worker_destroy(&srv->workers[i]);
	free(srv->workers);
	tls_ctx_unref(&srv->tls);
	addr_table_free(&srv->addrs);
	rm_log(RM_LOG_NOTICE, "stopped", "pid=%d", (int)getpid());
	free(srv);
	return 0;
}
