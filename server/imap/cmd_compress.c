/* COMPRESS (RFC 4978): only DEFLATE; once on, it stays on. */
#include "server/imap/command.h"

void cmd_compress(struct imap_cmd *cmd)
{
	struct imap_parser *p = &cmd->p;
	struct imap_str alg;
	if (!imap_parse_sp(p) || !imap_parse_atom(p, &alg) || !imap_parse_eol(p))
		return;
	if (!imap_str_eq(&alg, "DEFLATE")) {
		imap_cmd_reply(cmd, "BAD", "Only DEFLATE is supported");
		return;
	}
	if (cmd->s->c->z) {
		/* RFC 4978 §3: NO [COMPRESSIONACTIVE]. */
		imap_cmd_reply(cmd, "NO", "[COMPRESSIONACTIVE] DEFLATE is already active");
		return;
	}
	imap_cmd_reply(cmd, "OK", "DEFLATE active");
	conn_start_compress(cmd->s->c);
}
