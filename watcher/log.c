/*
 * Logging for xen-cdromd: a libxentoollog logger, either Xen's stdio one
 * or a small syslog one of our own (libxentoollog has none).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static xentoollog_logger *logger;

struct syslog_logger {
	xentoollog_logger vtable;
	xentoollog_level min_level;
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
	if (errnoval >= 0)
		syslog(syslog_priority(level), "%s: %s", msg, strerror(errnoval));
	else
		syslog(syslog_priority(level), "%s", msg);
}

static void
syslog_destroy(xentoollog_logger *l)
{
	closelog();
	free(l);
}

static xentoollog_logger *
syslog_logger_new(xentoollog_level min_level)
{
	struct syslog_logger *sl;

	if ((sl = calloc(1, sizeof(*sl))) == NULL)
		return NULL;
	sl->vtable.vmessage = syslog_vmessage;
	sl->vtable.destroy = syslog_destroy;
	sl->min_level = min_level;
	openlog("xen-cdromd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	return &sl->vtable;
}

int
log_init(bool foreground, xentoollog_level level)
{
	if (foreground)
		logger = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr,
		    level, XTL_STDIOSTREAM_SHOW_DATE |
		    XTL_STDIOSTREAM_HIDE_PROGRESS);
	else
		logger = syslog_logger_new(level);
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
