/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The fault points of xen-cdromd-faults (see fault.h): counted, logged
 * and, at the chosen one, an immediate _exit with no clean-up, so that
 * the next daemon finds exactly what a crash there would leave.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"
#include "number.h"

static enum { FAULT_UNREAD, FAULT_OFF, FAULT_ON } mode = FAULT_UNREAD;
static int crash_at;
static int passed;

void
fault_point(const char *kind, const char *fmt, ...)
{
	const char *env;
	char what[160];
	va_list ap;

	if (mode == FAULT_UNREAD) {
		env = getenv("XEN_CDROMD_CRASH_AT");
		crash_at = env != NULL ? decimal_parse(env, INT_MAX) : -1;
		mode = crash_at >= 0 ? FAULT_ON : FAULT_OFF;
	}
	if (mode == FAULT_OFF || passed == INT_MAX)
		return;
	passed++;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (passed == crash_at) {
		log_warnx("fault point %d: crashing before %s %s", passed,
		    kind, what);
		_exit(FAULT_EXIT_STATUS);
	}
	log_info("fault point %d: %s %s", passed, kind, what);
}
