#include "common/err.h"

#include <errno.h>

static const char *const rm_err_names[RM_ERR__COUNT] = {
	[RM_OK] = "ok",
	[RM_ERR_NOMEM] = "nomem",
	[RM_ERR_IO] = "io",
	[RM_ERR_CORRUPT] = "corrupt",
	[RM_ERR_NOTFOUND] = "notfound",
	[RM_ERR_EXISTS] = "exists",
	[RM_ERR_LIMIT] = "limit",
	[RM_ERR_SYNTAX] = "syntax",
	[RM_ERR_AGAIN] = "again",
	[RM_ERR_PERM] = "perm",
	[RM_ERR_BUSY] = "busy",
	[RM_ERR_INVAL] = "inval",
	[RM_ERR_QUOTA] = "quota",
	[RM_ERR_CLOSED] = "closed",
	[RM_ERR_UNSUPPORTED] = "unsupported",
};

const char *rm_err_str(enum rm_err err)
{
	if ((unsigned)err >= RM_ERR__COUNT)
		return "unknown";
	return rm_err_names[err];
}

enum rm_err rm_err_from_errno(int errnum)
{
	switch (errnum) {
	case 0: return RM_OK;
	case ENOMEM: return RM_ERR_NOMEM;
	case ENOENT: return RM_ERR_NOTFOUND;
	case EEXIST: return RM_ERR_EXISTS;
	case EAGAIN: return RM_ERR_AGAIN;
	case EACCES: case EPERM: return RM_ERR_PERM;
	case EBUSY: return RM_ERR_BUSY;
	case EINVAL: return RM_ERR_INVAL;
	case EDQUOT: case ENOSPC: return RM_ERR_QUOTA;
	case EPIPE: case ECONNRESET: return RM_ERR_CLOSED;
	case ENOSYS: case EOPNOTSUPP: return RM_ERR_UNSUPPORTED;
	default: return RM_ERR_IO;
	}
}
