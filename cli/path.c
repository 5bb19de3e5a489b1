/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The PATH a user gives to xen-cdrom insert, made absolute as the daemon
 * needs it: the directory part resolved, the final component kept.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/*
 * Appends component c (len bytes) to the absolute path out, textually
 * resolving "." and "..".  Returns -1 if it would not fit.
 */
static int
path_push(char *out, size_t cap, const char *c, size_t len)
{
	size_t used = strlen(out);
	char *slash;

	if (len == 0 || (len == 1 && c[0] == '.'))
		return 0;
	if (len == 2 && c[0] == '.' && c[1] == '.') {
		if ((slash = strrchr(out, '/')) != NULL)
			*slash = '\0';
		return 0;
	}
	if (used + 1 + len >= cap)
		return -1;
	out[used] = '/';
	memcpy(out + used + 1, c, len);
	out[used + 1 + len] = '\0';
	return 0;
}

/* Normalises base (absolute, or NULL) + path textually into out. */
static int
path_normalise(char *out, size_t cap, const char *base, const char *path)
{
	const char *p, *end;
	int pass;

	out[0] = '\0';
	for (pass = 0; pass < 2; pass++) {
		p = pass == 0 ? base : path;
		if (p == NULL)
			continue;
		while (*p != '\0') {
			end = strchrnul(p, '/');
			if (path_push(out, cap, p, (size_t)(end - p)) == -1)
				return -1;
			p = *end == '/' ? end + 1 : end;
		}
	}
	if (out[0] == '\0')
		snprintf(out, cap, "/");
	return 0;
}

/*
 * Makes path absolute: the directory part through realpath(3), so its
 * symlinks and "." / ".." are resolved; the final component is kept as
 * given (the daemon refuses a final symlink, and we must not hide one
 * from it).  If the directory cannot be resolved (it does not exist),
 * the path is normalised textually against the current directory and
 * the daemon reports what is wrong with it.
 */
int
path_absolute(const char *path, char *out, size_t cap)
{
	char copy[PATH_MAX], cwd[PATH_MAX], dir[PATH_MAX];
	const char *base;
	char *slash;
	size_t len;

	if (path[0] == '\0')
		return -1;
	len = strlen(path);
	if (len >= sizeof(copy))
		return -1;
	memcpy(copy, path, len + 1);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	if ((slash = strrchr(copy, '/')) == NULL) {
		base = copy;
		snprintf(dir, sizeof(dir), ".");
	} else {
		base = slash + 1;
		*slash = '\0';
		snprintf(dir, sizeof(dir), "%s", slash == copy ? "/" : copy);
	}
	if (strcmp(base, ".") != 0 && strcmp(base, "..") != 0 &&
	    realpath(dir, cwd) != NULL) {
		if (strcmp(cwd, "/") == 0)
			cwd[0] = '\0';
		if ((size_t)snprintf(out, cap, "%s/%s", cwd, base) >= cap)
			return -1;
		return 0;
	}
	if (path[0] == '/')
		return path_normalise(out, cap, NULL, path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	return path_normalise(out, cap, cwd, path);
}
