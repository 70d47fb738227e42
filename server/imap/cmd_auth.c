/* LOGIN and AUTHENTICATE — waiting for server/auth (in progress). */
#include "server/imap/command.h"

void cmd_login(struct imap_cmd *cmd)
{
	imap_cmd_reply(cmd, "NO", "[UNAVAILABLE] Authentication backend not wired yet");
}

void cmd_authenticate(struct imap_cmd *cmd)
{
	imap_cmd_reply(cmd, "NO", "[UNAVAILABLE] Authentication backend not wired yet");
}

void imap_auth_arrived(struct imap_session *s)
{
}
