/*
 * passwd_file.h — editing a passwd-file in place for the admin CLI (user
 * add/passwd/del), keeping comments, blank lines, other users' lines and the
 * other fields of the edited line byte for byte.
 *
 * Each edit is atomic: the new content is written to a temporary file in the
 * same directory (same mode as the old file, 0600 for a new one), fsync-ed,
 * renamed over the file and the directory fsync-ed; readers see the old file
 * or the new one, never a mix, and a crash leaves one of the two.
 * Concurrent editors are serialized with flock on "<path>.lock".  A running
 * server sees the change at its next reload (SIGHUP).
 */
#ifndef RM_PASSWD_FILE_H
#define RM_PASSWD_FILE_H

#include "common/err.h"

/** Sets login's password field to stored ("{SCHEME}data", e.g. from
 * pwscheme_make).  The first line of login (ASCII case-insensitive; the one
 * passwd_load uses) keeps its login spelling and other fields; with no such
 * line, "login:stored" is appended (the file is created when missing).
 * Returns RM_OK, RM_ERR_INVAL (login fails passwd_login_check, or stored
 * contains ':', CR, LF or NUL), RM_ERR_IO (logged), RM_ERR_LIMIT (file too
 * large). */
enum rm_err passwd_file_set(const char *path, const char *login, const char *stored);

/** Removes every line of login (ASCII case-insensitive).  Returns RM_OK,
 * RM_ERR_NOTFOUND (no such user, or no file; nothing written), RM_ERR_INVAL,
 * RM_ERR_IO, RM_ERR_LIMIT. */
enum rm_err passwd_file_remove(const char *path, const char *login);

#endif
