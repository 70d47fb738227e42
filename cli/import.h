/*
 * import.h — what the Maildir and mbox readers (cmd_import_maildir.c,
 * cmd_import_mbox.c) hand their messages to: a sink that creates the user
 * and mailboxes and appends each message with its flags, keywords and
 * internal date through the admin backend (cli/admin.h: the running server
 * or the data directory), counting progress.
 *
 * Message bytes are stored with CRLF line ends (a lone LF, as Maildir and
 * mbox files have them, becomes CRLF), which is what IMAP serves.
 */
#ifndef RM_CLI_IMPORT_H
#define RM_CLI_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/admin.h"
#include "cli/progress.h"
#include "common/buf.h"

#define IMPORT_KEYWORDS_MAX 26     /* Dovecot's Maildir letters a-z */

struct import_msg {
	uint32_t flags;                    /* STORE_F_* */
	const char *keywords[IMPORT_KEYWORDS_MAX];
	unsigned nkeywords;
	int64_t internal_date_s;           /* 0: now */
	const char *data;                  /* raw bytes as read */
	size_t len;
};

struct import_sink {
	struct admin *admin;
	const char *login;
	struct progress prog;
	struct rm_buf line;
	struct rm_buf resp;
	struct rm_buf crlf;
	uint64_t mailboxes;
	uint64_t subscribed;
	uint64_t bytes;
	uint64_t failed;
};

/** Makes sure the user exists in the store (RM_ERR_NOTFOUND when the
 * passwd-file does not know the login) and starts the progress count. */
enum rm_err import_begin(struct import_sink *s, struct admin *a, const char *login,
			 uint64_t total_messages);
/** Creates the mailbox (internal form: UTF-8, '/' levels) and its
 * superiors; one that exists is fine. */
enum rm_err import_mailbox(struct import_sink *s, const char *name);
/** Subscribes the mailbox name (internal form); a failure is printed and
 * counted as failed. */
enum rm_err import_subscribe(struct import_sink *s, const char *name);
/** Sends one message to the mailbox.  Up to ADMIN_WINDOW APPENDs are in
 * flight at once (they share group commits and keep their order); a
 * failure is counted and printed when its response arrives, and is not
 * fatal.  Returns RM_ERR_IO when the request could not be sent. */
enum rm_err import_message(struct import_sink *s, const char *mailbox, const struct import_msg *m);
/** Prints the summary; returns the exit status (1 when a message failed). */
int import_end(struct import_sink *s);

/** The readers: every message of a Maildir++ tree (INBOX at the root,
 * ".a.b" folders) or of one mbox file into mailbox. */
int import_maildir(struct import_sink *s, struct admin *a, const char *login, const char *dir);
int import_mbox(struct import_sink *s, struct admin *a, const char *login, const char *path,
		const char *mailbox);

/** Reads the whole file at path into out (reset first); false when it
 * cannot be opened or read. */
bool import_read_file(const char *path, struct rm_buf *out);

/** Appends data with every lone LF turned into CRLF. */
void import_to_crlf(struct rm_buf *out, const char *data, size_t len);

#endif
