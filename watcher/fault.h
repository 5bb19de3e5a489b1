/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Fault injection for the crash-at-every-point tests.  Only the test
 * build, xen-cdromd-faults (compiled with -DXCD_FAULTS), has it: in the
 * daemon that is installed fault_point() is nothing at all, and no
 * environment variable can make it exit.
 *
 * A fault point is each place where the daemon's crash could leave the
 * world half changed: a xenstore write, remove, permission change or
 * commit; a QMP command sent to QEMU; a child process started.  With
 * XEN_CDROMD_CRASH_AT=N the daemon logs every point it passes,
 * numbered from 1, and _exits with status FAULT_EXIT_STATUS just before
 * the Nth, as a kill -9 would stop it; N = 0 only logs, so that a test
 * can count the points of a change before walking them.
 */
#ifndef WATCHER_FAULT_H
#define WATCHER_FAULT_H

#define FAULT_EXIT_STATUS 86

/* Marks a fault point: kind, then what, as printf formats it. */
#ifdef XCD_FAULTS
void fault_point(const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#else
__attribute__((format(printf, 2, 3)))
static inline void
fault_point(const char *kind, const char *fmt, ...)
{
	(void)kind;
	(void)fmt;
}
#endif

#endif
