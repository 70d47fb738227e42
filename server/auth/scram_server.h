/*
 * scram_server.h — one SCRAM-SHA-256 exchange, server side (RFC 5802 §3,
 * §5, §7; RFC 7677): parse client-first, write server-first, check
 * client-final, write server-final.  sasl.c drives it; nothing here knows
 * IMAP.  Keys come from scram.h.  Not thread-safe; one object per exchange.
 */
#ifndef RM_SCRAM_SERVER_H
#define RM_SCRAM_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "server/auth/scram.h"

/** One exchange's state (opaque). */
struct scram_server;

/** A new exchange; destroy with scram_server_destroy. */
struct scram_server *scram_server_create(void);
/** Wipes keys and messages and frees; *s becomes NULL. */
void scram_server_destroy(struct scram_server **s);

/** Test hook: use snonce (printable ASCII without ',') as the server nonce
 * instead of random bytes.  Call before scram_server_first. */
void scram_server_fix_nonce(struct scram_server *s, const char *snonce);

/** Parses client-first-message.  On RM_OK, *login_r / *login_len_r point at
 * the decoded, SASLprep-ed user name (owned by s, valid until destroy).
 * Errors: RM_ERR_SYNTAX (malformed), RM_ERR_UNSUPPORTED (channel binding
 * "p=" or a mandatory extension), RM_ERR_PERM (an authzid other than the
 * user name); scram_server_error() then names the RFC 5802 error. */
enum rm_err scram_server_client_first(struct scram_server *s, const uint8_t *msg, size_t len,
				      const char **login_r, size_t *login_len_r);

/** Installs the user's keys and appends server-first-message to out. */
void scram_server_first(struct scram_server *s, const struct scram_keys *keys,
			struct rm_buf *out);

/** Checks client-final-message (channel binding, nonce, proof).  On RM_OK
 * the client is authenticated and server-final-message ("v=…") is appended
 * to out.  Errors: RM_ERR_SYNTAX (malformed), RM_ERR_PERM (channel binding
 * data or nonce differ, wrong proof); see scram_server_error(). */
enum rm_err scram_server_client_final(struct scram_server *s, const uint8_t *msg, size_t len,
				      struct rm_buf *out);

/** The RFC 5802 §7 server-error-value of the last failure ("invalid-proof",
 * "channel-binding-not-supported", …), a static string; "" before any. */
const char *scram_server_error(const struct scram_server *s);

#endif
