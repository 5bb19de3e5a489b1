/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Opening a requested image under the host's path policy.  The image is
 * opened once, here, and that descriptor is what QEMU gets: a path
 * swapped for a symlink after the check has nothing left to redirect.
 *
 * The policy (which allowed-dir holds the target) is decided in the
 * daemon; the walk, which touches the file system and may hang on a
 * dead NFS server or FUSE mount, runs in a child (opener.c) with only
 * async-signal-safe calls, and the daemon turns its result into a
 * message.
 */
#ifndef WATCHER_IMAGE_H
#define WATCHER_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "errcode.h"
#include "request.h"

/* What a walk found.  Plain data: it crosses a socket from the child. */
enum image_stage {
	IMAGE_OK,		/* fd is open, the type and magic read */
	IMAGE_DIR_FAILED,	/* the allowed-dir itself (err) */
	IMAGE_COMPONENT,	/* a directory on the way (comp, err) */
	IMAGE_COMPONENT_LINK,	/* a directory on the way is a symlink */
	IMAGE_FINAL,		/* the file itself (err) */
	IMAGE_LINK,		/* the file is a symlink (link) */
	IMAGE_TYPE,		/* not a regular file or block device (mode) */
	IMAGE_CHANGED,		/* replaced between the check and the open */
	IMAGE_READ,		/* its first bytes could not be read (err) */
};

#define IMAGE_LINK_MAX 256

struct image_result {
	enum image_stage stage;
	int fd;
	int err;
	mode_t mode;
	size_t comp_off, comp_len;	/* the component, in target */
	enum image_format seen;		/* what its first bytes announce */
	bool vhd_footer;		/* it ends in a VHD footer */
	char link[IMAGE_LINK_MAX];	/* a symlink's text, cut if longer */
};

/*
 * Which allowed-dir holds target (already through target_check): *dir
 * is it, or NULL when none is configured.  ERRC_NONE, or the refusal
 * (in err) when target is outside every one or is one.
 */
enum error_code image_policy(const struct config *cfg, const char *target,
    const char **dir, char *err, size_t errlen);

/*
 * Opens target read-only beneath dir (NULL: none) without following a
 * symlink below dir or at the file itself, having checked the file's
 * type first without opening it; reads its first bytes (and, for
 * want == FORMAT_VHD, the start of its last 512).  Only async-signal-
 * safe calls: it runs in a child of a threaded process.
 */
void image_walk(const char *dir, const char *target, enum image_format want,
    struct image_result *r);

/*
 * The daemon's verdict on a walk: ERRC_NONE when r->fd is a file fit for
 * a request of format want (check_format false: any), else the code and
 * in err the reason for the error node (r->fd is not closed here).
 */
enum error_code image_explain(const char *target, enum image_format want,
    bool check_format, const struct image_result *r, char *err,
    size_t errlen);

#endif
