/* Operations-side listeners and the privilege drop; see control_listen.h. */
#include "server/control_listen.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/util.h"
#include "server/control.h"
#include "server/lmtp/lmtp.h"
#include "server/metrics.h"
#include "server/server.h"
#include "server/worker.h"

unsigned control_listen_tcp_lists(const struct server *srv, struct control_listen_tcp *out,
				  unsigned cap)
{
	const struct rm_config *cfg = &srv->cfg;
	struct control_listen_tcp all[] = {
		{ cfg->lmtp_listen, cfg->lmtp_listen_count, &lmtp_proto, "lmtp" },
		{ cfg->metrics_listen, cfg->metrics_listen_count, &metrics_http_proto, "metrics" },
	};
	unsigned n = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]) && n < cap; i++)
		out[n++] = all[i];
	return n;
}

/* sockaddr_un for path; paths longer than sun_path go through
 * /proc/self/fd/<dirfd>/<name> (the directory stays open in *dirfd_r). */
static int unix_addr(const char *path, struct sockaddr_un *sa, int *dirfd_r)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	*dirfd_r = -1;
	if (strlen(path) < sizeof(sa->sun_path)) {
		strcpy(sa->sun_path, path);
		return 0;
	}
	const char *slash = strrchr(path, '/');
	if (!slash)
		return -1;
	char dir[512];
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	*dirfd_r = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd_r < 0)
		return -1;
	int n = snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", *dirfd_r,
			 slash + 1);
	return n > 0 && (size_t)n < sizeof(sa->sun_path) ? 0 : -1;
}

/* The socket files this process bound, removed at a clean stop when they
 * are still ours (control_listen_unlink). */
static struct bound_unix {
	char path[512];
	dev_t dev;
	ino_t ino;
} bound[2];
static unsigned nbound;

/* Whether a server accepts on path now.  A server that just exited can
 * still accept for a moment (its io_uring, with the accept pending, is
 * torn down after the process): a socket that stops answering within
 * RM_UNIX_STALE_WAIT_MS is a leftover. */
static bool unix_answers(const struct sockaddr_un *sa)
{
	for (unsigned waited = 0;; waited += 50) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return false;
		bool up = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
		close(fd);
		if (!up || waited >= RM_UNIX_STALE_WAIT_MS)
			return up;
		usleep(50 * 1000);
	}
}

static int bind_unix(const char *path, mode_t mode)
{
	struct sockaddr_un sa;
	int dirfd;
	if (unix_addr(path, &sa, &dirfd) < 0) {
		fprintf(stderr, "socket %s: path unusable\n", path);
		return -1;
	}
	int fd = -1;
	if (unix_answers(&sa)) {
		fprintf(stderr, "socket %s: another server answers on it\n", path);
	} else if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0) {
		unlink(path);  /* a leftover of a server that died */
		mode_t old = umask(0777 & ~mode);
		struct stat st;
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1024) < 0) {
			fprintf(stderr, "socket %s: %s\n", path, strerror(errno));
			close(fd);
			fd = -1;
		} else if (nbound < RM_ARRAY_LEN(bound) && stat(path, &st) == 0 &&
			   strlen(path) < sizeof(bound[0].path)) {
			strcpy(bound[nbound].path, path);
			bound[nbound].dev = st.st_dev;
			bound[nbound].ino = st.st_ino;
			nbound++;
		}
		umask(old);
	}
	if (dirfd >= 0)
		close(dirfd);
	return fd;
}

static int listen_everywhere(struct server *srv, const char *path, mode_t mode,
			     const struct conn_proto *proto)
{
	int fd = bind_unix(path, mode);
	if (fd < 0)
		return -1;
	for (unsigned i = 0; i < srv->nworkers; i++) {
		int d = i + 1 < srv->nworkers ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : fd;
		if (d < 0)
			return -1;
		worker_add_listener(srv->workers[i], d, false, proto);
	}
	return 0;
}

void control_listen_unlink(void)
{
	for (unsigned i = 0; i < nbound; i++) {
		struct stat st;
		if (stat(bound[i].path, &st) == 0 && st.st_dev == bound[i].dev &&
		    st.st_ino == bound[i].ino)
			unlink(bound[i].path);
	}
	nbound = 0;
}

int control_listen_unix(struct server *srv)
{
	const struct rm_config *cfg = &srv->cfg;
	/* The LMTP socket is as open as the loopback port: any local user may
	 * deliver.  The control socket can read and change every mailbox. */
	if (strcmp(cfg->lmtp_socket, "off") != 0 &&
	    listen_everywhere(srv, cfg->lmtp_socket, 0666, &lmtp_proto) < 0)
		return -1;
	return listen_everywhere(srv, cfg->control_socket, 0600, &control_proto);
}

int control_privs_drop(const struct rm_config *cfg)
{
	if (geteuid() != 0 || !cfg->run_user[0])
		return 0;
	struct passwd *pw = getpwnam(cfg->run_user);
	if (!pw) {
		fprintf(stderr, "user %s: no such user\n", cfg->run_user);
		return -1;
	}
	gid_t gid = pw->pw_gid;
	if (cfg->run_group[0]) {
		struct group *gr = getgrnam(cfg->run_group);
		if (!gr) {
			fprintf(stderr, "group %s: no such group\n", cfg->run_group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	const char *socks[] = { cfg->control_socket, cfg->lmtp_socket };
	for (size_t i = 0; i < 2; i++)
		if (strcmp(socks[i], "off") != 0 && chown(socks[i], pw->pw_uid, gid) < 0 &&
		    errno != ENOENT)
			fprintf(stderr, "chown %s: %s\n", socks[i], strerror(errno));
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(pw->pw_uid) < 0) {
		fprintf(stderr, "dropping privileges to %s: %s\n", cfg->run_user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		fprintf(stderr, "dropping privileges: still root\n");
		return -1;
	}
	return 0;
}

void control_listen_describe(const struct server *srv, char *out, size_t cap, size_t *off)
{
	const struct rm_config *cfg = &srv->cfg;
	struct control_listen_tcp lists[4];
	unsigned n = control_listen_tcp_lists(srv, lists, 4);
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = 0; k < lists[i].count && *off + 80 < cap; k++)
			*off += (size_t)snprintf(out + *off, cap - *off, ",%s=%s:%u", lists[i].label,
						 lists[i].addrs[k].host, lists[i].addrs[k].port);
	if (strcmp(cfg->lmtp_socket, "off") != 0 && *off + strlen(cfg->lmtp_socket) + 20 < cap)
		*off += (size_t)snprintf(out + *off, cap - *off, ",lmtp_socket=%s", cfg->lmtp_socket);
	if (*off + strlen(cfg->control_socket) + 20 < cap)
		*off += (size_t)snprintf(out + *off, cap - *off, ",control=%s", cfg->control_socket);
}
