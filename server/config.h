/*
 * config.h — ringmail.conf: `key = value` lines, '#' comments.  Every key is
 * described once in the table in config.c (name, type, default, doc); the
 * same table prints `ringmaild --help-config` and is what the README's
 * configuration section lists.  `-o key=value` on the command line overrides
 * the file.  Unknown keys and bad values are errors naming the file and line.
 *
 * The parsed struct is immutable once workers run; SIGHUP re-reads only the
 * TLS certificate and the passwd-file, not this.
 */
#ifndef RM_CONFIG_H
#define RM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define RM_LISTEN_MAX 8

struct rm_listen_addr {
	char host[64];
	uint16_t port;
};

struct rm_config {
	char data_dir[512];
	unsigned workers;              /* 0 = one per online CPU */
	bool pin_workers;
	struct rm_listen_addr imap_listen[RM_LISTEN_MAX];
	unsigned imap_listen_count;
	struct rm_listen_addr imaps_listen[RM_LISTEN_MAX];
	unsigned imaps_listen_count;
	char tls_cert[512];
	char tls_key[512];
	char passwd_file[512];
	unsigned auth_threads;
	bool plaintext_auth_loopback;  /* allow LOGIN/PLAIN without TLS from 127/8, ::1 */
	bool plaintext_auth_anywhere;  /* allow them everywhere (testing only) */
	uint64_t max_connections;
	uint64_t max_connections_per_ip; /* 0 = unlimited */
	uint64_t append_max_bytes;
	uint64_t timeout_preauth_ms;
	uint64_t timeout_auth_ms;
	uint64_t auth_cache_ttl_ms;
	uint64_t output_stall_ms;
	bool literal_plus;             /* advertise LITERAL+ (else LITERAL-) */
	int log_level;
	char greeting_name[128];
	/* Delivery and operations (LMTP, metrics, control socket, privileges,
	 * storage tunables handed to store_open). */
	struct rm_listen_addr lmtp_listen[RM_LISTEN_MAX];
	unsigned lmtp_listen_count;
	char lmtp_socket[512];         /* "" = <data_dir>/lmtp.sock, "off" = none */
	struct rm_listen_addr metrics_listen[RM_LISTEN_MAX];
	unsigned metrics_listen_count;
	char control_socket[512];      /* "" = <data_dir>/control.sock */
	char run_user[64];             /* setuid after binding when root; "" = stay */
	char run_group[64];
	uint64_t segment_max_bytes;
	uint64_t checkpoint_idle_ms;
	unsigned compact_live_percent;
	uint64_t compact_check_ms;
	unsigned vanished_keep;
};

/** Fills cfg with the defaults of every key. */
void config_defaults(struct rm_config *cfg);

/** Reads `path` into cfg.  A missing file is an error only when
 * must_exist.  Errors are written to stderr with file:line. */
enum rm_err config_load_file(struct rm_config *cfg, const char *path, bool must_exist);

/** Applies one "key=value" override (from -o). */
enum rm_err config_set(struct rm_config *cfg, const char *key, const char *value,
		       const char *origin);

/** Checks relationships between keys and fills derived defaults (paths
 * under data_dir).  Call after all overrides. */
enum rm_err config_finish(struct rm_config *cfg);

/** Writes every key with its default and documentation (for --help-config). */
void config_print_doc(void);

#endif
