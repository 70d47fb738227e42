/*
 * mime_param.h — structured MIME header values: Content-Type,
 * Content-Disposition, single tokens (Content-Transfer-Encoding) and token
 * lists (Content-Language).  Internal to index/.
 *
 * Values are taken raw from the message, still folded: CR and LF count as
 * white space, comments "( ... )" are skipped wherever RFC 2045 allows CFWS.
 * Parsing is tolerant: an unquoted parameter value runs to the next ';' or
 * white space (so the common unquoted boundary "----=_Part_1" works), junk
 * between parameters is skipped, at most RM_MIME_PARAMS_MAX parameters are
 * kept.
 */
#ifndef RM_MIME_PARAM_H
#define RM_MIME_PARAM_H

#include <stdbool.h>

#include "common/buf.h"
#include "index/mime_tree.h"

/**
 * Parses "type/subtype *(; attribute=value)".  type_r and subtype_r point
 * into v (as received).  Returns false (outputs untouched) when v has no
 * "token/token" at its start.  params_r gets the RFC 2231-decoded parameter
 * list, allocated in a (see mime.h for the decoding rules).
 */
bool mime_param_content_type(struct rm_arena *a, const char *v, size_t len,
	struct mime_str *type_r, struct mime_str *subtype_r, struct mime_params *params_r);

/** Parses "disposition-type *(; parameter)" like mime_param_content_type().
 * Returns false when v has no token at its start. */
bool mime_param_disposition(struct rm_arena *a, const char *v, size_t len,
	struct mime_str *type_r, struct mime_params *params_r);

/**
 * Tokens of v in order, separated by commas and CFWS, each passed to fn
 * (pointing into v).  Used for Content-Language and
 * Content-Transfer-Encoding (where only the first matters).  Returns the
 * number of tokens seen.
 */
typedef void mime_param_token_fn(void *arg, const char *tok, size_t len);
size_t mime_param_tokens(const char *v, size_t len, mime_param_token_fn *fn, void *arg);

/** The first token of v (Content-Transfer-Encoding), pointing into v;
 * false when v has none. */
bool mime_param_first_token(const char *v, size_t len, const char **tok_r, size_t *len_r);

/** The parameter named `name` (upper-case ASCII), or NULL. */
const struct mime_param *mime_param_find(const struct mime_params *ps, const char *name);

#endif
