/* The CAPABILITY list: only what works, by state (RFC 9051 §6.1.1). */
#include "server/imap/command.h"
#include "server/server.h"
#include "server/tls.h"
#include "server/worker.h"

bool imap_plaintext_auth_ok(const struct imap_session *s)
{
	const struct rm_config *cfg = &s->c->w->srv->cfg;
	if (s->c->tls || cfg->plaintext_auth_anywhere)
		return true;
	return cfg->plaintext_auth_loopback && addr_is_loopback(&s->c->peer);
}

void imap_capability_write(const struct imap_session *s, struct rm_buf *out)
{
	const struct rm_config *cfg = &s->c->w->srv->cfg;
	rm_buf_puts(out, "IMAP4rev1 IMAP4rev2");
	if (s->state == IMAP_ST_NOTAUTH) {
		/* RFC 9051 §6.2.1: STARTTLS only on a plaintext connection. */
		if (!s->c->tls && s->c->w->srv->tls_available)
			rm_buf_puts(out, " STARTTLS");
		if (imap_plaintext_auth_ok(s))
			rm_buf_puts(out, " AUTH=PLAIN AUTH=LOGIN");
		else
			rm_buf_puts(out, " LOGINDISABLED");
		rm_buf_puts(out, " AUTH=SCRAM-SHA-256 SASL-IR");
	}
	rm_buf_puts(out, cfg->literal_plus ? " LITERAL+" : " LITERAL-");
	rm_buf_puts(out, " ID ENABLE IDLE");
	if (s->state == IMAP_ST_NOTAUTH)
		return;
	/* After login: every extension of the mail store. */
	rm_buf_puts(out, " UIDPLUS MOVE REPLACE UNSELECT MULTIAPPEND BINARY UTF8=ACCEPT CONDSTORE QRESYNC");
	rm_buf_puts(out, " NAMESPACE CHILDREN LIST-EXTENDED LIST-STATUS SPECIAL-USE CREATE-SPECIAL-USE"
			 " STATUS=SIZE OBJECTID SAVEDATE UNAUTHENTICATE");
	rm_buf_puts(out, " ESEARCH SEARCHRES WITHIN SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES");
	rm_buf_puts(out, " QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE");
	if (!s->c->z)
		rm_buf_puts(out, " COMPRESS=DEFLATE");
	rm_buf_printf(out, " APPENDLIMIT=%llu", (unsigned long long)cfg->append_max_bytes);
}
