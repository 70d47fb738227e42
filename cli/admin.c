/* The two ways `ringmail` reaches a data directory; see admin.h. */
#include "cli/admin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "index/mime.h"
#include "server/auth/passwd.h"
#include "server/control.h"
#include "server/imap/recent.h"
#include "server/server.h"
#include "server/worker.h"
#include "storage/store.h"

struct admin {
	bool online;
	int fd;                       /* online: the control socket */
	struct rm_buf in;             /* online: response bytes read ahead */
	struct store *store;          /* offline */
	struct worker w;              /* offline: a worker without sockets */
	struct passwd_db *db;
	/* Outstanding requests (offline: the requests themselves). */
	struct control_req *q[ADMIN_WINDOW];
	unsigned qhead;
	unsigned qn;
};

/* The in-process worker of the offline path has no sockets, so no TLS;
 * ringmaild's main.c defines the real one. */
struct tls_ctx *server_tls_get(struct server *srv)
{
	(void)srv;
	return NULL;
}

static enum rm_err connect_socket(struct admin *a, const char *data_dir)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/control.sock", data_dir);
	const char *env = getenv("RINGMAIL_CONTROL");
	if (env && *env)
		snprintf(path, sizeof(path), "%s", env);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int dirfd = -1;
	if (strlen(path) < sizeof(sa.sun_path)) {
		strcpy(sa.sun_path, path);
	} else {
		/* Long paths through the directory's descriptor. */
		char *slash = strrchr(path, '/');
		*slash = '\0';
		dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, slash + 1);
	}
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc = a->fd < 0 ? -1 : connect(a->fd, (struct sockaddr *)&sa, sizeof(sa));
	if (dirfd >= 0)
		close(dirfd);
	if (rc < 0) {
		fprintf(stderr, "ringmail: the server holds %s but its control socket does not "
			"answer: %s\n", data_dir, strerror(errno));
		return RM_ERR_IO;
	}
	a->online = true;
	return RM_OK;
}

static enum rm_err open_local(struct admin *a, const char *data_dir)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/passwd", data_dir);
	if (passwd_load(path, &a->db) != RM_OK)
		a->db = NULL;
	int rc = rm_loop_init(&a->w.loop, 256, -1);
	if (rc < 0)
		return RM_ERR_IO;
	a->w.loop_ready = true;
	a->w.parts = rm_calloc(store_partitions(a->store), sizeof(*a->w.parts));
	a->w.recent = recent_table_new();
	return RM_OK;
}

enum rm_err admin_open(const char *data_dir, struct admin **r)
{
	struct admin *a = rm_calloc(1, sizeof(*a));
	a->fd = -1;
	store_set_cache_builder(mime_parse);
	/* A locked directory is expected here (the server runs): quiet. */
	enum rm_log_level saved = rm_log_threshold;
	rm_log_threshold = RM_LOG_CRIT;
	enum rm_err err = store_open(data_dir, NULL, &a->store);
	rm_log_threshold = saved;
	if (err == RM_ERR_BUSY)
		err = connect_socket(a, data_dir);
	else if (err == RM_OK)
		err = open_local(a, data_dir);
	if (err != RM_OK) {
		admin_close(&a);
		return err;
	}
	*r = a;
	return RM_OK;
}

void admin_close(struct admin **ap)
{
	struct admin *a = *ap;
	if (!a)
		return;
	struct rm_buf drop = { 0 };
	while (a->qn && (a->online || a->store))
		admin_collect(a, &drop);
	rm_buf_free(&drop);
	if (a->fd >= 0)
		close(a->fd);
	rm_buf_free(&a->in);
	if (a->w.parts) {
		for (unsigned p = 0; p < store_partitions(a->store); p++)
			if (a->w.parts[p])
				store_part_close(&a->w.parts[p]);
		free(a->w.parts);
	}
	recent_table_free(&a->w.recent);
	if (a->w.loop_ready)
		rm_loop_fini(&a->w.loop);
	passwd_db_unref(&a->db);
	store_close(&a->store);
	free(a);
	*ap = NULL;
}

bool admin_online(const struct admin *a)
{
	return a->online;
}

/* Offline: partition p, opened on the admin loop at first use. */
static struct part *admin_part(struct admin *a, unsigned p)
{
	if (a->online || p >= store_partitions(a->store))
		return NULL;
	if (!a->w.parts[p] && store_part_open(a->store, p, &a->w.loop, &a->w.parts[p]) != RM_OK)
		return NULL;
	return a->w.parts[p];
}

/* The error a final line names ("NO quota ..."). */
static enum rm_err final_status(const char *line, size_t len)
{
	if (len >= 2 && !memcmp(line, "OK", 2))
		return RM_OK;
	for (int e = 1; e < RM_ERR__COUNT; e++) {
		const char *n = rm_err_str((enum rm_err)e);
		size_t nl = strlen(n);
		if (len > 3 + nl && !memcmp(line + 3, n, nl) && line[3 + nl] == ' ')
			return (enum rm_err)e;
	}
	return RM_ERR_INVAL;
}

static bool write_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return true;
}

static enum rm_err submit_online(struct admin *a, const char *line, size_t len,
				 const void *payload, size_t payload_len)
{
	if (!write_all(a->fd, line, len) || !write_all(a->fd, "\n", 1) ||
	    (payload_len && !write_all(a->fd, payload, payload_len)))
		return RM_ERR_IO;
	return RM_OK;
}

