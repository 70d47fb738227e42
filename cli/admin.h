/*
 * admin.h — how `ringmail` reads and changes a user's mail: through the
 * running server's control socket (server/control.h) when ringmaild holds
 * the data directory's lock, otherwise directly on the data directory,
 * where the same request code (control_req_parse, control_ops_run) runs
 * in-process on a private io_uring loop.  Never both: the lock decides.
 *
 * Requests and responses are the control protocol's text lines
 * (server/control_wire.h), so a command prints the same either way.
 */
#ifndef RM_CLI_ADMIN_H
#define RM_CLI_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/err.h"

struct admin;

/** Opens the backend for data_dir.  *r is owned by the caller
 * (admin_close).  RM_ERR_NOTFOUND (no data directory), RM_ERR_IO (the
 * server runs but its control socket does not answer), RM_ERR_CORRUPT. */
enum rm_err admin_open(const char *data_dir, struct admin **r);
/** Flushes and closes (offline: closes every partition it opened). */
void admin_close(struct admin **a);
/** True when requests go to a running server. */
bool admin_online(const struct admin *a);

/** Requests that may be outstanding at once (submit/collect). */
#define ADMIN_WINDOW 32u

/** Sends one request line (no LF) with its APPEND payload (or NULL, 0)
 * without waiting for the response.  Only APPENDs may be outstanding
 * together (they share the server's group commits and keep their order);
 * any other request must be submitted with nothing outstanding.  At most
 * ADMIN_WINDOW at once.  RM_ERR_IO when the server could not be reached. */
enum rm_err admin_submit(struct admin *a, const char *line, size_t len, const void *payload,
			 size_t payload_len);
/** Waits for the oldest outstanding request and appends its response to
 * out; returns RM_OK for OK, the error named by a NO line, or RM_ERR_IO. */
enum rm_err admin_collect(struct admin *a, struct rm_buf *out);
/** Requests submitted and not yet collected. */
unsigned admin_outstanding(const struct admin *a);

/** Runs one request line (no LF) with its APPEND payload (or NULL, 0).
 * The response (data lines and the final OK/NO line) is appended to out.
 * Returns RM_OK for OK, the error named by a NO line, or RM_ERR_IO when
 * the server could not be reached. */
enum rm_err admin_call(struct admin *a, const char *line, size_t len, const void *payload,
		       size_t payload_len, struct rm_buf *out);

/** Creates a user's mailbox and its superiors ("a/b" also makes "a"), as
 * IMAP CREATE does; ones that exist are fine.  The last response goes to
 * out.  Returns RM_OK or the first error. */
enum rm_err admin_mailbox_create(struct admin *a, const char *login, const char *name,
				 struct rm_buf *out);


#endif
