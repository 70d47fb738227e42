/*
 * Parsing a control request line into struct control_req: verb, arity,
 * the user's passwd entry and partition, APPEND's flags, date and size.
 * Shared by the server (control.c) and the offline `ringmail` commands
 * (cli/admin.c), so both take exactly the same requests.
 */
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "server/auth/passwd.h"
#include "server/control.h"
#include "storage/store_types.h"

static const struct {
	const char *name;
	enum control_verb verb;
	int args;              /* arguments after the verb */
	bool needs_entry;      /* the login must be in the passwd-file */
} verbs[] = {
	{ "PING", CTL_PING, 0, false },
	{ "USER-SHOW", CTL_USER_SHOW, 1, false },
	{ "USER-ENSURE", CTL_USER_ENSURE, 1, true },
	{ "MAILBOX-LIST", CTL_MAILBOX_LIST, 1, false },
	{ "MAILBOX-CREATE", CTL_MAILBOX_CREATE, 2, true },
	{ "MAILBOX-DELETE", CTL_MAILBOX_DELETE, 2, false },
	{ "APPEND", CTL_APPEND, 5, true },
	{ "KICK", CTL_KICK, 1, false },
	{ "MSG-LIST", CTL_MSG_LIST, 2, false },
	{ "MSG-GET", CTL_MSG_GET, 3, false },
	{ "USER-DELETE", CTL_USER_DELETE, 1, false },
	{ "SUBSCRIBE", CTL_SUBSCRIBE, 2, true },
};

static const char *append_args(struct control_req *r, uint64_t append_max_bytes)
{
	char *end;
	r->date_s = strtoll(r->argv[4], &end, 10);
	if (*end || r->date_s < 0)
		return "NO syntax bad internal date";
	unsigned long long size = strtoull(r->argv[5], &end, 10);
	if (*end || size == 0 || size > append_max_bytes)
		return "NO limit message size out of range";
	if (!control_flags_parse(r->argv[3], &r->flags, r->kw, r->kw_lens, RM_ARRAY_LEN(r->kw),
				 &r->nkw))
		return "NO syntax bad flags";
	r->payload_bytes = (size_t)size;
	return NULL;
}

const char *control_req_parse(struct control_req *r, char *line, size_t len,
			      struct passwd_db *db, const struct store *store,
			      uint64_t append_max_bytes)
{
	char *argv[CONTROL_ARGS_MAX];
	size_t lens[CONTROL_ARGS_MAX];
	int argc = control_args_split(line, len, argv, lens, CONTROL_ARGS_MAX);
	if (argc <= 0)
		return "NO syntax bad request line";
	size_t v = 0;
	while (v < RM_ARRAY_LEN(verbs) && strcmp(verbs[v].name, argv[0]) != 0)
		v++;
	if (v == RM_ARRAY_LEN(verbs))
		return "NO syntax unknown command";
	if (argc != verbs[v].args + 1)
		return "NO syntax wrong number of arguments";
	r->verb = verbs[v].verb;
	r->argc = argc;
	memcpy(r->argv, argv, sizeof(argv));
	memcpy(r->lens, lens, sizeof(lens));
	if (argc > 1) {
		r->db = db ? passwd_db_ref(db) : NULL;
		r->entry = db ? passwd_lookup(db, argv[1], lens[1]) : NULL;
		if (!r->entry && verbs[v].needs_entry)
			return "NO notfound no such user in the passwd-file";
		const char *login = r->entry ? r->entry->login : argv[1];
		size_t login_len = r->entry ? r->entry->login_len : lens[1];
		r->partition = store_partition_of(store, login, login_len);
	}
	return r->verb == CTL_APPEND ? append_args(r, append_max_bytes) : NULL;
}
