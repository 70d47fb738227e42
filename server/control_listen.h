/*
 * control_listen.h — the operations side of start-up: the UNIX sockets
 * (LMTP and control), the TCP listener tables for LMTP and metrics that
 * main.c's bind_all walks, the privilege drop, and the addresses in the
 * "ready" log line.
 */
#ifndef RM_CONTROL_LISTEN_H
#define RM_CONTROL_LISTEN_H

#include <stddef.h>

#include "server/config.h"

struct server;
struct conn_proto;

/** One TCP address list and the protocol its listeners speak. */
struct control_listen_tcp {
	const struct rm_listen_addr *addrs;
	unsigned count;
	const struct conn_proto *proto;
	const char *label;         /* in the ready line: "lmtp", "metrics" */
};

/** The TCP lists beyond IMAP (LMTP, metrics) for bind_all; returns how
 * many of out[0..cap) it filled.  Pointers refer to srv->cfg. */
unsigned control_listen_tcp_lists(const struct server *srv, struct control_listen_tcp *out,
				  unsigned cap);

/** Binds the LMTP socket (unless lmtp_socket = off) and the control socket
 * and gives every worker a listener on each (one dup'ed fd per worker).
 * A leftover socket file nobody answers on is removed; one that answers
 * means another server runs: error.  Returns 0 or -1 (message printed). */
int control_listen_unix(struct server *srv);
/** At a clean stop: removes the socket files control_listen_unix bound, if
 * they are still the ones it bound (a successor may have replaced them). */
void control_listen_unlink(void);

/** When running as root and the config names a user (and group): hands
 * the UNIX sockets to that user, then setgroups/setgid/setuid.  A no-op
 * otherwise.  Returns 0 or -1 (message printed). */
int control_privs_drop(const struct rm_config *cfg);

/** Appends ",lmtp=…,lmtp_socket=…,metrics=…,control=…" to out at *off. */
void control_listen_describe(const struct server *srv, char *out, size_t cap, size_t *off);

#endif
