/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The daemon's log, through libxentoollog like every Xen tool: stderr in
 * the foreground (the journal's "<N>" lines under systemd), syslog
 * otherwise.  Messages about a drive name it
 * ("dom 3 hdc: ..."), so that one line says what it is about.
 */
#ifndef WATCHER_LOG_H
#define WATCHER_LOG_H

#include <stdbool.h>
#include <xentoollog.h>

int log_init(bool foreground, xentoollog_level level);
void log_fini(void);
/* "debug", "info", "warning" ("warn"), ... as libxentoollog spells them. */
int log_level_parse(const char *s, xentoollog_level *out);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warnx with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
