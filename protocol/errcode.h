/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The machine-readable reason of a failed request (protocol 1.1):
 * cdrom-request/VDEV/error-code holds one of these tokens beside the
 * human-readable error.  docs/protocol.md lists them; a tool may match
 * on them, so a token once published keeps its meaning.
 */
#ifndef PROTOCOL_ERRCODE_H
#define PROTOCOL_ERRCODE_H

enum error_code {
	ERRC_NONE,		/* "": not in error */
	ERRC_INVALID,		/* a malformed request value */
	ERRC_POLICY,		/* refused by the host's policy */
	ERRC_NOT_FOUND,		/* the file does not exist */
	ERRC_NOT_A_FILE,	/* a directory, device node, FIFO, ... */
	ERRC_SYMLINK,		/* a symbolic link, which is not followed */
	ERRC_FORMAT,		/* the format does not fit the image */
	ERRC_OPEN,		/* the image could not be opened otherwise */
	ERRC_NO_DRIVE,		/* the vdev is not a CD-ROM drive of the domain */
	ERRC_LOCKED,		/* the guest has locked the tray */
	ERRC_BUSY,		/* libxl's device lock was not free in time */
	ERRC_TIMEOUT,		/* a step ran past step-timeout */
	ERRC_QEMU,		/* QEMU refused, failed or could not be reached */
	ERRC_STUB,		/* the stub domain misbehaved */
	ERRC_HOTPLUG,		/* the hotplug script failed */
	ERRC_XENSTORE,		/* xenstored refused or kept aborting */
	ERRC_DIVERGED,		/* re-planned again and again: cannot converge */
	ERRC_INTERNAL,		/* out of memory or descriptors */
};

#define ERRC_COUNT (ERRC_INTERNAL + 1)

/* The token, "" for ERRC_NONE. */
const char *error_code_name(enum error_code c);
/* -1 unless s is exactly one of the tokens ("" is ERRC_NONE). */
int error_code_parse(const char *s, enum error_code *out);

#endif
