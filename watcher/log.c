/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Logging for xen-cdromd: a libxentoollog logger, either Xen's stdio one
 * (with the date, on a terminal or into a file), or a small one of our
 * own that gives each line its priority: to syslog when detached, or,
 * under systemd, to the journal's stream as sd-daemon(3) has it ("<4>"
 * before a warning, no date: the journal keeps both).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static xentoollog_logger *logger;

struct syslog_logger {
	xentoollog_logger vtable;
	xentoollog_level min_level;
	bool journal;		/* "<N>" lines on stderr, else syslog(3) */
};

static int
syslog_priority(xentoollog_level level)
{
	switch (level) {
	case XTL_NONE:
	case XTL_DEBUG:
	case XTL_VERBOSE:
	case XTL_DETAIL:
		return LOG_DEBUG;
	case XTL_PROGRESS:
	case XTL_INFO:
		return LOG_INFO;
	case XTL_NOTICE:
		return LOG_NOTICE;
	case XTL_WARN:
		return LOG_WARNING;
	case XTL_ERROR:
		return LOG_ERR;
	case XTL_CRITICAL:
	case XTL_NUM_LEVELS:
		return LOG_CRIT;
	}
	return LOG_ERR;
}

static void __attribute__((format(printf, 5, 0)))
syslog_vmessage(xentoollog_logger *l, xentoollog_level level, int errnoval,
    const char *context, const char *fmt, va_list ap)
{
	struct syslog_logger *sl = (struct syslog_logger *)l;
	char msg[2048];

	(void)context;
	if (level < sl->min_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (sl->journal) {
		/* One write per line, so that lines never interleave. */
		fprintf(stderr, "<%d>%s: %s%s%s\n", syslog_priority(level),
		    xtl_level_to_string(level), msg, errnoval >= 0 ? ": " : "",
		    errnoval >= 0 ? strerror(errnoval) : "");
		fflush(stderr);
	} else if (errnoval >= 0)
		syslog(syslog_priority(level), "%s: %s", msg, strerror(errnoval));
	else
		syslog(syslog_priority(level), "%s", msg);
}

static void
syslog_destroy(xentoollog_logger *l)
{
	if (!((struct syslog_logger *)l)->journal)
		closelog();
	free(l);
}

static xentoollog_logger *
syslog_logger_new(xentoollog_level min_level, bool journal)
{
	struct syslog_logger *sl;

	if ((sl = calloc(1, sizeof(*sl))) == NULL)
		return NULL;
	sl->vtable.vmessage = syslog_vmessage;
	sl->vtable.destroy = syslog_destroy;
	sl->min_level = min_level;
	sl->journal = journal;
	if (!journal)
		openlog("xen-cdromd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	return &sl->vtable;
}

/*
 * Is stderr the journal's stream?  systemd says which one it connected
 * in JOURNAL_STREAM ("DEVICE:INODE"); a stderr redirected elsewhere
 * since (a shell started from the unit) is not.
 */
static bool
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

int
log_init(bool foreground, xentoollog_level level)
{
	if (foreground && stderr_is_journal())
		logger = syslog_logger_new(level, true);
	else if (foreground)
		logger = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr,
		    level, XTL_STDIOSTREAM_SHOW_DATE |
		    XTL_STDIOSTREAM_HIDE_PROGRESS);
	else
		logger = syslog_logger_new(level, false);
	return logger == NULL ? -1 : 0;
}

void
log_fini(void)
{
	xtl_logger_destroy(logger);
	logger = NULL;
}

int
log_level_parse(const char *s, xentoollog_level *out)
{
	int l;

	/* libxentoollog spells it "warning"; "warn" is what people type. */
	if (strcmp(s, "warn") == 0)
		s = "warning";
	for (l = XTL_DEBUG; l < XTL_NUM_LEVELS; l++) {
		if (strcmp(s, xtl_level_to_string(l)) == 0) {
			*out = l;
			return 0;
		}
	}
	return -1;
}

static void __attribute__((format(printf, 3, 0)))
log_v(xentoollog_level level, int errnoval, const char *fmt, va_list ap)
{
	if (logger == NULL) {
		/* Before log_init (argument errors): plain stderr. */
		if (stderr_is_journal())
			fprintf(stderr, "<%d>%s: ", syslog_priority(level),
			    xtl_level_to_string(level));
		vfprintf(stderr, fmt, ap);
		if (errnoval >= 0)
			fprintf(stderr, ": %s", strerror(errnoval));
		fputc('\n', stderr);
		return;
	}
	xtl_logv(logger, level, errnoval, "xen-cdromd", fmt, ap);
}

#define LOG_FN(name, level, errnoval)					\
void									\
name(const char *fmt, ...)						\
{									\
	int saved = errno;						\
	va_list ap;							\
									\
	va_start(ap, fmt);						\
	log_v(level, errnoval, fmt, ap);				\
	va_end(ap);							\
	errno = saved;							\
}

LOG_FN(log_debug, XTL_DEBUG, -1)
LOG_FN(log_info, XTL_INFO, -1)
LOG_FN(log_warnx, XTL_WARN, -1)
LOG_FN(log_warn, XTL_WARN, saved)

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(XTL_CRITICAL, -1, fmt, ap);
	va_end(ap);
	exit(1);
}
