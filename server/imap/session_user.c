/* Attaching an authenticated session to its user in the store. */
#include "server/imap/session.h"

void session_user_open(struct imap_session *s, void (*done)(struct imap_session *s, enum rm_err err))
{
	/* The store is not wired in yet (storage engine in progress):
	 * the user is known from the passwd-file only. */
	done(s, RM_OK);
}
