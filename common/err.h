/*
 * err.h — the project-wide error enum.  Functions that can fail return
 * enum rm_err (RM_OK == 0).  errno is translated at the system-call boundary
 * with rm_err_from_errno() and kept beside the result for logs where useful.
 */
#ifndef RM_ERR_H
#define RM_ERR_H

enum rm_err {
	RM_OK = 0,
	RM_ERR_NOMEM,      /* allocation failed (normally we abort instead) */
	RM_ERR_IO,         /* a system call failed; errno logged at the site */
	RM_ERR_CORRUPT,    /* on-disk data failed a check (checksum, magic) */
	RM_ERR_NOTFOUND,   /* user, mailbox, message or key absent */
	RM_ERR_EXISTS,     /* already exists */
	RM_ERR_LIMIT,      /* a bound from limits.h or the config was hit */
	RM_ERR_SYNTAX,     /* input does not parse */
	RM_ERR_AGAIN,      /* need more input / retry later */
	RM_ERR_PERM,       /* not allowed (auth, state, permission) */
	RM_ERR_BUSY,       /* resource in use (lock held by another process) */
	RM_ERR_INVAL,      /* bad argument or configuration value */
	RM_ERR_QUOTA,      /* quota exceeded */
	RM_ERR_CLOSED,     /* peer or object gone */
	RM_ERR_UNSUPPORTED,/* feature absent (kernel, build) */
	RM_ERR__COUNT
};

/** Short lower-case name of an error ("io", "notfound"); never NULL. */
const char *rm_err_str(enum rm_err err);
/** Maps an errno value to the closest rm_err. */
enum rm_err rm_err_from_errno(int errnum);

#endif
