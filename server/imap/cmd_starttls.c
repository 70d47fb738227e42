/* STARTTLS (RFC 9051 §6.2.1, RFC 2595). */
#include "server/imap/command.h"
#include "server/server.h"
#include "server/worker.h"

void cmd_starttls(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	if (!imap_parse_eol(&cmd->p))
		return;
	if (s->c->tls) {
		imap_cmd_reply(cmd, "BAD", "TLS is already active");
		return;
	}
	if (!s->c->w->srv->tls_available) {
		imap_cmd_reply(cmd, "NO", "[UNAVAILABLE] TLS is not configured");
		return;
	}
	imap_cmd_reply(cmd, "OK", "Begin TLS negotiation now");
	/* Everything after this line in the client's stream is discarded
	 * (command injection, RFC 9051 §6.2.1); the reply above goes out in
	 * plaintext first. */
	if (!conn_start_tls(s->c))
		conn_close(s->c, "starttls_failed");
}