/* Reads the oldest outstanding response off the socket. */
static enum rm_err collect_online(struct admin *a, struct rm_buf *out)
{
	for (;;) {
		char *nl;
		while ((nl = a->in.len ? memchr(a->in.data, '\n', a->in.len) : NULL)) {
			size_t ll = (size_t)(nl - a->in.data) + 1;
			if (ll > 7 && !memcmp(a->in.data, "* body ", 7)) {
				/* MSG-GET: the line, then exactly that many bytes. */
				size_t n = (size_t)strtoull(a->in.data + 7, NULL, 10);
				if (a->in.len - ll < n + 1)
					break;
				rm_buf_append(out, a->in.data, ll + n + 1);
				rm_buf_consume(&a->in, ll + n + 1);
				continue;
			}
			rm_buf_append(out, a->in.data, ll);
			bool data = a->in.data[0] == '*';
			enum rm_err st = data ? RM_OK : final_status(a->in.data, ll - 1);
			rm_buf_consume(&a->in, ll);
			if (!data)
				return st;
		}
		rm_buf_reserve(&a->in, 65536);
		ssize_t n = read(a->fd, a->in.data + a->in.len, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return RM_ERR_IO;
		a->in.len += (size_t)n;
	}
}

static void local_back(struct hop *h)
{
	RM_CONTAINER_OF(h, struct control_req, hop)->done = true;
}

/* Offline: runs the request in-process now (APPENDs queue in the store
 * and complete when the loop turns in collect). */
static void submit_local(struct admin *a, const char *line, size_t len, const void *payload,
			 size_t payload_len)
{
	struct control_req *r = rm_calloc(1, sizeof(*r));
	a->q[(a->qhead + a->qn++) % ADMIN_WINDOW] = r;
	r->text = rm_strndup(line, len);
	const char *why = control_req_parse(r, r->text, len, a->db, a->store,
					    RM_APPEND_DEFAULT_MAX_BYTES);
	if (!why && r->verb == CTL_APPEND && r->payload_bytes != payload_len)
		why = "NO inval payload size mismatch";
	struct part *part = why || r->argc < 2 ? NULL : admin_part(a, r->partition);
	if (!why && r->argc > 1 && !part)
		why = "NO io cannot open the partition";
	if (why) {
		rm_buf_printf(&r->out, "%s\n", why);
		r->done = true;
		return;
	}
	if (r->verb == CTL_APPEND) {
		r->msg = store_msgbuf_alloc(payload_len);
		memcpy(store_msgbuf_data(r->msg), payload, payload_len);
	}
	r->hop.home = r->hop.target = &a->w;
	r->hop.remote = control_ops_run;
	r->hop.back = local_back;
	hop_go(&r->hop);
}

static enum rm_err collect_local(struct admin *a, struct rm_buf *out)
{
	struct control_req *r = a->q[a->qhead];
	struct part *part = r->argc > 1 ? a->w.parts[r->partition] : NULL;
	while (!r->done)
		rm_loop_turn(&a->w.loop, part && store_part_expecting(part) ? 1 : 0);
	rm_buf_append(out, r->out.data, r->out.len);
	const char *end = r->out.data + r->out.len - 1, *last = end;
	while (last > r->out.data && last[-1] != '\n')
		last--;
	enum rm_err err = final_status(last, (size_t)(end - last));
	if (r->msg)
		store_msgbuf_free(&r->msg);
	rm_buf_free(&r->out);
	passwd_db_unref(&r->db);
	free(r->body);
	free(r->text);
	free(r);
	return err;
}

enum rm_err admin_submit(struct admin *a, const char *line, size_t len, const void *payload,
			 size_t payload_len)
{
	RM_ASSERT(a->qn < ADMIN_WINDOW);
	RM_ASSERT(a->qn == 0 || (len > 7 && !memcmp(line, "APPEND ", 7)));
	if (a->online) {
		if (submit_online(a, line, len, payload, payload_len) != RM_OK)
			return RM_ERR_IO;
		a->qn++;
		return RM_OK;
	}
	submit_local(a, line, len, payload, payload_len);
	return RM_OK;
}

enum rm_err admin_collect(struct admin *a, struct rm_buf *out)
{
	RM_ASSERT(a->qn > 0);
	enum rm_err err = a->online ? collect_online(a, out) : collect_local(a, out);
	a->qhead = (a->qhead + 1) % ADMIN_WINDOW;
	a->qn--;
	return err;
}

unsigned admin_outstanding(const struct admin *a)
{
	return a->qn;
}

enum rm_err admin_mailbox_create(struct admin *a, const char *login, const char *name,
				 struct rm_buf *out)
{
	size_t n = strlen(name);
	struct rm_buf line = { 0 };
	enum rm_err err = RM_OK;
	for (size_t i = 0; i <= n && (err == RM_OK || err == RM_ERR_EXISTS); i++) {
		if (i < n && name[i] != '/')
			continue;
		rm_buf_reset(&line);
		rm_buf_reset(out);
		rm_buf_puts(&line, "MAILBOX-CREATE ");
		control_arg_put(&line, login, strlen(login));
		rm_buf_putc(&line, ' ');
		control_arg_put(&line, name, i);
		err = admin_call(a, line.data, line.len, NULL, 0, out);
	}
	rm_buf_free(&line);
	return err == RM_ERR_EXISTS ? RM_OK : err;
}

enum rm_err admin_call(struct admin *a, const char *line, size_t len, const void *payload,
		       size_t payload_len, struct rm_buf *out)
{
	enum rm_err err = admin_submit(a, line, len, payload, payload_len);
	return err == RM_OK ? admin_collect(a, out) : err;
}
