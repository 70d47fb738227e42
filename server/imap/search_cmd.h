/*
 * search_cmd.h — what SEARCH, SORT and THREAD share at the command level
 * (cmd_search.c): the charset check and running a parsed program over the
 * selected mailbox, then handing the result to the command's answer.
 */
#ifndef RM_IMAP_SEARCH_CMD_H
#define RM_IMAP_SEARCH_CMD_H

#include <stdbool.h>

#include "server/imap/search_eval.h"
#include "server/imap/session.h"

/** Writes the command's untagged answer and its tagged reply.  r's results
 * are valid during the call only. */
typedef void search_cmd_fn(struct imap_cmd *cmd, struct search_program *prog,
			   struct search_run *r, void *arg);

/** True for no charset, UTF-8 and US-ASCII; otherwise replies NO
 * [BADCHARSET (UTF-8 US-ASCII)] (RFC 9051 §6.4.4) and returns false. */
bool search_cmd_charset_ok(struct imap_cmd *cmd, const char *charset);

/** Runs prog (copied) over the selected mailbox and calls then when done;
 * the command is asynchronous from here.  want_sent_dates loads every
 * message's Date (SORT, THREAD).  Returns false after replying NO when the
 * search could not start. */
bool search_cmd_start(struct imap_cmd *cmd, struct search_program *prog, bool want_sent_dates,
		      search_cmd_fn *then, void *arg);

/** SEARCH_PATH_SCAN when RINGMAIL_SEARCH_PATH=scan is in the environment
 * (a diagnostic switch for comparing the paths), else SEARCH_PATH_AUTO. */
enum search_path search_path_default(void);

#endif
