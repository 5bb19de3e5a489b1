/* SPDX-License-Identifier: LGPL-2.1-only */
/* The error-code tokens, spelt as docs/protocol.md lists them. */
#include <string.h>

#include "errcode.h"

static const char *const names[ERRC_COUNT] = {
	[ERRC_NONE] = "",
	[ERRC_INVALID] = "invalid",
	[ERRC_POLICY] = "policy",
	[ERRC_NOT_FOUND] = "not-found",
	[ERRC_NOT_A_FILE] = "not-a-file",
	[ERRC_SYMLINK] = "symlink",
	[ERRC_FORMAT] = "format",
	[ERRC_OPEN] = "open",
	[ERRC_NO_DRIVE] = "no-drive",
	[ERRC_LOCKED] = "locked",
	[ERRC_BUSY] = "busy",
	[ERRC_TIMEOUT] = "timeout",
	[ERRC_QEMU] = "qemu",
	[ERRC_STUB] = "stub",
	[ERRC_HOTPLUG] = "hotplug",
	[ERRC_XENSTORE] = "xenstore",
	[ERRC_DIVERGED] = "diverged",
	[ERRC_INTERNAL] = "internal",
};

const char *
error_code_name(enum error_code c)
{
	return (unsigned)c < ERRC_COUNT ? names[c] : "internal";
}

int
error_code_parse(const char *s, enum error_code *out)
{
	unsigned i;

	if (s == NULL)
		return -1;
	for (i = 0; i < ERRC_COUNT; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum error_code)i;
			return 0;
		}
	return -1;
}
