/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The daemon's configuration file, /etc/xen/xen-cdromd.conf: lines of
 * "key = value", "#" comments, blank lines.  Parsing works on text in
 * memory; reading the file is the caller's job.
 */
#ifndef PROTOCOL_CONFIG_H
#define PROTOCOL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_STEP_TIMEOUT_DEFAULT 40	/* libxl's hotplug timeout */
#define CONFIG_STEP_TIMEOUT_MAX 3600
#define CONFIG_ALLOWED_DIRS_MAX 64
#define CONFIG_FOLLOWS_MAX 64
#define CONFIG_DOMAIN_NAME_MAX 255	/* longest domain name in a follow */
#define CONFIG_TEXT_MAX (64 * 1024)

/*
 * follow = DEVICE DOMAIN VDEV: guest drive VDEV of DOMAIN follows the
 * medium of the host drive DEVICE.  Only the udev trigger
 * (xen-cdromd-udev) acts on it; the daemon merely checks it.
 */
struct config_follow {
	char *device;			/* absolute, passed target_check */
	char *domain;			/* a domid's digits or a domain name */
	char *vdev;			/* a whole-disk name, e.g. "hdc" */
};

struct config {
	bool guest_eject;		/* guest-eject = yes|no (default no) */
	bool force_eject;		/* force-eject = yes|no (default no) */
	unsigned step_timeout;		/* step-timeout = SECONDS, 1..3600 */
	size_t n_allowed_dirs;		/* allowed-dir = DIR, repeatable */
	char *allowed_dirs[CONFIG_ALLOWED_DIRS_MAX];	/* no trailing "/" */
	size_t n_follows;		/* follow = DEVICE DOMAIN VDEV, repeatable */
	struct config_follow follows[CONFIG_FOLLOWS_MAX];
};

/* The defaults: what a missing default file means. */
void config_init(struct config *c);

/*
 * Parses text (len bytes; need not be NUL-terminated).  On error
 * returns -1 and writes "FILE:LINE: what is wrong" into err; c is then
 * left as config_init() made it.
 */
int config_parse(struct config *c, const char *text, size_t len,
    const char *filename, char *err, size_t errlen);

void config_free(struct config *c);

/* Is target allowed: no allowed-dir lines, or inside one of them? */
bool config_target_allowed(const struct config *c, const char *target);
/* The allowed-dir target lies within, or NULL if none. */
const char *config_allowed_dir(const struct config *c, const char *target);

#endif
